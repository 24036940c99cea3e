-- The privacy core shared by every kind of resource (DESIGN §5), and lap sessions.
--
-- data.resources holds the privacy state of everything users own: owner, own visibility,
-- effective visibility (a child's own level, else its parent's — maintained by trigger) and the
-- parent (a book's shelf). Share links, grants and the access log point at it, so a new kind is
-- a content table whose id references data.resources, a policy file and a few functions.

CREATE SCHEMA extensions;
COMMENT ON SCHEMA extensions IS 'Extensions hedgerow uses (pgcrypto for CSPRNG share tokens).';
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;

CREATE TABLE data.resource_kinds (
  kind   text PRIMARY KEY CHECK (kind ~ '^[a-z_]+$'),
  plural text NOT NULL UNIQUE CHECK (plural ~ '^[a-z_]+$')
);
COMMENT ON TABLE data.resource_kinds IS
  'The kinds of resource; plural is the path segment of /api/{plural}/{id}/….';
INSERT INTO data.resource_kinds VALUES ('session', 'sessions');

CREATE TABLE data.resources (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind                 text NOT NULL REFERENCES data.resource_kinds (kind),
  owner_id             uuid NOT NULL REFERENCES data.profiles (id) ON DELETE CASCADE,
  parent_id            uuid REFERENCES data.resources (id) ON DELETE CASCADE,
  visibility           data.visibility,
  effective_visibility data.visibility NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT resources_visibility_or_parent CHECK (visibility IS NOT NULL OR parent_id IS NOT NULL)
);
CREATE INDEX resources_owner ON data.resources (owner_id, kind, created_at DESC);
CREATE INDEX resources_parent ON data.resources (parent_id) WHERE parent_id IS NOT NULL;
COMMENT ON TABLE data.resources IS
  'Everything users own, with its privacy state. Ids are random (v4): for unlisted things the '
  'id is the link. You see a row when you own it, it is public, you address it while it is '
  'unlisted, it (or its parent) is granted to you, or you hold an active share link for it.';
COMMENT ON COLUMN data.resources.visibility IS 'Own level; NULL (children only) inherits the parent''s.';
COMMENT ON COLUMN data.resources.effective_visibility IS 'visibility, else the parent''s effective visibility.';

CREATE TABLE data.share_links (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  resource_id uuid NOT NULL REFERENCES data.resources (id) ON DELETE CASCADE,
  owner_id    uuid NOT NULL REFERENCES data.profiles (id) ON DELETE CASCADE,
  token       text NOT NULL,
  token_hash  bytea NOT NULL UNIQUE,
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  revoked_at  timestamptz,
  CONSTRAINT share_links_hash_matches_token CHECK (token_hash = sha256(convert_to(token, 'UTF8')))
);
CREATE INDEX share_links_resource ON data.share_links (resource_id);
COMMENT ON TABLE data.share_links IS
  'Bearer links to a resource. A link grants read access while enabled, not revoked and not '
  'expired. Only the owner may read token; everyone else matches on token_hash.';

CREATE TABLE data.grants (
  resource_id uuid NOT NULL REFERENCES data.resources (id) ON DELETE CASCADE,
  grantee_id  uuid NOT NULL REFERENCES data.profiles (id) ON DELETE CASCADE,
  owner_id    uuid NOT NULL REFERENCES data.profiles (id) ON DELETE CASCADE,
  granted_by  uuid NOT NULL REFERENCES data.profiles (id) ON DELETE CASCADE,
  granted_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  PRIMARY KEY (resource_id, grantee_id)
);
CREATE INDEX grants_grantee ON data.grants (grantee_id);
COMMENT ON TABLE data.grants IS 'Invitations: read access for a named user, until revoked or expired.';

CREATE TYPE data.access_via AS ENUM ('owner', 'public', 'unlisted', 'invited', 'share_link');

CREATE TABLE data.access_log (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  resource_id   uuid NOT NULL REFERENCES data.resources (id) ON DELETE CASCADE,
  owner_id      uuid NOT NULL REFERENCES data.profiles (id) ON DELETE CASCADE,
  viewer_id     uuid,
  accessed_via  data.access_via NOT NULL,
  share_link_id uuid REFERENCES data.share_links (id) ON DELETE SET NULL,
  ip_address    inet,
  accessed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_log_resource ON data.access_log (resource_id, accessed_at DESC, id DESC);
CREATE INDEX access_log_share_link ON data.access_log (share_link_id) WHERE share_link_id IS NOT NULL;
CREATE INDEX access_log_accessed_at ON data.access_log (accessed_at);
COMMENT ON TABLE data.access_log IS
  'One row per read of a single resource through the API, written in the same transaction as '
  'the read. Append-only; readable by the resource''s owner. viewer_id is the reader''s user '
  'id (NULL: anonymous); it need not have a profile.';

CREATE TABLE data.sessions (
  id          uuid PRIMARY KEY REFERENCES data.resources (id) ON DELETE CASCADE,
  track       text NOT NULL CHECK (char_length(track) BETWEEN 1 AND 100),
  title       text CHECK (char_length(title) <= 200),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  laps        integer[] NOT NULL DEFAULT '{}'
              CHECK (cardinality(laps) <= 10000 AND 0 < ALL (laps)),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_recent ON data.sessions (recorded_at DESC, id DESC);
CREATE INDEX sessions_track_recent ON data.sessions (track, recorded_at DESC, id DESC);
COMMENT ON TABLE data.sessions IS
  'Lap sessions on a track. Readable exactly when their data.resources row is.';
