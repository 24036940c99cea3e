-- =====================================================================
-- The shelf kind (seed 004): bookshelves, public unless asked otherwise; discovered at
-- /api/shelves/public (search, offset and cursor paging) and on profile pages. Books are a
-- child kind (21_books.sql). Its table, data.shelves, predates kind files (V3, V7).
-- =====================================================================

-- How many public books a shelf has (over books_listed_by_parent, the index alone). A
-- function, not a sub-select in shelf_json: a SQL function with a sub-select is never inlined
-- into its caller, and runs as a statement of its own for every shelf of a list.
CREATE FUNCTION hedgerow.public_book_count(shelf uuid) RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (SELECT count(*) FROM data.books b WHERE b.shelf_id = shelf AND b.listed);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.public_book_count(uuid) TO hedgerow_anon, hedgerow_user;

-- A shelf in lists (the seed's shape): {id, user_id, username, name, book_count,
-- privacy_level, updated_at}, with `visibility` beside its alias. book_count is the shelf's
-- count of public books: shelf_page counts a whole page's in its own statement (a count per
-- shelf through public_book_count starts an executor of its own, 0.36 of discovery's 2.2 ms).
CREATE FUNCTION hedgerow.shelf_json(sh data.shelves, owner data.profiles, book_count bigint) RETURNS json
LANGUAGE sql STABLE
AS $$
  SELECT json_build_object(
    'id', sh.id, 'kind', 'shelf', 'user_id', sh.owner_id, 'username', owner.username, 'name', sh.name,
    'book_count', book_count,
    'visibility', sh.visibility, 'privacy_level', sh.visibility,
    'owner', json_build_object('username', owner.username, 'display_name', owner.display_name),
    'created_at', sh.created_at, 'updated_at', sh.updated_at)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.shelf_json(data.shelves, data.profiles, bigint) TO hedgerow_anon, hedgerow_user;

