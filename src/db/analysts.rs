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
    #[error(transparent)]
    Database(#[from] tokio_postgres::Error),
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

/// Creates analyst `name` with `password`, mapped to `as_user` (a username) or to nobody.
/// Runs in one transaction: a failure leaves no half-made analyst.
pub async fn add(
    client: &mut Client,
    name: &str,
    password: &str,
    as_user: Option<&str>,
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
    // Identifiers and the password are quoted by PostgreSQL itself (format %I, %L).
    let statements: Vec<String> = transaction
        .query(
            "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE hedgerow_analyst', $1::text, $2::text) \
             UNION ALL SELECT format('ALTER ROLE %I SET search_path = data, analytics', $1::text)",
            &[&name, &password],
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
            "INSERT INTO data.analyst_accounts (role_name, user_id) VALUES ($1, $2)",
            &[&name, &user_id],
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
    transaction
        .execute(
            "DELETE FROM data.analyst_accounts WHERE role_name = $1",
            &[&name],
        )
        .await?;
    let drop: String = transaction
        .query_one("SELECT format('DROP ROLE %I', $1::text)", &[&name])
        .await?
        .get(0);
    transaction.batch_execute(&drop).await?;
    transaction.commit().await?;
    Ok(())
}
