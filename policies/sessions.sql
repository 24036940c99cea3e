-- data.sessions: content of a resource; its privacy is its data.resources row's.
SELECT hedgerow.protect_content_table('data.sessions', 'session');

GRANT SELECT ON data.sessions TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
GRANT INSERT (id, track, title, recorded_at, laps), UPDATE (track, title, recorded_at, laps, updated_at)
  ON data.sessions TO hedgerow_user;
