-- =====================================================================
-- The access log (DESIGN §5): every single read through the API appends a row in the reading
-- transaction; owners read who read their things; operators prune it by the month.
-- =====================================================================

-- Appends the access-log row for the caller's read of resource `resource` (owned by `owner`,
-- child of `parent`, with its own level `own`), saying how they came to read it: owner,
-- invited, share_link (with the link's id), public or unlisted, in that order. The client
-- address is request.ip, cut to its /24 (IPv4) or /48 (IPv6) network when the server runs
-- with HEDGEROW_TRUNCATE_IPS.
CREATE FUNCTION hedgerow.log_read(resource uuid, owner uuid, parent uuid, own data.visibility, listed boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.current_user_id();
  inherits boolean := parent IS NOT NULL AND own IS DISTINCT FROM 'private';
  via data.access_via;
  link uuid;
  ip inet := nullif(current_setting('request.ip', true), '')::inet;
BEGIN
  IF owner = me THEN
    via := 'owner';
  ELSIF me IS NOT NULL AND EXISTS (
      SELECT FROM data.grants g
       WHERE g.grantee_id = me AND hedgerow.grant_is_active(g.expires_at)
         AND (g.resource_id = resource OR (inherits AND g.resource_id = parent))) THEN
    via := 'invited';
  ELSE
    IF current_setting('request.share_token', true) <> '' THEN
      SELECT l.id INTO link FROM data.share_links l
       WHERE l.token_hash = hedgerow.share_token_hash() AND hedgerow.link_is_active(l.enabled, l.revoked_at, l.expires_at)
         AND (l.resource_id = resource OR (inherits AND l.resource_id = parent));
    END IF;
    via := CASE WHEN link IS NOT NULL THEN 'share_link' WHEN listed THEN 'public' ELSE 'unlisted' END;
  END IF;
  IF current_setting('hedgerow.truncate_ips', true) = 'on' THEN
    ip := network(set_masklen(ip, CASE family(ip) WHEN 4 THEN 24 ELSE 48 END));
  END IF;
  INSERT INTO data.access_log (resource_id, owner_id, viewer_id, accessed_via, share_link_id, ip_address)
  VALUES (resource, owner, me, via, link, ip);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.log_read(uuid, uuid, uuid, data.visibility, boolean) TO hedgerow_anon, hedgerow_user;

CREATE FUNCTION hedgerow.access_log_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT hedgerow.object_schema(jsonb_build_object(
    'id', '{"type": "integer"}'::jsonb, 'user_id', '{"type": ["string", "null"], "format": "uuid"}'::jsonb,
    'username', '{"type": ["string", "null"]}'::jsonb,
    'accessed_via', '{"enum": ["owner", "public", "unlisted", "invited", "share_link"]}'::jsonb,
    'share_link_id', '{"type": ["string", "null"], "format": "uuid"}'::jsonb,
    'ip_address', '{"type": ["string", "null"]}'::jsonb, 'accessed_at', hedgerow.time_schema()),
    '{id, user_id, username, accessed_via, share_link_id, ip_address, accessed_at}')
$$;

-- GET /api/{plural}/{id}/access-logs?limit=&cursor=: who read it, newest first, up to 100
-- per page (owner only).
CREATE FUNCTION api.list_access_logs(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r hedgerow.resource := hedgerow.owned(args ->> 'kind', args);
  page_limit int := hedgerow.page_limit(args, 100);
  start hedgerow.page_start := hedgerow.page_start(args, '{timestamptz,bigint}', '{infinity,9223372036854775807}');
  after_at timestamptz := start.keys[1];
  after_id bigint := start.keys[2];
  page_offset bigint := start.page_offset;
  items json;
  fetched bigint;
  next_cursor text;
BEGIN
  SELECT json_agg(json_build_object(
           'id', (o.a).id, 'user_id', (o.a).viewer_id,
           'username', (SELECT p.username FROM data.profiles p WHERE p.id = (o.a).viewer_id),
           'accessed_via', (o.a).accessed_via, 'share_link_id', (o.a).share_link_id,
           'ip_address', abbrev((o.a).ip_address), 'accessed_at', (o.a).accessed_at)
           ORDER BY o.n) FILTER (WHERE o.n <= page_limit),
         count(*),
         min(hedgerow.encode_cursor(ARRAY[hedgerow.cursor_time((o.a).accessed_at), (o.a).id::text],
                                    page_offset + page_limit)) FILTER (WHERE o.n = page_limit)
    INTO items, fetched, next_cursor
    FROM (SELECT a, row_number() OVER (ORDER BY a.accessed_at DESC, a.id DESC) AS n
            FROM data.access_log a
           WHERE a.resource_id = r.id AND (a.accessed_at, a.id) < (after_at, after_id)
           ORDER BY a.accessed_at DESC, a.id DESC LIMIT page_limit + 1) o;
  RETURN hedgerow.page(items, (SELECT count(*) FROM data.access_log a WHERE a.resource_id = r.id),
                       page_limit, page_offset, CASE WHEN fetched > page_limit THEN next_cursor END);
END
$$;
GRANT EXECUTE ON FUNCTION api.list_access_logs(jsonb) TO hedgerow_anon, hedgerow_user;

-- The access-log route of kind `k`.
CREATE FUNCTION hedgerow.access_log_routes(k hedgerow.kinds) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  PERFORM hedgerow.route('GET', format('/api/%s/{id}/access-logs', k.plural), 'api.list_access_logs(jsonb)',
    format('Who read a %s, how and when, newest first (owner only)', k.kind), auth => 'user', kind => k.kind,
    params => jsonb_build_object('id', hedgerow.uuid_schema()), paged => true,
    query => hedgerow.page_query(),
    response => jsonb_build_object('type', 'array', 'items', hedgerow.access_log_schema()));
END
$$;

-- Forgets deleted resources: their links, invitations and access log go with them. Called
-- by each kind's after-delete trigger (SECURITY DEFINER: no API role deletes log rows).
CREATE FUNCTION hedgerow.forget_resources(ids uuid[]) RETURNS void
LANGUAGE sql VOLATILE
AS $$
  DELETE FROM data.share_links l WHERE l.resource_id = ANY (ids);
  DELETE FROM data.grants g WHERE g.resource_id = ANY (ids);
  DELETE FROM data.access_log a WHERE a.resource_id = ANY (ids);
$$;

-- =====================================================================
-- Retention, by the month: operators run `hedgerow logs prune --older-than 90d` as
-- hedgerow_owner; `hedgerow migrate` and prune keep a year of months ahead.
-- =====================================================================

-- Makes the monthly partitions of the access log from this month to a year ahead, each with
-- row-level security closed (rows are read through the partitioned table's policies).
CREATE FUNCTION hedgerow.ensure_access_log_months() RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  month date;
  part text;
BEGIN
  FOR month IN SELECT generate_series(date_trunc('month', now()), date_trunc('month', now()) + interval '12 months',
                                      interval '1 month')::date LOOP
    part := 'access_log_' || to_char(month, 'YYYY_MM');
    IF to_regclass('data.' || part) IS NULL THEN
      EXECUTE format('CREATE TABLE data.%I PARTITION OF data.access_log FOR VALUES FROM (%L) TO (%L)',
                     part, month, month + interval '1 month');
    END IF;
  END LOOP;
  FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'data.access_log'::regclass LOOP
    EXECUTE format('ALTER TABLE data.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', part);
  END LOOP;
END
$$;

-- Deletes access-log rows older than `older_than`: months wholly before it are dropped, the
-- rest deleted. Also forgets rows about resources that are gone: a read that commits after
-- its resource's deletion has forgotten the resource's log (they do not lock each other:
-- every read would pay) leaves one behind. Returns how many rows went.
CREATE FUNCTION hedgerow.prune_access_log(older_than interval) RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  cutoff timestamptz := now() - older_than;
  part record;
  pruned bigint := 0;
  n bigint;
BEGIN
  FOR part IN SELECT c.oid::regclass AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'data.access_log'::regclass LOOP
    IF part.bound <> 'DEFAULT'
       AND substring(part.bound FROM 'TO \(''([^'']+)''\)')::timestamptz <= cutoff THEN
      EXECUTE format('SELECT count(*) FROM %s', part.name) INTO n;
      EXECUTE format('DROP TABLE %s', part.name);
      pruned := pruned + n;
    END IF;
  END LOOP;
  DELETE FROM data.access_log a WHERE a.accessed_at < cutoff;
  GET DIAGNOSTICS n = ROW_COUNT;
  pruned := pruned + n;
  DELETE FROM data.access_log a
   WHERE NOT EXISTS (SELECT FROM hedgerow.resources() r WHERE r.id = a.resource_id);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM hedgerow.ensure_access_log_months();
  RETURN pruned + n;
END
$$;
