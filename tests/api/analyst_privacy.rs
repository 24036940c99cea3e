//! The same privacy rules over direct SQL, as an analyst logged in over TCP: a plain SELECT
//! shows public things (and the mapped user's own), never private or unlisted ones or tokens;
//! made-up settings grant nothing; knowing an id or a token works exactly as the link does.

use serde_json::json;
use tokio_postgres::error::SqlState;

use crate::helpers::{TestApp, TestUser, analyst, spawn_app, text_column};
use crate::sessions::create_session;

struct World {
    app: TestApp,
    owner: TestUser,
    public: String,
    unlisted: String,
    private: String,
    token: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let owner = app.user("data_owner").await;
    let public = create_session(&app, &owner, json!({ "track": "Spa", "is_public": true })).await;
    let unlisted = create_session(
        &app,
        &owner,
        json!({ "track": "Spa", "visibility": "unlisted" }),
    )
    .await;
    let private = create_session(&app, &owner, json!({ "track": "Spa" })).await;
    let link = app
        .post(
            &format!("/api/sessions/{private}/share"),
            Some(&owner.token),
            json!({}),
        )
        .await;
    let token = link.body["data"]["token"].as_str().unwrap().to_string();
    app.get(&format!("/api/sessions/{private}"), Some(&owner.token))
        .await;
    World {
        app,
        owner,
        public,
        unlisted,
        private,
        token,
    }
}

async fn session_ids(client: &tokio_postgres::Client) -> Vec<String> {
    ids_of(client, "SELECT id::text FROM analytics.sessions").await
}

/// The mapped user's own things, as `analytics.my_resources` lists them.
async fn own_ids(client: &tokio_postgres::Client) -> Vec<String> {
    ids_of(client, "SELECT id::text FROM analytics.my_resources").await
}

async fn ids_of(client: &tokio_postgres::Client, query: &str) -> Vec<String> {
    let mut ids: Vec<String> = text_column(client, query).await;
    ids.sort();
    ids
}

