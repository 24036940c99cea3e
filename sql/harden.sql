-- Closes the side channels of PostgreSQL's catalog in hedgerow's database, for everyone but
-- hedgerow's owner, the server's roles and monitoring roles (pg_read_all_stats): table and
-- index statistics and sizes (row counts and scan counters move with rows nobody else may
-- see), locks, snapshots, transaction ids and WAL positions (which move with others' writes),
-- advisory locks (an analyst holding the migration lock would stall every migrate), the row
-- and page counts of pg_class, and temporary tables (unbounded disk). Run by `hedgerow
-- migrate` as a superuser (only a superuser may change the catalog's privileges); printed for
-- an administrator otherwise. Idempotent.
DO $$
DECLARE
  f regprocedure;
  columns text;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
            WHERE p.pronamespace = 'pg_catalog'::regnamespace
              AND (p.proname LIKE 'pg\_stat\_get\_%' OR p.proname LIKE 'pg\_current\_wal%'
                   OR p.proname IN ('pg_stat_have_stats', 'pg_relation_size', 'pg_table_size', 'pg_indexes_size',
                                    'pg_total_relation_size', 'pg_database_size', 'pg_tablespace_size',
                                    'pg_lock_status', 'pg_blocking_pids', 'pg_safe_snapshot_blocking_pids',
                                    'pg_current_snapshot', 'txid_current_snapshot', 'pg_current_xact_id',
                                    'pg_current_xact_id_if_assigned', 'txid_current', 'txid_current_if_assigned',
                                    'pg_xact_status', 'txid_status')) LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO hedgerow_owner, pg_read_all_stats', f);
  END LOOP;
  -- The server's own login measures how far a read replica is behind the primary (the roles
  -- it becomes for requests, and analysts, do not inherit this).
  GRANT EXECUTE ON FUNCTION pg_catalog.pg_current_wal_insert_lsn() TO hedgerow_authenticator;
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
            WHERE p.pronamespace = 'pg_catalog'::regnamespace
              AND (p.proname LIKE 'pg\_advisory\_%' OR p.proname LIKE 'pg\_try\_advisory\_%') LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO hedgerow_owner', f);
  END LOOP;
  columns := (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
               WHERE a.attrelid = 'pg_catalog.pg_class'::regclass AND a.attnum > 0
                 AND a.attname NOT IN ('relpages', 'reltuples', 'relallvisible'));
  REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC;
  EXECUTE format('GRANT SELECT (%s) ON pg_catalog.pg_class TO PUBLIC', columns);
  GRANT SELECT ON pg_catalog.pg_class TO hedgerow_owner, hedgerow_authenticator, pg_read_all_stats;
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
