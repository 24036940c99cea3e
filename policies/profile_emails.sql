-- data.profile_emails: an email is visible to, and changed by, its owner alone.
ALTER TABLE data.profile_emails ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.profile_emails FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.profile_emails TO hedgerow_user, hedgerow_reader;
GRANT INSERT (user_id, email), UPDATE (email, updated_at), DELETE
  ON data.profile_emails TO hedgerow_user;

-- Only the owner reads an email (an analyst: only the mapped user's own).
CREATE POLICY "Emails are readable by their owner" ON data.profile_emails
  FOR SELECT TO hedgerow_user, hedgerow_reader
  USING (user_id = (SELECT hedgerow.current_user_id()));

-- Only the owner sets an email.
CREATE POLICY "Users add their own email" ON data.profile_emails
  FOR INSERT TO hedgerow_user
  WITH CHECK (user_id = (SELECT hedgerow.current_user_id()));

-- Only the owner changes an email.
CREATE POLICY "Users change their own email" ON data.profile_emails
  FOR UPDATE TO hedgerow_user
  USING (user_id = (SELECT hedgerow.current_user_id()))
  WITH CHECK (user_id = (SELECT hedgerow.current_user_id()));

-- Only the owner removes an email.
CREATE POLICY "Users remove their own email" ON data.profile_emails
  FOR DELETE TO hedgerow_user
  USING (user_id = (SELECT hedgerow.current_user_id()));
