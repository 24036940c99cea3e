-- Scenario 2: an anonymous visitor opens a share link; the read is logged. Variable: token.
\startpipeline
BEGIN;
SELECT set_config('role', 'lean_anon', true), set_config('request.jwt.claims', '', true), set_config('request.ip', '127.0.0.1', true);
SELECT lean_api.open_share(:token);
COMMIT;
\endpipeline
