-- Scenario 5: discovery of public shelves whose names contain a word, 20 most recently
-- updated, anonymous. Variable: search (the word).
\startpipeline
BEGIN READ ONLY;
SELECT set_config('role', 'lean_anon', true), set_config('request.jwt.claims', '', true);
SELECT coalesce(json_agg(json_build_object('id', sh.id, 'name', sh.name, 'visibility', sh.visibility, 'created_at', sh.created_at, 'updated_at', sh.updated_at, 'owner', json_build_object('username', p.username, 'display_name', p.display_name)) ORDER BY sh.ordinality), '[]') FROM lean_api.discover_shelves(:search) WITH ORDINALITY sh JOIN lean.profiles p ON p.id = sh.owner_id;
COMMIT;
\endpipeline
