-- Scenario 5: discovery of public shelves whose names contain a word, 20 most recently
-- updated, each with its count of public books, and the (capped) count of matches; anonymous.
-- Variable: search (the word).
\startpipeline
BEGIN READ ONLY;
SELECT set_config('role', 'lean_anon', true), set_config('request.jwt.claims', '', true);
SELECT lean_api.discover_shelves(:search);
COMMIT;
\endpipeline
