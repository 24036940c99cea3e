//! The route matcher. Routes are declared in SQL beside their functions (api.routes); the
//! server loads them at start and again when a migration changes them (db/routes.rs), and
//! this module only finds the route for a request.

use hyper::{Method, StatusCode};
use serde_json::{Map, Value};

use super::validate::RouteSchemas;
use crate::db::request::Routing;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Auth {
    /// Anonymous callers and signed-in users.
    Optional,
    /// Signed-in users only (anonymous callers get 401).
    User,
}

/// One endpoint, as api.routes declares it.
#[derive(Debug)]
pub struct Route {
    pub method: Method,
    /// The path with `{name}` segments, as in OpenAPI.
    pub pattern: String,
    /// The SQL function it calls, `api.<name>`.
    pub function: String,
    pub operation_id: String,
    pub summary: String,
    /// The status of a success, unless the function sets `response.status`.
    pub status: StatusCode,
    /// Other successes its function may answer with (`hedgerow.set_status`).
    pub other_statuses: Vec<StatusCode>,
    pub auth: Auth,
    /// Reads one resource and logs the read, so it runs in a read-write transaction.
    pub logs_access: bool,
    /// Answers an HTML page rather than a JSON envelope.
    pub html: bool,
    /// Accepts a share token (header, query or path).
    pub share_token: bool,
    /// One resource: GET answers an ETag and honours If-None-Match; writes honour If-Match.
    pub etag: bool,
    /// A list: its response carries `pagination`.
    pub paged: bool,
    /// Passed to the function as `args.kind`.
    pub kind: Option<String>,
    /// Its function is VOLATILE, as every function that may write is declared: it runs on the
    /// primary. (A STABLE function may not write; a logged read's function must be VOLATILE,
    /// which hedgerow.route() checks at migrate time.)
    pub writes: bool,
    /// The JSON Schemas of the parameters, body and response data.
    pub schemas: RouteSchemas,
}

impl Route {
    /// Whether its transaction may be READ ONLY.
    pub fn read_only(&self) -> bool {
        self.method == Method::GET && !self.logs_access
    }

    /// Which database may run it: a GET whose function does not write may be served by a
    /// read replica; logged reads append an access-log row, so they go to the primary.
    pub fn routing(&self) -> Routing {
        match (self.method == Method::GET, self.writes || self.logs_access) {
            (true, false) => Routing::Replica,
            (true, true) => Routing::Primary,
            (false, _) => Routing::Write,
        }
    }

    fn segments(&self) -> impl Iterator<Item = Segment<'_>> {
        self.pattern.split('/').map(|part| {
            match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => Segment::Param(name),
                None => Segment::Literal(part),
            }
        })
    }
}

enum Segment<'a> {
    Literal(&'a str),
    Param(&'a str),
}

/// Path parameters captured from a request path, by name.
pub type Params = Map<String, Value>;

/// The outcome of matching a request against the table.
#[derive(Debug)]
pub enum Match<'a> {
    Found(&'a Route, Params),
    /// The path exists, with other methods.
    WrongMethod(Vec<Method>),
    NotFound,
}

/// Endpoints served by Rust itself, without a transaction.
pub const BUILTIN_PATHS: &[(&str, &str)] = &[
    ("/health", "The process is up"),
    ("/ready", "The database answers (503 while it does not)"),
    ("/openapi.json", "This document"),
];

/// Every route the server answers, as last loaded, and their OpenAPI document. Empty
/// until the first load (while the database is away at start).
#[derive(Debug, Default)]
pub struct RouteTable {
    pub routes: Vec<Route>,
    pub openapi: bytes::Bytes,
}

impl RouteTable {
    /// Whether the routes have been loaded at all.
    pub fn is_loaded(&self) -> bool {
        !self.routes.is_empty()
    }
}

impl RouteTable {
    /// Finds the route for `method` and `path`, capturing the `{name}` segments. The patterns
    /// with the most literal segments win, whatever the method, so `/api/shelves/public` is
    /// never `/api/shelves/{id}`: another method there is a 405, not a request for shelf
    /// "public".
    pub fn find(&self, method: &Method, path: &str) -> Match<'_> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let matching: Vec<(&Route, Params, usize)> = self
            .routes
            .iter()
            .filter_map(|route| {
                capture(route, &segments).map(|(params, literals)| (route, params, literals))
            })
            .collect();
        let Some(most) = matching.iter().map(|(_, _, literals)| *literals).max() else {
            return Match::NotFound;
        };
        let mut methods = Vec::new();
        for (route, params, literals) in matching {
            if literals != most {
                continue;
            }
            if route.method == *method {
                return Match::Found(route, params);
            }
            if !methods.contains(&route.method) {
                methods.push(route.method.clone());
            }
        }
        methods.sort_by_key(|m| {
            [
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ]
            .iter()
            .position(|known| known == m)
        });
        Match::WrongMethod(methods)
    }
}

