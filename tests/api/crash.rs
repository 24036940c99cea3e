//! `kill -9` of the server under load: every single-resource read it answered with 200 has its
//! access-log row, because the row is written in the same transaction as the read and the
//! response goes out only after COMMIT.

use std::{
    net::TcpListener,
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{AUTHENTICATOR_PASSWORD, JWT_SECRET, spawn_app, test_server};
use crate::sessions::create_session;

#[tokio::test]
async fn every_200_served_before_a_kill_9_has_its_access_log_row() {
    let app = spawn_app().await;
    let owner = app.user("crash_owner").await;
    let session = create_session(&app, &owner, json!({ "track": "Spa", "is_public": true })).await;

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = test_server().login_config(
        "hedgerow_authenticator",
        AUTHENTICATOR_PASSWORD,
        &app.database,
    );
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(host) => host.clone(),
        tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
    };
    let url = format!(
        "postgres://hedgerow_authenticator:{AUTHENTICATOR_PASSWORD}@{host}:{}/{}",
        config.get_ports()[0],
        app.database
    );
    let mut server = Command::new(env!("CARGO_BIN_EXE_hedgerow"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("HEDGEROW_JWT_SECRET", JWT_SECRET)
        .env("HEDGEROW_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !reqwest::get(format!("{base}/ready"))
        .await
        .is_ok_and(|r| r.status() == StatusCode::OK)
    {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let served = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (served, stop, url) = (
                served.clone(),
                stop.clone(),
                format!("{base}/api/sessions/{session}"),
            );
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(response) = http.get(&url).send().await
                        && response.status() == StatusCode::OK
                    {
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    // Kill it mid-load, once it has served a good number of reads (however slow this machine).
    let deadline = Instant::now() + Duration::from_secs(60);
    while served.load(Ordering::Relaxed) < 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }

    let served = served.load(Ordering::Relaxed);
    assert!(served > 50, "too little load to mean anything: {served}");
    let logged: i64 = app
        .admin()
        .await
        .query_one(
            "SELECT count(*) FROM data.access_log WHERE resource_id = $1::text::uuid",
            &[&session],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        logged as u64 >= served,
        "{served} reads answered 200 but only {logged} were logged"
    );
}
