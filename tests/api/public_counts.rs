//! Feed and discovery totals are kept as rows are written (data.public_counts), not counted per
//! request. After every kind of write — and under concurrent writers — each kept count equals
//! a count of the rows themselves.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, TestUser, analyst, spawn_app};
use crate::sessions::create_session;
use crate::shelves::{add_book, create_shelf, isbn};

/// Fails unless every kept count is exact (zero counts may be kept or absent).
async fn assert_counts_exact(app: &TestApp, after: &str) {
    let admin = app.admin().await;
    let rows = |sql: &'static str| {
        let admin = &admin;
        async move {
            admin
                .query(sql, &[])
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        (r.get::<_, String>(0), r.get::<_, String>(1)),
                        r.get::<_, i64>(2),
                    )
                })
                .collect::<BTreeMap<_, _>>()
        }
    };
    let kept = rows("SELECT kind, scope, n FROM data.public_counts WHERE n <> 0").await;
    let counted = rows("SELECT kind, scope, n FROM hedgerow.counted_public() WHERE n <> 0").await;
    assert_eq!(kept, counted, "kept counts after {after}");
}

async fn ok(
    app: &TestApp,
    method: Method,
    path: &str,
    user: &TestUser,
    body: Option<serde_json::Value>,
) {
    let reply = app
        .request(method.clone(), path, Some(&user.token), body)
        .await;
    assert!(
        reply.status.is_success(),
        "{method} {path}: {:?}",
        reply.body
    );
}

fn total(reply: &crate::helpers::Reply) -> &serde_json::Value {
    &reply.body["pagination"]["total"]
}

#[tokio::test]
async fn kept_counts_follow_every_kind_of_write() {
    let app = spawn_app().await;
    let alice = app.user("count_alice").await;
    let bob = app.user("count_bob").await;
    let spa_public =
        create_session(&app, &alice, json!({ "track": "Spa", "is_public": true })).await;
    let spa_private = create_session(&app, &alice, json!({ "track": "Spa" })).await;
    let monza_unlisted = create_session(
        &app,
        &alice,
        json!({ "track": "Monza", "visibility": "unlisted" }),
    )
    .await;
    let monza_public =
        create_session(&app, &bob, json!({ "track": "Monza", "is_public": true })).await;
    assert_counts_exact(&app, "creating sessions").await;
    let spa = app.get("/api/public/sessions?track=Spa", None).await;
    assert_eq!(
        total(&spa),
        1,
        "unlisted and private sessions are never counted"
    );
    assert_eq!(total(&app.get("/api/public/sessions", None).await), 2);

    let session = |id: &str| format!("/api/sessions/{id}");
    ok(
        &app,
        Method::PATCH,
        &session(&spa_public),
        &alice,
        Some(json!({ "track": "Monza" })),
    )
    .await;
    assert_counts_exact(&app, "moving a public session to another track").await;
    assert_eq!(
        total(&app.get("/api/public/sessions?track=Spa", None).await),
        0
    );
    assert_eq!(
        total(&app.get("/api/public/sessions?track=Monza", None).await),
        2
    );
    ok(
        &app,
        Method::PATCH,
        &session(&spa_private),
        &alice,
        Some(json!({ "visibility": "public" })),
    )
    .await;
    assert_counts_exact(&app, "making a session public").await;
    ok(
        &app,
        Method::PUT,
        &format!("{}/privacy", session(&monza_public)),
        &bob,
        Some(json!({ "is_public": false })),
    )
    .await;
    assert_counts_exact(&app, "making a session private").await;
    ok(
        &app,
        Method::PATCH,
        &session(&monza_unlisted),
        &alice,
        Some(json!({ "track": "Spa", "visibility": "public" })),
    )
    .await;
    assert_counts_exact(&app, "changing track and visibility at once").await;
    ok(&app, Method::DELETE, &session(&spa_public), &alice, None).await;
    assert_counts_exact(&app, "deleting a public session").await;
    assert_eq!(total(&app.get("/api/public/sessions", None).await), 2);

    let shelf = create_shelf(
        &app,
        &alice,
        json!({ "name": "Kept", "privacy_level": "public" }),
    )
    .await;
    add_book(&app, &alice, &shelf, json!({ "isbn13": isbn(1) })).await;
    add_book(
        &app,
        &alice,
        &shelf,
        json!({ "isbn13": isbn(2), "privacy_override": "private" }),
    )
    .await;
    let hidden = create_shelf(
        &app,
        &bob,
        json!({ "name": "Hidden kept", "privacy_level": "private" }),
    )
    .await;
    add_book(
        &app,
        &bob,
        &hidden,
        json!({ "isbn13": isbn(3), "privacy_override": "public" }),
    )
    .await;
    assert_counts_exact(&app, "creating shelves and books").await;
    assert_eq!(total(&app.get("/api/shelves/public", None).await), 1);
    assert_eq!(
        total(&app.get("/api/shelves/public?search=KEPT", None).await),
        1
    );
    let shelf_path = format!("/api/shelves/{shelf}");
    ok(
        &app,
        Method::PATCH,
        &shelf_path,
        &alice,
        Some(json!({ "privacy_level": "unlisted" })),
    )
    .await;
    assert_counts_exact(&app, "a shelf and its inheriting books leaving public").await;
    assert_eq!(total(&app.get("/api/shelves/public", None).await), 0);
    assert_eq!(
        total(&app.get("/api/shelves/public?search=kept", None).await),
        0
    );
    ok(
        &app,
        Method::PATCH,
        &shelf_path,
        &alice,
        Some(json!({ "privacy_level": "public" })),
    )
    .await;
    ok(
        &app,
        Method::PATCH,
        &shelf_path,
        &alice,
        Some(json!({ "name": "Renamed" })),
    )
    .await;
    assert_counts_exact(&app, "a shelf coming back and being renamed").await;
    ok(&app, Method::DELETE, &shelf_path, &alice, None).await;
    assert_counts_exact(&app, "deleting a shelf with its books").await;

    app.admin()
        .await
        .execute("DELETE FROM data.profiles WHERE id = $1", &[&alice.id])
        .await
        .unwrap();
    assert_counts_exact(&app, "deleting an account and everything it owned").await;
    assert_eq!(total(&app.get("/api/public/sessions", None).await), 0);
}

