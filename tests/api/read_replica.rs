//! A read replica (HEDGEROW_READ_DATABASE_URL) on a real streaming standby: reads whose
//! function does not write are served there — shown by pausing its replay — while logged reads
//! and writes go to the primary; a revoked link is dead at once; a session made private leaves
//! the feed within HEDGEROW_READ_MAX_LAG even when the replica is stuck; a replica that is
//! behind, stops answering, is unreachable or is no replica at all leaves reads on the primary.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::frozen_proxy::FrozenProxy;
use crate::helpers::{
    AUTHENTICATOR_PASSWORD, TestApp, connect_config, spawn_app_with, spawn_configured_app,
    test_server,
};
use crate::pgbouncer_server::free_port;
use crate::replica_pair::ReplicaPair;
use crate::sessions::create_session;

/// A server on a fresh database of the pair's primary, reading from the replica through
/// `replica_port` (the replica's, or a proxy's).
async fn app_on(pair: &ReplicaPair, max_lag: Duration, replica_port: u16) -> TestApp {
    let database = pair.fresh_database().await;
    let primary =
        pair.primary
            .login_config("hedgerow_authenticator", AUTHENTICATOR_PASSWORD, &database);
    let replica_url = pair.replica_url(&database, replica_port);
    spawn_configured_app(&database, Some(primary.into()), false, move |config| {
        config.read_database_url = Some(replica_url);
        config.read_max_lag = max_lag;
    })
    .await
}

/// What `/ready` says of the replica.
async fn replica_status(app: &TestApp) -> String {
    let ready = app.get("/ready", None).await;
    assert_eq!(ready.status, StatusCode::OK, "{:?}", ready.body);
    ready.body["data"]["read_replica"]
        .as_str()
        .unwrap_or_else(|| panic!("no replica state: {:?}", ready.body))
        .to_string()
}

