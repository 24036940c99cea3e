-- =====================================================================
-- The plan kind (seed 002): private documents with one share link that is switched on and
-- off and regenerated (/plans/{id}?token=), invitations and access logs — the verbs every
-- kind shares. Its table, data.plans, predates kind files (V4, V7).
-- =====================================================================

-- A plan in lists: without its content. share_link_enabled is shown to the owner only.
CREATE FUNCTION hedgerow.plan_json(p data.plans, owner data.profiles) RETURNS json
LANGUAGE sql STABLE
AS $$
  SELECT json_build_object(
    'id', p.id, 'kind', 'plan', 'title', p.title, 'filename', p.filename,
    'content_bytes', octet_length(p.content), 'visibility', p.visibility, 'is_public', p.listed,
    'share_link_enabled', CASE WHEN p.owner_id = (SELECT hedgerow.current_user_id()) THEN
      EXISTS (SELECT FROM data.share_links l WHERE l.resource_id = p.id
                 AND hedgerow.link_is_active(l.enabled, l.revoked_at, l.expires_at)) END,
    'owner', json_build_object('username', owner.username, 'display_name', owner.display_name),
    'user_id', p.owner_id, 'created_at', p.created_at, 'updated_at', p.updated_at)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.plan_json(data.plans, data.profiles) TO hedgerow_anon, hedgerow_user;

-- A plan as a single read answers it: with its content.
CREATE FUNCTION hedgerow.plan_detail(p data.plans, owner data.profiles) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT (hedgerow.plan_json(p, owner)::jsonb || jsonb_build_object('content', p.content))::json $$;
GRANT EXECUTE ON FUNCTION hedgerow.plan_detail(data.plans, data.profiles) TO hedgerow_anon, hedgerow_user;

CREATE FUNCTION hedgerow.plan_fields_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT jsonb_build_object(
    'id', '{"type": "string", "format": "uuid"}'::jsonb, 'kind', '{"const": "plan"}'::jsonb,
    'title', '{"type": "string"}'::jsonb, 'filename', '{"type": "string"}'::jsonb,
    'content_bytes', '{"type": "integer"}'::jsonb, 'visibility', hedgerow.visibility_schema() - 'x-error-code',
    'is_public', '{"type": "boolean"}'::jsonb, 'share_link_enabled', '{"type": ["boolean", "null"]}'::jsonb,
    'owner', hedgerow.person_schema(), 'user_id', '{"type": "string", "format": "uuid"}'::jsonb,
    'created_at', hedgerow.time_schema(), 'updated_at', hedgerow.time_schema())
$$;

-- A plan's shared page; its content is shown as escaped preformatted text.
CREATE FUNCTION hedgerow.plan_html(p data.plans) RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT '<h1 id="title">' || hedgerow.html_escape(p.title) || '</h1>'
      || '<p><code id="filename">' || hedgerow.html_escape(p.filename) || '</code></p>'
      || '<pre id="content">' || hedgerow.html_escape(p.content) || '</pre>'
$$;
GRANT EXECUTE ON FUNCTION hedgerow.plan_html(data.plans) TO hedgerow_anon, hedgerow_user;

SELECT hedgerow.register_kind(
  kind => 'plan', plural => 'plans', table_name => 'data.plans',
  item_builder => 'hedgerow.plan_json(data.plans, data.profiles)',
  detail_builder => 'hedgerow.plan_detail(data.plans, data.profiles)',
  page_builder => 'hedgerow.plan_html(data.plans)',
  item_schema => hedgerow.object_schema(hedgerow.plan_fields_schema(),
    '{id, kind, title, filename, content_bytes, visibility, is_public, share_link_enabled, owner, user_id, created_at, updated_at}'),
  detail_schema => hedgerow.object_schema(hedgerow.plan_fields_schema() || '{"content": {"type": "string"}}',
    '{id, kind, title, filename, content_bytes, visibility, is_public, share_link_enabled, owner, user_id, created_at, updated_at, content}'),
  list_order => 'updated_at', default_visibility => 'private',
  share_path => '/plans/{id}?token={token}', signup_call => 'Sign up to write your own plans');

-- `content` (when given) if it is at most 1 MiB of UTF-8, else a 413.
CREATE FUNCTION hedgerow.check_plan_content(content text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
  IF octet_length(content) > 1048576 THEN
    PERFORM hedgerow.fail(413, 'CONTENT_TOO_LARGE', 'content must be at most 1 MiB');
  END IF;
  RETURN content;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.check_plan_content(text) TO hedgerow_user;

CREATE FUNCTION hedgerow.plan_fields() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT jsonb_build_object(
    'title', '{"type": "string", "minLength": 1, "maxLength": 200}'::jsonb,
    'filename', '{"type": "string", "minLength": 1, "maxLength": 255}'::jsonb,
    'content', '{"type": "string"}'::jsonb) || hedgerow.visibility_fields()
$$;

-- POST /api/plans {title, filename, content, is_public? (or visibility?)}: private unless
-- asked otherwise or the owner's default for plans says so. Every plan gets its share link at
-- once, switched off (PUT /api/plans/{id}/privacy {share_link_enabled: true} opens it).
CREATE FUNCTION api.create_plan(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  owner data.profiles := hedgerow.own_profile_row();
  created data.plans;
BEGIN
  INSERT INTO data.plans (owner_id, visibility, title, filename, content)
  VALUES (owner.id, hedgerow.initial_visibility('plan', args), args ->> 'title', args ->> 'filename',
          hedgerow.check_plan_content(args ->> 'content'))
  RETURNING * INTO created;
  PERFORM hedgerow.new_share_link(ROW('plan', created.id, owner.id, NULL, created.visibility,
                                      created.effective_visibility, created.listed)::hedgerow.resource, false);
  RETURN hedgerow.created('/api/plans/' || created.id, hedgerow.plan_detail(created, owner));
END
$$;
GRANT EXECUTE ON FUNCTION api.create_plan(jsonb) TO hedgerow_anon, hedgerow_user;

-- PATCH /api/plans/{id} {title?, filename?, content?, is_public? (or visibility?)}: owner only.
CREATE FUNCTION api.update_plan(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r hedgerow.resource := hedgerow.owned('plan', args);
  asked record := hedgerow.requested_visibility(args);
BEGIN
  UPDATE data.plans p
     SET title = coalesce(args ->> 'title', p.title), filename = coalesce(args ->> 'filename', p.filename),
         content = coalesce(hedgerow.check_plan_content(args ->> 'content'), p.content),
         visibility = CASE WHEN asked.named THEN asked.level ELSE p.visibility END,
         updated_at = now()
   WHERE p.id = r.id;
  RETURN hedgerow.answer('plan', r.id);
END
$$;
GRANT EXECUTE ON FUNCTION api.update_plan(jsonb) TO hedgerow_anon, hedgerow_user;

SELECT hedgerow.route('POST', '/api/plans', 'api.create_plan(jsonb)',
  'Create a plan (private unless asked or defaulted otherwise)', status => 201, auth => 'user',
  body => hedgerow.object_schema(hedgerow.plan_fields(), '{title, filename, content}'),
  response => (SELECT k.detail_schema FROM hedgerow.kinds k WHERE k.kind = 'plan'));
SELECT hedgerow.route('PATCH', '/api/plans/{id}', 'api.update_plan(jsonb)', 'Change a plan (owner only)',
  auth => 'user', etag => true, params => jsonb_build_object('id', hedgerow.uuid_schema()),
  body => hedgerow.object_schema(hedgerow.plan_fields()),
  response => (SELECT k.detail_schema FROM hedgerow.kinds k WHERE k.kind = 'plan'));
