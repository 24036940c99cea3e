-- =====================================================================
-- Plans (seed 002): /api/plans. Privacy, the share link, invitations and access logs are the
-- verbs every kind shares (/api/plans/{id}/privacy, /share-link, /access, /access-logs).
-- =====================================================================

-- A plan as the API shows it; lists leave the content out. share_link_enabled is shown to
-- the owner only.
CREATE FUNCTION hedgerow.plan_json(p data.plans, r data.resources, owner data.profiles, with_content boolean) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT jsonb_build_object(
    'id', p.id, 'kind', 'plan', 'title', p.title, 'filename', p.filename,
    'content_bytes', octet_length(p.content),
    'visibility', r.effective_visibility, 'is_public', r.effective_visibility = 'public',
    'share_link_enabled', CASE WHEN r.owner_id = hedgerow.current_user_id() THEN
      EXISTS (SELECT FROM data.share_links l WHERE l.resource_id = p.id
                 AND hedgerow.link_is_active(l.enabled, l.revoked_at, l.expires_at)) END,
    'owner', jsonb_build_object('username', owner.username, 'display_name', owner.display_name),
    'user_id', r.owner_id, 'created_at', r.created_at, 'updated_at', greatest(p.updated_at, r.updated_at))
  || CASE WHEN with_content THEN jsonb_build_object('content', p.content) ELSE '{}' END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.plan_json(data.plans, data.resources, data.profiles, boolean) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A plan by id, with its content, as the caller may see it.
CREATE FUNCTION hedgerow.plan_json(plan uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (SELECT hedgerow.plan_json(p, r, o, true)
      FROM data.plans p JOIN data.resources r ON r.id = p.id JOIN data.profiles o ON o.id = r.owner_id
     WHERE p.id = plan);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.plan_json(uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A plan's shared page; its content is shown as escaped preformatted text.
CREATE FUNCTION hedgerow.plan_html(plan uuid) RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT '<h1 id="title">' || hedgerow.html_escape(p.title) || '</h1>'
      || '<p><code id="filename">' || hedgerow.html_escape(p.filename) || '</code></p>'
      || '<pre id="content">' || hedgerow.html_escape(p.content) || '</pre>'
    FROM data.plans p WHERE p.id = plan
$$;
GRANT EXECUTE ON FUNCTION hedgerow.plan_html(uuid) TO hedgerow_anon, hedgerow_user;

-- `content` (when given) if it is at most 1 MiB, else a 413.
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

-- POST /api/plans {title, filename, content, is_public? | visibility?}: private unless asked
-- otherwise or the owner's default_plan_visibility says so. Every plan gets its share link at
-- once, switched off (PUT /api/plans/{id}/privacy {share_link_enabled: true} opens it).
CREATE FUNCTION api.create_plan(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  title text := hedgerow.check_length(hedgerow.arg_required_text(args, 'title'), 'title', 1, 200);
  filename text := hedgerow.check_length(hedgerow.arg_required_text(args, 'filename'), 'filename', 1, 255);
  content text := hedgerow.check_plan_content(hedgerow.arg_required_text(args, 'content'));
  level data.visibility := hedgerow.requested_visibility(args);
  new_id uuid;
BEGIN
  new_id := hedgerow.create_resource('plan', level,
    (SELECT st.default_plan_visibility FROM data.settings st WHERE st.user_id = me));
  INSERT INTO data.plans (id, title, filename, content) VALUES (new_id, title, filename, content);
  PERFORM hedgerow.new_share_link(r, false) FROM data.resources r WHERE r.id = new_id;
  RETURN hedgerow.ok(hedgerow.plan_json(new_id));
END
$$;
GRANT EXECUTE ON FUNCTION api.create_plan(jsonb) TO hedgerow_anon, hedgerow_user;

-- GET /api/plans?limit=&offset=: the caller's plans, most recently updated first, without
-- their content.
CREATE FUNCTION api.list_plans(args jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  page_limit int := hedgerow.page_limit(args);
  page_offset int := hedgerow.page_offset(args);
BEGIN
  RETURN hedgerow.page(
    (SELECT coalesce(jsonb_agg(item ORDER BY n), '[]') FROM (
       SELECT hedgerow.plan_json(p, r, o, false) AS item,
              row_number() OVER (ORDER BY r.updated_at DESC, r.id DESC) AS n
         FROM data.plans p JOIN data.resources r ON r.id = p.id JOIN data.profiles o ON o.id = r.owner_id
        WHERE r.owner_id = me
        ORDER BY r.updated_at DESC, r.id DESC LIMIT page_limit OFFSET page_offset) page),
    (SELECT count(*) FROM data.resources r WHERE r.owner_id = me AND r.kind = 'plan'),
    page_limit, page_offset);
END
$$;
GRANT EXECUTE ON FUNCTION api.list_plans(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- GET /api/plans/{id}: one plan with its content, for its owner, a grantee, anyone when
-- public, or the bearer of its enabled share link (X-Share-Token or ?token=); logged.
CREATE FUNCTION api.get_plan(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.ok(hedgerow.plan_json((hedgerow.read_resource('plan', args)).id)) $$;
GRANT EXECUTE ON FUNCTION api.get_plan(jsonb) TO hedgerow_anon, hedgerow_user;

-- PATCH /api/plans/{id} {title?, filename?, content?, is_public? | visibility?}: owner only.
CREATE FUNCTION api.update_plan(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.owned_resource('plan', hedgerow.arg_uuid(args, 'id'));
  new_title text := hedgerow.check_length(hedgerow.arg_text(args, 'title'), 'title', 1, 200);
  new_filename text := hedgerow.check_length(hedgerow.arg_text(args, 'filename'), 'filename', 1, 255);
  new_content text := hedgerow.check_plan_content(hedgerow.arg_text(args, 'content'));
  level data.visibility := hedgerow.requested_visibility(args);
BEGIN
  UPDATE data.plans p
     SET title = coalesce(new_title, p.title), filename = coalesce(new_filename, p.filename),
         content = coalesce(new_content, p.content), updated_at = now()
   WHERE p.id = r.id;
  IF level IS NOT NULL THEN
    UPDATE data.resources SET visibility = level WHERE id = r.id;
  END IF;
  RETURN hedgerow.ok(hedgerow.plan_json(r.id));
END
$$;
GRANT EXECUTE ON FUNCTION api.update_plan(jsonb) TO hedgerow_anon, hedgerow_user;

-- DELETE /api/plans/{id}: owner only.
CREATE FUNCTION api.delete_plan(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.delete_resource('plan', args) $$;
GRANT EXECUTE ON FUNCTION api.delete_plan(jsonb) TO hedgerow_anon, hedgerow_user;
