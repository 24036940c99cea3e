-- Accounts can be deleted (DELETE /api/auth/profile). Everything a user owns goes by the
-- foreign keys to data.profiles; what outlives them is unnamed instead.

-- An analyst login mapped to a deleted user keeps its limits and privacy budget and sees what
-- an anonymous visitor sees, instead of losing its account row (and with it its budget).
ALTER TABLE data.analyst_accounts
  DROP CONSTRAINT analyst_accounts_user_id_fkey,
  ADD CONSTRAINT analyst_accounts_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES data.profiles (id) ON DELETE SET NULL;

-- A deleted account's reads of other people's things stay in their owners' logs, unnamed.
-- Finding them needs an index; reads of one's own things are forgotten with the things
-- themselves, so they (the most common logged reads) stay out of it, and anonymous reads
-- (NULL viewer) do too.
CREATE INDEX access_log_viewer ON data.access_log (viewer_id) WHERE viewer_id <> owner_id;
