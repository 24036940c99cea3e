//! Analysts made with `hedgerow analyst`, logged in with the printed connection string over
//! TCP and a password: their view, their limits, and the analytics schema.

use serde_json::json;
use tokio_postgres::error::SqlState;

use crate::helpers::{TestApp, hedgerow_cli, spawn_app};
use crate::sessions::create_session;

fn hedgerow(app: &TestApp, args: &[&str]) -> std::process::Output {
    hedgerow_cli(&app.database, args)
}

/// Creates an analyst with the CLI and logs in with the connection string it printed.
async fn add_analyst(app: &TestApp, name: &str, as_user: Option<&str>) -> tokio_postgres::Client {
    let mut args = vec!["analyst", "add", name];
    if let Some(user) = as_user {
        args.extend(["--as-user", user]);
    }
    let output = hedgerow(app, &args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("password (shown once): "), "{stdout}");
    let url = stdout
        .lines()
        .find_map(|l| l.strip_prefix("connect:  psql '"))
        .unwrap()
        .trim_end_matches('\'');
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("logging in as printed");
    tokio::spawn(connection);
    client
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

#[tokio::test]
async fn an_analyst_sees_exactly_its_users_view_or_an_anonymous_one() {
    let app = spawn_app().await;
    let owner = app.user("analysed").await;
    let public = create_session(&app, &owner, json!({ "track": "Spa", "is_public": true })).await;
    let private = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let (mapped_name, anonymous_name) = (unique("mapped"), unique("anon"));
    let mapped = add_analyst(&app, &mapped_name, Some("analysed")).await;
    let anonymous = add_analyst(&app, &anonymous_name, None).await;

    let ids = |rows: Vec<tokio_postgres::Row>| {
        rows.iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
    };
    let mut both = vec![public.clone(), private.clone()];
    both.sort();
    // search_path is set at login: unqualified names work as in the docs.
    assert_eq!(
        ids(mapped
            .query("SELECT id::text FROM sessions ORDER BY 1", &[])
            .await
            .unwrap()),
        both
    );
    assert_eq!(
        ids(anonymous
            .query("SELECT id::text FROM sessions", &[])
            .await
            .unwrap()),
        vec![public]
    );

    // The api functions give an analyst no more than the API would.
    anonymous
        .execute(
            "SELECT set_config('request.jwt.claims', $1, false)",
            &[&json!({ "sub": owner.id }).to_string()],
        )
        .await
        .unwrap();
    let error = anonymous
        .query(
            "SELECT api.get_session($1::jsonb)",
            &[&json!({ "id": private })],
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.code().map(SqlState::code),
        Some("42501"),
        "analysts cannot log reads, so single reads are closed"
    );
    let error = anonymous
        .query("SELECT api.list_sessions('{}')", &[])
        .await
        .unwrap_err();
    assert_eq!(error.code().map(SqlState::code), Some("PT401"));
    let feed: serde_json::Value = anonymous
        .query_one("SELECT api.public_sessions('{}')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(feed["pagination"]["total"], 1);

    let error = mapped
        .batch_execute("INSERT INTO sessions (id, track) VALUES (gen_random_uuid(), 'x')")
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE));
}

#[tokio::test]
async fn analysts_are_listed_and_removed() {
    let app = spawn_app().await;
    app.user("listed_user").await;
    let (mapped, anonymous) = (unique("listed"), unique("listed_anon"));
    add_analyst(&app, &mapped, Some("listed_user")).await;
    add_analyst(&app, &anonymous, None).await;
    let list = String::from_utf8_lossy(&hedgerow(&app, &["analyst", "list"]).stdout).into_owned();
    assert!(
        list.lines()
            .any(|l| l.starts_with(&mapped) && l.ends_with("listed_user")),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with(&anonymous) && l.ends_with("(anonymous)")),
        "{list}"
    );

    assert!(
        hedgerow(&app, &["analyst", "remove", &mapped])
            .status
            .success()
    );
    let list = String::from_utf8_lossy(&hedgerow(&app, &["analyst", "list"]).stdout).into_owned();
    assert!(!list.contains(&mapped));
    let gone: i64 = app
        .admin()
        .await
        .query_one(
            "SELECT count(*) FROM pg_roles WHERE rolname = $1",
            &[&mapped],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(gone, 0);

    for bad in [
        vec!["analyst", "add", "Bad-Name"],
        vec!["analyst", "add", "hedgerow_user"],
        vec!["analyst", "remove", "nobody_here"],
        vec!["analyst", "add", "ghost_user", "--as-user", "nobody_here"],
    ] {
        let output = hedgerow(&app, &bad);
        assert!(!output.status.success(), "{bad:?} succeeded");
    }
}

