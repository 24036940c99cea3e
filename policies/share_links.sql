-- data.share_links: owners manage their links; a bearer sees only the link whose token they
-- present. The token column is readable by API callers (owners read their links' tokens
-- again), never by the analysts' reader.
ALTER TABLE data.share_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.share_links FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.share_links TO hedgerow_anon, hedgerow_user;
GRANT SELECT (id, kind, resource_id, owner_id, token_hash, enabled, created_at, expires_at, revoked_at)
  ON data.share_links TO hedgerow_reader;
GRANT INSERT (kind, resource_id, owner_id, token, token_hash, enabled, expires_at),
      UPDATE (enabled, revoked_at, token, token_hash, expires_at)
  ON data.share_links TO hedgerow_user;

-- The owner sees their links; a bearer sees the one link their token opens.
CREATE POLICY "Links are readable by their owner and their bearer" ON data.share_links
  FOR SELECT TO hedgerow_anon, hedgerow_user, hedgerow_reader
  USING (owner_id = (SELECT hedgerow.current_user_id())
         OR token_hash = (SELECT hedgerow.share_token_hash()));

-- Links are created by their owner (api.create_share_link checks the resource is theirs).
CREATE POLICY "Owners create links to their resources" ON data.share_links
  FOR INSERT TO hedgerow_user
  WITH CHECK (owner_id = (SELECT hedgerow.current_user_id()));

-- Only the owner revokes, switches off or regenerates a link.
CREATE POLICY "Owners change their links" ON data.share_links
  FOR UPDATE TO hedgerow_user
  USING (owner_id = (SELECT hedgerow.current_user_id()))
  WITH CHECK (owner_id = (SELECT hedgerow.current_user_id()));

-- The owner role forgets the links of deleted resources.
CREATE POLICY "The owner role forgets links of deleted resources" ON data.share_links
  FOR ALL TO hedgerow_owner
  USING (true) WITH CHECK (true);
