//! The route table: each (method, path pattern) calls one `api.*` function. Adding an
//! endpoint is one line here plus one SQL function.

use hyper::Method;

/// One endpoint.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    /// Path with `{name}` segments, as in OpenAPI.
    pub pattern: &'static str,
    /// The SQL function `api.<function>(args jsonb)`.
    pub function: &'static str,
    /// The status of a success, unless the function sets `response.status`.
    pub status: u16,
    /// Query parameters it reads (documented in /openapi.json).
    pub query: &'static [&'static str],
    pub summary: &'static str,
    /// GETs run READ ONLY unless they record an access-log row.
    pub writes: bool,
    /// The function returns an HTML page (text), not a JSON envelope.
    pub html: bool,
}

const fn route(
    method: Method,
    pattern: &'static str,
    function: &'static str,
    summary: &'static str,
) -> Route {
    let writes = !matches!(method, Method::GET);
    Route {
        method,
        pattern,
        function,
        status: 200,
        query: &[],
        summary,
        writes,
        html: false,
    }
}

const fn get(pattern: &'static str, function: &'static str, summary: &'static str) -> Route {
    route(Method::GET, pattern, function, summary)
}

const fn post(pattern: &'static str, function: &'static str, summary: &'static str) -> Route {
    route(Method::POST, pattern, function, summary)
}

const fn put(pattern: &'static str, function: &'static str, summary: &'static str) -> Route {
    route(Method::PUT, pattern, function, summary)
}

const fn delete(pattern: &'static str, function: &'static str, summary: &'static str) -> Route {
    route(Method::DELETE, pattern, function, summary)
}

const fn patch(pattern: &'static str, function: &'static str, summary: &'static str) -> Route {
    route(Method::PATCH, pattern, function, summary)
}

impl Route {
    const fn created(mut self) -> Self {
        self.status = 201;
        self
    }

    /// A read of a single resource: it appends an access-log row, so it cannot be READ ONLY.
    const fn logs_access(mut self) -> Self {
        self.writes = true;
        self
    }

    const fn html(mut self) -> Self {
        self.html = true;
        self
    }

    const fn query(mut self, names: &'static [&'static str]) -> Self {
        self.query = names;
        self
    }
}

const PAGE: &[&str] = &["limit", "offset"];

