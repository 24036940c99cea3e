//! hedgerow behind Debian's real PgBouncer in transaction pooling mode, with
//! HEDGEROW_DATABASE_POOLER=transaction: the seed flows work, callers never see each other's
//! identity through a shared server connection, nothing outlives a transaction on it, route
//! changes still arrive, and a pooler that goes away is a quick 503.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use futures_util::future::join_all;
use hedgerow::db::pooler::Pooler;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    AUTHENTICATOR_PASSWORD, TestApp, connect_config, spawn_configured_app, test_server,
};
use crate::pgbouncer_server::{PgBouncer, Pooling};
use crate::sessions::create_session;

/// PgBouncer with `server_connections` per database in front of the test server.
fn bouncer(server_connections: u32) -> PgBouncer {
    PgBouncer::start(
        test_server().address(),
        &Pooling {
            server_connections,
            users: vec![(
                "hedgerow_authenticator".into(),
                AUTHENTICATOR_PASSWORD.into(),
            )],
        },
    )
}

/// The authenticator's connection to `database` through `bouncer`.
fn through(bouncer: &PgBouncer, database: &str) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config
        .user("hedgerow_authenticator")
        .password(AUTHENTICATOR_PASSWORD)
        .dbname(database)
        .host("127.0.0.1")
        .port(bouncer.port());
    config
}

/// A server on a fresh database whose every connection goes through `bouncer`.
async fn app_through(bouncer: &PgBouncer, pooler: Pooler) -> TestApp {
    let database = test_server().fresh_database().await;
    spawn_configured_app(
        &database,
        Some(through(bouncer, &database).into()),
        false,
        |config| {
            config.pooler = pooler;
            config.pool_size = 8;
            config.routes_poll = Duration::from_millis(200);
        },
    )
    .await
}

/// The server backends of `database` that PgBouncer holds open upstream.
async fn upstream_connections(app: &TestApp) -> i64 {
    let admin = connect_config(&test_server().admin_config("postgres")).await;
    admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND usename = 'hedgerow_authenticator'",
            &[&app.database],
        )
        .await
        .unwrap()
        .get(0)
}

