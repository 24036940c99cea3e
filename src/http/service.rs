//! One request, start to finish: route, authenticate, build the argument, run the
//! transaction, answer — and one log line.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Instant,
};

use bytes::Bytes;
use deadpool_postgres::Pool;
use http_body_util::{BodyExt, Limited};
use hyper::{HeaderMap, Method, Request, Response, StatusCode, body::Incoming, header};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::client_ip::TrustedProxies;
use super::errors::ApiError;
use super::input::{MAX_BODY_BYTES, build_args};
use super::rate_limit::RateLimiter;
use super::response::{self, Body};
use super::routes::{self, Match, Route};
use crate::auth::{Caller, Verifier};
use crate::config::Config;
use crate::db::request::{self as db_request, FunctionCall, RequestContext, ServerSettings};

/// Request headers never passed into the database: they carry credentials.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "x-share-token",
    "proxy-authorization",
];

/// What every request needs, shared by all connections.
pub struct App {
    pool: Pool,
    verifier: Verifier,
    trusted_proxies: TrustedProxies,
    server: Arc<ServerSettings>,
    share_rate_limit: Option<RateLimiter>,
    openapi: Bytes,
}

impl App {
    pub fn new(pool: Pool, verifier: Verifier, config: &Config) -> Self {
        App {
            pool,
            verifier,
            trusted_proxies: config.trusted_proxies.clone(),
            server: Arc::new(config.server_settings()),
            share_rate_limit: (config.share_rate_limit > 0)
                .then(|| RateLimiter::new(config.share_rate_limit)),
            openapi: Bytes::from(super::openapi::document().to_string()),
        }
    }
}

/// Serves one request; never fails (errors become responses).
pub async fn handle(
    app: Arc<App>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let request_id = request_id(request.headers());
    let method = request.method().clone();
    let anonymous = !request.headers().contains_key(header::AUTHORIZATION);
    let outcome = dispatch(&app, peer, request).await;
    let mut response = match outcome.result {
        Ok(response) => response,
        Err(error) if outcome.html => error.into_html_response(&request_id),
        Err(error) => error.into_response(anonymous, &request_id),
    };
    let headers = response.headers_mut();
    if let Ok(value) = header::HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", value);
    }
    if outcome.carries_share_token {
        for (name, value) in SHARE_HEADERS {
            headers.insert(*name, header::HeaderValue::from_static(value));
        }
    }
    tracing::info!(
        method = %method,
        route = outcome.label,
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        request_id = %request_id,
        "request"
    );
    if method == Method::HEAD {
        let (parts, _) = response.into_parts();
        return Ok(Response::from_parts(
            parts,
            http_body_util::Full::new(Bytes::new()),
        ));
    }
    Ok(response)
}

/// Sent with every response to a request that carries a share token: the link must not leak
/// through referrers, search engines or caches.
const SHARE_HEADERS: &[(&str, &str)] = &[
    ("referrer-policy", "no-referrer"),
    ("x-robots-tag", "noindex"),
    ("cache-control", "no-store"),
];

/// What became of a request.
struct Outcome {
    /// The route pattern it is logged under (never a path, which could hold a share token).
    label: &'static str,
    html: bool,
    carries_share_token: bool,
    result: Result<Response<Body>, ApiError>,
}

impl Outcome {
    fn builtin(label: &'static str, response: Response<Body>) -> Self {
        Outcome {
            label,
            html: false,
            carries_share_token: false,
            result: Ok(response),
        }
    }

    fn unmatched(error: ApiError) -> Self {
        Outcome {
            label: "unmatched",
            html: false,
            carries_share_token: false,
            result: Err(error),
        }
    }
}

/// The client's X-Request-Id when it is a sane token, else a new one.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string)
        .unwrap_or_else(|| Uuid::new_v4().to_string())
}

