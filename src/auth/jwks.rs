//! An identity provider's JWK set, fetched at start and cached. It is fetched again when its
//! lifetime ends (in the background; the old keys serve meanwhile and stay if the fetch fails)
//! and when a token names a `kid` it does not hold — at most once per `min_interval`, so
//! tokens with made-up `kid`s cannot make hedgerow hammer the provider.

use std::{
    path::PathBuf,
    sync::{
        Arc, RwLock,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::{Client, connect::HttpConnector};

use super::keys::{self, VerificationKey};

/// A JWK set larger than this is refused (real ones are a few kilobytes).
const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the JWK set comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// `https://…` (plain `http://` only on loopback).
    Url(Uri),
    /// A file, read again on every refresh.
    File(PathBuf),
}

impl JwksSource {
    /// A JWKS URL: https, or http to a loopback address (a local test or sidecar).
    pub fn url(text: &str) -> Result<Self, String> {
        let uri: Uri = text
            .parse()
            .map_err(|e| format!("{text:?} is not a URL: {e}"))?;
        let host = uri.host().unwrap_or("");
        let loopback = host == "localhost"
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        match uri.scheme_str() {
            Some("https") => Ok(JwksSource::Url(uri)),
            Some("http") if loopback => Ok(JwksSource::Url(uri)),
            _ => Err(format!(
                "{text:?} must be an https URL (plain http only to a loopback address)"
            )),
        }
    }
}

impl std::fmt::Display for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwksSource::Url(uri) => write!(f, "{uri}"),
            JwksSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// How long keys are kept and how often they may be fetched early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwksTiming {
    /// Keys older than this are fetched again.
    pub lifetime: Duration,
    /// The least time between two fetches caused by unknown `kid`s (or failed attempts).
    pub min_interval: Duration,
}

impl Default for JwksTiming {
    fn default() -> Self {
        JwksTiming {
            lifetime: Duration::from_secs(3600),
            min_interval: Duration::from_secs(10),
        }
    }
}

#[derive(Default)]
struct State {
    keys: Arc<Vec<VerificationKey>>,
    fetched: Option<Instant>,
    attempted: Option<Instant>,
}

/// The cached key set of one source.
pub struct Jwks {
    source: JwksSource,
    timing: JwksTiming,
    state: RwLock<State>,
    /// Held while fetching: one fetch at a time; others wait and use its result.
    fetching: tokio::sync::Mutex<()>,
    refresh_scheduled: AtomicBool,
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
}

impl Jwks {
    pub fn new(source: JwksSource, timing: JwksTiming) -> Self {
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        let tls = rustls::ClientConfig::builder_with_provider(crate::db::tls::crypto_provider())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Jwks {
            source,
            timing,
            state: RwLock::new(State::default()),
            fetching: tokio::sync::Mutex::new(()),
            refresh_scheduled: AtomicBool::new(false),
            client: Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector),
        }
    }

    /// The keys held now; when they are past their lifetime, a fetch starts in the background.
    pub fn keys(self: &Arc<Self>) -> Arc<Vec<VerificationKey>> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        let stale = state
            .fetched
            .is_none_or(|at| at.elapsed() >= self.timing.lifetime)
            && self.may_attempt(&state);
        let keys = state.keys.clone();
        drop(state);
        if stale && !self.refresh_scheduled.swap(true, Ordering::AcqRel) {
            let this = self.clone();
            tokio::spawn(async move {
                let _ = this.refresh().await;
                this.refresh_scheduled.store(false, Ordering::Release);
            });
        }
        keys
    }

    fn may_attempt(&self, state: &State) -> bool {
        state
            .attempted
            .is_none_or(|at| at.elapsed() >= self.timing.min_interval)
    }

    /// Fetches the set now (waiting for a fetch already under way); returns how many keys it
    /// holds. On failure the keys held before stay.
    pub async fn refresh(&self) -> Result<usize, String> {
        let _fetching = self.fetching.lock().await;
        self.fetch_locked().await
    }

    /// A token named a `kid` we do not hold: fetch again unless one was fetched moments ago.
    /// Returns whether the keys may have changed since the caller looked.
    pub async fn refresh_for_unknown_kid(&self) -> bool {
        let asked = Instant::now();
        let _fetching = self.fetching.lock().await;
        {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            if state.attempted.is_some_and(|at| at >= asked) {
                return true; // someone fetched while we waited
            }
            if !self.may_attempt(&state) {
                return false;
            }
        }
        self.fetch_locked().await.is_ok()
    }

    async fn fetch_locked(&self) -> Result<usize, String> {
        let result = match &self.source {
            JwksSource::Url(uri) => self.download(uri).await,
            JwksSource::File(path) => tokio::fs::read(path)
                .await
                .map_err(|e| format!("cannot read {}: {e}", path.display())),
        }
        .and_then(|body| keys::from_jwks(&body));
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.attempted = Some(Instant::now());
        match result {
            Ok(keys) => {
                let count = keys.len();
                state.keys = Arc::new(keys);
                state.fetched = state.attempted;
                tracing::debug!(source = %self.source, keys = count, "fetched the JWK set");
                Ok(count)
            }
            Err(e) => {
                let e = format!("JWK set from {}: {e}", self.source);
                tracing::warn!(error = %e, "cannot refresh the identity provider's keys; keeping the ones held");
                Err(e)
            }
        }
    }

    async fn download(&self, uri: &Uri) -> Result<Vec<u8>, String> {
        let request = async {
            let response = self
                .client
                .get(uri.clone())
                .await
                .map_err(|e| describe_http_error(&e))?;
            if !response.status().is_success() {
                return Err(format!("answered {}", response.status()));
            }
            Limited::new(response.into_body(), MAX_JWKS_BYTES)
                .collect()
                .await
                .map(|body| body.to_bytes().to_vec())
                .map_err(|e| format!("reading the answer: {e}"))
        };
        tokio::time::timeout(FETCH_TIMEOUT, request)
            .await
            .map_err(|_| format!("no answer within {}s", FETCH_TIMEOUT.as_secs()))?
    }
}

/// An HTTP client error with its causes (hyper's own message alone says "client error").
fn describe_http_error(error: &hyper_util::client::legacy::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_urls_must_be_https_unless_they_are_on_loopback() {
        assert!(JwksSource::url("https://tenant.auth0.com/.well-known/jwks.json").is_ok());
        assert!(JwksSource::url("http://127.0.0.1:8080/jwks.json").is_ok());
        assert!(JwksSource::url("http://localhost/jwks.json").is_ok());
        assert!(JwksSource::url("http://[::1]:9/jwks").is_ok());
        assert!(JwksSource::url("http://idp.example.com/jwks.json").is_err());
        assert!(JwksSource::url("ftp://idp.example.com/jwks.json").is_err());
    }
}