async fn counters_naming_secret_ring(sql: &tokio_postgres::Client) -> i64 {
    sql.query_one(
        "SELECT count(*) FROM analytics.public_counts WHERE scope = 'Secret Ring'",
        &[],
    )
    .await
    .unwrap()
    .get(0)
}

/// Counters outlive what they counted: a track whose only public session went private must not
/// stay readable, by name, in the counts.
#[tokio::test]
async fn a_track_no_longer_public_is_not_named_by_the_counts() {
    let app = spawn_app().await;
    let owner = app.user("count_hider").await;
    let session = create_session(
        &app,
        &owner,
        json!({ "track": "Secret Ring", "is_public": true }),
    )
    .await;
    let sql = analyst(&app, None).await;
    assert_eq!(
        counters_naming_secret_ring(&sql).await,
        1,
        "public, so counted by name"
    );
    ok(
        &app,
        Method::PUT,
        &format!("/api/sessions/{session}/privacy"),
        &owner,
        Some(json!({ "visibility": "private" })),
    )
    .await;
    assert_eq!(
        counters_naming_secret_ring(&sql).await,
        0,
        "private again: the name is gone"
    );
    let feed = app
        .get("/api/public/sessions?track=Secret%20Ring", None)
        .await;
    assert_eq!(total(&feed), 0);
}

/// Writers on the same tracks at the same time: nobody deadlocks or fails, and the counts stay
/// exact. (Counters are locked total-first, in one order, by every writer.)
#[tokio::test]
async fn concurrent_writers_keep_exact_counts_without_failing() {
    let app = spawn_app().await;
    let mut users = Vec::new();
    for n in 0..4 {
        users.push(app.user(&format!("racer_{n}")).await);
    }
    let worker = |user: &TestUser, n: usize| {
        let app = &app;
        let user = user.clone();
        async move {
            for round in 0..8 {
                let tracks = ["Spa", "Monza", "Imola"];
                let track = tracks[(n + round) % 3];
                let id =
                    create_session(app, &user, json!({ "track": track, "is_public": true })).await;
                let path = format!("/api/sessions/{id}");
                let other = tracks[(n + round + 1) % 3];
                ok(
                    app,
                    Method::PATCH,
                    &path,
                    &user,
                    Some(json!({ "track": other })),
                )
                .await;
                ok(
                    app,
                    Method::PUT,
                    &format!("{path}/privacy"),
                    &user,
                    Some(json!({ "visibility": "private" })),
                )
                .await;
                ok(
                    app,
                    Method::PUT,
                    &format!("{path}/privacy"),
                    &user,
                    Some(json!({ "visibility": "public" })),
                )
                .await;
                if round % 2 == 0 {
                    ok(app, Method::DELETE, &path, &user, None).await;
                }
            }
        }
    };
    tokio::join!(
        worker(&users[0], 0),
        worker(&users[1], 1),
        worker(&users[2], 2),
        worker(&users[3], 3)
    );
    assert_counts_exact(&app, "concurrent writers").await;
    let feed = app.get("/api/public/sessions", None).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(
        total(&feed),
        16,
        "4 writers × 8 sessions, half of them deleted"
    );
}
