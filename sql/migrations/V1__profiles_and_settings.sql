-- Foundation: the data schema, user profiles, their private contact details, per-user
-- settings, and the mapping of analysts' login roles to users.
-- Runs as hedgerow_owner. Functions, policies and grants are applied after migrations.

CREATE SCHEMA data;
COMMENT ON SCHEMA data IS
  'hedgerow''s tables. Every table has row-level security enabled and forced: what you can '
  'read here is exactly what the hedgerow API would show the user you are mapped to.';

-- Functions created by the owner are not executable by PUBLIC; each is granted by name.
ALTER DEFAULT PRIVILEGES FOR ROLE hedgerow_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

CREATE TYPE data.visibility AS ENUM ('private', 'unlisted', 'public');
COMMENT ON TYPE data.visibility IS
  'private: owner (and grantees, link holders) only; unlisted: anyone who addresses it '
  'directly, never listed; public: anyone, listed in feeds and search.';

CREATE TABLE data.profiles (
  id           uuid PRIMARY KEY,
  username     text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_]{3,32}$'),
  display_name text CHECK (char_length(display_name) BETWEEN 1 AND 100),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE data.profiles IS
  'Public face of a user: id is the JWT sub; username is permanent. Readable by everyone.';

CREATE TABLE data.profile_emails (
  user_id    uuid PRIMARY KEY REFERENCES data.profiles (id) ON DELETE CASCADE,
  email      text NOT NULL CHECK (char_length(email) <= 254
                                  AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:].]+$'),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX profile_emails_email_key ON data.profile_emails (lower(email));
COMMENT ON TABLE data.profile_emails IS
  'A user''s email, kept apart from profiles so that only its owner can ever read it.';

CREATE TABLE data.settings (
  user_id                    uuid PRIMARY KEY REFERENCES data.profiles (id) ON DELETE CASCADE,
  default_session_visibility data.visibility NOT NULL DEFAULT 'private',
  default_shelf_visibility   data.visibility NOT NULL DEFAULT 'public',
  default_plan_visibility    data.visibility NOT NULL DEFAULT 'private',
  updated_at                 timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE data.settings IS 'Per-user defaults for new resources. Owner-only.';

CREATE TABLE data.analyst_accounts (
  role_name  name PRIMARY KEY,
  user_id    uuid REFERENCES data.profiles (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE data.analyst_accounts IS
  'Maps an analyst''s login role to the user whose view it gets (NULL: an anonymous view). '
  'This, not request.jwt.claims, is an analyst session''s identity.';
