-- Prelude of the repeatable step (run by `hedgerow migrate` in one transaction, under the
-- migration advisory lock, after the versioned migrations). The function schemas are dropped
-- and re-created from sql/functions and sql/kinds; dropping them also drops the policies,
-- triggers and views that use their functions, so every policy is re-created from policies/
-- and by each kind's registration in the same transaction, and nothing stale survives a rename.
DROP SCHEMA IF EXISTS analytics CASCADE;
DROP SCHEMA IF EXISTS sealed CASCADE;
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

-- Privileges are re-granted by each policies/ file and kind registration, so a grant removed
-- there goes away.
REVOKE ALL ON ALL TABLES IN SCHEMA data FROM hedgerow_anon, hedgerow_user, hedgerow_analyst, hedgerow_reader;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA data FROM hedgerow_anon, hedgerow_user, hedgerow_analyst, hedgerow_reader;
REVOKE ALL ON SCHEMA data FROM hedgerow_analyst;

CREATE SCHEMA hedgerow;
COMMENT ON SCHEMA hedgerow IS 'The privacy core: identity, the read rule, kinds and their generated code, links, grants, the access log.';
CREATE SCHEMA api;
COMMENT ON SCHEMA api IS 'One function per HTTP endpoint: api.fn(args jsonb) returns the response; api.routes declares the routes.';
-- The functions analysts read through: SECURITY DEFINER, owned by hedgerow_reader, which the
-- same read policies bind as API callers. Analysts execute them only through the views of
-- schema analytics; they cannot even name this schema.
CREATE SCHEMA sealed;
COMMENT ON SCHEMA sealed IS 'Row sources of the analysts'' views: every row has passed the read rule before any condition of the analyst''s can see it.';
GRANT CREATE ON SCHEMA sealed TO hedgerow_reader;
CREATE SCHEMA analytics;
COMMENT ON SCHEMA analytics IS
  'Everything an analyst may query: what the user you are mapped to (or an anonymous visitor) '
  'may see, row by row, and aggregates that publish no private detail. See docs/ANALYSTS.md.';
GRANT USAGE ON SCHEMA data, hedgerow, api TO hedgerow_anon, hedgerow_user;
GRANT USAGE ON SCHEMA data, hedgerow TO hedgerow_reader;
GRANT USAGE ON SCHEMA analytics TO hedgerow_analyst;
-- The server reads api.routes and prepares `SELECT api.fn(...)` before it switches role, so
-- the authenticator must be able to look names up in api. It can execute nothing there:
-- EXECUTE is checked as the role the transaction runs as.
GRANT USAGE ON SCHEMA api TO hedgerow_authenticator;
