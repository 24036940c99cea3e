-- Aggregates over rows an analyst may not read no longer hide groups smaller than k (fake
-- accounts could fill a group up to k and read off the rest); they carry calibrated noise
-- instead — differential privacy — and every such query spends part of a per-analyst budget.
-- Budgets are spent through a sequence per analyst: nextval() is never rolled back, so a
-- query whose transaction aborts has still spent what it cost.

ALTER TABLE data.analytics_config
  DROP COLUMN min_group_size,
  ADD COLUMN epsilon_per_query numeric NOT NULL DEFAULT 0.5 CHECK (epsilon_per_query > 0 AND epsilon_per_query <= 10),
  ADD COLUMN rows_per_person integer NOT NULL DEFAULT 10 CHECK (rows_per_person >= 1),
  ADD COLUMN groups_per_person integer NOT NULL DEFAULT 5 CHECK (groups_per_person >= 1);
COMMENT ON TABLE data.analytics_config IS
  'The privacy parameters of the analysts'' noisy aggregates (see docs/ANALYSTS.md): the '
  'epsilon each query spends, and how much of it one person may contribute (rows per group, '
  'groups per query). Operators change them as hedgerow_owner.';

ALTER TABLE data.analyst_accounts
  ADD COLUMN privacy_budget numeric NOT NULL DEFAULT 10 CHECK (privacy_budget >= 0),
  ADD COLUMN budget_spent regclass;
COMMENT ON COLUMN data.analyst_accounts.privacy_budget IS
  'The total epsilon this login may spend on noisy aggregates, over its lifetime.';
COMMENT ON COLUMN data.analyst_accounts.budget_spent IS
  'A sequence counting the epsilon spent, in hundredths (sequences are not rolled back).';

-- (Row-level security binds the owner role too: lifted for the backfill.)
ALTER TABLE data.analyst_accounts NO FORCE ROW LEVEL SECURITY;
DO $$
DECLARE
  analyst record;
  spent text;
BEGIN
  FOR analyst IN SELECT role_name FROM data.analyst_accounts LOOP
    spent := 'privacy_spent_' || substr(md5(analyst.role_name), 1, 16);
    EXECUTE format('CREATE SEQUENCE data.%I', spent);
    UPDATE data.analyst_accounts SET budget_spent = ('data.' || spent)::regclass
     WHERE role_name = analyst.role_name;
  END LOOP;
END
$$;
ALTER TABLE data.analyst_accounts FORCE ROW LEVEL SECURITY;
