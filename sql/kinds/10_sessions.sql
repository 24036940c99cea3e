-- =====================================================================
-- The session kind (seed 000): lap sessions on a track. Private unless asked otherwise;
-- public ones appear in the feed (/api/public/sessions?track=), on the track's leaderboard,
-- and in the public counts per track. Its table, data.sessions, predates kind files
-- (sql/migrations V2, V7).
-- =====================================================================

-- The fastest lap, kept with the laps so the leaderboard can walk an index of it.
CREATE FUNCTION hedgerow.session_best_lap() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.best_lap_ms := (SELECT min(lap) FROM unnest(NEW.laps) lap);
  RETURN NEW;
END
$$;
CREATE TRIGGER best_lap BEFORE INSERT OR UPDATE OF laps ON data.sessions
  FOR EACH ROW EXECUTE FUNCTION hedgerow.session_best_lap();

-- A session as the API shows it: from its row and its owner's, nothing else (feeds build
-- many of these, so it is a plain expression the planner inlines).
CREATE FUNCTION hedgerow.session_json(s data.sessions, owner data.profiles) RETURNS json
LANGUAGE sql STABLE
AS $$
  SELECT json_build_object(
    'id', s.id, 'kind', 'session', 'track', s.track, 'title', s.title,
    'recorded_at', s.recorded_at, 'laps', to_json(s.laps), 'lap_count', cardinality(s.laps),
    'best_lap_ms', s.best_lap_ms, 'visibility', s.visibility, 'is_public', s.listed,
    'owner', json_build_object('username', owner.username, 'display_name', owner.display_name),
    'created_at', s.created_at, 'updated_at', s.updated_at)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.session_json(data.sessions, data.profiles) TO hedgerow_anon, hedgerow_user;

CREATE FUNCTION hedgerow.session_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT hedgerow.object_schema(jsonb_build_object(
    'id', '{"type": "string", "format": "uuid"}'::jsonb, 'kind', '{"const": "session"}'::jsonb,
    'track', '{"type": "string"}'::jsonb, 'title', '{"type": ["string", "null"]}'::jsonb,
    'recorded_at', hedgerow.time_schema(), 'laps', '{"type": "array", "items": {"type": "integer"}}'::jsonb,
    'lap_count', '{"type": "integer"}'::jsonb, 'best_lap_ms', '{"type": ["integer", "null"]}'::jsonb,
    'visibility', hedgerow.visibility_schema() - 'x-error-code', 'is_public', '{"type": "boolean"}'::jsonb,
    'owner', hedgerow.person_schema(), 'created_at', hedgerow.time_schema(), 'updated_at', hedgerow.time_schema()),
    '{id, kind, track, title, recorded_at, laps, lap_count, best_lap_ms, visibility, is_public, owner, created_at, updated_at}')
$$;

-- A lap time in milliseconds as M:SS.mmm.
CREATE FUNCTION hedgerow.lap_time(ms int) RETURNS text
LANGUAGE sql STABLE STRICT
AS $$ SELECT format('%s:%s.%s', ms / 60000, lpad((ms / 1000 % 60)::text, 2, '0'), lpad((ms % 1000)::text, 3, '0')) $$;
GRANT EXECUTE ON FUNCTION hedgerow.lap_time(int) TO hedgerow_anon, hedgerow_user;

