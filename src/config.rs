//! Configuration from environment variables, read and validated in one place: every setting
//! is in [`SETTINGS`] (which `hedgerow serve --help` prints), and only here is one read.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use crate::auth::{ClaimPath, JwksSource, JwksTiming, JwtConfig};
use crate::db::{migrate::MigrateOptions, pooler::Pooler, request::ServerSettings};
use crate::http::{client_ip::TrustedProxies, cors::CorsOrigins};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// One setting: its environment variable, its default as shown to people, what it means.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub name: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

const fn setting(name: &'static str, default: &'static str, meaning: &'static str) -> Setting {
    Setting {
        name,
        default,
        meaning,
    }
}

/// Every setting of hedgerow. Defaults written here are the ones used.
pub const SETTINGS: &[Setting] = &[
    setting(
        "HEDGEROW_LISTEN",
        "127.0.0.1:3000",
        "HTTP address; one that is not loopback needs HEDGEROW_PUBLIC_URL",
    ),
    setting(
        "DATABASE_URL",
        "",
        "the authenticator's connection (libpq URL; sslmode and sslrootcert as libpq reads them); unset: the embedded cluster",
    ),
    setting(
        "HEDGEROW_READ_DATABASE_URL",
        "",
        "the authenticator's connection to a streaming replica of DATABASE_URL: GET requests whose function does not write (feeds, discovery, leaderboards, own lists) go there while it is current within HEDGEROW_READ_MAX_LAG; all else, and every read while it is behind or away, go to DATABASE_URL",
    ),
    setting(
        "HEDGEROW_READ_MAX_LAG",
        "1s",
        "the most the replica may be behind: a change committed longer ago than this is seen by every read (a session made private leaves every feed within it); checked 4 times per this, at least every second",
    ),
    setting(
        "HEDGEROW_DATABASE_POOLER",
        "none",
        "transaction: the database URLs lead to a pooler in transaction mode (PgBouncer pool_mode=transaction), so statements are sent unnamed and route changes are polled (HEDGEROW_ROUTES_POLL) instead of LISTENed for; none: direct, or a pooler in session mode",
    ),
    setting(
        "HEDGEROW_ROUTES_POLL",
        "10s",
        "with HEDGEROW_DATABASE_POOLER=transaction: how often to check whether a migration changed the routes",
    ),
    setting(
        "HEDGEROW_DATA_DIR",
        "./.hedgerow",
        "the embedded cluster and its generated secrets",
    ),
    setting(
        "HEDGEROW_KINDS_DIR",
        "",
        "a directory of the app's own kind files (*.sql, docs/KINDS.md), migrated after hedgerow's own",
    ),
    setting(
        "HEDGEROW_JWT_SECRET",
        "",
        "HMAC (HS256/384/512) secret, at least 32 bytes; with DATABASE_URL, this or a public key or JWK set is required",
    ),
    setting(
        "HEDGEROW_JWT_PUBLIC_KEY",
        "",
        "path to a PEM public key: RSA (RS/PS 256/384/512), EC P-256 (ES256) or P-384 (ES384), Ed25519 (EdDSA)",
    ),
    setting(
        "HEDGEROW_JWT_JWKS_URL",
        "",
        "the identity provider's JWK set (https); keys chosen by kid, fetched at start and refreshed",
    ),
    setting(
        "HEDGEROW_JWT_JWKS_FILE",
        "",
        "a JWK set in a file instead of a URL, read again on every refresh",
    ),
    setting(
        "HEDGEROW_JWT_JWKS_CACHE",
        "1h",
        "how long a fetched JWK set is used before it is fetched again",
    ),
    setting(
        "HEDGEROW_JWT_JWKS_MIN_INTERVAL",
        "10s",
        "the least time between fetches caused by tokens with an unknown kid",
    ),
    setting(
        "HEDGEROW_JWT_AUDIENCE",
        "",
        "when set, user tokens must carry this aud",
    ),
    setting(
        "HEDGEROW_JWT_ISSUER",
        "",
        "when set, user tokens must carry this iss",
    ),
    setting(
        "HEDGEROW_JWT_USER_CLAIM",
        "sub",
        "where the user id is in the claims: a JSON path such as .app_metadata.user_id; a value that is not a UUID maps to a stable one",
    ),
    setting(
        "HEDGEROW_JWT_ANONYMOUS_TOKENS",
        "false",
        "true: a verified token without the user claim (an anon key) is anonymous instead of a 401",
    ),
    setting(
        "HEDGEROW_PUBLIC_URL",
        "http://{HEDGEROW_LISTEN}",
        "base of share URLs handed to users; required when HEDGEROW_LISTEN is not loopback",
    ),
    setting(
        "HEDGEROW_SIGNUP_URL",
        "/signup",
        "where shared pages invite visitors to sign up",
    ),
    setting(
        "HEDGEROW_CORS_ORIGINS",
        "",
        "comma-separated origins (https://app.example.com) whose browser pages may call the API, or * for any; unset: none",
    ),
    setting(
        "HEDGEROW_TRUSTED_PROXIES",
        "",
        "comma-separated IPs/CIDRs whose X-Forwarded-For is believed",
    ),
    setting("HEDGEROW_POOL_SIZE", "16", "database connections at most"),
    setting(
        "HEDGEROW_POOL_TIMEOUT",
        "5s",
        "wait for a connection before answering 503",
    ),
    setting(
        "HEDGEROW_STATEMENT_TIMEOUT",
        "10s",
        "the longest one request may run in the database",
    ),
    setting(
        "HEDGEROW_SHARE_RATE_LIMIT",
        "60",
        "requests carrying a share token allowed per client network (an IPv4 address or IPv6 /64) per minute (0: no limit)",
    ),
    setting(
        "HEDGEROW_TRUNCATE_IPS",
        "false",
        "store access-log IPs as their /24 (IPv4) or /48 (IPv6) network",
    ),
    setting("HEDGEROW_LOG", "text", "json for JSON log lines"),
    setting("RUST_LOG", "info", "log filter"),
    setting(
        "HEDGEROW_ADMIN_DATABASE_URL",
        "",
        "migrate, check, analyst and logs prune: an owner or superuser connection; unset: the running embedded cluster's",
    ),
];

