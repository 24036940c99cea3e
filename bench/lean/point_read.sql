-- Scenario 1: the owner reads a private session; the read is logged. Variables: claims
-- ({"sub": owner}), session. One round trip: the four statements are pipelined, as hedgerow
-- sends them.
\startpipeline
BEGIN;
SELECT set_config('role', 'lean_user', true), set_config('request.jwt.claims', :claims, true), set_config('request.ip', '127.0.0.1', true);
SELECT lean_api.read_session(:session);
COMMIT;
\endpipeline
