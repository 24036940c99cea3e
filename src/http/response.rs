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
