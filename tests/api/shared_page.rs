//! The shared page at /shared/{token}: read-only HTML for browsers, everything escaped, never
//! indexed, cached or leaked through a referrer — checked in a real headless Chromium.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{SIGNUP_URL, spawn_app};
use crate::sessions::create_session;

const HOSTILE_TITLE: &str =
    "<script>document.body.setAttribute('data-pwned','1')</script>Fast & \"loud\"";

async fn shared_page_fixture() -> (crate::helpers::TestApp, String) {
    let app = spawn_app().await;
    let owner = app.user("page_owner").await;
    app.patch(
        "/api/auth/profile",
        Some(&owner.token),
        json!({ "display_name": "Ada <b>L</b>" }),
    )
    .await;
    let session = create_session(
        &app,
        &owner,
        json!({ "track": "Spa", "title": HOSTILE_TITLE, "laps": [131042, 95000] }),
    )
    .await;
    let link = app
        .post(
            &format!("/api/sessions/{session}/share"),
            Some(&owner.token),
            json!({}),
        )
        .await;
    let token = link.body["data"]["token"].as_str().unwrap().to_string();
    (app, token)
}

/// The security headers of every page rendered from the database: no sniffing, no script
/// or other load, no framing.
fn assert_page_may_not_be_framed_or_run_anything(headers: &reqwest::header::HeaderMap) {
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    let csp = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
}

#[tokio::test]
async fn the_shared_page_is_escaped_html_with_privacy_headers() {
    let (app, token) = shared_page_fixture().await;
    let response = app
        .http
        .get(format!("{}/shared/{token}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-robots-tag"], "noindex");
    assert_eq!(headers["cache-control"], "no-store");
    assert_page_may_not_be_framed_or_run_anything(&headers);
    let page = response.text().await.unwrap();
    assert!(
        !page.contains("<script>"),
        "user content must be escaped: {page}"
    );
    assert!(page.contains("&lt;script&gt;"));
    assert!(page.contains("Fast &amp; &quot;loud&quot;"));
    assert!(page.contains("Ada &lt;b&gt;L&lt;/b&gt;"));
    assert!(page.contains("2:11.042") && page.contains("1:35.000"));
    assert!(page.contains(&format!("href=\"{SIGNUP_URL}\"")));
    assert!(page.contains("Sign up to track your own laps"));
}

#[tokio::test]
async fn a_dead_link_gets_an_html_404_that_reveals_nothing() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(format!("{}/shared/no-such-token", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    assert_page_may_not_be_framed_or_run_anything(response.headers());
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("does not exist, has expired or was revoked")
    );
}

#[tokio::test]
async fn chromium_renders_the_shared_page_and_runs_none_of_its_users_markup() {
    let (app, token) = shared_page_fixture().await;
    let chromium = ["chromium", "/usr/bin/chromium", "chromium-browser"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("this test needs Chromium: apt-get install -y chromium (.ci/run installs it)");
    let profile = std::env::temp_dir().join(format!(
        "hedgerow-chromium-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let url = format!("{}/shared/{token}", app.address);
    let output = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", &url])
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        dom.contains("<h1 id=\"title\">&lt;script&gt;"),
        "the title shows as text: {dom}"
    );
    assert!(
        !dom.contains("data-pwned=\"1\""),
        "script from a title ran in the browser"
    );
    assert!(!dom.contains("<script"), "no script element may exist");
    assert!(dom.contains("<span id=\"track\">Spa</span>"));
    assert!(dom.contains("<li>2:11.042</li>"));
    assert!(dom.contains("Ada &lt;b&gt;L&lt;/b&gt;"));
    assert!(dom.contains("Sign up to track your own laps"));
}
