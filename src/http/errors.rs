//! Everything that can go wrong with a request, and the one table that maps it to HTTP.
//! Database errors are mapped by SQLSTATE, never by message text; 5xx bodies carry no detail
//! (the cause is logged with the request id).

use hyper::{Method, Response, StatusCode, header};

use super::input::InputError;
use super::response::{Body, failure, html_failure};
use super::validate::Invalid;
use crate::auth::AuthError;
use crate::db::request::RequestError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("authentication required")]
    Unauthenticated,
    #[error("no such endpoint")]
    NoRoute,
    #[error("the service is starting: its database is not reachable yet")]
    RoutesNotLoaded,
    #[error("method not allowed")]
    WrongMethod(Vec<Method>),
    #[error("the request body is larger than 1 MiB")]
    BodyTooLarge,
    #[error("the request body could not be read")]
    BodyUnreadable,
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("too many requests with share tokens from this network; try again later")]
    RateLimited(std::time::Duration),
    #[error(transparent)]
    Request(#[from] RequestError),
}

/// How an error is shown to the client.
struct Shown {
    status: StatusCode,
    code: String,
    message: String,
}

fn shown(status: StatusCode, code: &str, message: impl Into<String>) -> Shown {
    Shown {
        status,
        code: code.to_string(),
        message: message.into(),
    }
}

impl ApiError {
    /// The error as an HTML page, for browser-facing routes.
    pub fn into_html_response(self, request_id: &str) -> Response<Body> {
        let json = self.into_response(true, request_id);
        let status = json.status();
        let message = match status {
            StatusCode::NOT_FOUND => "This link does not exist, has expired or was revoked.",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests. Try again in a minute.",
            StatusCode::SERVICE_UNAVAILABLE => "The service is busy. Try again shortly.",
            _ => "Something went wrong with this link.",
        };
        let mut page = html_failure(status, message);
        for name in [header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
            if let Some(value) = json.headers().get(&name) {
                page.headers_mut().insert(name, value.clone());
            }
        }
        page
    }

    /// The response for this error. `anonymous`: the caller sent no token, so "permission
    /// denied" means "log in" (401) rather than "not yours" (403).
    pub fn into_response(self, anonymous: bool, request_id: &str) -> Response<Body> {
        let shown = match &self {
            ApiError::Auth(e) => shown(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", e.to_string()),
            ApiError::Unauthenticated => shown(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                self.to_string(),
            ),
            ApiError::Invalid(invalid) => {
                shown(StatusCode::BAD_REQUEST, &invalid.code, &invalid.message)
            }
            ApiError::NoRoute => shown(StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint"),
            ApiError::RoutesNotLoaded => shown(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                self.to_string(),
            ),
            ApiError::WrongMethod(_) => shown(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "method not allowed",
            ),
            ApiError::BodyTooLarge => shown(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                self.to_string(),
            ),
            ApiError::BodyUnreadable => {
                shown(StatusCode::BAD_REQUEST, "BAD_REQUEST", self.to_string())
            }
            ApiError::Input(InputError::UnsupportedMediaType) => shown(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                self.to_string(),
            ),
            ApiError::Input(InputError::NulCharacter) => {
                shown(StatusCode::BAD_REQUEST, "INVALID_TEXT", self.to_string())
            }
            ApiError::Input(e) => shown(StatusCode::BAD_REQUEST, "INVALID_JSON", e.to_string()),
            ApiError::RateLimited(_) => shown(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                self.to_string(),
            ),
            ApiError::Request(e) => from_request_error(e, anonymous),
        };
        if shown.status.is_server_error() {
            tracing::error!(request_id, cause = %self, "request failed");
        }
        if let ApiError::Auth(reason) = &self {
            tracing::info!(request_id, reason = %reason, "token refused");
        }
        let mut response = failure(shown.status, &shown.code, &shown.message);
        let headers = response.headers_mut();
        match (&self, shown.status) {
            (ApiError::Auth(reason), _) => {
                // RFC 6750 §3: the reason as error_description (no quotes or backslashes).
                let description = reason.to_string().replace(['"', '\\'], "'");
                let challenge =
                    format!("Bearer error=\"invalid_token\", error_description=\"{description}\"");
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_str(&challenge).unwrap_or_else(|_| {
                        header::HeaderValue::from_static("Bearer error=\"invalid_token\"")
                    }),
                );
            }
            (_, StatusCode::UNAUTHORIZED) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            (_, StatusCode::SERVICE_UNAVAILABLE) => {
                headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            }
            (ApiError::RateLimited(wait), _) => {
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                headers.insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(seconds.max(1)),
                );
            }
            (ApiError::WrongMethod(methods), _) => {
                let allow = methods
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                if let Ok(value) = header::HeaderValue::from_str(&allow) {
                    headers.insert(header::ALLOW, value);
                }
            }
            _ => {}
        }
        response
    }
}