/// The captures of `route`'s pattern against `segments`, and how many literal segments matched.
/// One pass over both, stopping at the first difference: most routes differ from a request
/// in their first few segments, and this runs for every route on every request.
fn capture(route: &Route, segments: &[&str]) -> Option<(Params, usize)> {
    let mut params = Map::new();
    let mut literals = 0;
    let mut parts = route.segments();
    for segment in segments {
        match parts.next()? {
            Segment::Param(name) if !segment.is_empty() => {
                params.insert(name.to_string(), Value::String(percent_decode(segment)?));
            }
            Segment::Param(_) => return None,
            Segment::Literal(literal) if literal == *segment => literals += 1,
            Segment::Literal(_) => return None,
        }
    }
    if parts.next().is_some() {
        return None;
    }
    Some((params, literals))
}

fn percent_decode(segment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: Method, pattern: &str, function: &str) -> Route {
        Route {
            writes: method != Method::GET,
            method,
            pattern: pattern.into(),
            function: function.into(),
            operation_id: function.into(),
            summary: String::new(),
            status: StatusCode::OK,
            other_statuses: Vec::new(),
            auth: Auth::Optional,
            logs_access: false,
            html: false,
            share_token: false,
            etag: false,
            paged: false,
            kind: None,
            schemas: RouteSchemas::default(),
        }
    }

    #[test]
    fn only_a_get_whose_function_neither_writes_nor_logs_may_be_served_by_a_replica() {
        let read = route(Method::GET, "/api/public/sessions", "api.public_sessions");
        assert_eq!(read.routing(), Routing::Replica);
        let logged = Route {
            logs_access: true,
            writes: true,
            ..route(Method::GET, "/api/sessions/{id}", "api.get_session")
        };
        assert_eq!(logged.routing(), Routing::Primary);
        let volatile = Route {
            writes: true,
            ..route(
                Method::GET,
                "/api/sessions/{id}/shares",
                "api.list_share_links",
            )
        };
        assert_eq!(volatile.routing(), Routing::Primary);
        let write = route(Method::POST, "/api/sessions", "api.create_session");
        assert_eq!(write.routing(), Routing::Write);
    }

    fn table() -> RouteTable {
        RouteTable {
            openapi: Default::default(),
            routes: vec![
                route(Method::GET, "/api/users/{username}", "api.get_user"),
                route(Method::GET, "/api/auth/profile", "api.get_profile"),
                route(Method::GET, "/api/shelves/public", "api.discover_shelves"),
                route(Method::GET, "/api/shelves/{id}", "api.get_shelf"),
                route(Method::PATCH, "/api/shelves/{id}", "api.update_shelf"),
                route(Method::DELETE, "/api/shelves/{id}", "api.delete_resource"),
            ],
        }
    }

    #[test]
    fn captures_path_parameters() {
        let table = table();
        let Match::Found(route, params) = table.find(&Method::GET, "/api/users/ada_l") else {
            panic!()
        };
        assert_eq!(route.function, "api.get_user");
        assert_eq!(params["username"], "ada_l");
    }

    #[test]
    fn a_known_path_with_another_method_is_told_apart_from_an_unknown_path() {
        let table = table();
        assert!(matches!(
            table.find(&Method::DELETE, "/api/auth/profile"),
            Match::WrongMethod(_)
        ));
        assert!(matches!(
            table.find(&Method::GET, "/api/nothing/here"),
            Match::NotFound
        ));
        assert!(matches!(
            table.find(&Method::GET, "/api/users/"),
            Match::NotFound
        ));
    }

    #[test]
    fn a_literal_path_is_never_taken_for_a_capture() {
        let table = table();
        let Match::WrongMethod(methods) = table.find(&Method::PATCH, "/api/shelves/public") else {
            panic!()
        };
        assert_eq!(methods, vec![Method::GET]);
        let Match::WrongMethod(methods) = table.find(&Method::PUT, "/api/shelves/123") else {
            panic!()
        };
        assert_eq!(
            methods,
            vec![Method::GET, Method::PATCH, Method::DELETE],
            "each method once"
        );
    }
}
