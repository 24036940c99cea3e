-- data.sessions: content of a resource; its privacy is its data.resources row's.
ALTER TABLE data.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE data.sessions FORCE ROW LEVEL SECURITY;

GRANT SELECT ON data.sessions TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
GRANT INSERT (id, track, title, recorded_at, laps), UPDATE (track, title, recorded_at, laps, updated_at)
  ON data.sessions TO hedgerow_user;

-- A session is readable exactly when its resource is (data.resources' policy decides).
CREATE POLICY "Sessions are readable when their resource is" ON data.sessions
  FOR SELECT TO hedgerow_anon, hedgerow_user, hedgerow_analyst
  USING (EXISTS (SELECT FROM data.resources r WHERE r.id = sessions.id));

-- Only the owner of the resource writes its session.
CREATE POLICY "Owners write their sessions" ON data.sessions
  FOR INSERT TO hedgerow_user
  WITH CHECK (id IN (SELECT r.id FROM data.resources r
                      WHERE r.owner_id = (SELECT hedgerow.current_user_id()) AND r.kind = 'session'));

-- Only the owner changes a session.
CREATE POLICY "Owners change their sessions" ON data.sessions
  FOR UPDATE TO hedgerow_user
  USING (id IN (SELECT r.id FROM data.resources r WHERE r.owner_id = (SELECT hedgerow.current_user_id())))
  WITH CHECK (id IN (SELECT r.id FROM data.resources r WHERE r.owner_id = (SELECT hedgerow.current_user_id())));
