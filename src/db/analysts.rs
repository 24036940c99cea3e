//! Analysts' accounts: login roles in hedgerow_analyst, each mapped to the user whose view it
//! gets (or to none: an anonymous visitor's view) in data.analyst_accounts.

use tokio_postgres::Client;

#[derive(Debug, thiserror::Error)]
pub enum AnalystError {
    #[error("analyst names are 1-63 characters of a-z, 0-9 and _, starting with a letter or _")]
    BadName,
    #[error("a role named {0:?} already exists")]
    Exists(String),
    #[error("no analyst named {0:?}")]
    NoSuchAnalyst(String),
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    #[error("managing analysts needs a superuser connection (it creates login roles)")]
    NotAllowed,
    #[error(
        "PostgreSQL's statistics, sizes and locks are still open in this database, so an analyst \
         could learn private data through them. Run `hedgerow migrate` as a superuser first."
    )]
    SideChannelsOpen,
    #[error(transparent)]
    Database(#[from] tokio_postgres::Error),
}

/// What one analyst login may use of the server: enforced by PostgreSQL per role.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// statement_timeout, e.g. "60s".
    pub statement_timeout: String,
    /// idle_in_transaction_session_timeout, e.g. "5min".
    pub idle_timeout: String,
    /// temp_file_limit, e.g. "1GB".
    pub temp_file_limit: String,
    /// At most this many connections at once.
    pub connections: i32,
    /// The total epsilon the login may spend on noisy aggregates.
    pub privacy_budget: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            statement_timeout: "60s".into(),
            idle_timeout: "5min".into(),
            temp_file_limit: "1GB".into(),
            connections: 2,
            privacy_budget: 10.0,
        }
    }
}

/// An analyst as `hedgerow analyst list` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Analyst {
    pub name: String,
    /// The user whose view the analyst gets; None: an anonymous visitor's.
    pub username: Option<String>,
}

fn check_name(name: &str) -> Result<(), AnalystError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok && name.len() <= 63 && !name.starts_with("hedgerow_") {
        Ok(())
    } else {
        Err(AnalystError::BadName)
    }
}

/// Creates analyst `name` with `password`, mapped to `as_user` (a username) or to nobody,
/// with `limits`. Runs in one transaction: a failure leaves no half-made analyst.
pub async fn add(
    client: &mut Client,
    name: &str,
    password: &str,
    as_user: Option<&str>,
    limits: &Limits,
) -> Result<(), AnalystError> {
    check_name(name)?;
    let may: bool = client
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .await?
        .get(0);
    if !may {
        return Err(AnalystError::NotAllowed);
    }
    if !super::migrate::is_hardened(client).await? {
        return Err(AnalystError::SideChannelsOpen);
    }
    let transaction = client.transaction().await?;
    if !transaction
        .query("SELECT FROM pg_roles WHERE rolname = $1", &[&name])
        .await?
        .is_empty()
    {
        return Err(AnalystError::Exists(name.to_string()));
    }
    let user_id: Option<uuid::Uuid> = match as_user {
        None => None,
        Some(username) => Some(
            transaction
                .query_opt(
                    "SELECT id FROM data.profiles WHERE username = $1",
                    &[&username],
                )
                .await?
                .ok_or_else(|| AnalystError::NoSuchUser(username.to_string()))?
                .get(0),
        ),
    };
    // Identifiers, the password and the settings are quoted by PostgreSQL itself (format %I,
    // %L). The budget is spent through a sequence of its own (see V8).
    let statements: Vec<String> = transaction
        .query(
            "SELECT unnest(ARRAY[
               format('CREATE ROLE %I LOGIN PASSWORD %L CONNECTION LIMIT %s IN ROLE hedgerow_analyst', $1::text, $2::text, $3::int),
               format('ALTER ROLE %I SET search_path = analytics', $1::text),
               format('ALTER ROLE %I SET statement_timeout = %L', $1::text, $4::text),
               format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', $1::text, $5::text),
               format('ALTER ROLE %I SET temp_file_limit = %L', $1::text, $6::text),
               format('CREATE SEQUENCE data.%I', 'privacy_spent_' || substr(md5($1::text), 1, 16)),
               format('ALTER SEQUENCE data.%I OWNER TO hedgerow_owner', 'privacy_spent_' || substr(md5($1::text), 1, 16)),
               format('GRANT SELECT ON SEQUENCE data.%I TO hedgerow_reader', 'privacy_spent_' || substr(md5($1::text), 1, 16))])",
            &[
                &name,
                &password,
                &limits.connections,
                &limits.statement_timeout,
                &limits.idle_timeout,
                &limits.temp_file_limit,
            ],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    for statement in statements {
        transaction.batch_execute(&statement).await?;
    }
    transaction
        .execute(
            "INSERT INTO data.analyst_accounts (role_name, user_id, privacy_budget, budget_spent) \
             VALUES ($1::text, $2, $3::float8::numeric, ('data.' || quote_ident('privacy_spent_' || substr(md5($1::text), 1, 16)))::regclass)",
            &[&name, &user_id, &limits.privacy_budget],
        )
        .await?;
    transaction.commit().await?;
    Ok(())
}

/// Every analyst (a direct member of hedgerow_analyst), by name.
pub async fn list(client: &Client) -> Result<Vec<Analyst>, AnalystError> {
    let rows = client
        .query(
            "SELECT r.rolname::text, p.username FROM pg_roles r \
               LEFT JOIN data.analyst_accounts a ON a.role_name = r.rolname \
               LEFT JOIN data.profiles p ON p.id = a.user_id \
              WHERE r.oid IN (SELECT member FROM pg_auth_members WHERE roleid = 'hedgerow_analyst'::regrole) \
              ORDER BY 1",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| Analyst {
            name: row.get(0),
            username: row.get(1),
        })
        .collect())
}

/// Removes analyst `name`: its mapping and its login role.
pub async fn remove(client: &mut Client, name: &str) -> Result<(), AnalystError> {
    check_name(name)?;
    let transaction = client.transaction().await?;
    let is_analyst = !transaction
        .query(
            "SELECT FROM pg_roles WHERE rolname = $1 \
               AND oid IN (SELECT member FROM pg_auth_members WHERE roleid = 'hedgerow_analyst'::regrole)",
            &[&name],
        )
        .await?
        .is_empty();
    if !is_analyst {
        return Err(AnalystError::NoSuchAnalyst(name.to_string()));
    }
    let spent: Option<String> = transaction
        .query_opt(
            "DELETE FROM data.analyst_accounts WHERE role_name = $1 RETURNING budget_spent::text",
            &[&name],
        )
        .await?
        .and_then(|row| row.get(0));
    if let Some(spent) = spent {
        transaction
            .batch_execute(&format!("DROP SEQUENCE IF EXISTS {spent}"))
            .await?;
    }
    let drop: String = transaction
        .query_one("SELECT format('DROP ROLE %I', $1::text)", &[&name])
        .await?
        .get(0);
    transaction.batch_execute(&drop).await?;
    transaction.commit().await?;
    Ok(())
}
