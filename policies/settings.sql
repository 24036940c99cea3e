-- data.settings: a user's defaults are theirs alone.
ALTER TABLE data.settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.settings FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.settings TO hedgerow_user, hedgerow_analyst;
GRANT INSERT (user_id),
      UPDATE (default_session_visibility, default_shelf_visibility, default_plan_visibility,
              default_book_override, updated_at)
  ON data.settings TO hedgerow_user;

-- Only the owner reads their settings.
CREATE POLICY "Settings are readable by their owner" ON data.settings
  FOR SELECT TO hedgerow_user, hedgerow_analyst
  USING (user_id = (SELECT hedgerow.current_user_id()));

-- Settings are created with the owner's profile.
CREATE POLICY "Users create their own settings" ON data.settings
  FOR INSERT TO hedgerow_user
  WITH CHECK (user_id = (SELECT hedgerow.current_user_id()));

-- Only the owner changes their settings.
CREATE POLICY "Users change their own settings" ON data.settings
  FOR UPDATE TO hedgerow_user
  USING (user_id = (SELECT hedgerow.current_user_id()))
  WITH CHECK (user_id = (SELECT hedgerow.current_user_id()));
