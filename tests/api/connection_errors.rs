//! Connection failures say why — in the CLI, in `serve`, in the log and in `/ready` — and never
//! carry the password.

use std::{process::Command, str::FromStr};

use reqwest::StatusCode;

use crate::helpers::{AUTHENTICATOR_PASSWORD, spawn_app_on, test_server};

const BINARY: &str = env!("CARGO_BIN_EXE_hedgerow");

/// `hedgerow migrate` against `url`: its exit status and standard error.
fn migrate(url: &str) -> (bool, String) {
    let output = Command::new(BINARY)
        .args(["migrate", "--status"])
        .env("HEDGEROW_ADMIN_DATABASE_URL", url)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The test server's superuser URL with another password.
fn with_password(database: &str, password: &str) -> String {
    let config = test_server().admin_config(database);
    let tokio_postgres::config::Host::Tcp(host) = &config.get_hosts()[0] else {
        panic!("the test server is reached over TCP");
    };
    format!(
        "postgres://{}:{password}@{host}:{}/{database}",
        config.get_user().unwrap_or("postgres"),
        config.get_ports()[0]
    )
}

#[tokio::test]
async fn migrate_against_a_missing_database_says_that_it_does_not_exist() {
    let (ok, stderr) = migrate(&test_server().admin_url("no_such_database"));
    assert!(!ok);
    assert!(stderr.contains("the database does not exist"), "{stderr}");
    assert!(stderr.contains("\"no_such_database\""), "{stderr}");
}

#[tokio::test]
async fn a_wrong_password_is_an_authentication_failure_in_the_cli_and_in_serve() {
    if std::env::var("HEDGEROW_TEST_DATABASE_URL").is_ok() {
        return; // an external test server may trust every local connection
    }
    let url = with_password("postgres", "not-the-password");
    let (ok, stderr) = migrate(&url);
    assert!(!ok);
    assert!(stderr.contains("authentication failed"), "{stderr}");
    assert!(!stderr.contains("not-the-password"), "{stderr}");

    // serve stops at once with the reason instead of announcing that it serves.
    let output = Command::new(BINARY)
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("HEDGEROW_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("HEDGEROW_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success(), "{printed}");
    assert!(printed.contains("authentication failed"), "{printed}");
    assert!(!printed.contains("is serving"), "{printed}");
    assert!(!printed.contains("not-the-password"), "{printed}");
}

#[tokio::test]
async fn a_refused_connection_is_named_in_the_cli_and_in_ready() {
    let (ok, stderr) = migrate("postgres://nobody@127.0.0.1:1/none");
    assert!(!ok);
    assert!(stderr.contains("connection refused"), "{stderr}");

    let unreachable =
        tokio_postgres::Config::from_str("postgres://nobody@127.0.0.1:1/none").unwrap();
    let app = spawn_app_on("none", Some(unreachable)).await;
    let ready = app.get("/ready", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    let error = ready.body["error"].as_str().unwrap();
    assert!(error.contains("connection refused"), "{error}");
}

#[tokio::test]
async fn ready_says_when_the_database_refuses_the_servers_password() {
    if std::env::var("HEDGEROW_TEST_DATABASE_URL").is_ok() {
        return; // an external test server may trust every local connection
    }
    let database = test_server().fresh_database().await;
    let wrong = test_server().login_config("hedgerow_authenticator", "wrong", &database);
    let app = spawn_app_on(&database, Some(wrong)).await;
    let ready = app.get("/ready", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    let error = ready.body["error"].as_str().unwrap();
    assert!(error.contains("authentication failed"), "{error}");
    assert!(error.contains("hedgerow_authenticator"), "{error}");
    assert!(!error.contains(AUTHENTICATOR_PASSWORD), "{error}");
}
