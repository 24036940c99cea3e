-- Analytics: the threshold below which aggregates over all data (private rows included) hide
-- a group, so analysts get totals without learning about anyone's private rows.
CREATE TABLE data.analytics_config (
  singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  min_group_size integer NOT NULL DEFAULT 5 CHECK (min_group_size >= 2)
);
INSERT INTO data.analytics_config DEFAULT VALUES;
COMMENT ON TABLE data.analytics_config IS
  'min_group_size (k): aggregates in schema analytics that count private rows never show a '
  'group smaller than this. Operators change it as hedgerow_owner.';