pub static ROUTES: &[Route] = &[
    post(
        "/api/auth/profile",
        "create_profile",
        "Create the caller's profile",
    )
    .created(),
    get(
        "/api/auth/profile",
        "get_profile",
        "The caller's profile, email included",
    ),
    patch(
        "/api/auth/profile",
        "update_profile",
        "Change display name or email",
    ),
    get(
        "/api/settings",
        "get_settings",
        "The caller's defaults for new resources",
    ),
    patch(
        "/api/settings",
        "update_settings",
        "Change the caller's defaults",
    ),
    get(
        "/api/users/{username}",
        "get_user",
        "A user's public profile",
    ),
    // Lap sessions (seed 000)
    post(
        "/api/sessions",
        "create_session",
        "Record a session (private unless asked or defaulted otherwise)",
    )
    .created(),
    get(
        "/api/sessions",
        "list_sessions",
        "The caller's sessions, newest first",
    )
    .query(PAGE),
    get(
        "/api/sessions/{id}",
        "get_session",
        "One session, if the caller may see it",
    )
    .logs_access(),
    patch(
        "/api/sessions/{id}",
        "update_session",
        "Change a session (owner only)",
    ),
    delete(
        "/api/sessions/{id}",
        "delete_session",
        "Delete a session (owner only)",
    ),
    post(
        "/api/sessions/{id}/share",
        "share_session",
        "Create a share link (the seed's path)",
    )
    .created(),
    get(
        "/api/public/sessions",
        "public_sessions",
        "Community feed: public sessions, newest first",
    )
    .query(&["track", "limit", "offset", "cursor"]),
    // Shelves and books (seed 004)
    post(
        "/api/shelves",
        "create_shelf",
        "Create a shelf (public unless asked or defaulted otherwise)",
    )
    .created(),
    get("/api/shelves", "list_shelves", "The caller's shelves").query(PAGE),
    get(
        "/api/shelves/public",
        "discover_shelves",
        "Discover public shelves, newest updated first",
    )
    .query(&["limit", "offset", "search"]),
    get(
        "/api/shelves/{id}",
        "get_shelf",
        "A shelf and the books the caller may see",
    )
    .logs_access(),
    patch(
        "/api/shelves/{id}",
        "update_shelf",
        "Rename a shelf or set its privacy_level (owner only)",
    ),
    delete(
        "/api/shelves/{id}",
        "delete_shelf",
        "Delete a shelf and its books (owner only)",
    ),
    post(
        "/api/shelves/{id}/books",
        "add_book",
        "Put a book on a shelf (owner only)",
    )
    .created(),
    get(
        "/api/books/{id}",
        "get_book",
        "One book, if the caller may see it",
    )
    .logs_access(),
    patch(
        "/api/books/{id}",
        "update_book",
        "Set a book's privacy_override or title (owner only)",
    ),
    delete(
        "/api/books/{id}",
        "delete_book",
        "Remove a book (owner only)",
    ),
    get(
        "/api/users/{username}/shelves",
        "user_shelves",
        "A user's public shelves (all, for the user)",
    )
    .query(PAGE),
    // Plans (seed 002); their privacy, share link, access and logs are the shared verbs below
    post(
        "/api/plans",
        "create_plan",
        "Create a plan (private unless asked or defaulted otherwise)",
    )
    .created(),
    get(
        "/api/plans",
        "list_plans",
        "The caller's plans, without content",
    )
    .query(PAGE),
    get(
        "/api/plans/{id}",
        "get_plan",
        "One plan (share token as X-Share-Token or ?token=)",
    )
    .logs_access()
    .query(&["token"]),
    patch(
        "/api/plans/{id}",
        "update_plan",
        "Change a plan (owner only)",
    ),
    delete(
        "/api/plans/{id}",
        "delete_plan",
        "Delete a plan (owner only)",
    ),
    get(
        "/plans/{id}",
        "shared_page",
        "A plan's shared page, for browsers (?token=)",
    )
    .logs_access()
    .html()
    .query(&["token"]),
    get(
        "/api/shared-with-me",
        "shared_with_me",
        "Everything granted to the caller, every kind",
    )
    .query(PAGE),
    // The same verbs for every kind: {kind} is its plural (sessions, …)
    put(
        "/api/{kind}/{id}/privacy",
        "set_privacy",
        "Set visibility / share-link sharing (owner only)",
    ),
    post(
        "/api/{kind}/{id}/shares",
        "create_share_link",
        "Create a share link (owner only)",
    )
    .created(),
    get(
        "/api/{kind}/{id}/shares",
        "list_share_links",
        "The owner's share links with their use",
    ),
    delete(
        "/api/{kind}/{id}/shares/{share_id}",
        "revoke_share_link",
        "Revoke a share link at once",
    ),
    get(
        "/api/{kind}/{id}/share-link",
        "get_share_link",
        "The primary share link {share_url, enabled}",
    ),
    post(
        "/api/{kind}/{id}/share-link/regenerate",
        "regenerate_share_link",
        "A new token; the old one dies at once",
    ),
    get(
        "/api/{kind}/{id}/access",
        "list_grants",
        "Who the owner has invited",
    ),
    post(
        "/api/{kind}/{id}/access",
        "create_grant",
        "Invite a user by username (201; 200 if already invited)",
    )
    .created(),
    delete(
        "/api/{kind}/{id}/access/{user_id}",
        "revoke_grant",
        "Revoke an invitation at once",
    ),
    get(
        "/api/{kind}/{id}/access-logs",
        "list_access_logs",
        "Who read it, newest first (owner only)",
    )
    .query(&["limit", "cursor"]),
    // Opening a share link, without an account
    get(
        "/api/shared/{token}",
        "get_shared",
        "What a share link opens",
    )
    .logs_access(),
    get(
        "/shared/{token}",
        "shared_page",
        "The shared page, for browsers",
    )
    .logs_access()
    .html(),
];

