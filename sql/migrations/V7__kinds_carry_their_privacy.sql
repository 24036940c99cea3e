-- Each kind's table carries its own privacy state: owner, own and effective visibility, and
-- `listed`. A read of a session now touches one row under one policy, and a create is one
-- INSERT, instead of a row in data.resources plus a content row whose policy probed it.
-- Kinds are declared in repeatable SQL (sql/kinds), so data.resources and
-- data.resource_kinds go; share links and invitations name their resource's kind, and the
-- access log becomes narrow, keyed by a sequence and partitioned by month (retention drops
-- whole months). Per-user defaults become a row per kind.
--
-- The repeatable schemas are dropped first: they are re-created by the same `migrate` run,
-- and nothing of them may hold on to the tables changed here.

DROP SCHEMA IF EXISTS analytics CASCADE;
DROP SCHEMA IF EXISTS api CASCADE;
DROP SCHEMA IF EXISTS hedgerow CASCADE;
DO $$
BEGIN
  IF to_regclass('hedgerow_meta.repeatable_state') IS NOT NULL THEN
    DELETE FROM hedgerow_meta.repeatable_state;
  END IF;
END
$$;

-- Row-level security binds the owner role too (FORCE), and its policies went with the
-- schemas above: lift it for the backfill.
ALTER TABLE data.resources NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data.sessions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data.shelves NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data.books NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data.plans NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data.share_links NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data.grants NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data.access_log NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data.settings NO FORCE ROW LEVEL SECURITY;
DO $$
DECLARE p record;
BEGIN
  FOR p IN SELECT schemaname, tablename, policyname FROM pg_policies WHERE schemaname = 'data' LOOP
    EXECUTE format('DROP POLICY %I ON %I.%I', p.policyname, p.schemaname, p.tablename);
  END LOOP;
END
$$;

-- =====================================================================
-- The privacy columns, on every kind's table. Top-level kinds always have a level of their
-- own, so their effective level is that level; a book's is kept by trigger (its override,
-- else its shelf's).
-- =====================================================================

ALTER TABLE data.sessions DROP COLUMN listed;
ALTER TABLE data.sessions
  ADD COLUMN owner_id uuid REFERENCES data.profiles (id) ON DELETE CASCADE,
  ADD COLUMN visibility data.visibility,
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN best_lap_ms integer;
ALTER TABLE data.shelves
  ADD COLUMN owner_id uuid REFERENCES data.profiles (id) ON DELETE CASCADE,
  ADD COLUMN visibility data.visibility,
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE data.plans
  ADD COLUMN owner_id uuid REFERENCES data.profiles (id) ON DELETE CASCADE,
  ADD COLUMN visibility data.visibility,
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE data.books
  ADD COLUMN owner_id uuid REFERENCES data.profiles (id) ON DELETE CASCADE,
  ADD COLUMN visibility data.visibility,
  ADD COLUMN effective_visibility data.visibility,
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

UPDATE data.sessions t
   SET owner_id = r.owner_id, visibility = r.visibility, created_at = r.created_at,
       updated_at = greatest(t.updated_at, r.updated_at),
       best_lap_ms = (SELECT min(lap) FROM unnest(t.laps) lap)
  FROM data.resources r WHERE r.id = t.id;
UPDATE data.shelves t
   SET owner_id = r.owner_id, visibility = r.visibility, created_at = r.created_at,
       updated_at = r.updated_at
  FROM data.resources r WHERE r.id = t.id;
UPDATE data.plans t
   SET owner_id = r.owner_id, visibility = r.visibility, created_at = r.created_at,
       updated_at = greatest(t.updated_at, r.updated_at)
  FROM data.resources r WHERE r.id = t.id;
UPDATE data.books t
   SET owner_id = r.owner_id, visibility = r.visibility,
       effective_visibility = r.effective_visibility, created_at = r.created_at,
       updated_at = greatest(t.updated_at, r.updated_at)
  FROM data.resources r WHERE r.id = t.id;

