//! A hostile analyst who knows PostgreSQL internals, logged in over TCP with an anonymous
//! analyst login, probes for private data through side channels rather than rows: EXPLAIN
//! loops and "Rows Removed by Filter", statistics counters, planner estimates, table totals,
//! aggregates fed by fake accounts, and advisory locks.
//!
//! Each probe runs against every relation the analyst can reach that has the probed column, so
//! the tests hold whatever the analyst surface looks like. A probe passes when what it observes
//! is the same whether or not the hidden data matches; a refused probe observes nothing.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, analyst, spawn_app};
use crate::plans::create_plan;
use crate::sessions::create_session;

/// What one probe saw: its normalised output, or the SQLSTATE that refused it.
type Observation = Result<String, String>;

async fn observe(client: &tokio_postgres::Client, sql: &str) -> Observation {
    match client.simple_query(sql).await {
        Ok(messages) => Ok(messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).unwrap_or("∅"))
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .map(|cells| normalise(&cells.join("|")))
            .collect::<Vec<_>>()
            .join("\n")),
        Err(e) => {
            // Leave no aborted transaction behind for the next probe.
            let _ = client.batch_execute("ROLLBACK").await;
            Err(e
                .code()
                .map_or_else(|| e.to_string(), |c| c.code().to_string()))
        }
    }
}

