//! `hedgerow token`: a JWT for local use.

use super::CliResult;
use crate::auth::JwtConfig;
use crate::config::{Config, parse_duration};
use crate::db::embedded::EmbeddedSecrets;
use clap::Args;

#[derive(Args)]
pub struct TokenArgs {
    /// The subject the token speaks for: a user id (UUID), or any other id, which the server
    /// maps to a stable UUID.
    #[arg(long)]
    sub: String,
    /// How long the token is valid, e.g. 15m, 1h, 7d.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    ttl: std::time::Duration,
}

pub fn run(args: TokenArgs) -> CliResult {
    let config = Config::from_env()?;
    let jwt = match config.jwt {
        Some(jwt) => jwt,
        None => match EmbeddedSecrets::load(&config.data_dir)? {
            Some(secrets) => config
                .jwt_rules
                .apply(JwtConfig::hs256(secrets.jwt_secret.as_bytes())?),
            None => {
                return Err(format!(
                    "no signing secret: set HEDGEROW_JWT_SECRET, or run `hedgerow serve` once to create the \
                     embedded one in {}",
                    config.data_dir.display()
                )
                .into());
            }
        },
    };
    println!("{}", jwt.mint_subject(&args.sub, args.ttl)?);
    Ok(())
}