-- The same for one shelf (the kind's item builder, for lists of several kinds).
CREATE FUNCTION hedgerow.shelf_json(sh data.shelves, owner data.profiles) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT hedgerow.shelf_json(sh, owner, hedgerow.public_book_count(sh.id)) $$;
GRANT EXECUTE ON FUNCTION hedgerow.shelf_json(data.shelves, data.profiles) TO hedgerow_anon, hedgerow_user;

-- A shelf with the first 100 books the caller may see on it, oldest first; books_truncated
-- says there are more (GET /api/shelves/{id}/books pages through all). (plpgsql: the book
-- kind's builder is registered after its parent.)
CREATE FUNCTION hedgerow.shelf_detail(sh data.shelves, owner data.profiles) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  embedded constant int := 100;
  books jsonb := (SELECT coalesce(jsonb_agg(hedgerow.book_json(first.b, owner) ORDER BY first.n), '[]')
                    FROM (SELECT b, row_number() OVER (ORDER BY b.created_at, b.id) AS n
                            FROM data.books b WHERE b.shelf_id = sh.id
                           ORDER BY b.created_at, b.id LIMIT embedded + 1) first);
BEGIN
  RETURN (hedgerow.shelf_json(sh, owner)::jsonb
          || jsonb_build_object('books', books - embedded, 'books_truncated', jsonb_array_length(books) > embedded))::json;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.shelf_detail(data.shelves, data.profiles) TO hedgerow_anon, hedgerow_user;

CREATE FUNCTION hedgerow.shelf_fields_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT jsonb_build_object(
    'id', '{"type": "string", "format": "uuid"}'::jsonb, 'kind', '{"const": "shelf"}'::jsonb,
    'user_id', '{"type": "string", "format": "uuid"}'::jsonb, 'username', '{"type": "string"}'::jsonb,
    'name', '{"type": "string"}'::jsonb, 'book_count', '{"type": "integer"}'::jsonb,
    'visibility', hedgerow.visibility_schema() - 'x-error-code',
    'privacy_level', hedgerow.visibility_schema() - 'x-error-code', 'owner', hedgerow.person_schema(),
    'created_at', hedgerow.time_schema(), 'updated_at', hedgerow.time_schema())
$$;

CREATE FUNCTION hedgerow.shelf_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT hedgerow.object_schema(hedgerow.shelf_fields_schema(),
    '{id, kind, user_id, username, name, book_count, visibility, privacy_level, owner, created_at, updated_at}')
$$;

-- Shared page of a shelf: its name and the books the link holder may see; all user text
-- escaped. (plpgsql keeps the plan of its sub-select.)
CREATE FUNCTION hedgerow.shelf_html(sh data.shelves) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN '<h1 id="title">' || hedgerow.html_escape(sh.name) || '</h1><ul id="books">'
      || coalesce((SELECT string_agg('<li>' || hedgerow.html_escape(coalesce(b.title, b.isbn13))
                                     || ' <small>ISBN ' || b.isbn13 || '</small></li>', '' ORDER BY b.created_at, b.id)
                     FROM data.books b WHERE b.shelf_id = sh.id), '')
      || '</ul>';
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.shelf_html(data.shelves) TO hedgerow_anon, hedgerow_user;

SELECT hedgerow.register_kind(
  kind => 'shelf', plural => 'shelves', table_name => 'data.shelves',
  item_builder => 'hedgerow.shelf_json(data.shelves, data.profiles)',
  detail_builder => 'hedgerow.shelf_detail(data.shelves, data.profiles)',
  page_builder => 'hedgerow.shelf_html(data.shelves)',
  item_schema => hedgerow.shelf_schema(),
  detail_schema => hedgerow.object_schema(hedgerow.shelf_fields_schema()
                                          || '{"books": {"type": "array", "items": {"type": "object"}, "maxItems": 100},
                                               "books_truncated": {"type": "boolean"}}',
    '{id, kind, user_id, username, name, book_count, visibility, privacy_level, owner, created_at, updated_at, books, books_truncated}'),
  list_order => 'updated_at', default_visibility => 'public',
  signup_call => 'Sign up to build your own shelves');

-- POST /api/shelves {name, privacy_level? (or visibility?)}: public unless asked otherwise or
-- the owner's default for shelves says so.
CREATE FUNCTION api.create_shelf(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  owner data.profiles := hedgerow.own_profile_row();
  created data.shelves;
BEGIN
  INSERT INTO data.shelves (owner_id, visibility, name)
  VALUES (owner.id, hedgerow.initial_visibility('shelf', args), args ->> 'name')
  RETURNING * INTO created;
  RETURN hedgerow.created('/api/shelves/' || created.id, hedgerow.shelf_detail(created, owner));
END
$$;
GRANT EXECUTE ON FUNCTION api.create_shelf(jsonb) TO hedgerow_anon, hedgerow_user;

-- PATCH /api/shelves/{id} {name?, privacy_level? (or visibility?)}: owner only; answers the
-- seed's {id, user_id, name, privacy_level, updated_at} (and more).
CREATE FUNCTION api.update_shelf(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r hedgerow.resource := hedgerow.owned('shelf', args);
  asked record := hedgerow.requested_visibility(args);
BEGIN
  IF NOT asked.named AND NOT args ? 'name' THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'send privacy_level (public, unlisted or private) or name');
  END IF;
  UPDATE data.shelves sh
     SET name = coalesce(args ->> 'name', sh.name),
         visibility = CASE WHEN asked.named THEN asked.level ELSE sh.visibility END,
         updated_at = now()
   WHERE sh.id = r.id;
  RETURN hedgerow.answer('shelf', r.id);
END
$$;
GRANT EXECUTE ON FUNCTION api.update_shelf(jsonb) TO hedgerow_anon, hedgerow_user;

-- Escapes LIKE's wildcards so a search matches its text literally.
CREATE FUNCTION hedgerow.like_escape(search text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT replace(replace(replace(search, '\', '\\'), '%', '\%'), '_', '\_') $$;
GRANT EXECUTE ON FUNCTION hedgerow.like_escape(text) TO hedgerow_anon, hedgerow_user;

-- Public shelves whose names contain `pattern` (an ILIKE pattern), most recently updated
-- first after (after_at, after_id), and how many match: counted up to 1,000 so that a search
-- matching most of a million shelves costs little more than one matching a thousand. Beyond
-- that, `capped` is true and `matches` a lower bound.
--
-- SECURITY DEFINER because ILIKE is not leakproof: under the callers' row-level security it
-- may only run after each row's policy, so the trigram index could not serve a search. It sees
-- public shelves only, whose names and times anyone may read anyway.
--
-- PostgreSQL hides column statistics from non-leakproof operators under row-level security
-- (FORCE binds this function's owner too), so the planner cannot tell a rare word from a
-- common one and would always count through the trigram index: for a word in a quarter of all
-- names, 3 ms at 100k shelves and 25 ms at a million, reading every match. A sample of 200
-- public shelves tells instead: a word found in one of ten or more is counted by reading
-- shelves until 1,001 have matched (a few thousand rows, about 1 ms at any size), a rarer one
-- through the index, whose lists are then short. Where shelves are read in turn, the test is
-- lower(name) LIKE the folded pattern: that is what ILIKE does, except that ILIKE folds the
-- pattern again for every row (a common word's count: 0.9 ms against 1.2). The count then
-- picks the page's query, which is planned for each call's cursor (force_custom_plan;
-- requests otherwise run on generic plans): a generic plan of the walk below sorts every
-- public shelf instead of reading the index from where the page starts.
CREATE FUNCTION hedgerow.public_shelves_named_like(pattern text, after_at timestamptz, after_id uuid,
                                                   page_limit int, page_offset int,
                                                   OUT ids uuid[], OUT matches bigint, OUT capped boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
  shelf record;
  skipped int := 0;
  folded constant text := lower(pattern);
  common boolean := (SELECT count(*) >= 20 FROM (SELECT sh.name FROM data.shelves sh WHERE sh.listed LIMIT 200) sample
                      WHERE lower(sample.name) LIKE folded);
BEGIN
  IF common THEN
    -- (lower(name) is not the trigram index's expression: the count reads shelves in turn.)
    matches := (SELECT count(*) FROM (SELECT FROM data.shelves sh WHERE sh.listed AND lower(sh.name) LIKE folded
                                       LIMIT 1001) counted);
  ELSE
    matches := (SELECT count(*) FROM (SELECT FROM data.shelves sh WHERE sh.name ILIKE pattern AND sh.listed
                                       LIMIT 1001) counted);
  END IF;
  capped := matches > 1000;
  IF NOT capped THEN
    -- Few matches: take them all from the trigram index and sort them. (OFFSET 0 keeps the
    -- order and the limit out of the sub-select. With them inside, the planner, which cannot
    -- see how rare the word is, walked the recency index hoping to meet 21 matches early, and
    -- for a word that matches nothing read every public shelf: 61 ms at 70,000 of them.)
    ids := ARRAY(SELECT m.id FROM (SELECT sh.id, sh.updated_at FROM data.shelves sh
                                    WHERE sh.name ILIKE pattern AND sh.listed
                                      AND (sh.updated_at, sh.id) < (after_at, after_id)
                                   OFFSET 0) m
                  ORDER BY m.updated_at DESC, m.id DESC LIMIT page_limit OFFSET page_offset);
    RETURN;
  END IF;
  -- Many: walk public shelves newest first (a loop's query is planned to start fast: down the
  -- index, whatever the pattern's estimate) and keep those that match.
  ids := '{}';
  FOR shelf IN SELECT sh.id, sh.name FROM data.shelves sh
                WHERE sh.listed AND (sh.updated_at, sh.id) < (after_at, after_id)
                ORDER BY sh.updated_at DESC, sh.id DESC LOOP
    CONTINUE WHEN lower(shelf.name) NOT LIKE folded;
    IF skipped < page_offset THEN
      skipped := skipped + 1;
      CONTINUE;
    END IF;
    ids := ids || shelf.id;
    EXIT WHEN cardinality(ids) = page_limit;
  END LOOP;
  matches := greatest(1000, page_offset + cardinality(ids));
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.public_shelves_named_like(text, timestamptz, uuid, int, int) TO hedgerow_anon, hedgerow_user;

-- One page of shelves, most recently updated first: of `owner` (public ones only when
-- `public_only`), or — without an owner — public shelves, whose names contain `search`
-- (case-insensitive) when given. Pages by `cursor`, or by `offset` (discovery).
CREATE FUNCTION hedgerow.shelf_page(owner uuid, public_only boolean, search text, args jsonb) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  page_limit int := hedgerow.page_limit(args);
  start hedgerow.page_start := hedgerow.page_start(args, '{timestamptz,uuid}', '{infinity,ffffffff-ffff-ffff-ffff-ffffffffffff}');
  after_at timestamptz := start.keys[1];
  after_id uuid := start.keys[2];
  -- A cursor starts after a row; an offset (discovery's seed pages so) skips rows.
  skip int := coalesce((args ->> 'offset')::int, 0);
  page_offset bigint := start.page_offset + skip;
  ids uuid[];
  total bigint;
  capped boolean := false;
  items json;
  last_at timestamptz;
  last_id uuid;
BEGIN
  IF args ? 'cursor' AND args ? 'offset' THEN
    PERFORM hedgerow.fail(400, 'INVALID_PARAMETER', 'send cursor or offset, not both');
  END IF;
  -- Static queries, one per shape, so that plpgsql keeps their plans. One row more than the
  -- page tells whether there is a next one.
  IF owner IS NOT NULL THEN
    ids := ARRAY(SELECT sh.id FROM data.shelves sh
                  WHERE sh.owner_id = owner AND (sh.listed OR NOT public_only)
                    AND (sh.updated_at, sh.id) < (after_at, after_id)
                  ORDER BY sh.updated_at DESC, sh.id DESC LIMIT page_limit + 1 OFFSET skip);
    total := (SELECT count(*) FROM data.shelves sh WHERE sh.owner_id = owner AND (sh.listed OR NOT public_only));
  ELSIF search IS NULL THEN
    ids := ARRAY(SELECT sh.id FROM data.shelves sh WHERE sh.listed AND (sh.updated_at, sh.id) < (after_at, after_id)
                  ORDER BY sh.updated_at DESC, sh.id DESC LIMIT page_limit + 1 OFFSET skip);
    total := hedgerow.public_count('shelf');
  ELSE
    SELECT m.ids, m.matches, m.capped INTO ids, total, capped
      FROM hedgerow.public_shelves_named_like('%' || hedgerow.like_escape(search) || '%', after_at, after_id,
                                              page_limit + 1, skip) m;
    IF capped THEN
      total := greatest(total, page_offset + cardinality(ids));
    END IF;
  END IF;
  -- The summaries are read under the caller's own policies like any other read.
  SELECT json_agg(hedgerow.shelf_json(sh, p, books.n) ORDER BY page.n), max(sh.updated_at) FILTER (WHERE page.n = page_limit),
         max(sh.id::text) FILTER (WHERE page.n = page_limit)
    INTO items, last_at, last_id
    FROM unnest(ids[1:page_limit]) WITH ORDINALITY AS page(id, n)
    JOIN data.shelves sh ON sh.id = page.id JOIN data.profiles p ON p.id = sh.owner_id
    CROSS JOIN LATERAL (SELECT count(*) AS n FROM data.books b WHERE b.shelf_id = sh.id AND b.listed) books;
  RETURN hedgerow.page(items, total, page_limit, page_offset,
                       CASE WHEN cardinality(ids) > page_limit
                            THEN hedgerow.encode_cursor(ARRAY[hedgerow.cursor_time(last_at), last_id::text],
                                                        page_offset + page_limit) END,
                       capped);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.shelf_page(uuid, boolean, text, jsonb) TO hedgerow_anon, hedgerow_user;

-- GET /api/shelves/public?limit=&offset=&cursor=&search=: discovery of public shelves.
CREATE FUNCTION api.discover_shelves(args jsonb) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT hedgerow.shelf_page(NULL, true, nullif(args ->> 'search', ''), args) $$;
GRANT EXECUTE ON FUNCTION api.discover_shelves(jsonb) TO hedgerow_anon, hedgerow_user;

-- GET /api/users/{username}/shelves: that user's public shelves; all of them for the user.
CREATE FUNCTION api.user_shelves(args jsonb) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  owner uuid := (SELECT p.id FROM data.profiles p WHERE p.username = args ->> 'username');
BEGIN
  IF owner IS NULL THEN
    PERFORM hedgerow.fail(404, 'USER_NOT_FOUND', 'no such user');
  END IF;
  RETURN hedgerow.shelf_page(owner, owner IS DISTINCT FROM hedgerow.current_user_id(), NULL, args);
END
$$;
GRANT EXECUTE ON FUNCTION api.user_shelves(jsonb) TO hedgerow_anon, hedgerow_user;

SELECT hedgerow.route('POST', '/api/shelves', 'api.create_shelf(jsonb)',
  'Create a shelf (public unless asked or defaulted otherwise)', status => 201, auth => 'user',
  body => hedgerow.object_schema(jsonb_build_object('name', '{"type": "string", "minLength": 1, "maxLength": 100}'::jsonb)
                                 || hedgerow.visibility_fields(), '{name}'),
  response => (SELECT k.detail_schema FROM hedgerow.kinds k WHERE k.kind = 'shelf'));
SELECT hedgerow.route('PATCH', '/api/shelves/{id}', 'api.update_shelf(jsonb)',
  'Rename a shelf or set its privacy_level (owner only)', auth => 'user', etag => true,
  params => jsonb_build_object('id', hedgerow.uuid_schema()),
  body => hedgerow.with_rule(
            hedgerow.object_schema(jsonb_build_object('name', '{"type": "string", "minLength": 1, "maxLength": 100}'::jsonb)
                                   || hedgerow.visibility_fields()),
            '{"minProperties": 1}', 'send privacy_level (public, unlisted or private) or name'),
  response => (SELECT k.detail_schema FROM hedgerow.kinds k WHERE k.kind = 'shelf'));
SELECT hedgerow.route('GET', '/api/shelves/public', 'api.discover_shelves(jsonb)',
  'Discover public shelves, most recently updated first (search by name; offset or cursor paging)',
  query => hedgerow.page_query() || '{"offset": {"type": "integer", "minimum": 0, "maximum": 1000000000, "x-error-code": "INVALID_PARAMETER"},
                                      "search": {"type": "string", "maxLength": 100, "x-error-code": "INVALID_PARAMETER"}}',
  paged => true, response => jsonb_build_object('type', 'array', 'items', hedgerow.shelf_schema()));
SELECT hedgerow.route('GET', '/api/users/{username}/shelves', 'api.user_shelves(jsonb)',
  'A user''s public shelves (all of them, for the user)', params => '{"username": {"type": "string", "maxLength": 64}}',
  query => hedgerow.page_query(), paged => true,
  response => jsonb_build_object('type', 'array', 'items', hedgerow.shelf_schema()));

-- For analysts: public shelves per user, with the public books on them.
SELECT hedgerow.seal('public_shelves_per_user', 'TABLE (username text, public_shelves bigint, public_books bigint)',
  'SELECT p.username, count(*), sum((SELECT count(*) FROM data.books b WHERE b.shelf_id = sh.id AND b.listed))::bigint
     FROM data.shelves sh JOIN data.profiles p ON p.id = sh.owner_id
    WHERE sh.listed GROUP BY p.username',
  'Per user: their public shelves, and the public books on them (books count only when their effective privacy is public).');
