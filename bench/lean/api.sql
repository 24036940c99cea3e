-- =====================================================================
-- The lean reference's API, as PostgREST users would write it: schema lean_api, exposed by
-- PostgREST 12 (db-schemas = lean_api). Run as a superuser after bench/lean/schema.sql.
--
-- Views are security_invoker, so the row-level security of lean's tables binds every request:
--   GET  /sessions?select=…&visibility=eq.public&track=eq.X&order=recorded_at.desc,id.desc&limit=20
--   POST /sessions (Prefer: return=representation)
-- A read that must also be logged is one function, called by PostgREST (POST /rpc/…) and by
-- bench/lean's pgbench scripts alike:
--   POST /rpc/read_session {"id": …}       POST /rpc/open_share {"token": …}
-- and so is discovery's name search, which must not run under the caller's row-level security:
--   GET  /rpc/discover_shelves?search=poetry&page_limit=20
-- =====================================================================

CREATE SCHEMA lean_api;
GRANT USAGE ON SCHEMA lean_api TO lean_anon, lean_user, lean_authenticator;

CREATE VIEW lean_api.profiles WITH (security_invoker = true) AS
  SELECT id, username, display_name FROM lean.profiles;
CREATE VIEW lean_api.sessions WITH (security_invoker = true) AS
  SELECT id, owner_id, track, title, recorded_at, laps, visibility, created_at, updated_at FROM lean.sessions;
GRANT SELECT ON lean_api.profiles, lean_api.sessions TO lean_anon, lean_user;
GRANT INSERT (track, title, recorded_at, laps, visibility) ON lean_api.sessions TO lean_user;

