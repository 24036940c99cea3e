-- =====================================================================
-- Responses: the envelope of DESIGN §6, errors, pages and their cursors, ETags, HTML escaping.
-- Everything is built as `json` text: nothing here is ever re-parsed, so jsonb's binary form
-- would only cost a conversion on the way out.
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
GRANT EXECUTE ON FUNCTION hedgerow.fail(int, text, text) TO hedgerow_anon, hedgerow_user;

-- The success envelope: {"data": payload, "error": null}. (STABLE, as json_build_object is:
-- a SQL function declared more immutable than its body is never inlined, and one that is not
-- inlined is planned again on every call.)
CREATE FUNCTION hedgerow.ok(payload json) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object('data', payload, 'error', NULL) $$;
GRANT EXECUTE ON FUNCTION hedgerow.ok(json) TO hedgerow_anon, hedgerow_user;

-- Overrides the route's success status for this response (e.g. 200 instead of 201 when a
-- create found the thing already there).
CREATE FUNCTION hedgerow.set_status(status int) RETURNS void
LANGUAGE sql VOLATILE
AS $$ SELECT set_config('response.status', status::text, true) $$;
GRANT EXECUTE ON FUNCTION hedgerow.set_status(int) TO hedgerow_anon, hedgerow_user;

-- Where the thing this response created lives: its Location. Every 201 sends one
-- (/openapi.json says so).
CREATE FUNCTION hedgerow.located(location text) RETURNS void
LANGUAGE sql VOLATILE
AS $$ SELECT set_config('response.location', location, true) $$;
GRANT EXECUTE ON FUNCTION hedgerow.located(text) TO hedgerow_user;

-- The strong ETag of a single resource's response: a hash of exactly the bytes a GET of it
-- answers, so a PATCH can compare If-Match with what its caller last read.
CREATE FUNCTION hedgerow.etag(response json) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT '"' || md5(response::text) || '"' $$;
GRANT EXECUTE ON FUNCTION hedgerow.etag(json) TO hedgerow_anon, hedgerow_user;

-- Answers `response` with its ETag (the server sends it, and honours If-None-Match with it).
CREATE FUNCTION hedgerow.tagged(response json) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  PERFORM set_config('response.etag', hedgerow.etag(response), true);
  RETURN response;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.tagged(json) TO hedgerow_anon, hedgerow_user;

-- A list envelope: {data, error, pagination: {total, limit, offset, has_more, next_cursor,
-- total_capped}}. Every list pages by keyset cursor (next_cursor is NULL on the last page);
-- with total_capped, total is only a lower bound.
CREATE FUNCTION hedgerow.page(items json, total bigint, page_limit int, page_offset bigint,
                              next_cursor text, total_capped boolean DEFAULT false)
RETURNS json
LANGUAGE sql STABLE
AS $$
  SELECT json_build_object(
    'data', coalesce(items, '[]'), 'error', NULL,
    'pagination', json_build_object('total', total, 'limit', page_limit, 'offset', page_offset,
                                    'has_more', next_cursor IS NOT NULL, 'next_cursor', next_cursor,
                                    'total_capped', total_capped))
$$;
GRANT EXECUTE ON FUNCTION hedgerow.page(json, bigint, int, bigint, text, boolean) TO hedgerow_anon, hedgerow_user;

-- A keyset cursor: the last row's sort keys and the offset of the next page, opaque to
-- clients (base64url of a JSON array; padding and base64's line breaks dropped).
CREATE FUNCTION hedgerow.encode_cursor(keys text[], next_offset bigint) RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT rtrim(translate(encode(convert_to(json_build_array(keys, next_offset)::text, 'UTF8'), 'base64'),
                         E'+/\n', '-_'), '=')
$$;
GRANT EXECUTE ON FUNCTION hedgerow.encode_cursor(text[], bigint) TO hedgerow_anon, hedgerow_user;

-- A timestamp as a cursor key: UTC, to the microsecond, so it reads back exactly.
CREATE FUNCTION hedgerow.cursor_time(at timestamptz) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;
GRANT EXECUTE ON FUNCTION hedgerow.cursor_time(timestamptz) TO hedgerow_anon, hedgerow_user;

-- Decodes a cursor whose keys have the types `key_types` (timestamptz, uuid, integer, bigint
-- or text); a cursor this list did not hand out is a 400 INVALID_CURSOR. Only pages after the
-- first pay for the exception block.
CREATE FUNCTION hedgerow.decode_cursor(cursor text, key_types text[], OUT keys text[], OUT page_offset bigint)
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  parsed jsonb;
BEGIN
  parsed := convert_from(decode(translate(cursor, '-_', '+/') || repeat('=', (4 - length(cursor) % 4) % 4),
                                'base64'), 'UTF8')::jsonb;
  keys := ARRAY(SELECT jsonb_array_elements_text(parsed -> 0));
  page_offset := (parsed ->> 1)::bigint;
  IF jsonb_array_length(parsed) <> 2 OR cardinality(keys) <> cardinality(key_types) OR page_offset < 0 THEN
    RAISE invalid_parameter_value;
  END IF;
  FOR i IN 1 .. cardinality(keys) LOOP
    PERFORM CASE key_types[i] WHEN 'timestamptz' THEN keys[i]::timestamptz::text
                              WHEN 'uuid' THEN keys[i]::uuid::text
                              WHEN 'integer' THEN keys[i]::integer::text
                              WHEN 'bigint' THEN keys[i]::bigint::text
                              WHEN 'text' THEN keys[i] END;
  END LOOP;
EXCEPTION WHEN OTHERS THEN
  PERFORM hedgerow.fail(400, 'INVALID_CURSOR', 'cursor is not one this list handed out');
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.decode_cursor(text, text[]) TO hedgerow_anon, hedgerow_user;

-- Where a page starts: after the keys of args.cursor (decoded and checked against
-- `key_types`), or at `first` (keys before every row, such as 'infinity' for newest first)
-- with offset 0 when there is no cursor.
CREATE TYPE hedgerow.page_start AS (keys text[], page_offset bigint);
CREATE FUNCTION hedgerow.page_start(args jsonb, key_types text[], first text[]) RETURNS hedgerow.page_start
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  start hedgerow.page_start := (first, 0);
BEGIN
  IF args ? 'cursor' THEN
    SELECT c.keys, c.page_offset INTO start FROM hedgerow.decode_cursor(args ->> 'cursor', key_types) c;
  END IF;
  RETURN start;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.page_start(jsonb, text[], text[]) TO hedgerow_anon, hedgerow_user;

-- Escapes text for HTML element content and attribute values.
CREATE FUNCTION hedgerow.html_escape(content text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$
  SELECT replace(replace(replace(replace(replace(content, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                         '"', '&quot;'), '''', '&#39;')
$$;
GRANT EXECUTE ON FUNCTION hedgerow.html_escape(text) TO hedgerow_anon, hedgerow_user, hedgerow_reader;
