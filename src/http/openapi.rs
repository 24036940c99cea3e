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
        paths.insert(
            path.to_string(),
            json!({ "get": {
                "operationId": path.trim_start_matches('/').replace('.', "_"), "summary": summary,
                "security": [],
                "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": {} } } },
                               "503": { "description": "The database is unavailable",
                                        "content": failure_content() } } } }),
        );
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
        let mut envelope = json!({
            "type": "object", "required": ["data", "error"],
            "properties": { "data": schemas.response, "error": { "type": "null" } } });
        if route.paged {
            envelope["required"] = json!(["data", "error", "pagination"]);
            envelope["properties"]["pagination"] =
                json!({ "$ref": "#/components/schemas/Pagination" });
        }
        json!({ "application/json": { "schema": envelope } })
    };
    responses.insert(
        route.status.as_u16().to_string(),
        json!({ "description": "Success", "content": success }),
    );
    if route.etag && route.method == hyper::Method::GET {
        responses.insert(
            "304".into(),
            json!({ "description": "Not modified (If-None-Match)" }),
        );
    }
    let failure = if route.html {
        json!({ "text/html": { "schema": { "type": "string" } } })
    } else {
        failure_content()
    };
    for (status, description) in [
        ("4XX", "Refused (see code)"),
        ("5XX", "Unavailable or failed"),
    ] {
        responses.insert(
            status.into(),
            json!({ "description": description, "content": failure }),
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
        operation["requestBody"] = json!({ "required": true,
            "content": { "application/json": { "schema": body } } });
    }
    operation
}