-- POST /rpc/read_session {"id"}: the session if the caller may see it (NULL otherwise), and
-- one access-log row saying how: owner, invited, share_link (the request's token), public or
-- unlisted, in that order. One statement; plpgsql keeps its plan for the connection.
CREATE FUNCTION lean_api.read_session(id uuid) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  result json;
BEGIN
  PERFORM set_config('request.resource_id', id::text, true);
  WITH shown AS (
    SELECT s.id, s.owner_id, s.visibility, lean.session_json(s, p) AS body
      FROM lean.sessions s JOIN lean.profiles p ON p.id = s.owner_id
     WHERE s.id = read_session.id
  ), reason AS (
    SELECT shown.id, shown.owner_id, me.id AS viewer_id,
           CASE WHEN shown.owner_id = me.id THEN 'owner'
                WHEN shown.id IN (SELECT i.id FROM lean.invited_ids() i(id)) THEN 'invited'
                WHEN link.id IS NOT NULL THEN 'share_link'
                WHEN shown.visibility = 'public' THEN 'public'
                ELSE 'unlisted' END AS via,
           link.id AS link_id
      FROM shown CROSS JOIN (SELECT lean.uid() AS id) me
      LEFT JOIN lean.share_links link
        ON link.token = lean.share_token() AND link.resource_id = shown.id
       AND link.enabled AND link.revoked_at IS NULL AND (link.expires_at IS NULL OR link.expires_at > now())
  ), logged AS (
    INSERT INTO lean.access_log (resource_id, owner_id, viewer_id, via, share_link_id, ip)
    SELECT reason.id, reason.owner_id, reason.viewer_id, reason.via,
           CASE WHEN reason.via = 'share_link' THEN reason.link_id END, lean.client_ip()
      FROM reason
  )
  SELECT shown.body INTO result FROM shown;
  RETURN result;
END
$$;

-- POST /rpc/open_share {"token"}: the session an active share link opens (NULL for unknown,
-- expired, revoked or disabled links alike), logged as read through the link (or as the
-- owner's or an invited user's read, when it is theirs anyway).
CREATE FUNCTION lean_api.open_share(token text) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  result json;
BEGIN
  PERFORM set_config('request.share_token', token, true);
  WITH shown AS (
    SELECT s.id, s.owner_id, link.id AS link_id, lean.session_json(s, p) AS body
      FROM lean.share_links link
      JOIN lean.sessions s ON s.id = link.resource_id
      JOIN lean.profiles p ON p.id = s.owner_id
     WHERE link.token = open_share.token
       AND link.enabled AND link.revoked_at IS NULL AND (link.expires_at IS NULL OR link.expires_at > now())
  ), reason AS (
    SELECT shown.id, shown.owner_id, shown.link_id, me.id AS viewer_id,
           CASE WHEN shown.owner_id = me.id THEN 'owner'
                WHEN shown.id IN (SELECT i.id FROM lean.invited_ids() i(id)) THEN 'invited'
                ELSE 'share_link' END AS via
      FROM shown CROSS JOIN (SELECT lean.uid() AS id) me
  ), logged AS (
    INSERT INTO lean.access_log (resource_id, owner_id, viewer_id, via, share_link_id, ip)
    SELECT reason.id, reason.owner_id, reason.viewer_id, reason.via,
           CASE WHEN reason.via = 'share_link' THEN reason.link_id END, lean.client_ip()
      FROM reason
  )
  SELECT shown.body INTO result FROM shown;
  RETURN result;
END
$$;

-- GET /rpc/discover_shelves?search=&page_limit=: the seed's discovery answer — the
-- `page_limit` public shelves most recently updated whose names contain `search`
-- (case-insensitive, taken literally), each with its count of public books, and how many
-- shelves match: counted up to 1,001, as hedgerow's rule is (beyond 1,000 the total is a
-- lower bound, `total_capped`). One function returning the whole answer, as a PostgREST user
-- writes an endpoint whose answer is not a table's rows; plpgsql keeps its plans.
-- SECURITY DEFINER, as the tables' owner: ILIKE is not leakproof, so under the caller's
-- row-level security the planner could neither use the trigram index nor see the column's
-- statistics, and it sorted every match (about 100 ms at 100,000 shelves). It reads public
-- shelves, their owners' names and their public books only, which anyone may read; so its
-- book counts, too, skip the callers' policies (hedgerow's run under them, over an index
-- that makes them index-only all the same).
CREATE FUNCTION lean_api.discover_shelves(search text, page_limit int DEFAULT 20) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
AS $$
DECLARE
  pattern text := '%' || replace(replace(replace(search, '\', '\\'), '%', '\%'), '_', '\_') || '%';
  matches bigint;
  page json;
BEGIN
  SELECT count(*) INTO matches
    FROM (SELECT FROM lean.shelves sh WHERE sh.visibility = 'public' AND sh.name ILIKE pattern LIMIT 1001) counted;
  SELECT coalesce(json_agg(json_build_object(
           'id', sh.id, 'name', sh.name, 'visibility', sh.visibility, 'created_at', sh.created_at,
           'updated_at', sh.updated_at,
           'book_count', (SELECT count(*) FROM lean.books b WHERE b.shelf_id = sh.id AND b.effective_visibility = 'public'),
           'owner', json_build_object('username', p.username, 'display_name', p.display_name))
         ORDER BY sh.updated_at DESC, sh.id DESC), '[]')
    INTO page
    FROM (SELECT * FROM lean.shelves sh WHERE sh.visibility = 'public' AND sh.name ILIKE pattern
           ORDER BY sh.updated_at DESC, sh.id DESC LIMIT least(page_limit, 100)) sh
    JOIN lean.profiles p ON p.id = sh.owner_id;
  RETURN json_build_object('data', page, 'total', least(matches, 1000), 'total_capped', matches > 1000);
END
$$;

-- GET /rpc/leaderboard?track=&page_limit=: a track's public sessions ranked by best lap (ties:
-- the earlier recorded, then id), with the drivers' names. Runs as the caller, under the
-- policies, down sessions_public_board.
CREATE FUNCTION lean_api.leaderboard(track text, page_limit int DEFAULT 20)
RETURNS TABLE (rank bigint, best_lap_ms integer, id uuid, title text, recorded_at timestamptz,
               username text, display_name text)
LANGUAGE sql STABLE ROWS 20
AS $$
  SELECT row_number() OVER (ORDER BY lean.best_lap(s.laps), s.recorded_at, s.id), lean.best_lap(s.laps),
         s.id, s.title, s.recorded_at, p.username, p.display_name
    FROM lean.sessions s JOIN lean.profiles p ON p.id = s.owner_id
   WHERE s.visibility = 'public' AND s.track = leaderboard.track AND lean.best_lap(s.laps) IS NOT NULL
   ORDER BY lean.best_lap(s.laps), s.recorded_at, s.id
   LIMIT least(page_limit, 100)
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA lean_api FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lean_api.read_session(uuid), lean_api.open_share(text), lean_api.discover_shelves(text, int),
                          lean_api.leaderboard(text, int)
  TO lean_anon, lean_user;
