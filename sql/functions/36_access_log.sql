-- =====================================================================
-- The access log (DESIGN §5): owners read who read their things; operators prune it.
-- Rows are written by hedgerow.log_access and never changed.
-- =====================================================================

-- GET /api/{kind}/{id}/access-logs?limit=&cursor=: who read it, newest first, up to 100 per
-- page (owner only). pagination.next_cursor fetches the next page.
CREATE FUNCTION hedgerow.access_log_page(wanted_kind text, args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.owned_resource(wanted_kind, hedgerow.arg_uuid(args, 'id'));
  page_limit int := hedgerow.page_limit(args, 100);
  after_at timestamptz;
  after_id uuid;
  items jsonb;
  fetched int;
  last_at timestamptz;
  last_id uuid;
BEGIN
  IF args ? 'cursor' THEN
    SELECT c.recorded, c.id INTO after_at, after_id
      FROM hedgerow.parse_keyset_cursor(hedgerow.arg_required_text(args, 'cursor')) c;
  END IF;
  WITH page AS (
    SELECT a.*, row_number() OVER (ORDER BY a.accessed_at DESC, a.id DESC) AS n
      FROM data.access_log a
     WHERE a.resource_id = r.id
       AND (after_id IS NULL OR (a.accessed_at, a.id) < (after_at, after_id))
     ORDER BY a.accessed_at DESC, a.id DESC
     LIMIT page_limit + 1)
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'id', page.id, 'user_id', page.viewer_id,
           'username', (SELECT p.username FROM data.profiles p WHERE p.id = page.viewer_id),
           'accessed_via', page.accessed_via, 'share_link_id', page.share_link_id,
           'ip_address', abbrev(page.ip_address), 'accessed_at', page.accessed_at)
           ORDER BY n) FILTER (WHERE n <= page_limit), '[]'),
         count(*),
         (array_agg(page.accessed_at ORDER BY n) FILTER (WHERE n = page_limit))[1],
         (array_agg(page.id ORDER BY n) FILTER (WHERE n = page_limit))[1]
    INTO items, fetched, last_at, last_id
    FROM page;
  RETURN hedgerow.page(items, (SELECT count(*) FROM data.access_log a WHERE a.resource_id = r.id),
                       page_limit, 0,
                       CASE WHEN fetched > page_limit THEN hedgerow.keyset_cursor(last_at, last_id) END,
                       true);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.access_log_page(text, jsonb) TO hedgerow_user;

-- GET /api/{kind}/{id}/access-logs
CREATE FUNCTION api.list_access_logs(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.access_log_page(hedgerow.kind_of(args ->> 'kind'), args) $$;
GRANT EXECUTE ON FUNCTION api.list_access_logs(jsonb) TO hedgerow_anon, hedgerow_user;

-- Retention: deletes access-log rows older than `older_than`; returns how many. Run by
-- operators as hedgerow_owner (`hedgerow logs prune --older-than 90d`); no API or analyst
-- role may execute it.
CREATE FUNCTION hedgerow.prune_access_log(older_than interval) RETURNS bigint
LANGUAGE sql VOLATILE
AS $$
  WITH pruned AS (DELETE FROM data.access_log a WHERE a.accessed_at < now() - older_than RETURNING 1)
  SELECT count(*) FROM pruned
$$;
