//! Faults: the database going away and coming back, slow statements, an exhausted pool, clients
//! that hang up, and shutdown with requests in flight. Never a hang, never a 500, never a lost
//! connection. Slow requests are made by holding a real lock from an admin session.

use std::{
    str::FromStr,
    time::{Duration, Instant},
};

use hedgerow::{
    db::{
        cluster::{ClusterOptions, LocalCluster},
        migrate,
    },
    secret::random_hex,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    AUTHENTICATOR_PASSWORD, TestApp, connect_config, spawn_app_on, spawn_app_with,
};

/// Holds an exclusive lock on data.profiles until dropped (its transaction is left open).
async fn lock_profiles(app: &TestApp) -> tokio_postgres::Client {
    let admin = app.admin().await;
    admin
        .batch_execute("BEGIN; LOCK TABLE data.profiles IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    admin
}

/// A request that reads data.profiles, so it waits while they are locked.
fn blocked_request(app: &TestApp) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
    let request = app
        .http
        .get(format!("{}/api/users/anyone", app.address))
        .send();
    tokio::spawn(request)
}

#[tokio::test]
async fn when_postgres_stops_requests_get_a_quick_503_and_recover_by_themselves() {
    let dir =
        std::env::temp_dir().join(format!("hedgerow-fault-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = ClusterOptions {
        admin_password: random_hex(12),
        preferred_port: None,
        durable: false,
        tls: None,
    };
    let cluster = LocalCluster::start(&dir, &options).unwrap();
    let admin = tokio_postgres::Config::from_str(&cluster.admin_url("postgres")).unwrap();
    let mut client = connect_config(&admin).await;
    migrate::migrate(&mut client, &Default::default())
        .await
        .unwrap();
    client
        .batch_execute(&format!(
            "RESET ROLE; ALTER ROLE hedgerow_authenticator PASSWORD '{AUTHENTICATOR_PASSWORD}'"
        ))
        .await
        .unwrap();
    drop(client);
    let pg = tokio_postgres::Config::from_str(&cluster.url(
        "hedgerow_authenticator",
        AUTHENTICATOR_PASSWORD,
        "postgres",
    ))
    .unwrap();
    let app = spawn_app_on("postgres", Some(pg)).await;
    let user = app.user("survivor").await;
    assert_eq!(
        app.get("/api/auth/profile", Some(&user.token)).await.status,
        StatusCode::OK
    );

    cluster.stop();
    for _ in 0..5 {
        let started = Instant::now();
        let down = app.get("/api/auth/profile", Some(&user.token)).await;
        assert_eq!(
            down.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{:?}",
            down.body
        );
        assert_eq!(down.header("retry-after"), Some("1"));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "took {:?}",
            started.elapsed()
        );
    }
    assert_eq!(
        app.get("/ready", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    let options = ClusterOptions {
        preferred_port: Some(cluster.port()),
        ..options
    };
    let _cluster = LocalCluster::start(&dir, &options).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = app.get("/api/auth/profile", Some(&user.token)).await.status;
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: still {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.get("/ready", None).await.status, StatusCode::OK);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_statement_timeout_is_a_clean_503_and_the_connection_serves_the_next_request() {
    let app = spawn_app_with(|config| {
        config.pool_size = 1;
        config.statement_timeout = Duration::from_millis(300);
    })
    .await;
    let lock = lock_profiles(&app).await;
    let started = Instant::now();
    let slow = blocked_request(&app).await.unwrap().unwrap();
    let slow = app.checked(reqwest::Method::GET, slow).await;
    assert_eq!(
        slow.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        slow.body
    );
    assert_eq!(slow.code(), "TIMEOUT");
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(lock);
    assert_eq!(
        app.get("/api/users/anyone", None).await.status,
        StatusCode::NOT_FOUND,
        "the one connection is back"
    );
}

#[tokio::test]
async fn an_exhausted_pool_answers_503_after_a_bounded_wait() {
    let mut app = spawn_app_with(|config| {
        config.pool_size = 1;
        config.pool_timeout = Duration::from_millis(300);
    })
    .await;
    let lock = lock_profiles(&app).await;
    let holder = blocked_request(&app);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let waiting = app.get("/health", None).await;
    assert_eq!(waiting.status, StatusCode::OK, "health needs no connection");
    let waiting = app.get("/api/public/sessions", None).await;
    assert_eq!(waiting.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "waited {:?}",
        started.elapsed()
    );
    drop(lock);
    assert_eq!(
        holder.await.unwrap().unwrap().status(),
        StatusCode::NOT_FOUND
    );
    app.begin_shutdown();
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_request_leaks_no_connection() {
    let app = spawn_app_with(|config| config.pool_size = 1).await;
    let lock = lock_profiles(&app).await;
    let impatient = app
        .http
        .get(format!("{}/api/users/anyone", app.address))
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(impatient.is_err(), "the client gave up");
    drop(lock);
    for _ in 0..3 {
        assert_eq!(
            app.get("/api/users/anyone", None).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let stuck: i64 = app
        .admin()
        .await
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
              AND application_name = 'hedgerow' AND state LIKE 'idle in transaction%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stuck, 0, "a connection was left inside a transaction");
}

#[tokio::test]
async fn shutdown_finishes_requests_in_flight_and_takes_no_new_ones() {
    let mut app = spawn_app_with(|_| {}).await;
    let owner = app.user("in_flight").await;
    let lock = lock_profiles(&app).await;
    let in_flight = blocked_request(&app);
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = reqwest::Client::new()
        .get(format!("{}/health", app.address))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "a new connection was accepted after shutdown began"
    );
    drop(lock);
    let finished = in_flight
        .await
        .unwrap()
        .expect("the in-flight request was cut off");
    assert_eq!(finished.status(), StatusCode::NOT_FOUND);
    let _ = json!({ "owner": owner.id });
}

#[tokio::test]
async fn share_token_requests_are_rate_limited_per_client_network() {
    let app = spawn_app_with(|config| {
        config.share_rate_limit = 3;
        config.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    let get = |token: &'static str, ip: &'static str| {
        app.send(
            app.http
                .get(format!("{}/api/shared/{token}", app.address))
                .header("x-forwarded-for", ip),
        )
    };
    for left in [2, 1, 0] {
        let answer = get("guess", "198.51.100.1").await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        // Where the caller stands, in the IETF RateLimit fields.
        assert_eq!(
            answer.header("ratelimit-policy"),
            Some("\"share\";q=3;w=60")
        );
        let status = answer.header("ratelimit").unwrap();
        assert!(
            status.starts_with(&format!("\"share\";r={left};t=")),
            "{status}"
        );
    }
    let limited = get("guess", "198.51.100.1").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.code(), "RATE_LIMITED");
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    assert!(
        limited
            .header("ratelimit")
            .unwrap()
            .starts_with("\"share\";r=0;t=")
    );
    // An IPv6 /64 is one client: new addresses in it share its bucket; the next /64 does not.
    for _ in 0..3 {
        let answer = get("guess", "2001:db8:5:6::1").await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
    }
    for rotated in ["2001:db8:5:6::2", "2001:db8:5:6:abcd:ef01:2345:6789"] {
        let answer = get("guess", rotated).await;
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{rotated}");
    }
    assert_eq!(
        get("guess", "2001:db8:5:7::1").await.status,
        StatusCode::NOT_FOUND
    );
    let page = app
        .http
        .get(format!("{}/shared/guess", app.address))
        .header("x-forwarded-for", "198.51.100.1")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another address, and requests without a token, are unaffected.
    assert_eq!(
        get("guess", "198.51.100.2").await.status,
        StatusCode::NOT_FOUND
    );
    let plain = app
        .http
        .get(format!("{}/api/public/sessions", app.address))
        .header("x-forwarded-for", "198.51.100.1")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(!plain.headers().contains_key("ratelimit"));
}
