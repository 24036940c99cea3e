//! The README's first command: `hedgerow serve` with no DATABASE_URL runs on an embedded
//! cluster, keeps its data across restarts, mints working tokens, and stops its cluster on
//! SIGTERM — and logs requests without their credentials or share tokens; it alone offers
//! the demo app a demo sign-in.

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command},
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::{
    documented::Contract,
    helpers::{connect_config, send_checked, text_column},
};

const BINARY: &str = env!("CARGO_BIN_EXE_hedgerow");

/// A `hedgerow serve` child that is killed if the test fails before stopping it.
struct Server(Option<Child>);

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn serve(data_dir: &Path, port: u16, log: &Path) -> Server {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(BINARY)
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env_remove("HEDGEROW_JWT_SECRET")
        .env_remove("HEDGEROW_JWT_PUBLIC_KEY")
        .env("HEDGEROW_DATA_DIR", data_dir)
        .env("HEDGEROW_LISTEN", format!("127.0.0.1:{port}"))
        .env("HEDGEROW_LOG", "json")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .map(|child| Server(Some(child)))
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

fn terminate(mut server: Server) {
    let mut child = server.0.take().unwrap();
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
    let scratch =
        std::env::temp_dir().join(format!("hedgerow-embedded-{}", Uuid::new_v4().simple()));
    let (data_dir, log) = (scratch.join("data"), scratch.join("serve.log"));
    std::fs::create_dir_all(&scratch).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let contract = Contract::default();

    let server = serve(&data_dir, port, &log);
    wait_until_ready(&base).await;
    let token = token(&data_dir, Uuid::new_v4());
    let post = |path: &str, body: serde_json::Value| {
        let request = http
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body);
        send_checked(&http, &contract, &base, request)
    };
    let created = post("/api/auth/profile", json!({ "username": "embedded" })).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let session = post("/api/sessions", json!({ "track": "Spa" })).await;
    let session = session.body["data"]["id"].as_str().unwrap().to_string();
    let link = post(&format!("/api/sessions/{session}/share"), json!({})).await;
    let share_token = link.body["data"]["token"].as_str().unwrap().to_string();
    for path in [
        format!("/shared/{share_token}"),
        format!("/api/shared/{share_token}"),
        format!("/api/sessions/{session}?token={share_token}"),
    ] {
        assert_eq!(
            http.get(format!("{base}{path}"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK,
            "{path}"
        );
    }
    // A forged token: refused, and logged with its reason but not itself.
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({ "sub": Uuid::new_v4(), "exp": jsonwebtoken::get_current_timestamp() + 600 }),
        &jsonwebtoken::EncodingKey::from_secret(b"not-the-embedded-secret-0123456789"),
    )
    .unwrap();
    let refused = http
        .get(format!("{base}/api/auth/profile"))
        .bearer_auth(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    server_connects_through_the_socket(&data_dir).await;
    terminate(server);
    assert!(
        !data_dir.join("pg/postmaster.pid").exists(),
        "the cluster is still running after shutdown"
    );

    // One JSON line per request, with the route pattern: never the token or the credentials.
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("\"route\":\"/shared/{token}\""), "{logged}");
    assert!(logged.contains("\"request_id\""));
    assert!(
        !logged.contains(&share_token),
        "a share token reached the log"
    );
    assert!(
        !logged.contains(&token) && !logged.to_lowercase().contains("\"authorization\""),
        "credentials reached the log"
    );
    assert!(
        logged.contains("\"reason\":\"the token's signature does not verify\""),
        "{logged}"
    );
    assert!(!logged.contains(&forged), "a refused token reached the log");
    // The data directory is reported as an absolute path.
    assert!(
        logged.contains(&format!("\"data_dir\":\"{}\"", data_dir.display())),
        "{logged}"
    );

    let server = serve(&data_dir, port, &log);
    wait_until_ready(&base).await;
    let contract = Contract::default();
    let profile = send_checked(
        &http,
        &contract,
        &base,
        http.get(format!("{base}/api/auth/profile"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(profile.body["data"]["username"], "embedded");
    demo_sign_in_is_offered_to_loopback_pages(&http, &contract, &base).await;
    terminate(server);
    let _ = std::fs::remove_dir_all(&scratch);
}

/// The server reaches its embedded cluster through the cluster's Unix-domain socket (no
/// client address), not loopback TCP.
async fn server_connects_through_the_socket(data_dir: &Path) {
    let secrets: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir.join("embedded.json")).unwrap())
            .unwrap();
    let admin = connect_config(
        tokio_postgres::Config::new()
            .host("127.0.0.1")
            .port(secrets["port"].as_u64().unwrap() as u16)
            .user("postgres")
            .password(secrets["admin_password"].as_str().unwrap())
            .dbname("hedgerow"),
    )
    .await;
    let transports: Vec<String> = text_column(
        &admin,
        "SELECT coalesce(host(client_addr), 'socket') FROM pg_stat_activity \
          WHERE usename = 'hedgerow_authenticator'",
    )
    .await;
    assert!(
        !transports.is_empty() && transports.iter().all(|t| t == "socket"),
        "{transports:?}"
    );
}

/// The embedded default at a loopback address mints demo tokens for the demo app, and only
/// for its own pages: a rebound host name or another site's page gets a 403.
async fn demo_sign_in_is_offered_to_loopback_pages(
    http: &reqwest::Client,
    contract: &Contract,
    base: &str,
) {
    let url = format!("{base}/app/demo-token");
    let reply = |request| send_checked(http, contract, base, request);
    let offer = reply(http.get(&url)).await;
    assert_eq!(offer.body["data"]["available"], true);
    let ask = |name: &str| http.post(&url).json(&json!({ "username": name }));
    for refused in [
        ask("demo_ada").header("host", "rebound.example:3000"),
        ask("demo_ada").header("origin", "https://evil.example"),
    ] {
        let refused = reply(refused).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.code(), "DEMO_SIGN_IN_DISABLED");
    }
    let invalid = reply(ask("Not A Name")).await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(invalid.code(), "INVALID_USERNAME");
    let minted = reply(ask("demo_ada")).await;
    assert_eq!(minted.status, StatusCode::OK);
    assert_eq!(minted.header("cache-control"), Some("no-store"));
    let token = minted.body["data"]["token"].as_str().unwrap();
    let created = reply(
        http.post(format!("{base}/api/auth/profile"))
            .bearer_auth(token)
            .json(&json!({ "username": "demo_ada" })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
}
