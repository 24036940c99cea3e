//! The files of /ui/ and /app/ over HTTP: their types and headers, revalidation by ETag, and
//! demo sign-in refused by a server that is not the embedded default (the embedded side is
//! in embedded.rs, which runs the real `hedgerow serve`).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn components_and_the_app_are_served_with_their_types_and_safe_headers() {
    let app = spawn_app().await;
    for (path, content_type) in [
        ("/ui/hedgerow.js", "text/javascript; charset=utf-8"),
        ("/ui/share-dialog.js", "text/javascript; charset=utf-8"),
        ("/app/", "text/html; charset=utf-8"),
        ("/app", "text/html; charset=utf-8"),
        ("/app/app.css", "text/css; charset=utf-8"),
    ] {
        let reply = app
            .http
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK, "{path}");
        let headers = reply.headers();
        assert_eq!(headers["content-type"], content_type, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["cache-control"], "no-cache", "{path}");
        let etag = headers["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with('"'), "a strong ETag: {etag}");
        let again = app
            .http
            .get(format!("{}{path}", app.address))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    let page = app
        .http
        .get(format!("{}/app/", app.address))
        .send()
        .await
        .unwrap();
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"));
    let page = page.text().await.unwrap();
    assert!(page.contains("<script type=\"module\" src=\"/app/app.js\">"));
}

#[tokio::test]
async fn unknown_files_are_404_and_files_cannot_be_written() {
    let app = spawn_app().await;
    for path in [
        "/ui/nothing.js",
        "/ui/../Cargo.toml",
        "/app/../../etc/passwd",
        "/ui/",
    ] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.code(), "NOT_FOUND", "{path}");
    }
    let reply = app.post("/ui/hedgerow.js", None, json!({})).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_server_that_is_not_the_embedded_default_mints_no_demo_tokens() {
    let app = spawn_app().await;
    let offer = app.get("/app/demo-token", None).await;
    assert_eq!(offer.status, StatusCode::OK);
    assert_eq!(offer.body["data"]["available"], false);
    let refused = app
        .post("/app/demo-token", None, json!({ "username": "ada" }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.code(), "DEMO_SIGN_IN_DISABLED");
    assert!(refused.body["data"].is_null());
}
