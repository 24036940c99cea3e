-- =====================================================================
-- The lean reference gets hedgerow's rows: everything `hedgerow-bench seed` loaded (and what
-- earlier runs wrote), copied from hedgerow's tables by INSERT … SELECT. Run as a superuser,
-- whom row-level security does not bind, after bench/lean/schema.sql.
--
-- This is the ONE file that reads hedgerow's schema. When hedgerow's tables change, adapt the
-- SELECTs here and nothing else: each lean column says where it comes from.
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
SELECT d.user_id, d.visibility::text FROM data.default_visibility d WHERE d.kind = 'session';

-- Owner and visibility are on each of hedgerow's rows, as on the lean ones; a session's
-- effective visibility is its own level.
INSERT INTO lean.sessions (id, owner_id, visibility, track, title, recorded_at, laps, created_at, updated_at)
SELECT s.id, s.owner_id, s.visibility::text, s.track, s.title, s.recorded_at, s.laps, s.created_at, s.updated_at
  FROM data.sessions s;

INSERT INTO lean.shelves (id, owner_id, visibility, name, created_at, updated_at)
SELECT sh.id, sh.owner_id, sh.visibility::text, sh.name, sh.created_at, sh.updated_at
  FROM data.shelves sh;

-- A book's override is its visibility (NULL: inherits); its effective visibility is copied as
-- hedgerow keeps it.
INSERT INTO lean.books (id, shelf_id, owner_id, visibility, effective_visibility, isbn13, title, created_at, updated_at)
SELECT b.id, b.shelf_id, b.owner_id, b.visibility::text, b.effective_visibility::text, b.isbn13, b.title,
       b.created_at, b.updated_at
  FROM data.books b;

INSERT INTO lean.invitations (resource_id, grantee_id, owner_id, created_at, expires_at)
SELECT g.resource_id, g.grantee_id, g.owner_id, g.granted_at, g.expires_at
  FROM data.grants g WHERE g.kind IN ('session', 'shelf', 'book');

INSERT INTO lean.share_links (id, resource_id, owner_id, token, enabled, created_at, expires_at, revoked_at)
SELECT l.id, l.resource_id, l.owner_id, l.token, l.enabled, l.created_at, l.expires_at, l.revoked_at
  FROM data.share_links l WHERE l.kind IN ('session', 'shelf', 'book');

INSERT INTO lean.access_log (resource_id, owner_id, viewer_id, via, share_link_id, ip, at)
SELECT a.resource_id, a.owner_id, a.viewer_id, a.accessed_via::text, a.share_link_id, a.ip_address, a.accessed_at
  FROM data.access_log a
 WHERE a.resource_id IN (SELECT id FROM data.sessions UNION ALL SELECT id FROM data.shelves
                         UNION ALL SELECT id FROM data.books);

COMMIT;
RESET session_replication_role;
