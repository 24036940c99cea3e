//! One request, start to finish: route, authenticate, build the argument, run the
//! transaction, answer — and one log line.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Instant,
};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::{HeaderMap, Method, Request, Response, StatusCode, body::Incoming, header};
use serde_json::{Value, json};
use uuid::Uuid;

use super::assets;
use super::client_ip::TrustedProxies;
use super::cors::CorsOrigins;
use super::demo::{self, DemoSignIn};
use super::errors::ApiError;
use super::input::{MAX_BODY_BYTES, parse_body, refuse_nul, refuse_nul_in_query};
use super::rate_limit::RateLimiter;
use super::response::{self, Body};
use super::routes::{self, Auth, Match, Params, Route, RouteTable};
use crate::auth::{Caller, Verifier};
use crate::config::Config;
use crate::db::databases::Databases;
use crate::db::request::{FunctionCall, RequestContext, ServerSettings};
use crate::db::routes::SharedRoutes;

/// What every request needs, shared by all connections.
pub struct App {
    databases: Databases,
    verifier: Verifier,
    trusted_proxies: TrustedProxies,
    cors: CorsOrigins,
    server: Arc<ServerSettings>,
    share_rate_limit: Option<RateLimiter>,
    routes: SharedRoutes,
    demo: Option<DemoSignIn>,
}

impl App {
    pub fn new(
        databases: Databases,
        verifier: Verifier,
        config: &Config,
        routes: SharedRoutes,
    ) -> Self {
        App {
            databases,
            verifier,
            trusted_proxies: config.trusted_proxies.clone(),
            cors: config.cors_origins.clone(),
            server: Arc::new(config.server_settings()),
            share_rate_limit: (config.share_rate_limit > 0)
                .then(|| RateLimiter::new("share", config.share_rate_limit)),
            routes,
            demo: None,
        }
    }

    /// Closes the database pools (at shutdown, once requests have finished).
    pub fn close_databases(&self) {
        self.databases.close();
    }