/// The settings as `serve --help` lists them.
pub fn settings_help() -> String {
    let mut help = String::from("Settings (environment variables):\n");
    for setting in SETTINGS {
        let default = if setting.default.is_empty() {
            String::new()
        } else {
            format!(" [default: {}]", setting.default)
        };
        help.push_str(&format!(
            "  {}{default}\n          {}\n",
            setting.name, setting.meaning
        ));
    }
    help
}

/// Everything `hedgerow serve` needs to know.
#[derive(Clone, Debug)]
pub struct Config {
    /// HEDGEROW_LISTEN: the address to serve HTTP on.
    pub listen: SocketAddr,
    /// DATABASE_URL: the authenticator's connection. None: run the embedded cluster.
    pub database_url: Option<String>,
    /// HEDGEROW_READ_DATABASE_URL: the authenticator's connection to a read replica.
    pub read_database_url: Option<String>,
    /// HEDGEROW_READ_MAX_LAG: how far behind the replica may be and still serve reads.
    pub read_max_lag: Duration,
    /// HEDGEROW_DATABASE_POOLER: what lies between hedgerow and PostgreSQL.
    pub pooler: Pooler,
    /// HEDGEROW_ROUTES_POLL: how often routes are checked for changes behind such a pooler.
    pub routes_poll: Duration,
    /// HEDGEROW_DATA_DIR, made absolute: where the embedded cluster and its secrets live.
    pub data_dir: PathBuf,
    /// HEDGEROW_KINDS_DIR: the app's own kind files, migrated by the embedded default.
    pub kinds_dir: Option<PathBuf>,
    /// The configured keys (HEDGEROW_JWT_SECRET, _PUBLIC_KEY, _JWKS_URL or _JWKS_FILE) with
    /// the rules below applied. None: embedded mode generates a secret; with DATABASE_URL it
    /// is an error.
    pub jwt: Option<JwtConfig>,
    /// HEDGEROW_JWT_AUDIENCE, _ISSUER, _USER_CLAIM, _ANONYMOUS_TOKENS, _JWKS_CACHE and
    /// _JWKS_MIN_INTERVAL: how tokens are judged, whatever their keys.
    pub jwt_rules: JwtRules,
    /// HEDGEROW_PUBLIC_URL: the base of share URLs handed to users.
    pub public_url: String,
    /// HEDGEROW_SIGNUP_URL: where shared pages send visitors who want an account.
    pub signup_url: String,
    /// HEDGEROW_CORS_ORIGINS: whose browser pages may call the API.
    pub cors_origins: CorsOrigins,
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
    /// HEDGEROW_SHARE_RATE_LIMIT: requests carrying a share token allowed per client network
    /// (an IPv4 address or IPv6 /64) per minute (0: no limit).
    pub share_rate_limit: u32,
}

