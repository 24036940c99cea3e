-- =====================================================================
-- The analysts' surface (DESIGN §3). Row-level security keeps rows from being returned, not
-- from being probed: a leakproof condition of the querier's runs before the policy, and
-- EXPLAIN's loops and "Rows Removed by Filter", planner estimates and statistics counters
-- then tell what hidden rows hold. So analysts hold no privilege on any table of schema data.
-- They read the views of schema analytics, each over a SECURITY DEFINER function of schema
-- sealed owned by hedgerow_reader — a role the very same read policies bind as API callers —
-- and the planner cannot push an analyst's condition into a function scan: every row an
-- analyst reaches has passed the read rule first. Aggregates that count rows an analyst may
-- not read carry calibrated noise and spend the analyst's privacy budget.
-- =====================================================================

-- Makes sealed.<name>() — returning `returns` from the query `body`, run as `owner` — and the
-- analysts' view analytics.<name> over it. hedgerow_reader sees what the analyst's identity
-- may; only the noisy aggregates run as hedgerow_owner, which counts every row.
CREATE FUNCTION hedgerow.seal(name text, returns text, body text, description text,
                              owner name DEFAULT 'hedgerow_reader', volatility text DEFAULT 'STABLE',
                              language text DEFAULT 'sql')
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  EXECUTE format('CREATE FUNCTION sealed.%I() RETURNS %s LANGUAGE %s %s SECURITY DEFINER SET search_path = '''' AS %L',
                 name, returns, language, volatility, body);
  EXECUTE format('ALTER FUNCTION sealed.%I() OWNER TO %I', name, owner);
  EXECUTE format('GRANT EXECUTE ON FUNCTION sealed.%I() TO hedgerow_analyst', name);
  EXECUTE format('CREATE VIEW analytics.%I AS SELECT * FROM sealed.%I()', name, name);
  EXECUTE format('COMMENT ON VIEW analytics.%I IS %L', name, description);
  EXECUTE format('GRANT SELECT ON analytics.%I TO hedgerow_analyst', name);
END
$$;

-- =====================================================================
-- Differential privacy. A noisy count adds two-sided geometric noise (the discrete Laplace
-- mechanism): for a count that one person can change by at most `sensitivity`, the release
-- is epsilon-differentially private. Randomness comes from the CSPRNG, so noise cannot be
-- predicted or replayed.
-- =====================================================================

-- A uniform number in (0, 1], from 53 random bits.
CREATE FUNCTION hedgerow.uniform_random() RETURNS double precision
LANGUAGE sql VOLATILE
AS $$
  SELECT (((('x' || encode(extensions.gen_random_bytes(8), 'hex'))::bit(64)::bigint >> 11) & 9007199254740991) + 1)::double precision
         / 9007199254740992.0
$$;

-- Noise for a count of `sensitivity` at `epsilon`: the difference of two geometric variables
-- with P(k) ∝ exp(-epsilon / sensitivity)^k.
CREATE FUNCTION hedgerow.geometric_noise(sensitivity integer, epsilon numeric) RETURNS bigint
LANGUAGE sql VOLATILE
AS $$
  SELECT (floor(ln(hedgerow.uniform_random()) / (-epsilon / sensitivity)::double precision)
        - floor(ln(hedgerow.uniform_random()) / (-epsilon / sensitivity)::double precision))::bigint
$$;

-- Spends `epsilon` of the calling analyst's privacy budget, before anything is computed; an
-- analyst whose budget would be overdrawn gets an error instead of an answer. The spending
-- is a sequence's nextval, which no rollback undoes.
CREATE FUNCTION hedgerow.spend_privacy_budget(epsilon numeric) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  account data.analyst_accounts := (SELECT a FROM data.analyst_accounts a WHERE a.role_name = session_user);
  spent bigint;
BEGIN
  IF account.budget_spent IS NULL THEN
    RAISE EXCEPTION 'noisy aggregates are for analyst logins with a privacy budget (hedgerow analyst add)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT max(nextval(account.budget_spent)) INTO spent FROM generate_series(1, ceil(epsilon * 100)::int);
  IF spent > account.privacy_budget * 100 THEN
    RAISE EXCEPTION 'privacy budget exhausted: this query costs epsilon %, and % of % is spent',
                    epsilon, round(least(spent, account.privacy_budget * 100) / 100.0, 2), account.privacy_budget
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'An operator can give this login a larger budget (hedgerow analyst add --privacy-budget).';
  END IF;
END
$$;

-- How far one person can move a noisy release: each person's contribution counts in at most
-- groups_per_person groups, moving each by at most `per_group` (rows_per_person for a count
-- of rows; one more when the number of people is released too).
CREATE FUNCTION hedgerow.dp_sensitivity(per_group integer) RETURNS integer
LANGUAGE sql STABLE
AS $$ SELECT c.groups_per_person * per_group FROM data.analytics_config c $$;

-- =====================================================================
-- What analysts read besides the kinds' own views (hedgerow.generate_kind_api makes those).
-- =====================================================================

SELECT hedgerow.seal('profiles', 'TABLE (id uuid, username text, display_name text, created_at timestamptz)',
  'SELECT p.id, p.username, p.display_name, p.created_at FROM data.profiles p',
  'Every user''s public profile: username and display name (never the email).');

SELECT hedgerow.seal('me', 'TABLE (login name, user_id uuid, username text, email text, privacy_budget numeric, privacy_spent numeric)',
  $q$ SELECT session_user, a.user_id, p.username, e.email, a.privacy_budget,
             round(coalesce(pg_catalog.pg_sequence_last_value(a.budget_spent), 0) / 100.0, 2)
        FROM data.analyst_accounts a
        LEFT JOIN data.profiles p ON p.id = a.user_id
        LEFT JOIN data.profile_emails e ON e.user_id = a.user_id
       WHERE a.role_name = session_user $q$,
  'Who you are: your login, the user whose view you get (none: an anonymous visitor''s), and your privacy budget.');

SELECT hedgerow.seal('share_links',
  'TABLE (id uuid, kind text, resource_id uuid, owner_id uuid, enabled boolean, active boolean, created_at timestamptz, expires_at timestamptz, revoked_at timestamptz)',
  'SELECT l.id, l.kind, l.resource_id, l.owner_id, l.enabled, hedgerow.link_is_active(l.enabled, l.revoked_at, l.expires_at),
          l.created_at, l.expires_at, l.revoked_at FROM data.share_links l',
  'Your mapped user''s share links (never their tokens).');

SELECT hedgerow.seal('grants',
  'TABLE (kind text, resource_id uuid, grantee_id uuid, owner_id uuid, granted_by uuid, granted_at timestamptz, expires_at timestamptz, active boolean)',
  'SELECT g.kind, g.resource_id, g.grantee_id, g.owner_id, g.granted_by, g.granted_at, g.expires_at,
          hedgerow.grant_is_active(g.expires_at) FROM data.grants g',
  'Invitations your mapped user made or received.');

SELECT hedgerow.seal('public_counts', 'SETOF data.public_counts', 'SELECT c.* FROM data.public_counts c',
  'How many things of each kind are public (scope ''''), and per value of the kind''s count scope, if it has one.');

