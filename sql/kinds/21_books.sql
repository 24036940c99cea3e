-- =====================================================================
-- The book kind (seed 004): books on a shelf, a child kind. A book inherits its shelf's level
-- unless overridden (privacy_override; null: inherit), and its shelf's invitations and links
-- reach it unless it is overridden to private. Its table, data.books, predates kind files.
-- =====================================================================

-- A book as the API shows it: the seed's {id, isbn13, privacy_override, effective_privacy,
-- updated_at}, with `visibility` (its own level, null: inherit) beside them.
CREATE FUNCTION hedgerow.book_json(b data.books, owner data.profiles) RETURNS json
LANGUAGE sql STABLE
AS $$
  SELECT json_build_object(
    'id', b.id, 'kind', 'book', 'shelf_id', b.shelf_id, 'isbn13', b.isbn13, 'title', b.title,
    'visibility', b.visibility, 'privacy_override', b.visibility, 'effective_privacy', b.effective_visibility,
    'owner', json_build_object('username', owner.username, 'display_name', owner.display_name),
    'created_at', b.created_at, 'updated_at', b.updated_at)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.book_json(data.books, data.profiles) TO hedgerow_anon, hedgerow_user;

CREATE FUNCTION hedgerow.book_schema() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
  SELECT hedgerow.object_schema(jsonb_build_object(
    'id', '{"type": "string", "format": "uuid"}'::jsonb, 'kind', '{"const": "book"}'::jsonb,
    'shelf_id', '{"type": "string", "format": "uuid"}'::jsonb, 'isbn13', '{"type": "string"}'::jsonb,
    'title', '{"type": ["string", "null"]}'::jsonb,
    'visibility', hedgerow.visibility_schema(true) - 'x-error-code',
    'privacy_override', hedgerow.visibility_schema(true) - 'x-error-code',
    'effective_privacy', hedgerow.visibility_schema() - 'x-error-code', 'owner', hedgerow.person_schema(),
    'created_at', hedgerow.time_schema(), 'updated_at', hedgerow.time_schema()),
    '{id, kind, shelf_id, isbn13, title, visibility, privacy_override, effective_privacy, owner, created_at, updated_at}')
$$;

-- A book's shared page.
CREATE FUNCTION hedgerow.book_html(b data.books) RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT '<h1 id="title">' || hedgerow.html_escape(coalesce(b.title, b.isbn13)) || '</h1>'
      || '<p>ISBN <span id="isbn">' || b.isbn13 || '</span></p>'
$$;
GRANT EXECUTE ON FUNCTION hedgerow.book_html(data.books) TO hedgerow_anon, hedgerow_user;

SELECT hedgerow.register_kind(
  kind => 'book', plural => 'books', table_name => 'data.books',
  item_builder => 'hedgerow.book_json(data.books, data.profiles)',
  page_builder => 'hedgerow.book_html(data.books)',
  item_schema => hedgerow.book_schema(),
  parent_kind => 'shelf', parent_column => 'shelf_id',
  list_order => 'created_at', default_visibility => NULL,
  signup_call => 'Sign up to build your own shelves');

-- The `isbn13` field: 13 digits (hyphens and spaces allowed) starting 978 or 979, with a
-- valid check digit; returned as digits only.
CREATE FUNCTION hedgerow.arg_isbn13(args jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  digits text := translate(args ->> 'isbn13', '- ', '');
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

-- POST /api/shelves/{id}/books {isbn13, title?, privacy_override? (or visibility?)}: the
-- shelf's owner only. Without a level the owner's default for books applies (null: inherit).
CREATE FUNCTION api.add_book(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  shelf hedgerow.resource := hedgerow.owned('shelf', args);
  owner data.profiles := hedgerow.own_profile_row();
  created data.books;
BEGIN
  INSERT INTO data.books (owner_id, shelf_id, visibility, isbn13, title)
  VALUES (owner.id, shelf.id, hedgerow.initial_visibility('book', args), hedgerow.arg_isbn13(args), args ->> 'title')
  RETURNING * INTO created;
  RETURN hedgerow.created('/api/books/' || created.id, hedgerow.book_json(created, owner));
END
$$;
GRANT EXECUTE ON FUNCTION api.add_book(jsonb) TO hedgerow_anon, hedgerow_user;

-- PATCH /api/books/{id} {privacy_override?: level | null (or visibility?), title?}: owner only.
CREATE FUNCTION api.update_book(args jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  r hedgerow.resource := hedgerow.owned('book', args);
  asked record := hedgerow.requested_visibility(args);
BEGIN
  IF NOT asked.named AND NOT args ? 'title' THEN
    PERFORM hedgerow.fail(400, 'VALIDATION_ERROR', 'send privacy_override (public, unlisted, private or null) or title');
  END IF;
  IF asked.named THEN
    UPDATE data.books b SET visibility = asked.level, updated_at = now() WHERE b.id = r.id;
  END IF;
  IF args ? 'title' THEN
    UPDATE data.books b SET title = args ->> 'title', updated_at = now() WHERE b.id = r.id;
  END IF;
  RETURN hedgerow.answer('book', r.id);
END
$$;
GRANT EXECUTE ON FUNCTION api.update_book(jsonb) TO hedgerow_anon, hedgerow_user;

SELECT hedgerow.route('POST', '/api/shelves/{id}/books', 'api.add_book(jsonb)', 'Put a book on a shelf (owner only)',
  status => 201, auth => 'user', params => jsonb_build_object('id', hedgerow.uuid_schema()),
  body => hedgerow.object_schema(jsonb_build_object(
            'isbn13', '{"type": "string", "maxLength": 32, "pattern": "^[- ]*9[- ]*7[- ]*[89]([- ]*[0-9]){10}[- ]*$", "examples": ["978-0-306-40615-7"], "x-error-code": "INVALID_ISBN"}'::jsonb,
            'title', '{"type": ["string", "null"], "maxLength": 300}'::jsonb) || hedgerow.visibility_fields(true),
          '{isbn13}'),
  response => hedgerow.book_schema());
SELECT hedgerow.route('PATCH', '/api/books/{id}', 'api.update_book(jsonb)',
  'Set a book''s privacy_override (null: inherit its shelf''s) or title (owner only)', auth => 'user', etag => true,
  params => jsonb_build_object('id', hedgerow.uuid_schema()),
  body => hedgerow.with_rule(
            hedgerow.object_schema(jsonb_build_object('title', '{"type": ["string", "null"], "maxLength": 300}'::jsonb)
                                   || hedgerow.visibility_fields(true)),
            '{"minProperties": 1}', 'send privacy_override (public, unlisted, private or null) or title'),
  response => hedgerow.book_schema());