/// How tokens are judged, whichever keys verify them.
#[derive(Clone, Debug, Default)]
pub struct JwtRules {
    pub audience: Option<String>,
    pub issuer: Option<String>,
    pub user_claim: ClaimPath,
    pub anonymous_tokens: bool,
    pub jwks_timing: JwksTiming,
}

impl JwtRules {
    /// `keys` judged by these rules.
    pub fn apply(&self, keys: JwtConfig) -> JwtConfig {
        keys.with_audience(self.audience.clone())
            .with_issuer(self.issuer.clone())
            .with_user_claim(self.user_claim.clone())
            .with_anonymous_tokens(self.anonymous_tokens)
            .with_jwks_timing(self.jwks_timing)
    }
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
        let lookup = |name: &str| {
            debug_assert!(
                SETTINGS.iter().any(|s| s.name == name),
                "{name} is not in SETTINGS"
            );
            lookup(name)
        };
        let listen: SocketAddr = parse(&lookup, "HEDGEROW_LISTEN", |v| {
            v.parse().map_err(|e| format!("{e}"))
        })?;
        let public_url = match lookup("HEDGEROW_PUBLIC_URL") {
            Some(url) => url,
            None if listen.ip().is_loopback() => format!("http://{listen}"),
            None => {
                return Err(ConfigError::Invalid {
                    name: "HEDGEROW_PUBLIC_URL",
                    reason: format!(
                        "must be set when HEDGEROW_LISTEN ({listen}) is not a loopback address: \
                         share links would point at http://{listen}, which nobody else can \
                         open. Set it to the address people reach hedgerow at, e.g. \
                         https://share.example.com"
                    ),
                });
            }
        };
        let data_dir = parse(&lookup, "HEDGEROW_DATA_DIR", |v| {
            std::path::absolute(v).map_err(|e| e.to_string())
        })?;
        let jwt_rules = jwt_rules(&lookup)?;
        let database_url = lookup("DATABASE_URL");
        let read_database_url = lookup("HEDGEROW_READ_DATABASE_URL");
        if read_database_url.is_some() && database_url.is_none() {
            return Err(ConfigError::Invalid {
                name: "HEDGEROW_READ_DATABASE_URL",
                reason: "needs DATABASE_URL: a read replica is a replica of a server you run, \
                         not of the embedded cluster"
                    .into(),
            });
        }
        Ok(Config {
            listen,
            database_url,
            read_database_url,
            read_max_lag: parse(&lookup, "HEDGEROW_READ_MAX_LAG", parse_positive_duration)?,
            pooler: parse(&lookup, "HEDGEROW_DATABASE_POOLER", |v| v.parse())?,
            routes_poll: parse(&lookup, "HEDGEROW_ROUTES_POLL", parse_positive_duration)?,
            data_dir,
            kinds_dir: lookup("HEDGEROW_KINDS_DIR").map(PathBuf::from),
            jwt: jwt_keys(&lookup)?.map(|keys| jwt_rules.apply(keys)),
            jwt_rules,
            public_url: public_url.trim_end_matches('/').to_string(),
            signup_url: parse(&lookup, "HEDGEROW_SIGNUP_URL", |v| Ok(v.to_string()))?,
            cors_origins: parse(&lookup, "HEDGEROW_CORS_ORIGINS", |v| v.parse())?,
            trusted_proxies: parse(&lookup, "HEDGEROW_TRUSTED_PROXIES", |v| v.parse())?,
            pool_size: parse(&lookup, "HEDGEROW_POOL_SIZE", |v| match v.parse() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err("must be a whole number above 0".into()),
            })?,
            pool_timeout: parse(&lookup, "HEDGEROW_POOL_TIMEOUT", parse_duration)?,
            statement_timeout: parse(&lookup, "HEDGEROW_STATEMENT_TIMEOUT", parse_duration)?,
            log_json: parse(&lookup, "HEDGEROW_LOG", |v| match v {
                "json" => Ok(true),
                "text" => Ok(false),
                _ => Err("must be text or json".into()),
            })?,
            share_rate_limit: parse(&lookup, "HEDGEROW_SHARE_RATE_LIMIT", |v| {
                v.parse()
                    .map_err(|_| "must be a whole number (0: no limit)".to_string())
            })?,
            truncate_ips: parse(&lookup, "HEDGEROW_TRUNCATE_IPS", parse_bool)?,
        })
    }
}