ALTER TABLE data.sessions
  ALTER COLUMN owner_id SET NOT NULL,
  ALTER COLUMN visibility SET NOT NULL,
  ADD COLUMN effective_visibility data.visibility NOT NULL GENERATED ALWAYS AS (visibility) STORED,
  ADD COLUMN listed boolean NOT NULL GENERATED ALWAYS AS (visibility = 'public') STORED;
ALTER TABLE data.shelves
  ALTER COLUMN owner_id SET NOT NULL,
  ALTER COLUMN visibility SET NOT NULL,
  ADD COLUMN effective_visibility data.visibility NOT NULL GENERATED ALWAYS AS (visibility) STORED,
  ADD COLUMN listed boolean NOT NULL GENERATED ALWAYS AS (visibility = 'public') STORED;
ALTER TABLE data.plans
  ALTER COLUMN owner_id SET NOT NULL,
  ALTER COLUMN visibility SET NOT NULL,
  ADD COLUMN effective_visibility data.visibility NOT NULL GENERATED ALWAYS AS (visibility) STORED,
  ADD COLUMN listed boolean NOT NULL GENERATED ALWAYS AS (visibility = 'public') STORED;
ALTER TABLE data.books
  ALTER COLUMN owner_id SET NOT NULL,
  ALTER COLUMN effective_visibility SET NOT NULL,
  ADD COLUMN listed boolean NOT NULL GENERATED ALWAYS AS (effective_visibility = 'public') STORED;

COMMENT ON COLUMN data.sessions.best_lap_ms IS 'The fastest of laps (ms), kept by trigger; NULL without laps.';

-- The content tables no longer hang off data.resources.
ALTER TABLE data.sessions DROP CONSTRAINT sessions_id_fkey;
ALTER TABLE data.shelves DROP CONSTRAINT shelves_id_fkey;
ALTER TABLE data.books DROP CONSTRAINT books_id_fkey;
ALTER TABLE data.plans DROP CONSTRAINT plans_id_fkey;
ALTER TABLE data.sessions ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE data.shelves ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE data.books ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE data.plans ALTER COLUMN id SET DEFAULT gen_random_uuid();

-- What each kind's lists, feeds and policies walk.
CREATE INDEX sessions_owner_recent ON data.sessions (owner_id, recorded_at DESC, id DESC);
CREATE INDEX sessions_listed_recent ON data.sessions (recorded_at DESC, id DESC) WHERE listed;
CREATE INDEX sessions_listed_track_recent ON data.sessions (track, recorded_at DESC, id DESC) WHERE listed;
CREATE INDEX sessions_listed_track_best ON data.sessions (track, best_lap_ms, recorded_at, id)
  WHERE listed AND best_lap_ms IS NOT NULL;
CREATE INDEX shelves_owner_recent ON data.shelves (owner_id, updated_at DESC, id DESC);
CREATE INDEX shelves_listed_recent ON data.shelves (updated_at DESC, id DESC) WHERE listed;
CREATE INDEX plans_owner_recent ON data.plans (owner_id, updated_at DESC, id DESC);
CREATE INDEX plans_listed_recent ON data.plans (updated_at DESC, id DESC) WHERE listed;
DROP INDEX data.books_shelf;
CREATE INDEX books_by_parent ON data.books (shelf_id, created_at DESC, id DESC);
CREATE INDEX books_owner_recent ON data.books (owner_id, created_at DESC, id DESC);
CREATE INDEX books_listed_recent ON data.books (created_at DESC, id DESC) WHERE listed;

-- =====================================================================
-- Links and invitations name their resource's kind.
-- =====================================================================

ALTER TABLE data.share_links ADD COLUMN kind text;
UPDATE data.share_links l SET kind = r.kind FROM data.resources r WHERE r.id = l.resource_id;
ALTER TABLE data.share_links ALTER COLUMN kind SET NOT NULL,
  DROP CONSTRAINT share_links_resource_id_fkey;
ALTER TABLE data.grants ADD COLUMN kind text;
UPDATE data.grants g SET kind = r.kind FROM data.resources r WHERE r.id = g.resource_id;
ALTER TABLE data.grants ALTER COLUMN kind SET NOT NULL,
  DROP CONSTRAINT grants_resource_id_fkey;
