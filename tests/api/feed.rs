//! The community feed: public sessions of everyone, never a private or unlisted one, in any
//! list or count; filters and keyset cursors.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::sessions::create_session;

fn ids(reply: &Value) -> Vec<String> {
    reply["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_feed_shows_public_sessions_of_all_users_newest_first_and_nothing_else() {
    let app = spawn_app().await;
    let alice = app.user("alice_feed").await;
    let bob = app.user("bob_feed").await;
    let old = create_session(
        &app,
        &alice,
        json!({ "track": "Spa", "is_public": true, "recorded_at": "2026-01-01T00:00:00Z" }),
    )
    .await;
    let new = create_session(
        &app,
        &bob,
        json!({ "track": "Monza", "is_public": true, "recorded_at": "2026-02-01T00:00:00Z" }),
    )
    .await;
    create_session(&app, &alice, json!({ "track": "Spa" })).await;
    create_session(
        &app,
        &bob,
        json!({ "track": "Spa", "visibility": "unlisted" }),
    )
    .await;

    for token in [None, Some(alice.token.as_str()), Some(bob.token.as_str())] {
        let feed = app.get("/api/public/sessions", token).await;
        assert_eq!(feed.status, StatusCode::OK);
        assert_eq!(
            ids(&feed.body),
            vec![new.clone(), old.clone()],
            "owners do not see their private sessions here either"
        );
        assert_eq!(feed.body["pagination"]["total"], 2);
        assert_eq!(feed.body["data"][0]["owner"]["username"], "bob_feed");
    }
}

#[tokio::test]
async fn the_feed_filters_by_track() {
    let app = spawn_app().await;
    let racer = app.user("tracker").await;
    let spa = create_session(&app, &racer, json!({ "track": "Spa", "is_public": true })).await;
    create_session(&app, &racer, json!({ "track": "Monza", "is_public": true })).await;
    create_session(&app, &racer, json!({ "track": "Spa" })).await;
    let feed = app.get("/api/public/sessions?track=Spa", None).await;
    assert_eq!(ids(&feed.body), vec![spa]);
    assert_eq!(feed.body["pagination"]["total"], 1);
    let none = app.get("/api/public/sessions?track=Nowhere", None).await;
    assert_eq!(none.body["data"], json!([]));
}

#[tokio::test]
async fn cursor_pagination_walks_the_whole_feed_once_and_counts_its_offset() {
    let app = spawn_app().await;
    let racer = app.user("pager").await;
    for minute in 0..7 {
        create_session(&app, &racer, json!({ "track": "Spa", "is_public": true, "recorded_at": format!("2026-03-01T10:0{minute}:00Z") })).await;
    }
    // Two sessions in the same instant: the id breaks the tie, so none is skipped or repeated.
    create_session(
        &app,
        &racer,
        json!({ "track": "Spa", "is_public": true, "recorded_at": "2026-03-01T10:03:00Z" }),
    )
    .await;
    let everything = ids(&app.get("/api/public/sessions?limit=100", None).await.body);
    assert_eq!(everything.len(), 8);

    let mut walked = Vec::new();
    let mut path = "/api/public/sessions?limit=3".to_string();
    loop {
        let page = app.get(&path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        assert_eq!(
            page.body["pagination"]["offset"],
            walked.len(),
            "each page says where it starts"
        );
        assert_eq!(page.body["pagination"]["total"], 8);
        walked.extend(ids(&page.body));
        assert_eq!(
            page.body["pagination"]["has_more"],
            walked.len() < everything.len()
        );
        match page.body["pagination"]["next_cursor"].as_str() {
            Some(cursor) => {
                assert!(
                    cursor
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                    "{cursor:?} is not URL-safe"
                );
                path = format!("/api/public/sessions?limit=3&cursor={cursor}");
            }
            None => break,
        }
    }
    assert_eq!(walked, everything);
}

#[tokio::test]
async fn invalid_paging_parameters_are_400() {
    let app = spawn_app().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "offset=-1",
        "offset=1.5",
        "cursor=not-a-cursor",
        "cursor=",
    ] {
        let reply = app
            .get(&format!("/api/public/sessions?{query}"), None)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {:?}",
            reply.body
        );
    }
    // A cursor the list did not hand out, whether or not it has a cursor's shape (the
    // document's pattern), is the same clear refusal.
    for cursor in ["not-a-cursor", "", "a%20b", "W1siMjAyNi0xMS0yMSJdLDBd"] {
        let reply = app
            .get(&format!("/api/public/sessions?cursor={cursor}"), None)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{cursor}");
        assert_eq!(reply.code(), "INVALID_CURSOR", "{cursor}");
    }
    assert_eq!(
        app.get("/api/public/sessions?limit=100", None).await.status,
        StatusCode::OK
    );
}