/// Endpoints served by Rust itself, without a transaction.
pub static BUILTIN_PATHS: &[(&str, &str)] = &[
    ("/health", "The process is up"),
    ("/ready", "The database answers (503 while it does not)"),
    ("/openapi.json", "This document"),
];

/// Path parameters captured from a request path, by name.
pub type Params = Vec<(&'static str, String)>;

/// The outcome of matching a request against the table.
#[derive(Debug)]
pub enum Match {
    Found(&'static Route, Params),
    /// The path exists, with other methods.
    WrongMethod(Vec<Method>),
    NotFound,
}

/// Finds the route for `method` and `path`, capturing the `{name}` segments. The patterns
/// with the most literal segments win, whatever the method, so `/api/shelves/public` is never
/// `/api/shelves/{id}`: another method there is a 405, not a request for shelf "public".
pub fn find(method: &Method, path: &str) -> Match {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let matching: Vec<(&'static Route, Params, usize)> = ROUTES
        .iter()
        .filter_map(|route| {
            capture(route.pattern, &segments).map(|(params, literals)| (route, params, literals))
        })
        .collect();
    let Some(most) = matching.iter().map(|(_, _, literals)| *literals).max() else {
        return Match::NotFound;
    };
    let mut best = matching
        .into_iter()
        .filter(|(_, _, literals)| *literals == most);
    let mut methods = Vec::new();
    for (route, params, _) in best.by_ref() {
        if route.method == *method {
            return Match::Found(route, params);
        }
        if !methods.contains(&route.method) {
            methods.push(route.method.clone());
        }
    }
    Match::WrongMethod(methods)
}

/// The captures of `pattern` against `segments`, and how many literal segments matched.
fn capture(
    pattern: &'static str,
    segments: &[&str],
) -> Option<(Vec<(&'static str, String)>, usize)> {
    let parts: Vec<&'static str> = pattern.split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    let mut literals = 0;
    for (part, segment) in parts.iter().zip(segments) {
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if !segment.is_empty() => params.push((name, percent_decode(segment)?)),
            Some(_) => return None,
            None if part == segment => literals += 1,
            None => return None,
        }
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

    #[test]
    fn captures_path_parameters() {
        let Match::Found(route, params) = find(&Method::GET, "/api/users/ada_l") else {
            panic!()
        };
        assert_eq!(route.function, "get_user");
        assert_eq!(params, vec![("username", "ada_l".to_string())]);
    }

    #[test]
    fn a_known_path_with_another_method_is_told_apart_from_an_unknown_path() {
        assert!(matches!(
            find(&Method::DELETE, "/api/auth/profile"),
            Match::WrongMethod(_)
        ));
        assert!(matches!(
            find(&Method::GET, "/api/nothing/here"),
            Match::NotFound
        ));
        assert!(matches!(find(&Method::GET, "/api/users/"), Match::NotFound));
    }

    #[test]
    fn a_literal_path_is_never_taken_for_a_capture() {
        let Match::WrongMethod(methods) = find(&Method::PATCH, "/api/shelves/public") else {
            panic!()
        };
        assert_eq!(methods, vec![Method::GET]);
        let Match::WrongMethod(methods) = find(&Method::PUT, "/api/shelves/123") else {
            panic!()
        };
        assert_eq!(
            methods,
            vec![Method::GET, Method::PATCH, Method::DELETE],
            "each method once"
        );
    }

    #[test]
    fn every_pattern_is_unique_per_method() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.pattern == b.pattern),
                    "{} {} twice",
                    a.method,
                    a.pattern
                );
            }
        }
    }
}
