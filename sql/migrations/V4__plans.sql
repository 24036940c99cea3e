-- Plans (seed 002): private documents with one share link that can be switched off and
-- regenerated, invitations and access logs — all through the privacy core.

-- Where a kind's share links point, under HEDGEROW_PUBLIC_URL ({id}, {token} filled in).
ALTER TABLE data.resource_kinds ADD COLUMN share_path text NOT NULL DEFAULT '/shared/{token}';

INSERT INTO data.resource_kinds (kind, plural, signup_call, share_path)
VALUES ('plan', 'plans', 'Sign up to write your own plans', '/plans/{id}?token={token}');

CREATE TABLE data.plans (
  id         uuid PRIMARY KEY REFERENCES data.resources (id) ON DELETE CASCADE,
  title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  filename   text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255),
  content    text NOT NULL CHECK (octet_length(content) <= 1048576),
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE data.plans IS
  'Plans (documents up to 1 MiB). Readable exactly when their data.resources row is.';