/// Routes the request.
async fn dispatch(app: &App, peer: SocketAddr, request: Request<Incoming>) -> Outcome {
    let method = if request.method() == Method::HEAD {
        Method::GET
    } else {
        request.method().clone()
    };
    let path = request.uri().path().to_string();
    if let Some(&(builtin, _)) = routes::BUILTIN_PATHS.iter().find(|(p, _)| *p == path) {
        let response = match (method == Method::GET, builtin) {
            (false, _) => return Outcome::unmatched(ApiError::WrongMethod(vec![Method::GET])),
            (true, "/health") => response::data(StatusCode::OK, json!({ "status": "ok" })),
            (true, "/ready") => ready(&app.pool).await,
            (true, _) => response::json(StatusCode::OK, app.openapi.clone()),
        };
        return Outcome::builtin(builtin, response);
    }
    match routes::find(&method, &path) {
        Match::Found(route, params) => {
            let token = share_token(request.headers(), request.uri().query(), &params);
            let forwarded_for = request
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok());
            let ip = app.trusted_proxies.client_ip(peer.ip(), forwarded_for);
            let limited = match &app.share_rate_limit {
                Some(limiter) if !token.is_empty() => limiter.check(ip).err(),
                _ => None,
            };
            let carries_share_token = !token.is_empty();
            let result = match limited {
                Some(retry_after) => Err(ApiError::RateLimited(retry_after)),
                None => call_route(app, ip, route, params, token, request).await,
            };
            Outcome {
                label: route.pattern,
                html: route.html,
                carries_share_token,
                result,
            }
        }
        Match::WrongMethod(methods) => Outcome::unmatched(ApiError::WrongMethod(methods)),
        Match::NotFound => Outcome::unmatched(ApiError::NoRoute),
    }
}

async fn ready(pool: &Pool) -> Response<Body> {
    match db_request::ping(pool).await {
        Ok(()) => response::data(StatusCode::OK, json!({ "status": "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            // The cause (authentication failed, TLS, refused…) without where the database is.
            let mut response = response::failure(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                &format!("the database is unavailable: {e}"),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            response
        }
    }
}

async fn call_route(
    app: &App,
    ip: IpAddr,
    route: &'static Route,
    params: Vec<(&'static str, String)>,
    share_token: String,
    request: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let caller = app
        .verifier
        .authenticate(request.headers().get(header::AUTHORIZATION))
        .await?;
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(ApiError::BodyTooLarge);
    }
    let body = Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                ApiError::BodyTooLarge
            } else {
                ApiError::BodyUnreadable
            }
        })?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let args = build_args(&params, parts.uri.query(), content_type, &body.to_bytes())?;
    let context = RequestContext {
        role: caller.role(),
        claims: match &caller {
            Caller::User { claims, .. } => claims.clone(),
            Caller::Anonymous => String::new(),
        },
        user_id: match &caller {
            Caller::User { id, .. } => id.to_string(),
            Caller::Anonymous => String::new(),
        },
        method: parts.method.to_string(),
        path: redacted_path(route, &params),
        headers: headers_json(&parts.headers),
        ip: ip.to_string(),
        share_token,
        server: app.server.clone(),
    };
    let call = FunctionCall {
        function: route.function,
        read_only: !route.writes,
        args,
    };
    let output = db_request::call(&app.pool, context, call).await?;
    let status = output
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::from_u16(route.status).unwrap_or(StatusCode::OK));
    Ok(if route.html {
        response::html(status, output.body)
    } else {
        response::json(status, output.body)
    })
}

/// The request path with any share token replaced by `{token}`.
fn redacted_path(route: &Route, params: &[(&'static str, String)]) -> String {
    params
        .iter()
        .fold(route.pattern.to_string(), |path, (name, value)| {
            if *name == "token" {
                path
            } else {
                path.replace(&format!("{{{name}}}"), value)
            }
        })
}

/// The share token of a request: header X-Share-Token, query `token`, or a `{token}` path segment.
fn share_token(
    headers: &HeaderMap,
    query: Option<&str>,
    params: &[(&'static str, String)],
) -> String {
    let from_header = headers
        .get("x-share-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_query = || {
        form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value.into_owned())
    };
    let from_path = || {
        params
            .iter()
            .find(|(name, _)| *name == "token")
            .map(|(_, value)| value.clone())
    };
    from_header
        .or_else(from_path)
        .or_else(from_query)
        .unwrap_or_default()
}

/// Request headers as a JSON object for `request.headers`, credentials left out.
fn headers_json(headers: &HeaderMap) -> String {
    let mut object = Map::new();
    for (name, value) in headers {
        if SECRET_HEADERS.contains(&name.as_str()) {
            continue;
        }
        if let Ok(value) = value.to_str() {
            object.insert(name.as_str().to_string(), Value::String(value.to_string()));
        }
    }
    Value::Object(object).to_string()
}
