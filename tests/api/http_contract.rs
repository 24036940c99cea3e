//! The HTTP contract every endpoint shares: envelope, health, readiness, OpenAPI, bad input,
//! caching, browser calls from other origins.

use std::str::FromStr;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_on, spawn_app_with};

#[tokio::test]
async fn health_answers_without_the_database() {
    let unreachable =
        tokio_postgres::Config::from_str("postgres://nobody@127.0.0.1:1/none").unwrap();
    let app = spawn_app_on("none", Some(unreachable)).await;
    let reply = app.get("/health", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({ "data": { "status": "ok" }, "error": null })
    );
}

#[tokio::test]
async fn ready_is_200_with_a_database_and_503_with_retry_after_without_one() {
    let app = spawn_app().await;
    assert_eq!(app.get("/ready", None).await.status, StatusCode::OK);

    let unreachable =
        tokio_postgres::Config::from_str("postgres://nobody@127.0.0.1:1/none").unwrap();
    let app = spawn_app_on("none", Some(unreachable)).await;
    let reply = app.get("/ready", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert_eq!(reply.code(), "SERVICE_UNAVAILABLE");
}

#[tokio::test]
async fn api_calls_get_503_not_500_when_the_database_is_unreachable() {
    let unreachable =
        tokio_postgres::Config::from_str("postgres://nobody@127.0.0.1:1/none").unwrap();
    let app = spawn_app_on("none", Some(unreachable)).await;
    let reply = app.get("/api/users/anyone", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert_eq!(reply.body["data"], json!(null));
}

#[tokio::test]
async fn openapi_documents_every_routed_path_and_method() {
    let app = spawn_app().await;
    let reply = app.get("/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["openapi"], "3.1.0");
    let declared = app
        .admin()
        .await
        .query("SELECT method, path FROM api.routes", &[])
        .await
        .unwrap();
    assert!(declared.len() > 50, "{} routes", declared.len());
    for route in declared {
        let (method, path): (String, String) = (route.get(0), route.get(1));
        assert!(
            reply.body["paths"][&path][method.to_ascii_lowercase()].is_object(),
            "{method} {path} is missing from /openapi.json"
        );
    }
    for path in ["/health", "/ready", "/openapi.json"] {
        assert!(
            reply.body["paths"][path]["get"].is_object(),
            "{path} is missing"
        );
    }
}

#[tokio::test]
async fn unknown_paths_are_404_and_known_paths_with_other_methods_are_405() {
    let app = spawn_app().await;
    let reply = app.get("/api/no/such/thing", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["data"], json!(null));
    assert_eq!(reply.code(), "NOT_FOUND");

    let reply = app
        .request(Method::DELETE, "/api/settings", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("GET, PATCH"));
}

#[tokio::test]
async fn malformed_json_is_400_and_a_non_object_body_is_400() {
    let app = spawn_app().await;
    let token = app.token_for(uuid::Uuid::new_v4());
    let send = |body: &'static str| {
        app.send(
            app.http
                .post(format!("{}/api/auth/profile", app.address))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body),
        )
    };
    let malformed = send("{\"username\": ").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.code(), "INVALID_JSON");
    let array = send("[\"username\"]").await;
    assert_eq!(array.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    let response = app
        .send(
            app.http
                .post(format!("{}/api/auth/profile", app.address))
                .bearer_auth(app.token_for(uuid::Uuid::new_v4()))
                .header("content-type", "text/plain")
                .body("username=ada"),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413_whether_or_not_its_length_is_declared() {
    let app = spawn_app().await;
    let token = app.token_for(uuid::Uuid::new_v4());
    let huge = format!("{{\"username\": \"{}\"}}", "a".repeat(1024 * 1024));
    let declared = app
        .http
        .post(format!("{}/api/auth/profile", app.address))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(huge.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // (Without a token, a route for signed-in users answers 401 before reading any body.)

    let chunks: Vec<Result<String, std::io::Error>> = huge
        .as_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(String::from_utf8(c.to_vec()).unwrap()))
        .collect();
    let streamed = app
        .http
        .post(format!("{}/api/auth/profile", app.address))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_request_id_is_echoed_or_made_up() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(format!("{}/health", app.address))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "abc-123");
    let response = app
        .http
        .get(format!("{}/health", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"].len(), 36);
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    let response = app
        .http
        .head(format!("{}/api/users/nobody", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn other_methods_on_literal_and_builtin_paths_are_405_with_each_method_once() {
    let app = spawn_app().await;
    let token = app.token_for(uuid::Uuid::new_v4());
    let reply = app
        .request(
            Method::PATCH,
            "/api/shelves/public",
            Some(&token),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "not a request for shelf \"public\": {:?}",
        reply.body
    );
    assert_eq!(reply.header("allow"), Some("GET"));
    let reply = app
        .request(
            Method::PUT,
            &format!("/api/shelves/{}", uuid::Uuid::new_v4()),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        reply.header("allow"),
        Some("GET, PATCH, DELETE"),
        "each method once, in order"
    );
    for path in ["/health", "/ready", "/openapi.json"] {
        let reply = app.request(Method::POST, path, None, None).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(reply.header("allow"), Some("GET"));
    }
}

#[tokio::test]
async fn anonymous_writes_are_401_before_any_validation() {
    let app = spawn_app().await;
    for path in ["/api/sessions", "/api/shelves", "/api/plans"] {
        let reply = app.post(path, None, json!({})).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {:?}",
            reply.body
        );
    }
}

#[tokio::test]
async fn api_answers_are_never_stored_by_caches_and_never_sniffed() {
    let app = spawn_app().await;
    let owner = app.user("cache_owner").await;
    let session = crate::sessions::create_session(
        &app,
        &owner,
        serde_json::json!({ "track": "Spa", "visibility": "public" }),
    )
    .await;
    let link = app
        .post(
            &format!("/api/sessions/{session}/shares"),
            Some(&owner.token),
            serde_json::json!({}),
        )
        .await;
    let token = link.body["data"]["token"].as_str().unwrap().to_string();
    // Answers with private data, share tokens, errors, and public lists alike.
    for (reply, what) in [
        (link, "a new link"),
        (
            app.get(
                &format!("/api/sessions/{session}/shares"),
                Some(&owner.token),
            )
            .await,
            "links",
        ),
        (
            app.get(
                &format!("/api/sessions/{session}/share-link"),
                Some(&owner.token),
            )
            .await,
            "the primary link",
        ),
        (
            app.get(&format!("/api/shared/{token}"), None).await,
            "a read through a link",
        ),
        (
            app.get("/api/auth/profile", Some(&owner.token)).await,
            "a profile with its email",
        ),
        (app.get("/api/public/sessions", None).await, "the feed"),
        (app.get("/api/sessions/not-a-uuid", None).await, "an error"),
    ] {
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{what}");
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
    }
    // The document describes the API, not anyone's data: caches keep it but ask first.
    let document = app.get("/openapi.json", None).await;
    assert_eq!(document.header("cache-control"), Some("no-cache"));
}

/// A CORS preflight from `origin` for a `method` request to `path`.
async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::Response {
    app.http
        .request(Method::OPTIONS, format!("{}{path}", app.address))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header(
            "access-control-request-headers",
            "authorization, content-type, if-match",
        )
        .send()
        .await
        .unwrap()
}

async fn get_from(app: &TestApp, path: &str, origin: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.address))
        .header("origin", origin)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn browser_pages_of_listed_origins_may_call_the_api_and_no_others_may() {
    let app = spawn_app_with(|config| {
        config.cors_origins = "https://app.example.com, http://localhost:5173"
            .parse()
            .unwrap();
    })
    .await;
    let allowed = preflight(
        &app,
        "/api/sessions/0190a5d2-0000-7000-8000-000000000001",
        "https://app.example.com",
        "PATCH",
    )
    .await;
    assert_eq!(allowed.status(), StatusCode::NO_CONTENT);
    let headers = allowed.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(
        headers["access-control-allow-methods"],
        "GET, PATCH, DELETE"
    );
    let asked = headers["access-control-allow-headers"].to_str().unwrap();
    for header in [
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "x-share-token",
    ] {
        assert!(asked.contains(header), "{asked}");
    }
    assert_eq!(headers["access-control-max-age"], "600");
    assert!(
        !headers.contains_key("access-control-allow-credentials"),
        "hedgerow reads no cookies, so no page may send them"
    );

    let answer = get_from(&app, "/api/public/sessions", "http://localhost:5173").await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    assert_eq!(answer.headers()["vary"], "origin");
    let exposed = answer.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    for header in ["etag", "location", "ratelimit", "retry-after"] {
        assert!(exposed.contains(header), "{exposed}");
    }
    // Errors are readable too, so the page can show what went wrong.
    let error = get_from(&app, "/api/sessions/not-a-uuid", "https://app.example.com").await;
    assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        error.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );

    // Other origins (a near miss included) are refused at the preflight and get no grant on
    // answers, so their pages cannot read them.
    for origin in [
        "https://evil.example",
        "https://app.example.com.evil.example",
        "null",
    ] {
        let refused = preflight(&app, "/api/sessions", origin, "POST").await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{origin}");
        let refused = app.checked(Method::OPTIONS, refused).await;
        assert_eq!(refused.code(), "CORS_ORIGIN_NOT_ALLOWED");
        let answer = get_from(&app, "/api/public/sessions", origin).await;
        assert!(
            !answer.headers().contains_key("access-control-allow-origin"),
            "{origin}"
        );
        assert_eq!(answer.headers()["vary"], "origin");
    }
    let unknown = preflight(&app, "/api/nothing-here", "https://app.example.com", "GET").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_an_allow_list_no_page_of_another_origin_may_read_an_answer() {
    let app = spawn_app().await;
    let refused = preflight(
        &app,
        "/api/public/sessions",
        "https://app.example.com",
        "GET",
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let answer = get_from(&app, "/api/public/sessions", "https://app.example.com").await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(!answer.headers().contains_key("access-control-allow-origin"));
    // A plain OPTIONS (no preflight) says which methods a path takes.
    let options = app
        .http
        .request(Method::OPTIONS, format!("{}/api/sessions", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(options.status(), StatusCode::NO_CONTENT);
    assert_eq!(options.headers()["allow"], "GET, POST");

    let any = spawn_app_with(|config| config.cors_origins = "*".parse().unwrap()).await;
    let allowed = preflight(
        &any,
        "/api/public/sessions",
        "https://anyone.example",
        "GET",
    )
    .await;
    assert_eq!(allowed.status(), StatusCode::NO_CONTENT);
    assert_eq!(allowed.headers()["access-control-allow-origin"], "*");
    let answer = get_from(&any, "/api/public/sessions", "https://anyone.example").await;
    assert_eq!(answer.headers()["access-control-allow-origin"], "*");
    assert!(
        !answer.headers().contains_key("vary"),
        "the same answer for every origin"
    );
}
