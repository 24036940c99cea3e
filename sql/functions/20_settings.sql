-- =====================================================================
-- Settings: GET/PATCH /api/settings — per-user defaults for new resources
-- =====================================================================

-- The caller's settings as JSON, or a 404 before the profile exists.
CREATE FUNCTION hedgerow.own_settings(me uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  result jsonb;
BEGIN
  SELECT jsonb_build_object('default_session_visibility', s.default_session_visibility,
                            'default_shelf_visibility', s.default_shelf_visibility,
                            'default_plan_visibility', s.default_plan_visibility,
                            'default_book_override', s.default_book_override,
                            'updated_at', s.updated_at)
    INTO result
    FROM data.settings s
   WHERE s.user_id = me;
  IF result IS NULL THEN
    PERFORM hedgerow.fail(404, 'PROFILE_NOT_FOUND', 'no profile yet: POST /api/auth/profile first');
  END IF;
  RETURN result;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.own_settings(uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- GET /api/settings: the caller's defaults.
CREATE FUNCTION api.get_settings(args jsonb) RETURNS jsonb
LANGUAGE sql STABLE
AS $$ SELECT hedgerow.ok(hedgerow.own_settings(hedgerow.require_user())) $$;
GRANT EXECUTE ON FUNCTION api.get_settings(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- PATCH /api/settings {default_session_visibility?, default_shelf_visibility?,
-- default_plan_visibility?, default_book_override?}: each private | unlisted | public;
-- default_book_override may also be null (new books inherit their shelf's level). Absent
-- fields stay.
CREATE FUNCTION api.update_settings(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  sessions data.visibility := hedgerow.arg_visibility(args, 'default_session_visibility');
  shelves data.visibility := hedgerow.arg_visibility(args, 'default_shelf_visibility');
  plans data.visibility := hedgerow.arg_visibility(args, 'default_plan_visibility');
  books data.visibility := hedgerow.arg_visibility(args, 'default_book_override');
BEGIN
  PERFORM hedgerow.own_settings(me);
  UPDATE data.settings s
     SET default_session_visibility = coalesce(sessions, s.default_session_visibility),
         default_shelf_visibility = coalesce(shelves, s.default_shelf_visibility),
         default_plan_visibility = coalesce(plans, s.default_plan_visibility),
         default_book_override = CASE WHEN args ? 'default_book_override' THEN books
                                      ELSE s.default_book_override END,
         updated_at = now()
   WHERE s.user_id = me;
  RETURN hedgerow.ok(hedgerow.own_settings(me));
END
$$;
GRANT EXECUTE ON FUNCTION api.update_settings(jsonb) TO hedgerow_user;
