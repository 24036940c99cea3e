-- data.access_log: append-only. No API or analyst role may update or delete a row; only
-- operators prune it.
ALTER TABLE data.access_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.access_log FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.access_log TO hedgerow_user, hedgerow_analyst;
GRANT INSERT (resource_id, owner_id, viewer_id, accessed_via, share_link_id, ip_address)
  ON data.access_log TO hedgerow_anon, hedgerow_user;

-- Only the owner of a resource reads who accessed it.
CREATE POLICY "Access logs are readable by the resource owner" ON data.access_log
  FOR SELECT TO hedgerow_user, hedgerow_analyst
  USING (owner_id = (SELECT hedgerow.current_user_id()));

-- A reader logs their own read of something they can see, attributed to its real owner.
CREATE POLICY "Readers log their own reads" ON data.access_log
  FOR INSERT TO hedgerow_anon, hedgerow_user
  WITH CHECK (viewer_id IS NOT DISTINCT FROM (SELECT hedgerow.current_user_id())
              AND owner_id = (SELECT r.owner_id FROM data.resources r WHERE r.id = resource_id));

-- Operators (as hedgerow_owner, through hedgerow.prune_access_log) delete rows past retention.
CREATE POLICY "Operators read the log to prune it" ON data.access_log
  FOR SELECT TO hedgerow_owner
  USING (true);

CREATE POLICY "Operators prune old rows" ON data.access_log
  FOR DELETE TO hedgerow_owner
  USING (true);
