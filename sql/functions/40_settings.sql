-- =====================================================================
-- Settings: GET/PATCH /api/settings — each user's default visibility for their new resources
-- of each kind (a row per kind in data.default_visibility; without one, the kind's own).
-- =====================================================================

-- The caller's defaults, {kind: level} for every kind (null: inherit the parent's), with when
-- they last changed them; 404 before the profile exists.
CREATE FUNCTION hedgerow.own_settings(me uuid) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  created timestamptz := (SELECT p.created_at FROM data.profiles p WHERE p.id = me);
BEGIN
  IF created IS NULL THEN
    PERFORM hedgerow.fail(404, 'PROFILE_NOT_FOUND', 'no profile yet: POST /api/auth/profile first');
  END IF;
  RETURN (SELECT json_build_object(
            'defaults', json_object_agg(k.kind, coalesce(d.visibility::text, k.facts ->> 'default_visibility')
                                        ORDER BY k.kind),
            'updated_at', coalesce(max(d.updated_at), created))
            FROM jsonb_each(hedgerow.kind_facts_all()) k(kind, facts)
            LEFT JOIN data.default_visibility d ON d.user_id = me AND d.kind = k.kind);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.own_settings(uuid) TO hedgerow_anon, hedgerow_user;

-- GET /api/settings: the caller's defaults.
CREATE FUNCTION api.get_settings(args jsonb) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT hedgerow.ok(hedgerow.own_settings(hedgerow.require_user())) $$;
GRANT EXECUTE ON FUNCTION api.get_settings(jsonb) TO hedgerow_anon, hedgerow_user;

-- PATCH /api/settings {defaults: {kind: level | null}}: kinds left out stay as they are.
CREATE FUNCTION api.update_settings(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
BEGIN
  PERFORM hedgerow.own_settings(me);
  INSERT INTO data.default_visibility AS d (user_id, kind, visibility)
  SELECT me, chosen.key, (chosen.value #>> '{}')::data.visibility
    FROM jsonb_each(coalesce(args -> 'defaults', '{}')) chosen
  ON CONFLICT (user_id, kind) DO UPDATE SET visibility = excluded.visibility, updated_at = now();
  RETURN hedgerow.ok(hedgerow.own_settings(me));
END
$$;
GRANT EXECUTE ON FUNCTION api.update_settings(jsonb) TO hedgerow_user;

-- {kind: level} for any of the kinds.
CREATE FUNCTION hedgerow.defaults_schema() RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT hedgerow.object_schema(
    (SELECT jsonb_object_agg(k.kind, hedgerow.visibility_schema(k.parent_kind IS NOT NULL)) FROM hedgerow.kinds k))
$$;

-- The caller's defaults as answered: a level for every kind (which is why it is made once
-- every kind is registered).
CREATE FUNCTION hedgerow.settings_schema() RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT hedgerow.object_schema(
    jsonb_build_object('defaults', hedgerow.defaults_schema()
                                   || jsonb_build_object('required', (SELECT jsonb_agg(k.kind) FROM hedgerow.kinds k)),
                       'updated_at', hedgerow.time_schema()),
    '{defaults, updated_at}')
$$;

-- The settings routes (declared once every kind is registered).
CREATE FUNCTION hedgerow.settings_routes() RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  PERFORM hedgerow.route('GET', '/api/settings', 'api.get_settings(jsonb)',
    'The caller''s default visibility for new resources of each kind', auth => 'user',
    response => hedgerow.settings_schema());
  PERFORM hedgerow.route('PATCH', '/api/settings', 'api.update_settings(jsonb)',
    'Change the caller''s defaults (kinds left out stay)', auth => 'user',
    body => hedgerow.object_schema(jsonb_build_object('defaults', hedgerow.defaults_schema())),
    response => hedgerow.settings_schema());
END
$$;
