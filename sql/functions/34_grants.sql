-- =====================================================================
-- Grants (invitations, DESIGN §5 rule 4): the owner invites a user by username, optionally
-- until a date; revoking deletes the grant, so access ends in the same transaction.
-- =====================================================================

-- A grant as its owner sees it (the plan seed's shape, plus resource_id, kind and expiry).
CREATE FUNCTION hedgerow.grant_json(g data.grants, kind text) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT jsonb_build_object(
    kind || '_id', g.resource_id, 'resource_id', g.resource_id, 'kind', kind,
    'user_id', g.grantee_id, 'username', (SELECT p.username FROM data.profiles p WHERE p.id = g.grantee_id),
    'granted_by', g.granted_by,
    'granted_by_username', (SELECT p.username FROM data.profiles p WHERE p.id = g.granted_by),
    'granted_at', g.granted_at, 'expires_at', g.expires_at, 'active', hedgerow.grant_is_active(g))
$$;
GRANT EXECUTE ON FUNCTION hedgerow.grant_json(data.grants, text) TO hedgerow_user;

-- GET /api/{kind}/{id}/access: who the owner has invited, newest first.
CREATE FUNCTION hedgerow.list_grants(wanted_kind text, args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.owned_resource(wanted_kind, hedgerow.arg_uuid(args, 'id'));
BEGIN
  RETURN hedgerow.ok((SELECT coalesce(jsonb_agg(hedgerow.grant_json(g, r.kind) ORDER BY g.granted_at DESC), '[]')
                        FROM data.grants g WHERE g.resource_id = r.id));
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.list_grants(text, jsonb) TO hedgerow_user;

-- POST /api/{kind}/{id}/access {username, expires_at?}: invites a user (owner only). 201 for
-- a new grant; 200 when it already existed (its expiry updated when expires_at is sent).
CREATE FUNCTION hedgerow.create_grant(wanted_kind text, args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.owned_resource(wanted_kind, hedgerow.arg_uuid(args, 'id'));
  grantee uuid := (SELECT p.id FROM data.profiles p WHERE p.username = hedgerow.arg_required_text(args, 'username'));
  expires timestamptz := hedgerow.arg_timestamp(args, 'expires_at');
  g data.grants;
BEGIN
  IF grantee IS NULL THEN
    PERFORM hedgerow.fail(404, 'USER_NOT_FOUND', 'no such user');
  END IF;
  IF grantee = r.owner_id THEN
    PERFORM hedgerow.fail(400, 'CANNOT_INVITE_OWNER', 'the owner always has access');
  END IF;
  IF expires <= now() THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'expires_at must be in the future');
  END IF;
  INSERT INTO data.grants (resource_id, grantee_id, owner_id, granted_by, expires_at)
  VALUES (r.id, grantee, r.owner_id, hedgerow.current_user_id(), expires)
  ON CONFLICT (resource_id, grantee_id) DO NOTHING
  RETURNING * INTO g;
  IF g.resource_id IS NULL THEN
    PERFORM hedgerow.set_status(200);
    UPDATE data.grants x SET expires_at = CASE WHEN args ? 'expires_at' THEN expires ELSE x.expires_at END
     WHERE x.resource_id = r.id AND x.grantee_id = grantee
    RETURNING * INTO g;
  END IF;
  RETURN hedgerow.ok(hedgerow.grant_json(g, r.kind));
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.create_grant(text, jsonb) TO hedgerow_user;

-- DELETE /api/{kind}/{id}/access/{user_id}: revokes an invitation at once (owner only).
CREATE FUNCTION hedgerow.revoke_grant(wanted_kind text, args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.owned_resource(wanted_kind, hedgerow.arg_uuid(args, 'id'));
  grantee uuid := hedgerow.arg_uuid(args, 'user_id');
BEGIN
  DELETE FROM data.grants g WHERE g.resource_id = r.id AND g.grantee_id = grantee;
  IF NOT FOUND THEN
    PERFORM hedgerow.fail(404, 'GRANT_NOT_FOUND', 'that user has no access to revoke');
  END IF;
  RETURN hedgerow.ok(jsonb_build_object('resource_id', r.id, 'user_id', grantee, 'revoked', true));
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.revoke_grant(text, jsonb) TO hedgerow_user;

-- GET /api/{kind}/{id}/access
CREATE FUNCTION api.list_grants(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.list_grants(hedgerow.kind_of(args ->> 'kind'), args) $$;
GRANT EXECUTE ON FUNCTION api.list_grants(jsonb) TO hedgerow_anon, hedgerow_user;

-- POST /api/{kind}/{id}/access
CREATE FUNCTION api.create_grant(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.create_grant(hedgerow.kind_of(args ->> 'kind'), args) $$;
GRANT EXECUTE ON FUNCTION api.create_grant(jsonb) TO hedgerow_anon, hedgerow_user;

-- DELETE /api/{kind}/{id}/access/{user_id}
CREATE FUNCTION api.revoke_grant(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.revoke_grant(hedgerow.kind_of(args ->> 'kind'), args) $$;
GRANT EXECUTE ON FUNCTION api.revoke_grant(jsonb) TO hedgerow_anon, hedgerow_user;

-- GET /api/shared-with-me?limit=&offset=: everything of every kind granted to the caller
-- (active grants only), newest grant first.
CREATE FUNCTION api.shared_with_me(args jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  page_limit int := hedgerow.page_limit(args);
  page_offset int := hedgerow.page_offset(args);
BEGIN
  RETURN hedgerow.page(
    (SELECT coalesce(jsonb_agg(item ORDER BY granted_at DESC, resource_id), '[]') FROM (
       SELECT g.granted_at, g.resource_id,
              jsonb_build_object('kind', r.kind, 'resource', hedgerow.resource_json(r),
                                 'owner', jsonb_build_object('username', p.username, 'display_name', p.display_name),
                                 'granted_at', g.granted_at, 'expires_at', g.expires_at) AS item
         FROM data.grants g JOIN data.resources r ON r.id = g.resource_id JOIN data.profiles p ON p.id = r.owner_id
        WHERE g.grantee_id = me AND hedgerow.grant_is_active(g)
        ORDER BY g.granted_at DESC, g.resource_id LIMIT page_limit OFFSET page_offset) page),
    (SELECT count(*) FROM data.grants g WHERE g.grantee_id = me AND hedgerow.grant_is_active(g)),
    page_limit, page_offset);
END
$$;
GRANT EXECUTE ON FUNCTION api.shared_with_me(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
