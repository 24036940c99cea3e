-- A leaderboard's length is the track's public sessions (kept in data.public_counts) less
-- its public sessions without laps, which take no place; this index holds only those, so
-- counting them reads a few index entries instead of the whole board.
CREATE INDEX sessions_listed_lapless ON data.sessions (track) WHERE listed AND best_lap_ms IS NULL;