-- The body of a session's shared page; everything users wrote is escaped. (plpgsql keeps the
-- plan of its sub-select; a SQL function with one is planned again by every statement that
-- calls it, so in every request.)
CREATE FUNCTION hedgerow.session_html(s data.sessions) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN '<h1 id="title">' || hedgerow.html_escape(coalesce(s.title, s.track)) || '</h1>'
      || '<p>Track: <span id="track">' || hedgerow.html_escape(s.track) || '</span></p>'
      || '<p>Recorded ' || to_char(s.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC</p>'
      || '<ol id="laps">'
      || coalesce((SELECT string_agg('<li>' || hedgerow.lap_time(lap) || '</li>', '' ORDER BY n)
                     FROM unnest(s.laps) WITH ORDINALITY AS t(lap, n)), '')
      || '</ol>';
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.session_html(data.sessions) TO hedgerow_anon, hedgerow_user;

SELECT hedgerow.register_kind(
  kind => 'session', plural => 'sessions', table_name => 'data.sessions',
  item_builder => 'hedgerow.session_json(data.sessions, data.profiles)',
  page_builder => 'hedgerow.session_html(data.sessions)',
  item_schema => hedgerow.session_schema(),
  list_order => 'recorded_at', default_visibility => 'private',
  feed => true, count_scope => 'track',
  signup_call => 'Sign up to track your own laps');

-- The fields a session is written with.
CREATE FUNCTION hedgerow.session_fields() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT jsonb_build_object(
    'track', '{"type": "string", "minLength": 1, "maxLength": 100}'::jsonb,
    'title', '{"type": ["string", "null"], "maxLength": 200}'::jsonb,
    'recorded_at', hedgerow.time_schema(),
    'laps', '{"type": "array", "maxItems": 10000, "x-error-code": "INVALID_LAPS",
              "items": {"type": "integer", "minimum": 1, "maximum": 999999999, "x-error-code": "INVALID_LAPS"}}'::jsonb)
    || hedgerow.visibility_fields()
$$;

-- The `laps` field as an array, in order (NULL when absent).
CREATE FUNCTION hedgerow.arg_laps(args jsonb) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
  IF NOT args ? 'laps' THEN
    RETURN NULL;
  END IF;
  RETURN ARRAY(SELECT lap::int FROM jsonb_array_elements_text(args -> 'laps') WITH ORDINALITY AS t(lap, n) ORDER BY n);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_laps(jsonb) TO hedgerow_user;

-- POST /api/sessions {track, title?, recorded_at?, laps?, visibility? (or is_public?)}:
-- private unless asked otherwise or the owner's default for sessions says so.
CREATE FUNCTION api.create_session(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  owner data.profiles := hedgerow.own_profile_row();
  created data.sessions;
BEGIN
  INSERT INTO data.sessions (owner_id, visibility, track, title, recorded_at, laps)
  VALUES (owner.id, hedgerow.initial_visibility('session', args), args ->> 'track', args ->> 'title',
          coalesce(hedgerow.arg_timestamp(args, 'recorded_at'), now()), coalesce(hedgerow.arg_laps(args), '{}'))
  RETURNING * INTO created;
  RETURN hedgerow.created('/api/sessions/' || created.id, hedgerow.session_json(created, owner));
END
$$;
GRANT EXECUTE ON FUNCTION api.create_session(jsonb) TO hedgerow_anon, hedgerow_user;

-- PATCH /api/sessions/{id} {track?, title?, recorded_at?, laps?, visibility? (or is_public?)}:
-- owner only; absent fields stay.
CREATE FUNCTION api.update_session(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r hedgerow.resource := hedgerow.owned('session', args);
  asked record := hedgerow.requested_visibility(args);
BEGIN
  UPDATE data.sessions s
     SET track = coalesce(args ->> 'track', s.track),
         title = CASE WHEN args ? 'title' THEN args ->> 'title' ELSE s.title END,
         recorded_at = coalesce(hedgerow.arg_timestamp(args, 'recorded_at'), s.recorded_at),
         laps = coalesce(hedgerow.arg_laps(args), s.laps),
         visibility = CASE WHEN asked.named THEN asked.level ELSE s.visibility END,
         updated_at = now()
   WHERE s.id = r.id;
  RETURN hedgerow.answer('session', r.id);
END
$$;
GRANT EXECUTE ON FUNCTION api.update_session(jsonb) TO hedgerow_anon, hedgerow_user;

SELECT hedgerow.route('POST', '/api/sessions', 'api.create_session(jsonb)',
  'Record a session (private unless asked or defaulted otherwise)', status => 201, auth => 'user',
  body => hedgerow.object_schema(hedgerow.session_fields(), '{track}'), response => hedgerow.session_schema());
SELECT hedgerow.route('PATCH', '/api/sessions/{id}', 'api.update_session(jsonb)', 'Change a session (owner only)',
  auth => 'user', params => jsonb_build_object('id', hedgerow.uuid_schema()), etag => true,
  body => hedgerow.object_schema(hedgerow.session_fields()), response => hedgerow.session_schema());
-- The seed's own path for creating a share link.
SELECT hedgerow.route('POST', '/api/sessions/{id}/share', 'api.create_share_link(jsonb)',
  'Create a share link to a session (the seed''s path; owner only)', status => 201, auth => 'user',
  kind => 'session', operation_id => 'share_session', params => jsonb_build_object('id', hedgerow.uuid_schema()),
  body => hedgerow.expiry_schema(),
  response => hedgerow.share_link_schema());

-- For analysts: public sessions per track (public rows only, so exact).
SELECT hedgerow.seal('public_sessions_per_track',
  'TABLE (track text, sessions bigint, drivers bigint, best_lap_ms integer, latest_recorded_at timestamptz)',
  'SELECT s.track, count(*), count(DISTINCT s.owner_id), min(s.best_lap_ms), max(s.recorded_at)
     FROM data.sessions s WHERE s.listed GROUP BY s.track',
  'Public sessions per track: how many, by how many drivers, the best lap (ms) and the latest.');

-- For analysts: sessions of every visibility per track, with calibrated noise, for tracks
-- whose name is already public (a track only private sessions use never appears).
SELECT hedgerow.seal('sessions_per_track_all', 'TABLE (track text, sessions bigint, drivers bigint)',
  $q$
  DECLARE
    cfg data.analytics_config := (SELECT c FROM data.analytics_config c);
    sensitivity integer := hedgerow.dp_sensitivity(cfg.rows_per_person + 1);
  BEGIN
    PERFORM hedgerow.spend_privacy_budget(cfg.epsilon_per_query);
    RETURN QUERY
      WITH public_tracks AS (
        SELECT c.scope AS name FROM data.public_counts c WHERE c.kind = 'session' AND c.scope <> '' AND c.n > 0),
      per_person AS (
        SELECT s.track AS name, least(count(*), cfg.rows_per_person) AS n,
               row_number() OVER (PARTITION BY s.owner_id ORDER BY max(s.recorded_at) DESC, s.track) AS rank
          FROM data.sessions s JOIN public_tracks t ON t.name = s.track
         GROUP BY s.owner_id, s.track)
      SELECT t.name,
             greatest(0, coalesce(sum(p.n), 0) + hedgerow.geometric_noise(sensitivity, cfg.epsilon_per_query))::bigint,
             greatest(0, count(p.n) + hedgerow.geometric_noise(sensitivity, cfg.epsilon_per_query))::bigint
        FROM public_tracks t LEFT JOIN per_person p ON p.name = t.name AND p.rank <= cfg.groups_per_person
       GROUP BY t.name;
  END
  $q$,
  'Sessions of every visibility per track, private ones included, with calibrated noise (differential privacy; '
  'each query spends privacy_parameters.epsilon_per_query of your budget). Only tracks with a public session appear.',
  owner => 'hedgerow_owner', volatility => 'VOLATILE', language => 'plpgsql');

-- =====================================================================
-- Leaderboards: per track, the public sessions ranked by best lap (ties: the earlier
-- recorded first, then by id), paged by keyset cursor. Private and unlisted sessions never
-- appear, so they never take a rank, count or leave a gap.
-- =====================================================================

-- How many public sessions with laps a track has: the board's length, public information.
-- The track's public sessions are kept counted (data.public_counts, exact in the same
-- transaction as every change); those without laps are counted over an index of only them
-- (V12). So a board of any length is counted exactly in two index probes, where counting the
-- board itself read all of it (89 µs of a page at 1,000 sessions, capped there). SECURITY
-- DEFINER: under the callers' row security every row would be checked against the read rule.
CREATE FUNCTION hedgerow.leaderboard_size(board text) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  IF board IS NULL OR board = '' THEN
    RETURN 0;  -- '' is the kind's count over every track, not a track's
  END IF;
  RETURN hedgerow.public_count('session', board)
       - (SELECT count(*) FROM data.sessions s WHERE s.track = board AND s.listed AND s.best_lap_ms IS NULL);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.leaderboard_size(text) TO hedgerow_anon, hedgerow_user;

CREATE FUNCTION hedgerow.leaderboard_entry_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT hedgerow.object_schema(jsonb_build_object(
    'rank', '{"type": "integer", "minimum": 1}'::jsonb, 'best_lap_ms', '{"type": "integer"}'::jsonb,
    'session', hedgerow.session_schema(), 'owner', hedgerow.person_schema()),
    '{rank, best_lap_ms, session, owner}')
$$;

-- GET /api/leaderboards/{track}?limit=&cursor=: the track's public sessions, fastest first.
CREATE FUNCTION api.leaderboard(args jsonb) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  board text := args ->> 'track';
  page_limit int := hedgerow.page_limit(args);
  start hedgerow.page_start := hedgerow.page_start(args, '{integer,timestamptz,uuid}',
                                                   '{-1,-infinity,00000000-0000-0000-0000-000000000000}');
  after_lap int := start.keys[1];
  after_at timestamptz := start.keys[2];
  after_id uuid := start.keys[3];
  page_offset bigint := start.page_offset;
  items json;
  fetched bigint;
  next_cursor text;
  size bigint := hedgerow.leaderboard_size(board);
BEGIN
  -- The owner is joined inside the limited query, as the feed does: joined outside it, the
  -- generic plan (LIMIT is a parameter) guessed a long page and hashed every profile, 1.5 ms
  -- of a page at a million sessions.
  SELECT json_agg(o.body ORDER BY o.n) FILTER (WHERE o.n <= page_limit),
         count(*),
         min(hedgerow.encode_cursor(ARRAY[o.best_lap_ms::text, hedgerow.cursor_time(o.recorded_at), o.id::text],
                                    page_offset + page_limit)) FILTER (WHERE o.n = page_limit)
    INTO items, fetched, next_cursor
    FROM (SELECT json_build_object('rank', page_offset + row_number() OVER board_order, 'best_lap_ms', s.best_lap_ms,
                                   'session', hedgerow.session_json(s, p),
                                   'owner', json_build_object('username', p.username, 'display_name', p.display_name)) AS body,
                 s.best_lap_ms, s.recorded_at, s.id, row_number() OVER board_order AS n
            FROM data.sessions s JOIN data.profiles p ON p.id = s.owner_id
           WHERE s.track = board AND s.listed AND s.best_lap_ms IS NOT NULL
             AND (s.best_lap_ms, s.recorded_at, s.id) > (after_lap, after_at, after_id)
          WINDOW board_order AS (ORDER BY s.best_lap_ms, s.recorded_at, s.id)
           ORDER BY s.best_lap_ms, s.recorded_at, s.id LIMIT page_limit + 1) o;
  RETURN hedgerow.page(items, size, page_limit, page_offset, CASE WHEN fetched > page_limit THEN next_cursor END);
END
$$;
GRANT EXECUTE ON FUNCTION api.leaderboard(jsonb) TO hedgerow_anon, hedgerow_user;

SELECT hedgerow.route('GET', '/api/leaderboards/{track}', 'api.leaderboard(jsonb)',
  'A track''s public sessions ranked by best lap, fastest first',
  params => '{"track": {"type": "string", "minLength": 1, "maxLength": 100}}',
  query => hedgerow.page_query(), paged => true,
  response => jsonb_build_object('type', 'array', 'items', hedgerow.leaderboard_entry_schema()));

-- For analysts: every track's board (public sessions only).
SELECT hedgerow.seal('leaderboards',
  'TABLE (track text, rank bigint, session_id uuid, best_lap_ms integer, recorded_at timestamptz, username text, display_name text)',
  'SELECT s.track, row_number() OVER (PARTITION BY s.track ORDER BY s.best_lap_ms, s.recorded_at, s.id),
          s.id, s.best_lap_ms, s.recorded_at, p.username, p.display_name
     FROM data.sessions s JOIN data.profiles p ON p.id = s.owner_id
    WHERE s.listed AND s.best_lap_ms IS NOT NULL',
  'Every track''s leaderboard: its public sessions ranked by best lap (ties: the earlier recorded first).');
