//! Leaving: deleting one's account takes everything it owns in one transaction, and an export
//! hands over everything first — each from the side that may and the side that may not.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    APP_KINDS_DIR, TestApp, TestUser, analyst, hedgerow_cli, spawn_app_with_app_kinds, text_column,
};
use crate::plans::create_plan;
use crate::sessions::create_session;

/// What Ada owns and has done, before she leaves.
struct Ada {
    user: TestUser,
    session: String,
    shelf: String,
    plan: String,
    /// An app kind's (tests/fixtures/kinds): the core knows nothing of it but its declaration.
    cookbook: String,
    link_token: String,
}

/// Ada owns a public session, a public shelf with a book, a public cookbook with a recipe, and a
/// private plan with a share link;
/// she invited Bo to the plan, Bo invited her to his private session, and each read the other's
/// things. Also, someone opened her link without an account.
async fn ada_and_bo(app: &TestApp) -> (Ada, TestUser, String) {
    let ada = app.user("ada_leaves").await;
    let bo = app.user("bo_stays").await;
    let patched = app
        .patch(
            "/api/auth/profile",
            Some(&ada.token),
            json!({ "email": "ada@example.com" }),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    let session = create_session(
        app,
        &ada,
        json!({ "track": "Spa", "laps": [120000], "visibility": "public" }),
    )
    .await;
    let shelf = app
        .post(
            "/api/shelves",
            Some(&ada.token),
            json!({ "name": "Ada's shelf", "visibility": "public" }),
        )
        .await;
    assert_eq!(shelf.status, StatusCode::CREATED, "{:?}", shelf.body);
    let shelf = shelf.body["data"]["id"].as_str().unwrap().to_string();
    let book = app
        .post(
            &format!("/api/shelves/{shelf}/books"),
            Some(&ada.token),
            json!({ "isbn13": crate::shelves::isbn(1) }),
        )
        .await;
    assert_eq!(book.status, StatusCode::CREATED, "{:?}", book.body);
    let plan = create_plan(
        app,
        &ada,
        json!({ "title": "Secret plan", "filename": "p.md", "content": "x" }),
    )
    .await;
    let cookbook = app
        .post(
            "/api/cookbooks",
            Some(&ada.token),
            json!({ "title": "Ada's recipes", "visibility": "public" }),
        )
        .await;
    assert_eq!(cookbook.status, StatusCode::CREATED, "{:?}", cookbook.body);
    let cookbook = cookbook.body["data"]["id"].as_str().unwrap().to_string();
    let recipe = app
        .post(
            &format!("/api/cookbooks/{cookbook}/recipes"),
            Some(&ada.token),
            json!({ "name": "Soup" }),
        )
        .await;
    assert_eq!(recipe.status, StatusCode::CREATED, "{:?}", recipe.body);
    let link = app
        .post(
            &format!("/api/plans/{plan}/shares"),
            Some(&ada.token),
            json!({}),
        )
        .await;
    assert_eq!(link.status, StatusCode::CREATED, "{:?}", link.body);
    let link_token = link.body["data"]["token"].as_str().unwrap().to_string();
    let invited = app
        .post(
            &format!("/api/plans/{plan}/access"),
            Some(&ada.token),
            json!({ "username": "bo_stays" }),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);

    let bos_session = create_session(app, &bo, json!({ "track": "Monza" })).await;
    let invited = app
        .post(
            &format!("/api/sessions/{bos_session}/access"),
            Some(&bo.token),
            json!({ "username": "ada_leaves" }),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    let read = app
        .get(&format!("/api/sessions/{bos_session}"), Some(&ada.token))
        .await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    let read = app
        .get(&format!("/api/plans/{plan}"), Some(&bo.token))
        .await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    let read = app.get(&format!("/api/shared/{link_token}"), None).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    (
        Ada {
            user: ada,
            session,
            shelf,
            plan,
            cookbook,
            link_token,
        },
        bo,
        bos_session,
    )
}

async fn delete_account(app: &TestApp, token: Option<&str>, body: Value) -> crate::helpers::Reply {
    app.request(Method::DELETE, "/api/auth/profile", token, Some(body))
        .await
}

#[tokio::test]
async fn deleting_an_account_takes_everything_it_owns_at_once() {
    let app = spawn_app_with_app_kinds().await;
    let (ada, bo, bos_session) = ada_and_bo(&app).await;
    let ada_analyst_id = ada.user.id;
    let mapped = analyst(&app, Some(ada_analyst_id)).await;

    // Refused: without a token, without confirming, or confirming with another name (one
    // that could be a username, or that could not).
    let refused = delete_account(&app, None, json!({ "confirm": "ada_leaves" })).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    for body in [
        json!({}),
        json!({ "confirm": "bo_stays" }),
        json!({ "confirm": "Ada Leaves!" }),
    ] {
        let refused = delete_account(&app, Some(&ada.user.token), body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{:?}",
            refused.body
        );
        assert_eq!(refused.code(), "CONFIRMATION_REQUIRED");
    }
    assert_eq!(
        app.get("/api/users/ada_leaves", None).await.status,
        StatusCode::OK,
        "nothing was deleted by a refused request"
    );

    let deleted = delete_account(
        &app,
        Some(&ada.user.token),
        json!({ "confirm": "ada_leaves" }),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.body);
    assert_eq!(
        deleted.body["data"],
        json!({ "username": "ada_leaves", "deleted": true })
    );

    // Her link stopped at once; her things are gone for everyone, Bo's invitation with them.
    assert_eq!(
        app.get(&format!("/api/shared/{}", ada.link_token), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for path in [
        format!("/api/sessions/{}", ada.session),
        format!("/api/shelves/{}", ada.shelf),
        format!("/api/plans/{}", ada.plan),
        format!("/api/cookbooks/{}", ada.cookbook),
    ] {
        for token in [None, Some(bo.token.as_str()), Some(ada.user.token.as_str())] {
            assert_eq!(
                app.get(&path, token).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
    }
    let shared = app.get("/api/shared-with-me", Some(&bo.token)).await;
    assert_eq!(shared.body["data"], json!([]));
    let feed = app.get("/api/public/sessions", None).await;
    assert_eq!(feed.body["pagination"]["total"], 0);
    let discovery = app.get("/api/shelves/public", None).await;
    assert_eq!(discovery.body["pagination"]["total"], 0);
    assert_eq!(
        app.get("/api/users/ada_leaves", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/auth/profile", Some(&ada.user.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Bo keeps the fact of her read of his session, but not who or where she was.
    let log = app
        .get(
            &format!("/api/sessions/{bos_session}/access-logs"),
            Some(&bo.token),
        )
        .await;
    let rows = log.body["data"].as_array().unwrap();
    let invited: Vec<&Value> = rows
        .iter()
        .filter(|r| r["accessed_via"] == "invited")
        .collect();
    assert_eq!(invited.len(), 1, "{rows:?}");
    assert_eq!(invited[0]["user_id"], Value::Null);
    assert_eq!(invited[0]["username"], Value::Null);
    assert_eq!(invited[0]["ip_address"], Value::Null);

    // Not a row anywhere names her, in any table with a user column.
    let admin = app.admin().await;
    let columns = admin
        .query(
            "SELECT format('%I.%I', c.table_schema, c.table_name), c.column_name
               FROM information_schema.columns c JOIN pg_class t ON t.oid = format('%I.%I', c.table_schema, c.table_name)::regclass
              WHERE c.table_schema = 'data' AND c.data_type = 'uuid' AND t.relkind IN ('r', 'p')
                AND NOT t.relispartition",
            &[],
        )
        .await
        .unwrap();
    assert!(columns.len() > 10, "{} uuid columns", columns.len());
    for column in columns {
        let (table, name): (String, String) = (column.get(0), column.get(1));
        let n: i64 = admin
            .query_one(
                &format!("SELECT count(*) FROM {table} WHERE \"{name}\" = $1"),
                &[&ada.user.id],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 0, "{table}.{name} still names her");
    }
    // Counts follow (and every other invariant `hedgerow check` knows); an analyst login
    // mapped to her stays, seeing what anyone sees.
    let check = hedgerow_cli(&app.database, &["check", "--kinds-dir", APP_KINDS_DIR]);
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let me = mapped
        .query_one("SELECT user_id, username FROM me", &[])
        .await
        .expect("the analyst's account row stays");
    assert_eq!(me.get::<_, Option<uuid::Uuid>>(0), None);
    assert_eq!(me.get::<_, Option<String>>(1), None);

    // The same token may start afresh, with nothing of the old account.
    let again = app
        .post(
            "/api/auth/profile",
            Some(&ada.user.token),
            json!({ "username": "ada_again" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
    let own = app.get("/api/sessions", Some(&ada.user.token)).await;
    assert_eq!(own.body["data"], json!([]));
}

#[tokio::test]
async fn the_export_holds_everything_of_the_caller_and_nothing_of_anyone_else() {
    let app = spawn_app_with_app_kinds().await;
    let (ada, bo, bos_session) = ada_and_bo(&app).await;
    // Anonymous visitors read her public things of three kinds.
    for path in [
        format!("/api/sessions/{}", ada.session),
        format!("/api/shelves/{}", ada.shelf),
        format!("/api/cookbooks/{}", ada.cookbook),
    ] {
        assert_eq!(app.get(&path, None).await.status, StatusCode::OK, "{path}");
    }

    let export = app.get("/api/auth/export", Some(&ada.user.token)).await;
    assert_eq!(export.status, StatusCode::OK, "{:?}", export.body);
    assert_eq!(export.header("cache-control"), Some("no-store"));
    let data = &export.body["data"];
    assert_eq!(data["profile"]["username"], "ada_leaves");
    assert_eq!(data["profile"]["email"], "ada@example.com");
    assert!(data["settings"]["defaults"].is_object());
    let ids = |plural: &str| -> Vec<String> {
        data["resources"][plural]
            .as_array()
            .unwrap_or_else(|| panic!("resources.{plural}: {data}"))
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("sessions"), vec![ada.session.clone()]);
    assert_eq!(ids("shelves"), vec![ada.shelf.clone()]);
    assert_eq!(ids("books").len(), 1);
    assert_eq!(ids("plans"), vec![ada.plan.clone()]);
    assert_eq!(ids("cookbooks"), vec![ada.cookbook.clone()]);
    assert_eq!(ids("recipes").len(), 1);
    let links = data["share_links"].as_array().unwrap();
    assert!(
        links.iter().any(|l| l["token"] == ada.link_token.as_str()),
        "{links:?}"
    );
    assert_eq!(data["invitations_given"][0]["username"], "bo_stays");
    assert_eq!(
        data["invitations_received"][0]["resource_id"],
        bos_session.as_str()
    );
    assert_eq!(data["invitations_received"][0]["username"], "bo_stays");
    let log = data["access_log"].as_array().unwrap();
    assert!(
        log.iter()
            .any(|r| r["username"] == "bo_stays" && r["accessed_via"] == "invited"),
        "Bo's read of her plan: {log:?}"
    );
    assert!(log.iter().any(|r| r["accessed_via"] == "share_link"));
    // Every log row about her things, of every kind, and no other.
    let exported: Vec<String> = log
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap().to_string())
        .collect();
    let logged: Vec<String> = text_column(
        &app.admin().await,
        &format!(
            "SELECT resource_id::text FROM data.access_log WHERE owner_id = '{}' \
              ORDER BY accessed_at, id",
            ada.user.id
        ),
    )
    .await;
    assert_eq!(exported, logged);
    for read in [&ada.session, &ada.shelf, &ada.cookbook] {
        assert!(exported.contains(read), "{read} in {exported:?}");
    }
    let reads = data["own_reads"].as_array().unwrap();
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0]["resource_id"], bos_session.as_str());

    // Bo's export has his private session and his read of her plan, never her email, her
    // link or what she did not share with him.
    let theirs = app.get("/api/auth/export", Some(&bo.token)).await;
    assert_eq!(theirs.status, StatusCode::OK);
    let text = theirs.body.to_string();
    assert!(text.contains(&bos_session));
    for secret in [
        ada.link_token.as_str(),
        "ada@example.com",
        &ada.session,
        &ada.shelf,
    ] {
        assert!(!text.contains(secret), "Bo's export holds {secret}");
    }

    assert_eq!(
        app.get("/api/auth/export", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let stranger = app.token_for(uuid::Uuid::new_v4());
    let none = app.get("/api/auth/export", Some(&stranger)).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_eq!(none.code(), "PROFILE_NOT_FOUND");
}
