-- =====================================================================
-- Lap sessions (seed 000): /api/sessions, /api/public/sessions, and the session's shared page.
-- =====================================================================

-- data.sessions.listed mirrors its resource's `listed`, so the feed walks an index of public
-- sessions and the per-track counts come from this table's own rows. SECURITY DEFINER: no API
-- role may write `listed` or the counters.
CREATE FUNCTION hedgerow.sessions_before_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  NEW.listed := coalesce((SELECT r.listed FROM data.resources r WHERE r.id = NEW.id), false);
  RETURN NEW;
END
$$;
CREATE TRIGGER sessions_before_insert BEFORE INSERT ON data.sessions
  FOR EACH ROW EXECUTE FUNCTION hedgerow.sessions_before_insert();

CREATE FUNCTION hedgerow.sessions_follow_visibility() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  UPDATE data.sessions s SET listed = n.listed
    FROM new_rows n
   WHERE s.id = n.id AND n.kind = 'session' AND s.listed <> n.listed;
  RETURN NULL;
END
$$;
CREATE TRIGGER resources_list_sessions AFTER UPDATE ON data.resources
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hedgerow.sessions_follow_visibility();

-- Public sessions per track (scope = track) in data.public_counts.
CREATE FUNCTION hedgerow.count_public_sessions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  -- Each transition table exists only for the events that have it, hence one query per event.
  IF TG_OP = 'INSERT' THEN
    PERFORM hedgerow.add_public_counts(array_agg(('session', track, 1)::data.public_counts))
       FROM new_rows WHERE listed;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM hedgerow.add_public_counts(array_agg(('session', track, -1)::data.public_counts))
       FROM old_rows WHERE listed;
  ELSE
    PERFORM hedgerow.add_public_counts(array_agg(('session', d.track, d.n)::data.public_counts))
       FROM (SELECT track, 1 AS n FROM new_rows WHERE listed
             UNION ALL
             SELECT track, -1 FROM old_rows WHERE listed) d;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER sessions_count_public_inserted AFTER INSERT ON data.sessions
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hedgerow.count_public_sessions();
CREATE TRIGGER sessions_count_public_updated AFTER UPDATE ON data.sessions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hedgerow.count_public_sessions();
CREATE TRIGGER sessions_count_public_deleted AFTER DELETE ON data.sessions
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hedgerow.count_public_sessions();

-- A session as the API shows it, from its rows (no lookups: feeds build many of these).
CREATE FUNCTION hedgerow.session_json(s data.sessions, r data.resources, owner data.profiles) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT jsonb_build_object(
    'id', s.id, 'kind', 'session', 'track', s.track, 'title', s.title,
    'recorded_at', s.recorded_at, 'laps', to_jsonb(s.laps), 'lap_count', cardinality(s.laps),
    'best_lap_ms', (SELECT min(lap) FROM unnest(s.laps) lap),
    'visibility', r.effective_visibility, 'is_public', r.effective_visibility = 'public',
    'owner', jsonb_build_object('username', owner.username, 'display_name', owner.display_name),
    'created_at', r.created_at, 'updated_at', greatest(s.updated_at, r.updated_at))
