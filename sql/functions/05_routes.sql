-- =====================================================================
-- Routes: each HTTP endpoint is declared here, in SQL, beside the function it calls — its
-- method and path, success status, whether it logs access, and the JSON Schemas of its path
-- and query parameters, its body and its response's data. The server loads api.routes at
-- start and again on NOTIFY hedgerow_routes (sent when a migration changes them); it checks
-- every request against these schemas before any database work, and /openapi.json is built
-- from the same rows. A route naming a function that does not exist fails at migrate time.
-- A GET whose function is not VOLATILE only reads: a read replica may serve it
-- (HEDGEROW_READ_DATABASE_URL); every other route runs on the primary.
-- =====================================================================

CREATE TABLE api.routes (
  method       text NOT NULL CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
  path         text NOT NULL CHECK (path ~ '^(/[A-Za-z0-9_.-]+|/\{[a-z_]+\})+$'),
  function     regprocedure NOT NULL,
  operation_id text NOT NULL UNIQUE CHECK (operation_id ~ '^[a-z][a-z0-9_]*$'),
  summary      text NOT NULL,
  -- The status of a success, unless the function sets response.status.
  status       int NOT NULL CHECK (status BETWEEN 200 AND 299),
  -- Other successes its function may answer with hedgerow.set_status (a create that found the
  -- thing already there answers 200); /openapi.json describes each.
  other_statuses int[] NOT NULL CHECK (200 <= ALL (other_statuses) AND 299 >= ALL (other_statuses)),
  -- 'optional': anonymous or signed in; 'user': signed in only (401 otherwise).
  auth         text NOT NULL CHECK (auth IN ('optional', 'user')),
  -- JSON Schemas: of each {name} of the path, of each query parameter, of the body (NULL:
  -- the route takes none) and of the response's `data`.
  params       jsonb NOT NULL,
  query        jsonb NOT NULL,
  body         jsonb,
  response     jsonb NOT NULL,
  -- A list: the response has `pagination`.
  paged        boolean NOT NULL,
  -- Reads one resource and appends its access-log row, so it is not READ ONLY.
  logs_access  boolean NOT NULL,
  -- Answers an HTML page (text), not a JSON envelope.
  html         boolean NOT NULL,
  -- Accepts a share token (X-Share-Token, ?token= or a {token} segment).
  share_token  boolean NOT NULL,
  -- One resource: a GET answers its ETag (and 304 to If-None-Match); a write honours If-Match.
  etag         boolean NOT NULL,
  -- Passed to the function as args.kind (the verbs every kind shares).
  kind         text,
  PRIMARY KEY (method, path)
);
COMMENT ON TABLE api.routes IS 'The HTTP routes, declared beside their functions; read by the server at start and on NOTIFY hedgerow_routes.';
ALTER TABLE api.routes ENABLE ROW LEVEL SECURITY;
ALTER TABLE api.routes FORCE ROW LEVEL SECURITY;
GRANT SELECT ON api.routes TO hedgerow_authenticator;
CREATE POLICY "The server reads the routes" ON api.routes
  FOR SELECT TO hedgerow_authenticator
  USING (true);
CREATE POLICY "Migrations declare the routes" ON api.routes
  FOR ALL TO hedgerow_owner
  USING (true) WITH CHECK (true);