SELECT hedgerow.seal('default_visibility', 'SETOF data.default_visibility', 'SELECT d.* FROM data.default_visibility d',
  'Your mapped user''s default visibility for new resources, per kind.');

SELECT hedgerow.seal('privacy_parameters', 'SETOF data.analytics_config', 'SELECT c.* FROM data.analytics_config c',
  'The parameters of the noisy aggregates: the epsilon each query spends, and how much one person may contribute.');

-- The views that span kinds (called by hedgerow.finish_kinds once all kinds are registered).
CREATE FUNCTION hedgerow.generate_analyst_views() RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  each_kind text := (SELECT string_agg(format(
      'SELECT %L::text AS kind, t.id, t.owner_id, %s AS parent_id, t.visibility, t.effective_visibility, t.listed, t.created_at, t.updated_at FROM sealed.%I() t',
      k.kind, CASE WHEN k.parent_column IS NULL THEN 'NULL::uuid' ELSE 't.' || quote_ident(k.parent_column) END, k.plural),
      ' UNION ALL ' ORDER BY k.kind) FROM hedgerow.kinds k);
  -- The mapped user's own things: each kind's rows of that owner, by its owner index
  -- (hedgerow.resources, generated by hedgerow.finish_kinds before these views).
  own constant text := 'SELECT r.kind, r.id, r.parent_id, r.visibility, r.effective_visibility, r.listed, '
                       'r.created_at, r.updated_at FROM hedgerow.resources() r '
                       'WHERE r.owner_id = (SELECT hedgerow.current_user_id())';
  -- Each kind's rows counted per owner and visibility before the kinds are put together:
  -- grouping each table on its own is about twice as fast at a million rows as grouping
  -- their union (bench/analysts.sh).
  per_kind text := (SELECT string_agg(format('SELECT %L::text AS kind, t.owner_id, t.effective_visibility, count(*) AS n FROM %s t GROUP BY t.owner_id, t.effective_visibility',
                                             k.kind, hedgerow.qualified(k.table_name)), ' UNION ALL ' ORDER BY k.kind)
                      FROM hedgerow.kinds k);
