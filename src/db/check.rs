//! `hedgerow check`: the invariants an operator's CI can hold a live database to. Each check is
//! a query that returns one row per violation; the tests run the same checks.

use tokio_postgres::Client;

use super::migrate;

/// Schemas whose tables API or analyst roles can reach.
const EXPOSED: &str = "'data', 'hedgerow', 'api', 'analytics'";
/// Roles that serve requests or analysts, and every analyst's login role. (Membership comes
/// from pg_auth_members: pg_has_role would count every superuser as a member.)
const SERVING_ROLES: &str = "SELECT oid FROM pg_roles WHERE rolname IN \
     ('hedgerow_anon', 'hedgerow_user', 'hedgerow_analyst', 'hedgerow_authenticator') \
     UNION SELECT member FROM pg_auth_members WHERE roleid = 'hedgerow_analyst'::regrole";

/// One invariant and what breaks it.
struct Check {
    name: &'static str,
    violations: String,
}

fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "row-level security is enabled and forced on every table of an exposed schema",
            violations: format!(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                  WHERE n.nspname IN ({EXPOSED}) AND c.relkind IN ('r', 'p') \
                    AND NOT (c.relrowsecurity AND c.relforcerowsecurity)"
            ),
        },
        Check {
            name: "no API or analyst role is a superuser, bypasses RLS or administers roles",
            violations: format!(
                "SELECT rolname::text FROM pg_roles WHERE oid IN ({SERVING_ROLES}) \
                  AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb OR rolreplication)"
            ),
        },
        Check {
            name: "no API or analyst role owns a table, view or function",
            violations: format!(
                "SELECT c.relname::text FROM pg_class c WHERE c.relowner IN ({SERVING_ROLES}) \
                 UNION ALL SELECT p.proname::text FROM pg_proc p WHERE p.proowner IN ({SERVING_ROLES})"
            ),
        },
        Check {
            name: "the authenticator logs in, inherits nothing and may become only anon or user",
            violations: "SELECT 'hedgerow_authenticator: ' || r.rolname FROM pg_auth_members m \
                           JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles a ON a.oid = m.member \
                          WHERE a.rolname = 'hedgerow_authenticator' \
                            AND r.rolname NOT IN ('hedgerow_anon', 'hedgerow_user') \
                         UNION ALL SELECT 'hedgerow_authenticator is ' || \
                                CASE WHEN rolinherit THEN 'INHERIT' ELSE 'NOLOGIN' END \
                           FROM pg_roles WHERE rolname = 'hedgerow_authenticator' \
                            AND (rolinherit OR NOT rolcanlogin) \
                         UNION ALL SELECT rolname || ' can log in' FROM pg_roles \
                          WHERE rolname IN ('hedgerow_anon', 'hedgerow_user', 'hedgerow_analyst', 'hedgerow_owner') \
                            AND rolcanlogin"
                .into(),
        },
        Check {
            name: "no function of hedgerow is executable by PUBLIC",
            violations: format!(
                "SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, \
                        aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) acl \
                  WHERE n.nspname IN ({EXPOSED}) AND acl.grantee = 0 AND acl.privilege_type = 'EXECUTE'"
            ),
        },
        Check {
            name: "every SECURITY DEFINER function pins search_path to ''",
            violations: format!(
                "SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                  WHERE n.nspname IN ({EXPOSED}) AND p.prosecdef \
                    AND NOT coalesce('search_path=\"\"' = ANY (p.proconfig), false)"
            ),
        },
        Check {
            name: "analysts may not read share tokens",
            violations: "SELECT 'hedgerow_analyst can read data.share_links.token' \
                          WHERE to_regclass('data.share_links') IS NOT NULL \
                            AND has_column_privilege('hedgerow_analyst', 'data.share_links', 'token', 'SELECT')"
                .into(),
        },
        Check {
            name: "kept public counts equal the public rows (a full count: seconds at millions of rows)",
            violations: "SELECT kind || ' ' || quote_literal(scope) || ': kept ' || coalesce(kept.n, 0) \
                                || ', counted ' || coalesce(counted.n, 0) \
                           FROM data.public_counts kept \
                           FULL JOIN (SELECT kind, '' AS scope, count(*) AS n FROM data.resources \
                                       WHERE listed GROUP BY kind \
                                      UNION ALL SELECT 'session', track, count(*) FROM data.sessions \
                                       WHERE listed GROUP BY track) counted USING (kind, scope) \
                          WHERE coalesce(kept.n, 0) <> coalesce(counted.n, 0) \
                         UNION ALL SELECT 'data.sessions.listed is stale for ' || s.id \
                           FROM data.sessions s JOIN data.resources r ON r.id = s.id \
                          WHERE s.listed <> r.listed"
                .into(),
        },
    ]
}

/// The outcome of one check.
#[derive(Debug)]
pub struct Finding {
    pub check: &'static str,
    pub violations: Vec<String>,
}

impl Finding {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Runs every check (read-only), migrations included.
pub async fn run(client: &Client) -> Result<Vec<Finding>, tokio_postgres::Error> {
    let mut findings = Vec::new();
    for check in checks() {
        let rows = client.query(&check.violations, &[]).await?;
        findings.push(Finding {
            check: check.name,
            violations: rows.iter().map(|row| row.get(0)).collect(),
        });
    }
    findings.push(migrations(client).await?);
    Ok(findings)
}

async fn migrations(client: &Client) -> Result<Finding, tokio_postgres::Error> {
    let mut violations = Vec::new();
    match migrate::status(client).await {
        Ok(states) => violations.extend(
            states
                .iter()
                .filter(|s| !s.applied)
                .map(|s| format!("V{}__{} is not applied", s.version, s.name)),
        ),
        Err(e) => violations.push(e.to_string()),
    }
    match migrate::unknown_migrations(client).await {
        Ok(unknown) => violations.extend(
            unknown
                .into_iter()
                .map(|m| format!("{m} is unknown to this binary")),
        ),
        Err(e) => violations.push(e.to_string()),
    }
    if !migrate::repeatable_is_current(client).await? {
        violations
            .push("functions and policies differ from this binary's (run hedgerow migrate)".into());
    }
    Ok(Finding {
        check: "every migration is applied, and functions and policies are this binary's",
        violations,
    })
}
