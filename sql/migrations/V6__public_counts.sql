-- Public counts without counting. Feeds and discovery answer an exact `total`; counting public
-- rows at request time cost one row-level-security probe per row (seconds at a million
-- sessions). Instead the totals are kept as rows are written (triggers in sql/functions).
--
-- Only public things are ever counted here, and public counts are public information: anyone
-- may read this table.

CREATE TABLE data.public_counts (
  kind  text NOT NULL REFERENCES data.resource_kinds (kind),
  scope text NOT NULL,
  -- (No CHECK (n >= 0): an upsert checks the row it would insert, a negative delta, before
  -- it finds the row to add it to.)
  n     bigint NOT NULL,
  PRIMARY KEY (kind, scope)
);
COMMENT ON TABLE data.public_counts IS
  'How many resources of a kind are public: scope '''' counts all of them, scope <track> '
  'counts the public sessions on that track. Kept by triggers; never counts unlisted or '
  'private things.';

-- Whether a resource is listed (public), as a plain boolean column: a user's filter on it may
-- run before the row-level-security policy and use an index, which `effective_visibility =
-- 'public'` may not (enum equality is not marked leakproof).
ALTER TABLE data.resources
  ADD COLUMN listed boolean GENERATED ALWAYS AS (effective_visibility = 'public') STORED;
COMMENT ON COLUMN data.resources.listed IS
  'effective_visibility = ''public'': listed in feeds, discovery and counts.';
DROP INDEX data.resources_discovery;
DROP INDEX data.resources_children;
CREATE INDEX resources_listed_recent ON data.resources (kind, updated_at DESC, id DESC) WHERE listed;
CREATE INDEX resources_listed_children ON data.resources (parent_id, kind) WHERE listed;

-- A session's listing state next to its track and time, so the feed walks an index of public
-- sessions only and its per-track count is kept from this table's own rows.
ALTER TABLE data.sessions ADD COLUMN listed boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN data.sessions.listed IS
  'Copy of data.resources.listed, kept by trigger. Feeds use it to '
  'choose an index; what a caller may read is still decided by data.resources.';

-- The migration runs as the table owner, whom row-level security binds too (FORCE): lift it
-- for the backfill only.
ALTER TABLE data.sessions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data.resources NO FORCE ROW LEVEL SECURITY;
UPDATE data.sessions s SET listed = true FROM data.resources r WHERE r.id = s.id AND r.listed;
INSERT INTO data.public_counts (kind, scope, n)
SELECT kind, '', count(*) FROM data.resources WHERE effective_visibility = 'public' GROUP BY kind;
INSERT INTO data.public_counts (kind, scope, n)
SELECT 'session', track, count(*) FROM data.sessions WHERE listed GROUP BY track;
ALTER TABLE data.sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE data.resources FORCE ROW LEVEL SECURITY;

-- The feed reads public sessions only; private and unlisted ones need no place in its indexes.
DROP INDEX data.sessions_recent;
DROP INDEX data.sessions_track_recent;
CREATE INDEX sessions_listed_recent ON data.sessions (recorded_at DESC, id DESC) WHERE listed;
CREATE INDEX sessions_listed_track_recent ON data.sessions (track, recorded_at DESC, id DESC) WHERE listed;
