//! Configuration from environment variables, read and validated in one place.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use crate::auth::JwtConfig;
use crate::db::{migrate::MigrateOptions, request::ServerSettings};
use crate::http::client_ip::TrustedProxies;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Everything `hedgerow serve` needs to know.
#[derive(Clone, Debug)]
pub struct Config {
    /// HEDGEROW_LISTEN: the address to serve HTTP on.
    pub listen: SocketAddr,
    /// DATABASE_URL: the authenticator's connection. None: run the embedded cluster.
    pub database_url: Option<String>,
    /// HEDGEROW_DATA_DIR: where the embedded cluster and its secrets live.
    pub data_dir: PathBuf,
    /// HEDGEROW_KINDS_DIR: the app's own kind files, migrated by the embedded default.
    pub kinds_dir: Option<PathBuf>,
    /// HEDGEROW_JWT_SECRET or HEDGEROW_JWT_PUBLIC_KEY (+ audience, issuer). None: embedded
    /// mode generates a secret; with DATABASE_URL it is an error.
    pub jwt: Option<JwtConfig>,
    /// HEDGEROW_PUBLIC_URL: the base of share URLs handed to users.
    pub public_url: String,
    /// HEDGEROW_SIGNUP_URL: where shared pages send visitors who want an account.
    pub signup_url: String,
    /// HEDGEROW_TRUSTED_PROXIES: peers whose X-Forwarded-For is believed.
    pub trusted_proxies: TrustedProxies,
    /// HEDGEROW_POOL_SIZE: database connections at most.
    pub pool_size: usize,
    /// HEDGEROW_POOL_TIMEOUT: how long a request waits for a connection before a 503.
    pub pool_timeout: Duration,
    /// HEDGEROW_STATEMENT_TIMEOUT: the longest one request may run in the database.
    pub statement_timeout: Duration,
    /// HEDGEROW_LOG=json: log JSON lines instead of text.
    pub log_json: bool,
    /// HEDGEROW_TRUNCATE_IPS=true: store access-log IPs cut to /24 (IPv4) or /48 (IPv6).
    pub truncate_ips: bool,
    /// HEDGEROW_SHARE_RATE_LIMIT: requests carrying a share token allowed per client IP per
    /// minute (0: no limit).
    pub share_rate_limit: u32,
}

impl Config {
    /// The server settings every request's transaction carries.
    pub fn server_settings(&self) -> ServerSettings {
        ServerSettings {
            statement_timeout_ms: self.statement_timeout.as_millis() as u64,
            public_url: self.public_url.clone(),
            signup_url: self.signup_url.clone(),
            truncate_ips: if self.truncate_ips { "on" } else { "off" },
        }
    }

    /// How the embedded default migrates its database.
    pub fn migrate_options(&self) -> MigrateOptions {
        MigrateOptions {
            kinds_dir: self.kinds_dir.clone(),
            ..MigrateOptions::default()
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let listen: SocketAddr = parse(&lookup, "HEDGEROW_LISTEN", "127.0.0.1:3000", |v| {
            v.parse().map_err(|e| format!("{e}"))
        })?;
        Ok(Config {
            listen,
            database_url: lookup("DATABASE_URL"),
            data_dir: lookup("HEDGEROW_DATA_DIR")
                .unwrap_or_else(|| "./.hedgerow".into())
                .into(),
            kinds_dir: lookup("HEDGEROW_KINDS_DIR").map(PathBuf::from),
            jwt: JwtConfig::from_lookup(&lookup)?,
            public_url: lookup("HEDGEROW_PUBLIC_URL")
                .unwrap_or_else(|| format!("http://{listen}"))
                .trim_end_matches('/')
                .to_string(),
            signup_url: lookup("HEDGEROW_SIGNUP_URL").unwrap_or_else(|| "/signup".into()),
            trusted_proxies: parse(&lookup, "HEDGEROW_TRUSTED_PROXIES", "", |v| v.parse())?,
            pool_size: parse(&lookup, "HEDGEROW_POOL_SIZE", "16", |v| match v.parse() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err("must be a whole number above 0".into()),
            })?,
            pool_timeout: parse(&lookup, "HEDGEROW_POOL_TIMEOUT", "5s", parse_duration)?,
            statement_timeout: parse(&lookup, "HEDGEROW_STATEMENT_TIMEOUT", "10s", parse_duration)?,
            log_json: lookup("HEDGEROW_LOG").is_some_and(|v| v == "json"),
            share_rate_limit: parse(&lookup, "HEDGEROW_SHARE_RATE_LIMIT", "60", |v| {
                v.parse()
                    .map_err(|_| "must be a whole number (0: no limit)".to_string())
            })?,
            truncate_ips: parse(&lookup, "HEDGEROW_TRUNCATE_IPS", "false", |v| match v {
                "true" | "1" | "on" => Ok(true),
                "false" | "0" | "off" => Ok(false),
                _ => Err("must be true or false".into()),
            })?,
        })
    }
}

fn parse<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
    parser: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let value = lookup(name).unwrap_or_else(|| default.to_string());
    parser(&value).map_err(|reason| ConfigError::Invalid { name, reason })
}

/// Parses durations such as `90s`, `15m`, `1h`, `90d` or `250ms`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30s, 15m, 1h or 7d"))?;
    let seconds = match unit {
        "ms" => return Ok(Duration::from_millis(number)),
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{text:?} has an unknown unit (use ms, s, m, h or d)"
            ));
        }
    };
    number
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{text:?} is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
    }

    #[test]
    fn malformed_durations_are_refused() {
        assert!(parse_duration("").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("5 weeks").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let err =
            Config::from_lookup(|name| (name == "HEDGEROW_JWT_SECRET").then(|| "short".into()))
                .unwrap_err();
        assert!(err.to_string().contains("HEDGEROW_JWT_SECRET"), "{err}");
    }

    #[test]
    fn defaults_need_no_environment() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert!(config.database_url.is_none() && config.jwt.is_none());
        assert_eq!(config.public_url, "http://127.0.0.1:3000");
    }
}
