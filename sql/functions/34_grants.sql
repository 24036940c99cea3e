-- =====================================================================
-- Invitations (DESIGN §5 rule 4): the owner invites a user by username, optionally until a
-- date; revoking deletes the invitation, so access ends in the same transaction.
-- =====================================================================

-- An invitation as its owner sees it (the plan seed's shape, plus resource_id, kind and expiry).
-- (plpgsql keeps the plan of its sub-selects; a SQL function with them is planned again in
-- every request.)
CREATE FUNCTION hedgerow.grant_json(g data.grants) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN json_build_object(
    g.kind || '_id', g.resource_id, 'resource_id', g.resource_id, 'kind', g.kind,
    'user_id', g.grantee_id, 'username', (SELECT p.username FROM data.profiles p WHERE p.id = g.grantee_id),
    'granted_by', g.granted_by,
    'granted_by_username', (SELECT p.username FROM data.profiles p WHERE p.id = g.granted_by),
    'granted_at', g.granted_at, 'expires_at', g.expires_at, 'active', hedgerow.grant_is_active(g.expires_at));
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.grant_json(data.grants) TO hedgerow_user;

CREATE FUNCTION hedgerow.grant_schema(kind text) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT hedgerow.object_schema(jsonb_build_object(
    kind || '_id', '{"type": "string", "format": "uuid"}'::jsonb,
    'resource_id', '{"type": "string", "format": "uuid"}'::jsonb, 'kind', '{"type": "string"}'::jsonb,
    'user_id', '{"type": "string", "format": "uuid"}'::jsonb, 'username', '{"type": "string"}'::jsonb,
    'granted_by', '{"type": "string", "format": "uuid"}'::jsonb, 'granted_by_username', '{"type": "string"}'::jsonb,
    'granted_at', hedgerow.time_schema(), 'expires_at', '{"type": ["string", "null"], "format": "date-time"}'::jsonb,
    'active', '{"type": "boolean"}'::jsonb),
    ARRAY[kind || '_id', 'resource_id', 'kind', 'user_id', 'username', 'granted_by', 'granted_by_username',
          'granted_at', 'expires_at', 'active'])
$$;

-- GET /api/{plural}/{id}/access?limit=&cursor=: who the owner has invited, newest first.
CREATE FUNCTION api.list_grants(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r hedgerow.resource := hedgerow.owned(args ->> 'kind', args);
  page_limit int := hedgerow.page_limit(args);
  start hedgerow.page_start := hedgerow.page_start(args, '{timestamptz,uuid}', '{infinity,ffffffff-ffff-ffff-ffff-ffffffffffff}');
  after_at timestamptz := start.keys[1];
  after_id uuid := start.keys[2];
  page_offset bigint := start.page_offset;
  items json;
  fetched bigint;
  next_cursor text;
BEGIN
  SELECT json_agg(hedgerow.grant_json(o.g) ORDER BY o.n) FILTER (WHERE o.n <= page_limit), count(*),
         min(hedgerow.encode_cursor(ARRAY[hedgerow.cursor_time((o.g).granted_at), (o.g).grantee_id::text],
                                    page_offset + page_limit)) FILTER (WHERE o.n = page_limit)
    INTO items, fetched, next_cursor
    FROM (SELECT g, row_number() OVER (ORDER BY g.granted_at DESC, g.grantee_id DESC) AS n
            FROM data.grants g
           WHERE g.resource_id = r.id AND (g.granted_at, g.grantee_id) < (after_at, after_id)
           ORDER BY g.granted_at DESC, g.grantee_id DESC LIMIT page_limit + 1) o;
  RETURN hedgerow.page(items, (SELECT count(*) FROM data.grants g WHERE g.resource_id = r.id),
                       page_limit, page_offset, CASE WHEN fetched > page_limit THEN next_cursor END);
END
$$;
GRANT EXECUTE ON FUNCTION api.list_grants(jsonb) TO hedgerow_anon, hedgerow_user;

-- POST /api/{plural}/{id}/access {username, expires_at?}: invites a user (owner only). 201
-- for a new invitation; 200 when it already existed (its expiry changed when expires_at is sent).
CREATE FUNCTION api.create_grant(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r hedgerow.resource := hedgerow.owned(args ->> 'kind', args);
  grantee uuid := (SELECT p.id FROM data.profiles p WHERE p.username = args ->> 'username');
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
  INSERT INTO data.grants (kind, resource_id, grantee_id, owner_id, granted_by, expires_at)
  VALUES (r.kind, r.id, grantee, r.owner_id, r.owner_id, expires)
  ON CONFLICT (resource_id, grantee_id) DO NOTHING
  RETURNING * INTO g;
  IF g.resource_id IS NOT NULL THEN
    PERFORM hedgerow.located(format('/api/%s/%s/access/%s', hedgerow.kind_facts(r.kind) ->> 'plural', r.id, grantee));
  ELSE
    PERFORM hedgerow.set_status(200);
    UPDATE data.grants x SET expires_at = CASE WHEN args ? 'expires_at' THEN expires ELSE x.expires_at END
     WHERE x.resource_id = r.id AND x.grantee_id = grantee
    RETURNING * INTO g;
  END IF;
  RETURN hedgerow.ok(hedgerow.grant_json(g));
END
$$;
GRANT EXECUTE ON FUNCTION api.create_grant(jsonb) TO hedgerow_anon, hedgerow_user;

-- DELETE /api/{plural}/{id}/access/{user_id}: revokes an invitation at once (owner only).
CREATE FUNCTION api.revoke_grant(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r hedgerow.resource := hedgerow.owned(args ->> 'kind', args);
  grantee uuid := (args ->> 'user_id')::uuid;
BEGIN
  DELETE FROM data.grants g WHERE g.resource_id = r.id AND g.grantee_id = grantee;
  IF NOT FOUND THEN
    PERFORM hedgerow.fail(404, 'GRANT_NOT_FOUND', 'that user has no access to revoke');
  END IF;
  RETURN hedgerow.ok(json_build_object('resource_id', r.id, 'user_id', grantee, 'revoked', true));
END
$$;
GRANT EXECUTE ON FUNCTION api.revoke_grant(jsonb) TO hedgerow_anon, hedgerow_user;

-- GET /api/shared-with-me?limit=&cursor=: everything of every kind granted to the caller
-- (active invitations only), newest invitation first.
CREATE FUNCTION api.shared_with_me(args jsonb) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  page_limit int := hedgerow.page_limit(args);
  start hedgerow.page_start := hedgerow.page_start(args, '{timestamptz,uuid}', '{infinity,ffffffff-ffff-ffff-ffff-ffffffffffff}');
  after_at timestamptz := start.keys[1];
  after_id uuid := start.keys[2];
  page_offset bigint := start.page_offset;
  items json;
  fetched bigint;
  next_cursor text;
BEGIN
  SELECT json_agg(json_build_object('kind', (o.g).kind, 'resource', hedgerow.item((o.g).kind, (o.g).resource_id),
                                    'owner', json_build_object('username', p.username, 'display_name', p.display_name),
                                    'granted_at', (o.g).granted_at, 'expires_at', (o.g).expires_at)
                  ORDER BY o.n) FILTER (WHERE o.n <= page_limit),
         count(*),
         min(hedgerow.encode_cursor(ARRAY[hedgerow.cursor_time((o.g).granted_at), (o.g).resource_id::text],
                                    page_offset + page_limit)) FILTER (WHERE o.n = page_limit)
    INTO items, fetched, next_cursor
    FROM (SELECT g, row_number() OVER (ORDER BY g.granted_at DESC, g.resource_id DESC) AS n
            FROM data.grants g
           WHERE g.grantee_id = me AND hedgerow.grant_is_active(g.expires_at)
             AND (g.granted_at, g.resource_id) < (after_at, after_id)
           ORDER BY g.granted_at DESC, g.resource_id DESC LIMIT page_limit + 1) o
    JOIN data.profiles p ON p.id = (o.g).owner_id;
  RETURN hedgerow.page(items, (SELECT count(*) FROM data.grants g WHERE g.grantee_id = me AND hedgerow.grant_is_active(g.expires_at)),
                       page_limit, page_offset, CASE WHEN fetched > page_limit THEN next_cursor END);
END
$$;
GRANT EXECUTE ON FUNCTION api.shared_with_me(jsonb) TO hedgerow_anon, hedgerow_user;

-- The routes of the invitations of kind `k`.
CREATE FUNCTION hedgerow.grant_routes(k hedgerow.kinds) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  id_param jsonb := jsonb_build_object('id', hedgerow.uuid_schema());
BEGIN
  PERFORM hedgerow.route('GET', format('/api/%s/{id}/access', k.plural), 'api.list_grants(jsonb)',
    format('Who the owner has invited to a %s', k.kind), auth => 'user', kind => k.kind,
    params => id_param, query => hedgerow.page_query(), paged => true,
    response => jsonb_build_object('type', 'array', 'items', hedgerow.grant_schema(k.kind)));
  PERFORM hedgerow.route('POST', format('/api/%s/{id}/access', k.plural), 'api.create_grant(jsonb)',
    format('Invite a user to a %s by username (201; 200 if already invited)', k.kind), status => 201,
    other_statuses => '{200}', auth => 'user', kind => k.kind, params => id_param,
    body => hedgerow.object_schema(jsonb_build_object(
              'username', '{"type": "string", "minLength": 1, "maxLength": 32}'::jsonb,
              'expires_at', hedgerow.time_schema()), '{username}'),
    response => hedgerow.grant_schema(k.kind));
  PERFORM hedgerow.route('DELETE', format('/api/%s/{id}/access/{user_id}', k.plural), 'api.revoke_grant(jsonb)',
    'Revoke an invitation at once (owner only)', auth => 'user', kind => k.kind,
    params => id_param || jsonb_build_object('user_id', hedgerow.uuid_schema()),
    response => hedgerow.object_schema('{"resource_id": {"type": "string", "format": "uuid"},
                                         "user_id": {"type": "string", "format": "uuid"}, "revoked": {"const": true}}',
                                       '{resource_id, user_id, revoked}'));
END
$$;

SELECT hedgerow.route('GET', '/api/shared-with-me', 'api.shared_with_me(jsonb)',
  'Everything of every kind shared with the caller by invitation, newest first', auth => 'user',
  query => hedgerow.page_query(), paged => true,
  response => jsonb_build_object('type', 'array', 'items', hedgerow.object_schema(jsonb_build_object(
                'kind', '{"type": "string"}'::jsonb, 'resource', '{"type": "object"}'::jsonb,
                'owner', hedgerow.person_schema(), 'granted_at', hedgerow.time_schema(),
                'expires_at', '{"type": ["string", "null"], "format": "date-time"}'::jsonb),
              '{kind, resource, owner, granted_at, expires_at}')));
