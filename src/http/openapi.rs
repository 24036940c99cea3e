//! `/openapi.json` (OpenAPI 3.1), built from the loaded routes: the same declarations that
//! check every request describe its parameters, body and response.

use serde_json::{Map, Value, json};

use super::routes::{Auth, BUILTIN_PATHS, Route, RouteTable};

/// The OpenAPI document of every route.
pub fn document(table: &RouteTable) -> Value {
    let mut paths = Map::new();
    for route in &table.routes {
        let item = paths
            .entry(route.pattern.clone())
            .or_insert_with(|| json!({}));
        item[route.method.as_str().to_ascii_lowercase()] = operation(route);
    }
    for (path, summary) in BUILTIN_PATHS {
        paths.insert(path.to_string(), builtin(path, summary));
    }
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": { "title": "hedgerow", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Privacy and sharing rules for user-owned content. Every response is an \
                                  envelope: {data, error} (and pagination on lists); a failure is \
                                  {data: null, error, code}." },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": {
                "Pagination": {
                    "type": "object",
                    "required": ["total", "limit", "offset", "has_more", "next_cursor", "total_capped"],
                    "properties": {
                        "total": { "type": "integer" }, "limit": { "type": "integer" },
                        "offset": { "type": "integer" }, "has_more": { "type": "boolean" },
                        "next_cursor": { "type": ["string", "null"] },
                        "total_capped": { "type": "boolean", "description": "total is a lower bound" } } },
                "Failure": {
                    "type": "object", "required": ["data", "error", "code"],
                    "properties": { "data": { "type": "null" }, "error": { "type": "string" },
                                    "code": { "type": "string" } } }
            }
        }
    })
}

/// A route that Rust answers itself: `/health`, `/ready`, this document.
fn builtin(path: &str, summary: &str) -> Value {
    let (schema, failure) = match path {
        "/health" => (
            envelope(json!({ "type": "object", "required": ["status"],
                                       "properties": { "status": { "const": "ok" } } })),
            None,
        ),
        "/ready" => (
            envelope(json!({ "type": "object", "required": ["status"],
                             "properties": { "status": { "const": "ready" },
                                             "read_replica": { "type": "string",
                                                 "description": "The read replica's state, when there is one" } } })),
            Some((
                "503",
                "The database is unavailable (see error)",
                "Retry-After",
            )),
        ),
        _ => (
            json!({ "type": "object", "required": ["openapi", "info", "paths"],
                    "properties": { "openapi": { "type": "string" }, "info": { "type": "object" },
                                    "paths": { "type": "object" } } }),
            None,
        ),
    };
    let mut responses = json!({
        "200": { "description": "OK", "headers": common_headers(),
                 "content": { "application/json": { "schema": schema } } } });
    if let Some((status, description, name)) = failure {
        let mut headers = common_headers();
        headers.insert(name.into(), header(name, true));
        responses[status] =
            json!({ "description": description, "headers": headers, "content": failure_content() });
    }
    json!({ "get": {
        "operationId": path.trim_start_matches('/').replace('.', "_"), "summary": summary,
        "security": [], "responses": responses } })
}

/// The success envelope around `data`.
fn envelope(data: Value) -> Value {
    json!({ "type": "object", "required": ["data", "error"],
            "properties": { "data": data, "error": { "type": "null" } } })
}

/// The response headers the server sends, and what they mean.
const HEADERS: &[(&str, &str)] = &[
    (
        "Cache-Control",
        "no-store on every API answer (no-cache on this document)",
    ),
    (
        "X-Request-Id",
        "The request's id (the caller's X-Request-Id when it is a sane one), as logged",
    ),
    (
        "ETag",
        "The resource's strong ETag: send it as If-None-Match (304) or If-Match (412 when stale)",
    ),
    ("Location", "Where the created thing lives"),
    ("Retry-After", "Seconds to wait before trying again"),
    (
        "WWW-Authenticate",
        "Bearer, with error=\"invalid_token\" and the reason when a token was refused",
    ),
    (
        "RateLimit",
        "Where this network stands with the share-token limit: remaining (r) and seconds until full (t); \
                   on answers to requests that carry a share token, when a limit is set",
    ),
    (
        "RateLimit-Policy",
        "The share-token limit: requests (q) per window (w, seconds)",
    ),
];

/// The header object of `name` (one of [`HEADERS`]).
fn header(name: &str, required: bool) -> Value {
    let description = HEADERS
        .iter()
        .find(|(known, _)| *known == name)
        .map_or("", |(_, description)| description);
    json!({ "description": description, "required": required, "schema": { "type": "string" } })
}

/// The headers of every answer.
fn common_headers() -> Map<String, Value> {
    ["Cache-Control", "X-Request-Id"]
        .into_iter()
        .map(|name| (name.to_string(), header(name, true)))
        .collect()
}

fn failure_content() -> Value {
    json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Failure" } } })
}

