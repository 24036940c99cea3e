-- data.profiles: public usernames and display names; each user writes only their own row.
ALTER TABLE data.profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.profiles FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.profiles TO hedgerow_anon, hedgerow_user, hedgerow_reader;
-- The username is permanent: no role may update that column.
GRANT INSERT (id, username, display_name), UPDATE (display_name, updated_at), DELETE
  ON data.profiles TO hedgerow_user;

-- Usernames and display names are public, so that owners can be shown beside what they share.
CREATE POLICY "Profiles are readable by everyone" ON data.profiles
  FOR SELECT TO hedgerow_anon, hedgerow_user, hedgerow_reader
  USING (true);

-- A user creates exactly one profile, whose id is their own.
CREATE POLICY "Users create their own profile" ON data.profiles
  FOR INSERT TO hedgerow_user
  WITH CHECK (id = (SELECT hedgerow.current_user_id()));

-- A user edits only their own profile.
CREATE POLICY "Users edit their own profile" ON data.profiles
  FOR UPDATE TO hedgerow_user
  USING (id = (SELECT hedgerow.current_user_id()))
  WITH CHECK (id = (SELECT hedgerow.current_user_id()));

-- A user deletes only their own account (api.delete_profile; what it owns goes with it).
CREATE POLICY "Users delete their own profile" ON data.profiles
  FOR DELETE TO hedgerow_user
  USING (id = (SELECT hedgerow.current_user_id()));
