-- data.analyst_accounts: managed by operators (`hedgerow analyst …`), never through the API.
ALTER TABLE data.analyst_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.analyst_accounts FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.analyst_accounts TO hedgerow_reader;

-- An analyst's session sees only its own mapping (whose view it gets), through the sealed
-- functions that run as hedgerow_reader.
CREATE POLICY "Analysts see their own mapping" ON data.analyst_accounts
  FOR SELECT TO hedgerow_reader
  USING (role_name = session_user);

-- The owner role reads every mapping to spend each analyst's privacy budget.
CREATE POLICY "The owner role reads the mappings" ON data.analyst_accounts
  FOR SELECT TO hedgerow_owner
  USING (true);

-- Analysts read how much of their budget they have spent (analytics.me).
DO $$
DECLARE spent regclass;
BEGIN
  FOR spent IN SELECT a.budget_spent FROM data.analyst_accounts a WHERE a.budget_spent IS NOT NULL LOOP
    EXECUTE format('GRANT SELECT ON SEQUENCE %s TO hedgerow_reader', spent);
  END LOOP;
END
$$;
