-- =====================================================================
-- Identity: who is asking, what the request addresses, and the share token it carries.
-- =====================================================================

-- Who is asking. In sessions of the server's own login role this is the request's verified
-- user id (request.user_id, set by the server from the token). Any other session (an analyst
-- in psql) could set that setting to anything, so there the identity comes from
-- data.analyst_accounts (none mapped: anonymous). Policies call it as
-- (SELECT hedgerow.current_user_id()) so it runs once per statement, not per row.
CREATE FUNCTION hedgerow.current_user_id() RETURNS uuid
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  IF session_user = 'hedgerow_authenticator' THEN
    RETURN nullif(current_setting('request.user_id', true), '')::uuid;
  END IF;
  RETURN (SELECT a.user_id FROM data.analyst_accounts a WHERE a.role_name = session_user);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.current_user_id() TO hedgerow_anon, hedgerow_user, hedgerow_reader;

-- The caller's id, or a 401 for anonymous callers.
CREATE FUNCTION hedgerow.require_user() RETURNS uuid
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  me uuid := hedgerow.current_user_id();
BEGIN
  IF me IS NULL THEN
    PERFORM hedgerow.fail(401, 'UNAUTHENTICATED', 'authentication required');
  END IF;
  RETURN me;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.require_user() TO hedgerow_anon, hedgerow_user;

-- The resource id the request addresses directly (what makes an unlisted thing readable).
-- An analyst who holds an unlisted thing's id may set it the same way.
CREATE FUNCTION hedgerow.addressed_id() RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('request.resource_id', true), '')::uuid $$;
GRANT EXECUTE ON FUNCTION hedgerow.addressed_id() TO hedgerow_anon, hedgerow_user, hedgerow_reader;

-- Records, for the rest of the transaction, that the request addresses resource `id`.
CREATE FUNCTION hedgerow.address(id uuid) RETURNS void
LANGUAGE sql VOLATILE
AS $$ SELECT set_config('request.resource_id', id::text, true) $$;
GRANT EXECUTE ON FUNCTION hedgerow.address(uuid) TO hedgerow_anon, hedgerow_user;

-- SHA-256 of the share token the request carries (NULL without one). Links are matched on
-- the hash, so the token column itself stays unreadable to everyone but owners.
CREATE FUNCTION hedgerow.share_token_hash() RETURNS bytea
LANGUAGE sql STABLE
AS $$ SELECT sha256(convert_to(nullif(current_setting('request.share_token', true), ''), 'UTF8')) $$;
GRANT EXECUTE ON FUNCTION hedgerow.share_token_hash() TO hedgerow_anon, hedgerow_user, hedgerow_reader;

-- A link grants access while enabled, not revoked and not expired.
CREATE FUNCTION hedgerow.link_is_active(enabled boolean, revoked_at timestamptz, expires_at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT enabled AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) $$;
GRANT EXECUTE ON FUNCTION hedgerow.link_is_active(boolean, timestamptz, timestamptz) TO hedgerow_anon, hedgerow_user, hedgerow_reader;

-- An invitation gives access until it expires (revoking deletes it).
CREATE FUNCTION hedgerow.grant_is_active(expires_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT expires_at IS NULL OR expires_at > now() $$;
GRANT EXECUTE ON FUNCTION hedgerow.grant_is_active(timestamptz) TO hedgerow_anon, hedgerow_user, hedgerow_reader;

-- Resources shared with this request: granted to the caller, or opened by the share token it
-- carries. The read rule uses it as `id IN (SELECT s.id FROM hedgerow.shared_ids() s(id))`:
-- in FROM, the planner inlines it and computes it once per statement.
CREATE FUNCTION hedgerow.shared_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE
AS $$
  SELECT g.resource_id FROM data.grants g
   WHERE g.grantee_id = (SELECT hedgerow.current_user_id()) AND hedgerow.grant_is_active(g.expires_at)
  UNION ALL
  SELECT l.resource_id FROM data.share_links l
   WHERE l.token_hash = (SELECT hedgerow.share_token_hash())
     AND hedgerow.link_is_active(l.enabled, l.revoked_at, l.expires_at)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.shared_ids() TO hedgerow_anon, hedgerow_user, hedgerow_reader;