BEGIN
  EXECUTE format('CREATE VIEW analytics.resources AS %s', each_kind);
  COMMENT ON VIEW analytics.resources IS
    'The privacy state of everything you may see, of every kind: public things, your mapped user''s own, and what is shared with them.';
  GRANT SELECT ON analytics.resources TO hedgerow_analyst;

  PERFORM hedgerow.seal('my_resources',
    'TABLE (kind text, id uuid, parent_id uuid, visibility data.visibility, effective_visibility data.visibility, listed boolean, created_at timestamptz, updated_at timestamptz)',
    own,
    'Your mapped user''s own things, of every kind (empty for anonymous analysts). It reads only theirs, so it is '
    'much faster than resources filtered by owner_id, which reads everything you may see first.');

  -- Through the mapped user's own things and the log's resource index: the log's policy
  -- alone (owner_id = the user) would read every row of the log to find theirs.
  PERFORM hedgerow.seal('access_log', 'SETOF data.access_log',
    format('SELECT a.* FROM (%s) r JOIN data.access_log a ON a.resource_id = r.id', own),
    'Who read your mapped user''s resources, how and when.');

  CREATE VIEW analytics.my_sharing AS
    SELECT r.kind, r.id, r.effective_visibility AS visibility,
           (SELECT count(*) FROM analytics.share_links l WHERE l.resource_id = r.id AND l.active) AS active_links,
           (SELECT count(*) FROM analytics.grants g WHERE g.resource_id = r.id AND g.active) AS active_grants,
           (SELECT count(*) FROM analytics.access_log a WHERE a.resource_id = r.id) AS reads
      FROM analytics.my_resources r;
  COMMENT ON VIEW analytics.my_sharing IS
    'For each resource of the user you are mapped to: visibility, active share links, active invitations and logged reads. Empty for unmapped analysts.';
  GRANT SELECT ON analytics.my_sharing TO hedgerow_analyst;

  PERFORM hedgerow.seal('resources_per_visibility_all',
    'TABLE (kind text, visibility data.visibility, resources bigint)',
    format($q$
    DECLARE
      cfg data.analytics_config := (SELECT c FROM data.analytics_config c);
    BEGIN
      PERFORM hedgerow.spend_privacy_budget(cfg.epsilon_per_query);
      RETURN QUERY
        WITH per_kind AS (%s),
        per_person AS (
          SELECT r.kind, r.effective_visibility, least(r.n, cfg.rows_per_person) AS n,
                 row_number() OVER (PARTITION BY r.owner_id ORDER BY r.n DESC, r.kind, r.effective_visibility) AS rank
            FROM per_kind r)
        SELECT g.kind, g.visibility,
               greatest(0, coalesce(sum(p.n), 0) + hedgerow.geometric_noise(hedgerow.dp_sensitivity(cfg.rows_per_person), cfg.epsilon_per_query))::bigint
          FROM (SELECT k.kind, v.visibility FROM (VALUES %s) k(kind), unnest(enum_range(NULL::data.visibility)) v(visibility)) g
          LEFT JOIN per_person p ON p.kind = g.kind AND p.effective_visibility = g.visibility AND p.rank <= cfg.groups_per_person
         GROUP BY g.kind, g.visibility;
    END
    $q$, per_kind, (SELECT string_agg(format('(%L)', k.kind), ', ') FROM hedgerow.kinds k)),
    'How many resources of each kind are private, unlisted and public over all users, with calibrated noise '
    '(differential privacy; each query spends privacy_parameters.epsilon_per_query of your budget).',
    owner => 'hedgerow_owner', volatility => 'VOLATILE', language => 'plpgsql');
END
$$;