/// EXPLAIN JSON without its timings (which differ run to run); anything else is kept.
fn normalise(text: &str) -> String {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(fields) => {
                fields.retain(|key, _| {
                    !key.contains("Time")
                        && !matches!(key.as_str(), "Planning" | "Triggers" | "JIT")
                });
                fields.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    match serde_json::from_str::<Value>(text) {
        Ok(mut value) => {
            strip(&mut value);
            value.to_string()
        }
        Err(_) => text.to_string(),
    }
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Every relation the analyst may read that has `column`, as a quoted name.
async fn reachable_with(client: &tokio_postgres::Client, column: &str) -> Vec<String> {
    client
        .query(
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid \
              WHERE a.attname = $1 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') \
                AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) \
                AND has_schema_privilege(c.relnamespace, 'USAGE') \
                AND has_column_privilege(c.oid, a.attnum, 'SELECT') \
              ORDER BY 1",
            &[&column],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Runs `probe` (with `{rel}` and `{value}` filled in) on every reachable relation with
/// `column`, once for a value that matches hidden data and once for one that matches
/// nothing, and asserts that the two observations are the same everywhere.
async fn assert_blind(
    client: &tokio_postgres::Client,
    column: &str,
    probe: &str,
    matching: &str,
    unmatched: &str,
) {
    let relations = reachable_with(client, column).await;
    assert!(
        !relations.is_empty(),
        "the analyst can reach no relation with {column}: nothing was probed"
    );
    for relation in relations {
        let run = |value: &str| {
            probe
                .replace("{rel}", &relation)
                .replace("{value}", &literal(value))
        };
        // The probed value itself shows in EXPLAIN's filters: mask it.
        let hit = observe(client, &run(matching))
            .await
            .map(|s| s.replace(matching, "{value}"));
        let miss = observe(client, &run(unmatched))
            .await
            .map(|s| s.replace(unmatched, "{value}"));
        assert_eq!(
            hit,
            miss,
            "{relation}: the probe tells hidden {column} {matching:?} from {unmatched:?}:\n{}",
            run(matching)
        );
    }
}

struct Victim {
    app: TestApp,
    owner: TestUser,
    guest: TestUser,
    /// An anonymous analyst.
    sql: tokio_postgres::Client,
    private_plan: String,
    private_session: String,
}

const SECRET: &str = "PLAN:the combination is 4-8-15";

async fn victim() -> Victim {
    let app = spawn_app().await;
    let owner = app.user("victim").await;
    let guest = app.user("victims_friend").await;
    let private_plan = create_plan(
        &app,
        &owner,
        json!({ "title": "Safe", "filename": "safe.md", "content": SECRET }),
    )
    .await;
    let public_plan = create_plan(
        &app,
        &owner,
        json!({ "title": "Open", "filename": "open.md", "content": "PLAN:hello", "is_public": true }),
    )
    .await;
    let mut private_session = String::new();
    for _ in 0..4 {
        private_session = create_session(
            &app,
            &owner,
            json!({ "track": "Secret Ring", "laps": [90000] }),
        )
        .await;
    }
    create_session(&app, &owner, json!({ "track": "Spa", "is_public": true })).await;
    for resource in [&private_plan, &private_session] {
        let kind = if *resource == private_plan {
            "plans"
        } else {
            "sessions"
        };
        let reply = app
            .post(
                &format!("/api/{kind}/{resource}/access"),
                Some(&owner.token),
                json!({ "username": "victims_friend" }),
            )
            .await;
        assert_eq!(
            reply.status,
            reqwest::StatusCode::CREATED,
            "{:?}",
            reply.body
        );
        app.post(
            &format!("/api/{kind}/{resource}/shares"),
            Some(&owner.token),
            json!({}),
        )
        .await;
        for _ in 0..3 {
            app.get(&format!("/api/{kind}/{resource}"), Some(&owner.token))
                .await;
        }
    }
    let _ = public_plan;
    let admin = app.admin().await;
    admin.batch_execute("ANALYZE").await.unwrap();
    let sql = analyst(&app, None).await;
    Victim {
        app,
        owner,
        guest,
        sql,
        private_plan,
        private_session,
    }
}

#[tokio::test]
async fn explain_loops_do_not_reveal_private_content_character_by_character() {
    let v = victim().await;
    // The first bisection step: is there hidden content between 'PLAN:t' and 'PLAN:u'?
    assert_blind(
        &v.sql,
        "content",
        "EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1 FROM {rel} WHERE content >= {value} AND content < {value} || 'z'",
        "PLAN:t",
        "PLAN:q",
    )
    .await;
}

#[tokio::test]
async fn statistics_counters_do_not_move_with_hidden_matches() {
    let v = victim().await;
    let counters = "SELECT count(*) FROM {rel} WHERE content >= {value} AND content < {value} || 'z'; \
         SELECT coalesce(json_agg(t ORDER BY t.relid), '[]') FROM (SELECT relid, seq_scan, seq_tup_read, \
                idx_scan, idx_tup_fetch, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_all_tables) t; \
         SELECT coalesce(json_agg(f ORDER BY f.funcid), '[]') FROM (SELECT funcid, calls FROM pg_stat_xact_user_functions) f";
    assert_blind(
        &v.sql,
        "content",
        &format!("BEGIN; {counters}; ROLLBACK"),
        "PLAN:t",
        "PLAN:q",
    )
    .await;
}

#[tokio::test]
async fn rows_removed_by_filter_do_not_count_hidden_invitations_logs_links_or_resources() {
    let v = victim().await;
    let nobody = v.app.user("nobody_special").await;
    // Someone whose every thing is private: that they have any must not show.
    let secretive = v.app.user("secretive").await;
    create_session(&v.app, &secretive, json!({ "track": "Spa" })).await;
    create_plan(
        &v.app,
        &secretive,
        json!({ "title": "t", "filename": "f", "content": "PLAN:x" }),
    )
    .await;
    let explain = "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM {rel} WHERE {column} = {value}";
    for (column, busy, idle) in [
        ("grantee_id", v.guest.id.to_string(), nobody.id.to_string()),
        ("owner_id", secretive.id.to_string(), nobody.id.to_string()),
        ("user_id", secretive.id.to_string(), nobody.id.to_string()),
        (
            "resource_id",
            v.private_plan.clone(),
            uuid::Uuid::new_v4().to_string(),
        ),
        (
            "resource_id",
            v.private_session.clone(),
            uuid::Uuid::new_v4().to_string(),
        ),
    ] {
        assert_blind(
            &v.sql,
            column,
            &explain.replace("{column}", column),
            &busy,
            &idle,
        )
        .await;
    }
}

#[tokio::test]
async fn planner_estimates_do_not_tell_a_privately_used_track_from_an_unused_one() {
    let v = victim().await;
    assert_blind(
        &v.sql,
        "track",
        "EXPLAIN (FORMAT JSON) SELECT * FROM {rel} WHERE track = {value}",
        "Secret Ring",
        "Nowhere Ring",
    )
    .await;
}

#[tokio::test]
async fn table_totals_and_sizes_do_not_change_when_private_rows_are_added() {
    let v = victim().await;
    let probes = [
        "SELECT c.oid::regclass::text, c.reltuples, c.relpages FROM pg_class c \
          JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1",
        "SELECT relid::regclass::text, n_live_tup, n_tup_ins FROM pg_stat_all_tables \
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1",
        "SELECT c.oid::regclass::text, pg_total_relation_size(c.oid) FROM pg_class c \
          JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind = 'r' ORDER BY 1",
        "SELECT pg_database_size(current_database())",
    ];
    let mut before = Vec::new();
    for probe in probes {
        before.push(observe(&v.sql, probe).await);
    }
    for n in 0..40 {
        create_session(
            &v.app,
            &v.owner,
            json!({ "track": "Secret Ring", "title": format!("lap {n}"), "laps": [90000 + n] }),
        )
        .await;
    }
    v.app.admin().await.batch_execute("ANALYZE").await.unwrap();
    for (probe, seen) in probes.iter().zip(before) {
        assert_eq!(
            observe(&v.sql, probe).await,
            seen,
            "private rows moved what the analyst sees:\n{probe}"
        );
    }
}

#[tokio::test]
async fn fake_accounts_cannot_make_an_aggregate_reveal_someone_elses_private_session() {
    let app = spawn_app().await;
    let sql = analyst(&app, None).await;
    // Four throwaway accounts each record a private session on a guessed track name.
    for n in 0..4 {
        let fake = app.user(&format!("sybil_{n}")).await;
        create_session(&app, &fake, json!({ "track": "Guessed Ring" })).await;
    }
    let probe = |relation: &str| {
        format!("SELECT * FROM {relation} WHERE track = 'Guessed Ring' ORDER BY 1")
    };
    let relations = reachable_with(&sql, "track").await;
    assert!(!relations.is_empty());
    let mut without = Vec::new();
    for relation in &relations {
        without.push(observe(&sql, &probe(relation)).await);
    }
    // Whether a fifth person also has a private session there must not show.
    let victim = app.user("quiet_driver").await;
    create_session(&app, &victim, json!({ "track": "Guessed Ring" })).await;
    for (relation, seen) in relations.iter().zip(without) {
        assert_eq!(
            observe(&sql, &probe(relation)).await,
            seen,
            "{relation} reveals the victim's private session"
        );
    }
}

#[tokio::test]
async fn analysts_cannot_take_the_migration_lock_or_any_advisory_lock() {
    let app = spawn_app().await;
    let sql = analyst(&app, None).await;
    for statement in [
        "SELECT pg_advisory_lock(7522529147838689143)",
        "SELECT pg_try_advisory_lock(1)",
        "SELECT pg_advisory_xact_lock_shared(1, 2)",
    ] {
        let error = sql.simple_query(statement).await.unwrap_err();
        assert_eq!(
            error.code().map(|c| c.code()),
            Some("42501"),
            "{statement}: {error}"
        );
    }
}
