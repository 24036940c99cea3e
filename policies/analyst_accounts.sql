-- data.analyst_accounts: managed by operators (`hedgerow analyst …`), never through the API.
ALTER TABLE data.analyst_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.analyst_accounts FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.analyst_accounts TO hedgerow_analyst;

-- An analyst sees only their own mapping (which user's view they get).
CREATE POLICY "Analysts see their own mapping" ON data.analyst_accounts
  FOR SELECT TO hedgerow_analyst
  USING (role_name = session_user);
