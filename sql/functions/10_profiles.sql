-- =====================================================================
-- Profiles: POST/GET/PATCH /api/auth/profile, GET /api/users/{username}
-- =====================================================================

CREATE FUNCTION hedgerow.username_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT '{"type": "string", "pattern": "^[a-z0-9_]{3,32}$", "x-error-code": "INVALID_USERNAME"}'::jsonb $$;

-- The fields a user may set on their profile (the username only at creation).
CREATE FUNCTION hedgerow.profile_fields() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT jsonb_build_object(
    'username', hedgerow.username_schema(),
    'display_name', '{"type": ["string", "null"], "minLength": 1, "maxLength": 100, "x-error-code": "INVALID_DISPLAY_NAME"}'::jsonb,
    'email', '{"type": ["string", "null"], "maxLength": 254, "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s.]+$", "x-error-code": "INVALID_EMAIL"}'::jsonb)
$$;

CREATE FUNCTION hedgerow.own_profile_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT hedgerow.object_schema(jsonb_build_object(
    'id', '{"type": "string", "format": "uuid"}'::jsonb, 'username', '{"type": "string"}'::jsonb,
    'display_name', '{"type": ["string", "null"]}'::jsonb, 'email', '{"type": ["string", "null"]}'::jsonb,
    'created_at', hedgerow.time_schema(), 'updated_at', hedgerow.time_schema()),
    '{id, username, display_name, email, created_at, updated_at}')
$$;

-- Sets or clears the caller's email; 409 EMAIL_TAKEN when another account has it (compared
-- case-insensitively), without revealing whose.
CREATE FUNCTION hedgerow.store_email(me uuid, email text) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  IF email IS NULL THEN
    DELETE FROM data.profile_emails e WHERE e.user_id = me;
    RETURN;
  END IF;
  INSERT INTO data.profile_emails AS e (user_id, email) VALUES (me, email)
  ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, updated_at = now();
EXCEPTION WHEN unique_violation THEN
  PERFORM hedgerow.fail(409, 'EMAIL_TAKEN', 'email is already in use');
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.store_email(uuid, text) TO hedgerow_user;

-- The caller's own profile, email included, or a 404 before it exists.
CREATE FUNCTION hedgerow.own_profile(me uuid) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  result json;
BEGIN
  SELECT json_build_object('id', p.id, 'username', p.username, 'display_name', p.display_name,
                           'email', e.email, 'created_at', p.created_at, 'updated_at', p.updated_at)
    INTO result
    FROM data.profiles p LEFT JOIN data.profile_emails e ON e.user_id = p.id
   WHERE p.id = me;
  IF result IS NULL THEN
    PERFORM hedgerow.fail(404, 'PROFILE_NOT_FOUND', 'no profile yet: POST /api/auth/profile first');
  END IF;
  RETURN result;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.own_profile(uuid) TO hedgerow_anon, hedgerow_user;

-- POST /api/auth/profile {username, display_name?, email?}: creates the caller's profile
-- (id = the token's user). The username is permanent.
CREATE FUNCTION api.create_profile(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  violated text;
BEGIN
  BEGIN
    INSERT INTO data.profiles (id, username, display_name)
    VALUES (me, args ->> 'username', args ->> 'display_name');
  EXCEPTION WHEN unique_violation THEN
    GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
    IF violated = 'profiles_pkey' THEN
      PERFORM hedgerow.fail(409, 'PROFILE_EXISTS', 'you already have a profile');
    END IF;
    PERFORM hedgerow.fail(409, 'USERNAME_TAKEN', 'username is already taken');
  END;
  PERFORM hedgerow.store_email(me, args ->> 'email');
  PERFORM hedgerow.located('/api/auth/profile');
  RETURN hedgerow.ok(hedgerow.own_profile(me));
END
$$;
GRANT EXECUTE ON FUNCTION api.create_profile(jsonb) TO hedgerow_user;

-- GET /api/auth/profile: the caller's profile.
CREATE FUNCTION api.get_profile(args jsonb) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT hedgerow.ok(hedgerow.own_profile(hedgerow.require_user())) $$;
GRANT EXECUTE ON FUNCTION api.get_profile(jsonb) TO hedgerow_anon, hedgerow_user;

-- PATCH /api/auth/profile {display_name?, email?}: absent fields stay, null clears. The
-- username cannot change: sending a different one is a 400.
CREATE FUNCTION api.update_profile(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  current_profile json := hedgerow.own_profile(me);
BEGIN
  IF args ->> 'username' IS DISTINCT FROM NULL AND args ->> 'username' <> current_profile ->> 'username' THEN
    PERFORM hedgerow.fail(400, 'USERNAME_IMMUTABLE', 'username cannot be changed');
  END IF;
  UPDATE data.profiles p
     SET display_name = CASE WHEN args ? 'display_name' THEN args ->> 'display_name' ELSE p.display_name END,
         updated_at = now()
   WHERE p.id = me;
  IF args ? 'email' THEN
    PERFORM hedgerow.store_email(me, args ->> 'email');
  END IF;
  RETURN hedgerow.ok(hedgerow.own_profile(me));
END
$$;
GRANT EXECUTE ON FUNCTION api.update_profile(jsonb) TO hedgerow_user;

-- GET /api/users/{username}: a user's public profile (never the email).
CREATE FUNCTION api.get_user(args jsonb) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  result json;
BEGIN
  SELECT json_build_object('id', p.id, 'username', p.username,
                           'display_name', p.display_name, 'created_at', p.created_at)
    INTO result
    FROM data.profiles p
   WHERE p.username = args ->> 'username';
  IF result IS NULL THEN
    PERFORM hedgerow.fail(404, 'USER_NOT_FOUND', 'no such user');
  END IF;
  RETURN hedgerow.ok(result);
END
$$;
GRANT EXECUTE ON FUNCTION api.get_user(jsonb) TO hedgerow_anon, hedgerow_user;

SELECT hedgerow.route('POST', '/api/auth/profile', 'api.create_profile(jsonb)', 'Create the caller''s profile',
  status => 201, auth => 'user', body => hedgerow.object_schema(hedgerow.profile_fields(), '{username}'),
  response => hedgerow.own_profile_schema());
SELECT hedgerow.route('GET', '/api/auth/profile', 'api.get_profile(jsonb)', 'The caller''s profile, email included',
  auth => 'user', response => hedgerow.own_profile_schema());
SELECT hedgerow.route('PATCH', '/api/auth/profile', 'api.update_profile(jsonb)',
  'Change display name or email (absent fields stay, null clears)', auth => 'user',
  body => hedgerow.object_schema(hedgerow.profile_fields()), response => hedgerow.own_profile_schema());
SELECT hedgerow.route('GET', '/api/users/{username}', 'api.get_user(jsonb)', 'A user''s public profile',
  params => '{"username": {"type": "string", "maxLength": 64}}',
  response => hedgerow.object_schema('{"id": {"type": "string", "format": "uuid"}, "username": {"type": "string"},
                                       "display_name": {"type": ["string", "null"]}, "created_at": {"type": "string", "format": "date-time"}}',
                                     '{id, username, display_name, created_at}'));
