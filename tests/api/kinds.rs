//! An app's kinds, declared in one SQL file with no Rust (docs/KINDS.md): migrated into a
//! running service, they are served at once; mistakes in them fail the migration, not a
//! request; and nothing in the core knows any kind by name.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    APP_KINDS_DIR, hedgerow_cli, spawn_app, spawn_app_with_app_kinds, test_server,
};

#[tokio::test]
async fn a_running_server_serves_an_apps_kinds_as_soon_as_a_migration_adds_them() {
    let app = spawn_app().await;
    let cook = app.user("cook").await;
    let before = app
        .post(
            "/api/cookbooks",
            Some(&cook.token),
            json!({ "title": "Soups" }),
        )
        .await;
    assert_eq!(before.status, StatusCode::NOT_FOUND);

    let migrated = hedgerow_cli(&app.database, &["migrate", "--kinds-dir", APP_KINDS_DIR]);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    // The migration's NOTIFY reloads the routes: no restart.
    let deadline = Instant::now() + Duration::from_secs(10);
    let created = loop {
        let reply = app
            .post(
                "/api/cookbooks",
                Some(&cook.token),
                json!({ "title": "Soups" }),
            )
            .await;
        if reply.status != StatusCode::NOT_FOUND || Instant::now() > deadline {
            break reply;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["data"]["visibility"], "private");
    let id = created.body["data"]["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/cookbooks/{id}"), None).await.status,
        StatusCode::NOT_FOUND,
        "a private cookbook is private from the first request on"
    );
}

#[tokio::test]
async fn an_apps_kinds_are_in_the_openapi_document_with_their_schemas() {
    let app = spawn_app_with_app_kinds().await;
    let document = app.get("/openapi.json", None).await.body;
    for (path, method) in [
        ("/api/cookbooks", "post"),
        ("/api/cookbooks", "get"),
        ("/api/cookbooks/{id}", "get"),
        ("/api/cookbooks/{id}/privacy", "put"),
        ("/api/cookbooks/{id}/shares", "post"),
        ("/api/cookbooks/{id}/access", "post"),
        ("/api/cookbooks/{id}/access-logs", "get"),
        ("/api/cookbooks/{id}/recipes", "get"),
        ("/api/cookbooks/{id}/recipes", "post"),
        ("/api/public/cookbooks", "get"),
        ("/api/recipes/{id}", "delete"),
    ] {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is missing from /openapi.json"
        );
    }
    let body = document["paths"]["/api/cookbooks"]["post"].to_string();
    assert!(
        body.contains("\"title\""),
        "the request body's schema: {body}"
    );
}

/// Migrates a fresh database with `files` as the app's kinds; the error, if it fails.
fn migrate_with_kinds(files: &[(&str, &str)]) -> Option<String> {
    let dir =
        std::env::temp_dir().join(format!("hedgerow-kinds-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, sql) in files {
        std::fs::write(dir.join(name), sql).unwrap();
    }
    let database = tokio::runtime::Handle::current().block_on(test_server().fresh_database());
    let output = hedgerow_cli(
        &database,
        &["migrate", "--kinds-dir", dir.to_str().unwrap()],
    );
    std::fs::remove_dir_all(&dir).unwrap();
    (!output.status.success()).then(|| String::from_utf8_lossy(&output.stderr).into_owned())
}

const TABLE: &str = "CREATE TABLE IF NOT EXISTS data.notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), body text NOT NULL);
SELECT hedgerow.add_privacy_columns('data.notes');
CREATE FUNCTION hedgerow.note_json(n data.notes, owner data.profiles) RETURNS json LANGUAGE sql STABLE
AS $$ SELECT json_build_object('id', n.id, 'body', n.body) $$;
CREATE FUNCTION hedgerow.note_html(n data.notes) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT hedgerow.html_escape(n.body) $$;
";

fn register(item_builder: &str) -> String {
    format!(
        "SELECT hedgerow.register_kind(kind => 'note', plural => 'notes', table_name => 'data.notes',
           item_builder => '{item_builder}', page_builder => 'hedgerow.note_html(data.notes)',
           item_schema => '{{}}', list_order => 'created_at', default_visibility => 'private');"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kind_with_a_missing_builder_or_a_route_to_nothing_fails_the_migration() {
    let good = format!(
        "{TABLE}{}",
        register("hedgerow.note_json(data.notes, data.profiles)")
    );
    let fine = tokio::task::block_in_place(|| migrate_with_kinds(&[("notes.sql", &good)]));
    assert_eq!(fine, None, "the well-formed kind migrates");

    let misspelled = format!(
        "{TABLE}{}",
        register("hedgerow.notes_json(data.notes, data.profiles)")
    );
    let wrong_type = format!(
        "{TABLE}CREATE FUNCTION hedgerow.note_text(n data.notes, owner data.profiles) RETURNS text LANGUAGE sql STABLE AS $$ SELECT n.body $$;
         {}",
        register("hedgerow.note_text(data.notes, data.profiles)")
    );
    let no_function = format!(
        "{good}SELECT hedgerow.route('POST', '/api/notes', 'api.create_note(jsonb)', 'Write a note');"
    );
    let bad_params = format!(
        "{good}CREATE FUNCTION api.pin_note(args jsonb) RETURNS json LANGUAGE sql AS $$ SELECT NULL::json $$;
         SELECT hedgerow.route('POST', '/api/notes/{{id}}/pin', 'api.pin_note(jsonb)', 'Pin a note');"
    );
    for (file, expected) in [
        (misspelled, "hedgerow.notes_json(data.notes, data.profiles)"),
        (wrong_type, "item_builder"),
        (no_function, "api.create_note(jsonb)"),
        (bad_params, "params must describe exactly {id}"),
    ] {
        let error = tokio::task::block_in_place(|| migrate_with_kinds(&[("notes.sql", &file)]))
            .expect("the migration failed");
        assert!(
            error.contains("notes.sql"),
            "the error names the file: {error}"
        );
        assert!(
            error.contains(expected),
            "expected {expected:?} in: {error}"
        );
    }
}

#[test]
fn nothing_in_the_core_names_a_kind() {
    let root = env!("CARGO_MANIFEST_DIR");
    let kinds = [
        "session", "sessions", "shelf", "shelves", "book", "books", "plan", "plans",
    ];
    let mut core: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["sql/functions", "policies", "sql"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "sql") {
                core.push(path);
            }
        }
    }
    for path in &core {
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("--")) {
            for kind in kinds {
                for named in [
                    format!("'{kind}'"),
                    format!("data.{kind}"),
                    format!("/api/{kind}"),
                ] {
                    assert!(
                        !line.contains(&named),
                        "{} names a kind ({named}): {line}",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(core.len() > 15, "{} core files", core.len());
}
