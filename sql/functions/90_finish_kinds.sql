-- =====================================================================
-- What spans kinds, generated once every kind has registered (sql/finish.sql calls
-- hedgerow.finish_kinds() at the end of every migrate): dispatch by kind as static SQL (one
-- CASE branch per kind, each a plain statement with a kept plan — never EXECUTE by name at
-- request time), the pass-down of levels from parents to children, the routes of the verbs
-- every kind shares, and the analysts' views over all kinds.
-- =====================================================================

-- One CASE branch per kind, from `branch` (a template over the kind's placeholders).
CREATE FUNCTION hedgerow.each_kind(branch text) RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT string_agg(format(E'\n      WHEN %L THEN', k.kind) || hedgerow.fill(branch, jsonb_build_object(
           'kind', k.kind, 'table', hedgerow.qualified(k.table_name),
           'item', hedgerow.qualified(k.item_builder), 'detail', hedgerow.qualified(k.detail_builder),
           'page', hedgerow.qualified(k.page_builder),
           'parent', CASE WHEN k.parent_column IS NULL THEN 'NULL::uuid' ELSE 't.' || quote_ident(k.parent_column) END)),
         '' ORDER BY k.kind)
    FROM hedgerow.kinds k
$$;

CREATE FUNCTION hedgerow.finish_kinds() RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  k hedgerow.kinds;
  child hedgerow.kinds;
BEGIN
  IF NOT EXISTS (SELECT FROM hedgerow.kinds) THEN
    RAISE EXCEPTION 'no kind is registered';
  END IF;
  EXECUTE format($sql$
    -- A resource's privacy state as the caller may see it (NULL fields when they may not).
    CREATE FUNCTION hedgerow.find(kind text, id uuid) RETURNS hedgerow.resource
    LANGUAGE plpgsql STABLE
    AS $fn$
    DECLARE
      found hedgerow.resource;
    BEGIN
      CASE kind%s
      END CASE;
      RETURN found;
    END
    $fn$;
    GRANT EXECUTE ON FUNCTION hedgerow.find(text, uuid) TO hedgerow_anon, hedgerow_user;

    -- A resource as a single read answers it (NULL when the caller may not see it).
    CREATE FUNCTION hedgerow.detail(kind text, id uuid) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $fn$
    DECLARE
      result json;
    BEGIN
      CASE kind%s
      END CASE;
      RETURN result;
    END
    $fn$;
    GRANT EXECUTE ON FUNCTION hedgerow.detail(text, uuid) TO hedgerow_anon, hedgerow_user;

    -- A resource as lists show it.
    CREATE FUNCTION hedgerow.item(kind text, id uuid) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $fn$
    DECLARE
      result json;
    BEGIN
      CASE kind%s
      END CASE;
      RETURN result;
    END
    $fn$;
    GRANT EXECUTE ON FUNCTION hedgerow.item(text, uuid) TO hedgerow_anon, hedgerow_user;

    -- The body of a resource's shared page.
    CREATE FUNCTION hedgerow.page_body(kind text, id uuid) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $fn$
    DECLARE
      result text;
    BEGIN
      CASE kind%s
      END CASE;
      RETURN result;
    END
    $fn$;
    GRANT EXECUTE ON FUNCTION hedgerow.page_body(text, uuid) TO hedgerow_anon, hedgerow_user;

    -- Sets a resource's own level (its owner's policy applies).
    CREATE FUNCTION hedgerow.set_visibility(kind text, id uuid, level data.visibility) RETURNS void
    LANGUAGE plpgsql VOLATILE
    AS $fn$
    BEGIN
      CASE kind%s
      END CASE;
    END
    $fn$;
    GRANT EXECUTE ON FUNCTION hedgerow.set_visibility(text, uuid, data.visibility) TO hedgerow_user;

    -- Deletes a resource (its owner's policy applies); its children go by their foreign key.
    CREATE FUNCTION hedgerow.delete(kind text, id uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE
    AS $fn$
    BEGIN
      CASE kind%s
      END CASE;
    END
    $fn$;
    GRANT EXECUTE ON FUNCTION hedgerow.delete(text, uuid) TO hedgerow_user;

    -- What the core needs to know of each kind at request time, as constants:
    -- {kind: {plural, signup_call, share_path, has_parent, default_visibility}}.
    CREATE FUNCTION hedgerow.kind_facts_all() RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $fn$ SELECT %L::jsonb $fn$;
    GRANT EXECUTE ON FUNCTION hedgerow.kind_facts_all() TO hedgerow_anon, hedgerow_user;

    CREATE FUNCTION hedgerow.kind_facts(kind text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $fn$ SELECT hedgerow.kind_facts_all() -> kind $fn$;
    GRANT EXECUTE ON FUNCTION hedgerow.kind_facts(text) TO hedgerow_anon, hedgerow_user;
  $sql$,
    hedgerow.each_kind($b$
        SELECT '@kind@', t.id, t.owner_id, @parent@, t.visibility, t.effective_visibility, t.listed
          INTO found FROM @table@ t WHERE t.id = find.id;$b$),
    hedgerow.each_kind($b$
        SELECT @detail@(t, p) INTO result FROM @table@ t JOIN data.profiles p ON p.id = t.owner_id
         WHERE t.id = detail.id;$b$),
    hedgerow.each_kind($b$
        SELECT @item@(t, p) INTO result FROM @table@ t JOIN data.profiles p ON p.id = t.owner_id
         WHERE t.id = item.id;$b$),
    hedgerow.each_kind($b$
        SELECT @page@(t) INTO result FROM @table@ t WHERE t.id = page_body.id;$b$),
    hedgerow.each_kind($b$
        UPDATE @table@ t SET visibility = level, updated_at = now() WHERE t.id = set_visibility.id;$b$),
    hedgerow.each_kind($b$
        DELETE FROM @table@ t WHERE t.id = delete.id;$b$),
    (SELECT jsonb_object_agg(x.kind, jsonb_build_object(
              'plural', x.plural, 'signup_call', x.signup_call, 'share_path', x.share_path,
              'has_parent', x.parent_kind IS NOT NULL, 'default_visibility', x.default_visibility))
       FROM hedgerow.kinds x));

  -- What data.public_counts should hold, counted from the rows themselves (a full count:
  -- `hedgerow check` and the tests compare it with the kept counts).
  EXECUTE format($sql$
    CREATE FUNCTION hedgerow.counted_public(OUT kind text, OUT scope text, OUT n bigint) RETURNS SETOF record
    LANGUAGE sql STABLE
    AS $fn$ %s $fn$;
  $sql$, (SELECT string_agg(format('SELECT %L::text, ''''::text, count(*) FROM %s WHERE listed', x.kind, hedgerow.qualified(x.table_name))
                            || CASE WHEN x.count_scope IS NOT NULL
                                    THEN format(' UNION ALL SELECT %L, %I, count(*) FROM %s WHERE listed GROUP BY %2$I',
                                                x.kind, x.count_scope, hedgerow.qualified(x.table_name)) ELSE '' END,
                            ' UNION ALL ')
            FROM hedgerow.kinds x));

  -- Everything a user owns, {plural: [item, ...]} (GET /api/auth/export), read under their
  -- own policies.
  EXECUTE format($sql$
    CREATE FUNCTION hedgerow.owned_by(me uuid) RETURNS json
    LANGUAGE sql STABLE
    AS $fn$ SELECT json_build_object(%s) $fn$;
    GRANT EXECUTE ON FUNCTION hedgerow.owned_by(uuid) TO hedgerow_user;
  $sql$, (SELECT string_agg(format(
              '%L, (SELECT coalesce(json_agg(%s(t, p) ORDER BY t.created_at, t.id), ''[]'') FROM %s t '
              'JOIN data.profiles p ON p.id = t.owner_id WHERE t.owner_id = me)',
              x.plural, hedgerow.qualified(x.item_builder), hedgerow.qualified(x.table_name)), ', ' ORDER BY x.plural)
            FROM hedgerow.kinds x));

  -- Every resource of every kind, with its owner and privacy state, read under the caller's
  -- policies (inlined by the planner, so a condition on the owner reaches each kind's index
  -- by owner): the account export and the analysts' own things (my_resources, access_log)
  -- read an owner's access log through these; `hedgerow logs prune` forgets reads of what
  -- is gone.
  EXECUTE format($sql$
    CREATE FUNCTION hedgerow.resources(OUT kind text, OUT id uuid, OUT owner_id uuid, OUT parent_id uuid,
                                       OUT visibility data.visibility, OUT effective_visibility data.visibility,
                                       OUT listed boolean, OUT created_at timestamptz, OUT updated_at timestamptz)
    RETURNS SETOF record
    LANGUAGE sql STABLE
    AS $fn$ %s $fn$;
    GRANT EXECUTE ON FUNCTION hedgerow.resources() TO hedgerow_user, hedgerow_reader;
  $sql$, (SELECT string_agg(format(
              'SELECT %L::text, t.id, t.owner_id, %s, t.visibility, t.effective_visibility, t.listed, t.created_at, t.updated_at FROM %s t',
              x.kind, CASE WHEN x.parent_column IS NULL THEN 'NULL::uuid' ELSE 't.' || quote_ident(x.parent_column) END,
              hedgerow.qualified(x.table_name)),
            ' UNION ALL ' ORDER BY x.kind)
            FROM hedgerow.kinds x));

  FOR child IN SELECT * FROM hedgerow.kinds c WHERE c.parent_kind IS NOT NULL LOOP
    k := (SELECT p FROM hedgerow.kinds p WHERE p.kind = child.parent_kind);
    PERFORM hedgerow.generate($sql$
      -- When a @parent_kind@'s effective level changes, its @plural@ that inherit it follow.
      CREATE FUNCTION hedgerow.pass_down_to_@plural@() RETURNS trigger
      LANGUAGE plpgsql
      AS $fn$
      BEGIN
        UPDATE @table@ c SET effective_visibility = NEW.effective_visibility
         WHERE c.@parent_column@ = NEW.id AND c.visibility IS NULL;
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER pass_down_to_@plural@ AFTER UPDATE ON @parent_table@
        FOR EACH ROW WHEN (OLD.effective_visibility IS DISTINCT FROM NEW.effective_visibility)
        EXECUTE FUNCTION hedgerow.pass_down_to_@plural@();
    $sql$, jsonb_build_object('parent_kind', k.kind, 'plural', child.plural,
                              'table', hedgerow.qualified(child.table_name),
                              'parent_column', quote_ident(child.parent_column),
                              'parent_table', hedgerow.qualified(k.table_name)));
  END LOOP;

  FOR k IN SELECT * FROM hedgerow.kinds LOOP
    PERFORM hedgerow.resource_routes(k);
    PERFORM hedgerow.share_link_routes(k);
    PERFORM hedgerow.grant_routes(k);
    PERFORM hedgerow.access_log_routes(k);
  END LOOP;
  PERFORM hedgerow.generate_analyst_views();
  PERFORM hedgerow.settings_routes();
  PERFORM hedgerow.account_routes();
END
$$;
