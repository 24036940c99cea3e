-- Scenario 3: the public feed of one track, 20 newest, anonymous. Variable: track.
\startpipeline
BEGIN READ ONLY;
SELECT set_config('role', 'lean_anon', true), set_config('request.jwt.claims', '', true);
SELECT coalesce(json_agg(page.body), '[]') FROM (SELECT lean.session_json(s, p) AS body FROM lean.sessions s JOIN lean.profiles p ON p.id = s.owner_id WHERE s.visibility = 'public' AND s.track = :track ORDER BY s.recorded_at DESC, s.id DESC LIMIT 20) page;
COMMIT;
\endpipeline
