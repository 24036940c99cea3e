-- =====================================================================
-- The lean reference gets hedgerow's rows: everything `hedgerow-bench seed` loaded (and what
-- earlier runs wrote), copied from hedgerow's tables by INSERT … SELECT. Run as a superuser,
-- whom row-level security does not bind, after bench/lean/schema.sql.
--
-- This is the ONE file that reads hedgerow's schema. When hedgerow's tables change (owner
-- and visibility moving onto content tables, say), adapt the SELECTs here and nothing else:
-- each lean column says where it comes from.
--
-- Kinds the lean reference models: session, shelf, book. Links, invitations and log rows of
-- other kinds (plans) are left out.
-- =====================================================================

-- The rows come consistent from hedgerow: no triggers or foreign-key checks while copying.
SET session_replication_role = replica;

BEGIN;

INSERT INTO lean.profiles (id, username, display_name)
SELECT p.id, p.username, p.display_name FROM data.profiles p;

INSERT INTO lean.settings (user_id, default_session_visibility)
SELECT st.user_id, st.default_session_visibility::text FROM data.settings st;

-- A session's owner and visibility live on data.resources; hedgerow's effective visibility is
-- a session's own level.
INSERT INTO lean.sessions (id, owner_id, visibility, track, title, recorded_at, laps, created_at, updated_at)
SELECT s.id, r.owner_id, r.effective_visibility::text, s.track, s.title, s.recorded_at, s.laps,
       r.created_at, greatest(s.updated_at, r.updated_at)
  FROM data.sessions s JOIN data.resources r ON r.id = s.id;

-- Discovery orders shelves by data.resources.updated_at: that is the shelf's updated_at.
INSERT INTO lean.shelves (id, owner_id, visibility, name, created_at, updated_at)
SELECT sh.id, r.owner_id, r.effective_visibility::text, sh.name, r.created_at, r.updated_at
  FROM data.shelves sh JOIN data.resources r ON r.id = sh.id;

-- A book's override is data.resources.visibility (NULL: inherits); its effective visibility is
-- copied as hedgerow keeps it.
INSERT INTO lean.books (id, shelf_id, owner_id, visibility, effective_visibility, isbn13, title, created_at, updated_at)
SELECT b.id, b.shelf_id, r.owner_id, r.visibility::text, r.effective_visibility::text, b.isbn13, b.title,
       r.created_at, greatest(b.updated_at, r.updated_at)
  FROM data.books b JOIN data.resources r ON r.id = b.id;

INSERT INTO lean.invitations (resource_id, grantee_id, owner_id, created_at, expires_at)
SELECT g.resource_id, g.grantee_id, g.owner_id, g.granted_at, g.expires_at
  FROM data.grants g JOIN data.resources r ON r.id = g.resource_id
 WHERE r.kind IN ('session', 'shelf', 'book');

INSERT INTO lean.share_links (id, resource_id, owner_id, token, enabled, created_at, expires_at, revoked_at)
SELECT l.id, l.resource_id, l.owner_id, l.token, l.enabled, l.created_at, l.expires_at, l.revoked_at
  FROM data.share_links l JOIN data.resources r ON r.id = l.resource_id
 WHERE r.kind IN ('session', 'shelf', 'book');

INSERT INTO lean.access_log (resource_id, owner_id, viewer_id, via, share_link_id, ip, at)
SELECT a.resource_id, a.owner_id, a.viewer_id, a.accessed_via::text, a.share_link_id, a.ip_address, a.accessed_at
  FROM data.access_log a JOIN data.resources r ON r.id = a.resource_id
 WHERE r.kind IN ('session', 'shelf', 'book');

COMMIT;
RESET session_replication_role;
