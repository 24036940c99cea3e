-- data.plans: content of a resource; its privacy is its data.resources row's.
SELECT hedgerow.protect_content_table('data.plans', 'plan');

GRANT SELECT ON data.plans TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
GRANT INSERT (id, title, filename, content), UPDATE (title, filename, content, updated_at)
  ON data.plans TO hedgerow_user;
