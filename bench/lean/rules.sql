-- =====================================================================
-- The lean reference's rules, asserted from both sides as requests see them, on the loaded
-- rows, in one transaction that is rolled back. bench/run.sh runs it as a superuser before
-- measuring: a reference that was fast because it let too much through would be no yardstick
-- (the run's other checks compare only what may be seen).
-- =====================================================================

BEGIN;

-- Becomes `who` (lean_anon or lean_user) with claims {sub} and the share token `token`, as a
-- request's transaction does; nothing addressed.
CREATE FUNCTION pg_temp.act_as(who text, sub uuid DEFAULT NULL, token text DEFAULT NULL) RETURNS void
LANGUAGE sql
AS $$
  SELECT set_config('role', who, true),
         set_config('request.jwt.claims', coalesce(json_build_object('sub', sub)::text, ''), true),
         set_config('request.share_token', coalesce(token, ''), true),
         set_config('request.resource_id', '', true)
$$;

DO $$
DECLARE
  private_s lean.sessions;
  unlisted_s lean.sessions;
  link lean.share_links;
  invite lean.invitations;
  stranger uuid;
  book lean.books;
  seen bigint;
BEGIN
  -- Fixtures, read as the superuser.
  SELECT * INTO STRICT private_s FROM lean.sessions WHERE visibility = 'private' ORDER BY id LIMIT 1;
  SELECT * INTO STRICT unlisted_s FROM lean.sessions WHERE visibility = 'unlisted' ORDER BY id LIMIT 1;
  SELECT l.* INTO STRICT link FROM lean.share_links l JOIN lean.sessions s ON s.id = l.resource_id
   WHERE s.visibility = 'private' AND l.enabled AND l.revoked_at IS NULL AND l.expires_at IS NULL
   ORDER BY l.id LIMIT 1;
  SELECT i.* INTO STRICT invite FROM lean.invitations i JOIN lean.sessions s ON s.id = i.resource_id
   WHERE s.visibility = 'private' AND i.expires_at IS NULL
   ORDER BY i.resource_id, i.grantee_id LIMIT 1;
  SELECT p.id INTO STRICT stranger FROM lean.profiles p
   WHERE p.id NOT IN (private_s.owner_id, invite.grantee_id)
     AND p.id NOT IN (SELECT i.grantee_id FROM lean.invitations i WHERE i.resource_id IN (private_s.id, invite.resource_id))
   ORDER BY p.id LIMIT 1;

  -- Anonymous: public things only, unless addressed (unlisted) or opened by an active link.
  PERFORM pg_temp.act_as('lean_anon');
  SELECT count(*) INTO seen FROM lean.sessions WHERE visibility <> 'public';
  ASSERT seen = 0, format('a plain SELECT shows an anonymous caller %s sessions that are not public', seen);
  SELECT count(*) INTO seen FROM lean.shelves WHERE visibility <> 'public';
  ASSERT seen = 0, format('a plain SELECT shows an anonymous caller %s shelves that are not public', seen);
  ASSERT NOT EXISTS (SELECT FROM lean.sessions WHERE id = unlisted_s.id), 'an unlisted session shows without being addressed';
  ASSERT NOT EXISTS (SELECT FROM lean.share_links), 'an anonymous caller without a token sees links';
  ASSERT NOT EXISTS (SELECT FROM lean.invitations), 'an anonymous caller sees invitations';
  ASSERT lean_api.read_session(unlisted_s.id) IS NOT NULL, 'an addressed unlisted session stays hidden';
  ASSERT lean_api.read_session(private_s.id) IS NULL, 'an anonymous caller reads a private session by id';
  ASSERT lean_api.open_share('no such token') IS NULL, 'an unknown token opens something';
  ASSERT lean_api.open_share(link.token) IS NOT NULL, 'an active link opens nothing';
  PERFORM pg_temp.act_as('lean_anon', NULL, link.token);
  ASSERT lean_api.read_session(link.resource_id) IS NOT NULL, 'an active link''s token does not read its session';
  ASSERT (SELECT count(*) FROM lean.share_links) = 1, 'a bearer sees other links than theirs';
  BEGIN
    INSERT INTO lean.access_log (resource_id, owner_id, viewer_id, via) VALUES (private_s.id, private_s.owner_id, NULL, 'public');
    RAISE EXCEPTION 'an anonymous caller logged a read of a private session it cannot see';
  EXCEPTION WHEN insufficient_privilege THEN
    NULL;
  END;

  -- Links stop working when revoked, disabled or expired.
  PERFORM set_config('role', 'none', true);
  UPDATE lean.share_links SET revoked_at = now() WHERE id = link.id;
  PERFORM pg_temp.act_as('lean_anon', NULL, link.token);
  ASSERT lean_api.open_share(link.token) IS NULL, 'a revoked link still opens';
  ASSERT lean_api.read_session(link.resource_id) IS NULL, 'a revoked link''s token still reads its session';
  PERFORM set_config('role', 'none', true);
  UPDATE lean.share_links SET revoked_at = NULL, enabled = false WHERE id = link.id;
  PERFORM pg_temp.act_as('lean_anon', NULL, link.token);
  ASSERT lean_api.open_share(link.token) IS NULL, 'a disabled link still opens';
  ASSERT lean_api.read_session(link.resource_id) IS NULL, 'a disabled link''s token still reads its session';
  PERFORM set_config('role', 'none', true);
  UPDATE lean.share_links SET enabled = true, expires_at = now() - interval '1 second' WHERE id = link.id;
  PERFORM pg_temp.act_as('lean_anon', NULL, link.token);
  ASSERT lean_api.open_share(link.token) IS NULL, 'an expired link still opens';
  ASSERT lean_api.read_session(link.resource_id) IS NULL, 'an expired link''s token still reads its session';

  -- Users: their own things and what they are invited to; not others' private things.
  PERFORM pg_temp.act_as('lean_user', private_s.owner_id);
  ASSERT lean_api.read_session(private_s.id) IS NOT NULL, 'the owner cannot read their private session';
  INSERT INTO lean.share_links (resource_id, owner_id, token) VALUES (private_s.id, private_s.owner_id, 'owner-made-token');
  INSERT INTO lean.invitations (resource_id, grantee_id, owner_id)
  SELECT private_s.id, p.id, private_s.owner_id FROM lean.profiles p
   WHERE p.id <> private_s.owner_id AND p.id NOT IN (SELECT i.grantee_id FROM lean.invitations i WHERE i.resource_id = private_s.id)
   ORDER BY p.id DESC LIMIT 1;
  PERFORM pg_temp.act_as('lean_user', stranger);
  ASSERT lean_api.read_session(private_s.id) IS NULL, 'another user reads a private session';
  ASSERT lean_api.read_session(invite.resource_id) IS NULL, 'a user reads a private session invited to someone else';
  ASSERT NOT EXISTS (SELECT FROM lean.share_links WHERE owner_id <> stranger), 'a user sees others'' links';
  ASSERT NOT EXISTS (SELECT FROM lean.invitations WHERE stranger NOT IN (owner_id, grantee_id)), 'a user sees others'' invitations';
  ASSERT NOT EXISTS (SELECT FROM lean.access_log WHERE owner_id <> stranger), 'a user reads the access log of others'' things';
  BEGIN
    INSERT INTO lean.sessions (owner_id, track) VALUES (private_s.owner_id, 'Forged');
    RAISE EXCEPTION 'a user recorded a session as someone else';
  EXCEPTION WHEN insufficient_privilege THEN
    NULL;
  END;
  BEGIN
    INSERT INTO lean.invitations (resource_id, grantee_id, owner_id) VALUES (private_s.id, stranger, stranger);
    RAISE EXCEPTION 'a user invited themselves to someone else''s session';
  EXCEPTION WHEN insufficient_privilege THEN
    NULL;
  END;
  BEGIN
    INSERT INTO lean.share_links (resource_id, owner_id, token) VALUES (private_s.id, stranger, 'forged-token');
    RAISE EXCEPTION 'a user made a share link to someone else''s session';
  EXCEPTION WHEN insufficient_privilege THEN
    NULL;
  END;
  PERFORM pg_temp.act_as('lean_user', invite.grantee_id);
  ASSERT lean_api.read_session(invite.resource_id) IS NOT NULL, 'an invited user cannot read the session';
  PERFORM set_config('role', 'none', true);
  ASSERT (SELECT a.via FROM lean.access_log a WHERE a.resource_id = invite.resource_id AND a.viewer_id = invite.grantee_id
           ORDER BY a.at DESC LIMIT 1) = 'invited', 'an invited read is not logged as invited';
  UPDATE lean.invitations SET expires_at = now() - interval '1 second'
   WHERE resource_id = invite.resource_id AND grantee_id = invite.grantee_id;
  PERFORM pg_temp.act_as('lean_user', invite.grantee_id);
  ASSERT lean_api.read_session(invite.resource_id) IS NULL, 'an expired invitation still reads';

  -- Books: the override, else the shelf's level.
  PERFORM set_config('role', 'none', true);
  SELECT b.* INTO book FROM lean.books b JOIN lean.shelves sh ON sh.id = b.shelf_id
   WHERE sh.visibility = 'public' AND b.visibility = 'private' ORDER BY b.id LIMIT 1;
  IF FOUND THEN
    PERFORM pg_temp.act_as('lean_anon');
    ASSERT NOT EXISTS (SELECT FROM lean.books WHERE id = book.id), 'a private book on a public shelf shows';
  END IF;
  PERFORM set_config('role', 'none', true);
  SELECT b.* INTO book FROM lean.books b JOIN lean.shelves sh ON sh.id = b.shelf_id
   WHERE sh.visibility = 'private' AND b.visibility IS NULL ORDER BY b.id LIMIT 1;
  IF FOUND THEN
    PERFORM pg_temp.act_as('lean_anon');
    ASSERT NOT EXISTS (SELECT FROM lean.books WHERE id = book.id), 'a book inheriting a private shelf shows';
  END IF;
  PERFORM set_config('role', 'none', true);
  SELECT b.* INTO book FROM lean.books b JOIN lean.shelves sh ON sh.id = b.shelf_id
   WHERE sh.visibility = 'private' AND b.visibility = 'public' ORDER BY b.id LIMIT 1;
  IF FOUND THEN
    PERFORM pg_temp.act_as('lean_anon');
    ASSERT EXISTS (SELECT FROM lean.books WHERE id = book.id), 'a public book on a private shelf is hidden';
  END IF;
  PERFORM set_config('role', 'none', true);
END
$$;

ROLLBACK;
