//! A real identity provider's side of JWKS, on loopback: signing keys (RSA from the fixtures;
//! EC and Ed25519 made here) and a tiny hyper server that publishes their JWK set and counts
//! how often it is fetched.

use std::{
    convert::Infallible,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use bytes::Bytes;
use hyper::{Response, service::service_fn};
use hyper_util::rt::TokioIo;
use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk::Jwk};
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::oneshot};

/// A private key that signs tokens under its `kid`.
pub struct SigningKey {
    pub kid: String,
    pub alg: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
    /// The public key as PEM (generated keys only).
    pub public_pem: Option<String>,
}

impl SigningKey {
    fn new(kid: &str, alg: Algorithm, encoding: EncodingKey) -> Self {
        let mut jwk =
            serde_json::to_value(Jwk::from_encoding_key(&encoding, alg).unwrap()).unwrap();
        jwk["kid"] = json!(kid);
        jwk["use"] = json!("sig");
        // Providers usually say `alg`; leave it out so the key type alone decides.
        jwk.as_object_mut().unwrap().remove("alg");
        SigningKey {
            kid: kid.to_string(),
            alg,
            encoding,
            jwk,
            public_pem: None,
        }
    }

    /// An RSA key from the fixtures (`rsa` or `rsa2`) signing with `alg` (RS* or PS*).
    pub fn rsa(fixture: &str, kid: &str, alg: Algorithm) -> Self {
        let pem = std::fs::read(format!(
            "{}/tests/fixtures/{fixture}_private.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        Self::new(kid, alg, EncodingKey::from_rsa_pem(&pem).unwrap())
    }

    /// A fresh EC (ES256: P-256, ES384: P-384) or Ed25519 (EdDSA) key.
    pub fn generated(kid: &str, alg: Algorithm) -> Self {
        let (algorithm, ed) = match alg {
            Algorithm::ES256 => (&rcgen::PKCS_ECDSA_P256_SHA256, false),
            Algorithm::ES384 => (&rcgen::PKCS_ECDSA_P384_SHA384, false),
            Algorithm::EdDSA => (&rcgen::PKCS_ED25519, true),
            other => panic!("no generated key for {other:?}"),
        };
        let pair = rcgen::KeyPair::generate_for(algorithm).unwrap();
        let encoding = if ed {
            // ring writes PKCS#8 v2 (seed and public key); the JWT library reads v1: the
            // fixed Ed25519 prefix and the 32-byte seed, which sits at bytes 16..48 of v2.
            let v2 = pair.serialize_der();
            let mut v1 = vec![
                0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
                0x04, 0x20,
            ];
            v1.extend_from_slice(&v2[16..48]);
            Ok(EncodingKey::from_ed_der(&v1))
        } else {
            EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes())
        };
        let mut key = Self::new(kid, alg, encoding.unwrap());
        key.public_pem = Some(pair.public_key_pem());
        key
    }

    /// The same key signing with another algorithm of its type (RS256 → PS512, say).
    pub fn with_alg(&self, alg: Algorithm) -> Self {
        SigningKey {
            kid: self.kid.clone(),
            alg,
            encoding: self.encoding.clone(),
            jwk: self.jwk.clone(),
            public_pem: self.public_pem.clone(),
        }
    }

    /// The public half, as the provider publishes it.
    pub fn jwk(&self) -> Value {
        self.jwk.clone()
    }

    /// A token with these claims, its header naming this key's `kid` and algorithm.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_as(claims, Some(&self.kid))
    }

    /// A token whose header names `kid` (or none).
    pub fn sign_as(&self, claims: &Value, kid: Option<&str>) -> String {
        let mut header = Header::new(self.alg);
        header.kid = kid.map(str::to_string);
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }
}

/// The JWKS endpoint of a provider, serving until dropped.
pub struct IdentityProvider {
    /// The JWKS URL.
    pub jwks_url: String,
    published: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    _stop: oneshot::Sender<()>,
}

impl IdentityProvider {
    /// Starts publishing `keys` (JWKs) on a free loopback port.
    pub async fn start(keys: Vec<Value>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let jwks_url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let published = Arc::new(Mutex::new(json!({ "keys": keys })));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (stop, stopped) = oneshot::channel::<()>();
        let (set, count) = (published.clone(), fetches.clone());
        tokio::spawn(async move {
            let mut stopped = std::pin::pin!(stopped);
            loop {
                let (stream, _) = tokio::select! {
                    accepted = listener.accept() => accepted.unwrap(),
                    _ = &mut stopped => return,
                };
                let (set, count) = (set.clone(), count.clone());
                let service = service_fn(move |_request| {
                    count.fetch_add(1, Ordering::SeqCst);
                    let body = set.lock().unwrap().to_string();
                    async move {
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(http_body_util::Full::new(Bytes::from(body)))
                                .unwrap(),
                        )
                    }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        IdentityProvider {
            jwks_url,
            published,
            fetches,
            _stop: stop,
        }
    }

    /// Replaces the published set (a key rotation).
    pub fn publish(&self, keys: Vec<Value>) {
        *self.published.lock().unwrap() = json!({ "keys": keys });
    }

    /// How many times the set has been fetched.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}
