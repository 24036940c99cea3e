-- =====================================================================
-- Shelves and books (seed 004): /api/shelves, /api/books, discovery, profile pages.
-- A book's privacy_override is its data.resources.visibility (NULL: inherit the shelf's);
-- effective_privacy is data.resources.effective_visibility.
-- =====================================================================

-- How many of a shelf's books are public — the only books a public count may include.
CREATE FUNCTION hedgerow.public_book_count(shelf uuid) RETURNS bigint
LANGUAGE sql STABLE
AS $$
  SELECT count(*) FROM data.resources b
   WHERE b.parent_id = shelf AND b.kind = 'book' AND b.listed
$$;
GRANT EXECUTE ON FUNCTION hedgerow.public_book_count(uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A shelf in lists (the seed's shape): {id, user_id, username, name, book_count,
-- privacy_level, updated_at}. book_count counts public books only.
CREATE FUNCTION hedgerow.shelf_summary(sh data.shelves, r data.resources, owner data.profiles) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT jsonb_build_object(
    'id', sh.id, 'kind', 'shelf', 'user_id', r.owner_id, 'username', owner.username, 'name', sh.name,
    'book_count', hedgerow.public_book_count(sh.id), 'privacy_level', r.visibility,
    'created_at', r.created_at, 'updated_at', r.updated_at)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.shelf_summary(data.shelves, data.resources, data.profiles) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A book as the API shows it.
CREATE FUNCTION hedgerow.book_json(b data.books, r data.resources) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT jsonb_build_object(
    'id', b.id, 'kind', 'book', 'shelf_id', b.shelf_id, 'isbn13', b.isbn13, 'title', b.title,
    'privacy_override', r.visibility, 'effective_privacy', r.effective_visibility,
    'created_at', r.created_at, 'updated_at', greatest(b.updated_at, r.updated_at))
$$;
GRANT EXECUTE ON FUNCTION hedgerow.book_json(data.books, data.resources) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A book by id, as the caller may see it.
CREATE FUNCTION hedgerow.book_json(book uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (SELECT hedgerow.book_json(b, r) FROM data.books b JOIN data.resources r ON r.id = b.id WHERE b.id = book);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.book_json(uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- The books of a shelf the caller may see, oldest first.
CREATE FUNCTION hedgerow.visible_books(shelf uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(hedgerow.book_json(b, r) ORDER BY r.created_at, b.id), '[]')
      FROM data.books b JOIN data.resources r ON r.id = b.id
     WHERE b.shelf_id = shelf);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.visible_books(uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A shelf with the books the caller may see on it.
CREATE FUNCTION hedgerow.shelf_json(shelf uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (SELECT hedgerow.shelf_summary(sh, r, p) || jsonb_build_object('books', hedgerow.visible_books(sh.id))
      FROM data.shelves sh JOIN data.resources r ON r.id = sh.id JOIN data.profiles p ON p.id = r.owner_id
     WHERE sh.id = shelf);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.shelf_json(uuid) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- Shared pages of a shelf (its visible books) and of a book; all user text escaped.
CREATE FUNCTION hedgerow.shelf_html(shelf uuid) RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT '<h1 id="title">' || hedgerow.html_escape(sh.name) || '</h1><ul id="books">'
      || coalesce((SELECT string_agg('<li>' || hedgerow.html_escape(coalesce(b.title, b.isbn13))
                                     || ' <small>ISBN ' || b.isbn13 || '</small></li>', '' ORDER BY r.created_at)
                     FROM data.books b JOIN data.resources r ON r.id = b.id WHERE b.shelf_id = sh.id), '')
      || '</ul>'
    FROM data.shelves sh WHERE sh.id = shelf
$$;
GRANT EXECUTE ON FUNCTION hedgerow.shelf_html(uuid) TO hedgerow_anon, hedgerow_user;

CREATE FUNCTION hedgerow.book_html(book uuid) RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT '<h1 id="title">' || hedgerow.html_escape(coalesce(b.title, b.isbn13)) || '</h1>'
      || '<p>ISBN <span id="isbn">' || b.isbn13 || '</span></p>'
    FROM data.books b WHERE b.id = book
$$;
GRANT EXECUTE ON FUNCTION hedgerow.book_html(uuid) TO hedgerow_anon, hedgerow_user;

-- The `isbn13` field: 13 digits (hyphens and spaces allowed) starting 978 or 979, with a valid
-- check digit; returned as digits only.
CREATE FUNCTION hedgerow.arg_isbn13(args jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  digits text := translate(hedgerow.arg_required_text(args, 'isbn13'), '- ', '');
BEGIN
  IF digits !~ '^97[89][0-9]{10}$'
     OR (SELECT sum(substr(digits, i, 1)::int * CASE WHEN i % 2 = 1 THEN 1 ELSE 3 END)
           FROM generate_series(1, 13) i) % 10 <> 0 THEN
    PERFORM hedgerow.fail(400, 'INVALID_ISBN', 'isbn13 must be a valid ISBN-13');
  END IF;
  RETURN digits;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.arg_isbn13(jsonb) TO hedgerow_user;

-- Escapes LIKE's wildcards so a search matches its text literally.
CREATE FUNCTION hedgerow.like_escape(search text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT replace(replace(replace(search, '\', '\\'), '%', '\%'), '_', '\_') $$;
GRANT EXECUTE ON FUNCTION hedgerow.like_escape(text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- A page of public shelves whose names contain `pattern` (an ILIKE pattern), most recently
-- updated first, and how many match: counted up to 1,000 so that a search matching most of a
-- million shelves costs little more than one matching a thousand. Beyond that, `capped` is true
-- and `matches` a lower bound: what the counted thousand and the page prove exist.
--
-- SECURITY DEFINER because ILIKE is not leakproof: under the callers' row-level security it
-- may only run after each row's policy, so the trigram index could not serve a search. It sees
-- public shelves only, whose names and times anyone may read anyway. Even so, PostgreSQL hides
-- column statistics from non-leakproof operators under row-level security, so the planner
-- cannot tell a rare word from a common one; the count tells, and picks the page's query.
CREATE FUNCTION hedgerow.public_shelves_named_like(pattern text, page_limit int, page_offset int,
                                                   OUT ids uuid[], OUT matches bigint, OUT capped boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  matches := (SELECT count(*) FROM (SELECT FROM data.shelves sh JOIN data.resources r ON r.id = sh.id
                                     WHERE sh.name ILIKE pattern AND r.kind = 'shelf' AND r.listed
                                     LIMIT 1001) counted);
  capped := matches > 1000;
  IF NOT capped THEN
    -- Few matches: take them all from the trigram index and sort them.
    ids := ARRAY(SELECT sh.id FROM data.shelves sh JOIN data.resources r ON r.id = sh.id
                  WHERE sh.name ILIKE pattern AND r.kind = 'shelf' AND r.listed
                  ORDER BY r.updated_at DESC, r.id DESC LIMIT page_limit OFFSET page_offset);
  ELSE
    -- Many: walk public shelves newest first and keep those that match; the name comes from a
    -- subquery so that the planner cannot choose the trigram index instead.
    ids := ARRAY(SELECT r.id FROM data.resources r
                  WHERE r.kind = 'shelf' AND r.listed
                    AND (SELECT sh.name FROM data.shelves sh WHERE sh.id = r.id) ILIKE pattern
                  ORDER BY r.updated_at DESC, r.id DESC LIMIT page_limit OFFSET page_offset);
    matches := greatest(1000, page_offset + cardinality(ids));
  END IF;
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.public_shelves_named_like(text, int, int) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- One page of shelves, most recently updated first: of `owner` (public ones only when
-- `public_only`), or — without an owner — public shelves, whose names contain `search`
-- (case-insensitive) when given.
CREATE FUNCTION hedgerow.shelf_page(owner uuid, public_only boolean, search text, args jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  page_limit int := hedgerow.page_limit(args);
  page_offset int := hedgerow.page_offset(args);
  ids uuid[];
  total bigint;
  capped boolean := false;
  items jsonb;
BEGIN
  -- Static queries, one per shape, so that plpgsql keeps their plans. Discovery's totals are
  -- public counts: kept as shelves are written, or counted by the search (a lower bound for
  -- searches matching over a thousand). A profile's shelves are few. The search's page has
  -- one row more than the page when there are more, which makes its lower bound exceed it.
  IF owner IS NOT NULL THEN
    ids := ARRAY(SELECT r.id FROM data.resources r
                  WHERE r.owner_id = owner AND r.kind = 'shelf' AND (r.listed OR NOT public_only)
                  ORDER BY r.updated_at DESC, r.id DESC LIMIT page_limit OFFSET page_offset);
    total := (SELECT count(*) FROM data.resources r
               WHERE r.owner_id = owner AND r.kind = 'shelf' AND (r.listed OR NOT public_only));
  ELSIF search IS NULL THEN
    ids := ARRAY(SELECT r.id FROM data.resources r WHERE r.kind = 'shelf' AND r.listed
                  ORDER BY r.updated_at DESC, r.id DESC LIMIT page_limit OFFSET page_offset);
    total := hedgerow.public_count('shelf');
  ELSE
    SELECT m.ids, m.matches, m.capped INTO ids, total, capped
      FROM hedgerow.public_shelves_named_like('%' || hedgerow.like_escape(search) || '%',
                                              page_limit + 1, page_offset) m;
  END IF;
  -- The summaries are read under the caller's own policies like any other read.
  SELECT coalesce(jsonb_agg(hedgerow.shelf_summary(sh, r, p) ORDER BY page.n), '[]') INTO items
    FROM unnest(ids[1:page_limit]) WITH ORDINALITY AS page(id, n)
    JOIN data.shelves sh ON sh.id = page.id JOIN data.resources r ON r.id = page.id
    JOIN data.profiles p ON p.id = r.owner_id;
  RETURN hedgerow.page(items, total, page_limit, page_offset, total_capped => capped);
END
$$;
GRANT EXECUTE ON FUNCTION hedgerow.shelf_page(uuid, boolean, text, jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- POST /api/shelves {name, privacy_level?}: public unless asked otherwise or the owner's
-- default_shelf_visibility says so.
CREATE FUNCTION api.create_shelf(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  me uuid := hedgerow.require_user();
  name text := hedgerow.check_length(hedgerow.arg_required_text(args, 'name'), 'name', 1, 100);
  level data.visibility := hedgerow.arg_visibility(args, 'privacy_level');
  new_id uuid;
BEGIN
  new_id := hedgerow.create_resource('shelf', level,
    (SELECT st.default_shelf_visibility FROM data.settings st WHERE st.user_id = me));
  INSERT INTO data.shelves (id, name) VALUES (new_id, name);
  RETURN hedgerow.ok(hedgerow.shelf_json(new_id));
END
$$;
GRANT EXECUTE ON FUNCTION api.create_shelf(jsonb) TO hedgerow_anon, hedgerow_user;

-- GET /api/shelves?limit=&offset=: the caller's own shelves.
CREATE FUNCTION api.list_shelves(args jsonb) RETURNS jsonb
LANGUAGE sql STABLE
AS $$ SELECT hedgerow.shelf_page(hedgerow.require_user(), false, NULL, args) $$;
GRANT EXECUTE ON FUNCTION api.list_shelves(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- GET /api/shelves/public?limit=&offset=&search=: discovery of public shelves.
CREATE FUNCTION api.discover_shelves(args jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  search text := nullif(hedgerow.arg_text(args, 'search'), '');
BEGIN
  IF char_length(search) > 100 THEN
    PERFORM hedgerow.fail(400, 'INVALID_PARAMETER', 'search must be at most 100 characters');
  END IF;
  RETURN hedgerow.shelf_page(NULL, true, search, args);
END
$$;
GRANT EXECUTE ON FUNCTION api.discover_shelves(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- GET /api/users/{username}/shelves: that user's public shelves; all of them for the user.
CREATE FUNCTION api.user_shelves(args jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  owner uuid := (SELECT p.id FROM data.profiles p WHERE p.username = hedgerow.arg_required_text(args, 'username'));
BEGIN
  IF owner IS NULL THEN
    PERFORM hedgerow.fail(404, 'USER_NOT_FOUND', 'no such user');
  END IF;
  RETURN hedgerow.shelf_page(owner, owner IS DISTINCT FROM hedgerow.current_user_id(), NULL, args);
END
$$;
GRANT EXECUTE ON FUNCTION api.user_shelves(jsonb) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;

-- GET /api/shelves/{id}: a shelf and the books the caller may see; the read is logged.
CREATE FUNCTION api.get_shelf(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.ok(hedgerow.shelf_json((hedgerow.read_resource('shelf', args)).id)) $$;
GRANT EXECUTE ON FUNCTION api.get_shelf(jsonb) TO hedgerow_anon, hedgerow_user;

-- PATCH /api/shelves/{id} {privacy_level?, name?}: owner only; answers the seed's
-- {id, user_id, name, privacy_level, updated_at} (and more).
CREATE FUNCTION api.update_shelf(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.owned_resource('shelf', hedgerow.arg_uuid(args, 'id'));
  new_name text := hedgerow.check_length(hedgerow.arg_text(args, 'name'), 'name', 1, 100);
  level data.visibility := hedgerow.arg_visibility(args, 'privacy_level');
BEGIN
  IF level IS NULL AND new_name IS NULL THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'send privacy_level (public, unlisted or private) or name');
  END IF;
  UPDATE data.shelves SET name = coalesce(new_name, name) WHERE id = r.id;
  UPDATE data.resources SET visibility = coalesce(level, visibility) WHERE id = r.id;
  RETURN hedgerow.ok((SELECT hedgerow.shelf_summary(sh, res, p)
                        FROM data.shelves sh JOIN data.resources res ON res.id = sh.id
                        JOIN data.profiles p ON p.id = res.owner_id WHERE sh.id = r.id));
END
$$;
GRANT EXECUTE ON FUNCTION api.update_shelf(jsonb) TO hedgerow_anon, hedgerow_user;

-- DELETE /api/shelves/{id}: owner only; its books, links, grants and log go with it.
CREATE FUNCTION api.delete_shelf(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.delete_resource('shelf', args) $$;
GRANT EXECUTE ON FUNCTION api.delete_shelf(jsonb) TO hedgerow_anon, hedgerow_user;

-- POST /api/shelves/{id}/books {isbn13, title?, privacy_override?}: owner of the shelf only.
-- Without privacy_override the owner's default_book_override applies (NULL: inherit).
CREATE FUNCTION api.add_book(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  shelf data.resources := hedgerow.owned_resource('shelf', hedgerow.arg_uuid(args, 'id'));
  isbn13 text := hedgerow.arg_isbn13(args);
  title text := hedgerow.check_length(hedgerow.arg_text(args, 'title'), 'title', 0, 300);
  level data.visibility := CASE WHEN args ? 'privacy_override' THEN hedgerow.arg_visibility(args, 'privacy_override')
                                ELSE (SELECT st.default_book_override FROM data.settings st WHERE st.user_id = shelf.owner_id) END;
  new_id uuid;
BEGIN
  new_id := hedgerow.create_resource('book', level, NULL, shelf.id);
  INSERT INTO data.books (id, shelf_id, isbn13, title) VALUES (new_id, shelf.id, isbn13, title);
  RETURN hedgerow.ok(hedgerow.book_json(new_id));
END
$$;
GRANT EXECUTE ON FUNCTION api.add_book(jsonb) TO hedgerow_anon, hedgerow_user;

-- GET /api/books/{id}: one book, if the caller may see it; the read is logged.
CREATE FUNCTION api.get_book(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.ok(hedgerow.book_json((hedgerow.read_resource('book', args)).id)) $$;
GRANT EXECUTE ON FUNCTION api.get_book(jsonb) TO hedgerow_anon, hedgerow_user;

-- PATCH /api/books/{id} {privacy_override?: level | null, title?}: owner only; answers
-- {id, isbn13, privacy_override, effective_privacy, updated_at} (and more).
CREATE FUNCTION api.update_book(args jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r data.resources := hedgerow.owned_resource('book', hedgerow.arg_uuid(args, 'id'));
  level data.visibility := hedgerow.arg_visibility(args, 'privacy_override');
  new_title text := hedgerow.check_length(hedgerow.arg_text(args, 'title'), 'title', 0, 300);
BEGIN
  IF NOT (args ? 'privacy_override' OR args ? 'title') THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'send privacy_override (public, unlisted, private or null) or title');
  END IF;
  IF args ? 'privacy_override' THEN
    UPDATE data.resources SET visibility = level WHERE id = r.id;
  END IF;
  IF args ? 'title' THEN
    UPDATE data.books SET title = new_title, updated_at = now() WHERE id = r.id;
  END IF;
  RETURN hedgerow.ok(hedgerow.book_json(r.id));
END
$$;
GRANT EXECUTE ON FUNCTION api.update_book(jsonb) TO hedgerow_anon, hedgerow_user;

-- DELETE /api/books/{id}: owner only.
CREATE FUNCTION api.delete_book(args jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT hedgerow.delete_resource('book', args) $$;
GRANT EXECUTE ON FUNCTION api.delete_book(jsonb) TO hedgerow_anon, hedgerow_user;
