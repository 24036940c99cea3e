-- Shelves and books (seed 004). A book is a child resource of its shelf: with no override it
-- inherits the shelf's visibility (data.resources.visibility NULL), and the shelf's links and
-- grants reach it unless it is overridden to private.

INSERT INTO data.resource_kinds (kind, plural) VALUES ('shelf', 'shelves'), ('book', 'books');

-- What a shared page invites its visitors to do, per kind.
ALTER TABLE data.resource_kinds ADD COLUMN signup_call text NOT NULL DEFAULT 'Sign up';
UPDATE data.resource_kinds SET signup_call = 'Sign up to track your own laps' WHERE kind = 'session';
UPDATE data.resource_kinds SET signup_call = 'Sign up to build your own shelves' WHERE kind IN ('shelf', 'book');

-- NULL: new books inherit their shelf's level.
ALTER TABLE data.settings ADD COLUMN default_book_override data.visibility;
COMMENT ON COLUMN data.settings.default_book_override IS
  'Override given to new books (NULL: they inherit their shelf''s level).';

-- Discovery of any kind: public things, most recently updated first.
CREATE INDEX resources_discovery ON data.resources (kind, effective_visibility, updated_at DESC, id DESC);
-- Counting a shelf's public books.
CREATE INDEX resources_children ON data.resources (parent_id, kind, effective_visibility)
  WHERE parent_id IS NOT NULL;

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;

CREATE TABLE data.shelves (
  id   uuid PRIMARY KEY REFERENCES data.resources (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100)
);
CREATE INDEX shelves_name_search ON data.shelves USING gin (name extensions.gin_trgm_ops);
COMMENT ON TABLE data.shelves IS
  'Bookshelves. Readable exactly when their data.resources row is; privacy_level is that '
  'row''s visibility.';

CREATE TABLE data.books (
  id         uuid PRIMARY KEY REFERENCES data.resources (id) ON DELETE CASCADE,
  shelf_id   uuid NOT NULL REFERENCES data.shelves (id) ON DELETE CASCADE,
  isbn13     text NOT NULL CHECK (isbn13 ~ '^97[89][0-9]{10}$'),
  title      text CHECK (char_length(title) <= 300),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX books_shelf ON data.books (shelf_id);
COMMENT ON TABLE data.books IS
  'Books on shelves. Effective privacy: the book''s override (data.resources.visibility) if '
  'set, else its shelf''s level — see data.resources.effective_visibility.';