fn ids(reply: &Value) -> Vec<&str> {
    reply["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {reply:?}"))
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn through_pgbouncer_in_transaction_mode_the_seed_flows_work_and_identities_never_mix() {
    let bouncer = bouncer(1);
    let app = app_through(&bouncer, Pooler::Transaction).await;
    let alice = app.user("alice_pooled").await;
    let bob = app.user("bob_pooled").await;
    let private = create_session(&app, &alice, json!({ "track": "Spa", "title": "mine" })).await;
    let public = create_session(
        &app,
        &alice,
        json!({ "track": "Spa", "title": "ours", "visibility": "public" }),
    )
    .await;
    let bobs = create_session(&app, &bob, json!({ "track": "Spa" })).await;

    // Share, and read through the link without an account: a logged read.
    let link = app
        .post(
            &format!("/api/sessions/{private}/share"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(link.status, StatusCode::CREATED, "{:?}", link.body);
    let token = link.body["data"]["token"].as_str().unwrap();
    let opened = app.get(&format!("/api/shared/{token}"), None).await;
    assert_eq!(opened.status, StatusCode::OK, "{:?}", opened.body);
    assert_eq!(opened.body["data"]["resource"]["title"], "mine");
    let feed = app.get("/api/public/sessions", None).await;
    assert_eq!(ids(&feed.body), [public.as_str()]);

    // Two users and anonymous callers interleaved, through one server connection: every
    // answer is the caller's own.
    let private_path = format!("/api/sessions/{private}");
    for _ in 0..15 {
        let requests = [
            (Some(&alice.token), "/api/auth/profile", "alice_pooled"),
            (Some(&bob.token), "/api/auth/profile", "bob_pooled"),
            (Some(&alice.token), "/api/sessions", "alice's list"),
            (Some(&bob.token), "/api/sessions", "bob's list"),
            (
                Some(&alice.token),
                private_path.as_str(),
                "alice reads hers",
            ),
            (Some(&bob.token), private_path.as_str(), "bob is refused"),
            (None, private_path.as_str(), "anonymous is refused"),
            (None, "/api/public/sessions", "the feed"),
        ];
        let replies = join_all(
            requests
                .iter()
                .map(|(token, path, _)| app.get(path, token.map(String::as_str))),
        )
        .await;
        for ((_, _, what), reply) in requests.iter().zip(replies) {
            match *what {
                "alice_pooled" | "bob_pooled" => {
                    assert_eq!(reply.body["data"]["username"], *what, "{reply:?}")
                }
                "alice's list" => {
                    let mut mine = ids(&reply.body);
                    mine.sort();
                    let mut expected = [private.as_str(), public.as_str()];
                    expected.sort();
                    assert_eq!(mine, expected)
                }
                "bob's list" => assert_eq!(ids(&reply.body), [bobs.as_str()]),
                "alice reads hers" => {
                    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
                    assert_eq!(reply.body["data"]["title"], "mine");
                }
                "bob is refused" | "anonymous is refused" => {
                    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{what}: {reply:?}")
                }
                _ => assert_eq!(ids(&reply.body), [public.as_str()]),
            }
        }
    }
    // Every read of the private session was logged: the link's, and alice's 15.
    let log = app
        .get(&format!("{private_path}/access-logs"), Some(&alice.token))
        .await;
    assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
    assert_eq!(log.body["pagination"]["total"], 16, "{:?}", log.body);

    // All of it went through a single server connection…
    assert_eq!(upstream_connections(&app).await, 1);
    // …on which nothing outlived its transaction: no statement, no role, no identity.
    let direct = connect_config(&through(&bouncer, &app.database)).await;
    let rows = direct
        .simple_query(
            "SELECT (SELECT count(*) FROM pg_prepared_statements), current_user, \
                    coalesce(current_setting('request.user_id', true), ''), \
                    coalesce(current_setting('request.share_token', true), '')",
        )
        .await
        .unwrap();
    let row = rows
        .iter()
        .find_map(|message| match message {
            tokio_postgres::SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        })
        .expect("a row");
    assert_eq!(
        (row.get(0), row.get(1), row.get(2), row.get(3)),
        (
            Some("0"),
            Some("hedgerow_authenticator"),
            Some(""),
            Some("")
        )
    );
}

/// The answers to 48 feed requests, 16 at a time, that were not 200.
async fn failed_feed_reads(app: &TestApp) -> Vec<crate::helpers::Reply> {
    let mut failures = Vec::new();
    for _ in 0..3 {
        let replies = join_all((0..16).map(|_| app.get("/api/public/sessions", None))).await;
        failures.extend(
            replies
                .into_iter()
                .filter(|reply| reply.status != StatusCode::OK),
        );
    }
    failures
}

#[tokio::test]
async fn across_two_server_connections_named_statements_break_and_unnamed_ones_work() {
    let bouncer = bouncer(2);
    // hedgerow's connections prepare statements on one server connection, and their next
    // transactions land on the other, which lacks them.
    let named = app_through(&bouncer, Pooler::None).await;
    let failures = failed_feed_reads(&named).await;
    assert!(
        !failures.is_empty(),
        "every request succeeded with named statements"
    );
    let unnamed = app_through(&bouncer, Pooler::Transaction).await;
    let failures = failed_feed_reads(&unnamed).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(upstream_connections(&unnamed).await, 2);
}

#[tokio::test]
async fn route_changes_reach_a_server_behind_pgbouncer_without_listen() {
    let bouncer = bouncer(2);
    let app = app_through(&bouncer, Pooler::Transaction).await;
    let summary = |document: &Value| {
        document["paths"]["/api/public/sessions"]["get"]["summary"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_ne!(
        summary(&app.get("/openapi.json", None).await.body),
        "Polled"
    );
    app.admin()
        .await
        .execute(
            "UPDATE api.routes SET summary = 'Polled' WHERE path = '/api/public/sessions'",
            &[],
        )
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while summary(&app.get("/openapi.json", None).await.body) != "Polled" {
        assert!(Instant::now() < deadline, "the change never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn when_pgbouncer_goes_away_requests_get_a_quick_503_and_nothing_is_left_behind() {
    let bouncer = bouncer(1);
    let app = app_through(&bouncer, Pooler::Transaction).await;
    let user = app.user("left_behind").await;
    assert_eq!(
        app.get("/api/auth/profile", Some(&user.token)).await.status,
        StatusCode::OK
    );
    let (pid, dir, port) = (bouncer.pid(), bouncer.dir(), bouncer.port());
    drop(bouncer);

    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "still running"
    );
    assert!(!dir.exists(), "{} is left", dir.display());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    let deadline = Instant::now() + Duration::from_secs(10);
    while upstream_connections(&app).await > 0 {
        assert!(Instant::now() < deadline, "server connections left open");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..3 {
        let started = Instant::now();
        let reply = app
            .request(Method::GET, "/api/auth/profile", Some(&user.token), None)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{:?}",
            reply.body
        );
        assert_eq!(reply.header("retry-after"), Some("1"));
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
