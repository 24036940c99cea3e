//! The privacy matrix of shelves and books: every shelf level × book override × viewer, for
//! reading a book, reading a shelf and its books, discovery counts and search — over HTTP
//! and over direct SQL — compared with a small reference model of DESIGN §5.

use serde_json::json;

use crate::helpers::{Level, TestApp, TestUser, analyst, spawn_app};
use crate::shelves::{add_book, create_shelf, isbn};

const LEVELS: [Level; 3] = [Level::Public, Level::Unlisted, Level::Private];
const OVERRIDES: [Option<Level>; 4] = [
    None,
    Some(Level::Public),
    Some(Level::Unlisted),
    Some(Level::Private),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Viewer {
    Owner,
    OtherUser,
    Anonymous,
    /// Holds an active share link of the book's shelf.
    LinkHolder,
}

const VIEWERS: [Viewer; 4] = [
    Viewer::Owner,
    Viewer::OtherUser,
    Viewer::Anonymous,
    Viewer::LinkHolder,
];

/// The reference model.
mod model {
    use super::{Level, Viewer};

    pub fn effective(shelf: Level, book: Option<Level>) -> Level {
        book.unwrap_or(shelf)
    }

    /// GET /api/books/{id}: the viewer addresses the book itself.
    pub fn reads_book(viewer: Viewer, shelf: Level, book: Option<Level>) -> bool {
        viewer == Viewer::Owner
            || effective(shelf, book) != Level::Private
            || (viewer == Viewer::LinkHolder && book != Some(Level::Private))
    }

    /// GET /api/shelves/{id}: the viewer addresses the shelf.
    pub fn reads_shelf(viewer: Viewer, shelf: Level) -> bool {
        viewer == Viewer::Owner || viewer == Viewer::LinkHolder || shelf != Level::Private
    }

    /// Whether a book is listed on its shelf's page (when the page is readable).
    pub fn listed_on_shelf(viewer: Viewer, shelf: Level, book: Option<Level>) -> bool {
        viewer == Viewer::Owner
            || effective(shelf, book) == Level::Public
            || (effective(shelf, book) == Level::Unlisted && book.is_none())
            || (viewer == Viewer::LinkHolder && book != Some(Level::Private))
    }
}

/// (shelf level, shelf id, the shelf's share token, [(book override, book id)])
type Shelf = (Level, String, String, Vec<(Option<Level>, String)>);

struct Fixture {
    app: TestApp,
    owner: TestUser,
    other: TestUser,
    shelves: Vec<Shelf>,
}

async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let owner = app.user("matrix_owner").await;
    let other = app.user("matrix_other").await;
    let mut shelves = Vec::new();
    let mut n = 100;
    for level in LEVELS {
        let shelf = create_shelf(
            &app,
            &owner,
            json!({ "name": format!("{} shelf", level.name()), "privacy_level": level.name() }),
        )
        .await;
        let mut books = Vec::new();
        for book_override in OVERRIDES {
            n += 1;
            let body =
                json!({ "isbn13": isbn(n), "privacy_override": book_override.map(Level::name) });
            books.push((book_override, add_book(&app, &owner, &shelf, body).await));
        }
        let link = app
            .post(
                &format!("/api/shelves/{shelf}/shares"),
                Some(&owner.token),
                json!({}),
            )
            .await;
        let token = link.body["data"]["token"].as_str().unwrap().to_string();
        shelves.push((level, shelf, token, books));
    }
    Fixture {
        app,
        owner,
        other,
        shelves,
    }
}

impl Fixture {
    fn auth(&self, viewer: Viewer) -> Option<&str> {
        match viewer {
            Viewer::Owner => Some(&self.owner.token),
            Viewer::OtherUser => Some(&self.other.token),
            Viewer::Anonymous | Viewer::LinkHolder => None,
        }
    }

    fn query(viewer: Viewer, token: &str) -> String {
        if viewer == Viewer::LinkHolder {
            format!("?token={token}")
        } else {
            String::new()
        }
    }
}

