-- One request as hedgerow's server sends it (src/db/request.rs): its four statements,
-- pipelined, for pgbench to split a request's database time from the HTTP server's. run.sh
-- fills in @begin@ (BEGIN, or BEGIN READ ONLY for a read that does not log), @function@ and
-- the context (@role@, @user_id@, @share_token@; empty for none); pgbench variable: args.
\startpipeline
@begin@;
SELECT set_config('role', '@role@', true), set_config('request.user_id', '@user_id@', true), set_config('request.ip', '127.0.0.1', true), set_config('request.share_token', '@share_token@', true), set_config('statement_timeout', '5000', true), set_config('hedgerow.public_url', 'http://127.0.0.1:3903', true), set_config('hedgerow.signup_url', '', true), set_config('hedgerow.truncate_ips', 'off', true), set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true);
WITH r AS MATERIALIZED (SELECT @function@(:args::text::jsonb)::text AS body) SELECT body, current_setting('response.status', true), current_setting('response.etag', true), current_setting('response.location', true) FROM r;
COMMIT;
\endpipeline