async fn wait_for_status(app: &TestApp, wanted: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = replica_status(app).await;
        if wanted(&status) {
            return status;
        }
        assert!(Instant::now() < deadline, "the replica is still {status:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn wait_until_in_use(app: &TestApp) {
    wait_for_status(app, |status| status == "in use").await;
}

fn feed_ids(reply: &Value) -> Vec<String> {
    reply["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {reply:?}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

async fn anonymous_feed(app: &TestApp) -> Vec<String> {
    let feed = app.get("/api/public/sessions", None).await;
    assert_eq!(feed.status, StatusCode::OK, "{:?}", feed.body);
    feed_ids(&feed.body)
}

/// A count, queried as a superuser on the primary or (`on_replica`) on the replica.
async fn count(pair: &ReplicaPair, app: &TestApp, on_replica: bool, sql: &str) -> i64 {
    let client = if on_replica {
        pair.replica_admin(&app.database).await
    } else {
        connect_config(&pair.primary.admin_config(&app.database)).await
    };
    client.query_one(sql, &[]).await.unwrap().get(0)
}

const AN_HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn the_feed_is_served_by_the_replica_and_logged_reads_and_writes_by_the_primary() {
    let (_turn, pair) = crate::replica_pair::replica_pair().await;
    let app = app_on(pair, AN_HOUR, pair.replica_port()).await;
    let alice = app.user("alice_replicated").await;
    wait_until_in_use(&app).await;

    pair.pause_replay().await;
    // A write: on the primary (a standby refuses writes).
    let session = create_session(
        &app,
        &alice,
        json!({ "track": "Spa", "visibility": "public" }),
    )
    .await;
    // The anonymous feed comes from the paused replica, which does not have it…
    assert_eq!(anonymous_feed(&app).await, Vec::<String>::new());
    // …but its author reads her own write: her reads follow it to the primary.
    let hers = app.get("/api/public/sessions", Some(&alice.token)).await;
    assert_eq!(feed_ids(&hers.body), vec![session.clone()]);
    let own = app.get("/api/sessions", Some(&alice.token)).await;
    assert_eq!(feed_ids(&own.body), vec![session.clone()]);
    // A logged read runs on the primary, the only one that has the session, and logs there.
    let read = app.get(&format!("/api/sessions/{session}"), None).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    let logged = "SELECT count(*) FROM data.access_log";
    assert_eq!(count(pair, &app, false, logged).await, 1);
    assert_eq!(count(pair, &app, true, logged).await, 0);
    assert_eq!(replica_status(&app).await, "in use");

    pair.resume_replay().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while anonymous_feed(&app).await != vec![session.clone()] {
        assert!(Instant::now() < deadline, "the replica never showed it");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_revoked_share_link_is_dead_at_once_while_the_replica_still_has_it() {
    let (_turn, pair) = crate::replica_pair::replica_pair().await;
    let app = app_on(pair, AN_HOUR, pair.replica_port()).await;
    let alice = app.user("alice_revokes").await;
    let session = create_session(&app, &alice, json!({ "track": "Spa" })).await;
    let link = app
        .post(
            &format!("/api/sessions/{session}/share"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    let token = link.body["data"]["token"].as_str().unwrap().to_string();
    let link_id = link.body["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.get(&format!("/api/shared/{token}"), None).await.status,
        StatusCode::OK
    );
    pair.wait_until_replayed().await;
    wait_until_in_use(&app).await;

    pair.pause_replay().await;
    let revoked = app
        .request(
            Method::DELETE,
            &format!("/api/sessions/{session}/shares/{link_id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    // Share reads are logged reads: the primary serves them, so the link is dead at once…
    for path in [format!("/api/shared/{token}"), format!("/shared/{token}")] {
        assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);
    }
    // …although the replica, still in use for other reads, has it alive.
    let alive = format!(
        "SELECT count(*) FROM data.share_links WHERE revoked_at IS NULL AND id = '{link_id}'"
    );
    assert_eq!(count(pair, &app, true, &alive).await, 1);
    assert_eq!(count(pair, &app, false, &alive).await, 0);
    assert_eq!(replica_status(&app).await, "in use");
    pair.resume_replay().await;
}

#[tokio::test]
async fn a_session_made_private_leaves_the_feed_within_the_maximum_lag_while_the_replica_is_stuck()
{
    let max_lag = Duration::from_secs(1);
    let (_turn, pair) = crate::replica_pair::replica_pair().await;
    let app = app_on(pair, max_lag, pair.replica_port()).await;
    let alice = app.user("alice_hides").await;
    let session = create_session(
        &app,
        &alice,
        json!({ "track": "Spa", "visibility": "public" }),
    )
    .await;
    pair.wait_until_replayed().await;
    wait_until_in_use(&app).await;
    assert_eq!(anonymous_feed(&app).await, vec![session.clone()]);

    pair.pause_replay().await;
    let hidden = app
        .request(
            Method::PUT,
            &format!("/api/sessions/{session}/privacy"),
            Some(&alice.token),
            Some(json!({ "visibility": "private" })),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{:?}", hidden.body);
    let made_private = Instant::now();
    while anonymous_feed(&app).await.contains(&session) {
        assert!(
            made_private.elapsed() < max_lag + Duration::from_secs(1),
            "still in the feed after {:?}",
            made_private.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "a session made private left the feed after {:?} with replay paused (HEDGEROW_READ_MAX_LAG = {max_lag:?})",
        made_private.elapsed()
    );
    // The replica still lists it as public: the primary answered.
    let listed = format!(
        "SELECT count(*) FROM data.sessions WHERE id = '{session}' AND visibility = 'public'"
    );
    assert_eq!(count(pair, &app, true, &listed).await, 1);
    assert!(
        replica_status(&app)
            .await
            .starts_with("more than 1s behind")
    );
    pair.resume_replay().await;
    wait_until_in_use(&app).await;
    assert_eq!(anonymous_feed(&app).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_route_whose_function_the_replica_has_not_replayed_yet_is_served_by_the_primary() {
    let (_turn, pair) = crate::replica_pair::replica_pair().await;
    let app = app_on(pair, AN_HOUR, pair.replica_port()).await;
    wait_until_in_use(&app).await;

    pair.pause_replay().await;
    // A migration adds a read-only route; servers reload their routes at once (NOTIFY).
    connect_config(&pair.primary.admin_config(&app.database))
        .await
        .batch_execute(
            "SET ROLE hedgerow_owner;
             CREATE FUNCTION api.replica_probe(args jsonb) RETURNS json LANGUAGE sql STABLE
               AS $$ SELECT json_build_object('data', 'probed', 'error', null) $$;
             GRANT EXECUTE ON FUNCTION api.replica_probe(jsonb) TO hedgerow_anon;
             SELECT hedgerow.route('GET', '/api/replica-probe', 'api.replica_probe(jsonb)', 'Probe');
             NOTIFY hedgerow_routes;",
        )
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let probed = loop {
        let reply = app.get("/api/replica-probe", None).await;
        if reply.status != StatusCode::NOT_FOUND {
            break reply;
        }
        assert!(Instant::now() < deadline, "the route never arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(probed.status, StatusCode::OK, "{:?}", probed.body);
    assert_eq!(probed.body["data"], "probed");
    pair.resume_replay().await;
}

#[tokio::test]
async fn a_replica_that_stops_answering_delays_reads_by_a_lag_check_at_most() {
    let (_turn, pair) = crate::replica_pair::replica_pair().await;
    let proxy = FrozenProxy::start(pair.replica_port()).await;
    let app = app_on(pair, AN_HOUR, proxy.port()).await;
    wait_until_in_use(&app).await;
    assert_eq!(anonymous_feed(&app).await, Vec::<String>::new());

    proxy.freeze();
    // A read in flight there waits for the next lag check (every second at this maximum lag)
    // to give up on the replica after HEDGEROW_POOL_TIMEOUT (2 s in the tests), then runs on
    // the primary; the reads after it go straight there.
    for _ in 0..3 {
        let feed = tokio::time::timeout(Duration::from_secs(5), anonymous_feed(&app)).await;
        assert_eq!(feed.expect("no answer in 5 s"), Vec::<String>::new());
    }
    wait_for_status(&app, |status| {
        status.starts_with("unusable") && status.contains("no answer within 2s")
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_replica_leaves_every_read_on_the_primary() {
    let port = free_port();
    let app = spawn_app_with(|config| {
        config.read_database_url = Some(format!(
            "postgres://hedgerow_authenticator:{AUTHENTICATOR_PASSWORD}@127.0.0.1:{port}/postgres"
        ));
    })
    .await;
    let alice = app.user("alice_unreplicated").await;
    let session = create_session(
        &app,
        &alice,
        json!({ "track": "Spa", "visibility": "public" }),
    )
    .await;
    let started = Instant::now();
    assert_eq!(anonymous_feed(&app).await, [session]);
    assert!(started.elapsed() < Duration::from_secs(1));
    let status = wait_for_status(&app, |status| status.starts_with("unusable")).await;
    assert!(status.contains("connection refused"), "{status}");
    assert!(!status.contains(&port.to_string()), "{status}");
}

#[tokio::test]
async fn a_replica_url_that_leads_to_no_standby_is_refused_for_reads() {
    let database = test_server().fresh_database().await;
    let url = format!(
        "postgres://hedgerow_authenticator:{AUTHENTICATOR_PASSWORD}@{}:{}/{database}",
        test_server().address().0,
        test_server().address().1
    );
    let app = spawn_configured_app(&database, None, false, |config| {
        config.read_database_url = Some(url);
    })
    .await;
    let status = wait_for_status(&app, |status| status.starts_with("unusable")).await;
    assert!(status.contains("it is not a standby"), "{status}");
    assert_eq!(anonymous_feed(&app).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_logged_route_whose_function_is_not_volatile_is_refused_at_migrate_time() {
    // It would be sent to a replica, which cannot write its access-log row.
    let database = test_server().fresh_database().await;
    let owner = connect_config(&test_server().admin_config(&database)).await;
    owner
        .batch_execute(
            "SET ROLE hedgerow_owner;
             CREATE FUNCTION api.logged_probe(args jsonb) RETURNS json LANGUAGE sql STABLE
               AS $$ SELECT json_build_object('data', null, 'error', null) $$;
             CREATE FUNCTION api.logged_writer(args jsonb) RETURNS json LANGUAGE sql VOLATILE
               AS $$ SELECT json_build_object('data', null, 'error', null) $$;",
        )
        .await
        .unwrap();
    let declare = |function: &str| {
        format!(
            "SELECT hedgerow.route('GET', '/api/{function}', 'api.{function}(jsonb)', 'Probe', logs_access => true)"
        )
    };
    let refused = owner
        .batch_execute(&declare("logged_probe"))
        .await
        .unwrap_err();
    let message = refused.as_db_error().unwrap().message().to_string();
    assert!(message.contains("must be VOLATILE"), "{message}");
    owner
        .batch_execute(&declare("logged_writer"))
        .await
        .unwrap();
}
