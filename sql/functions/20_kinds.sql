-- =====================================================================
-- Kinds of resource. A kind is one table whose rows users own; its file in sql/kinds (or an
-- app's own kinds directory) creates or names that table and registers it here with checked
-- references to its builders. Registration gives the kind everything the core knows how to
-- do — privacy columns and their policies (the one read rule), counts, the access-logged read,
-- own list, feed, delete, the privacy verbs and the analysts' sealed view — as static SQL
-- generated now, at migrate time; hedgerow.finish_kinds() then generates what spans kinds.
-- Nothing in the core names a particular kind.
-- =====================================================================

CREATE TABLE hedgerow.kinds (
  kind               text PRIMARY KEY CHECK (kind ~ '^[a-z][a-z_]*$'),
  plural             text NOT NULL UNIQUE CHECK (plural ~ '^[a-z][a-z_]*$'),
  table_name         regclass NOT NULL UNIQUE,
  -- A child kind (a book on a shelf): inherits its parent's level unless overridden; the
  -- parent's invitations and links reach it unless it is overridden to private.
  parent_kind        text REFERENCES hedgerow.kinds (kind),
  parent_column      name,
  -- For a user without a default of their own (NULL: inherit, child kinds only).
  default_visibility data.visibility,
  -- The timestamp column own lists and feeds are ordered by, newest first.
  list_order         name NOT NULL,
  -- Whether anyone may list public ones at GET /api/public/{plural}.
  feed               boolean NOT NULL,
  -- Public counts are also kept per value of this column, which the feed can filter on.
  count_scope        name,
  -- (row, data.profiles) → json: in lists; and for a single read.
  item_builder       regprocedure NOT NULL,
  detail_builder     regprocedure NOT NULL,
  -- (row) → text: the body of the shared read-only page.
  page_builder       regprocedure NOT NULL,
  item_schema        jsonb NOT NULL,
  detail_schema      jsonb NOT NULL,
  signup_call        text NOT NULL,
  -- Where share links point under HEDGEROW_PUBLIC_URL ({id} and {token} filled in).
  share_path         text NOT NULL CHECK (share_path ~ '\{token\}'),
  CHECK ((parent_kind IS NULL) = (parent_column IS NULL)),
  CHECK (default_visibility IS NOT NULL OR parent_kind IS NOT NULL)
);
COMMENT ON TABLE hedgerow.kinds IS 'The registered kinds of resource (re-made on every migrate from sql/kinds and the app''s kinds).';
ALTER TABLE hedgerow.kinds ENABLE ROW LEVEL SECURITY;
ALTER TABLE hedgerow.kinds FORCE ROW LEVEL SECURITY;
CREATE POLICY "Migrations register kinds" ON hedgerow.kinds
  FOR ALL TO hedgerow_owner
  USING (true) WITH CHECK (true);

-- A resource's privacy state, whatever its kind.
CREATE TYPE hedgerow.resource AS (
  kind                 text,
  id                   uuid,
  owner_id             uuid,
  parent_id            uuid,
  visibility           data.visibility,
  effective_visibility data.visibility,
  listed               boolean
);

-- =====================================================================
-- The read rule (DESIGN §5), the one place it is written. A row of any kind is readable by:
-- its owner; anyone, when it is public; anyone who addresses it (or, for a child that
-- inherits, its parent) while it is unlisted; a user it — or, unless the child is overridden
-- to private, its parent — is granted to; a bearer of an active share link for it or, on the
-- same terms, for its parent. A plain SELECT addresses nothing and carries no token, so it
-- lists only public things and one's own. Each kind's SELECT policy is this text.
-- =====================================================================
CREATE FUNCTION hedgerow.read_rule(parent_column name) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
  SELECT 'owner_id = (SELECT hedgerow.current_user_id()) OR listed'
      || ' OR (effective_visibility = ''unlisted'' AND (id = (SELECT hedgerow.addressed_id())'
      || CASE WHEN parent_column IS NOT NULL
              THEN format(' OR (visibility IS NULL AND %I = (SELECT hedgerow.addressed_id()))', parent_column)
              ELSE '' END
      || '))'
      || ' OR id IN (SELECT s.id FROM hedgerow.shared_ids() s(id))'
      || CASE WHEN parent_column IS NOT NULL
              THEN format(' OR (visibility IS DISTINCT FROM ''private'' AND %I IN (SELECT s.id FROM hedgerow.shared_ids() s(id)))',
                          parent_column)
              ELSE '' END
$$;

-- Fills @name@ placeholders of a code template; an unfilled one is a bug in the core.
CREATE FUNCTION hedgerow.fill(template text, vars jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  name text;
  result text := template;
BEGIN
  FOR name IN SELECT jsonb_object_keys(vars) LOOP
    result := replace(result, '@' || name || '@', vars ->> name);
  END LOOP;
  IF result ~ '@[a-z_]+@' THEN
    RAISE EXCEPTION 'unfilled placeholder % in generated code', substring(result FROM '@[a-z_]+@');
  END IF;
  RETURN result;
END
$$;

-- Runs a filled template (migrate time only).
CREATE FUNCTION hedgerow.generate(template text, vars jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  EXECUTE hedgerow.fill(template, vars);
END
$$;

-- The type of column `col` of `tbl`, or NULL when it has none.
CREATE FUNCTION hedgerow.column_type(tbl regclass, col name) RETURNS regtype
LANGUAGE sql STABLE
AS $$
  SELECT a.atttypid::regtype FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped
$$;

-- A table's or function's schema-qualified name, whatever the search_path (generated code
-- runs with an empty one).
CREATE FUNCTION hedgerow.qualified(rel regclass) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel $$;

CREATE FUNCTION hedgerow.qualified(fn regprocedure) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT format('%I.%I', n.nspname, p.proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = fn $$;

-- Checks that `fn` takes `args` and returns `returns`, naming the kind's option that is wrong.
CREATE FUNCTION hedgerow.check_builder(kind text, option text, fn regprocedure, args regtype[], returns regtype)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  IF (SELECT ARRAY(SELECT unnest(p.proargtypes)) <> args::oid[] OR p.prorettype <> returns FROM pg_proc p WHERE p.oid = fn) THEN
    RAISE EXCEPTION 'kind %: % must be a function (%) returning %, not %', kind, option,
                    array_to_string(args, ', '), returns, fn;
  END IF;
END
$$;

-- Gives `tbl` the privacy columns the core needs, where missing, and checks those present:
-- owner_id, visibility, effective_visibility, listed, created_at, updated_at. A kind's file
-- calls it before it defines its builders (which read these columns); registering calls it
-- again to check. Top-level kinds always have a level of their own, so their effective level
-- is generated from it; a child's (a table with a parent_column) is kept by trigger.
CREATE FUNCTION hedgerow.add_privacy_columns(tbl regclass, parent_column name DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  wanted jsonb := jsonb_build_object(
    'owner_id', jsonb_build_array('uuid', 'uuid NOT NULL REFERENCES data.profiles (id) ON DELETE CASCADE'),
    'visibility', jsonb_build_array('data.visibility',
       CASE WHEN parent_column IS NULL THEN 'data.visibility NOT NULL' ELSE 'data.visibility' END),
    'effective_visibility', jsonb_build_array('data.visibility',
       CASE WHEN parent_column IS NULL THEN 'data.visibility NOT NULL GENERATED ALWAYS AS (visibility) STORED'
            ELSE 'data.visibility NOT NULL' END),
    -- (A generated column may not read another: a top-level kind's is read off its own level.)
    'listed', jsonb_build_array('boolean',
       format('boolean NOT NULL GENERATED ALWAYS AS (%I = ''public'') STORED',
              CASE WHEN parent_column IS NULL THEN 'visibility' ELSE 'effective_visibility' END)),
    'created_at', jsonb_build_array('timestamp with time zone', 'timestamptz NOT NULL DEFAULT now()'),
    'updated_at', jsonb_build_array('timestamp with time zone', 'timestamptz NOT NULL DEFAULT now()'));
  col text;
BEGIN
  IF hedgerow.column_type(tbl, 'id') IS DISTINCT FROM 'uuid'::regtype
     OR NOT EXISTS (SELECT FROM pg_index i JOIN pg_attribute a ON a.attrelid = tbl AND a.attname = 'id'
                     WHERE i.indrelid = tbl AND i.indisprimary AND i.indnatts = 1 AND i.indkey[0] = a.attnum) THEN
    RAISE EXCEPTION '% needs `id uuid PRIMARY KEY`', tbl;
  END IF;
  IF parent_column IS NOT NULL AND hedgerow.column_type(tbl, parent_column) IS DISTINCT FROM 'uuid'::regtype THEN
    RAISE EXCEPTION '% has no uuid column %', tbl, parent_column;
  END IF;
  FOR col IN SELECT k FROM jsonb_object_keys(wanted) k ORDER BY array_position(
      ARRAY['owner_id', 'visibility', 'effective_visibility', 'listed', 'created_at', 'updated_at'], k) LOOP
    IF hedgerow.column_type(tbl, col) IS NULL THEN
      EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', tbl, col, wanted -> col ->> 1);
    ELSIF hedgerow.column_type(tbl, col)::text <> wanted -> col ->> 0 THEN
      RAISE EXCEPTION '%.% must be %', tbl, col, wanted -> col ->> 0;
    END IF;
  END LOOP;
END
$$;

-- Registers a kind: see the comment at the top of this file, and docs/KINDS.md.
CREATE FUNCTION hedgerow.register_kind(kind text, plural text, table_name regclass,
                                       item_builder regprocedure, page_builder regprocedure,
                                       item_schema jsonb, list_order name,
                                       default_visibility data.visibility,
                                       signup_call text DEFAULT 'Sign up',
                                       detail_builder regprocedure DEFAULT NULL,
                                       detail_schema jsonb DEFAULT NULL,
                                       parent_kind text DEFAULT NULL, parent_column name DEFAULT NULL,
                                       feed boolean DEFAULT false, count_scope name DEFAULT NULL,
                                       share_path text DEFAULT '/shared/{token}')
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  parent_table regclass := (SELECT k.table_name FROM hedgerow.kinds k WHERE k.kind = register_kind.parent_kind);
  vars jsonb;
BEGIN
  IF parent_kind IS NOT NULL AND parent_table IS NULL THEN
    RAISE EXCEPTION 'kind %: parent kind % is not registered (register it first)', kind, parent_kind;
  END IF;
  IF (SELECT c.relowner <> 'hedgerow_owner'::regrole FROM pg_class c WHERE c.oid = table_name) THEN
    RAISE EXCEPTION 'kind %: % must be owned by hedgerow_owner (create it in the kind''s file)', kind, table_name;
  END IF;
  PERFORM hedgerow.add_privacy_columns(table_name, parent_column);
  IF hedgerow.column_type(table_name, list_order) IS DISTINCT FROM 'timestamptz'::regtype THEN
    RAISE EXCEPTION 'kind %: list_order % must be a timestamptz column of %', kind, list_order, table_name;
  END IF;
  IF count_scope IS NOT NULL AND hedgerow.column_type(table_name, count_scope) IS DISTINCT FROM 'text'::regtype THEN
    RAISE EXCEPTION 'kind %: count_scope % must be a text column of %', kind, count_scope, table_name;
  END IF;
  detail_builder := coalesce(detail_builder, item_builder);
  PERFORM hedgerow.check_builder(kind, 'item_builder', item_builder,
                                 ARRAY[(SELECT c.reltype FROM pg_class c WHERE c.oid = table_name)::regtype, 'data.profiles'::regtype], 'json');
  PERFORM hedgerow.check_builder(kind, 'detail_builder', detail_builder,
                                 ARRAY[(SELECT c.reltype FROM pg_class c WHERE c.oid = table_name)::regtype, 'data.profiles'::regtype], 'json');
  PERFORM hedgerow.check_builder(kind, 'page_builder', page_builder,
                                 ARRAY[(SELECT c.reltype FROM pg_class c WHERE c.oid = table_name)::regtype], 'text');
  INSERT INTO hedgerow.kinds VALUES (kind, plural, table_name, parent_kind, parent_column, default_visibility,
                                     list_order, feed, count_scope, item_builder, detail_builder, page_builder,
                                     item_schema, coalesce(detail_schema, item_schema), signup_call, share_path);
  vars := jsonb_build_object(
    'kind', kind, 'plural', plural, 'table', hedgerow.qualified(table_name),
    'relname', (SELECT c.relname FROM pg_class c WHERE c.oid = table_name),
    'order', quote_ident(list_order), 'item', hedgerow.qualified(item_builder),
    'detail', hedgerow.qualified(detail_builder), 'page', hedgerow.qualified(page_builder),
    'parent', CASE WHEN parent_column IS NULL THEN 'NULL::uuid' ELSE 't.' || quote_ident(parent_column) END,
    'parent_column', coalesce(quote_ident(parent_column), ''),
    'parent_table', coalesce(hedgerow.qualified(parent_table), ''),
    'parent_kind', coalesce(parent_kind, ''),
    'parent_plural', coalesce((SELECT k.plural FROM hedgerow.kinds k WHERE k.kind = register_kind.parent_kind), ''),
    'scope', coalesce(quote_ident(count_scope), ''),
    'old_scope', coalesce('OLD.' || quote_ident(count_scope), ''''''),
    'new_scope', coalesce('NEW.' || quote_ident(count_scope), ''''''),
    'scope_changed', CASE WHEN count_scope IS NULL THEN ''
                          ELSE format(' OR (NEW.listed AND OLD.%1$I IS DISTINCT FROM NEW.%1$I)', count_scope) END,
    'read_rule', hedgerow.read_rule(parent_column));
  PERFORM hedgerow.protect_kind(vars, parent_column IS NOT NULL, count_scope IS NOT NULL);
  PERFORM hedgerow.generate_kind_api(vars, feed, count_scope);
END
$$;

-- Row-level security, grants, indexes and triggers of a kind's table.
CREATE FUNCTION hedgerow.protect_kind(vars jsonb, is_child boolean, scoped boolean) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  PERFORM hedgerow.generate($sql$
    ALTER TABLE @table@ ENABLE ROW LEVEL SECURITY;
    ALTER TABLE @table@ FORCE ROW LEVEL SECURITY;
    GRANT SELECT ON @table@ TO hedgerow_anon, hedgerow_user, hedgerow_reader;
    GRANT INSERT, UPDATE, DELETE ON @table@ TO hedgerow_user;

    CREATE POLICY "Readable as its privacy allows" ON @table@
      FOR SELECT TO hedgerow_anon, hedgerow_user, hedgerow_reader
      USING (@read_rule@);
    CREATE POLICY "Created by its owner" ON @table@
      FOR INSERT TO hedgerow_user
      WITH CHECK (owner_id = (SELECT hedgerow.current_user_id()));
    CREATE POLICY "Changed by its owner" ON @table@
      FOR UPDATE TO hedgerow_user
      USING (owner_id = (SELECT hedgerow.current_user_id()))
      WITH CHECK (owner_id = (SELECT hedgerow.current_user_id()));
    CREATE POLICY "Deleted by its owner" ON @table@
      FOR DELETE TO hedgerow_user
      USING (owner_id = (SELECT hedgerow.current_user_id()));
    -- The owner role counts every row for the analysts' noisy aggregates and the checks.
    CREATE POLICY "The owner role reads every row for aggregates and checks" ON @table@
      FOR SELECT TO hedgerow_owner
      USING (true);

    CREATE INDEX IF NOT EXISTS @relname@_owner_recent ON @table@ (owner_id, @order@ DESC, id DESC);
    CREATE INDEX IF NOT EXISTS @relname@_listed_recent ON @table@ (@order@ DESC, id DESC) WHERE listed;

    -- Public counts, kept as rows are written (SECURITY DEFINER: no API role writes them).
    CREATE FUNCTION hedgerow.count_@kind@() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
    AS $fn$
    BEGIN
      IF TG_OP <> 'INSERT' AND OLD.listed THEN
        PERFORM hedgerow.add_public_count('@kind@', @old_scope@, -1);
      END IF;
      IF TG_OP <> 'DELETE' AND NEW.listed THEN
        PERFORM hedgerow.add_public_count('@kind@', @new_scope@, 1);
      END IF;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER count_public_inserted AFTER INSERT ON @table@
      FOR EACH ROW WHEN (NEW.listed) EXECUTE FUNCTION hedgerow.count_@kind@();
    CREATE TRIGGER count_public_deleted AFTER DELETE ON @table@
      FOR EACH ROW WHEN (OLD.listed) EXECUTE FUNCTION hedgerow.count_@kind@();
    CREATE TRIGGER count_public_updated AFTER UPDATE ON @table@
      FOR EACH ROW WHEN (OLD.listed IS DISTINCT FROM NEW.listed@scope_changed@)
      EXECUTE FUNCTION hedgerow.count_@kind@();

    -- A deleted resource's links, invitations and access log go with it.
    CREATE FUNCTION hedgerow.forget_@kind@() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
    AS $fn$
    BEGIN
      PERFORM hedgerow.forget_resources(ARRAY(SELECT id FROM gone));
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER forget_deleted AFTER DELETE ON @table@
      REFERENCING OLD TABLE AS gone
      FOR EACH STATEMENT EXECUTE FUNCTION hedgerow.forget_@kind@();
  $sql$, vars);
  IF scoped THEN
    PERFORM hedgerow.generate($sql$
      CREATE INDEX IF NOT EXISTS @relname@_listed_@scope_name@_recent ON @table@ (@scope@, @order@ DESC, id DESC) WHERE listed;
    $sql$, vars || jsonb_build_object('scope_name', replace(vars ->> 'scope', '"', '')));
  END IF;
  IF is_child THEN
    PERFORM hedgerow.generate($sql$
      CREATE INDEX IF NOT EXISTS @relname@_by_parent ON @table@ (@parent_column@, @order@ DESC, id DESC);
      -- A child's effective level: its own, else its parent's; its parent must be its owner's.
      CREATE FUNCTION hedgerow.inherit_@kind@() RETURNS trigger
      LANGUAGE plpgsql
      AS $fn$
      DECLARE
        parent_level data.visibility;
      BEGIN
        SELECT p.effective_visibility INTO parent_level FROM @parent_table@ p
         WHERE p.id = NEW.@parent_column@ AND p.owner_id = NEW.owner_id;
        IF NOT FOUND THEN
          PERFORM hedgerow.fail(404, 'NOT_FOUND', 'parent not found');
        END IF;
        NEW.effective_visibility := coalesce(NEW.visibility, parent_level);
        RETURN NEW;
      END
      $fn$;
      CREATE TRIGGER inherit BEFORE INSERT OR UPDATE OF visibility, @parent_column@ ON @table@
        FOR EACH ROW EXECUTE FUNCTION hedgerow.inherit_@kind@();
    $sql$, vars);
  END IF;
END
$$;

-- The statement that reads one keyset page of a kind's rows (`t` in @table@, where `filter`
-- holds, in list order and then id, newest first when `descending`) into `items` (the page
-- as JSON, in order), `fetched` (page_limit + 1 rows tell there is a next page) and
-- `next_cursor` (after the page's last row). The items are built in the ordered, limited
-- sub-select and aggregated in its order: a json_agg(... ORDER BY ...) would sort the built
-- JSON again (a third of a feed page's time), and a row passed out of the sub-select whole
-- would be copied once more.
CREATE FUNCTION hedgerow.page_statement(filter text, descending boolean) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
  SELECT format($sql$
        SELECT json_agg(o.body) FILTER (WHERE o.n <= page_limit), count(*),
               min(hedgerow.encode_cursor(ARRAY[hedgerow.cursor_time(o.at), o.id::text], page_offset + page_limit))
                 FILTER (WHERE o.n = page_limit)
          INTO items, fetched, next_cursor
          FROM (SELECT @item@(t, p) AS body, t.@order@ AS at, t.id,
                       row_number() OVER (ORDER BY t.@order@ %1$s, t.id %1$s) AS n
                  FROM @table@ t JOIN data.profiles p ON p.id = t.owner_id
                 WHERE %2$s AND (t.@order@, t.id) %3$s (after_at, after_id)
                 ORDER BY t.@order@ %1$s, t.id %1$s LIMIT page_limit + 1) o;$sql$,
    CASE WHEN descending THEN 'DESC' ELSE 'ASC' END, filter, CASE WHEN descending THEN '<' ELSE '>' END)
$$;

-- A kind's own endpoints: the access-logged read, the owner's list, the public feed, and the
-- analysts' sealed view — each one static SQL statement over the kind's table.
CREATE FUNCTION hedgerow.generate_kind_api(vars jsonb, feed boolean, count_scope name) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  k hedgerow.kinds := (SELECT k FROM hedgerow.kinds k WHERE k.kind = vars ->> 'kind');
  id_param jsonb := jsonb_build_object('id', hedgerow.uuid_schema());
BEGIN
  PERFORM hedgerow.generate(replace($sql$
    -- GET /api/@plural@/{id}: one @kind@, if the caller may see it; the read is logged.
    CREATE FUNCTION api.get_@kind@(args jsonb) RETURNS json
    LANGUAGE plpgsql VOLATILE
    AS $fn$
    DECLARE
      target uuid := (args ->> 'id')::uuid;
      body json;
      owner uuid;
      parent uuid;
      own data.visibility;
      listed boolean;
    BEGIN
      PERFORM hedgerow.address(target);
      SELECT hedgerow.ok(@detail@(t, p)), t.owner_id, @parent@, t.visibility, t.listed
        INTO body, owner, parent, own, listed
        FROM @table@ t JOIN data.profiles p ON p.id = t.owner_id
       WHERE t.id = target;
      IF body IS NULL THEN
        PERFORM hedgerow.fail(404, 'NOT_FOUND', '@kind@ not found');
      END IF;
      PERFORM hedgerow.log_read(target, owner, parent, own, listed);
      RETURN hedgerow.tagged(body);
    END
    $fn$;
    GRANT EXECUTE ON FUNCTION api.get_@kind@(jsonb) TO hedgerow_anon, hedgerow_user;

    -- GET /api/@plural@?limit=&cursor=: the caller's own, newest first.
    CREATE FUNCTION api.list_@plural@(args jsonb) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $fn$
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
      @own_page@
      RETURN hedgerow.page(items, (SELECT count(*) FROM @table@ t WHERE t.owner_id = me), page_limit,
                           page_offset, CASE WHEN fetched > page_limit THEN next_cursor END);
    END
    $fn$;
    GRANT EXECUTE ON FUNCTION api.list_@plural@(jsonb) TO hedgerow_anon, hedgerow_user;

    -- Analysts read @plural@ through this: it returns exactly the rows the read rule lets the
    -- analyst's identity see, and no condition of the analyst's query can run before it.
    CREATE FUNCTION sealed.@plural@() RETURNS SETOF @table@
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
    AS $fn$ SELECT t.* FROM @table@ t $fn$;
    ALTER FUNCTION sealed.@plural@() OWNER TO hedgerow_reader;
    GRANT EXECUTE ON FUNCTION sealed.@plural@() TO hedgerow_analyst;
    CREATE VIEW analytics.@plural@ AS SELECT * FROM sealed.@plural@();
    COMMENT ON VIEW analytics.@plural@ IS 'The @plural@ you may see: public ones, your mapped user''s own, and what is shared with them.';
    GRANT SELECT ON analytics.@plural@ TO hedgerow_analyst;
  $sql$, '@own_page@', hedgerow.page_statement('t.owner_id = me', descending => true)), vars);
  PERFORM hedgerow.route('GET', format('/api/%s/{id}', k.plural), format('api.get_%s(jsonb)', k.kind)::regprocedure,
                         format('One %s, if the caller may see it (logged)', k.kind),
                         params => id_param, response => k.detail_schema,
                         logs_access => true, share_token => true, etag => true);
  PERFORM hedgerow.route('GET', format('/api/%s', k.plural), format('api.list_%s(jsonb)', k.plural)::regprocedure,
                         format('The caller''s %s, newest first', k.plural), auth => 'user',
                         query => hedgerow.page_query(), response => jsonb_build_object('type', 'array', 'items', k.item_schema),
                         paged => true);
  IF feed THEN
    PERFORM hedgerow.generate_feed(vars, count_scope);
  END IF;
  IF k.parent_kind IS NOT NULL THEN
    PERFORM hedgerow.generate_child_list(vars);
  END IF;
END
$$;

-- GET /api/{parent plural}/{id}/{plural}?limit=&cursor=: a child kind's rows under one parent
-- that the caller may see, oldest first — the whole list, where the parent's single read
-- embeds only the first page.
CREATE FUNCTION hedgerow.generate_child_list(vars jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  k hedgerow.kinds := (SELECT k FROM hedgerow.kinds k WHERE k.kind = vars ->> 'kind');
BEGIN
  PERFORM hedgerow.generate(replace($sql$
    CREATE FUNCTION api.list_@plural@_of_@parent_kind@(args jsonb) RETURNS json
    LANGUAGE plpgsql VOLATILE
    AS $fn$
    DECLARE
      parent_id uuid := (args ->> 'id')::uuid;
      page_limit int := hedgerow.page_limit(args);
      start hedgerow.page_start := hedgerow.page_start(args, '{timestamptz,uuid}', '{-infinity,00000000-0000-0000-0000-000000000000}');
      after_at timestamptz := start.keys[1];
      after_id uuid := start.keys[2];
      page_offset bigint := start.page_offset;
      items json;
      fetched bigint;
      next_cursor text;
    BEGIN
      -- Addressed by id, as the parent's single read is: an unlisted parent and what inherits
      -- from it are visible to whoever has the id.
      PERFORM hedgerow.address(parent_id);
      IF NOT EXISTS (SELECT FROM @parent_table@ t WHERE t.id = parent_id) THEN
        PERFORM hedgerow.fail(404, 'NOT_FOUND', '@parent_kind@ not found');
      END IF;
      @child_page@
      RETURN hedgerow.page(items, (SELECT count(*) FROM @table@ t WHERE t.@parent_column@ = parent_id),
                           page_limit, page_offset, CASE WHEN fetched > page_limit THEN next_cursor END);
    END
    $fn$;
    GRANT EXECUTE ON FUNCTION api.list_@plural@_of_@parent_kind@(jsonb) TO hedgerow_anon, hedgerow_user;
  $sql$, '@child_page@', hedgerow.page_statement('t.@parent_column@ = parent_id', descending => false)), vars);
  PERFORM hedgerow.route('GET', format('/api/%s/{id}/%s', vars ->> 'parent_plural', k.plural),
                         format('api.list_%s_of_%s(jsonb)', k.plural, k.parent_kind)::regprocedure,
                         format('The %s of a %s that the caller may see, oldest first', k.plural, k.parent_kind),
                         params => jsonb_build_object('id', hedgerow.uuid_schema()), query => hedgerow.page_query(),
                         response => jsonb_build_object('type', 'array', 'items', k.item_schema),
                         paged => true, share_token => true);
END
$$;

-- GET /api/public/{plural}?limit=&cursor=[&<count_scope>=]: anyone's public ones, newest
-- first; the total is the kept public count. One static statement per index (with or
-- without the scope filter), so both plans are kept.
CREATE FUNCTION hedgerow.generate_feed(vars jsonb, count_scope name) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  k hedgerow.kinds := (SELECT k FROM hedgerow.kinds k WHERE k.kind = vars ->> 'kind');
  page_sql text := hedgerow.page_statement('t.listed @filter@', descending => true);
  pages text;
BEGIN
  pages := CASE WHEN count_scope IS NULL THEN replace(page_sql, '@filter@', '')
                ELSE format($sql$
      IF scope IS NULL THEN%s
      ELSE%s
      END IF;$sql$, replace(page_sql, '@filter@', ''), replace(page_sql, '@filter@', 'AND t.@scope@ = scope')) END;
  PERFORM hedgerow.generate(replace($sql$
    CREATE FUNCTION api.public_@plural@(args jsonb) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $fn$
    DECLARE
      scope text := @scope_arg@;
      page_limit int := hedgerow.page_limit(args);
      start hedgerow.page_start := hedgerow.page_start(args, '{timestamptz,uuid}', '{infinity,ffffffff-ffff-ffff-ffff-ffffffffffff}');
      after_at timestamptz := start.keys[1];
      after_id uuid := start.keys[2];
      page_offset bigint := start.page_offset;
      items json;
      fetched bigint;
      next_cursor text;
    BEGIN
      @pages@
      RETURN hedgerow.page(items, hedgerow.public_count('@kind@', coalesce(scope, '')), page_limit,
                           page_offset, CASE WHEN fetched > page_limit THEN next_cursor END);
    END
    $fn$;
    GRANT EXECUTE ON FUNCTION api.public_@plural@(jsonb) TO hedgerow_anon, hedgerow_user;
  $sql$, '@pages@', pages),
  vars || jsonb_build_object('scope_arg', coalesce(format('args ->> %L', count_scope), 'NULL')));
  PERFORM hedgerow.route('GET', format('/api/public/%s', k.plural), format('api.public_%s(jsonb)', k.plural)::regprocedure,
                         format('Public %s of every user, newest first', k.plural),
                         query => hedgerow.page_query()
                                  || CASE WHEN count_scope IS NULL THEN '{}'::jsonb
                                          ELSE jsonb_build_object(count_scope, jsonb_build_object('type', 'string', 'maxLength', 200)) END,
                         response => jsonb_build_object('type', 'array', 'items', k.item_schema), paged => true);
END
$$;
