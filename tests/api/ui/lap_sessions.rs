//! Seed 002 (lap sessions) through the demo app: toggle a session's privacy, generate a link,
//! open it without an account, see public sessions in the community feed and on the
//! leaderboard — and private sessions stay hidden from another signed-in user.

use fantoccini::Locator;

use super::browser::{Browser, within};
use super::{TEST_LIMIT, XSS, share_path};
use crate::helpers::spawn_app;

/// Records a session through the form and returns its id (from the page it lands on).
async fn record(browser: &Browser, track: &str, title: &str, laps: &str) -> String {
    browser.goto("/app/#/sessions").await;
    let form = browser.find("form[aria-label='Record a session']").await;
    for (name, value) in [("track", track), ("title", title), ("laps", laps)] {
        let field = form
            .find(Locator::Css(&format!("[name={name}]")))
            .await
            .unwrap();
        field.send_keys(value).await.unwrap();
    }
    form.find(Locator::Css("button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_toast("Session recorded").await;
    let id = browser.landed_on("/sessions/").await;
    browser.find("hedgerow-privacy").await;
    id
}

/// Chooses `level` in the page's privacy control and waits for it to be saved.
pub async fn choose(browser: &Browser, level: &str) {
    browser
        .click_in("hedgerow-privacy", &format!("input[value={level}]"))
        .await;
    browser.wait_for_toast("Visibility set to").await;
}

#[tokio::test]
async fn a_person_runs_the_lap_sessions_seed_in_the_browser() {
    let app = spawn_app().await;
    let owner = app.user("laps_owner").await;
    let rival = app.user("laps_rival").await;
    within(TEST_LIMIT, async {
        let me = Browser::open(&app).await;
        let other = Browser::open(&app).await;
        let (_, ()) = tokio::join!(me.sign_in(&owner.token), other.sign_in(&rival.token));

        // New sessions are private by default; another user cannot open one, nor find it.
        let title = format!("Sunday sprint {XSS}");
        let id = record(&me, "Spa", &title, "2:11.042 1:35.000").await;
        me.wait_for_text("h1", "Sunday sprint <img").await;
        me.wait_for_text(".badge", "private").await;
        let private = me.inside("hedgerow-privacy", "input[value=private]").await;
        assert_eq!(
            private.prop("checked").await.unwrap().as_deref(),
            Some("true")
        );
        other.goto(&format!("/app/#/sessions/{id}")).await;
        other.wait_for_text("h1", "Not available").await;
        other.wait_for_page_text("session not found").await;
        other.goto("/app/#/community").await;
        other.wait_for_page_text("No public sessions yet").await;

        // 1. The owner toggles it public: the community feed and the leaderboard show it.
        me.goto(&format!("/app/#/sessions/{id}")).await;
        choose(&me, "public").await;
        me.wait_for_text(".badge", "public").await;
        me.screenshot("session-owner").await;
        other.goto("/app/#/community").await;
        other.wait_for_page_text(&title).await;
        other.assert_no_injected_markup().await;
        other.screenshot("community-feed").await;
        other.goto(&format!("/app/#/sessions/{id}")).await;
        other.wait_for_text("h1", "Sunday sprint <img").await;
        assert!(
            !other.has("hedgerow-privacy").await,
            "only the owner gets the privacy control"
        );
        other.goto("/app/#/leaderboard/Spa").await;
        other.wait_for_page_text("1:35.000").await;
        other.wait_for_page_text("laps_owner (@laps_owner)").await;
        other.screenshot("leaderboard").await;

        // The rival's track name is user-written too: it shows as text in the feed.
        let rival_track = format!("Monza {XSS}");
        let rival_session = record(&other, &rival_track, "Quali", "1:21.500").await;
        choose(&other, "public").await;
        me.goto("/app/#/community").await;
        me.wait_for_page_text(&rival_track).await;
        me.assert_no_injected_markup().await;
        assert!(!rival_session.is_empty());

        // 2. The owner generates a link in the share dialog and copies it.
        me.goto(&format!("/app/#/sessions/{id}")).await;
        me.click_in("hedgerow-share-dialog", "button[aria-haspopup]")
            .await;
        me.click_in("hedgerow-share-dialog", "form.new-link button")
            .await;
        me.wait_for_toast("Link created").await;
        let link = me
            .inside("hedgerow-share-dialog", ".links input[readonly]")
            .await;
        let url = link.prop("value").await.unwrap().unwrap();
        me.click_in("hedgerow-share-dialog", ".links li button")
            .await;
        me.wait_for_toast("copied").await;
        me.screenshot("share-dialog").await;

        // 3. Anyone with the link sees the session, without an account.
        let anonymous = Browser::open(&app).await;
        anonymous.goto(share_path(&url)).await;
        anonymous
            .wait_for_text("#title", "Sunday sprint <img")
            .await;
        anonymous
            .wait_for_text("#signup", "Sign up to track your own laps")
            .await;
        anonymous.assert_no_injected_markup().await;
        anonymous.screenshot("shared-page").await;

        // 5. Private again: gone from the feed and the leaderboard for everyone else.
        me.click_in("hedgerow-share-dialog", "footer button").await;
        choose(&me, "private").await;
        other.goto("/app/#/leaderboard/Spa").await;
        other.wait_for_page_text("No ranked sessions yet").await;
        other.goto("/app/#/community").await;
        other.wait_for_page_text("Quali").await;
        assert!(!other.page_text().await.contains("Sunday sprint"));

        // The owner's access log says who looked, and how.
        me.goto(&format!("/app/#/sessions/{id}")).await;
        me.wait_for_page_text("Share link (").await;
        me.wait_for_page_text("@laps_rival").await;
        me.assert_no_injected_markup().await;

        for browser in [me, other, anonymous] {
            browser.close().await;
        }
    })
    .await;
}