fn operation(route: &Route) -> Value {
    let schemas = &route.schemas;
    let mut parameters: Vec<Value> = schemas
        .params
        .iter()
        .map(|(name, schema)| json!({ "name": name, "in": "path", "required": true, "schema": schema }))
        .collect();
    parameters.extend(
        schemas
            .query
            .iter()
            .map(|(name, schema)| json!({ "name": name, "in": "query", "required": false, "schema": schema })),
    );
    if route.share_token {
        parameters.push(json!({ "name": "X-Share-Token", "in": "header", "required": false,
                                "description": "A share link's token (or ?token=, or the {token} of the path)",
                                "schema": { "type": "string" } }));
    }
    if route.etag {
        let (name, description) = if route.read_only() || route.logs_access {
            (
                "If-None-Match",
                "Answers 304 when the resource still has this ETag",
            )
        } else {
            (
                "If-Match",
                "Applies the change only if the resource still has this ETag (else 412)",
            )
        };
        parameters.push(json!({ "name": name, "in": "header", "required": false,
                                "description": description, "schema": { "type": "string" } }));
    }
    let mut responses = Map::new();
    let success = if route.html {
        json!({ "text/html": { "schema": { "type": "string" } } })
    } else {
        let mut envelope = envelope(schemas.response.clone());
        if route.paged {
            envelope["required"] = json!(["data", "error", "pagination"]);
            envelope["properties"]["pagination"] =
                json!({ "$ref": "#/components/schemas/Pagination" });
        }
        json!({ "application/json": { "schema": envelope } })
    };
    // A resource's own answer carries its ETag (a GET's, and a write's that answers the
    // resource; a DELETE answers only what went); a 201 says where the new thing lives.
    let tagged = route.etag && route.method != hyper::Method::DELETE;
    let rate_limited = |mut headers: Map<String, Value>| {
        if route.share_token {
            headers.insert("RateLimit".into(), header("RateLimit", false));
            headers.insert("RateLimit-Policy".into(), header("RateLimit-Policy", false));
        }
        headers
    };
    for status in std::iter::once(route.status).chain(route.other_statuses.iter().copied()) {
        let mut headers = rate_limited(common_headers());
        if tagged {
            headers.insert("ETag".into(), header("ETag", true));
        }
        if status == hyper::StatusCode::CREATED {
            headers.insert("Location".into(), header("Location", true));
        }
        responses.insert(
            status.as_u16().to_string(),
            json!({ "description": status.canonical_reason().unwrap_or("Success"),
                    "headers": headers, "content": success }),
        );
    }
    if route.etag && route.method == hyper::Method::GET {
        let mut headers = rate_limited(common_headers());
        headers.insert("ETag".into(), header("ETag", true));
        responses.insert(
            "304".into(),
            json!({ "description": "Not modified (If-None-Match)", "headers": headers }),
        );
    }
    let failure = if route.html {
        json!({ "text/html": { "schema": { "type": "string" } } })
    } else {
        failure_content()
    };
    let mut refusals = vec![
        (
            "401",
            "No token, or a token refused (see WWW-Authenticate)",
            "WWW-Authenticate",
        ),
        (
            "503",
            "The database is unavailable or busy: retry",
            "Retry-After",
        ),
    ];
    // What no schema can say: a cursor this list never handed out, a confirmation that is not
    // the username, an ETag that is no longer the resource's.
    let takes_input =
        !schemas.params.is_empty() || !schemas.query.is_empty() || schemas.body.is_some();
    if takes_input {
        responses.insert(
            "400".into(),
            json!({ "description": "Invalid input (see code: the field's, UNKNOWN_FIELD, INVALID_CURSOR…)",
                    "headers": rate_limited(common_headers()), "content": failure }),
        );
    }
    if route.etag && route.method != hyper::Method::GET {
        responses.insert(
            "412".into(),
            json!({ "description": "If-Match names an ETag the resource no longer has",
                    "headers": rate_limited(common_headers()), "content": failure }),
        );
    }
    if route.share_token {
        refusals.push((
            "429",
            "Too many requests carrying share tokens from this network",
            "Retry-After",
        ));
    }
    for (status, description, name) in refusals {
        let mut headers = rate_limited(common_headers());
        headers.insert(name.into(), header(name, true));
        if status == "429" {
            headers.insert("RateLimit".into(), header("RateLimit", true));
            headers.insert("RateLimit-Policy".into(), header("RateLimit-Policy", true));
        }
        responses.insert(
            status.into(),
            json!({ "description": description, "headers": headers, "content": failure }),
        );
    }
    for (status, description) in [
        ("4XX", "Refused (see code)"),
        ("5XX", "Unavailable or failed"),
    ] {
        responses.insert(
            status.into(),
            json!({ "description": description, "headers": rate_limited(common_headers()),
                    "content": failure }),
        );
    }
    let security = match route.auth {
        Auth::User => json!([{ "bearer": [] }]),
        Auth::Optional => json!([{ "bearer": [] }, {}]),
    };
    let mut operation = json!({
        "operationId": route.operation_id,
        "summary": route.summary,
        "parameters": parameters,
        "security": security,
        "responses": responses,
    });
    if let Some(body) = &schemas.body {
        // A body with nothing required may be left out: the server reads none as {} (unless a
        // rule asks for at least one field).
        let required = body["required"]
            .as_array()
            .is_some_and(|names| !names.is_empty())
            || body["allOf"].as_array().is_some_and(|rules| {
                rules
                    .iter()
                    .any(|rule| rule["minProperties"].as_u64() > Some(0))
            });
        operation["requestBody"] = json!({ "required": required,
            "content": { "application/json": { "schema": body } } });
    }
    operation
}