fn from_request_error(error: &RequestError, anonymous: bool) -> Shown {
    let unavailable = || {
        shown(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "the database is unavailable; try again shortly",
        )
    };
    match error {
        RequestError::Pool(_) => unavailable(),
        RequestError::Database(e) => match e.as_db_error() {
            Some(db) => from_sqlstate(db.code().code(), db.message(), db.hint(), anonymous),
            None => unavailable(),
        },
    }
}

/// The SQLSTATE → HTTP table (DESIGN §4).
fn from_sqlstate(sqlstate: &str, message: &str, hint: Option<&str>, anonymous: bool) -> Shown {
    if let Some(status) = sqlstate
        .strip_prefix("PT")
        .and_then(|s| s.parse().ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
    {
        return shown(status, hint.unwrap_or("ERROR"), message);
    }
    match sqlstate {
        "42501" if anonymous => shown(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "authentication required",
        ),
        "42501" => shown(StatusCode::FORBIDDEN, "FORBIDDEN", "permission denied"),
        "23505" | "23503" => shown(
            StatusCode::CONFLICT,
            "CONFLICT",
            "conflicts with existing data",
        ),
        "23502" | "23514" => shown(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "a value is missing or out of range",
        ),
        "57014" => shown(
            StatusCode::SERVICE_UNAVAILABLE,
            "TIMEOUT",
            "the request took too long",
        ),
        "40001" | "40P01" | "53300" | "57P01" | "57P02" | "57P03" => shown(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "the database is busy; try again shortly",
        ),
        _ if sqlstate.starts_with("22") => {
            shown(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
        }
        _ if sqlstate.starts_with("08") => shown(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "the database is unavailable; try again shortly",
        ),
        _ => shown(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal error",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_codes_choose_their_status_and_machine_code() {
        let s = from_sqlstate("PT404", "no such user", Some("USER_NOT_FOUND"), false);
        assert_eq!(
            (s.status, s.code.as_str(), s.message.as_str()),
            (StatusCode::NOT_FOUND, "USER_NOT_FOUND", "no such user")
        );
    }

    #[test]
    fn permission_denied_is_401_for_anonymous_callers_and_403_otherwise() {
        assert_eq!(
            from_sqlstate("42501", "x", None, true).status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            from_sqlstate("42501", "x", None, false).status,
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn the_table_maps_input_conflict_and_unknown_errors() {
        assert_eq!(
            from_sqlstate("23505", "dup key \"secret_idx\"", None, false).status,
            StatusCode::CONFLICT
        );
        assert!(
            !from_sqlstate("23505", "dup key \"secret_idx\"", None, false)
                .message
                .contains("secret_idx")
        );
        assert_eq!(
            from_sqlstate("22P02", "bad uuid", None, false).status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            from_sqlstate("22023", "bad", None, false).status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            from_sqlstate("57014", "timeout", None, false).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        let internal = from_sqlstate("XX000", "relation data.secret does not exist", None, false);
        assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!internal.message.contains("secret"));
    }
}
