//! Leaderboards: per track, the public sessions ranked by best lap. Private and unlisted
//! sessions never appear and never take a rank, a count or a gap, for any viewer, over HTTP
//! or SQL.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, analyst, spawn_app};
use crate::sessions::create_session;

/// The board's session ids and ranks, in order.
fn entries(reply: &Value) -> Vec<(String, i64)> {
    reply["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {reply}"))
        .iter()
        .map(|e| {
            (
                e["session"]["id"].as_str().unwrap().to_string(),
                e["rank"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn lap(app: &TestApp, owner: &TestUser, laps: Value, visibility: &str, at: &str) -> String {
    create_session(
        app,
        owner,
        json!({ "track": "Spa", "laps": laps, "visibility": visibility, "recorded_at": at }),
    )
    .await
}

#[tokio::test]
async fn public_sessions_rank_by_best_lap_and_nothing_else_takes_a_place() {
    let app = spawn_app().await;
    let ada = app.user("ada_laps").await;
    let bo = app.user("bo_laps").await;
    let early = "2026-05-01T10:00:00Z";
    let late = "2026-05-02T10:00:00Z";
    // The best lap counts, not the first or the last.
    let second = lap(&app, &ada, json!([131000, 129500, 133000]), "public", late).await;
    let first = lap(&app, &bo, json!([128000]), "public", late).await;
    // Tied on the best lap: the one recorded earlier ranks first.
    let tied_late = lap(&app, &bo, json!([130000]), "public", late).await;
    let tied_early = lap(&app, &ada, json!([130000]), "public", early).await;
    // Faster, but not public: never on the board, not even for their owner.
    lap(&app, &ada, json!([100000]), "private", early).await;
    lap(&app, &bo, json!([101000]), "unlisted", early).await;
    // No laps, or another track: not on this board.
    create_session(&app, &ada, json!({ "track": "Spa", "is_public": true })).await;
    create_session(
        &app,
        &bo,
        json!({ "track": "Monza", "laps": [90000], "is_public": true }),
    )
    .await;

    let expected = vec![
        (first.clone(), 1),
        (second.clone(), 2),
        (tied_early.clone(), 3),
        (tied_late.clone(), 4),
    ];
    for token in [None, Some(ada.token.as_str()), Some(bo.token.as_str())] {
        let board = app.get("/api/leaderboards/Spa", token).await;
        assert_eq!(board.status, StatusCode::OK, "{:?}", board.body);
        assert_eq!(entries(&board.body), expected);
        assert_eq!(board.body["pagination"]["total"], 4);
        assert_eq!(board.body["pagination"]["next_cursor"], Value::Null);
        let top = &board.body["data"][0];
        assert_eq!(top["best_lap_ms"], 128000);
        assert_eq!(top["owner"]["username"], "bo_laps");
        assert_eq!(top["owner"]["display_name"], "bo_laps");
        assert_eq!(board.body["data"][1]["best_lap_ms"], 129500);
    }
    let monza = app.get("/api/leaderboards/Monza", None).await;
    assert_eq!(monza.body["pagination"]["total"], 1);
    let empty = app.get("/api/leaderboards/Nowhere", None).await;
    assert_eq!(empty.body["data"], json!([]));
    assert_eq!(empty.body["pagination"]["total"], 0);
}

#[tokio::test]
async fn a_session_that_turns_private_leaves_the_board_at_once_and_leaves_no_gap() {
    let app = spawn_app().await;
    let racer = app.user("leaver").await;
    let a = lap(
        &app,
        &racer,
        json!([120000]),
        "public",
        "2026-05-01T10:00:00Z",
    )
    .await;
    let b = lap(
        &app,
        &racer,
        json!([121000]),
        "public",
        "2026-05-01T10:00:00Z",
    )
    .await;
    let c = lap(
        &app,
        &racer,
        json!([122000]),
        "public",
        "2026-05-01T10:00:00Z",
    )
    .await;
    let privacy = |id: &str, visibility: &str| {
        let path = format!("/api/sessions/{id}/privacy");
        let body = json!({ "visibility": visibility });
        let app = &app;
        let token = racer.token.clone();
        async move {
            let reply = app
                .request(Method::PUT, &path, Some(&token), Some(body))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        }
    };

    for hidden in ["private", "unlisted"] {
        privacy(&b, hidden).await;
        let board = app.get("/api/leaderboards/Spa", None).await;
        assert_eq!(entries(&board.body), vec![(a.clone(), 1), (c.clone(), 2)]);
        assert_eq!(board.body["pagination"]["total"], 2);
        privacy(&b, "public").await;
        let board = app.get("/api/leaderboards/Spa", None).await;
        assert_eq!(
            entries(&board.body),
            vec![(a.clone(), 1), (b.clone(), 2), (c.clone(), 3)]
        );
    }

    // A public session without laps takes no place until it has one, and none once its laps
    // are gone.
    let lapless = create_session(&app, &racer, json!({ "track": "Spa", "is_public": true })).await;
    let total = |laps: Value| {
        let (app, path, token) = (
            &app,
            format!("/api/sessions/{lapless}"),
            racer.token.clone(),
        );
        async move {
            let reply = app
                .patch(&path, Some(&token), json!({ "laps": laps }))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
            app.get("/api/leaderboards/Spa", None).await.body["pagination"]["total"].clone()
        }
    };
    assert_eq!(total(json!([])).await, 3);
    assert_eq!(total(json!([123000])).await, 4);
    assert_eq!(total(json!([])).await, 3);

    // A faster lap added later moves everyone down; deleting it moves them back.
    let path = format!("/api/sessions/{a}");
    let reply = app
        .patch(
            &path,
            Some(&racer.token),
            json!({ "laps": [119000, 125000] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let board = app.get("/api/leaderboards/Spa", None).await;
    assert_eq!(board.body["data"][0]["best_lap_ms"], 119000);
    let reply = app
        .request(Method::DELETE, &path, Some(&racer.token), None)
        .await;
    assert!(reply.status.is_success(), "{:?}", reply.body);
    let board = app.get("/api/leaderboards/Spa", None).await;
    assert_eq!(entries(&board.body), vec![(b.clone(), 1), (c.clone(), 2)]);
}

#[tokio::test]
async fn cursor_paging_walks_the_board_once_with_continuous_ranks() {
    let app = spawn_app().await;
    let racer = app.user("pager_laps").await;
    let mut expected = Vec::new();
    // Several ties on lap and instant: the id breaks them, so nothing repeats or goes missing.
    for n in 0..9 {
        let best = 120000 + (n / 3) * 1000;
        let id = lap(
            &app,
            &racer,
            json!([best]),
            "public",
            "2026-05-01T10:00:00Z",
        )
        .await;
        expected.push((best, id));
    }
    lap(
        &app,
        &racer,
        json!([1000]),
        "private",
        "2026-05-01T10:00:00Z",
    )
    .await;
    expected.sort();

    let mut walked = Vec::new();
    let mut path = "/api/leaderboards/Spa?limit=2".to_string();
    loop {
        let page = app.get(&path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        assert_eq!(page.body["pagination"]["total"], 9);
        walked.extend(entries(&page.body));
        match page.body["pagination"]["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/leaderboards/Spa?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let ranks: Vec<i64> = walked.iter().map(|(_, rank)| *rank).collect();
    assert_eq!(ranks, (1..=9).collect::<Vec<_>>());
    let mut by_lap: Vec<(i64, String)> = Vec::new();
    for (id, _) in &walked {
        let session = app.get(&format!("/api/sessions/{id}"), None).await;
        by_lap.push((
            session.body["data"]["best_lap_ms"].as_i64().unwrap(),
            id.clone(),
        ));
    }
    let mut sorted = by_lap.clone();
    sorted.sort_by_key(|(best, _)| *best);
    assert_eq!(by_lap, sorted, "fastest first");
    assert_eq!(
        walked
            .iter()
            .map(|(id, _)| id.clone())
            .collect::<std::collections::BTreeSet<_>>(),
        expected.iter().map(|(_, id)| id.clone()).collect(),
        "every public session once"
    );

    for bad in ["?cursor=nonsense", "?limit=0", "?limit=abc"] {
        let reply = app.get(&format!("/api/leaderboards/Spa{bad}"), None).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {:?}",
            reply.body
        );
    }
}

#[tokio::test]
async fn analysts_read_the_same_boards_and_never_a_private_session() {
    let app = spawn_app().await;
    let racer = app.user("sql_laps").await;
    let public = lap(
        &app,
        &racer,
        json!([125000]),
        "public",
        "2026-05-01T10:00:00Z",
    )
    .await;
    let private = lap(
        &app,
        &racer,
        json!([100000]),
        "private",
        "2026-05-01T10:00:00Z",
    )
    .await;
    let unlisted = lap(
        &app,
        &racer,
        json!([101000]),
        "unlisted",
        "2026-05-01T10:00:00Z",
    )
    .await;

    for mapped in [None, Some(racer.id)] {
        let sql = analyst(&app, mapped).await;
        let rows = sql
            .query(
                "SELECT session_id::text, rank, best_lap_ms, username FROM leaderboards WHERE track = 'Spa'",
                &[],
            )
            .await
            .unwrap();
        let board: Vec<(String, i64, i32, String)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect();
        assert_eq!(board, vec![(public.clone(), 1, 125000, "sql_laps".into())]);
        for hidden in [&private, &unlisted] {
            let found: i64 = sql
                .query_one(
                    "SELECT count(*) FROM leaderboards WHERE session_id::text = $1",
                    &[hidden],
                )
                .await
                .unwrap()
                .get(0);
            assert_eq!(
                found, 0,
                "even the owner's analyst does not see {hidden} ranked"
            );
        }
    }
}

/// A board longer than 1,000 sessions is counted exactly and still ranks and pages from the
/// fastest; private sessions and public ones without laps stay off it and out of its count.
#[tokio::test]
async fn a_long_board_counts_exactly_and_still_ranks() {
    let app = spawn_app().await;
    let driver = app.user("endurance").await;
    app.admin()
        .await
        .execute(
            "INSERT INTO data.sessions (owner_id, visibility, track, laps, recorded_at)
             SELECT $1, CASE WHEN n <= 1003 OR n > 1006 THEN 'public' ELSE 'private' END::data.visibility,
                    'Imola', CASE WHEN n <= 1006 THEN ARRAY[CASE WHEN n <= 1003 THEN 60000 + n ELSE 1000 + n END]
                                  ELSE '{}' END,
                    now() - n * interval '1 minute'
               FROM generate_series(1, 1010) n",
            &[&driver.id],
        )
        .await
        .unwrap();
    let page = app.get("/api/leaderboards/Imola?limit=20", None).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    let pagination = &page.body["pagination"];
    assert_eq!(pagination["total_capped"], false);
    assert_eq!(pagination["total"], 1003);
    assert_eq!(pagination["has_more"], true);
    let laps: Vec<i64> = page.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["best_lap_ms"].as_i64().unwrap())
        .collect();
    assert_eq!(
        laps,
        (60001..=60020).collect::<Vec<_>>(),
        "fastest public first"
    );
    let ranks: Vec<i64> = entries(&page.body).iter().map(|(_, r)| *r).collect();
    assert_eq!(ranks, (1..=20).collect::<Vec<_>>());
}
