-- data.public_counts: totals of public things, which are public information.
ALTER TABLE data.public_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.public_counts FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.public_counts TO hedgerow_anon, hedgerow_user, hedgerow_reader;

-- A track's counter stays behind at zero when its last public session goes private or away;
-- its name is no longer public then, so only non-zero scopes (and the kinds' totals) show.
CREATE POLICY "Public counts are readable by everyone" ON data.public_counts
  FOR SELECT TO hedgerow_anon, hedgerow_user, hedgerow_reader
  USING (n > 0 OR scope = '');

-- Only the counting triggers (SECURITY DEFINER, see sql/functions/38_public_counts.sql) write.
CREATE POLICY "The owner role keeps the counts" ON data.public_counts
  FOR ALL TO hedgerow_owner
  USING (true) WITH CHECK (true);
