//! The web components (/ui/…) and the demo app (/app/…): the files of web/, embedded in the
//! binary by build.rs and served with their type, a strong ETag (so browsers revalidate
//! instead of running a stale copy after an upgrade) and headers that keep browsers from
//! sniffing their type; the app's page also gets a Content-Security-Policy.

use std::{collections::hash_map::DefaultHasher, hash::Hasher, sync::OnceLock};

use hyper::{HeaderMap, Response, StatusCode, header};

use super::response::{self, Body};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web.rs"));
}

/// Whether `path` is one of ours to serve (or to answer 404 for).
pub fn is_web_path(path: &str) -> bool {
    path == "/app" || path.starts_with("/app/") || path.starts_with("/ui/")
}

/// The page of the demo app: scripts and styles from hedgerow itself only, nothing inline.
const APP_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                          img-src 'self' data:; object-src 'none'; base-uri 'none'; \
                          form-action 'self'; frame-ancestors 'none'";

/// The file served at `path` (`/app` and `/app/` are the app's index.html), answered `304`
/// when the client's copy is current; None when there is no such file.
pub fn serve(path: &str, headers: &HeaderMap) -> Option<Response<Body>> {
    let path = match path {
        "/app" | "/app/" => "/app/index.html",
        path => path,
    };
    let index = embedded::FILES.iter().position(|(p, _)| *p == path)?;
    let (_, bytes) = embedded::FILES[index];
    let etag = &etags()[index];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        let mut response = response::json(StatusCode::NOT_MODIFIED, bytes::Bytes::new());
        response.headers_mut().remove(header::CONTENT_TYPE);
        response
    } else {
        let mut response = response::json(StatusCode::OK, bytes);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(content_type(path)),
        );
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, header::HeaderValue::from_str(etag).ok()?);
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    headers.insert(
        "x-content-type-options",
        header::HeaderValue::from_static("nosniff"),
    );
    if path.ends_with(".html") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(APP_POLICY),
        );
        headers.insert(
            header::REFERRER_POLICY,
            header::HeaderValue::from_static("no-referrer"),
        );
    }
    Some(response)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// A strong ETag per file, from its content (computed once).
fn etags() -> &'static [String] {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    ETAGS.get_or_init(|| {
        embedded::FILES
            .iter()
            .map(|(_, bytes)| {
                let mut hasher = DefaultHasher::new();
                hasher.write(bytes);
                format!("\"{:016x}-{:x}\"", hasher.finish(), bytes.len())
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_has_a_known_type() {
        assert!(!embedded::FILES.is_empty());
        for (path, _) in embedded::FILES {
            assert_ne!(content_type(path), "application/octet-stream", "{path}");
            assert!(is_web_path(path), "{path}");
        }
    }

    #[test]
    fn the_app_is_its_index_page_and_unknown_files_are_none() {
        let headers = HeaderMap::new();
        let page = serve("/app/", &headers).unwrap();
        assert_eq!(
            page.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert!(page.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        assert!(serve("/app", &headers).is_some());
        assert!(serve("/ui/nothing.js", &headers).is_none());
        assert!(serve("/ui/../Cargo.toml", &headers).is_none());
    }
}
