-- Scenario 7 as hedgerow's server sends it (src/db/request.rs): its four statements, pipelined,
-- for pgbench to split a request's database time from the HTTP server's. Variables: owner, args.
\startpipeline
BEGIN;
SELECT set_config('role', 'hedgerow_user', true), set_config('request.user_id', :owner, true), set_config('request.ip', '127.0.0.1', true), set_config('request.share_token', '', true), set_config('statement_timeout', '5000', true), set_config('hedgerow.public_url', 'http://127.0.0.1:3903', true), set_config('hedgerow.signup_url', '', true), set_config('hedgerow.truncate_ips', 'off', true), set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true);
WITH r AS MATERIALIZED (SELECT api.create_session(:args::text::jsonb)::text AS body) SELECT body, current_setting('response.status', true), current_setting('response.etag', true), current_setting('response.location', true) FROM r;
COMMIT;
\endpipeline
