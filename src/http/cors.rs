//! Calls from browser apps on other origins (the Fetch standard's CORS protocol): pages of the
//! origins on HEDGEROW_CORS_ORIGINS may call the API and read its answers; no other page may
//! read them. hedgerow reads no cookies — callers send bearer tokens — so credentials are
//! never allowed, and `*` (any origin) gives a page nothing its own JavaScript could not send.

use std::str::FromStr;

use hyper::{HeaderMap, Method, Response, StatusCode, header, header::HeaderValue};

use super::response::{self, Body};

/// The request headers a cross-origin caller may send.
const ALLOWED_HEADERS: &str =
    "authorization, content-type, if-match, if-none-match, x-share-token, x-request-id";
/// The answer headers its script may read (beyond the CORS-safelisted ones).
const EXPOSED_HEADERS: &str =
    "etag, location, retry-after, ratelimit, ratelimit-policy, x-request-id";
/// How long a browser may keep a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// HEDGEROW_CORS_ORIGINS: who may call from a browser page of another origin.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum CorsOrigins {
    /// Nobody (the default): browsers keep other origins' pages from reading any answer.
    #[default]
    None,
    /// Any origin (`*`).
    Any,
    /// These origins exactly, as browsers send them (`https://app.example.com`).
    List(Vec<String>),
}

impl FromStr for CorsOrigins {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(CorsOrigins::None);
        }
        if text == "*" {
            return Ok(CorsOrigins::Any);
        }
        text.split(',')
            .map(|item| {
                let item = item.trim();
                let origin = url::Url::parse(item)
                    .ok()
                    .filter(|url| matches!(url.scheme(), "http" | "https"))
                    .map(|url| url.origin().ascii_serialization());
                match origin {
                    Some(origin) if origin == item => Ok(origin),
                    _ => Err(format!(
                        "{item:?} is not an origin like https://app.example.com (scheme, host \
                         and port only, lowercase, no path or trailing slash), nor * for any"
                    )),
                }
            })
            .collect::<Result<_, _>>()
            .map(CorsOrigins::List)
    }
}

impl CorsOrigins {
    fn allows(&self, origin: &str) -> bool {
        match self {
            CorsOrigins::None => false,
            CorsOrigins::Any => true,
            CorsOrigins::List(origins) => origins.iter().any(|o| o == origin),
        }
    }

    /// The Access-Control-Allow-Origin of an answer to `origin`, when it is allowed.
    fn allow_origin(&self, origin: &str) -> Option<HeaderValue> {
        match self {
            _ if !self.allows(origin) => None,
            CorsOrigins::Any => Some(HeaderValue::from_static("*")),
            _ => HeaderValue::from_str(origin).ok(),
        }
    }

    /// Lets the page of `origin` read this answer, when it may. Answers differ by Origin only
    /// with a list, which caches must then key on.
    pub fn decorate(&self, origin: Option<&HeaderValue>, headers: &mut HeaderMap) {
        if let CorsOrigins::List(_) = self {
            headers.append(header::VARY, HeaderValue::from_static("origin"));
        }
        let Some(allowed) = origin
            .and_then(|o| o.to_str().ok())
            .and_then(|o| self.allow_origin(o))
        else {
            return;
        };
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }

    /// The answer to OPTIONS on a path that takes `methods`: a CORS preflight (a request with
    /// Origin and Access-Control-Request-Method) says what the origin may send, or refuses an
    /// origin that may not; a plain OPTIONS lists the methods (RFC 9110 §9.3.7).
    pub fn options(&self, request: &HeaderMap, methods: &[Method]) -> Response<Body> {
        let allow = methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let preflight_origin = request
            .get(header::ORIGIN)
            .filter(|_| request.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD))
            .and_then(|o| o.to_str().ok());
        let mut answer = match preflight_origin {
            None => response::empty(StatusCode::NO_CONTENT),
            Some(origin) if !self.allows(origin) => response::failure(
                StatusCode::FORBIDDEN,
                "CORS_ORIGIN_NOT_ALLOWED",
                &format!(
                    "pages of {origin} may not call this API (HEDGEROW_CORS_ORIGINS lists who may)"
                ),
            ),
            Some(_) => {
                let mut answer = response::empty(StatusCode::NO_CONTENT);
                let headers = answer.headers_mut();
                for (name, value) in [
                    (header::ACCESS_CONTROL_ALLOW_METHODS, allow.as_str()),
                    (header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS),
                    (header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE),
                ] {
                    if let Ok(value) = HeaderValue::from_str(value) {
                        headers.insert(name, value);
                    }
                }
                answer
            }
        };
        if let Ok(value) = HeaderValue::from_str(&allow) {
            answer.headers_mut().insert(header::ALLOW, value);
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_parse_exactly_as_browsers_send_them() {
        assert_eq!("".parse(), Ok(CorsOrigins::None));
        assert_eq!("*".parse(), Ok(CorsOrigins::Any));
        assert_eq!(
            "https://app.example.com, http://localhost:5173".parse(),
            Ok(CorsOrigins::List(vec![
                "https://app.example.com".into(),
                "http://localhost:5173".into()
            ]))
        );
        for bad in [
            "https://app.example.com/",
            "https://app.example.com/path",
            "HTTPS://App.example.com",
            "app.example.com",
            "ftp://example.com",
            "https://example.com:443",
        ] {
            assert!(bad.parse::<CorsOrigins>().is_err(), "{bad}");
        }
    }
}
