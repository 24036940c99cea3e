-- data.resource_kinds: reference data, changed only by migrations.
ALTER TABLE data.resource_kinds ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.resource_kinds FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.resource_kinds TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- The list of kinds is no secret.
CREATE POLICY "Resource kinds are readable by everyone" ON data.resource_kinds
  FOR SELECT TO hedgerow_anon, hedgerow_user, hedgerow_analyst
  USING (true);
