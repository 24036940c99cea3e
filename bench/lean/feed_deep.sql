-- Scenario 4: the same feed, the page after a keyset cursor (the last row's recorded_at and
-- id). Variables: track, after_at, after_id.
\startpipeline
BEGIN READ ONLY;
SELECT set_config('role', 'lean_anon', true), set_config('request.jwt.claims', '', true);
SELECT coalesce(json_agg(page.body), '[]') FROM (SELECT lean.session_json(s, p) AS body FROM lean.sessions s JOIN lean.profiles p ON p.id = s.owner_id WHERE s.visibility = 'public' AND s.track = :track AND (s.recorded_at, s.id) < (:after_at::timestamptz, :after_id::uuid) ORDER BY s.recorded_at DESC, s.id DESC LIMIT 20) page;
COMMIT;
\endpipeline
