-- =====================================================================
-- Identity
-- =====================================================================

-- Who is asking. Trusts request.jwt.claims only in sessions of the server's own login role:
-- any other session (an analyst in psql) could set that to anything, so there the identity
-- comes from data.analyst_accounts (none mapped: anonymous). Call it from policies as
-- (SELECT hedgerow.current_user_id()) so it runs once per statement, not per row.
CREATE FUNCTION hedgerow.current_user_id() RETURNS uuid
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  IF session_user = 'hedgerow_authenticator' THEN
    -- The server's verified, mapped user id (the token's subject need not be a UUID).
    RETURN nullif(current_setting('request.user_id', true), '')::uuid;
  END IF;
  RETURN (SELECT a.user_id FROM data.analyst_accounts a WHERE a.role_name = session_user);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.current_user_id() TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- The caller's id, or a 401 for anonymous callers.
CREATE FUNCTION hedgerow.require_user() RETURNS uuid
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  me uuid := hedgerow.current_user_id();
BEGIN
  IF me IS NULL THEN
    PERFORM hedgerow.fail(401, 'UNAUTHENTICATED', 'authentication required');
  END IF;
  RETURN me;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.require_user() TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- =====================================================================
-- Responses and errors
-- =====================================================================

-- Ends the request with an HTTP status: raises SQLSTATE PT<status>, which the server maps to
-- that status; the message is for people, the hint is the machine-readable code.
CREATE FUNCTION hedgerow.fail(status int, code text, message text) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'PT' || status::text, MESSAGE = message, HINT = code;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.fail(int, text, text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- The success envelope of DESIGN §6.
CREATE FUNCTION hedgerow.ok(payload jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT jsonb_build_object('data', payload, 'error', NULL) $$;
GRANT EXECUTE ON FUNCTION hedgerow.ok(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- Overrides the route's success status for this response (e.g. 200 instead of 201 when a
-- create found the thing already there).
CREATE FUNCTION hedgerow.set_status(status int) RETURNS void
LANGUAGE sql VOLATILE
AS $$ SELECT set_config('response.status', status::text, true) $$;
GRANT EXECUTE ON FUNCTION hedgerow.set_status(int) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- =====================================================================
-- Arguments: each api function takes one jsonb of path, query and body fields.
-- Wrong types are a 400 naming the field, never a cast error deep inside a query.
-- =====================================================================

-- A string field, or NULL when absent or null.
CREATE FUNCTION hedgerow.arg_text(args jsonb, field text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
  IF args -> field IS NULL OR jsonb_typeof(args -> field) = 'null' THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(args -> field) <> 'string' THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', field || ' must be a string');
  END IF;
  RETURN args ->> field;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_text(jsonb, text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A required string field.
CREATE FUNCTION hedgerow.arg_required_text(args jsonb, field text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  value text := hedgerow.arg_text(args, field);
BEGIN
  IF value IS NULL THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', field || ' is required');
  END IF;
  RETURN value;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_required_text(jsonb, text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A visibility level field ('private' | 'unlisted' | 'public'), or NULL when absent or null.
CREATE FUNCTION hedgerow.arg_visibility(args jsonb, field text) RETURNS data.visibility
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  value text := hedgerow.arg_text(args, field);
BEGIN
  IF value IS NOT NULL AND value NOT IN ('private', 'unlisted', 'public') THEN
    PERFORM hedgerow.fail(400, 'INVALID_VISIBILITY',
                          field || ' must be one of private, unlisted, public');
  END IF;
  RETURN value::data.visibility;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_visibility(jsonb, text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A UUID field (a path id, usually): 400 INVALID_ID when it is not one.
CREATE FUNCTION hedgerow.arg_uuid(args jsonb, field text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  value text := hedgerow.arg_required_text(args, field);
BEGIN
  RETURN value::uuid;
EXCEPTION WHEN invalid_text_representation THEN
  PERFORM hedgerow.fail(400, 'INVALID_ID', field || ' must be a UUID');
  RETURN NULL;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_uuid(jsonb, text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A whole-number field (JSON number or query-string text) within [lowest, highest], or
-- fallback when absent: 400 INVALID_PARAMETER otherwise.
CREATE FUNCTION hedgerow.arg_int(args jsonb, field text, fallback int, lowest int, highest int) RETURNS int
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  raw text;
BEGIN
  IF args -> field IS NULL OR jsonb_typeof(args -> field) = 'null' THEN
    RETURN fallback;
  END IF;
  raw := CASE jsonb_typeof(args -> field) WHEN 'number' THEN (args -> field)::text
                                          WHEN 'string' THEN args ->> field END;
  IF raw IS NULL OR raw !~ '^-?[0-9]{1,10}$' OR raw::bigint NOT BETWEEN lowest AND highest THEN
    PERFORM hedgerow.fail(400, 'INVALID_PARAMETER',
                          format('%s must be a whole number from %s to %s', field, lowest, highest));
  END IF;
  RETURN raw::int;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_int(jsonb, text, int, int, int) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A list's `limit`: 1–100, `fallback` when absent.
CREATE FUNCTION hedgerow.page_limit(args jsonb, fallback int DEFAULT 20) RETURNS int
LANGUAGE sql IMMUTABLE
AS $$ SELECT hedgerow.arg_int(args, 'limit', fallback, 1, 100) $$;
GRANT EXECUTE ON FUNCTION hedgerow.page_limit(jsonb, int) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A list's `offset`: 0 or more, 0 when absent.
CREATE FUNCTION hedgerow.page_offset(args jsonb) RETURNS int
LANGUAGE sql IMMUTABLE
AS $$ SELECT hedgerow.arg_int(args, 'offset', 0, 0, 1000000000) $$;
GRANT EXECUTE ON FUNCTION hedgerow.page_offset(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- `value` (when not NULL) if it is `lowest` to `highest` characters long, else a 400 naming
-- `field` with `code`.
CREATE FUNCTION hedgerow.check_length(value text, field text, lowest int, highest int,
                                      code text DEFAULT 'VALIDATION_ERROR') RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
  IF value IS NOT NULL AND char_length(value) NOT BETWEEN lowest AND highest THEN
    PERFORM hedgerow.fail(400, code, CASE WHEN lowest = 0 THEN format('%s must be at most %s characters', field, highest)
                                          ELSE format('%s must be %s to %s characters', field, lowest, highest) END);
  END IF;
  RETURN value;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.check_length(text, text, int, int, text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A boolean field, or NULL when absent or null.
CREATE FUNCTION hedgerow.arg_bool(args jsonb, field text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
  IF args -> field IS NULL OR jsonb_typeof(args -> field) = 'null' THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(args -> field) <> 'boolean' THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', field || ' must be true or false');
  END IF;
  RETURN (args -> field)::boolean;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_bool(jsonb, text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- An ISO 8601 timestamp field, or NULL when absent or null. PostgreSQL's own spellings
-- ('tomorrow', 'epoch', 'infinity', …) are refused: they are not timestamps a client means.
CREATE FUNCTION hedgerow.arg_timestamp(args jsonb, field text) RETURNS timestamptz
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  value text := hedgerow.arg_text(args, field);
BEGIN
  IF value IS NOT NULL
     AND value !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$' THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', field || ' must be an ISO 8601 timestamp');
  END IF;
  RETURN value::timestamptz;
EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR invalid_parameter_value THEN
  PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', field || ' must be an ISO 8601 timestamp');
  RETURN NULL;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_timestamp(jsonb, text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A list envelope: data plus pagination {total, limit, offset, has_more[, next_cursor]
-- [, total_capped]}. With total_capped, total is only a lower bound.
CREATE FUNCTION hedgerow.page(items jsonb, total bigint, page_limit int, page_offset int,
                              next_cursor text DEFAULT NULL, keyset boolean DEFAULT false,
                              total_capped boolean DEFAULT false)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT jsonb_build_object(
    'data', items,
    'error', NULL,
    'pagination', jsonb_build_object(
      'total', total, 'limit', page_limit, 'offset', page_offset,
      'has_more', CASE WHEN keyset THEN next_cursor IS NOT NULL
                       ELSE page_offset + jsonb_array_length(items) < total END)
      || CASE WHEN keyset THEN jsonb_build_object('next_cursor', next_cursor) ELSE '{}' END
      || CASE WHEN total_capped THEN '{"total_capped": true}'::jsonb ELSE '{}'::jsonb END)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.page(jsonb, bigint, int, int, text, boolean, boolean) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- Escapes text for HTML element content and attribute values.
CREATE FUNCTION hedgerow.html_escape(content text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$
  SELECT replace(replace(replace(replace(replace(content, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                         '"', '&quot;'), '''', '&#39;')
$$;
GRANT EXECUTE ON FUNCTION hedgerow.html_escape(text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- An opaque keyset cursor: the last row's (timestamp, id), for lists ordered by both, newest
-- first. (base64 wraps lines at 76 characters; the newlines are dropped with the padding.)
CREATE FUNCTION hedgerow.keyset_cursor(recorded timestamptz, id uuid) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
  SELECT rtrim(translate(encode(convert_to(
    to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '|' || id, 'UTF8'), 'base64'),
    E'+/\n', '-_'), '=')
$$;
GRANT EXECUTE ON FUNCTION hedgerow.keyset_cursor(timestamptz, uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- Decodes a keyset cursor; 400 INVALID_CURSOR for anything that is not one.
CREATE FUNCTION hedgerow.parse_keyset_cursor(cursor text, OUT recorded timestamptz, OUT id uuid)
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  padded text := translate(cursor, '-_', '+/') || repeat('=', (4 - length(cursor) % 4) % 4);
  parts text[];
BEGIN
  parts := string_to_array(convert_from(decode(padded, 'base64'), 'UTF8'), '|');
  recorded := parts[1]::timestamptz;
  id := parts[2]::uuid;
  IF recorded IS NULL OR id IS NULL OR cardinality(parts) <> 2 THEN
    RAISE invalid_parameter_value;
  END IF;
EXCEPTION WHEN OTHERS THEN
  PERFORM hedgerow.fail(400, 'INVALID_CURSOR', 'cursor is not one this list handed out');
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.parse_keyset_cursor(text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
