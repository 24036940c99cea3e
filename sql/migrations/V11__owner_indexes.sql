-- A user's share links and the invitations they gave are found by owner: by the account
-- export, and by the cascades that delete them with the account (and granted_by's). Without
-- these indexes each of those read the whole table. Both tables change only when an owner
-- shares something, so the indexes cost no request that reads. (`hedgerow check` now holds
-- every foreign key of data to an index.)
CREATE INDEX share_links_owner ON data.share_links (owner_id);
CREATE INDEX grants_owner ON data.grants (owner_id);
CREATE INDEX grants_granted_by ON data.grants (granted_by);
CREATE INDEX analyst_accounts_user ON data.analyst_accounts (user_id);
