-- data.sessions: content of a resource; its privacy is its data.resources row's.
SELECT hedgerow.protect_content_table('data.sessions', 'session');

GRANT SELECT ON data.sessions TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
GRANT INSERT (id, track, title, recorded_at, laps), UPDATE (track, title, recorded_at, laps, updated_at)
  ON data.sessions TO hedgerow_user;

-- The owner role reads every session, for the k-anonymous aggregates of schema analytics.
CREATE POLICY "The owner role reads all sessions for k-anonymous aggregates" ON data.sessions
  FOR SELECT TO hedgerow_owner
  USING (true);

-- The owner role keeps data.sessions.listed in step with the resource's visibility (the
-- SECURITY DEFINER trigger in sql/functions/40_sessions.sql); no API role may write it.
CREATE POLICY "The owner role keeps the listing mirror" ON data.sessions
  FOR UPDATE TO hedgerow_owner
  USING (true) WITH CHECK (true);
