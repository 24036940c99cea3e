//! A PostgreSQL connection as an operator writes it (a libpq URL or key=value string, TLS
//! settings included), and connection failures that say why.

use std::{error::Error as _, fmt, io};

use tokio_postgres::{Client, config::Host, error::SqlState};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::TlsSettings;

/// Where and how to connect: the driver's settings plus the TLS ones it does not know.
#[derive(Clone)]
pub struct PgTarget {
    pub config: tokio_postgres::Config,
    pub tls: TlsSettings,
    connector: MakeRustlsConnect,
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgTarget")
            .field("target", &self.describe())
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl PgTarget {
    /// Parses a connection string: `postgres://…?sslmode=verify-full&sslrootcert=/ca.pem` or
    /// `host=… sslmode=…`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let (rest, sslmode, sslrootcert) = take_tls_parameters(url);
        let config: tokio_postgres::Config = rest
            .parse()
            .map_err(|e| format!("not a valid PostgreSQL connection string: {e}"))?;
        let tls = TlsSettings::new(sslmode.as_deref(), sslrootcert.as_deref())?;
        Self::with_tls(config, tls)
    }

    /// A driver config with TLS settings.
    pub fn with_tls(mut config: tokio_postgres::Config, tls: TlsSettings) -> Result<Self, String> {
        config.ssl_mode(tls.driver_mode());
        let connector = MakeRustlsConnect::new(tls.client_config()?);
        Ok(PgTarget {
            config,
            tls,
            connector,
        })
    }

    /// The connector the pool hands to tokio-postgres.
    pub fn connector(&self) -> MakeRustlsConnect {
        self.connector.clone()
    }

    /// Opens one connection and drives it in the background.
    pub async fn connect(&self) -> Result<Client, ConnectError> {
        let (client, connection) = self
            .config
            .connect(self.connector.clone())
            .await
            .map_err(|e| ConnectError::new(&e).at(self))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }

    /// `user@host:port/database` (never the password), for messages.
    pub fn describe(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(host)) => host.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".into(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        format!(
            "{}@{host}:{port}/{}",
            self.config.get_user().unwrap_or("?"),
            self.config.get_dbname().unwrap_or("?")
        )
    }
}

impl From<tokio_postgres::Config> for PgTarget {
    /// A driver config as it is: its own sslmode (prefer unless set), no certificate checks.
    fn from(config: tokio_postgres::Config) -> Self {
        use tokio_postgres::config::SslMode as Driver;
        let mode = match config.get_ssl_mode() {
            Driver::Disable => "disable",
            Driver::Require => "require",
            _ => "prefer",
        };
        let tls = TlsSettings::new(Some(mode), None).expect("a plain sslmode is valid");
        Self::with_tls(config, tls).expect("no certificate files to read")
    }
}

/// Removes `sslmode` and `sslrootcert` from a connection string (tokio-postgres refuses
/// `verify-ca`, `verify-full` and `sslrootcert`) and returns them.
fn take_tls_parameters(url: &str) -> (String, Option<String>, Option<String>) {
    let (mut sslmode, mut sslrootcert) = (None, None);
    let mut keep = |key: &str, value: String| match key {
        "sslmode" => {
            sslmode = Some(value);
            false
        }
        "sslrootcert" => {
            sslrootcert = Some(value);
            false
        }
        _ => true,
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        match url.split_once('?') {
            None => url.to_string(),
            Some((base, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|pair| {
                        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                        let value = percent_encoding::percent_decode_str(value)
                            .decode_utf8_lossy()
                            .into_owned();
                        keep(key, value)
                    })
                    .collect();
                if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        key_value_pairs(url)
            .into_iter()
            .filter_map(|(key, value, raw)| keep(&key, value).then_some(raw))
            .collect::<Vec<_>>()
            .join(" ")
    };
    (rest, sslmode, sslrootcert)
}

/// The `key=value` pairs of a libpq key/value string: (key, unquoted value, the pair as written).
fn key_value_pairs(text: &str) -> Vec<(String, String, String)> {
    let mut pairs = Vec::new();
    let mut chars = text.char_indices().peekable();
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        chars.next_if(|(_, c)| *c == '=');
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if(|(_, c)| *c == '\'').is_some() {
            while let Some((_, c)) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next().map(|(_, c)| c)),
                    '\'' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace()) {
                value.push(c);
            }
        }
        let end = chars.peek().map_or(text.len(), |&(i, _)| i);
        pairs.push((key, value, text[start..end].trim_end().to_string()));
    }
    pairs
}

/// Why a connection could not be made, in words an operator can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    AuthenticationFailed,
    DatabaseMissing,
    Tls,
    Refused,
    TimedOut,
    HostNotFound,
    TooManyConnections,
    NotAcceptingConnections,
    /// The connection string or a certificate file is unusable.
    InvalidSettings,
    Other,
}