-- Declares a route. Fails (at migrate time) when the function is missing or is not
-- api.<name>(jsonb) returning json (text for HTML pages), when the path's {names} and
-- `params` disagree, or when a route that logs access has a function that is not VOLATILE.
CREATE FUNCTION hedgerow.route(method text, path text, function regprocedure, summary text,
                               status int DEFAULT 200, auth text DEFAULT 'optional',
                               params jsonb DEFAULT '{}', query jsonb DEFAULT '{}',
                               body jsonb DEFAULT NULL, response jsonb DEFAULT '{}',
                               paged boolean DEFAULT false, logs_access boolean DEFAULT false,
                               html boolean DEFAULT false, share_token boolean DEFAULT false,
                               etag boolean DEFAULT false, kind text DEFAULT NULL,
                               operation_id text DEFAULT NULL, other_statuses int[] DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  fn pg_proc := (SELECT p FROM pg_proc p WHERE p.oid = function);
  returns regtype := (CASE WHEN html THEN 'text' ELSE 'json' END)::regtype;
  names text[] := ARRAY(SELECT m[1] FROM regexp_matches(path, '\{([a-z_]+)\}', 'g') m ORDER BY 1);
BEGIN
  IF fn.pronamespace <> 'api'::regnamespace OR ARRAY(SELECT unnest(fn.proargtypes)) <> ARRAY['jsonb'::regtype::oid]
     OR fn.prorettype <> returns THEN
    RAISE EXCEPTION 'route % %: % must be api.<name>(jsonb) returning %', method, path, function, returns;
  END IF;
  IF names IS DISTINCT FROM ARRAY(SELECT k FROM jsonb_object_keys(params) k ORDER BY 1) THEN
    RAISE EXCEPTION 'route % %: params must describe exactly %', method, path, names;
  END IF;
  -- A logged read writes its access-log row: its function must say so, since a GET whose
  -- function is not VOLATILE may be served by a read replica.
  IF logs_access AND fn.provolatile <> 'v' THEN
    RAISE EXCEPTION 'route % %: it logs access, so % must be VOLATILE', method, path, function;
  END IF;
  IF method = 'GET' AND body IS NOT NULL THEN
    RAISE EXCEPTION 'route % %: a GET takes no body', method, path;
  END IF;
  -- A route that takes a share token accepts it as ?token= too (unless its path has one).
  IF share_token AND NOT params ? 'token' THEN
    query := query || '{"token": {"type": "string", "maxLength": 256}}';
  END IF;
  INSERT INTO api.routes (method, path, function, operation_id, summary, status, other_statuses, auth,
                          params, query, body, response, paged, logs_access, html, share_token, etag, kind)
  VALUES (method, path, function,
          coalesce(operation_id, fn.proname || coalesce('_' || kind, '')),
          summary, status, other_statuses, auth, params, query, body, response, paged, logs_access, html,
          share_token, etag, kind);
END
$$;

-- =====================================================================
-- Schema fragments the declarations share (JSON Schema 2020-12).
-- An "x-error-code" names the error code a client gets when that field is invalid.
-- =====================================================================

CREATE FUNCTION hedgerow.uuid_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT '{"type": "string", "format": "uuid", "x-error-code": "INVALID_ID"}'::jsonb $$;

CREATE FUNCTION hedgerow.time_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT '{"type": "string", "format": "date-time"}'::jsonb $$;

-- A visibility level; with `inherit`, also null (a child kind inherits its parent's).
CREATE FUNCTION hedgerow.visibility_schema(inherit boolean DEFAULT false) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT jsonb_build_object(
    'enum', CASE WHEN inherit THEN '["private", "unlisted", "public", null]'::jsonb
                 ELSE '["private", "unlisted", "public"]'::jsonb END,
    'x-error-code', 'INVALID_VISIBILITY')
$$;

-- The visibility fields a write accepts: `visibility` and the seeds' aliases.
CREATE FUNCTION hedgerow.visibility_fields(inherit boolean DEFAULT false) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT jsonb_build_object(
    'visibility', hedgerow.visibility_schema(inherit),
    'is_public', '{"type": "boolean"}'::jsonb,
    'privacy_level', hedgerow.visibility_schema(false),
    'privacy_override', hedgerow.visibility_schema(inherit))
$$;

-- The visibility spellings of hedgerow.visibility_fields must agree (hedgerow.requested_visibility):
-- every one sent names the same level (is_public: true public, false private; it cannot say
-- unlisted or inherit). With `inherit`, null (visibility, privacy_override) is a level too.
CREATE FUNCTION hedgerow.agreeing_visibility(inherit boolean) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT jsonb_build_object(
    'anyOf', jsonb_agg(jsonb_build_object('properties', jsonb_build_object(
               'visibility', jsonb_build_object('const', level), 'privacy_override', jsonb_build_object('const', level),
               'privacy_level', CASE WHEN level = 'null' THEN 'false'::jsonb ELSE jsonb_build_object('const', level) END,
               'is_public', CASE level WHEN '"public"' THEN '{"const": true}'::jsonb
                                       WHEN '"private"' THEN '{"const": false}'::jsonb ELSE 'false'::jsonb END))
             ORDER BY ord),
    'x-error-code', 'VALIDATION_ERROR',
    'x-error-message', 'visibility, is_public, privacy_level and privacy_override disagree')
  FROM jsonb_array_elements(CASE WHEN inherit THEN '["private", "unlisted", "public", null]'::jsonb
                                 ELSE '["private", "unlisted", "public"]'::jsonb END) WITH ORDINALITY AS l(level, ord)
$$;

-- A JSON object of exactly these properties (the `required` ones must be present). With the
-- visibility spellings among them, also the rule that they agree.
CREATE FUNCTION hedgerow.object_schema(properties jsonb, required text[] DEFAULT '{}') RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT jsonb_build_object('type', 'object', 'properties', properties,
                            'required', to_jsonb(required), 'additionalProperties', false)
         || CASE WHEN properties ?& ARRAY['visibility', 'is_public', 'privacy_level', 'privacy_override']
                 THEN jsonb_build_object('allOf', jsonb_build_array(hedgerow.agreeing_visibility(
                        properties -> 'visibility' -> 'enum' @> '[null]')))
                 ELSE '{}' END
$$;

-- `schema` with one more rule between its fields (an allOf entry), refused with `message`.
CREATE FUNCTION hedgerow.with_rule(schema jsonb, rule jsonb, message text) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT schema || jsonb_build_object('allOf', coalesce(schema -> 'allOf', '[]')
                     || jsonb_build_array(rule || jsonb_build_object('x-error-code', 'VALIDATION_ERROR',
                                                                     'x-error-message', message)))
$$;

-- The body of a new share link: an expiry as seconds from now or a time (not both), or none.
CREATE FUNCTION hedgerow.expiry_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT hedgerow.with_rule(
           hedgerow.object_schema(jsonb_build_object(
             'expires_in_seconds', '{"type": "integer", "minimum": 1, "maximum": 315360000}'::jsonb,
             'expires_at', hedgerow.time_schema())),
           '{"not": {"required": ["expires_in_seconds", "expires_at"], "properties": {"expires_at": {"type": "string"}}}}',
           'send expires_in_seconds or expires_at, not both')
$$;

-- The query parameters of a list: limit (1–100) and cursor (from pagination.next_cursor:
-- base64url without padding, as hedgerow.encode_cursor writes it; any other cursor is a 400
-- INVALID_CURSOR too, but no schema can say which strings this list handed out).
CREATE FUNCTION hedgerow.page_query() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT '{"limit": {"type": "integer", "minimum": 1, "maximum": 100, "x-error-code": "INVALID_PARAMETER"},
           "cursor": {"type": "string", "minLength": 1, "maxLength": 512, "pattern": "^[A-Za-z0-9_-]+$",
                      "description": "pagination.next_cursor of the previous page of this list",
                      "x-error-code": "INVALID_CURSOR"}}'::jsonb
$$;

-- A user as shown beside what they share.
CREATE FUNCTION hedgerow.person_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT hedgerow.object_schema(
    '{"username": {"type": "string"}, "display_name": {"type": ["string", "null"]}}', '{username, display_name}')
$$;