/// The keys: a secret, a PEM key or a JWK set (one of the last three), or a secret with one
/// of them (Supabase: the JWK set for users, the secret for the anon key).
fn jwt_keys(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<JwtConfig>, ConfigError> {
    let public = match (
        lookup("HEDGEROW_JWT_PUBLIC_KEY"),
        lookup("HEDGEROW_JWT_JWKS_URL"),
        lookup("HEDGEROW_JWT_JWKS_FILE"),
    ) {
        (None, None, None) => None,
        (Some(path), None, None) => {
            let pem = std::fs::read(&path).map_err(|e| ConfigError::Invalid {
                name: "HEDGEROW_JWT_PUBLIC_KEY",
                reason: format!("cannot read {path}: {e}"),
            })?;
            Some(JwtConfig::public_key(&pem)?)
        }
        (None, Some(url), None) => Some(JwtConfig::jwks(JwksSource::url(&url).map_err(
            |reason| ConfigError::Invalid {
                name: "HEDGEROW_JWT_JWKS_URL",
                reason,
            },
        )?)),
        (None, None, Some(path)) => Some(JwtConfig::jwks(JwksSource::File(path.into()))),
        _ => {
            return Err(ConfigError::Invalid {
                name: "HEDGEROW_JWT_PUBLIC_KEY",
                reason: "set one of HEDGEROW_JWT_PUBLIC_KEY, HEDGEROW_JWT_JWKS_URL and \
                         HEDGEROW_JWT_JWKS_FILE, not several"
                    .into(),
            });
        }
    };
    Ok(match (public, lookup("HEDGEROW_JWT_SECRET")) {
        (None, None) => None,
        (None, Some(secret)) => Some(JwtConfig::hs256(secret.as_bytes())?),
        (Some(public), None) => Some(public),
        (Some(public), Some(secret)) => Some(public.with_secret(secret.as_bytes())?),
    })
}

fn jwt_rules(lookup: &impl Fn(&str) -> Option<String>) -> Result<JwtRules, ConfigError> {
    Ok(JwtRules {
        audience: lookup("HEDGEROW_JWT_AUDIENCE"),
        issuer: lookup("HEDGEROW_JWT_ISSUER"),
        user_claim: parse(lookup, "HEDGEROW_JWT_USER_CLAIM", |v| v.parse())?,
        anonymous_tokens: parse(lookup, "HEDGEROW_JWT_ANONYMOUS_TOKENS", parse_bool)?,
        jwks_timing: JwksTiming {
            lifetime: parse(lookup, "HEDGEROW_JWT_JWKS_CACHE", parse_duration)?,
            min_interval: parse(lookup, "HEDGEROW_JWT_JWKS_MIN_INTERVAL", parse_duration)?,
        },
    })
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" | "on" => Ok(true),
        "false" | "0" | "off" => Ok(false),
        _ => Err("must be true or false".into()),
    }
}

/// The setting `name` (its default from SETTINGS when unset), parsed.
fn parse<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    parser: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let default = SETTINGS
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.default)
        .expect("every setting is in SETTINGS");
    let value = lookup(name).unwrap_or_else(|| default.to_string());
    parser(&value).map_err(|reason| ConfigError::Invalid { name, reason })
}

