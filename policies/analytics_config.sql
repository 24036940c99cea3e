-- data.analytics_config: the k of k-anonymous aggregates; changed only by operators.
ALTER TABLE data.analytics_config ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.analytics_config FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.analytics_config TO hedgerow_analyst;

-- The threshold is no secret.
CREATE POLICY "Analysts read the aggregate threshold" ON data.analytics_config
  FOR SELECT TO hedgerow_analyst, hedgerow_owner
  USING (true);

-- Operators tune it.
CREATE POLICY "Operators change the aggregate threshold" ON data.analytics_config
  FOR UPDATE TO hedgerow_owner
  USING (true) WITH CHECK (true);