COMMENT ON COLUMN data.share_links.kind IS 'The kind of the resource the link opens.';
COMMENT ON COLUMN data.grants.kind IS 'The kind of the resource granted.';

-- =====================================================================
-- The access log: narrow, a sequence instead of random ids, one index per question asked of
-- it, no foreign keys (their row locks on the resource made concurrent reads of one thing
-- contend); partitioned by month so that retention drops whole partitions.
-- =====================================================================

CREATE SEQUENCE data.access_log_id_seq;
CREATE TABLE data.access_log_monthly (
  id            bigint NOT NULL DEFAULT nextval('data.access_log_id_seq'),
  resource_id   uuid NOT NULL,
  owner_id      uuid NOT NULL,
  viewer_id     uuid,
  accessed_via  data.access_via NOT NULL,
  share_link_id uuid,
  ip_address    inet,
  accessed_at   timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (accessed_at);
ALTER SEQUENCE data.access_log_id_seq OWNED BY data.access_log_monthly.id;
-- Rows of months without a partition of their own (until one is made; see
-- hedgerow.ensure_access_log_months).
CREATE TABLE data.access_log_default PARTITION OF data.access_log_monthly DEFAULT;
DO $$
DECLARE
  first_month date := date_trunc('month', coalesce((SELECT min(accessed_at) FROM data.access_log), now()));
  month date;
BEGIN
  FOR month IN SELECT generate_series(first_month, date_trunc('month', now()) + interval '12 months', interval '1 month')::date LOOP
    EXECUTE format('CREATE TABLE data.%I PARTITION OF data.access_log_monthly FOR VALUES FROM (%L) TO (%L)',
                   'access_log_' || to_char(month, 'YYYY_MM'), month, month + interval '1 month');
  END LOOP;
END
$$;
INSERT INTO data.access_log_monthly (resource_id, owner_id, viewer_id, accessed_via, share_link_id, ip_address, accessed_at)
SELECT resource_id, owner_id, viewer_id, accessed_via, share_link_id, ip_address, accessed_at
  FROM data.access_log ORDER BY accessed_at;
DROP TABLE data.access_log;
ALTER TABLE data.access_log_monthly RENAME TO access_log;
CREATE INDEX access_log_resource ON data.access_log (resource_id, accessed_at DESC, id DESC);
CREATE INDEX access_log_share_link ON data.access_log (share_link_id) WHERE share_link_id IS NOT NULL;
COMMENT ON TABLE data.access_log IS
  'One row per read of a single resource through the API, written in the same transaction as '
  'the read. Append-only; readable by the resource''s owner. viewer_id is the reader''s user '
  'id (NULL: anonymous, or an account since deleted). Partitioned by month.';

-- =====================================================================
-- Per-user defaults: a row per kind (a missing row: the kind's declared default).
-- =====================================================================

CREATE TABLE data.default_visibility (
  user_id    uuid NOT NULL REFERENCES data.profiles (id) ON DELETE CASCADE,
  kind       text NOT NULL,
  -- NULL: new resources of a kind with a parent inherit the parent's level.
  visibility data.visibility,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, kind)
);
COMMENT ON TABLE data.default_visibility IS
  'The visibility a user''s new resources of a kind get when the request names none. Owner-only.';
INSERT INTO data.default_visibility (user_id, kind, visibility, updated_at)
SELECT user_id, kind, visibility, updated_at FROM data.settings,
       LATERAL (VALUES ('session', default_session_visibility), ('shelf', default_shelf_visibility),
                       ('plan', default_plan_visibility), ('book', default_book_override)) d(kind, visibility);
DROP TABLE data.settings;

ALTER TABLE data.public_counts DROP CONSTRAINT public_counts_kind_fkey;
DROP TABLE data.resources;
DROP TABLE data.resource_kinds;

ALTER TABLE data.sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE data.shelves FORCE ROW LEVEL SECURITY;
ALTER TABLE data.books FORCE ROW LEVEL SECURITY;
ALTER TABLE data.plans FORCE ROW LEVEL SECURITY;
ALTER TABLE data.share_links FORCE ROW LEVEL SECURITY;
ALTER TABLE data.grants FORCE ROW LEVEL SECURITY;
