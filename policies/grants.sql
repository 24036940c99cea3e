-- data.grants: invitations, visible to the owner who made them and the user invited.
ALTER TABLE data.grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.grants FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.grants TO hedgerow_anon, hedgerow_user, hedgerow_reader;
GRANT INSERT (kind, resource_id, grantee_id, owner_id, granted_by, expires_at),
      UPDATE (expires_at),
      DELETE
  ON data.grants TO hedgerow_user;

-- The owner sees the invitations to their resources; a grantee sees their own.
CREATE POLICY "Grants are readable by owner and grantee" ON data.grants
  FOR SELECT TO hedgerow_anon, hedgerow_user, hedgerow_reader
  USING (owner_id = (SELECT hedgerow.current_user_id())
         OR grantee_id = (SELECT hedgerow.current_user_id()));

-- Only the owner invites, as themselves (api.create_grant checks the resource is theirs).
CREATE POLICY "Owners grant their resources" ON data.grants
  FOR INSERT TO hedgerow_user
  WITH CHECK (owner_id = (SELECT hedgerow.current_user_id())
              AND granted_by = (SELECT hedgerow.current_user_id()));

-- Only the owner changes an invitation's expiry.
CREATE POLICY "Owners change their grants" ON data.grants
  FOR UPDATE TO hedgerow_user
  USING (owner_id = (SELECT hedgerow.current_user_id()))
  WITH CHECK (owner_id = (SELECT hedgerow.current_user_id()));

-- Only the owner revokes an invitation.
CREATE POLICY "Owners revoke their grants" ON data.grants
  FOR DELETE TO hedgerow_user
  USING (owner_id = (SELECT hedgerow.current_user_id()));

-- The owner role forgets the invitations of deleted resources.
CREATE POLICY "The owner role forgets grants of deleted resources" ON data.grants
  FOR ALL TO hedgerow_owner
  USING (true) WITH CHECK (true);
