//! Seed 000 (plans) through the demo app, its testing checklist in order: a private plan is
//! hidden from others; the share-link switch, the link and Regenerate (the old link stops
//! working); invite by username, the invited user opens it, Revoke ends that; public for
//! everyone; the access log shows every visitor and how they came; the owner always has access.

use super::browser::{Browser, within};
use super::{TEST_LIMIT, XSS, share_path};
use crate::helpers::spawn_app;

const DIALOG: &str = "hedgerow-share-dialog";

/// The address of the plan's main link, as the dialog shows it.
async fn main_link(me: &Browser) -> String {
    let field = me.inside(DIALOG, ".links input[readonly]").await;
    field.prop("value").await.unwrap().unwrap()
}

#[tokio::test]
async fn a_person_runs_the_plans_seed_in_the_browser() {
    let app = spawn_app().await;
    let owner = app.user("plan_owner").await;
    let friend = app.user("plan_friend").await;
    let stranger = app.user("plan_stranger").await;
    within(TEST_LIMIT, async {
        let me = Browser::open(&app).await;
        let guest = Browser::open(&app).await;
        let anonymous = Browser::open(&app).await;
        let (_, ()) = tokio::join!(me.sign_in(&owner.token), guest.sign_in(&friend.token));

        // A new plan is private: another user gets nothing.
        me.goto("/app/#/plans").await;
        let title = format!("Launch {XSS}");
        me.fill("form[aria-label='New plan'] [name=title]", &title)
            .await;
        me.fill("form[aria-label='New plan'] [name=filename]", "launch.md")
            .await;
        me.fill(
            "form[aria-label='New plan'] [name=content]",
            &format!("Step one {XSS}"),
        )
        .await;
        me.click("form[aria-label='New plan'] button").await;
        me.wait_for_toast("Plan saved").await;
        let plan = me.landed_on("/plans/").await;
        me.wait_for_text(".badge", "private").await;
        guest.goto(&format!("/app/#/plans/{plan}")).await;
        guest.wait_for_text("h1", "Not available").await;

        // The link exists from the start, switched off; the switch turns it on.
        me.click_in(DIALOG, "button[aria-haspopup]").await;
        me.wait_for_page_text("Off · never expires").await;
        let switch = me.inside(DIALOG, "input[role=switch]").await;
        assert_eq!(
            switch.prop("checked").await.unwrap().as_deref(),
            Some("false")
        );
        switch.click().await.unwrap();
        me.wait_for_toast("Link sharing on").await;
        me.wait_for_page_text("Active · never expires").await;
        let first = main_link(&me).await;
        anonymous.goto(share_path(&first)).await;
        anonymous.wait_for_text("#title", "Launch <img").await;
        anonymous.assert_no_injected_markup().await;

        // Regenerate: the old address stops working at once, the new one works.
        me.click_in(DIALOG, ".links li button:nth-of-type(2)").await;
        me.wait_for_toast("the old one no longer works").await;
        let second = me
            .eventually("a new address", || async {
                let now = main_link(&me).await;
                (now != first).then_some(now)
            })
            .await;
        anonymous.goto(share_path(&first)).await;
        anonymous
            .wait_for_page_text("does not exist, has expired or was revoked")
            .await;
        anonymous.goto(share_path(&second)).await;
        anonymous.wait_for_text("#title", "Launch <img").await;

        // Invite by username (an unknown one is refused); the invited user opens the plan.
        let username = me.inside(DIALOG, "input[name=username]").await;
        username.send_keys("nobody_here").await.unwrap();
        me.click_in(DIALOG, "form.invite button").await;
        me.wait_for_toast("no such user").await;
        username.clear().await.unwrap();
        username.send_keys("plan_friend").await.unwrap();
        me.click_in(DIALOG, "form.invite button").await;
        me.wait_for_toast("Invited @plan_friend").await;
        me.wait_for_page_text("@plan_friend No expiry").await;
        me.assert_no_injected_markup().await;
        me.screenshot("plan-share-dialog").await;
        guest.goto("/app/#/shared-with-me").await;
        guest.wait_for_page_text(&title).await;
        guest.click("ul.items a").await;
        guest.wait_for_text("pre.content", "Step one <img").await;
        guest.assert_no_injected_markup().await;

        // Revoke: the invited user can no longer open it; switched off, the link opens nothing.
        me.click_in(DIALOG, "button[aria-label='Remove @plan_friend']")
            .await;
        me.wait_for_toast("@plan_friend no longer has access").await;
        guest.goto(&format!("/app/#/plans/{plan}")).await;
        guest.wait_for_text("h1", "Not available").await;
        me.click_in(DIALOG, "input[role=switch]").await;
        me.wait_for_toast("Link sharing off").await;
        anonymous.goto(share_path(&second)).await;
        anonymous
            .wait_for_page_text("does not exist, has expired or was revoked")
            .await;
        me.click_in(DIALOG, "footer button").await;

        // Public: anyone signed in opens it.
        me.click_in("hedgerow-privacy", "input[value=public]").await;
        me.wait_for_toast("Visibility set to Public").await;
        let outsider = Browser::open(&app).await;
        outsider.sign_in(&stranger.token).await;
        outsider.goto(&format!("/app/#/plans/{plan}")).await;
        outsider.wait_for_text("pre.content", "Step one").await;

        // The access log shows every visit and how it was granted; the owner still has access.
        me.goto(&format!("/app/#/plans/{plan}")).await;
        for seen in [
            "Owner",
            "Share link (",
            "Anonymous",
            "Invitation",
            "@plan_friend",
            "Public",
            "@plan_stranger",
        ] {
            me.wait_for_page_text(seen).await;
        }
        me.screenshot("plan-owner").await;
        for browser in [me, guest, anonymous, outsider] {
            browser.close().await;
        }
    })
    .await;
}