#[tokio::test]
async fn an_unmapped_analyst_sees_only_public_sessions_everywhere() {
    let w = world().await;
    let analyst = analyst(&w.app, None).await;
    assert_eq!(session_ids(&analyst).await, vec![w.public.clone()]);
    assert_eq!(
        own_ids(&analyst).await,
        Vec::<String>::new(),
        "nobody's own"
    );
    let resources: i64 = analyst
        .query_one("SELECT count(*) FROM analytics.resources", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(resources, 1, "counts include only what the analyst may see");
    let logs: i64 = analyst
        .query_one("SELECT count(*) FROM analytics.access_log", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        logs, 0,
        "another owner's access log is not an analyst's to read"
    );
    let links: i64 = analyst
        .query_one("SELECT count(*) FROM analytics.share_links", &[])
        .await
        .unwrap_or_else(|_| panic!())
        .get(0);
    assert_eq!(links, 0);
}

#[tokio::test]
async fn share_tokens_are_unreadable_to_analysts_even_their_own() {
    let w = world().await;
    let analyst = analyst(&w.app, Some(w.owner.id)).await;
    for query in [
        "SELECT token FROM data.share_links",
        "SELECT * FROM data.share_links",
        "SELECT token_hash FROM data.share_links",
    ] {
        let error = analyst.query(query, &[]).await.unwrap_err();
        assert_eq!(
            error.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{query}"
        );
    }
    let own: i64 = analyst
        .query_one("SELECT count(*) FROM analytics.share_links", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        own, 1,
        "the mapped owner's link is visible, only its token is not"
    );
    let columns: Vec<String> = text_column(
        &analyst,
        "SELECT column_name::text FROM information_schema.columns \
          WHERE table_schema = 'analytics' AND table_name = 'share_links'",
    )
    .await;
    assert!(columns.contains(&"resource_id".to_string()), "{columns:?}");
    assert!(
        !columns.iter().any(|c| c.starts_with("token")),
        "{columns:?}"
    );
}

#[tokio::test]
async fn a_mapped_analyst_sees_what_their_user_sees() {
    let w = world().await;
    let analyst = analyst(&w.app, Some(w.owner.id)).await;
    let mut all = vec![w.public.clone(), w.unlisted.clone(), w.private.clone()];
    all.sort();
    assert_eq!(session_ids(&analyst).await, all);
    assert_eq!(
        own_ids(&analyst).await,
        all,
        "their own things, private ones too"
    );
    let logs: i64 = analyst
        .query_one("SELECT count(*) FROM analytics.access_log", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(logs, 1);

    let stranger = w.app.user("stranger").await;
    let other_analyst = crate::helpers::analyst(&w.app, Some(stranger.id)).await;
    assert_eq!(session_ids(&other_analyst).await, vec![w.public.clone()]);
    assert_eq!(
        own_ids(&other_analyst).await,
        Vec::<String>::new(),
        "another user's things, public ones included, are not theirs"
    );
    let their_logs: i64 = other_analyst
        .query_one("SELECT count(*) FROM analytics.access_log", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        their_logs, 0,
        "the owner's access log is not the stranger's"
    );
}

#[tokio::test]
async fn made_up_claims_tokens_and_ids_grant_an_analyst_nothing() {
    let w = world().await;
    let analyst = analyst(&w.app, None).await;
    let claims = json!({ "sub": w.owner.id, "role": "hedgerow_user" }).to_string();
    analyst
        .execute(
            "SELECT set_config('request.jwt.claims', $1, false), set_config('request.user_id', $2, false)",
            &[&claims, &w.owner.id.to_string()],
        )
        .await
        .unwrap();
    analyst
        .execute(
            "SELECT set_config('request.share_token', 'made-up-token', false)",
            &[],
        )
        .await
        .unwrap();
    analyst
        .execute("SELECT set_config('role', 'hedgerow_user', false)", &[])
        .await
        .unwrap_err();
    assert_eq!(session_ids(&analyst).await, vec![w.public.clone()]);

    // Addressing a private session by id is not holding a link to it.
    analyst
        .execute(
            "SELECT set_config('request.resource_id', $1, false)",
            &[&w.private],
        )
        .await
        .unwrap();
    assert_eq!(session_ids(&analyst).await, vec![w.public.clone()]);
}

#[tokio::test]
async fn an_analyst_who_holds_the_link_or_the_unlisted_id_sees_that_one_thing() {
    let w = world().await;
    let analyst = analyst(&w.app, None).await;
    analyst
        .execute(
            "SELECT set_config('request.resource_id', $1, false)",
            &[&w.unlisted],
        )
        .await
        .unwrap();
    let mut expected = vec![w.public.clone(), w.unlisted.clone()];
    expected.sort();
    assert_eq!(session_ids(&analyst).await, expected);

    analyst
        .execute("SELECT set_config('request.resource_id', '', false)", &[])
        .await
        .unwrap();
    analyst
        .execute(
            "SELECT set_config('request.share_token', $1, false)",
            &[&w.token],
        )
        .await
        .unwrap();
    let mut expected = vec![w.public.clone(), w.private.clone()];
    expected.sort();
    assert_eq!(session_ids(&analyst).await, expected);
    // Even holding it, the token column stays closed.
    assert!(
        analyst
            .query("SELECT token FROM data.share_links", &[])
            .await
            .is_err()
    );
}

#[tokio::test]
async fn analysts_cannot_write_sessions_links_grants_or_logs() {
    let w = world().await;
    let analyst = analyst(&w.app, Some(w.owner.id)).await;
    for statement in [
        format!(
            "UPDATE data.sessions SET visibility = 'public' WHERE id = '{}'",
            w.private
        ),
        format!("DELETE FROM data.sessions WHERE id = '{}'", w.private),
        format!("DELETE FROM analytics.sessions WHERE id = '{}'", w.private),
        format!(
            "UPDATE data.sessions SET title = 'x' WHERE id = '{}'",
            w.public
        ),
        "UPDATE data.share_links SET revoked_at = now()".to_string(),
        "DELETE FROM data.access_log".to_string(),
        "UPDATE data.access_log SET viewer_id = NULL".to_string(),
        format!(
            "INSERT INTO data.grants (resource_id, grantee_id, owner_id, granted_by) VALUES ('{0}', '{1}', '{1}', '{1}')",
            w.private, w.owner.id
        ),
        "TRUNCATE data.access_log".to_string(),
    ] {
        let error = analyst.batch_execute(&statement).await.unwrap_err();
        assert!(
            [
                &SqlState::INSUFFICIENT_PRIVILEGE,
                &SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE
            ]
            .contains(&error.code().unwrap()),
            "{statement}: {error}"
        );
    }
    let error = analyst
        .query("SELECT api.create_session('{\"track\": \"Spa\"}')", &[])
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE));
}

#[tokio::test]
async fn the_access_log_is_append_only_even_for_the_owner() {
    let w = world().await;
    let admin = w.app.admin().await;
    let claims = json!({ "sub": w.owner.id }).to_string();
    for statement in [
        "UPDATE data.access_log SET ip_address = NULL",
        "DELETE FROM data.access_log",
    ] {
        let result = admin
            .batch_execute(&format!(
                "BEGIN; SET LOCAL ROLE hedgerow_user; SELECT set_config('request.jwt.claims', '{claims}', true), set_config('request.user_id', '{}', true); {statement}; COMMIT;", w.owner.id
            ))
            .await;
        assert_eq!(
            result.unwrap_err().code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{statement}"
        );
        admin.batch_execute("ROLLBACK").await.unwrap();
    }
    let rows: i64 = admin
        .query_one("SELECT count(*) FROM data.access_log", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}