    /// Lets the demo app's "sign in as a demo user" mint tokens (only `serve` on the embedded
    /// default at a loopback address calls this; see [`DemoSignIn::allowed`]).
    pub fn with_demo_sign_in(mut self, demo: DemoSignIn) -> Self {
        self.demo = Some(demo);
        self
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
    let origin = request.headers().get(header::ORIGIN).cloned();
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
    // Answers hold private data or share tokens unless a route says otherwise: no cache keeps
    // them (clients revalidate with ETag and If-None-Match themselves).
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(header::HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    app.cors.decorate(origin.as_ref(), headers);
    if let Some(fields) = &outcome.rate_limit {
        for (name, value) in [
            ("ratelimit-policy", &fields.policy),
            ("ratelimit", &fields.status),
        ] {
            if let Ok(value) = header::HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
    }
    if outcome.carries_share_token {
        for (name, value) in SHARE_HEADERS {
            headers.insert(*name, header::HeaderValue::from_static(value));
        }
    }
    tracing::info!(
        method = %method,
        route = %outcome.label,
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
];

/// What became of a request.
struct Outcome {
    /// The route pattern it is logged under (never a path, which could hold a share token).
    label: String,
    html: bool,
    carries_share_token: bool,
    /// Where the caller stands with the rate limit that applied, if one did.
    rate_limit: Option<RateLimitFields>,
    result: Result<Response<Body>, ApiError>,
}

/// The RateLimit-Policy and RateLimit fields of an answer.
struct RateLimitFields {
    policy: String,
    status: String,
}

impl Outcome {
    fn builtin(label: &str, response: Response<Body>) -> Self {
        Outcome {
            label: label.to_string(),
            html: false,
            carries_share_token: false,
            rate_limit: None,
            result: Ok(response),
        }
    }

    fn unmatched(error: ApiError) -> Self {
        Outcome {
            label: "unmatched".to_string(),
            html: false,
            carries_share_token: false,
            rate_limit: None,
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
    let table = app.routes.load_full();
    if method == Method::OPTIONS {
        return options(app, &table, &path, request.headers());
    }
    if let Some(&(builtin, _)) = routes::BUILTIN_PATHS.iter().find(|(p, _)| *p == path) {
        let response = match (method == Method::GET, builtin) {
            (false, _) => return Outcome::unmatched(ApiError::WrongMethod(vec![Method::GET])),
            (true, "/health") => response::data(StatusCode::OK, json!({ "status": "ok" })),
            (true, "/ready") => ready(&app.databases).await,
            (true, _) => {
                let mut document = response::json(StatusCode::OK, table.openapi.clone());
                document.headers_mut().insert(
                    header::CACHE_CONTROL,
                    header::HeaderValue::from_static("no-cache"),
                );
                document
            }
        };
        return Outcome::builtin(builtin, response);
    }
    if path == demo::PATH {
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, 1024).collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => return Outcome::unmatched(ApiError::BodyTooLarge),
        };
        let response = demo::answer(app.demo.as_ref(), &method, &parts.headers, &body);
        return Outcome::builtin(demo::PATH, response);
    }
    if assets::is_web_path(&path) {
        return match (
            method == Method::GET,
            assets::serve(&path, request.headers()),
        ) {
            (false, _) => Outcome::unmatched(ApiError::WrongMethod(vec![Method::GET])),
            (true, Some(response)) => Outcome::builtin("/ui, /app", response),
            (true, None) => Outcome::unmatched(ApiError::NoRoute),
        };
    }
    // A bad token is a 401 before anything else, the database included.
    let caller = match app
        .verifier
        .authenticate(request.headers().get(header::AUTHORIZATION))
        .await
    {
        Ok(caller) => caller,
        Err(e) => return Outcome::unmatched(e.into()),
    };
    if !table.is_loaded() {
        return Outcome::unmatched(ApiError::RoutesNotLoaded);
    }
    match table.find(&method, &path) {
        Match::Found(route, params) => {
            let token = share_token(route, request.headers(), request.uri().query(), &params);
            let forwarded_for = request
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok());
            let ip = app.trusted_proxies.client_ip(peer.ip(), forwarded_for);
            let carries_share_token = !token.is_empty();
            let limited = app
                .share_rate_limit
                .as_ref()
                .filter(|_| carries_share_token)
                .map(|limiter| (limiter, limiter.take(ip)));
            let result = match &limited {
                Some((_, standing)) if standing.refused_for.is_some() => Err(
                    ApiError::RateLimited(standing.refused_for.unwrap_or_default()),
                ),
                _ => call_route(app, caller, ip, route, params, token, request).await,
            };
            Outcome {
                label: route.pattern.clone(),
                html: route.html,
                carries_share_token,
                rate_limit: limited.map(|(limiter, standing)| RateLimitFields {
                    policy: limiter.policy(),
                    status: limiter.status(&standing),
                }),
                result,
            }
        }
        Match::WrongMethod(methods) => Outcome::unmatched(ApiError::WrongMethod(methods)),
        Match::NotFound => Outcome::unmatched(ApiError::NoRoute),
    }
}

/// OPTIONS on a path: which methods it takes, or a CORS preflight's answer.
fn options(app: &App, table: &RouteTable, path: &str, headers: &HeaderMap) -> Outcome {
    let methods = if routes::BUILTIN_PATHS.iter().any(|(p, _)| *p == path) {
        vec![Method::GET]
    } else {
        match table.find(&Method::OPTIONS, path) {
            Match::WrongMethod(methods) => methods,
            Match::Found(..) | Match::NotFound => return Outcome::unmatched(ApiError::NoRoute),
        }
    };
    Outcome::builtin("OPTIONS", app.cors.options(headers, &methods))
}

async fn ready(databases: &Databases) -> Response<Body> {
    match databases.ready().await {
        Ok(None) => response::data(StatusCode::OK, json!({ "status": "ready" })),
        Ok(Some(replica)) => response::data(
            StatusCode::OK,
            json!({ "status": "ready", "read_replica": replica }),
        ),
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
    caller: Caller,
    ip: IpAddr,
    route: &Route,
    params: Params,
    share_token: String,
    request: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    if route.auth == Auth::User && caller == Caller::Anonymous {
        return Err(ApiError::Unauthenticated);
    }
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
    let body = parse_body(content_type, &body.to_bytes())?;
    refuse_nul(&params)?;
    refuse_nul_in_query(parts.uri.query())?;
    if let Some(body) = &body {
        refuse_nul(body)?;
    }
    let query = if route.html { None } else { parts.uri.query() };
    let mut args = route.schemas.arguments(params, query, body)?;
    if route.html {
        // Pages for browsers take what they declare from the query and ignore the rest
        // (tracking parameters and the like).
        args.extend(route.schemas.declared_query(parts.uri.query()));
    }
    if let Some(kind) = &route.kind {
        args.insert("kind".into(), Value::String(kind.clone()));
    }
    if route.etag
        && !route.read_only()
        && !route.logs_access
        && let Some(tags) = header_text(&parts.headers, header::IF_MATCH)
    {
        args.insert("if_match".into(), Value::String(tags));
    }
    let context = RequestContext {
        role: caller.role(),
        user_id: match &caller {
            Caller::User { id } => id.to_string(),
            Caller::Anonymous => String::new(),
        },
        ip: ip.to_string(),
        share_token,
        server: app.server.clone(),
    };
    let call = FunctionCall {
        function: route.function.clone(),
        read_only: route.read_only(),
        routing: route.routing(),
        args: Value::Object(args).to_string(),
    };
    let output = app.databases.call(context, call).await?;
    let status = output
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(route.status);
    if let Some(etag) = &output.etag
        && route.method == Method::GET
        && header_text(&parts.headers, header::IF_NONE_MATCH).is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        })
    {
        let mut response = response::json(StatusCode::NOT_MODIFIED, Bytes::new());
        response.headers_mut().remove(header::CONTENT_TYPE);
        set_header(&mut response, header::ETAG, etag);
        return Ok(response);
    }
    let mut response = if route.html {
        response::html(status, output.body)
    } else {
        response::json(status, output.body)
    };
    if let Some(etag) = &output.etag {
        set_header(&mut response, header::ETAG, etag);
    }
    if let Some(location) = &output.location {
        set_header(&mut response, header::LOCATION, location);
    }
    Ok(response)
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn set_header(response: &mut Response<Body>, name: header::HeaderName, value: &str) {
    if let Ok(value) = header::HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// The share token of a request to a route that takes one: header X-Share-Token, a `{token}`
/// path segment, or query `token`.
fn share_token(route: &Route, headers: &HeaderMap, query: Option<&str>, params: &Params) -> String {
    if !route.share_token {
        return String::new();
    }
    let from_header = headers
        .get("x-share-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_path = || {
        params
            .get("token")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let from_query = || {
        form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value.into_owned())
    };
    from_header
        .or_else(from_path)
        .or_else(from_query)
        .unwrap_or_default()
}
