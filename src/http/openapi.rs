//! `/openapi.json`, generated from the route table so it cannot miss a route.

use serde_json::{Map, Value, json};

use super::routes::{BUILTIN_PATHS, ROUTES, Route};

/// The OpenAPI 3.1 document of every route.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let item = paths.entry(route.pattern).or_insert_with(|| json!({}));
        item[route.method.as_str().to_ascii_lowercase()] = operation(route);
    }
    for (path, summary) in BUILTIN_PATHS {
        paths.insert(
            path.to_string(),
            json!({ "get": { "operationId": path.trim_start_matches('/').replace('.', "_"), "summary": summary,
                             "security": [], "responses": { "200": { "description": "OK" },
                                                             "503": { "description": "Database unavailable" } } } }),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "hedgerow", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Privacy and sharing rules for user-owned content. Every response is an envelope: {data, error} (and pagination on lists)." },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": {
                "Success": { "type": "object", "required": ["data", "error"],
                             "properties": { "data": {}, "error": { "type": "null" },
                                             "pagination": { "$ref": "#/components/schemas/Pagination" } } },
                "Pagination": { "type": "object", "required": ["total", "limit", "offset", "has_more"],
                                "properties": { "total": { "type": "integer" }, "limit": { "type": "integer" },
                                                "offset": { "type": "integer" }, "has_more": { "type": "boolean" },
                                                "next_cursor": { "type": ["string", "null"] } } },
                "Failure": { "type": "object", "required": ["data", "error", "code"],
                             "properties": { "data": { "type": "null" }, "error": { "type": "string" },
                                             "code": { "type": "string" } } }
            }
        }
    })
}

fn operation(route: &Route) -> Value {
    let path_params = route
        .pattern
        .split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": parameter_schema(name) }));
    let query_params = route
        .query
        .iter()
        .map(|name| json!({ "name": name, "in": "query", "required": false, "schema": parameter_schema(name) }));
    // Browser pages answer errors with HTML pages too.
    let failure = if route.html {
        json!({ "content": { "text/html": { "schema": { "type": "string" } } } })
    } else {
        json!({ "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Failure" } } } })
    };
    let mut responses = Map::new();
    let success = if route.html {
        json!({ "text/html": { "schema": { "type": "string" } } })
    } else {
        json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Success" } } })
    };
    responses.insert(
        route.status.to_string(),
        json!({ "description": "Success", "content": success }),
    );
    for (status, description) in [
        ("4XX", "Refused (see code)"),
        ("5XX", "Unavailable or failed"),
    ] {
        let mut response = failure.clone();
        response["description"] = description.into();
        responses.insert(status.into(), response);
    }
    let mut operation = json!({
        "operationId": route.function,
        "summary": route.summary,
        "parameters": path_params.chain(query_params).collect::<Vec<_>>(),
        "security": [{ "bearer": [] }, {}],
        "responses": responses,
    });
    if route.method != hyper::Method::GET {
        operation["requestBody"] = json!({ "required": false,
            "content": { "application/json": { "schema": { "type": "object" } } } });
    }
    operation
}

/// The schema of a path or query parameter, by its name.
fn parameter_schema(name: &str) -> Value {
    match name {
        "id" | "share_id" | "user_id" => json!({ "type": "string", "format": "uuid" }),
        "kind" => json!({ "type": "string", "description": "sessions, shelves, books or plans" }),
        "username" => json!({ "type": "string", "pattern": "^[a-z0-9_]{3,32}$" }),
        "limit" => json!({ "type": "integer", "minimum": 1, "maximum": 100 }),
        "offset" => json!({ "type": "integer", "minimum": 0, "maximum": 1_000_000_000 }),
        _ => json!({ "type": "string" }),
    }
}
