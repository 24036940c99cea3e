-- =====================================================================
-- Public counts (data.public_counts), kept as rows are written so that feeds and discovery
-- answer an exact total without counting. Scope '' is a kind's total, counted here from
-- data.resources; kinds may keep finer scopes from their content table (sessions per track).
-- =====================================================================

-- Adds signed deltas to the counters; groups that cancel out are skipped. Whenever a kind's
-- counters change, its total row is locked first and the rest in (kind, scope) order, so
-- writers in concurrent transactions queue on the total instead of deadlocking on each other.
CREATE FUNCTION hedgerow.add_public_counts(deltas data.public_counts[]) RETURNS void
LANGUAGE sql VOLATILE
AS $$
  WITH changed AS (
    SELECT d.kind, d.scope, sum(d.n) AS n FROM unnest(deltas) d
     GROUP BY d.kind, d.scope HAVING sum(d.n) <> 0
  ), with_totals AS (
    SELECT kind, scope, n FROM changed
    UNION ALL
    SELECT DISTINCT kind, '', 0 FROM changed
  )
  INSERT INTO data.public_counts AS c (kind, scope, n)
  SELECT kind, scope, sum(n) FROM with_totals GROUP BY kind, scope ORDER BY kind, scope
  ON CONFLICT (kind, scope) DO UPDATE SET n = c.n + excluded.n
$$;

-- Each kind's total of public resources, from the rows a statement inserted, changed or
-- deleted. SECURITY DEFINER: the counters are written by no API role.
CREATE FUNCTION hedgerow.count_public_resources() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  -- Each transition table exists only for the events that have it, hence one query per event.
  IF TG_OP = 'INSERT' THEN
    PERFORM hedgerow.add_public_counts(array_agg((kind, '', 1)::data.public_counts))
       FROM new_rows WHERE listed;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM hedgerow.add_public_counts(array_agg((kind, '', -1)::data.public_counts))
       FROM old_rows WHERE listed;
  ELSE
    PERFORM hedgerow.add_public_counts(array_agg(
              (n.kind, '', CASE WHEN n.listed THEN 1 ELSE -1 END)::data.public_counts))
       FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE n.listed <> o.listed;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER resources_count_public_inserted AFTER INSERT ON data.resources
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hedgerow.count_public_resources();
CREATE TRIGGER resources_count_public_updated AFTER UPDATE ON data.resources
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hedgerow.count_public_resources();
CREATE TRIGGER resources_count_public_deleted AFTER DELETE ON data.resources
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hedgerow.count_public_resources();

-- How many public resources of `counted_kind` there are (in `scope`: '' for all of them).
CREATE FUNCTION hedgerow.public_count(counted_kind text, scope text DEFAULT '') RETURNS bigint
LANGUAGE sql STABLE
AS $$
  SELECT coalesce((SELECT c.n FROM data.public_counts c
                    WHERE c.kind = counted_kind AND c.scope = public_count.scope), 0)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.public_count(text, text) TO hedgerow_anon, hedgerow_user, hedgerow_analyst;