/// A duration longer than zero.
fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        duration if duration.is_zero() => Err("must be longer than 0".into()),
        duration => Ok(duration),
    }
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
        assert!(
            config.data_dir.is_absolute(),
            "{}",
            config.data_dir.display()
        );
        assert!(config.data_dir.ends_with(".hedgerow"));
    }

    #[test]
    fn every_setting_read_is_listed_and_every_listed_setting_is_read() {
        let asked = std::cell::RefCell::new(Vec::new());
        Config::from_lookup(|name| {
            asked.borrow_mut().push(name.to_string());
            None
        })
        .unwrap();
        let asked = asked.into_inner();
        for setting in SETTINGS {
            let elsewhere = ["RUST_LOG", "HEDGEROW_ADMIN_DATABASE_URL"].contains(&setting.name);
            assert_eq!(
                asked.iter().any(|name| name == setting.name),
                !elsewhere,
                "{}",
                setting.name
            );
        }
        let help = settings_help();
        assert!(SETTINGS.iter().all(|s| help.contains(s.name)));
    }

    /// An environment of these variables only.
    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn a_read_replica_needs_database_url_and_a_lag_above_zero() {
        let replica = ("HEDGEROW_READ_DATABASE_URL", "postgres://replica/hedgerow");
        let err = Config::from_lookup(env(&[replica])).unwrap_err();
        assert!(err.to_string().contains("needs DATABASE_URL"), "{err}");
        let primary = ("DATABASE_URL", "postgres://primary/hedgerow");
        let config = Config::from_lookup(env(&[primary, replica])).unwrap();
        assert_eq!(config.read_max_lag, Duration::from_secs(1));
        let none = ("HEDGEROW_READ_MAX_LAG", "0s");
        assert!(Config::from_lookup(env(&[primary, replica, none])).is_err());
        let pooler = ("HEDGEROW_DATABASE_POOLER", "transaction");
        assert_eq!(
            Config::from_lookup(env(&[pooler])).unwrap().pooler,
            Pooler::Transaction
        );
        let unknown = ("HEDGEROW_DATABASE_POOLER", "statement");
        assert!(Config::from_lookup(env(&[unknown])).is_err());
    }

    #[test]
    fn listening_beyond_loopback_needs_a_public_url() {
        let err = Config::from_lookup(env(&[("HEDGEROW_LISTEN", "0.0.0.0:3000")])).unwrap_err();
        assert!(err.to_string().contains("HEDGEROW_PUBLIC_URL"), "{err}");
        assert!(err.to_string().contains("0.0.0.0:3000"), "{err}");
        let config = Config::from_lookup(env(&[
            ("HEDGEROW_LISTEN", "0.0.0.0:3000"),
            ("HEDGEROW_PUBLIC_URL", "https://share.example.com/"),
        ]))
        .unwrap();
        assert_eq!(config.public_url, "https://share.example.com");
        assert!(Config::from_lookup(env(&[("HEDGEROW_LISTEN", "[::1]:3000")])).is_ok());
    }

    #[test]
    fn one_public_key_source_at_most_and_a_secret_may_join_it() {
        let jwks_and_pem = |name: &str| match name {
            "HEDGEROW_JWT_JWKS_URL" => Some("https://idp.example.com/jwks.json".into()),
            "HEDGEROW_JWT_JWKS_FILE" => Some("/etc/jwks.json".into()),
            _ => None,
        };
        assert!(Config::from_lookup(jwks_and_pem).is_err());
        let supabase = |name: &str| match name {
            "HEDGEROW_JWT_JWKS_URL" => Some("https://idp.example.com/jwks.json".into()),
            "HEDGEROW_JWT_SECRET" => Some("a-legacy-secret-of-at-least-32-bytes".into()),
            _ => None,
        };
        assert!(Config::from_lookup(supabase).unwrap().jwt.is_some());
        let plain_http = |name: &str| {
            (name == "HEDGEROW_JWT_JWKS_URL").then(|| "http://idp.example.com/jwks".into())
        };
        assert!(Config::from_lookup(plain_http).is_err());
    }
}
