-- data.access_log: append-only. No API or analyst role may update or delete a row; only the
-- owner role prunes it, forgets a deleted resource's rows and unnames a deleted account.
ALTER TABLE data.access_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.access_log FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.access_log TO hedgerow_user, hedgerow_reader;
GRANT INSERT (resource_id, owner_id, viewer_id, accessed_via, share_link_id, ip_address)
  ON data.access_log TO hedgerow_anon, hedgerow_user;
GRANT USAGE ON SEQUENCE data.access_log_id_seq TO hedgerow_anon, hedgerow_user;

-- Only the owner of a resource reads who accessed it.
CREATE POLICY "Access logs are readable by the resource owner" ON data.access_log
  FOR SELECT TO hedgerow_user, hedgerow_reader
  USING (owner_id = (SELECT hedgerow.current_user_id()));

-- A reader logs their own read (hedgerow.log_read, after the read rule let them read it).
CREATE POLICY "Readers log their own reads" ON data.access_log
  FOR INSERT TO hedgerow_anon, hedgerow_user
  WITH CHECK (viewer_id IS NOT DISTINCT FROM (SELECT hedgerow.current_user_id()));

-- The owner role reads, prunes and forgets rows, and unnames the viewer of a deleted account.
CREATE POLICY "The owner role keeps the log" ON data.access_log
  FOR ALL TO hedgerow_owner
  USING (true) WITH CHECK (true);
