//! "Sign in as a demo user" for the demo app (/app/). Only `hedgerow serve` on its embedded
//! default database, with the secret it generated, listening on a loopback address, mints
//! tokens here — and only for demo identities (subject `demo:<name>`, which maps to a user id
//! of its own, never to a real user's). Everywhere else the route refuses and the app takes
//! a token from the person. The secret never leaves the server.

use std::time::Duration;

use hyper::{HeaderMap, Method, Response, StatusCode, header};
use serde_json::{Value, json};

use super::response::{self, Body};
use crate::auth::JwtConfig;
use crate::config::Config;

/// GET: `{available}`; POST `{username}`: `{token, expires_in}`.
pub const PATH: &str = "/app/demo-token";

/// How long a demo token lasts.
const TTL: Duration = Duration::from_secs(12 * 3600);

/// The minter of demo tokens, present only where minting is safe.
pub struct DemoSignIn {
    jwt: JwtConfig,
}

impl DemoSignIn {
    /// Whether `config` is the embedded default on loopback: no DATABASE_URL, no configured
    /// keys (so tokens are signed with the secret `serve` generated), a loopback address.
    pub fn allowed(config: &Config) -> bool {
        config.database_url.is_none() && config.jwt.is_none() && config.listen.ip().is_loopback()
    }

    /// A minter signing with `jwt` (the embedded secret's configuration).
    pub fn new(jwt: JwtConfig) -> Self {
        DemoSignIn { jwt }
    }
}

/// Answers a request to [`PATH`]; `demo` is None where minting is not allowed.
pub fn answer(
    demo: Option<&DemoSignIn>,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Body> {
    match (method, demo) {
        (&Method::GET, demo) => response::data(
            StatusCode::OK,
            json!({ "available": demo.is_some(), "expires_in": TTL.as_secs() }),
        ),
        (&Method::POST, None) => response::failure(
            StatusCode::FORBIDDEN,
            "DEMO_SIGN_IN_DISABLED",
            "demo sign-in is offered only by `hedgerow serve` on its embedded database at a \
             loopback address; sign in with a token from your identity provider",
        ),
        (&Method::POST, Some(demo)) => mint(demo, headers, body),
        _ => {
            let mut response = response::failure(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "method not allowed",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET, POST"));
            response
        }
    }
}

fn mint(demo: &DemoSignIn, headers: &HeaderMap, body: &[u8]) -> Response<Body> {
    if !from_loopback_page(headers) {
        // Another site's page (or a DNS name rebound to 127.0.0.1) gets no token.
        return response::failure(
            StatusCode::FORBIDDEN,
            "DEMO_SIGN_IN_DISABLED",
            "demo tokens are minted only for pages served from a loopback address",
        );
    }
    let username = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|body| body.get("username")?.as_str().map(str::to_string))
        .filter(|name| {
            (3..=32).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
    let Some(username) = username else {
        return response::failure(
            StatusCode::BAD_REQUEST,
            "INVALID_USERNAME",
            "send {\"username\": …}: 3 to 32 of a-z, 0-9 and _",
        );
    };
    match demo.jwt.mint_subject(&format!("demo:{username}"), TTL) {
        Ok(token) => {
            let mut response = response::data(
                StatusCode::OK,
                json!({ "token": token, "expires_in": TTL.as_secs() }),
            );
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "minting a demo token failed");
            response::failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
        }
    }
}

/// Whether the request names a loopback host, and comes from a page of that same origin
/// when it says where it comes from.
fn from_loopback_page(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(host) = text(header::HOST) else {
        return false;
    };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let loopback = name == "localhost"
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    loopback && text(header::ORIGIN).is_none_or(|origin| origin == format!("http://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        Config::from_lookup(|name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
        .unwrap()
    }

    #[test]
    fn only_the_embedded_default_on_loopback_may_mint() {
        assert!(DemoSignIn::allowed(&config(&[])));
        assert!(DemoSignIn::allowed(&config(&[(
            "HEDGEROW_LISTEN",
            "[::1]:4000"
        )])));
        assert!(!DemoSignIn::allowed(&config(&[
            ("HEDGEROW_LISTEN", "0.0.0.0:3000"),
            ("HEDGEROW_PUBLIC_URL", "https://share.example.com"),
        ])));
        assert!(!DemoSignIn::allowed(&config(&[(
            "DATABASE_URL",
            "postgres://hedgerow_authenticator@db/hedgerow"
        )])));
        assert!(!DemoSignIn::allowed(&config(&[(
            "HEDGEROW_JWT_SECRET",
            "a-configured-secret-of-at-least-32-bytes"
        )])));
    }

    #[test]
    fn only_pages_of_a_loopback_origin_get_tokens() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, header::HeaderValue::from_static(value));
            }
            map
        };
        assert!(from_loopback_page(&headers(&[("host", "127.0.0.1:3000")])));
        assert!(from_loopback_page(&headers(&[
            ("host", "localhost:3000"),
            ("origin", "http://localhost:3000")
        ])));
        assert!(from_loopback_page(&headers(&[("host", "[::1]:3000")])));
        assert!(!from_loopback_page(&headers(&[(
            "host",
            "rebound.example:3000"
        )])));
        assert!(!from_loopback_page(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://evil.example")
        ])));
        assert!(!from_loopback_page(&headers(&[])));
    }
}