$$;
GRANT EXECUTE ON FUNCTION hedgerow.session_json(data.sessions, data.resources, data.profiles) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A session by id, as the caller may see it (NULL when they may not).
CREATE FUNCTION hedgerow.session_json(session_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (SELECT hedgerow.session_json(s, r, p)
      FROM data.sessions s JOIN data.resources r ON r.id = s.id JOIN data.profiles p ON p.id = r.owner_id
     WHERE s.id = session_id);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.session_json(uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A lap time in milliseconds as M:SS.mmm.
CREATE FUNCTION hedgerow.lap_time(ms int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT format('%s:%s.%s', ms / 60000, lpad((ms / 1000 % 60)::text, 2, '0'), lpad((ms % 1000)::text, 3, '0')) $$;
GRANT EXECUTE ON FUNCTION hedgerow.lap_time(int) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- The body of a session's shared page; everything users wrote is escaped.
CREATE FUNCTION hedgerow.session_html(session_id uuid) RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT '<h1 id="title">' || hedgerow.html_escape(coalesce(s.title, s.track)) || '</h1>'
      || '<p>Track: <span id="track">' || hedgerow.html_escape(s.track) || '</span></p>'
      || '<p>Recorded ' || to_char(s.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC</p>'
      || '<ol id="laps">'
      || coalesce((SELECT string_agg('<li>' || hedgerow.lap_time(lap) || '</li>', '' ORDER BY n)
                     FROM unnest(s.laps) WITH ORDINALITY AS t(lap, n)), '')
      || '</ol>'
    FROM data.sessions s
   WHERE s.id = session_id
$$;
GRANT EXECUTE ON FUNCTION hedgerow.session_html(uuid) TO hedgerow_anon, hedgerow_user;

-- The `laps` field: an array of at most 10,000 positive whole milliseconds, or NULL if absent.
CREATE FUNCTION hedgerow.arg_laps(args jsonb) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
  IF args -> 'laps' IS NULL OR jsonb_typeof(args -> 'laps') = 'null' THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(args -> 'laps') <> 'array' OR jsonb_array_length(args -> 'laps') > 10000 THEN
    PERFORM hedgerow.fail(400, 'INVALID_LAPS', 'laps must be an array of at most 10000 lap times in milliseconds');
  END IF;
  IF EXISTS (SELECT FROM jsonb_array_elements(args -> 'laps') lap
              WHERE jsonb_typeof(lap) <> 'number' OR lap::text !~ '^[0-9]{1,9}$' OR lap::text::int <= 0) THEN
    PERFORM hedgerow.fail(400, 'INVALID_LAPS', 'each lap must be a positive whole number of milliseconds');
  END IF;
  RETURN ARRAY(SELECT lap::text::int FROM jsonb_array_elements(args -> 'laps') WITH ORDINALITY AS t(lap, n) ORDER BY n);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_laps(jsonb) TO hedgerow_user;

-- POST /api/sessions {track, title?, recorded_at?, laps?, visibility? | is_public?}: private
-- unless asked otherwise or the owner's default_session_visibility says so.
CREATE FUNCTION api.create_session(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  track text := hedgerow.check_length(hedgerow.arg_required_text(args, 'track'), 'track', 1, 100);
  title text := hedgerow.check_length(hedgerow.arg_text(args, 'title'), 'title', 0, 200);
  recorded timestamptz := hedgerow.arg_timestamp(args, 'recorded_at');
  laps int[] := hedgerow.arg_laps(args);
  level data.visibility := hedgerow.requested_visibility(args);
  new_id uuid;
BEGIN
  new_id := hedgerow.create_resource('session', level,
    (SELECT st.default_session_visibility FROM data.settings st WHERE st.user_id = me));
  INSERT INTO data.sessions (id, track, title, recorded_at, laps)
  VALUES (new_id, track, title, coalesce(recorded, now()), coalesce(laps, '{}'));
  RETURN hedgerow.ok(hedgerow.session_json(new_id));
END
$$;
GRANT EXECUTE ON FUNCTION api.create_session(jsonb) TO hedgerow_anon, hedgerow_user;

-- GET /api/sessions?limit=&offset=: the caller's own sessions, newest first.
CREATE FUNCTION api.list_sessions(args jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  page_limit int := hedgerow.page_limit(args);
  page_offset int := hedgerow.page_offset(args);
BEGIN
  RETURN hedgerow.page(
    (SELECT coalesce(jsonb_agg(hedgerow.session_json(s, r, p) ORDER BY s.recorded_at DESC, s.id DESC), '[]')
       FROM (SELECT s.* FROM data.sessions s JOIN data.resources r ON r.id = s.id
              WHERE r.owner_id = me ORDER BY s.recorded_at DESC, s.id DESC
              LIMIT page_limit OFFSET page_offset) s
       JOIN data.resources r ON r.id = s.id JOIN data.profiles p ON p.id = r.owner_id),
    (SELECT count(*) FROM data.resources r WHERE r.owner_id = me AND r.kind = 'session'),
    page_limit, page_offset);
END
$$;
GRANT EXECUTE ON FUNCTION api.list_sessions(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- GET /api/sessions/{id}: one session, if the caller may see it; the read is logged.
CREATE FUNCTION api.get_session(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.ok(hedgerow.session_json((hedgerow.read_resource('session', args)).id)) $$;
GRANT EXECUTE ON FUNCTION api.get_session(jsonb) TO hedgerow_anon, hedgerow_user;

-- PATCH /api/sessions/{id} {track?, title?, recorded_at?, laps?, visibility? | is_public?}:
-- owner only; absent fields stay.
CREATE FUNCTION api.update_session(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.owned_resource('session', hedgerow.arg_uuid(args, 'id'));
  new_track text := hedgerow.check_length(hedgerow.arg_text(args, 'track'), 'track', 1, 100);
  new_title text := hedgerow.check_length(hedgerow.arg_text(args, 'title'), 'title', 0, 200);
  new_recorded timestamptz := hedgerow.arg_timestamp(args, 'recorded_at');
  new_laps int[] := hedgerow.arg_laps(args);
  level data.visibility := hedgerow.requested_visibility(args);
BEGIN
  IF args ? 'track' AND new_track IS NULL THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'track cannot be removed');
  END IF;
  UPDATE data.sessions s
     SET track = coalesce(new_track, s.track),
         title = CASE WHEN args ? 'title' THEN new_title ELSE s.title END,
         recorded_at = coalesce(new_recorded, s.recorded_at),
         laps = coalesce(new_laps, s.laps),
         updated_at = now()
   WHERE s.id = r.id;
  IF level IS NOT NULL THEN
    UPDATE data.resources SET visibility = level WHERE id = r.id;
  END IF;
  RETURN hedgerow.ok(hedgerow.session_json(r.id));
END
$$;
GRANT EXECUTE ON FUNCTION api.update_session(jsonb) TO hedgerow_anon, hedgerow_user;

-- DELETE /api/sessions/{id}: owner only; its links, grants and log go with it.
CREATE FUNCTION api.delete_session(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.delete_resource('session', args) $$;
GRANT EXECUTE ON FUNCTION api.delete_session(jsonb) TO hedgerow_anon, hedgerow_user;

-- POST /api/sessions/{id}/share {expires_in_seconds? | expires_at?} (the seed's path)
CREATE FUNCTION api.share_session(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.create_share_link('session', args) $$;
GRANT EXECUTE ON FUNCTION api.share_session(jsonb) TO hedgerow_anon, hedgerow_user;

-- One page of the feed from `rows`: the listed sessions in feed order, starting at the page,
-- with one more row after it when there is more. Rows whose resource the caller may not read
-- as public are dropped (`listed` only chose the index). The total is kept as sessions are
-- written, never counted here.
CREATE FUNCTION hedgerow.session_feed_page(rows data.sessions[], track text, page_limit int, page_offset int)
RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  items jsonb;
  last_shown data.sessions := rows[page_limit];
BEGIN
  -- plpgsql keeps this statement's plan across calls: planning it (with every policy it
  -- touches) costs more than running it.
  SELECT coalesce(jsonb_agg(hedgerow.session_json(rows[n], r, p) ORDER BY n), '[]') INTO items
    FROM generate_series(1, least(cardinality(rows), page_limit)) AS n
    JOIN data.resources r ON r.id = (rows[n]).id AND r.listed
    JOIN data.profiles p ON p.id = r.owner_id;
  RETURN hedgerow.page(items, hedgerow.public_count('session', coalesce(track, '')), page_limit, page_offset,
                       CASE WHEN cardinality(rows) > page_limit
                            THEN hedgerow.keyset_cursor(last_shown.recorded_at, last_shown.id) END,
                       true);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.session_feed_page(data.sessions[], text, int, int) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- GET /api/public/sessions?track=&limit=&offset=&cursor=: public sessions of all users,
-- newest first. `cursor` (from next_cursor) pages by keyset: as fast deep down as on page 1.
CREATE FUNCTION api.public_sessions(args jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  on_track text := hedgerow.arg_text(args, 'track');
  page_limit int := hedgerow.page_limit(args);
  page_offset int := hedgerow.page_offset(args);
  -- Without a cursor the page starts before everything.
  after_recorded timestamptz := 'infinity';
  after_id uuid := 'ffffffff-ffff-ffff-ffff-ffffffffffff';
BEGIN
  IF args ? 'cursor' THEN
    SELECT c.recorded, c.id INTO after_recorded, after_id
      FROM hedgerow.parse_keyset_cursor(hedgerow.arg_required_text(args, 'cursor')) c;
    page_offset := 0;
  END IF;
  -- One static query per index (with or without a track), so both plans are kept.
  IF on_track IS NULL THEN
    RETURN hedgerow.session_feed_page(ARRAY(
      SELECT s FROM data.sessions s
       WHERE s.listed AND (s.recorded_at, s.id) < (after_recorded, after_id)
       ORDER BY s.recorded_at DESC, s.id DESC LIMIT page_limit + 1 OFFSET page_offset),
      on_track, page_limit, page_offset);
  END IF;
  RETURN hedgerow.session_feed_page(ARRAY(
    SELECT s FROM data.sessions s
     WHERE s.listed AND s.track = on_track AND (s.recorded_at, s.id) < (after_recorded, after_id)
     ORDER BY s.recorded_at DESC, s.id DESC LIMIT page_limit + 1 OFFSET page_offset),
    on_track, page_limit, page_offset);
END
$$;
GRANT EXECUTE ON FUNCTION api.public_sessions(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
