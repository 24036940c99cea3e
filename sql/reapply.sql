-- Prelude of the repeatable step (run by `hedgerow migrate` in one transaction, under the
-- migration advisory lock, after the versioned migrations). The function schemas are dropped
-- and re-created from sql/functions; dropping them also drops the policies, triggers and
-- views that use their functions, so every policy is re-created from policies/ in the same
-- transaction, and nothing stale survives a rename.
DROP SCHEMA IF EXISTS analytics CASCADE;
DROP SCHEMA IF EXISTS api CASCADE;
DROP SCHEMA IF EXISTS hedgerow CASCADE;

-- Policies that used no hedgerow function survive the drop: remove them too.
DO $$
DECLARE p record;
BEGIN
  FOR p IN SELECT schemaname, tablename, policyname FROM pg_policies WHERE schemaname = 'data' LOOP
    EXECUTE format('DROP POLICY %I ON %I.%I', p.policyname, p.schemaname, p.tablename);
  END LOOP;
END
$$;

-- Privileges are re-granted by each policies/ file, so a grant removed there goes away.
REVOKE ALL ON ALL TABLES IN SCHEMA data FROM hedgerow_anon, hedgerow_user, hedgerow_analyst;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA data FROM hedgerow_anon, hedgerow_user, hedgerow_analyst;

CREATE SCHEMA hedgerow;
COMMENT ON SCHEMA hedgerow IS 'Helpers used by policies and API functions (identity, errors, validation).';
CREATE SCHEMA api;
COMMENT ON SCHEMA api IS 'One function per HTTP endpoint: api.fn(args jsonb) returns the response envelope.';
CREATE SCHEMA analytics;
COMMENT ON SCHEMA analytics IS
  'Views for analysts: what you may see, summarised (under your own row-level security), and '
  'k-anonymous totals over all data that never show a group smaller than '
  'data.analytics_config.min_group_size.';
GRANT USAGE ON SCHEMA data, hedgerow, api TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
GRANT USAGE ON SCHEMA analytics TO hedgerow_analyst;
-- The server prepares `SELECT api.fn(...)` before it switches role, so the authenticator must
-- be able to look names up in api. It can execute nothing there: EXECUTE is checked as the
-- role the transaction runs as.
GRANT USAGE ON SCHEMA api TO hedgerow_authenticator;
