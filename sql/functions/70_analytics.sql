-- =====================================================================
-- Analytics for analysts (psql). Views run as the analyst (security_invoker), so they show
-- exactly what the analyst may see. The k-anonymous totals are the one place that reads past
-- row-level security: SECURITY DEFINER functions owned by hedgerow_owner, through the owner's
-- read policies, that drop every group smaller than data.analytics_config.min_group_size.
-- =====================================================================

-- Public sessions per track.
CREATE VIEW analytics.public_sessions_per_track WITH (security_invoker = true) AS
  SELECT s.track, count(*) AS sessions, count(DISTINCT r.owner_id) AS drivers,
         min((SELECT min(lap) FROM unnest(s.laps) lap)) AS best_lap_ms,
         max(s.recorded_at) AS latest_recorded_at
    FROM data.sessions s JOIN data.resources r ON r.id = s.id
   WHERE r.listed
   GROUP BY s.track;
COMMENT ON VIEW analytics.public_sessions_per_track IS
  'Public sessions per track: how many, by how many drivers, the best lap (ms) and the latest.';
GRANT SELECT ON analytics.public_sessions_per_track TO hedgerow_analyst;

-- Public shelves and public books per user.
CREATE VIEW analytics.public_shelves_per_user WITH (security_invoker = true) AS
  SELECT p.username, count(*) AS public_shelves,
         sum((SELECT count(*) FROM data.resources b
               WHERE b.parent_id = r.id AND b.kind = 'book' AND b.listed)) AS public_books
    FROM data.resources r JOIN data.profiles p ON p.id = r.owner_id
   WHERE r.kind = 'shelf' AND r.listed
   GROUP BY p.username;
COMMENT ON VIEW analytics.public_shelves_per_user IS
  'Per user: their public shelves, and the public books on them (books are counted only when '
  'their effective privacy is public).';
GRANT SELECT ON analytics.public_shelves_per_user TO hedgerow_analyst;

-- Sharing of the analyst's own (mapped user's) resources.
CREATE VIEW analytics.my_sharing WITH (security_invoker = true) AS
  SELECT r.kind, r.id, r.effective_visibility AS visibility,
         (SELECT count(*) FROM data.share_links l
           WHERE l.resource_id = r.id AND hedgerow.link_is_active(l.enabled, l.revoked_at, l.expires_at)) AS active_links,
         (SELECT count(*) FROM data.grants g WHERE g.resource_id = r.id AND hedgerow.grant_is_active(g)) AS active_grants,
         (SELECT count(*) FROM data.access_log a WHERE a.resource_id = r.id) AS reads
    FROM data.resources r
   WHERE r.owner_id = hedgerow.current_user_id();
COMMENT ON VIEW analytics.my_sharing IS
  'For each resource of the user you are mapped to: visibility, active share links, active '
  'invitations and logged reads. Empty for unmapped analysts.';
GRANT SELECT ON analytics.my_sharing TO hedgerow_analyst;

-- Sessions of every visibility per track, for tracks with at least k sessions.
CREATE FUNCTION hedgerow.sessions_per_track_all(OUT track text, OUT sessions bigint, OUT drivers bigint)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT s.track, count(*), count(DISTINCT r.owner_id)
    FROM data.sessions s JOIN data.resources r ON r.id = s.id
   GROUP BY s.track
  HAVING count(*) >= (SELECT c.min_group_size FROM data.analytics_config c)
     AND count(DISTINCT r.owner_id) >= (SELECT c.min_group_size FROM data.analytics_config c)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.sessions_per_track_all() TO hedgerow_analyst;

CREATE VIEW analytics.sessions_per_track_all WITH (security_invoker = true) AS
  SELECT * FROM hedgerow.sessions_per_track_all();
COMMENT ON VIEW analytics.sessions_per_track_all IS
  'All sessions per track, private ones included, by how many drivers. A track appears only '
  'when it has at least k sessions from at least k drivers (k: data.analytics_config).';
GRANT SELECT ON analytics.sessions_per_track_all TO hedgerow_analyst;

-- Resources of every visibility per kind and visibility, for groups of at least k.
CREATE FUNCTION hedgerow.resources_per_visibility_all(OUT kind text, OUT visibility data.visibility, OUT resources bigint)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT r.kind, r.effective_visibility, count(*)
    FROM data.resources r
   GROUP BY r.kind, r.effective_visibility
  HAVING count(*) >= (SELECT c.min_group_size FROM data.analytics_config c)
     AND count(DISTINCT r.owner_id) >= (SELECT c.min_group_size FROM data.analytics_config c)
$$;
GRANT EXECUTE ON FUNCTION hedgerow.resources_per_visibility_all() TO hedgerow_analyst;

CREATE VIEW analytics.resources_per_visibility_all WITH (security_invoker = true) AS
  SELECT * FROM hedgerow.resources_per_visibility_all();
COMMENT ON VIEW analytics.resources_per_visibility_all IS
  'How many resources of each kind are private, unlisted and public, over all users. A group '
  'appears only when it has at least k resources from at least k owners.';
GRANT SELECT ON analytics.resources_per_visibility_all TO hedgerow_analyst;
