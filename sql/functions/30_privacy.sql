-- =====================================================================
-- The privacy core (DESIGN §5): addressing, share links, grants, the access log, and the
-- verbs every kind of resource shares. Kinds plug in by naming convention: a kind K provides
-- hedgerow.K_json(uuid) (its API representation) and hedgerow.K_html(uuid) (its shared page).
-- =====================================================================

-- The resource id the request addresses directly (what makes an unlisted thing readable).
CREATE FUNCTION hedgerow.addressed_id() RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('request.resource_id', true), '')::uuid $$;
GRANT EXECUTE ON FUNCTION hedgerow.addressed_id() TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- Records, for the rest of the transaction, that the request addresses resource `id`.
CREATE FUNCTION hedgerow.address(id uuid) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  PERFORM set_config('request.resource_id', id::text, true);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.address(uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- SHA-256 of the share token the request carries (NULL without one). Links are matched on
-- the hash, so the token column itself can stay unreadable to everyone but owners.
CREATE FUNCTION hedgerow.share_token_hash() RETURNS bytea
LANGUAGE sql STABLE
AS $$ SELECT sha256(convert_to(nullif(current_setting('request.share_token', true), ''), 'UTF8')) $$;
GRANT EXECUTE ON FUNCTION hedgerow.share_token_hash() TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A new share token: 256 bits from the CSPRNG, base64url without padding (43 characters).
GRANT USAGE ON SCHEMA extensions TO hedgerow_user;
CREATE FUNCTION hedgerow.new_share_token() RETURNS text
LANGUAGE sql VOLATILE
AS $$ SELECT rtrim(translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '=') $$;
GRANT EXECUTE ON FUNCTION hedgerow.new_share_token() TO hedgerow_user;

-- A link grants access while enabled, not revoked and not expired. (It takes columns, not the
-- row: a whole-row reference would need the token column, which analysts may not read.)
CREATE FUNCTION hedgerow.link_is_active(enabled boolean, revoked_at timestamptz, expires_at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT enabled AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) $$;
GRANT EXECUTE ON FUNCTION hedgerow.link_is_active(boolean, timestamptz, timestamptz) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A grant gives access until it expires (revoking deletes it).
CREATE FUNCTION hedgerow.grant_is_active(g data.grants) RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT g.expires_at IS NULL OR g.expires_at > now() $$;
GRANT EXECUTE ON FUNCTION hedgerow.grant_is_active(data.grants) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- Resources shared with this request: granted to the caller, or reached by the share token it
-- carries. Policies use it as `id IN (SELECT hedgerow.shared_resource_ids())`, computed once
-- per statement.
CREATE FUNCTION hedgerow.shared_resource_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE
AS $$
  SELECT g.resource_id FROM data.grants g
   WHERE g.grantee_id = hedgerow.current_user_id() AND hedgerow.grant_is_active(g)
  UNION
  SELECT l.resource_id FROM data.share_links l
   WHERE l.token_hash = hedgerow.share_token_hash() AND hedgerow.link_is_active(l.enabled, l.revoked_at, l.expires_at)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.shared_resource_ids() TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- Keeps a resource's effective visibility (own level, else its parent's) and checks that a
-- child belongs to its parent's owner.
CREATE FUNCTION hedgerow.resources_before_write() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  parent data.resources;
BEGIN
  IF NEW.parent_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.parent_id IS DISTINCT FROM OLD.parent_id
                                    OR NEW.visibility IS DISTINCT FROM OLD.visibility) THEN
    SELECT * INTO parent FROM data.resources p WHERE p.id = NEW.parent_id;
    IF NOT FOUND OR parent.owner_id <> NEW.owner_id THEN
      PERFORM hedgerow.fail(404, 'NOT_FOUND', 'parent not found');
    END IF;
  END IF;
  IF NEW.visibility IS NOT NULL THEN
    NEW.effective_visibility := NEW.visibility;
  ELSIF parent.id IS NOT NULL THEN
    NEW.effective_visibility := parent.effective_visibility;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER resources_before_write BEFORE INSERT OR UPDATE ON data.resources
  FOR EACH ROW EXECUTE FUNCTION hedgerow.resources_before_write();

