//! The README's first command: `hedgerow serve` with no DATABASE_URL runs on an embedded
//! cluster, keeps its data across restarts, mints working tokens, and stops its cluster on
//! SIGTERM.

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::reply;

const BINARY: &str = env!("CARGO_BIN_EXE_hedgerow");

fn serve(data_dir: &Path, port: u16) -> Child {
    Command::new(BINARY)
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env_remove("HEDGEROW_JWT_SECRET")
        .env_remove("HEDGEROW_JWT_PUBLIC_KEY")
        .env("HEDGEROW_DATA_DIR", data_dir)
        .env("HEDGEROW_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_until_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if let Ok(response) = reqwest::get(format!("{base}/ready")).await
            && response.status() == StatusCode::OK
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the embedded server did not become ready");
}

fn terminate(mut child: Child) {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "serve exited with {status}");
}

fn token(data_dir: &Path, sub: Uuid) -> String {
    let output = Command::new(BINARY)
        .args(["token", "--sub", &sub.to_string(), "--ttl", "10m"])
        .env_remove("HEDGEROW_JWT_SECRET")
        .env_remove("HEDGEROW_JWT_PUBLIC_KEY")
        .env("HEDGEROW_DATA_DIR", data_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[tokio::test]
async fn serve_runs_on_an_embedded_cluster_keeps_data_and_stops_it_on_sigterm() {
    let data_dir =
        std::env::temp_dir().join(format!("hedgerow-embedded-{}", Uuid::new_v4().simple()));
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let sub = Uuid::new_v4();

    let server = serve(&data_dir, port);
    wait_until_ready(&base).await;
    let token = token(&data_dir, sub);
    let created = http
        .post(format!("{base}/api/auth/profile"))
        .bearer_auth(&token)
        .json(&json!({ "username": "embedded" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply(created).await.status, StatusCode::CREATED);
    terminate(server);
    assert!(
        !data_dir.join("pg/postmaster.pid").exists(),
        "the cluster is still running after shutdown"
    );

    let server = serve(&data_dir, port);
    wait_until_ready(&base).await;
    let profile = reply(
        http.get(format!("{base}/api/auth/profile"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(profile.body["data"]["username"], "embedded");
    terminate(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
