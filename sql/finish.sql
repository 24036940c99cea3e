-- Epilogue of the repeatable step: what spans kinds is generated once every kind has
-- registered, the access log has its months, and running servers reload their routes
-- (the notification is delivered when this transaction commits).
SELECT hedgerow.finish_kinds();
SELECT hedgerow.ensure_access_log_months();
NOTIFY hedgerow_routes;