-- When a parent's effective visibility changes, children that inherit it follow at once.
CREATE FUNCTION hedgerow.resources_after_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE data.resources c SET effective_visibility = NEW.effective_visibility
   WHERE c.parent_id = NEW.id AND c.visibility IS NULL;
  RETURN NULL;
END
$$;
-- (Not `UPDATE OF effective_visibility`: that fires only when the statement names the column,
-- and here the BEFORE trigger is what changes it.)
CREATE TRIGGER resources_after_update AFTER UPDATE ON data.resources
  FOR EACH ROW WHEN (OLD.effective_visibility IS DISTINCT FROM NEW.effective_visibility)
  EXECUTE FUNCTION hedgerow.resources_after_update();

-- The kind named by a path segment (sessions → session); 404 for unknown kinds.
CREATE FUNCTION hedgerow.kind_of(plural text) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  found_kind text;
BEGIN
  SELECT k.kind INTO found_kind FROM data.resource_kinds k WHERE k.plural = kind_of.plural;
  IF found_kind IS NULL THEN
    PERFORM hedgerow.fail(404, 'NOT_FOUND', 'no such endpoint');
  END IF;
  RETURN found_kind;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.kind_of(text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- The resource `id` of kind `wanted_kind` as the caller may see it, addressing it first (so
-- unlisted things are found). 404 when it does not exist or the caller may not see it: the
-- two are never told apart.
CREATE FUNCTION hedgerow.find_resource(wanted_kind text, resource_id uuid) RETURNS data.resources
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  target data.resources;
BEGIN
  PERFORM hedgerow.address(resource_id);
  SELECT * INTO target FROM data.resources r WHERE r.id = resource_id AND r.kind = wanted_kind;
  IF NOT FOUND THEN
    PERFORM hedgerow.fail(404, 'NOT_FOUND', wanted_kind || ' not found');
  END IF;
  RETURN target;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.find_resource(text, uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- The resource for a change only its owner may make: 401 for anonymous callers, 404 when
-- invisible, 403 when visible but someone else's.
CREATE FUNCTION hedgerow.owned_resource(wanted_kind text, resource_id uuid) RETURNS data.resources
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  target data.resources := hedgerow.find_resource(wanted_kind, resource_id);
BEGIN
  IF target.owner_id <> me THEN
    PERFORM hedgerow.fail(403, 'FORBIDDEN', 'only the owner may do this');
  END IF;
  RETURN target;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.owned_resource(text, uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A resource's API representation, from its kind's K_json(uuid). Those are plpgsql, not SQL,
-- wherever a request reads through them: plpgsql keeps each statement's plan for the
-- connection, while a SQL function with a FROM clause is planned again on every call — and
-- planning a query with its row-level-security policies costs more than running it.
CREATE FUNCTION hedgerow.resource_json(r data.resources) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  result jsonb;
BEGIN
  EXECUTE format('SELECT hedgerow.%I($1)', r.kind || '_json') INTO result USING r.id;
  RETURN result;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.resource_json(data.resources) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- How the caller came to read `r`, for the access log: owner, invited, share_link (with the
-- link's id), public or unlisted, in that order.
CREATE FUNCTION hedgerow.access_reason(r data.resources, OUT via data.access_via, OUT share_link_id uuid)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  me uuid := hedgerow.current_user_id();
  inherits boolean := r.parent_id IS NOT NULL AND r.visibility IS DISTINCT FROM 'private';
BEGIN
  IF r.owner_id = me THEN
    via := 'owner';
    RETURN;
  END IF;
  IF EXISTS (SELECT FROM data.grants g
              WHERE g.grantee_id = me AND hedgerow.grant_is_active(g)
                AND (g.resource_id = r.id OR (inherits AND g.resource_id = r.parent_id))) THEN
    via := 'invited';
    RETURN;
  END IF;
  SELECT l.id INTO share_link_id FROM data.share_links l
   WHERE l.token_hash = hedgerow.share_token_hash() AND hedgerow.link_is_active(l.enabled, l.revoked_at, l.expires_at)
     AND (l.resource_id = r.id OR (inherits AND l.resource_id = r.parent_id))
   LIMIT 1;
  via := CASE WHEN share_link_id IS NOT NULL THEN 'share_link'
              WHEN r.effective_visibility = 'public' THEN 'public'
              ELSE 'unlisted' END;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.access_reason(data.resources) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- The client address to store: request.ip, cut to its /24 (IPv4) or /48 (IPv6) network when
-- the server runs with HEDGEROW_TRUNCATE_IPS.
CREATE FUNCTION hedgerow.client_ip() RETURNS inet
LANGUAGE sql STABLE
AS $$
  SELECT CASE WHEN current_setting('hedgerow.truncate_ips', true) = 'on'
              THEN network(set_masklen(ip, CASE family(ip) WHEN 4 THEN 24 ELSE 48 END))::inet
              ELSE ip END
    FROM (SELECT nullif(current_setting('request.ip', true), '')::inet AS ip) request
$$;
GRANT EXECUTE ON FUNCTION hedgerow.client_ip() TO hedgerow_anon, hedgerow_user;

-- Appends the access-log row for a read of `r`, in the reading transaction.
CREATE FUNCTION hedgerow.log_access(r data.resources) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  INSERT INTO data.access_log (resource_id, owner_id, viewer_id, accessed_via, share_link_id, ip_address)
  SELECT r.id, r.owner_id, hedgerow.current_user_id(), reason.via, reason.share_link_id,
         hedgerow.client_ip()
    FROM hedgerow.access_reason(r) reason;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.log_access(data.resources) TO hedgerow_anon, hedgerow_user;

-- Reads one resource for the API: finds it (404 if invisible) and logs the access. Each
-- kind's GET builds the answer with its own K_json directly, not through resource_json: its
-- EXECUTE is planned on every call, a fifth of a point read.
CREATE FUNCTION hedgerow.read_resource(wanted_kind text, args jsonb) RETURNS data.resources
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.find_resource(wanted_kind, hedgerow.arg_uuid(args, 'id'));
BEGIN
  PERFORM hedgerow.log_access(r);
  RETURN r;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.read_resource(text, jsonb) TO hedgerow_anon, hedgerow_user;

-- The visibility a request asks for: `visibility`, or `is_public` (true → public, false →
-- private); NULL when it names neither.
CREATE FUNCTION hedgerow.requested_visibility(args jsonb) RETURNS data.visibility
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  level data.visibility := hedgerow.arg_visibility(args, 'visibility');
  is_public boolean := hedgerow.arg_bool(args, 'is_public');
BEGIN
  IF level IS NOT NULL AND is_public IS NOT NULL AND (level = 'public') <> is_public THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'visibility and is_public disagree');
  END IF;
  RETURN coalesce(level, CASE is_public WHEN true THEN 'public'::data.visibility
                                        WHEN false THEN 'private'::data.visibility END);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.requested_visibility(jsonb) TO hedgerow_user;

-- Creates a resource of `new_kind` for the caller at `level`, else `default_level`; a
-- top-level resource with neither is private, a child with neither inherits its parent's.
-- 409 PROFILE_REQUIRED before the caller has a profile.
CREATE FUNCTION hedgerow.create_resource(new_kind text, level data.visibility,
                                         default_level data.visibility, parent uuid DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  new_id uuid;
BEGIN
  IF NOT EXISTS (SELECT FROM data.profiles p WHERE p.id = me) THEN
    PERFORM hedgerow.fail(409, 'PROFILE_REQUIRED', 'create your profile first: POST /api/auth/profile');
  END IF;
  INSERT INTO data.resources (kind, owner_id, parent_id, visibility, effective_visibility)
  VALUES (new_kind, me, parent,
          CASE WHEN parent IS NULL THEN coalesce(level, default_level, 'private')
               ELSE coalesce(level, default_level) END,
          coalesce(level, default_level, 'private'))
  RETURNING id INTO new_id;
  RETURN new_id;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.create_resource(text, data.visibility, data.visibility, uuid) TO hedgerow_user;

-- DELETE /api/{kind}/{id}: owner only; its children, links, grants and log go with it.
CREATE FUNCTION hedgerow.delete_resource(wanted_kind text, args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.owned_resource(wanted_kind, hedgerow.arg_uuid(args, 'id'));
BEGIN
  DELETE FROM data.resources WHERE id = r.id;
  RETURN hedgerow.ok(jsonb_build_object('id', r.id, 'deleted', true));
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.delete_resource(text, jsonb) TO hedgerow_user;

-- PUT /api/{kind}/{id}/privacy {visibility? | is_public?, share_link_enabled?}: owner only.
CREATE FUNCTION hedgerow.set_privacy(wanted_kind text, args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.owned_resource(wanted_kind, hedgerow.arg_uuid(args, 'id'));
  level data.visibility := hedgerow.requested_visibility(args);
  links_enabled boolean := hedgerow.arg_bool(args, 'share_link_enabled');
BEGIN
  IF level IS NULL AND links_enabled IS NULL AND NOT (r.parent_id IS NOT NULL AND args ? 'visibility') THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'send visibility, is_public or share_link_enabled');
  END IF;
  IF level IS NOT NULL OR args ? 'visibility' THEN
    UPDATE data.resources SET visibility = level WHERE id = r.id;
  END IF;
  IF links_enabled IS NOT NULL THEN
    UPDATE data.share_links SET enabled = links_enabled WHERE resource_id = r.id;
  END IF;
  SELECT * INTO r FROM data.resources WHERE id = r.id;
  RETURN hedgerow.ok(hedgerow.resource_json(r));
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.set_privacy(text, jsonb) TO hedgerow_user;

-- Row-level security for a kind's content table (`id` references data.resources): readable
-- exactly when its resource is; written only by the resource's owner. Called by the table's
-- file in policies/, which adds its grants.
CREATE FUNCTION hedgerow.protect_content_table(content regclass, content_kind text) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  owned text := format('id IN (SELECT r.id FROM data.resources r WHERE r.kind = %L '
                       'AND r.owner_id = (SELECT hedgerow.current_user_id()))', content_kind);
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', content);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', content);
  -- A scalar subquery, not EXISTS: the planner turns EXISTS into a hash of every resource
  -- the caller may see (a scan of them all); this is one index probe per content row. It
  -- yields true or NULL rather than comparing ids: the planner guesses that half the rows
  -- pass a boolean (not 0.5%, as for `id = (…)`), so it still walks an index in order to
  -- fill a short page instead of sorting every row.
  EXECUTE format('CREATE POLICY %I ON %s FOR SELECT TO hedgerow_anon, hedgerow_user, hedgerow_analyst '
                 'USING ((SELECT true FROM data.resources r WHERE r.id = %s.id))',
                 'Readable when its resource is', content, content);
  EXECUTE format('CREATE POLICY %I ON %s FOR INSERT TO hedgerow_user WITH CHECK (%s)',
                 'Written by the resource''s owner', content, owned);
  EXECUTE format('CREATE POLICY %I ON %s FOR UPDATE TO hedgerow_user USING (%s) WITH CHECK (%s)',
                 'Changed by the resource''s owner', content, owned, owned);
END
$$;

-- =====================================================================
-- Endpoints shared by every kind
-- =====================================================================

-- PUT /api/{kind}/{id}/privacy
CREATE FUNCTION api.set_privacy(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.set_privacy(hedgerow.kind_of(args ->> 'kind'), args) $$;
GRANT EXECUTE ON FUNCTION api.set_privacy(jsonb) TO hedgerow_anon, hedgerow_user;