#[tokio::test]
async fn analytics_views_summarise_what_the_analyst_may_see() {
    let app = spawn_app().await;
    let owner = app.user("viewed").await;
    create_session(
        &app,
        &owner,
        json!({ "track": "Spa", "is_public": true, "laps": [90000, 88000] }),
    )
    .await;
    create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let session =
        create_session(&app, &owner, json!({ "track": "Monza", "is_public": true })).await;
    app.post(
        &format!("/api/sessions/{session}/shares"),
        Some(&owner.token),
        json!({}),
    )
    .await;
    let anonymous = add_analyst(&app, &unique("views"), None).await;
    let mapped = add_analyst(&app, &unique("views_mapped"), Some("viewed")).await;

    let rows = anonymous.query("SELECT track, sessions, best_lap_ms FROM analytics.public_sessions_per_track ORDER BY track", &[]).await.unwrap();
    let seen: Vec<(String, i64, Option<i32>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        seen,
        vec![("Monza".into(), 1, None), ("Spa".into(), 1, Some(88000))],
        "private sessions are not counted"
    );

    let mine: i64 = mapped
        .query_one(
            "SELECT sum(active_links)::bigint FROM analytics.my_sharing",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(mine, 1);
    assert!(
        anonymous
            .query("SELECT * FROM analytics.my_sharing", &[])
            .await
            .unwrap()
            .is_empty()
    );

    let documented: Option<String> = anonymous
        .query_one(
            "SELECT obj_description('analytics.public_sessions_per_track'::regclass)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(documented.is_some_and(|d| d.contains("Public sessions per track")));
}

#[tokio::test]
async fn totals_over_all_data_never_show_a_group_smaller_than_k() {
    let app = spawn_app().await;
    // Five drivers on Spa (one private session each), two on Monza.
    for n in 0..5 {
        let driver = app.user(&format!("driver_{n}")).await;
        create_session(&app, &driver, json!({ "track": "Spa" })).await;
        if n < 2 {
            create_session(&app, &driver, json!({ "track": "Monza" })).await;
        }
    }
    let analyst = add_analyst(&app, &unique("totals"), None).await;
    let totals = |rows: Vec<tokio_postgres::Row>| {
        rows.iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
            .collect::<Vec<_>>()
    };
    let rows = analyst
        .query(
            "SELECT track, sessions FROM analytics.sessions_per_track_all ORDER BY track",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        totals(rows),
        vec![("Spa".to_string(), 5)],
        "Monza has fewer than k = 5 drivers"
    );
    assert!(
        analyst
            .query("SELECT * FROM sessions", &[])
            .await
            .unwrap()
            .is_empty(),
        "the rows themselves stay private"
    );

    // Analysts cannot lower k; operators can.
    let error = analyst
        .batch_execute("UPDATE data.analytics_config SET min_group_size = 2")
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE));
    app.admin()
        .await
        .batch_execute("UPDATE data.analytics_config SET min_group_size = 2")
        .await
        .unwrap();
    let rows = analyst
        .query(
            "SELECT track, sessions FROM analytics.sessions_per_track_all ORDER BY track",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        totals(rows),
        vec![("Monza".to_string(), 2), ("Spa".to_string(), 5)]
    );
    let by_kind: i64 = analyst
        .query_one("SELECT resources FROM analytics.resources_per_visibility_all WHERE kind = 'session' AND visibility = 'private'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(by_kind, 7);
}

#[tokio::test]
async fn a_password_from_stdin_is_used_and_never_printed() {
    use std::io::Write;
    let app = spawn_app().await;
    let name = unique("stdin");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hedgerow"))
        .args(["analyst", "add", &name, "--password-stdin"])
        .env(
            "HEDGEROW_ADMIN_DATABASE_URL",
            crate::helpers::test_server().admin_url(&app.database),
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("correct horse"),
        "the password was echoed: {stdout}"
    );
    assert!(!stdout.contains("shown once"));
    let config =
        crate::helpers::test_server().login_config(&name, "correct horse battery", &app.database);
    let client = crate::helpers::connect_config(&config).await;
    let me: String = client
        .query_one("SELECT session_user::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(me, name);
}
