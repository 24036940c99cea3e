//! Verification keys and the algorithms each may verify. A key's type decides its algorithms
//! (a JWK's `alg`, when present, narrows them to one): RSA → RS256/384/512 and PS256/384/512,
//! EC P-256 → ES256, EC P-384 → ES384, Ed25519 → EdDSA. Public keys never verify HMAC tokens,
//! and symmetric keys (`kty: oct`) in a JWK set are ignored.

use jsonwebtoken::{
    Algorithm, DecodingKey,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse},
};
use serde_json::Value;

const RSA: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// A public key, its id (`kid`) if it has one, and the algorithms it verifies.
#[derive(Clone)]
pub struct VerificationKey {
    pub kid: Option<String>,
    pub algorithms: Vec<Algorithm>,
    pub key: DecodingKey,
}

impl VerificationKey {
    /// Whether this key may verify a token with header `alg` and `kid`. A key without an id
    /// (a PEM file) matches any `kid`.
    pub fn fits(&self, alg: Algorithm, kid: Option<&str>) -> bool {
        self.algorithms.contains(&alg)
            && match (&self.kid, kid) {
                (Some(mine), Some(theirs)) => mine == theirs,
                _ => true,
            }
    }
}

/// A PEM public key (SubjectPublicKeyInfo, or PKCS#1 for RSA).
pub fn from_pem(pem: &[u8]) -> Result<VerificationKey, String> {
    let (key, algorithms) = if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        (key, RSA.to_vec())
    } else if let Ok(key) = DecodingKey::from_ec_pem(pem) {
        // The uncompressed point's length tells the curve: 1 + 2 × 32 (P-256) or 2 × 48 (P-384).
        let algorithm = match key.try_get_as_bytes().map(<[u8]>::len) {
            Ok(65) => Algorithm::ES256,
            Ok(97) => Algorithm::ES384,
            _ => return Err("an EC key must be on P-256 or P-384".into()),
        };
        (key, vec![algorithm])
    } else if let Ok(key) = DecodingKey::from_ed_pem(pem) {
        (key, vec![Algorithm::EdDSA])
    } else {
        return Err("not an RSA, EC (P-256, P-384) or Ed25519 public key in PEM format".into());
    };
    Ok(VerificationKey {
        kid: None,
        algorithms,
        key,
    })
}

/// The signing keys of a JWK set (`{"keys": […]}`); keys for encryption, of unknown types or
/// malformed are skipped, so one odd key does not hide the others.
pub fn from_jwks(json: &[u8]) -> Result<Vec<VerificationKey>, String> {
    let set: Value =
        serde_json::from_slice(json).map_err(|e| format!("the JWK set is not JSON: {e}"))?;
    let keys = set
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the JWK set has no \"keys\" array")?;
    let usable: Vec<VerificationKey> = keys
        .iter()
        .filter_map(|key| serde_json::from_value::<Jwk>(key.clone()).ok())
        .filter_map(|jwk| from_jwk(&jwk))
        .collect();
    if usable.is_empty() {
        return Err(format!(
            "none of the JWK set's {} keys is a signing key hedgerow can use",
            keys.len()
        ));
    }
    Ok(usable)
}

fn from_jwk(jwk: &Jwk) -> Option<VerificationKey> {
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    let allowed: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => RSA.to_vec(),
        AlgorithmParameters::EllipticCurve(params) => match params.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(params) if params.curve == EllipticCurve::Ed25519 => {
            vec![Algorithm::EdDSA]
        }
        _ => return None,
    };
    let algorithms = match jwk.common.key_algorithm {
        None => allowed,
        Some(declared) => {
            let declared = algorithm(declared)?;
            allowed.into_iter().filter(|a| *a == declared).collect()
        }
    };
    if algorithms.is_empty() {
        return None;
    }
    Some(VerificationKey {
        kid: jwk.common.key_id.clone(),
        algorithms,
        key: DecodingKey::from_jwk(jwk).ok()?,
    })
}

/// A JWK `alg` as a signature algorithm (None for encryption algorithms).
fn algorithm(declared: KeyAlgorithm) -> Option<Algorithm> {
    Some(match declared {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwk_set_yields_its_signing_keys_and_skips_encryption_and_symmetric_keys() {
        let set = serde_json::json!({ "keys": [
            { "kty": "RSA", "kid": "sig", "use": "sig", "alg": "RS256",
              "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
              "e": "AQAB" },
            { "kty": "RSA", "kid": "enc", "use": "enc", "alg": "RSA-OAEP",
              "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
              "e": "AQAB" },
            { "kty": "oct", "kid": "hmac", "k": "c2VjcmV0" },
            { "kty": "EC", "kid": "p256", "crv": "P-256",
              "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
              "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" },
            { "kty": "weird" }
        ]});
        let keys = from_jwks(set.to_string().as_bytes()).unwrap();
        let summary: Vec<_> = keys
            .iter()
            .map(|k| (k.kid.clone().unwrap(), k.algorithms.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("sig".to_string(), vec![Algorithm::RS256]),
                ("p256".to_string(), vec![Algorithm::ES256]),
            ]
        );
        assert!(from_jwks(br#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#).is_err());
        assert!(from_jwks(b"[]").is_err());
    }
}
