-- Scenario 6: a track's leaderboard, the 20 fastest public sessions, anonymous. Variable: track.
\startpipeline
BEGIN READ ONLY;
SELECT set_config('role', 'lean_anon', true), set_config('request.jwt.claims', '', true);
SELECT coalesce(json_agg(page.body), '[]') FROM (SELECT json_build_object('rank', row_number() OVER (ORDER BY lean.best_lap(s.laps), s.recorded_at, s.id), 'best_lap_ms', lean.best_lap(s.laps), 'session', lean.session_json(s, p)) AS body FROM lean.sessions s JOIN lean.profiles p ON p.id = s.owner_id WHERE s.visibility = 'public' AND s.track = :track AND lean.best_lap(s.laps) IS NOT NULL ORDER BY lean.best_lap(s.laps), s.recorded_at, s.id LIMIT 20) page;
COMMIT;
\endpipeline
