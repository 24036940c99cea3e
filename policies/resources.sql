-- data.resources: the read rule of DESIGN §5, written once for every kind of resource.
ALTER TABLE data.resources ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.resources FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.resources TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
GRANT INSERT (kind, owner_id, parent_id, visibility, effective_visibility),
      UPDATE (visibility, effective_visibility, updated_at),
      DELETE
  ON data.resources TO hedgerow_user;

-- A resource is readable by: its owner; anyone when it is public; anyone who addresses it
-- (or, for a child that inherits, its parent) while it is unlisted; a user it — or, unless
-- the child is overridden to private, its parent — is granted to; a bearer of an active share
-- link for it or, on the same terms, for its parent. A plain SELECT addresses nothing and
-- carries no token, so it lists only public and one's own things.
-- (shared_resource_ids() sits in FROM so the planner inlines it: called in a target list it
-- was planned afresh by every statement, about 10 ms.)
CREATE POLICY "Resources are readable as their privacy allows" ON data.resources
  FOR SELECT TO hedgerow_anon, hedgerow_user, hedgerow_analyst
  USING (
    owner_id = (SELECT hedgerow.current_user_id())
    OR listed
    OR (effective_visibility = 'unlisted'
        AND (id = (SELECT hedgerow.addressed_id())
             OR (visibility IS NULL AND parent_id = (SELECT hedgerow.addressed_id()))))
    OR id IN (SELECT shared.id FROM hedgerow.shared_resource_ids() AS shared(id))
    OR (visibility IS DISTINCT FROM 'private'
        AND parent_id IN (SELECT shared.id FROM hedgerow.shared_resource_ids() AS shared(id)))
  );

-- Users create resources only as their own.
CREATE POLICY "Users create their own resources" ON data.resources
  FOR INSERT TO hedgerow_user
  WITH CHECK (owner_id = (SELECT hedgerow.current_user_id()));

-- Only the owner changes a resource's privacy.
CREATE POLICY "Owners change their resources" ON data.resources
  FOR UPDATE TO hedgerow_user
  USING (owner_id = (SELECT hedgerow.current_user_id()))
  WITH CHECK (owner_id = (SELECT hedgerow.current_user_id()));

-- Only the owner deletes a resource.
CREATE POLICY "Owners delete their resources" ON data.resources
  FOR DELETE TO hedgerow_user
  USING (owner_id = (SELECT hedgerow.current_user_id()));

-- The owner role reads every resource, so that the SECURITY DEFINER aggregates in schema
-- analytics can count private ones; they publish only groups of at least k.
CREATE POLICY "The owner role reads all resources for k-anonymous aggregates" ON data.resources
  FOR SELECT TO hedgerow_owner
  USING (true);
