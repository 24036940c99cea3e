//! Invariants read from the catalog of a migrated database (DESIGN §3, §7).

use crate::helpers::spawn_app;

const API_ROLES: &str =
    "'hedgerow_anon', 'hedgerow_user', 'hedgerow_analyst', 'hedgerow_authenticator'";
const EXPOSED_SCHEMAS: &str = "'data', 'hedgerow', 'api', 'analytics'";

#[tokio::test]
async fn every_table_in_an_exposed_schema_has_row_level_security_enabled_and_forced() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let tables: i64 = admin
        .query_one(&format!("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ({EXPOSED_SCHEMAS}) AND c.relkind IN ('r', 'p')"), &[])
        .await
        .unwrap()
        .get(0);
    assert!(tables >= 4, "expected the tables to exist, found {tables}");
    let unprotected: Vec<String> = admin
        .query(
            &format!(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                  WHERE n.nspname IN ({EXPOSED_SCHEMAS}) AND c.relkind IN ('r', 'p') \
                    AND NOT (c.relrowsecurity AND c.relforcerowsecurity)"
            ),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(
        unprotected.is_empty(),
        "tables without forced RLS: {unprotected:?}"
    );
}

#[tokio::test]
async fn no_api_or_analyst_role_owns_anything_or_bypasses_rls() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let powerful: Vec<String> = admin
        .query(&format!("SELECT rolname::text FROM pg_roles WHERE rolname IN ({API_ROLES}, 'hedgerow_owner') AND (rolbypassrls OR rolsuper OR rolcreaterole OR rolcreatedb)"), &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(
        powerful.is_empty(),
        "roles with bypass or admin rights: {powerful:?}"
    );
    let owned: Vec<String> = admin
        .query(
            &format!(
                "SELECT c.relname::text FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname IN ({API_ROLES}) \
                 UNION ALL SELECT p.proname::text FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner WHERE r.rolname IN ({API_ROLES})"
            ),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(owned.is_empty(), "objects owned by API roles: {owned:?}");
}

#[tokio::test]
async fn no_hedgerow_function_is_executable_by_public() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let open: Vec<String> = admin
        .query(
            "SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, \
                    aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) acl \
              WHERE n.nspname IN ('hedgerow', 'api', 'analytics') AND acl.grantee = 0 AND acl.privilege_type = 'EXECUTE'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(open.is_empty(), "functions executable by PUBLIC: {open:?}");
}

#[tokio::test]
async fn security_definer_functions_pin_an_empty_search_path() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let unpinned: Vec<String> = admin
        .query(
            "SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
              WHERE n.nspname IN ('data', 'hedgerow', 'api', 'analytics') AND p.prosecdef \
                AND NOT coalesce('search_path=\"\"' = ANY (p.proconfig), false)",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(
        unpinned.is_empty(),
        "SECURITY DEFINER functions without search_path='': {unpinned:?}"
    );
}

#[tokio::test]
async fn the_authenticator_may_become_only_anon_or_user_and_inherits_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let row = admin
        .query_one(
            "SELECT array_agg(g.rolname::text ORDER BY g.rolname), bool_and(NOT a.rolinherit) \
               FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles a ON a.oid = m.member \
              WHERE a.rolname = 'hedgerow_authenticator'",
            &[],
        )
        .await
        .unwrap();
    let granted: Vec<String> = row.get(0);
    assert_eq!(granted, vec!["hedgerow_anon", "hedgerow_user"]);
    assert!(row.get::<_, bool>(1), "the authenticator must be NOINHERIT");
}

#[tokio::test]
async fn migration_bookkeeping_is_invisible_to_api_and_analyst_roles() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let row = admin
        .query_one(
            &format!("SELECT bool_or(has_schema_privilege(rolname, 'hedgerow_meta', 'USAGE')) FROM pg_roles WHERE rolname IN ({API_ROLES})"),
            &[],
        )
        .await
        .unwrap();
    assert!(!row.get::<_, bool>(0));
}
