-- =====================================================================
-- The lean reference (issue 13): hedgerow's privacy rules (DESIGN §5) written by hand, the way
-- a careful engineer would for a PostgREST-style service, in schema `lean` of hedgerow's own
-- database (same cluster, same buffer cache). bench/run.sh measures hedgerow against it.
--
-- Run as a superuser: drops and re-creates schemas lean and lean_api (bench/lean/api.sql). The
-- superuser owns every object here; no API role owns a table, and row-level security binds
-- the API roles. bench/lean/load.sql then copies hedgerow's rows in.
--
-- Differences from hedgerow, on purpose:
-- - owner_id and visibility sit on each content row; there is no resources table.
-- - visibility is text with a CHECK (a domain), not an enum: text equality is leakproof, so a
--   caller's `visibility = 'public'` may run before the policy and choose a partial index.
-- - identity is PostgREST's: the `sub` claim of request.jwt.claims, trusted from any session
--   (hedgerow trusts it only from its authenticator; lean has no analysts).
-- - share links keep the token itself (unique index) and match on it; hedgerow keeps the
--   token too (the owner may read it again) and matches on its SHA-256.
-- - links, invitations and the access log name a resource by id whatever its kind (no FK).
-- - discovery runs as the tables' owner over public shelves and books only
--   (lean_api.discover_shelves, in api.sql): under RLS the planner could not plan its name
--   search well.
-- =====================================================================

SET client_min_messages = warning;

-- Roles, as PostgREST has them: an authenticator that may only become anon or user.
-- (Roles are cluster-wide: created where missing. run.sh sets the authenticator's password.)
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lean_anon') THEN
    CREATE ROLE lean_anon NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lean_user') THEN
    CREATE ROLE lean_user NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lean_authenticator') THEN
    CREATE ROLE lean_authenticator LOGIN NOINHERIT;
  END IF;
END
$$;
GRANT lean_anon, lean_user TO lean_authenticator;
DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO lean_authenticator', current_database());
END
$$;

DROP SCHEMA IF EXISTS lean_api CASCADE;
DROP SCHEMA IF EXISTS lean CASCADE;
CREATE SCHEMA lean;
-- (The authenticator only resolves names: clients that pipeline prepare their statements
-- before the transaction switches role. Tables are granted to anon and user only.)
GRANT USAGE ON SCHEMA lean TO lean_anon, lean_user, lean_authenticator;

-- pg_trgm for the shelf-name index; hedgerow has it already (in its schema `extensions`).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DO $$
BEGIN
  PERFORM set_config('search_path', 'lean, ' || extnamespace::regnamespace::text, false)
     FROM pg_extension WHERE extname = 'pg_trgm';
END
$$;

CREATE DOMAIN lean.visibility AS text CHECK (VALUE IN ('private', 'unlisted', 'public'));

-- =====================================================================
-- Request context: transaction-local settings, set by PostgREST or by the caller's
-- transaction. Policies call them as (SELECT lean.f()) so they run once per statement.
-- =====================================================================

-- The caller's user id: the `sub` claim (NULL for anonymous callers).
CREATE FUNCTION lean.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT (nullif(current_setting('request.jwt.claims', true), '')::json ->> 'sub')::uuid $$;

-- The id the request addresses directly: what makes an unlisted thing readable.
CREATE FUNCTION lean.addressed_id() RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('request.resource_id', true), '')::uuid $$;

-- The share token the request carries (NULL without one).
CREATE FUNCTION lean.share_token() RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('request.share_token', true), '') $$;

-- The client's address, for the access log.
CREATE FUNCTION lean.client_ip() RETURNS inet
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('request.ip', true), '')::inet $$;

GRANT EXECUTE ON FUNCTION lean.uid(), lean.addressed_id(), lean.share_token(), lean.client_ip()
  TO lean_anon, lean_user;

-- =====================================================================
-- Users
-- =====================================================================

CREATE TABLE lean.profiles (
  id           uuid PRIMARY KEY,
  username     text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_]{3,32}$'),
  display_name text CHECK (char_length(display_name) BETWEEN 1 AND 100)
);
ALTER TABLE lean.profiles ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON lean.profiles TO lean_anon, lean_user;
-- A profile is the public face of a user.
CREATE POLICY "Profiles are public" ON lean.profiles FOR SELECT TO lean_anon, lean_user USING (true);

