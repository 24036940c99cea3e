//! `hedgerow analyst`: accounts for people who query with psql, under the same rules.

use std::io::Read;

use clap::{Args, Subcommand};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::CliResult;
use crate::db::{analysts, connect};
use crate::secret::random_hex;

#[derive(Args)]
pub struct AnalystArgs {
    #[command(subcommand)]
    command: AnalystCommand,
    #[command(flatten)]
    admin: super::AdminConnection,
}

#[derive(Subcommand)]
enum AnalystCommand {
    /// Create an analyst login; prints its password once, and a psql connection string.
    Add {
        name: String,
        /// See what this user sees (default: what an anonymous visitor sees).
        #[arg(long)]
        as_user: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// The longest one statement may run (PostgreSQL's statement_timeout).
        #[arg(long, default_value = "60s")]
        statement_timeout: String,
        /// How long a transaction may sit idle before it is ended.
        #[arg(long, default_value = "5min")]
        idle_timeout: String,
        /// The most temporary disk one query may use (temp_file_limit).
        #[arg(long, default_value = "1GB")]
        temp_file_limit: String,
        /// At most this many connections at once.
        #[arg(long, default_value_t = 2)]
        connection_limit: i32,
        /// The total epsilon the login may spend on noisy aggregates (docs/ANALYSTS.md).
        #[arg(long, default_value_t = 10.0)]
        privacy_budget: f64,
    },
    /// List analysts and whose view each gets.
    List,
    /// Remove an analyst's login.
    Remove { name: String },
}

pub async fn run(args: AnalystArgs) -> CliResult {
    let url = args.admin.url()?;
    let mut client = connect(&url).await?;
    match args.command {
        AnalystCommand::Add {
            name,
            as_user,
            password_stdin,
            statement_timeout,
            idle_timeout,
            temp_file_limit,
            connection_limit,
            privacy_budget,
        } => {
            let limits = analysts::Limits {
                statement_timeout,
                idle_timeout,
                temp_file_limit,
                connections: connection_limit,
                privacy_budget,
            };
            let password = if password_stdin {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                text.trim_end_matches(['\n', '\r']).to_string()
            } else {
                random_hex(16)
            };
            if password.is_empty() {
                return Err("the password is empty".into());
            }
            analysts::add(&mut client, &name, &password, as_user.as_deref(), &limits).await?;
            let view = as_user.map_or("an anonymous visitor".to_string(), |user| {
                format!("user {user}")
            });
            println!("analyst {name} created; it sees what {view} sees");
            if password_stdin {
                let url = connection_string(&url, &name, None)?;
                println!("connect:  psql '{url}'  (with your password)");
            } else {
                println!("password (shown once): {password}");
                let url = connection_string(&url, &name, Some(&password))?;
                println!("connect:  psql '{url}'");
            }
        }
        AnalystCommand::List => {
            for analyst in analysts::list(&client).await? {
                let view = analyst.username.as_deref().unwrap_or("(anonymous)");
                println!("{:32} {view}", analyst.name);
            }
        }
        AnalystCommand::Remove { name } => {
            analysts::remove(&mut client, &name).await?;
            println!("analyst {name} removed");
        }
    }
    Ok(())
}

/// The analyst's own connection string to the admin connection's server and database, with
/// the password when given.
fn connection_string(
    admin_url: &str,
    name: &str,
    password: Option<&str>,
) -> Result<String, String> {
    let config: tokio_postgres::Config = admin_url.parse().map_err(|e| format!("{e}"))?;
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config.get_dbname().unwrap_or("postgres");
    let credentials = match password {
        Some(password) => format!("{name}:{}", utf8_percent_encode(password, NON_ALPHANUMERIC)),
        None => name.to_string(),
    };
    Ok(format!("postgres://{credentials}@{host}:{port}/{database}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_strings_point_at_the_admin_connections_database_with_an_encoded_password() {
        let admin = "postgres://postgres:x@db.internal:6543/hedgerow";
        let url = connection_string(admin, "ana", Some("p@ss word")).unwrap();
        assert_eq!(
            url,
            "postgres://ana:p%40ss%20word@db.internal:6543/hedgerow"
        );
        let url = connection_string(admin, "ana", None).unwrap();
        assert_eq!(url, "postgres://ana@db.internal:6543/hedgerow");
    }
}
