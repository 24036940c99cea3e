-- data.sessions: content of a resource; its privacy is its data.resources row's.
SELECT hedgerow.protect_content_table('data.sessions', 'session');

GRANT SELECT ON data.sessions TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
GRANT INSERT (id, track, title, recorded_at, laps), UPDATE (track, title, recorded_at, laps, updated_at)
  ON data.sessions TO hedgerow_user;

-- The owner role reads every session, for the k-anonymous aggregates of schema analytics.
CREATE POLICY "The owner role reads all sessions for k-anonymous aggregates" ON data.sessions
  FOR SELECT TO hedgerow_owner
  USING (true);
