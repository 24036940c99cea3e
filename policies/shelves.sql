-- data.shelves: content of a resource; its privacy is its data.resources row's.
SELECT hedgerow.protect_content_table('data.shelves', 'shelf');

GRANT SELECT ON data.shelves TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
GRANT INSERT (id, name), UPDATE (name) ON data.shelves TO hedgerow_user;

-- The owner role reads every shelf, so that hedgerow.public_shelves_named_like (SECURITY
-- DEFINER) can use the name index; it returns public shelves only.
CREATE POLICY "The owner role reads all shelves for public name search" ON data.shelves
  FOR SELECT TO hedgerow_owner
  USING (true);
