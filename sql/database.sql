-- Per-database setup that needs more rights than the owner role has: the owner may create
-- schemas in this database, and the API roles may connect. Idempotent.
DO $$
BEGIN
  EXECUTE format('GRANT CREATE, CONNECT ON DATABASE %I TO hedgerow_owner', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO hedgerow_authenticator, hedgerow_analyst',
                 current_database());
END
$$;
CREATE SCHEMA IF NOT EXISTS hedgerow_meta AUTHORIZATION hedgerow_owner;