#[tokio::test]
async fn every_viewer_reads_exactly_the_books_and_shelves_the_model_allows_over_http() {
    let f = fixture().await;
    for viewer in VIEWERS {
        for (level, shelf, token, books) in &f.shelves {
            let query = Fixture::query(viewer, token);
            let reply = f
                .app
                .get(&format!("/api/shelves/{shelf}{query}"), f.auth(viewer))
                .await;
            assert_eq!(
                reply.status.is_success(),
                model::reads_shelf(viewer, *level),
                "{viewer:?} GET {level:?} shelf"
            );
            if reply.status.is_success() {
                let listed: Vec<&str> = reply.body["data"]["books"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| b["id"].as_str().unwrap())
                    .collect();
                for (book_override, book) in books {
                    assert_eq!(
                        listed.contains(&book.as_str()),
                        model::listed_on_shelf(viewer, *level, *book_override),
                        "{viewer:?} sees book ({level:?}, {book_override:?}) on its shelf"
                    );
                }
            }
            for (book_override, book) in books {
                let reply = f
                    .app
                    .get(&format!("/api/books/{book}{query}"), f.auth(viewer))
                    .await;
                assert_eq!(
                    reply.status.is_success(),
                    model::reads_book(viewer, *level, *book_override),
                    "{viewer:?} GET book ({level:?} shelf, override {book_override:?}): {}",
                    reply.status
                );
                if reply.status.is_success() {
                    assert_eq!(
                        reply.body["data"]["effective_privacy"],
                        model::effective(*level, *book_override).name()
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn discovery_counts_and_search_are_the_same_for_every_viewer_and_public_only() {
    let f = fixture().await;
    for viewer in [Viewer::Owner, Viewer::OtherUser, Viewer::Anonymous] {
        let reply = f
            .app
            .get("/api/shelves/public?search=shelf", f.auth(viewer))
            .await;
        let items = reply.body["data"].as_array().unwrap();
        assert_eq!(
            items.len(),
            1,
            "{viewer:?}: only the public shelf is discoverable"
        );
        assert_eq!(items[0]["id"], f.shelves[0].1.as_str());
        let public_books = OVERRIDES
            .iter()
            .filter(|o| model::effective(Level::Public, **o) == Level::Public)
            .count();
        assert_eq!(items[0]["book_count"], public_books as u64, "{viewer:?}");
        for hidden in ["unlisted", "private"] {
            let reply = f
                .app
                .get(
                    &format!("/api/shelves/public?search={hidden}"),
                    f.auth(viewer),
                )
                .await;
            assert_eq!(
                reply.body["pagination"]["total"], 0,
                "{viewer:?} found the {hidden} shelf by search"
            );
        }
    }
}

#[tokio::test]
async fn an_analyst_reads_exactly_what_an_anonymous_visitor_may_over_sql() {
    let f = fixture().await;
    let sql = analyst(&f.app, None).await;
    let visible = |rows: Vec<tokio_postgres::Row>| {
        rows.iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
    };

    // A plain SELECT addresses nothing: only effectively public books and public shelves.
    let books = visible(
        sql.query("SELECT id::text FROM analytics.books", &[])
            .await
            .unwrap(),
    );
    let shelves = visible(
        sql.query("SELECT id::text FROM analytics.shelves", &[])
            .await
            .unwrap(),
    );
    assert_eq!(shelves, vec![f.shelves[0].1.clone()]);
    for (level, _, _, list) in &f.shelves {
        for (book_override, book) in list {
            let public = model::effective(*level, *book_override) == Level::Public;
            assert_eq!(
                books.contains(book),
                public,
                "SELECT * shows book ({level:?}, {book_override:?})"
            );
        }
    }
    let count: i64 = sql
        .query_one("SELECT count(*) FROM analytics.books", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count as usize, books.len());

    // Addressing a thing by id, or holding a shelf's token, works as it does over HTTP.
    for viewer in [Viewer::Anonymous, Viewer::LinkHolder] {
        for (level, shelf, token, list) in &f.shelves {
            let token = if viewer == Viewer::LinkHolder {
                token.as_str()
            } else {
                ""
            };
            sql.execute(
                "SELECT set_config('request.share_token', $1, false)",
                &[&token],
            )
            .await
            .unwrap();
            for (book_override, book) in list {
                sql.execute(
                    "SELECT set_config('request.resource_id', $1, false)",
                    &[book],
                )
                .await
                .unwrap();
                let seen = !sql
                    .query(
                        "SELECT 1 FROM analytics.books WHERE id = $1::text::uuid",
                        &[book],
                    )
                    .await
                    .unwrap()
                    .is_empty();
                assert_eq!(
                    seen,
                    model::reads_book(viewer, *level, *book_override),
                    "analyst {viewer:?}: book ({level:?}, {book_override:?})"
                );
            }
            sql.execute(
                "SELECT set_config('request.resource_id', $1, false)",
                &[shelf],
            )
            .await
            .unwrap();
            let on_shelf = visible(
                sql.query(
                    "SELECT id::text FROM analytics.books WHERE shelf_id = $1::text::uuid",
                    &[shelf],
                )
                .await
                .unwrap(),
            );
            if model::reads_shelf(viewer, *level) {
                for (book_override, book) in list {
                    assert_eq!(
                        on_shelf.contains(book),
                        model::listed_on_shelf(viewer, *level, *book_override),
                        "analyst {viewer:?}: listed ({level:?}, {book_override:?})"
                    );
                }
            }
        }
    }
}
