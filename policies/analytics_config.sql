-- data.analytics_config: the privacy parameters of the analysts' noisy aggregates; changed only
-- by operators.
ALTER TABLE data.analytics_config ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.analytics_config FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.analytics_config TO hedgerow_reader;

-- The parameters are no secret: analysts read them (analytics.privacy_parameters).
CREATE POLICY "The parameters are readable" ON data.analytics_config
  FOR SELECT TO hedgerow_reader, hedgerow_owner
  USING (true);

-- Operators tune them.
CREATE POLICY "Operators change the parameters" ON data.analytics_config
  FOR UPDATE TO hedgerow_owner
  USING (true) WITH CHECK (true);
