-- A shelf's book_count counts its public books in every list of shelves (discovery shows 20 at
-- a time). Under row-level security each count read every book of the shelf with the read
-- rule; over this index the rule is implied (`listed` alone makes a book readable), so the
-- count reads the index only.
CREATE INDEX books_listed_by_parent ON data.books (shelf_id) WHERE listed;
