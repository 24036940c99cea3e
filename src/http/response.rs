//! Building responses in the envelope of DESIGN §6.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode, header};
use serde_json::json;

pub type Body = Full<Bytes>;

/// A JSON response whose body is already the envelope text (passed through, never re-parsed).
pub fn json(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Sent with every page rendered from the database: it runs no script and loads nothing, may
/// not be framed (clickjacking) and sends no referrer.
const PAGE_HEADERS: &[(header::HeaderName, &str)] = &[
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
];

/// An HTML page.
pub fn html(status: StatusCode, page: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(page.into()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    for (name, value) in PAGE_HEADERS {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    response
}

/// A minimal HTML page for errors of browser-facing routes.
pub fn html_failure(status: StatusCode, message: &str) -> Response<Body> {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let reason = status.canonical_reason().unwrap_or("Error");
    html(
        status,
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{reason}</title></head>\
             <body><h1>{reason}</h1><p>{escaped}</p></body></html>"
        ),
    )
}

/// An answer without a body.
pub fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// `{"data": payload, "error": null}`.
pub fn data(status: StatusCode, payload: serde_json::Value) -> Response<Body> {
    json(
        status,
        json!({ "data": payload, "error": null }).to_string(),
    )
}

/// `{"data": null, "error": message, "code": code}`.
pub fn failure(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json(
        status,
        json!({ "data": null, "error": message, "code": code }).to_string(),
    )
}
