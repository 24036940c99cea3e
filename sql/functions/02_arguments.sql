-- =====================================================================
-- Arguments. Each api function takes one jsonb of path, query and body fields, which the
-- server has already checked against the route's declared schema (api.routes): types,
-- lengths, patterns and unknown fields are settled before any database work. What is left
-- here are the rules a schema cannot say.
-- =====================================================================

-- A list's `limit`, `fallback` when absent.
CREATE FUNCTION hedgerow.page_limit(args jsonb, fallback int DEFAULT 20) RETURNS int
LANGUAGE sql IMMUTABLE
AS $$ SELECT coalesce((args ->> 'limit')::int, fallback) $$;
GRANT EXECUTE ON FUNCTION hedgerow.page_limit(jsonb, int) TO hedgerow_anon, hedgerow_user;

-- The visibility a request asks for, in the one vocabulary of every kind — `visibility`
-- (NULL: inherit the parent's) — or the seeds' spellings: `is_public` (true: public, false:
-- private), `privacy_level` (shelves) and `privacy_override` (books; NULL: inherit). `named`
-- says whether any was sent; spellings that disagree are a 400.
CREATE FUNCTION hedgerow.requested_visibility(args jsonb, OUT named boolean, OUT level data.visibility)
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  asked data.visibility[] := ARRAY[]::data.visibility[];
BEGIN
  IF args ? 'visibility' THEN asked := asked || (args ->> 'visibility')::data.visibility; END IF;
  IF args ? 'privacy_level' THEN asked := asked || (args ->> 'privacy_level')::data.visibility; END IF;
  IF args ? 'privacy_override' THEN asked := asked || (args ->> 'privacy_override')::data.visibility; END IF;
  IF args ? 'is_public' THEN
    asked := asked || CASE (args -> 'is_public')::boolean WHEN true THEN 'public' ELSE 'private' END::data.visibility;
  END IF;
  named := cardinality(asked) > 0;
  level := asked[1];
  IF EXISTS (SELECT FROM unnest(asked) a WHERE a IS DISTINCT FROM level) THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'visibility, is_public, privacy_level and privacy_override disagree');
  END IF;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.requested_visibility(jsonb) TO hedgerow_user;

-- An optional timestamp field (its format, RFC 3339 date-time, checked by the route's schema).
-- RFC 3339 allows offsets to ±23:59 but PostgreSQL reads only ±15:59, so a numeric offset is
-- applied here rather than by the cast. plpgsql, not SQL: a SQL function with a FROM is not
-- inlined, and PostgreSQL 15 planned it again on every call (0.07 ms of a 0.35 ms create).
CREATE FUNCTION hedgerow.arg_timestamp(args jsonb, field text) RETURNS timestamptz
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  m text[] := regexp_match(args ->> field, '^(.*[0-9])([+-])([0-9]{2}):([0-9]{2})$');
BEGIN
  IF m IS NULL THEN
    RETURN (args ->> field)::timestamptz;
  END IF;
  RETURN (m[1]::timestamp - make_interval(hours => (m[2] || m[3])::int, mins => (m[2] || m[4])::int))
         AT TIME ZONE 'UTC';
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_timestamp(jsonb, text) TO hedgerow_user;

-- An optional expiry: `expires_in_seconds` or `expires_at` (not both), in the future.
CREATE FUNCTION hedgerow.requested_expiry(args jsonb) RETURNS timestamptz
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  at timestamptz := hedgerow.arg_timestamp(args, 'expires_at');
BEGIN
  IF args ? 'expires_in_seconds' AND at IS NOT NULL THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'send expires_in_seconds or expires_at, not both');
  END IF;
  IF at <= now() THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'expires_at must be in the future');
  END IF;
  RETURN coalesce(at, now() + make_interval(secs => (args ->> 'expires_in_seconds')::int));
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.requested_expiry(jsonb) TO hedgerow_user;
