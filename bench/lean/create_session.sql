-- Scenario 6: the owner records a session and gets it back; owner and visibility come from
-- the column defaults (the caller, their default visibility). Variables: claims, track,
-- title, laps ('{…}').
\startpipeline
BEGIN;
SELECT set_config('role', 'lean_user', true), set_config('request.jwt.claims', :claims, true);
INSERT INTO lean.sessions AS s (track, title, laps) VALUES (:track, :title, :laps::int[]) RETURNING lean.session_json(s, (SELECT p FROM lean.profiles p WHERE p.id = s.owner_id));
COMMIT;
\endpipeline
