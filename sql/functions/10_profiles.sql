-- =====================================================================
-- Profiles: POST/GET/PATCH /api/auth/profile, GET /api/users/{username}
-- =====================================================================

-- Validates an email address's shape (one @, a dot in the domain, no spaces, ≤ 254).
CREATE FUNCTION hedgerow.check_email(email text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
  IF email IS NOT NULL AND (char_length(email) > 254
      OR email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:].]+$') THEN
    PERFORM hedgerow.fail(400, 'INVALID_EMAIL', 'email is not a valid address');
  END IF;
  RETURN email;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.check_email(text) TO hedgerow_user;

-- Sets or clears the caller's email; 409 EMAIL_TAKEN when another account has it
-- (compared case-insensitively), without revealing whose.
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
CREATE FUNCTION hedgerow.own_profile(me uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  result jsonb;
BEGIN
  SELECT jsonb_build_object('id', p.id, 'username', p.username, 'display_name', p.display_name,
                            'email', e.email, 'created_at', p.created_at,
                            'updated_at', p.updated_at)
    INTO result
    FROM data.profiles p LEFT JOIN data.profile_emails e ON e.user_id = p.id
   WHERE p.id = me;
  IF result IS NULL THEN
    PERFORM hedgerow.fail(404, 'PROFILE_NOT_FOUND', 'no profile yet: POST /api/auth/profile first');
  END IF;
  RETURN result;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.own_profile(uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- POST /api/auth/profile {username, display_name?, email?}: creates the caller's profile
-- (id = token sub) with default settings. The username is permanent.
CREATE FUNCTION api.create_profile(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  new_username text := hedgerow.arg_required_text(args, 'username');
  new_display_name text := hedgerow.check_length(hedgerow.arg_text(args, 'display_name'), 'display_name', 1, 100, 'INVALID_DISPLAY_NAME');
  new_email text := hedgerow.check_email(hedgerow.arg_text(args, 'email'));
  violated text;
BEGIN
  IF new_username !~ '^[a-z0-9_]{3,32}$' THEN
    PERFORM hedgerow.fail(400, 'INVALID_USERNAME',
                          'username must be 3 to 32 characters of a-z, 0-9 and _');
  END IF;
  BEGIN
    INSERT INTO data.profiles (id, username, display_name) VALUES (me, new_username, new_display_name);
  EXCEPTION WHEN unique_violation THEN
    GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
    IF violated = 'profiles_pkey' THEN
      PERFORM hedgerow.fail(409, 'PROFILE_EXISTS', 'you already have a profile');
    END IF;
    PERFORM hedgerow.fail(409, 'USERNAME_TAKEN', 'username is already taken');
  END;
  PERFORM hedgerow.store_email(me, new_email);
  INSERT INTO data.settings (user_id) VALUES (me);
  RETURN hedgerow.ok(hedgerow.own_profile(me));
END
$$;
GRANT EXECUTE ON FUNCTION api.create_profile(jsonb) TO hedgerow_user;

-- GET /api/auth/profile: the caller's profile.
CREATE FUNCTION api.get_profile(args jsonb) RETURNS jsonb
LANGUAGE sql STABLE
AS $$ SELECT hedgerow.ok(hedgerow.own_profile(hedgerow.require_user())) $$;
GRANT EXECUTE ON FUNCTION api.get_profile(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- PATCH /api/auth/profile {display_name?, email?}: absent fields stay, null clears.
-- The username cannot change: sending a different one is a 400.
CREATE FUNCTION api.update_profile(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  current_profile jsonb := hedgerow.own_profile(me);
  new_username text := hedgerow.arg_text(args, 'username');
  new_display_name text := hedgerow.check_length(hedgerow.arg_text(args, 'display_name'), 'display_name', 1, 100, 'INVALID_DISPLAY_NAME');
  new_email text := hedgerow.check_email(hedgerow.arg_text(args, 'email'));
BEGIN
  IF new_username IS DISTINCT FROM NULL AND new_username <> current_profile ->> 'username' THEN
    PERFORM hedgerow.fail(400, 'USERNAME_IMMUTABLE', 'username cannot be changed');
  END IF;
  UPDATE data.profiles p
     SET display_name = CASE WHEN args ? 'display_name' THEN new_display_name ELSE p.display_name END,
         updated_at = now()
   WHERE p.id = me;
  IF args ? 'email' THEN
    PERFORM hedgerow.store_email(me, new_email);
  END IF;
  RETURN hedgerow.ok(hedgerow.own_profile(me));
END
$$;
GRANT EXECUTE ON FUNCTION api.update_profile(jsonb) TO hedgerow_user;

-- GET /api/users/{username}: a user's public profile (never the email).
CREATE FUNCTION api.get_user(args jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  result jsonb;
BEGIN
  SELECT jsonb_build_object('id', p.id, 'username', p.username,
                            'display_name', p.display_name, 'created_at', p.created_at)
    INTO result
    FROM data.profiles p
   WHERE p.username = hedgerow.arg_required_text(args, 'username');
  IF result IS NULL THEN
    PERFORM hedgerow.fail(404, 'USER_NOT_FOUND', 'no such user');
  END IF;
  RETURN hedgerow.ok(result);
END
$$;
GRANT EXECUTE ON FUNCTION api.get_user(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
