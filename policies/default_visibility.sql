-- data.default_visibility: a user's defaults are theirs alone.
ALTER TABLE data.default_visibility ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.default_visibility FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.default_visibility TO hedgerow_user, hedgerow_reader;
GRANT INSERT (user_id, kind, visibility), UPDATE (visibility, updated_at)
  ON data.default_visibility TO hedgerow_user;

-- Only the owner reads their defaults.
CREATE POLICY "Defaults are readable by their owner" ON data.default_visibility
  FOR SELECT TO hedgerow_user, hedgerow_reader
  USING (user_id = (SELECT hedgerow.current_user_id()));

-- Only the owner sets their defaults.
CREATE POLICY "Users set their own defaults" ON data.default_visibility
  FOR INSERT TO hedgerow_user
  WITH CHECK (user_id = (SELECT hedgerow.current_user_id()));

-- Only the owner changes their defaults.
CREATE POLICY "Users change their own defaults" ON data.default_visibility
  FOR UPDATE TO hedgerow_user
  USING (user_id = (SELECT hedgerow.current_user_id()))
  WITH CHECK (user_id = (SELECT hedgerow.current_user_id()));
