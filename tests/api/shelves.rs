//! Shelves and books (seed 004's testing strategy), each rule from both sides.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, spawn_app};

/// Valid ISBN-13s (check digits computed), distinct per index.
pub fn isbn(n: u32) -> String {
    let body = format!("978{:09}", n);
    let sum: u32 = body
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

pub async fn create_shelf(app: &TestApp, owner: &TestUser, body: Value) -> String {
    let reply = app.post("/api/shelves", Some(&owner.token), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["data"]["id"].as_str().unwrap().to_string()
}

pub async fn add_book(app: &TestApp, owner: &TestUser, shelf: &str, body: Value) -> String {
    let reply = app
        .post(
            &format!("/api/shelves/{shelf}/books"),
            Some(&owner.token),
            body,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["data"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn shelves_are_public_by_default_or_as_the_owners_settings_say() {
    let app = spawn_app().await;
    let owner = app.user("shelver").await;
    let reply = app
        .post(
            "/api/shelves",
            Some(&owner.token),
            json!({ "name": "Sci-fi" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["data"]["privacy_level"], "public");
    assert_eq!(reply.body["data"]["username"], "shelver");
    assert_eq!(reply.body["data"]["books"], json!([]));
    app.patch(
        "/api/settings",
        Some(&owner.token),
        json!({ "defaults": { "shelf": "unlisted" } }),
    )
    .await;
    let reply = app
        .post(
            "/api/shelves",
            Some(&owner.token),
            json!({ "name": "Drafts" }),
        )
        .await;
    assert_eq!(reply.body["data"]["privacy_level"], "unlisted");
    let reply = app
        .post(
            "/api/shelves",
            Some(&owner.token),
            json!({ "name": "Diary", "privacy_level": "private" }),
        )
        .await;
    assert_eq!(reply.body["data"]["privacy_level"], "private");
    for bad in [
        json!({}),
        json!({ "name": "" }),
        json!({ "name": "x".repeat(101) }),
        json!({ "name": "ok", "privacy_level": "secret" }),
    ] {
        assert_eq!(
            app.post("/api/shelves", Some(&owner.token), bad.clone())
                .await
                .status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    assert_eq!(
        app.post("/api/shelves", None, json!({ "name": "x" }))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn patch_shelf_changes_own_privacy_and_answers_the_seed_shape() {
    let app = spawn_app().await;
    let owner = app.user("patch_shelf").await;
    let shelf = create_shelf(&app, &owner, json!({ "name": "Mine" })).await;
    let reply = app
        .patch(
            &format!("/api/shelves/{shelf}"),
            Some(&owner.token),
            json!({ "privacy_level": "unlisted" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let data = &reply.body["data"];
    assert_eq!(data["privacy_level"], "unlisted");
    for field in ["id", "user_id", "name", "privacy_level", "updated_at"] {
        assert!(!data[field].is_null(), "{field} missing");
    }
    assert_eq!(data["user_id"], owner.id.to_string());
    let renamed = app
        .patch(
            &format!("/api/shelves/{shelf}"),
            Some(&owner.token),
            json!({ "name": "Renamed" }),
        )
        .await;
    assert_eq!(renamed.body["data"]["name"], "Renamed");
    assert_eq!(renamed.body["data"]["privacy_level"], "unlisted");
}

#[tokio::test]
async fn patch_shelf_is_403_for_another_users_visible_shelf_404_for_an_invisible_one_401_without_a_token()
 {
    let app = spawn_app().await;
    let owner = app.user("shelf_owner").await;
    let other = app.user("shelf_other").await;
    let public = create_shelf(&app, &owner, json!({ "name": "Open" })).await;
    let private = create_shelf(
        &app,
        &owner,
        json!({ "name": "Closed", "privacy_level": "private" }),
    )
    .await;
    let body = json!({ "privacy_level": "private" });
    assert_eq!(
        app.patch(
            &format!("/api/shelves/{public}"),
            Some(&other.token),
            body.clone()
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.patch(
            &format!("/api/shelves/{private}"),
            Some(&other.token),
            body.clone()
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.patch(&format!("/api/shelves/{public}"), None, body.clone())
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&format!("/api/shelves/{public}"), None).await.body["data"]["privacy_level"],
        "public"
    );
    assert_eq!(
        app.request(
            Method::DELETE,
            &format!("/api/shelves/{public}"),
            Some(&other.token),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn patch_shelf_with_an_invalid_privacy_level_is_400() {
    let app = spawn_app().await;
    let owner = app.user("invalid_level").await;
    let shelf = create_shelf(&app, &owner, json!({ "name": "Mine" })).await;
    for bad in [
        json!({ "privacy_level": "friends" }),
        json!({ "privacy_level": 1 }),
        json!({ "privacy_level": null }),
        json!({}),
    ] {
        let reply = app
            .patch(
                &format!("/api/shelves/{shelf}"),
                Some(&owner.token),
                bad.clone(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn patch_book_sets_and_removes_an_override_and_reports_effective_privacy() {
    let app = spawn_app().await;
    let owner = app.user("booker").await;
    let shelf = create_shelf(&app, &owner, json!({ "name": "Mine" })).await;
    let book = add_book(
        &app,
        &owner,
        &shelf,
        json!({ "isbn13": isbn(1), "title": "Dune" }),
    )
    .await;
    let path = format!("/api/books/{book}");

    let reply = app
        .patch(
            &path,
            Some(&owner.token),
            json!({ "privacy_override": "private" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["data"]["privacy_override"], "private");
    assert_eq!(reply.body["data"]["effective_privacy"], "private");
    for field in ["id", "isbn13", "updated_at"] {
        assert!(!reply.body["data"][field].is_null(), "{field}");
    }
    assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);

    let reply = app
        .patch(
            &path,
            Some(&owner.token),
            json!({ "privacy_override": null }),
        )
        .await;
    assert_eq!(reply.body["data"]["privacy_override"], json!(null));
    assert_eq!(reply.body["data"]["effective_privacy"], "public");
    assert_eq!(app.get(&path, None).await.status, StatusCode::OK);

    for bad in [
        json!({ "privacy_override": "hidden" }),
        json!({ "privacy_override": true }),
        json!({}),
    ] {
        assert_eq!(
            app.patch(&path, Some(&owner.token), bad.clone())
                .await
                .status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let other = app.user("book_other").await;
    assert_eq!(
        app.patch(
            &path,
            Some(&other.token),
            json!({ "privacy_override": "private" })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn changing_a_shelfs_level_moves_inheriting_books_at_once_and_never_overriding_ones() {
    let app = spawn_app().await;
    let owner = app.user("inheritor").await;
    let shelf = create_shelf(&app, &owner, json!({ "name": "Mixed" })).await;
    let inheriting = add_book(&app, &owner, &shelf, json!({ "isbn13": isbn(2) })).await;
    let pinned = add_book(
        &app,
        &owner,
        &shelf,
        json!({ "isbn13": isbn(3), "privacy_override": "public" }),
    )
    .await;
    app.patch(
        &format!("/api/shelves/{shelf}"),
        Some(&owner.token),
        json!({ "privacy_level": "private" }),
    )
    .await;
    assert_eq!(
        app.get(&format!("/api/books/{inheriting}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let pinned_reply = app.get(&format!("/api/books/{pinned}"), None).await;
    assert_eq!(pinned_reply.status, StatusCode::OK);
    assert_eq!(pinned_reply.body["data"]["effective_privacy"], "public");
    let own = app
        .get(&format!("/api/books/{inheriting}"), Some(&owner.token))
        .await;
    assert_eq!(own.body["data"]["effective_privacy"], "private");
}

#[tokio::test]
async fn books_need_a_valid_isbn13_and_the_shelf_owners_hand() {
    let app = spawn_app().await;
    let owner = app.user("isbn_owner").await;
    let other = app.user("isbn_other").await;
    let shelf = create_shelf(&app, &owner, json!({ "name": "Mine" })).await;
    for bad in [
        "9780306406158",
        "978030640615",
        "1234567890123",
        "97803064061577",
        "abc",
        "",
    ] {
        let reply = app
            .post(
                &format!("/api/shelves/{shelf}/books"),
                Some(&owner.token),
                json!({ "isbn13": bad }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(reply.code(), "INVALID_ISBN", "{bad}");
    }
    let hyphenated = app
        .post(
            &format!("/api/shelves/{shelf}/books"),
            Some(&owner.token),
            json!({ "isbn13": "978-0-306-40615-7" }),
        )
        .await;
    assert_eq!(hyphenated.status, StatusCode::CREATED);
    assert_eq!(hyphenated.body["data"]["isbn13"], "9780306406157");
    let reply = app
        .post(
            &format!("/api/shelves/{shelf}/books"),
            Some(&other.token),
            json!({ "isbn13": isbn(4) }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_owners_default_book_override_applies_to_new_books() {
    let app = spawn_app().await;
    let owner = app.user("cautious").await;
    app.patch(
        "/api/settings",
        Some(&owner.token),
        json!({ "defaults": { "book": "private" } }),
    )
    .await;
    let shelf = create_shelf(&app, &owner, json!({ "name": "Public shelf" })).await;
    let defaulted = app
        .post(
            &format!("/api/shelves/{shelf}/books"),
            Some(&owner.token),
            json!({ "isbn13": isbn(5) }),
        )
        .await;
    assert_eq!(defaulted.body["data"]["privacy_override"], "private");
    let explicit = app
        .post(
            &format!("/api/shelves/{shelf}/books"),
            Some(&owner.token),
            json!({ "isbn13": isbn(6), "privacy_override": null }),
        )
        .await;
    assert_eq!(explicit.body["data"]["privacy_override"], json!(null));
    assert_eq!(explicit.body["data"]["effective_privacy"], "public");
    let settings = app
        .patch(
            "/api/settings",
            Some(&owner.token),
            json!({ "defaults": { "book": null } }),
        )
        .await;
    assert_eq!(settings.body["data"]["defaults"]["book"], json!(null));
}

#[tokio::test]
async fn discovery_lists_only_public_shelves_newest_first_with_public_book_counts() {
    let app = spawn_app().await;
    let alice = app.user("alice_shelves").await;
    let bob = app.user("bob_shelves").await;
    let first = create_shelf(&app, &alice, json!({ "name": "Classics" })).await;
    add_book(&app, &alice, &first, json!({ "isbn13": isbn(10) })).await;
    add_book(
        &app,
        &alice,
        &first,
        json!({ "isbn13": isbn(11), "privacy_override": "private" }),
    )
    .await;
    add_book(
        &app,
        &alice,
        &first,
        json!({ "isbn13": isbn(12), "privacy_override": "unlisted" }),
    )
    .await;
    let second = create_shelf(&app, &bob, json!({ "name": "Poetry" })).await;
    create_shelf(
        &app,
        &bob,
        json!({ "name": "Hidden", "privacy_level": "unlisted" }),
    )
    .await;
    create_shelf(
        &app,
        &alice,
        json!({ "name": "Secret", "privacy_level": "private" }),
    )
    .await;

    for token in [None, Some(alice.token.as_str()), Some(bob.token.as_str())] {
        let reply = app.get("/api/shelves/public", token).await;
        assert_eq!(reply.status, StatusCode::OK);
        let items = reply.body["data"].as_array().unwrap();
        let ids: Vec<&str> = items.iter().map(|s| s["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec![second.as_str(), first.as_str()]);
        assert_eq!(
            items[1]["book_count"], 1,
            "only public books count, whoever asks"
        );
        assert_eq!(items[1]["username"], "alice_shelves");
        assert_eq!(items[1]["user_id"], alice.id.to_string());
        assert_eq!(items[1]["privacy_level"], "public");
        assert_eq!(
            reply.body["pagination"],
            json!({ "total": 2, "limit": 20, "offset": 0, "has_more": false,
                    "next_cursor": null, "total_capped": false })
        );
    }
}

#[tokio::test]
async fn discovery_paginates_and_refuses_bad_paging() {
    let app = spawn_app().await;
    let owner = app.user("many_shelves").await;
    for n in 0..5 {
        create_shelf(&app, &owner, json!({ "name": format!("Shelf {n}") })).await;
    }
    let page = app.get("/api/shelves/public?limit=2&offset=2", None).await;
    let names: Vec<&str> = page.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Shelf 2", "Shelf 1"]);
    let pagination = &page.body["pagination"];
    assert_eq!(
        (
            &pagination["total"],
            &pagination["limit"],
            &pagination["offset"],
            &pagination["has_more"]
        ),
        (&json!(5), &json!(2), &json!(2), &json!(true))
    );
    // The cursor the offset page hands out continues where it ended.
    let cursor = pagination["next_cursor"].as_str().unwrap();
    let next = app
        .get(
            &format!("/api/shelves/public?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(next.body["data"][0]["name"], "Shelf 0");
    assert_eq!(next.body["pagination"]["offset"], 4);
    assert_eq!(next.body["pagination"]["has_more"], false);
    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "offset=-1",
        "offset=1&cursor=x",
    ] {
        assert_eq!(
            app.get(&format!("/api/shelves/public?{query}"), None)
                .await
                .status,
            StatusCode::BAD_REQUEST,
            "{query}"
        );
    }
}

#[tokio::test]
async fn discovery_search_matches_names_case_insensitively_and_literally() {
    let app = spawn_app().await;
    let owner = app.user("searcher").await;
    create_shelf(&app, &owner, json!({ "name": "Science Fiction" })).await;
    create_shelf(&app, &owner, json!({ "name": "Nonfiction" })).await;
    create_shelf(&app, &owner, json!({ "name": "100% Poetry" })).await;
    create_shelf(
        &app,
        &owner,
        json!({ "name": "Private fiction", "privacy_level": "private" }),
    )
    .await;
    create_shelf(
        &app,
        &owner,
        json!({ "name": "Unlisted fiction", "privacy_level": "unlisted" }),
    )
    .await;
    let names = |reply: &crate::helpers::Reply| {
        let mut names: Vec<String> = reply.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let fiction = app
        .get("/api/shelves/public?search=FICTION", Some(&owner.token))
        .await;
    assert_eq!(names(&fiction), vec!["Nonfiction", "Science Fiction"]);
    assert_eq!(fiction.body["pagination"]["total"], 2);
    let percent = app.get("/api/shelves/public?search=%25", None).await;
    assert_eq!(
        names(&percent),
        vec!["100% Poetry"],
        "% is a character, not a wildcard"
    );
    let too_long = app
        .get(
            &format!("/api/shelves/public?search={}", "a".repeat(101)),
            None,
        )
        .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
}

/// A search matching more than 1,000 shelves counts only that far (total is then a lower bound
/// and says so), still pages newest first to the end, and never counts private matches.
#[tokio::test]
async fn a_search_matching_over_a_thousand_shelves_caps_its_count_and_still_pages() {
    let app = spawn_app().await;
    let owner = app.user("prolific").await;
    insert_shelves(&app, &owner, (1004, "Common shelf"), (6, "Common secret")).await;
    let first = app
        .get("/api/shelves/public?search=common&limit=20", None)
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let pagination = &first.body["pagination"];
    assert_eq!(pagination["total_capped"], true);
    assert!(pagination["total"].as_u64().unwrap() >= 1000);
    assert_eq!(pagination["has_more"], true);
    let items = first.body["data"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    assert!(items.iter().all(|s| s["name"] == "Common shelf"));
    let times: Vec<&str> = items
        .iter()
        .map(|s| s["updated_at"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );

    let last = app
        .get(
            "/api/shelves/public?search=common&limit=20&offset=990",
            None,
        )
        .await;
    assert_eq!(last.body["data"].as_array().unwrap().len(), 14);
    assert_eq!(last.body["pagination"]["has_more"], false);
    assert_eq!(last.body["pagination"]["total"], 1004);

    let secret = app.get("/api/shelves/public?search=secret", None).await;
    assert_eq!(secret.body["pagination"]["total"], 0);
    assert_eq!(secret.body["pagination"]["total_capped"], false);
    assert_eq!(
        app.get("/api/shelves/public", None).await.body["pagination"]["total"],
        1004
    );
}

#[tokio::test]
async fn a_profile_page_lists_public_shelves_and_all_of_them_for_their_owner() {
    let app = spawn_app().await;
    let owner = app.user("profile_shelves").await;
    let other = app.user("visitor").await;
    create_shelf(&app, &owner, json!({ "name": "Public" })).await;
    create_shelf(
        &app,
        &owner,
        json!({ "name": "Unlisted", "privacy_level": "unlisted" }),
    )
    .await;
    create_shelf(
        &app,
        &owner,
        json!({ "name": "Private", "privacy_level": "private" }),
    )
    .await;
    for token in [None, Some(other.token.as_str())] {
        let reply = app.get("/api/users/profile_shelves/shelves", token).await;
        assert_eq!(reply.body["pagination"]["total"], 1);
        assert_eq!(reply.body["data"][0]["name"], "Public");
    }
    let own = app
        .get("/api/users/profile_shelves/shelves", Some(&owner.token))
        .await;
    assert_eq!(own.body["pagination"]["total"], 3);
    assert_eq!(
        app.get("/api/shelves", Some(&owner.token)).await.body["pagination"]["total"],
        3
    );
    assert_eq!(
        app.get("/api/users/nobody_at_all/shelves", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn deleting_a_shelf_takes_its_books() {
    let app = spawn_app().await;
    let owner = app.user("deleter").await;
    let shelf = create_shelf(&app, &owner, json!({ "name": "Gone" })).await;
    let book = add_book(&app, &owner, &shelf, json!({ "isbn13": isbn(20) })).await;
    assert_eq!(
        app.request(
            Method::DELETE,
            &format!("/api/shelves/{shelf}"),
            Some(&owner.token),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/api/books/{book}"), Some(&owner.token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// The ids of a list, walked page by page through `next_cursor` with `limit`.
async fn walk(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next = format!("{path}?limit=2");
    loop {
        let mut request = app.http.get(format!("{}{next}", app.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let page = app.send(request).await;
        assert_eq!(page.status, StatusCode::OK, "{next}: {:?}", page.body);
        ids.extend(
            page.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["id"].as_str().unwrap().to_string()),
        );
        match page.body["pagination"]["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}?limit=2&cursor={cursor}"),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn a_shelfs_books_page_by_cursor_for_whoever_may_see_the_shelf_and_only_its_visible_books() {
    let app = spawn_app().await;
    let owner = app.user("pager_shelf").await;
    let stranger = app.user("pager_stranger").await;
    let shelf = create_shelf(
        &app,
        &owner,
        json!({ "name": "Many", "visibility": "private" }),
    )
    .await;
    let mut inheriting = Vec::new();
    for n in 0..3 {
        inheriting.push(add_book(&app, &owner, &shelf, json!({ "isbn13": isbn(300 + n) })).await);
    }
    let public = add_book(
        &app,
        &owner,
        &shelf,
        json!({ "isbn13": isbn(310), "visibility": "public" }),
    )
    .await;
    let private = add_book(
        &app,
        &owner,
        &shelf,
        json!({ "isbn13": isbn(311), "visibility": "private" }),
    )
    .await;
    let path = format!("/api/shelves/{shelf}/books");
    let mut all = inheriting.clone();
    all.extend([public.clone(), private.clone()]);

    assert_eq!(
        walk(&app, &path, Some(&owner.token), &[]).await,
        all,
        "the owner: every book, oldest first"
    );
    // A private shelf is not found, though one of its books is public on its own.
    for token in [None, Some(stranger.token.as_str())] {
        let reply = app.get(&path, token).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{:?}", reply.body);
    }
    // Whoever holds a link to the shelf sees it, and every book not overridden to private.
    let link = app
        .post(
            &format!("/api/shelves/{shelf}/shares"),
            Some(&owner.token),
            json!({}),
        )
        .await;
    let token = link.body["data"]["token"].as_str().unwrap().to_string();
    let mut linked = inheriting.clone();
    linked.push(public.clone());
    assert_eq!(
        walk(&app, &path, None, &[("x-share-token", &token)]).await,
        linked
    );
    // Unlisted: anyone with the shelf's id, the same books.
    let reply = app
        .request(
            Method::PUT,
            &format!("/api/shelves/{shelf}/privacy"),
            Some(&owner.token),
            Some(json!({ "visibility": "unlisted" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(walk(&app, &path, Some(&stranger.token), &[]).await, linked);
    let page = app.get(&format!("{path}?limit=2"), None).await;
    assert_eq!(
        page.body["pagination"]["total"], 4,
        "the total counts only what the caller may see"
    );

    for bad in ["?cursor=nonsense", "?limit=0", "?limit=101"] {
        let reply = app.get(&format!("{path}{bad}"), Some(&owner.token)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {:?}",
            reply.body
        );
    }
    assert_eq!(
        app.get("/api/shelves/not-a-uuid/books", None).await.status,
        StatusCode::BAD_REQUEST
    );
    let unknown = format!("/api/shelves/{}/books", uuid::Uuid::new_v4());
    assert_eq!(
        app.get(&unknown, Some(&owner.token)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_shelf_embeds_its_first_hundred_books_and_says_when_there_are_more() {
    let app = spawn_app().await;
    let owner = app.user("big_shelf").await;
    let shelf = create_shelf(&app, &owner, json!({ "name": "Big" })).await;
    let mut books = Vec::new();
    for n in 0..101 {
        books.push(add_book(&app, &owner, &shelf, json!({ "isbn13": isbn(1000 + n) })).await);
    }
    let detail = app.get(&format!("/api/shelves/{shelf}"), None).await;
    let embedded: Vec<&str> = detail.body["data"]["books"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        embedded,
        books[..100].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(detail.body["data"]["books_truncated"], true);
    assert_eq!(
        walk(&app, &format!("/api/shelves/{shelf}/books"), None, &[]).await,
        books
    );
    let small = create_shelf(&app, &owner, json!({ "name": "Small" })).await;
    let detail = app.get(&format!("/api/shelves/{small}"), None).await;
    assert_eq!(detail.body["data"]["books_truncated"], false);
}

/// A word common in the newest public shelves is counted by reading shelves rather than the
/// trigram index: the count is still exact below the cap, and private matches stay out of it.
#[tokio::test]
async fn a_common_word_below_the_cap_is_counted_exactly() {
    let app = spawn_app().await;
    let owner = app.user("jazz_fan").await;
    insert_shelves(&app, &owner, (25, "Jazz {n}"), (5, "Jazz secret {n}")).await;
    let page = app
        .get("/api/shelves/public?search=jazz&limit=10", None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["pagination"]["total"], 25);
    assert_eq!(page.body["pagination"]["total_capped"], false);
    assert_eq!(page.body["pagination"]["has_more"], true);
    let names: Vec<&str> = page.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"Jazz 1"));
    assert!(names.iter().all(|n| !n.contains("secret")), "{names:?}");
}

/// Inserts `public.0` public shelves named `public.1`, then `private.0` private ones named
/// `private.1`, for `owner`, a minute apart and newest first ("{n}" in a name becomes the
/// shelf's number): the many rows a search's count needs, without a request each.
async fn insert_shelves(
    app: &TestApp,
    owner: &TestUser,
    public: (i32, &str),
    private: (i32, &str),
) {
    app.admin()
        .await
        .execute(
            "INSERT INTO data.shelves (owner_id, visibility, name, updated_at)
             SELECT $1, CASE WHEN n <= $2 THEN 'public' ELSE 'private' END::data.visibility,
                    replace(CASE WHEN n <= $2 THEN $3 ELSE $5 END, '{n}', n::text),
                    now() - n * interval '1 minute'
               FROM generate_series(1, $2::int + $4::int) n",
            &[&owner.id, &public.0, &public.1, &private.0, &private.1],
        )
        .await
        .unwrap();
}
