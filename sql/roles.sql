-- Cluster-wide roles of DESIGN §3, created only where missing (roles are shared by every
-- database of a cluster, so a second hedgerow database on the same server reuses them).
-- Run by `hedgerow migrate` when its connection may create roles; otherwise printed for an
-- administrator to run.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hedgerow_owner') THEN
    CREATE ROLE hedgerow_owner NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hedgerow_anon') THEN
    CREATE ROLE hedgerow_anon NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hedgerow_user') THEN
    CREATE ROLE hedgerow_user NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hedgerow_analyst') THEN
    CREATE ROLE hedgerow_analyst NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hedgerow_authenticator') THEN
    CREATE ROLE hedgerow_authenticator LOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hedgerow_reader') THEN
    CREATE ROLE hedgerow_reader NOLOGIN;
  END IF;
END
$$;
-- The authenticator may become anon or user for one transaction, nothing else.
GRANT hedgerow_anon, hedgerow_user TO hedgerow_authenticator;
-- The reader owns the functions analysts read through (sealed.*), so the owner role, which
-- creates them, hands them over.
GRANT hedgerow_reader TO hedgerow_owner;