CREATE TABLE lean.settings (
  user_id                    uuid PRIMARY KEY REFERENCES lean.profiles (id) ON DELETE CASCADE,
  default_session_visibility lean.visibility NOT NULL DEFAULT 'private'
);
ALTER TABLE lean.settings ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON lean.settings TO lean_user;
-- Settings are their user's only.
CREATE POLICY "Settings are their user's" ON lean.settings FOR SELECT TO lean_user
  USING (user_id = (SELECT lean.uid()));

-- A new session's visibility when the request names none: the caller's default, else private.
-- (plpgsql keeps the statement's plan for the connection.)
CREATE FUNCTION lean.default_session_visibility() RETURNS lean.visibility
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN coalesce((SELECT s.default_session_visibility FROM lean.settings s WHERE s.user_id = lean.uid()),
                  'private');
END
$$;
GRANT EXECUTE ON FUNCTION lean.default_session_visibility() TO lean_user;

-- =====================================================================
-- What shares a resource: invitations and share links
-- =====================================================================

-- Whether the caller owns resource `id`, whatever its kind: what sharing it needs.
CREATE FUNCTION lean.owned(id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN EXISTS (SELECT FROM lean.sessions s WHERE s.id = owned.id AND s.owner_id = lean.uid())
      OR EXISTS (SELECT FROM lean.shelves sh WHERE sh.id = owned.id AND sh.owner_id = lean.uid())
      OR EXISTS (SELECT FROM lean.books b WHERE b.id = owned.id AND b.owner_id = lean.uid());
END
$$;
GRANT EXECUTE ON FUNCTION lean.owned(uuid) TO lean_user;

CREATE TABLE lean.invitations (
  resource_id uuid NOT NULL,
  grantee_id  uuid NOT NULL REFERENCES lean.profiles (id) ON DELETE CASCADE,
  owner_id    uuid NOT NULL REFERENCES lean.profiles (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  PRIMARY KEY (resource_id, grantee_id)
);
CREATE INDEX invitations_grantee ON lean.invitations (grantee_id);
ALTER TABLE lean.invitations ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON lean.invitations TO lean_anon, lean_user;
GRANT INSERT (resource_id, grantee_id, owner_id, expires_at), DELETE ON lean.invitations TO lean_user;
-- The owner who invited and the user invited see an invitation.
CREATE POLICY "Invitations are readable by owner and grantee" ON lean.invitations
  FOR SELECT TO lean_anon, lean_user
  USING (owner_id = (SELECT lean.uid()) OR grantee_id = (SELECT lean.uid()));
-- Owners invite to their own resources.
CREATE POLICY "Owners invite" ON lean.invitations FOR INSERT TO lean_user
  WITH CHECK (owner_id = (SELECT lean.uid()) AND lean.owned(resource_id));
CREATE POLICY "Owners revoke invitations" ON lean.invitations FOR DELETE TO lean_user
  USING (owner_id = (SELECT lean.uid()));

CREATE TABLE lean.share_links (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  resource_id uuid NOT NULL,
  owner_id    uuid NOT NULL REFERENCES lean.profiles (id) ON DELETE CASCADE,
  token       text NOT NULL UNIQUE,
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  revoked_at  timestamptz
);
CREATE INDEX share_links_resource ON lean.share_links (resource_id);
ALTER TABLE lean.share_links ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON lean.share_links TO lean_anon, lean_user;
GRANT INSERT (resource_id, owner_id, token, enabled, expires_at), UPDATE (enabled, revoked_at, token, expires_at)
  ON lean.share_links TO lean_user;
-- The owner sees their links; a bearer sees the one link their token opens.
CREATE POLICY "Links are readable by owner and bearer" ON lean.share_links
  FOR SELECT TO lean_anon, lean_user
  USING (owner_id = (SELECT lean.uid()) OR token = (SELECT lean.share_token()));
-- Owners create links to their own resources.
CREATE POLICY "Owners create links" ON lean.share_links FOR INSERT TO lean_user
  WITH CHECK (owner_id = (SELECT lean.uid()) AND lean.owned(resource_id));
CREATE POLICY "Owners change links" ON lean.share_links FOR UPDATE TO lean_user
  USING (owner_id = (SELECT lean.uid())) WITH CHECK (owner_id = (SELECT lean.uid()));

-- Resources invited to the caller (unexpired). Policies use it in FROM, where it is inlined,
-- as `id IN (SELECT i.id FROM lean.invited_ids() i(id))`: one hashed lookup per statement.
CREATE FUNCTION lean.invited_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE
AS $$
  SELECT i.resource_id FROM lean.invitations i
   WHERE i.grantee_id = (SELECT lean.uid()) AND (i.expires_at IS NULL OR i.expires_at > now())
$$;

-- Resources the request's share token opens: enabled, not revoked, not expired.
CREATE FUNCTION lean.linked_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE
AS $$
  SELECT l.resource_id FROM lean.share_links l
   WHERE l.token = (SELECT lean.share_token())
     AND l.enabled AND l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > now())
$$;
GRANT EXECUTE ON FUNCTION lean.invited_ids(), lean.linked_ids() TO lean_anon, lean_user;

-- =====================================================================
-- Lap sessions
-- =====================================================================

CREATE TABLE lean.sessions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id    uuid NOT NULL DEFAULT lean.uid() REFERENCES lean.profiles (id) ON DELETE CASCADE,
  visibility  lean.visibility NOT NULL DEFAULT lean.default_session_visibility(),
  track       text NOT NULL CHECK (char_length(track) BETWEEN 1 AND 100),
  title       text CHECK (char_length(title) <= 200),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  laps        integer[] NOT NULL DEFAULT '{}' CHECK (cardinality(laps) <= 10000 AND 0 < ALL (laps)),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- A session's fastest lap (NULL without laps): what leaderboards rank by, indexed below.
CREATE FUNCTION lean.best_lap(laps integer[]) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT min(l) FROM unnest(laps) l $$;
GRANT EXECUTE ON FUNCTION lean.best_lap(integer[]) TO lean_anon, lean_user;
-- The owner's list; the feed per track and overall, of public sessions only; each track's
-- leaderboard of public sessions.
CREATE INDEX sessions_owner ON lean.sessions (owner_id, recorded_at DESC, id DESC);
CREATE INDEX sessions_public_track ON lean.sessions (track, recorded_at DESC, id DESC) WHERE visibility = 'public';
CREATE INDEX sessions_public ON lean.sessions (recorded_at DESC, id DESC) WHERE visibility = 'public';
CREATE INDEX sessions_public_board ON lean.sessions (track, lean.best_lap(laps), recorded_at, id)
  WHERE visibility = 'public' AND lean.best_lap(laps) IS NOT NULL;
ALTER TABLE lean.sessions ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON lean.sessions TO lean_anon, lean_user;
GRANT INSERT (track, title, recorded_at, laps, visibility),
      UPDATE (track, title, recorded_at, laps, visibility, updated_at), DELETE
  ON lean.sessions TO lean_user;

-- Readable when public, by its owner, when unlisted and addressed, by invited users, and by
-- bearers of an active share link.
CREATE POLICY "Sessions are readable as their visibility allows" ON lean.sessions
  FOR SELECT TO lean_anon, lean_user
  USING (
    visibility = 'public'
    OR owner_id = (SELECT lean.uid())
    OR (visibility = 'unlisted' AND id = (SELECT lean.addressed_id()))
    OR id IN (SELECT i.id FROM lean.invited_ids() i(id))
    OR id IN (SELECT l.id FROM lean.linked_ids() l(id))
  );
CREATE POLICY "Users record their own sessions" ON lean.sessions FOR INSERT TO lean_user
  WITH CHECK (owner_id = (SELECT lean.uid()));
CREATE POLICY "Owners change their sessions" ON lean.sessions FOR UPDATE TO lean_user
  USING (owner_id = (SELECT lean.uid())) WITH CHECK (owner_id = (SELECT lean.uid()));
CREATE POLICY "Owners delete their sessions" ON lean.sessions FOR DELETE TO lean_user
  USING (owner_id = (SELECT lean.uid()));

-- =====================================================================
-- Shelves and books. A book's effective visibility is its own override, else its shelf's;
-- it is kept in effective_visibility by two triggers (so policies read a column, and never
-- need to read a shelf the caller may not see). Discovery lists shelves, with their public
-- books counted.
-- =====================================================================

CREATE TABLE lean.shelves (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id   uuid NOT NULL DEFAULT lean.uid() REFERENCES lean.profiles (id) ON DELETE CASCADE,
  visibility lean.visibility NOT NULL DEFAULT 'public',
  name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shelves_owner ON lean.shelves (owner_id, updated_at DESC, id DESC);
-- Discovery: public shelves, most recently updated first, and a name search.
CREATE INDEX shelves_public_recent ON lean.shelves (updated_at DESC, id DESC) WHERE visibility = 'public';
-- (ILIKE is not leakproof: under row-level security the planner may neither use this index
-- for a caller's ILIKE nor see the column's statistics. Discovery searches through
-- lean_api.discover_shelves, which sees public shelves only, as their owner.)
CREATE INDEX shelves_name_trgm ON lean.shelves USING gin (name gin_trgm_ops) WHERE visibility = 'public';
ALTER TABLE lean.shelves ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON lean.shelves TO lean_anon, lean_user;
GRANT INSERT (name, visibility), UPDATE (name, visibility, updated_at), DELETE ON lean.shelves TO lean_user;

CREATE POLICY "Shelves are readable as their visibility allows" ON lean.shelves
  FOR SELECT TO lean_anon, lean_user
  USING (
    visibility = 'public'
    OR owner_id = (SELECT lean.uid())
    OR (visibility = 'unlisted' AND id = (SELECT lean.addressed_id()))
    OR id IN (SELECT i.id FROM lean.invited_ids() i(id))
    OR id IN (SELECT l.id FROM lean.linked_ids() l(id))
  );
CREATE POLICY "Users create their own shelves" ON lean.shelves FOR INSERT TO lean_user
  WITH CHECK (owner_id = (SELECT lean.uid()));
CREATE POLICY "Owners change their shelves" ON lean.shelves FOR UPDATE TO lean_user
  USING (owner_id = (SELECT lean.uid())) WITH CHECK (owner_id = (SELECT lean.uid()));
CREATE POLICY "Owners delete their shelves" ON lean.shelves FOR DELETE TO lean_user
  USING (owner_id = (SELECT lean.uid()));

CREATE TABLE lean.books (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shelf_id             uuid NOT NULL REFERENCES lean.shelves (id) ON DELETE CASCADE,
  owner_id             uuid NOT NULL DEFAULT lean.uid() REFERENCES lean.profiles (id) ON DELETE CASCADE,
  visibility           lean.visibility,  -- the override; NULL inherits the shelf's
  effective_visibility lean.visibility NOT NULL,
  isbn13               text NOT NULL CHECK (isbn13 ~ '^97[89][0-9]{10}$'),
  title                text CHECK (char_length(title) <= 300),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX books_shelf ON lean.books (shelf_id);
-- Discovery's book_count: a shelf's public books, from the index alone.
CREATE INDEX books_public_by_shelf ON lean.books (shelf_id) WHERE effective_visibility = 'public';
ALTER TABLE lean.books ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON lean.books TO lean_anon, lean_user;
GRANT INSERT (shelf_id, visibility, isbn13, title), UPDATE (visibility, title, updated_at), DELETE
  ON lean.books TO lean_user;

-- Readable like a session, by its effective visibility; a shelf's invitations and links reach
-- its books, except books overridden to private, and addressing an unlisted shelf reaches the
-- books that inherit from it.
CREATE POLICY "Books are readable as their effective visibility allows" ON lean.books
  FOR SELECT TO lean_anon, lean_user
  USING (
    effective_visibility = 'public'
    OR owner_id = (SELECT lean.uid())
    OR (effective_visibility = 'unlisted'
        AND (id = (SELECT lean.addressed_id())
             OR (visibility IS NULL AND shelf_id = (SELECT lean.addressed_id()))))
    OR id IN (SELECT i.id FROM lean.invited_ids() i(id))
    OR id IN (SELECT l.id FROM lean.linked_ids() l(id))
    OR (visibility IS DISTINCT FROM 'private'
        AND (shelf_id IN (SELECT i.id FROM lean.invited_ids() i(id))
             OR shelf_id IN (SELECT l.id FROM lean.linked_ids() l(id))))
  );
CREATE POLICY "Owners put books on their shelves" ON lean.books FOR INSERT TO lean_user
  WITH CHECK (owner_id = (SELECT lean.uid())
              AND shelf_id IN (SELECT sh.id FROM lean.shelves sh WHERE sh.owner_id = (SELECT lean.uid())));
CREATE POLICY "Owners change their books" ON lean.books FOR UPDATE TO lean_user
  USING (owner_id = (SELECT lean.uid())) WITH CHECK (owner_id = (SELECT lean.uid()));
CREATE POLICY "Owners delete their books" ON lean.books FOR DELETE TO lean_user
  USING (owner_id = (SELECT lean.uid()));

-- A book's effective visibility on write: its override, else its shelf's. (The shelf is the
-- caller's own: the INSERT policy says so.)
CREATE FUNCTION lean.books_effective_visibility() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.effective_visibility := coalesce(NEW.visibility,
                                       (SELECT sh.visibility FROM lean.shelves sh WHERE sh.id = NEW.shelf_id));
  RETURN NEW;
END
$$;
CREATE TRIGGER books_effective_visibility BEFORE INSERT OR UPDATE OF visibility, shelf_id ON lean.books
  FOR EACH ROW EXECUTE FUNCTION lean.books_effective_visibility();

-- A shelf's new level reaches the books that inherit it.
CREATE FUNCTION lean.shelves_pass_visibility_on() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE lean.books b SET effective_visibility = NEW.visibility
   WHERE b.shelf_id = NEW.id AND b.visibility IS NULL;
  RETURN NULL;
END
$$;
CREATE TRIGGER shelves_pass_visibility_on AFTER UPDATE OF visibility ON lean.shelves
  FOR EACH ROW WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility)
  EXECUTE FUNCTION lean.shelves_pass_visibility_on();

-- =====================================================================
-- The access log: one narrow row per read of a single resource, appended in the reading
-- transaction; read by the resource's owner, newest first (its one index).
-- =====================================================================

CREATE TABLE lean.access_log (
  resource_id   uuid NOT NULL,
  owner_id      uuid NOT NULL,
  viewer_id     uuid,
  via           text NOT NULL CHECK (via IN ('owner', 'public', 'unlisted', 'invited', 'share_link')),
  share_link_id uuid,
  ip            inet,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_log_resource ON lean.access_log (resource_id, at DESC);
ALTER TABLE lean.access_log ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON lean.access_log TO lean_user;
GRANT INSERT (resource_id, owner_id, viewer_id, via, share_link_id, ip) ON lean.access_log TO lean_anon, lean_user;
-- Only the owner of a resource reads who read it.
CREATE POLICY "Access logs are readable by the resource owner" ON lean.access_log
  FOR SELECT TO lean_user
  USING (owner_id = (SELECT lean.uid()));
-- A reader logs their own read of something they can see, attributed to its real owner (the
-- lookups run under the caller's own policies: an invisible resource has no owner).
CREATE POLICY "Readers log their own reads" ON lean.access_log
  FOR INSERT TO lean_anon, lean_user
  WITH CHECK (viewer_id IS NOT DISTINCT FROM (SELECT lean.uid())
              AND owner_id = coalesce((SELECT s.owner_id FROM lean.sessions s WHERE s.id = resource_id),
                                      (SELECT sh.owner_id FROM lean.shelves sh WHERE sh.id = resource_id),
                                      (SELECT b.owner_id FROM lean.books b WHERE b.id = resource_id)));

-- =====================================================================
-- Responses: JSON built in SQL, as PostgREST does
-- =====================================================================

-- A session as the lean API shows it, with its owner's public names (inlined by the planner).
CREATE FUNCTION lean.session_json(s lean.sessions, owner lean.profiles) RETURNS json
LANGUAGE sql STABLE
AS $$
  SELECT json_build_object(
    'id', s.id, 'track', s.track, 'title', s.title, 'recorded_at', s.recorded_at, 'laps', s.laps,
    'visibility', s.visibility, 'created_at', s.created_at, 'updated_at', s.updated_at,
    'owner', json_build_object('username', owner.username, 'display_name', owner.display_name))
$$;

GRANT EXECUTE ON FUNCTION lean.session_json(lean.sessions, lean.profiles) TO lean_anon, lean_user;

-- Functions are executable by the roles granted above only.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA lean FROM PUBLIC;
