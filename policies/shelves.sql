-- data.shelves: content of a resource; its privacy is its data.resources row's.
SELECT hedgerow.protect_content_table('data.shelves', 'shelf');

GRANT SELECT ON data.shelves TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
GRANT INSERT (id, name), UPDATE (name) ON data.shelves TO hedgerow_user;
