//! TLS to PostgreSQL with rustls, as libpq's `sslmode` and `sslrootcert` describe it:
//!
//! | sslmode | TLS | the server's certificate |
//! |---|---|---|
//! | `disable` | never | – |
//! | `prefer` (default) | when the server offers it | not checked |
//! | `require` | always | not checked (checked as `verify-ca` when `sslrootcert` is given) |
//! | `verify-ca` | always | signed by a trusted CA |
//! | `verify-full` | always | signed by a trusted CA and issued for the host connected to |
//!
//! Trusted CAs: the PEM file `sslrootcert` names, or the system's roots when it is absent or
//! `system` (which, as in libpq 16, makes `verify-full` the default mode).

use std::{fmt, path::PathBuf, str::FromStr, sync::Arc};

use rustls::{
    ClientConfig, DigitallySignedStruct, Error as TlsError, RootCertStore, SignatureScheme,
    client::{
        WebPkiServerVerifier,
        danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
        verify_server_cert_signed_by_trust_anchor,
    },
    crypto::{CryptoProvider, WebPkiSupportedAlgorithms, ring},
    pki_types::{CertificateDer, ServerName, UnixTime, pem::PemObject},
    server::ParsedCertificate,
};

/// libpq's `sslmode`, less `allow` (which would try without TLS first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode {other:?} is not supported (use disable, prefer, require, verify-ca \
                     or verify-full)"
                ));
            }
        })
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        })
    }
}

/// Where the trusted CAs come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// The operating system's trust store.
    System,
    /// A PEM file of CA certificates.
    File(PathBuf),
}

/// The TLS part of a connection's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    pub roots: RootCerts,
}

impl TlsSettings {
    /// From the `sslmode` and `sslrootcert` values of a connection string, as libpq reads them.
    pub fn new(sslmode: Option<&str>, sslrootcert: Option<&str>) -> Result<Self, String> {
        let roots = match sslrootcert {
            None | Some("system") => RootCerts::System,
            Some(path) => RootCerts::File(PathBuf::from(path)),
        };
        let mode = match (sslmode, sslrootcert) {
            (Some(mode), _) => mode.parse()?,
            (None, Some("system")) => SslMode::VerifyFull,
            (None, _) => SslMode::Prefer,
        };
        if sslrootcert == Some("system") && mode != SslMode::VerifyFull {
            return Err(format!(
                "sslrootcert=system needs sslmode=verify-full (not {mode}): a certificate any \
                 public CA signed proves nothing unless its host name is checked too"
            ));
        }
        // libpq: with a root certificate file, `require` checks the chain like `verify-ca`.
        let mode = match (mode, &roots) {
            (SslMode::Require, RootCerts::File(_)) => SslMode::VerifyCa,
            (mode, _) => mode,
        };
        Ok(TlsSettings { mode, roots })
    }

    /// The sslmode tokio-postgres itself understands.
    pub fn driver_mode(&self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Driver;
        match self.mode {
            SslMode::Disable => Driver::Disable,
            SslMode::Prefer => Driver::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Driver::Require,
        }
    }

    /// The rustls configuration for these settings.
    pub fn client_config(&self) -> Result<ClientConfig, String> {
        let provider = Arc::new(ring::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match self.mode {
            SslMode::Disable | SslMode::Prefer | SslMode::Require => Arc::new(NoCertificateCheck(
                provider.signature_verification_algorithms,
            )),
            SslMode::VerifyCa => Arc::new(ChainOnly {
                roots: self.root_store()?,
                algorithms: provider.signature_verification_algorithms,
            }),
            SslMode::VerifyFull => {
                WebPkiServerVerifier::builder_with_provider(self.root_store()?, provider.clone())
                    .build()
                    .map_err(|e| format!("cannot use the trusted certificates: {e}"))?
            }
        };
        Ok(ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth())
    }

    fn root_store(&self) -> Result<Arc<RootCertStore>, String> {
        let mut store = RootCertStore::empty();
        match &self.roots {
            RootCerts::System => {
                let found = rustls_native_certs::load_native_certs();
                let (added, _) = store.add_parsable_certificates(found.certs);
                if added == 0 {
                    return Err(format!(
                        "no system CA certificates were found ({}); install ca-certificates or \
                         set sslrootcert to a CA file",
                        found
                            .errors
                            .first()
                            .map_or("the trust store is empty".to_string(), |e| e.to_string())
                    ));
                }
            }
            RootCerts::File(path) => {
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| format!("cannot read sslrootcert {}: {e}", path.display()))?;
                let (added, _) = store.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(format!(
                        "sslrootcert {} holds no usable CA certificate",
                        path.display()
                    ));
                }
            }
        }
        Ok(Arc::new(store))
    }
}

/// `prefer` and `require`: encryption without checking whose certificate it is (as libpq).
/// The handshake's signatures are still verified.
#[derive(Debug)]
struct NoCertificateCheck(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for NoCertificateCheck {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted CA; the host name is not compared.
#[derive(Debug)]
struct ChainOnly {
    roots: Arc<RootCertStore>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let certificate = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &certificate,
            &self.roots,
            intermediates,
            now,
            self.algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The provider every TLS client of hedgerow uses (one, so rustls never has to guess).
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_default_and_combine_as_libpq_reads_them() {
        let tls = |mode, root| TlsSettings::new(mode, root).map(|t| t.mode);
        assert_eq!(tls(None, None), Ok(SslMode::Prefer));
        assert_eq!(tls(None, Some("system")), Ok(SslMode::VerifyFull));
        assert_eq!(tls(Some("require"), Some("/ca.pem")), Ok(SslMode::VerifyCa));
        assert_eq!(tls(Some("require"), None), Ok(SslMode::Require));
        assert_eq!(tls(Some("verify-ca"), None), Ok(SslMode::VerifyCa));
        assert!(tls(Some("require"), Some("system")).is_err());
        assert!(
            tls(Some("allow"), None)
                .unwrap_err()
                .contains("verify-full")
        );
    }
}