impl Cause {
    /// Whether retrying cannot help until someone changes a setting.
    pub fn is_permanent(self) -> bool {
        matches!(
            self,
            Cause::AuthenticationFailed
                | Cause::DatabaseMissing
                | Cause::Tls
                | Cause::InvalidSettings
        )
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cause::AuthenticationFailed => "authentication failed",
            Cause::DatabaseMissing => "the database does not exist",
            Cause::Tls => "TLS failed",
            Cause::Refused => "connection refused",
            Cause::TimedOut => "timed out",
            Cause::HostNotFound => "host not found",
            Cause::TooManyConnections => "too many connections",
            Cause::NotAcceptingConnections => "the server is not accepting connections",
            Cause::InvalidSettings => "invalid connection settings",
            Cause::Other => "cannot connect",
        })
    }
}

/// A failed connection: the cause and the details (the server's message, the TLS error…).
/// Holds no password: PostgreSQL's and rustls's messages never carry one.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}{cause}: {detail}", target.as_deref().map(|t| format!("cannot connect to {t}: ")).unwrap_or_default())]
pub struct ConnectError {
    pub cause: Cause,
    pub detail: String,
    /// `user@host:port/database`, when known.
    target: Option<String>,
}

impl ConnectError {
    pub fn new(error: &tokio_postgres::Error) -> Self {
        ConnectError {
            cause: classify(error),
            detail: chain(error),
            target: None,
        }
    }

    /// A connection string or certificate file that cannot be used.
    pub fn settings(detail: impl Into<String>) -> Self {
        ConnectError {
            cause: Cause::InvalidSettings,
            detail: detail.into(),
            target: None,
        }
    }

    /// Names the target in the message.
    pub fn at(mut self, target: &PgTarget) -> Self {
        self.target = Some(target.describe());
        self
    }

    /// The cause and detail without the target (for `/ready`, which anyone may call).
    pub fn reason(&self) -> String {
        format!("{}: {}", self.cause, self.detail)
    }
}

fn classify(error: &tokio_postgres::Error) -> Cause {
    if let Some(db) = error.as_db_error() {
        let code = db.code();
        return if *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        {
            Cause::AuthenticationFailed
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            Cause::DatabaseMissing
        } else if *code == SqlState::TOO_MANY_CONNECTIONS {
            Cause::TooManyConnections
        } else if *code == SqlState::CANNOT_CONNECT_NOW || *code == SqlState::ADMIN_SHUTDOWN {
            Cause::NotAcceptingConnections
        } else {
            Cause::Other
        };
    }
    // tokio-postgres exposes no error kind; its messages for these kinds are fixed strings.
    let message = error.to_string();
    if message == "error performing TLS handshake" {
        return Cause::Tls;
    }
    if message == "authentication error" {
        return Cause::AuthenticationFailed;
    }
    if message == "timeout waiting for server" {
        return Cause::TimedOut;
    }
    let mut source = error.source();
    while let Some(cause) = source {
        if cause.is::<rustls::Error>() {
            return Cause::Tls;
        }
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>())
            {
                return Cause::Tls;
            }
            match io.kind() {
                io::ErrorKind::ConnectionRefused => return Cause::Refused,
                io::ErrorKind::TimedOut => return Cause::TimedOut,
                _ if io.to_string().contains("lookup address") => return Cause::HostNotFound,
                _ => {}
            }
        }
        source = cause.source();
    }
    Cause::Other
}

/// The error and its causes, as one line (`db error` says nothing: the server's message does).
fn chain(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return db.message().to_string();
    }
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::tls::SslMode;

    #[test]
    fn tls_parameters_are_taken_from_urls_and_key_value_strings() {
        let (rest, mode, root) = take_tls_parameters(
            "postgres://u:p@db:6543/app?sslmode=verify-full&application_name=x&sslrootcert=%2Fca%20dir%2Fca.pem",
        );
        assert_eq!(rest, "postgres://u:p@db:6543/app?application_name=x");
        assert_eq!(mode.as_deref(), Some("verify-full"));
        assert_eq!(root.as_deref(), Some("/ca dir/ca.pem"));

        let (rest, mode, root) =
            take_tls_parameters("host=db sslmode = verify-ca sslrootcert='/my ca.pem' user=u");
        assert_eq!(rest, "host=db user=u");
        assert_eq!(mode.as_deref(), Some("verify-ca"));
        assert_eq!(root.as_deref(), Some("/my ca.pem"));
    }

    #[test]
    fn a_url_with_sslmode_verify_full_parses_and_keeps_its_other_settings() {
        let target =
            PgTarget::parse("postgresql://app@db.example.com/hedgerow?sslmode=verify-full")
                .unwrap();
        assert_eq!(target.tls.mode, SslMode::VerifyFull);
        assert_eq!(target.describe(), "app@db.example.com:5432/hedgerow");
        assert!(PgTarget::parse("postgres://db/x?sslmode=bogus").is_err());
    }
}
