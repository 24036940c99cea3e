//! The verbs every kind shares — privacy, share links, invitations, access logs — on sessions,
//! shelves and books as on plans; and grants on a shelf reaching its books.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;
use crate::plans::create_plan;
use crate::sessions::create_session;
use crate::shelves::{add_book, create_shelf, isbn};

#[tokio::test]
async fn every_kind_answers_the_shared_verbs() {
    let app = spawn_app().await;
    let owner = app.user("verbs_owner").await;
    let guest = app.user("verbs_guest").await;
    let shelf = create_shelf(
        &app,
        &owner,
        json!({ "name": "Verbs", "privacy_level": "private" }),
    )
    .await;
    let resources = [
        (
            "sessions",
            create_session(&app, &owner, json!({ "track": "Spa" })).await,
        ),
        ("shelves", shelf.clone()),
        (
            "books",
            add_book(
                &app,
                &owner,
                &shelf,
                json!({ "isbn13": isbn(300), "privacy_override": "private" }),
            )
            .await,
        ),
        (
            "plans",
            create_plan(
                &app,
                &owner,
                json!({ "title": "t", "filename": "f", "content": "c" }),
            )
            .await,
        ),
    ];
    for (kind, id) in &resources {
        let base = format!("/api/{kind}/{id}");
        assert_eq!(
            app.get(&base, Some(&guest.token)).await.status,
            StatusCode::NOT_FOUND,
            "{kind}"
        );

        let granted = app
            .post(
                &format!("{base}/access"),
                Some(&owner.token),
                json!({ "username": "verbs_guest" }),
            )
            .await;
        assert_eq!(
            granted.status,
            StatusCode::CREATED,
            "{kind}: {:?}",
            granted.body
        );
        assert_eq!(
            app.get(&base, Some(&guest.token)).await.status,
            StatusCode::OK,
            "{kind} after the grant"
        );
        app.request(
            Method::DELETE,
            &format!("{base}/access/{}", guest.id),
            Some(&owner.token),
            None,
        )
        .await;
        assert_eq!(
            app.get(&base, Some(&guest.token)).await.status,
            StatusCode::NOT_FOUND,
            "{kind} after revoking"
        );

        let link = app
            .post(&format!("{base}/shares"), Some(&owner.token), json!({}))
            .await;
        let token = link.body["data"]["token"].as_str().unwrap();
        assert_eq!(
            app.get(&format!("{base}?token={token}"), None).await.status,
            StatusCode::OK,
            "{kind} by link"
        );
        assert_eq!(
            app.get(&format!("/api/shared/{token}"), None).await.body["data"]["kind"],
            kind.trim_end_matches('s').replace("shelve", "shelf")
        );
        let disabled = app
            .request(
                Method::PUT,
                &format!("{base}/privacy"),
                Some(&owner.token),
                Some(json!({ "share_link_enabled": false })),
            )
            .await;
        assert_eq!(
            disabled.status,
            StatusCode::OK,
            "{kind}: {:?}",
            disabled.body
        );
        assert_eq!(
            app.get(&format!("{base}?token={token}"), None).await.status,
            StatusCode::NOT_FOUND,
            "{kind} disabled"
        );

        let logs = app
            .get(&format!("{base}/access-logs"), Some(&owner.token))
            .await;
        assert_eq!(logs.status, StatusCode::OK, "{kind}");
        assert!(
            logs.body["pagination"]["total"].as_u64().unwrap() >= 2,
            "{kind}: {:?}",
            logs.body
        );
        assert_eq!(
            app.get(&format!("{base}/access-logs"), Some(&guest.token))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{kind}"
        );
    }
    assert_eq!(
        app.get("/api/widgets/1/shares", Some(&owner.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_grant_on_a_shelf_reaches_its_books_except_those_overridden_to_private() {
    let app = spawn_app().await;
    let owner = app.user("shelf_granter").await;
    let guest = app.user("shelf_guest").await;
    let shelf = create_shelf(
        &app,
        &owner,
        json!({ "name": "Family", "privacy_level": "private" }),
    )
    .await;
    let inheriting = add_book(&app, &owner, &shelf, json!({ "isbn13": isbn(301) })).await;
    let private = add_book(
        &app,
        &owner,
        &shelf,
        json!({ "isbn13": isbn(302), "privacy_override": "private" }),
    )
    .await;
    app.post(
        &format!("/api/shelves/{shelf}/access"),
        Some(&owner.token),
        json!({ "username": "shelf_guest" }),
    )
    .await;

    let page = app
        .get(&format!("/api/shelves/{shelf}"), Some(&guest.token))
        .await;
    let listed: Vec<&str> = page.body["data"]["books"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![inheriting.as_str()]);
    assert_eq!(
        app.get(&format!("/api/books/{inheriting}"), Some(&guest.token))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/api/books/{private}"), Some(&guest.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let logged: String = app
        .admin()
        .await
        .query_one(
            "SELECT accessed_via::text FROM data.access_log WHERE resource_id = $1::text::uuid",
            &[&inheriting],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(logged, "invited");
    let shared = app.get("/api/shared-with-me", Some(&guest.token)).await;
    assert_eq!(shared.body["data"][0]["kind"], "shelf");
}
