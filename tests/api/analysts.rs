//! Analysts made with `hedgerow analyst`, logged in with the printed connection string over
//! TCP and a password: their view, their limits, and the analytics schema.

use serde_json::json;
use tokio_postgres::error::SqlState;

use crate::helpers::{TestApp, hedgerow_cli, spawn_app, test_server};
use crate::sessions::create_session;

fn hedgerow(app: &TestApp, args: &[&str]) -> std::process::Output {
    hedgerow_cli(&app.database, args)
}

/// Creates an analyst with the CLI and logs in with the connection string it printed.
async fn add_analyst(app: &TestApp, name: &str, as_user: Option<&str>) -> tokio_postgres::Client {
    match as_user {
        Some(user) => add_analyst_with(app, name, &["--as-user", user]).await,
        None => add_analyst_with(app, name, &[]).await,
    }
}

/// The same, with more options for `hedgerow analyst add`.
async fn add_analyst_with(app: &TestApp, name: &str, options: &[&str]) -> tokio_postgres::Client {
    let mut args = vec!["analyst", "add", name];
    args.extend(options);
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

    // The API's functions are not for analysts, even with made-up claims.
    anonymous
        .execute(
            "SELECT set_config('request.jwt.claims', $1, false)",
            &[&json!({ "sub": owner.id }).to_string()],
        )
        .await
        .unwrap();
    for call in [
        "SELECT api.get_session('{}')",
        "SELECT api.list_sessions('{}')",
        "SELECT api.public_sessions('{}')",
    ] {
        let error = anonymous.query(call, &[]).await.unwrap_err();
        assert_eq!(
            error.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{call}"
        );
    }
    let public: i64 = anonymous
        .query_one("SELECT count(*) FROM sessions WHERE listed", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(public, 1, "the feed, as an analyst sees it");

    let error = mapped
        .batch_execute("INSERT INTO sessions (id, track) VALUES (gen_random_uuid(), 'x')")
        .await
        .unwrap_err();
    assert!(
        [
            &SqlState::INSUFFICIENT_PRIVILEGE,
            &SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE
        ]
        .contains(&error.code().unwrap()),
        "{error}"
    );
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
async fn totals_over_private_rows_are_noisy_name_only_public_tracks_and_spend_a_budget() {
    let app = spawn_app().await;
    // Spa has a public session and private ones; Monza only private ones.
    for n in 0..5 {
        let driver = app.user(&format!("driver_{n}")).await;
        create_session(
            &app,
            &driver,
            json!({ "track": "Spa", "is_public": n == 0 }),
        )
        .await;
        create_session(&app, &driver, json!({ "track": "Monza" })).await;
    }
    let name = unique("budget");
    let output = hedgerow(
        &app,
        &[
            "analyst",
            "add",
            &name,
            "--privacy-budget",
            "1.5",
            "--password-stdin",
        ],
    );
    assert!(!output.status.success(), "an empty password is refused");
    let analyst = add_analyst_with(&app, &name, &["--privacy-budget", "1.5"]).await;

    // ε = 0.5 a query: three queries, then none.
    let tracks = |rows: Vec<tokio_postgres::Row>| {
        rows.iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
    };
    let rows = analyst
        .query(
            "SELECT track, sessions, drivers FROM analytics.sessions_per_track_all",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(tracks(rows), vec!["Spa"], "Monza's name is not public");
    // A query whose transaction is rolled back has still spent its epsilon.
    analyst.batch_execute("BEGIN").await.unwrap();
    analyst
        .query("SELECT * FROM analytics.resources_per_visibility_all", &[])
        .await
        .unwrap();
    analyst.batch_execute("ROLLBACK").await.unwrap();
    let spent: f64 = analyst
        .query_one("SELECT privacy_spent::float8 FROM analytics.me", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(spent, 1.0);
    analyst
        .query("SELECT * FROM analytics.sessions_per_track_all", &[])
        .await
        .unwrap();
    let error = analyst
        .query("SELECT * FROM analytics.sessions_per_track_all", &[])
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("privacy budget exhausted")
            || error
                .as_db_error()
                .is_some_and(|e| e.message().contains("privacy budget exhausted")),
        "{error:?}"
    );
    assert!(
        analyst
            .query("SELECT * FROM sessions WHERE NOT listed", &[])
            .await
            .unwrap()
            .is_empty(),
        "the rows themselves stay private"
    );

    // Analysts cannot change the parameters (or their budget); operators can.
    for statement in [
        "UPDATE data.analytics_config SET epsilon_per_query = 100",
        "UPDATE data.analyst_accounts SET privacy_budget = 1000",
    ] {
        let error = analyst.batch_execute(statement).await.unwrap_err();
        assert_eq!(
            error.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{statement}"
        );
    }
    let parameters: f64 = analyst
        .query_one(
            "SELECT epsilon_per_query::float8 FROM analytics.privacy_parameters",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(parameters, 0.5);
}

/// The noise is the two-sided geometric distribution the docs promise: centred on the true
/// count, with the variance its epsilon and sensitivity give (2a / (1 - a)^2, a = e^(-ε/Δ)).
#[tokio::test]
async fn noisy_counts_have_the_documented_distribution() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (sensitivity, epsilon) in [(1, 1.0_f64), (10, 0.5)] {
        let row = admin
            .query_one(
                "SELECT avg(n)::float8, var_samp(n)::float8 FROM \
                   (SELECT hedgerow.geometric_noise($1, $2::float8::numeric) n FROM generate_series(1, 20000)) s",
                &[&sensitivity, &epsilon],
            )
            .await
            .unwrap();
        let (mean, variance): (f64, f64) = (row.get(0), row.get(1));
        let a = (-epsilon / f64::from(sensitivity)).exp();
        let expected = 2.0 * a / (1.0 - a).powi(2);
        let sd_of_mean = (expected / 20000.0).sqrt();
        assert!(
            mean.abs() < 5.0 * sd_of_mean,
            "mean {mean} (Δ {sensitivity}, ε {epsilon})"
        );
        assert!(
            (variance / expected - 1.0).abs() < 0.1,
            "variance {variance}, expected {expected} (Δ {sensitivity}, ε {epsilon})"
        );
    }
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

async fn show(client: &tokio_postgres::Client, setting: &str) -> String {
    client
        .query_one(&format!("SHOW {setting}"), &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn each_analyst_login_has_limits_it_cannot_lift_and_flags_change_them() {
    let app = spawn_app().await;
    // The defaults.
    let plain = add_analyst(&app, &unique("plain"), None).await;
    assert_eq!(show(&plain, "statement_timeout").await, "1min");
    assert_eq!(
        show(&plain, "idle_in_transaction_session_timeout").await,
        "5min"
    );
    assert_eq!(show(&plain, "temp_file_limit").await, "1GB");

    let name = unique("limited");
    let limited = add_analyst_with(
        &app,
        &name,
        &[
            "--statement-timeout",
            "1s",
            "--idle-timeout",
            "30s",
            "--temp-file-limit",
            "64MB",
            "--connection-limit",
            "1",
            "--privacy-budget",
            "3",
        ],
    )
    .await;
    assert_eq!(show(&limited, "statement_timeout").await, "1s");
    assert_eq!(
        show(&limited, "idle_in_transaction_session_timeout").await,
        "30s"
    );
    assert_eq!(show(&limited, "temp_file_limit").await, "64MB");
    let error = limited.query("SELECT pg_sleep(3)", &[]).await.unwrap_err();
    assert_eq!(error.code(), Some(&SqlState::QUERY_CANCELED), "{error:?}");
    // The temp-file limit is a superuser's setting: the analyst may not raise it.
    let error = limited
        .batch_execute("SET temp_file_limit = -1")
        .await
        .unwrap_err();
    assert_eq!(
        error.code(),
        Some(&SqlState::INSUFFICIENT_PRIVILEGE),
        "{error:?}"
    );
    // One connection at most: a second login is refused while the first is open.
    let admin = app.admin().await;
    admin
        .batch_execute(&format!("ALTER ROLE {name} PASSWORD 'second-login'"))
        .await
        .unwrap();
    let second = tokio_postgres::connect(
        &format!(
            "host=127.0.0.1 port={} user={name} password=second-login dbname={}",
            test_server().admin_config("postgres").get_ports()[0],
            app.database
        ),
        tokio_postgres::NoTls,
    )
    .await;
    let error = second.err().expect("a second connection was let in");
    assert_eq!(
        error.code(),
        Some(&SqlState::TOO_MANY_CONNECTIONS),
        "{error:?}"
    );
    let budget: f64 = limited
        .query_one("SELECT privacy_budget::float8 FROM me", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(budget, 3.0);
}

/// The SQL statements of the code block after `heading` in a document of docs/.
fn documented_statements(document: &str, heading: &str) -> Vec<String> {
    let path = format!("{}/docs/{document}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let section = &text[text
        .find(heading)
        .unwrap_or_else(|| panic!("{path} has no {heading:?}"))..];
    let block = section
        .split("```sql\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    block
        .split(";\n")
        .map(|statement| {
            statement
                .lines()
                .filter(|line| !line.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|statement| !statement.trim().is_empty())
        .collect()
}

#[tokio::test]
async fn the_documented_analyst_queries_run_as_written() {
    let app = spawn_app().await;
    let owner = app.user("doc_driver").await;
    create_session(
        &app,
        &owner,
        json!({ "track": "Spa", "laps": [120000], "is_public": true }),
    )
    .await;
    let statements = documented_statements("ANALYSTS.md", "## Worked examples");
    assert!(statements.len() >= 5, "{statements:?}");
    let analyst = add_analyst(&app, &unique("docs"), Some("doc_driver")).await;
    for statement in statements {
        let rows = analyst
            .query(&statement, &[])
            .await
            .unwrap_or_else(|e| panic!("{statement}\n{e:?}"));
        if statement.contains("leaderboards") || statement.contains("public_sessions_per_track") {
            assert!(!rows.is_empty(), "{statement}");
        }
    }
}
