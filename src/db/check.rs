//! `hedgerow check`: the invariants an operator's CI can hold a live database to. Each check is
//! a query that returns one row per violation; the tests run the same checks.

use tokio_postgres::Client;

use super::migrate::{self, RepeatableSql};

/// Schemas whose tables API or analyst roles can reach.
const EXPOSED: &str = "'data', 'hedgerow', 'api', 'sealed', 'analytics'";
/// Analysts' login roles and their group.
const ANALYSTS: &str = "SELECT oid FROM pg_roles WHERE rolname = 'hedgerow_analyst' \
     UNION SELECT member FROM pg_auth_members WHERE roleid = 'hedgerow_analyst'::regrole";
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
            name: "analysts reach no table of schema data, only views whose rows a sealed function gives",
            violations: format!(
                "SELECT 'an analyst may read ' || c.oid::regclass::text \
                   FROM pg_class c, (({ANALYSTS})) a(role) \
                  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') \
                    AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) \
                    AND has_table_privilege(a.role, c.oid, 'SELECT') \
                    AND (c.relkind <> 'v' OR c.relnamespace <> 'analytics'::regnamespace) \
                 UNION \
                 SELECT c.oid::regclass::text || ' reads ' || m[1]::oid::regclass::text || ' directly, not through a sealed function' \
                   FROM pg_class c JOIN pg_rewrite w ON w.ev_class = c.oid, \
                        regexp_matches(w.ev_action::text, ':rtekind 0 :relid (\\d+) :relkind (\\w)', 'g') m \
                  WHERE c.relnamespace = 'analytics'::regnamespace AND m[2] <> 'v' \
                 UNION \
                 SELECT p.oid::regprocedure::text || ' is not a SECURITY DEFINER function of hedgerow_reader or hedgerow_owner' \
                   FROM pg_proc p \
                  WHERE p.pronamespace = 'sealed'::regnamespace \
                    AND NOT (p.prosecdef AND p.proowner IN ('hedgerow_reader'::regrole, 'hedgerow_owner'::regrole)) \
                 UNION \
                 SELECT 'analysts may use schema ' || n.nspname FROM pg_namespace n, (({ANALYSTS})) a(role) \
                  WHERE n.nspname IN ('data', 'hedgerow', 'api', 'sealed', 'hedgerow_meta') \
                    AND has_schema_privilege(a.role, n.oid, 'USAGE')"
            ),
        },
        Check {
            name: "PostgreSQL's statistics, sizes, locks and advisory locks are closed to analysts (sql/harden.sql)",
            violations: format!(
                "SELECT 'the catalog is not hardened: a superuser must run `hedgerow migrate` (or sql/harden.sql)' \
                  WHERE NOT ({})",
                migrate::HARDENED
            ),
        },
        Check {
            name: "every analyst login has its limits: statement and idle timeouts, a temp-file limit, a connection limit",
            violations:
                "SELECT r.rolname || ' lacks ' || wanted.setting FROM pg_roles r \
                   CROSS JOIN (VALUES ('statement_timeout'), ('idle_in_transaction_session_timeout'), ('temp_file_limit')) wanted(setting) \
                  WHERE r.rolname IN (SELECT role_name FROM data.analyst_accounts) \
                    AND NOT EXISTS (SELECT FROM pg_db_role_setting s, unnest(s.setconfig) c \
                                     WHERE s.setrole = r.oid AND c LIKE wanted.setting || '=%') \
                 UNION ALL \
                 SELECT r.rolname || ' has no connection limit' FROM pg_roles r \
                  WHERE r.rolname IN (SELECT role_name FROM data.analyst_accounts) \
                    AND r.rolconnlimit < 0"
                .into(),
        },
        Check {
            name: "every foreign key of schema data has an index that begins with its columns",
            // Without one, deleting the row it points at (an account, a shelf) reads the
            // whole referencing table.
            violations: "SELECT c.conrelid::regclass::text || ' (' || \
                                (SELECT string_agg(a.attname, ', ' ORDER BY k.n) \
                                   FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n) \
                                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) || ')' \
                           FROM pg_constraint c \
                          WHERE c.contype = 'f' AND c.connamespace = 'data'::regnamespace \
                            AND NOT EXISTS (SELECT FROM pg_index i \
                                             WHERE i.indrelid = c.conrelid AND i.indpred IS NULL AND i.indisvalid \
                                               AND cardinality(c.conkey) <= i.indnkeyatts \
                                               AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey)"
                .into(),
        },
        Check {
            name: "kept public counts equal the public rows (a full count: seconds at millions of rows)",
            violations: "SELECT coalesce(kept.kind, counted.kind) || ' ' || quote_literal(coalesce(kept.scope, counted.scope)) \
                                || ': kept ' || coalesce(kept.n, 0) || ', counted ' || coalesce(counted.n, 0) \
                           FROM data.public_counts kept \
                           FULL JOIN hedgerow.counted_public() counted USING (kind, scope) \
                          WHERE coalesce(kept.n, 0) <> coalesce(counted.n, 0)"
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
pub async fn run(
    client: &Client,
    repeatable: &RepeatableSql,
) -> Result<Vec<Finding>, tokio_postgres::Error> {
    let mut findings = Vec::new();
    for check in checks() {
        let rows = client.query(&check.violations, &[]).await?;
        findings.push(Finding {
            check: check.name,
            violations: rows.iter().map(|row| row.get(0)).collect(),
        });
    }
    findings.push(migrations(client, repeatable).await?);
    Ok(findings)
}

async fn migrations(
    client: &Client,
    repeatable: &RepeatableSql,
) -> Result<Finding, tokio_postgres::Error> {
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
    if !migrate::repeatable_is_current(client, repeatable).await? {
        violations
            .push("functions and policies differ from this binary's (run hedgerow migrate)".into());
    }
    Ok(Finding {
        check: "every migration is applied, and functions and policies are this binary's",
        violations,
    })
}
