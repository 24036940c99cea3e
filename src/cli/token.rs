//! `hedgerow token`: a JWT for local use.

use clap::Args;
use uuid::Uuid;

use super::CliResult;
use crate::auth::JwtConfig;
use crate::config::{Config, parse_duration};
use crate::db::embedded::EmbeddedSecrets;

#[derive(Args)]
pub struct TokenArgs {
    /// The user id (UUID) the token speaks for.
    #[arg(long)]
    sub: Uuid,
    /// How long the token is valid, e.g. 15m, 1h, 7d.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    ttl: std::time::Duration,
}

pub fn run(args: TokenArgs) -> CliResult {
    let config = Config::from_env()?;
    let jwt = match config.jwt {
        Some(jwt) => jwt,
        None => match EmbeddedSecrets::load(&config.data_dir)? {
            Some(secrets) => JwtConfig::hs256(secrets.jwt_secret.as_bytes())?,
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
    println!("{}", jwt.mint(args.sub, args.ttl)?);
    Ok(())
}
