-- data.books: content of a resource; its privacy is its data.resources row's (the override,
-- else its shelf's level).
SELECT hedgerow.protect_content_table('data.books', 'book');

GRANT SELECT ON data.books TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
GRANT INSERT (id, shelf_id, isbn13, title), UPDATE (title, updated_at) ON data.books TO hedgerow_user;
