-- =====================================================================
-- Leaving, and taking one's data along: DELETE /api/auth/profile deletes an account and
-- everything it owns in one transaction; GET /api/auth/export answers everything a user
-- owns, and every access-log row about it, as one JSON document.
-- =====================================================================

-- The caller's reads of other people's things, from their owners' logs (SECURITY DEFINER:
-- those rows are the owners' to read, but the reads were the caller's).
CREATE FUNCTION hedgerow.own_reads() RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT coalesce(json_agg(json_build_object(
           'resource_id', a.resource_id, 'accessed_via', a.accessed_via,
           'ip_address', abbrev(a.ip_address), 'accessed_at', a.accessed_at)
           ORDER BY a.accessed_at, a.id), '[]')
    FROM data.access_log a
   WHERE a.viewer_id = hedgerow.current_user_id() AND a.viewer_id <> a.owner_id
$$;
REVOKE EXECUTE ON FUNCTION hedgerow.own_reads() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hedgerow.own_reads() TO hedgerow_user;

-- Takes the caller's identity (user id and address) off their reads of other people's
-- things; the owners keep the fact of each read. (SECURITY DEFINER: no API role may change a
-- log row; the rows are only ever the caller's own.)
CREATE FUNCTION hedgerow.unname_own_reads() RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = ''
AS $$
  UPDATE data.access_log a SET viewer_id = NULL, ip_address = NULL
   WHERE a.viewer_id = hedgerow.current_user_id() AND a.viewer_id <> a.owner_id
$$;
REVOKE EXECUTE ON FUNCTION hedgerow.unname_own_reads() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hedgerow.unname_own_reads() TO hedgerow_user;

-- The invitations `me` gave (given) or received, each with the other side's username.
-- (plpgsql keeps its query's plan; as a SQL function it was planned again in every request.)
CREATE FUNCTION hedgerow.invitations_json(me uuid, given boolean) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (SELECT coalesce(json_agg(json_build_object(
                   'kind', g.kind, 'resource_id', g.resource_id, 'username', p.username,
                   'granted_at', g.granted_at, 'expires_at', g.expires_at, 'active', hedgerow.grant_is_active(g.expires_at))
                   ORDER BY g.granted_at, g.resource_id), '[]')
            FROM data.grants g JOIN data.profiles p ON p.id = CASE WHEN given THEN g.grantee_id ELSE g.owner_id END
           WHERE (given AND g.owner_id = me) OR (NOT given AND g.grantee_id = me));
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.invitations_json(uuid, boolean) TO hedgerow_user;

-- DELETE /api/auth/profile {confirm: <own username>}: deletes the caller's account and, by
-- the foreign keys to it, everything it owns — every resource of every kind with its links,
-- invitations and access log, invitations given and received, defaults, email. Links stop
-- working in this transaction. Their reads of others' things are unnamed, not deleted.
CREATE FUNCTION api.delete_profile(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  username text := hedgerow.own_profile(me) ->> 'username';
BEGIN
  IF args ->> 'confirm' IS DISTINCT FROM username THEN
    PERFORM hedgerow.fail(400, 'CONFIRMATION_REQUIRED',
      'to delete your account and everything it owns, send {"confirm": "<your username>"}');
  END IF;
  PERFORM hedgerow.unname_own_reads();
  DELETE FROM data.profiles p WHERE p.id = me;
  RETURN hedgerow.ok(json_build_object('username', username, 'deleted', true));
END
$$;
GRANT EXECUTE ON FUNCTION api.delete_profile(jsonb) TO hedgerow_user;

-- GET /api/auth/export: everything the caller owns, as one document (hedgerow.owned_by and
-- hedgerow.resources are generated over every kind by hedgerow.finish_kinds). The access
-- log has no index by owner (every logged read would pay for one), so the owner's rows are
-- found by their resources. Each statement is planned for the caller's own numbers: for
-- most users that is an index probe per resource and month of the log; for one who owns a
-- large share of everything, a single pass over the log. (A read that raced its resource's
-- deletion can leave a row about a resource that is gone; `hedgerow logs prune` forgets it.)
CREATE FUNCTION api.export_account(args jsonb) RETURNS json
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  profile json := hedgerow.own_profile(me);
BEGIN
  RETURN hedgerow.ok(json_build_object(
    'exported_at', now(),
    'profile', profile,
    'settings', hedgerow.own_settings(me),
    'resources', hedgerow.owned_by(me),
    'share_links', (SELECT coalesce(json_agg(hedgerow.share_link_json(l) ORDER BY l.created_at, l.id), '[]')
                      FROM data.share_links l WHERE l.owner_id = me),
    'invitations_given', hedgerow.invitations_json(me, given => true),
    'invitations_received', hedgerow.invitations_json(me, given => false),
    'access_log', (SELECT coalesce(json_agg(json_build_object(
                            'resource_id', a.resource_id, 'user_id', a.viewer_id, 'username', p.username,
                            'accessed_via', a.accessed_via, 'share_link_id', a.share_link_id,
                            'ip_address', abbrev(a.ip_address), 'accessed_at', a.accessed_at)
                            ORDER BY a.accessed_at, a.id), '[]')
                     FROM hedgerow.resources() r JOIN data.access_log a ON a.resource_id = r.id
                     LEFT JOIN data.profiles p ON p.id = a.viewer_id
                    WHERE r.owner_id = me AND a.owner_id = me),
    'own_reads', hedgerow.own_reads()));
END
$$;
GRANT EXECUTE ON FUNCTION api.export_account(jsonb) TO hedgerow_user;

-- The routes of this file (called by hedgerow.finish_kinds: the export's schema names every
-- kind).
CREATE FUNCTION hedgerow.account_routes() RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  text_schema jsonb := '{"type": "string"}';
  nullable_text jsonb := '{"type": ["string", "null"]}';
  time_schema jsonb := hedgerow.time_schema();
  uuid_schema jsonb := '{"type": "string", "format": "uuid"}';
  via jsonb := '{"enum": ["owner", "public", "unlisted", "invited", "share_link"]}';
  invitation jsonb := hedgerow.object_schema(jsonb_build_object(
    'kind', text_schema, 'resource_id', uuid_schema, 'username', text_schema, 'granted_at', time_schema,
    'expires_at', '{"type": ["string", "null"], "format": "date-time"}'::jsonb, 'active', '{"type": "boolean"}'::jsonb),
    '{kind, resource_id, username, granted_at, expires_at, active}');
BEGIN
  PERFORM hedgerow.route('DELETE', '/api/auth/profile', 'api.delete_profile(jsonb)',
    'Delete the caller''s account and everything it owns (confirm with the username)', auth => 'user',
    body => hedgerow.object_schema(jsonb_build_object(
              'confirm', hedgerow.username_schema()
                         || '{"description": "the caller''s username", "x-error-code": "CONFIRMATION_REQUIRED"}'), '{confirm}'),
    response => hedgerow.object_schema(jsonb_build_object('username', text_schema, 'deleted', '{"const": true}'::jsonb),
                                       '{username, deleted}'));
  PERFORM hedgerow.route('GET', '/api/auth/export', 'api.export_account(jsonb)',
    'Everything the caller owns, and every access-log row about it, as one document', auth => 'user',
    response => hedgerow.object_schema(jsonb_build_object(
      'exported_at', time_schema,
      'profile', hedgerow.own_profile_schema(),
      'settings', hedgerow.settings_schema(),
      'resources', hedgerow.object_schema(
        (SELECT jsonb_object_agg(k.plural, jsonb_build_object('type', 'array', 'items', k.item_schema)) FROM hedgerow.kinds k),
        (SELECT array_agg(k.plural) FROM hedgerow.kinds k)),
      'share_links', jsonb_build_object('type', 'array', 'items', hedgerow.share_link_schema()),
      'invitations_given', jsonb_build_object('type', 'array', 'items', invitation),
      'invitations_received', jsonb_build_object('type', 'array', 'items', invitation),
      'access_log', jsonb_build_object('type', 'array', 'items', hedgerow.object_schema(jsonb_build_object(
          'resource_id', uuid_schema, 'user_id', '{"type": ["string", "null"], "format": "uuid"}'::jsonb,
          'username', nullable_text, 'accessed_via', via,
          'share_link_id', '{"type": ["string", "null"], "format": "uuid"}'::jsonb,
          'ip_address', nullable_text, 'accessed_at', time_schema),
        '{resource_id, user_id, username, accessed_via, share_link_id, ip_address, accessed_at}')),
      'own_reads', jsonb_build_object('type', 'array', 'items', hedgerow.object_schema(jsonb_build_object(
          'resource_id', uuid_schema, 'accessed_via', via, 'ip_address', nullable_text, 'accessed_at', time_schema),
        '{resource_id, accessed_via, ip_address, accessed_at}'))),
      '{exported_at, profile, settings, resources, share_links, invitations_given, invitations_received, access_log, own_reads}'));
END
$$;
