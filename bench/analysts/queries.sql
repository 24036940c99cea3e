-- The analysts' typical queries on today's surface (schema analytics, their search_path):
-- docs/ANALYSTS.md's worked examples, a per-track count and a join of sessions and profiles.
-- bench/analysts.sh times each block as the login its "as:" line names.

-- The mapped login sees what the user with most reads through share links sees (run as the
-- superuser on the seeded data):
-- mapped user: SELECT p.username FROM data.access_log a JOIN data.profiles p ON p.id = a.owner_id WHERE a.accessed_via = 'share_link' GROUP BY p.username ORDER BY count(*) DESC, p.username LIMIT 1

-- name: busiest public tracks (ANALYSTS.md)
-- as: anonymous
SELECT track, sessions, drivers, best_lap_ms / 1000.0 AS best_lap_s
  FROM public_sessions_per_track ORDER BY sessions DESC LIMIT 10;

-- name: sessions per track (what the login may see)
-- as: anonymous
SELECT track, count(*) FROM sessions GROUP BY track ORDER BY 2 DESC;

-- name: public sessions of the last 7 days with their drivers (join; ANALYSTS.md)
-- as: anonymous
SELECT s.track, s.title, p.username FROM sessions s JOIN profiles p ON p.id = s.owner_id
 WHERE s.recorded_at > now() - interval '7 days' ORDER BY s.recorded_at DESC LIMIT 20;

-- name: top three of every leaderboard (ANALYSTS.md)
-- as: anonymous
SELECT track, rank, username, best_lap_ms FROM leaderboards WHERE rank <= 3 ORDER BY track, rank;

-- name: resources per kind and visibility, all users (noisy; ANALYSTS.md)
-- as: anonymous
SELECT kind, visibility, resources FROM resources_per_visibility_all ORDER BY 1, 2;

-- name: sessions per track, the mapped user's view
-- as: mapped
SELECT track, count(*) FROM sessions GROUP BY track ORDER BY 2 DESC;

-- name: my things read through a share link this month (ANALYSTS.md)
-- as: mapped
SELECT r.kind, r.id, count(*) AS link_reads
  FROM access_log a JOIN my_resources r ON r.id = a.resource_id
 WHERE a.accessed_via = 'share_link' AND a.accessed_at > date_trunc('month', now())
 GROUP BY 1, 2 ORDER BY 3 DESC;

-- name: my sharing, per resource (ANALYSTS.md's my_sharing)
-- as: mapped
SELECT kind, visibility, count(*), sum(active_links), sum(reads) FROM my_sharing GROUP BY 1, 2 ORDER BY 1, 2;
