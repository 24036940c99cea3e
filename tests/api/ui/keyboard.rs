//! The share dialog with the keyboard alone: Tab reaches the Share button, Enter opens the
//! dialog with the focus in it, Tab and Shift+Tab stay inside it (wrapping at both ends),
//! Enter invites, creates, copies and revokes, Esc closes it and the focus returns to Share.

use fantoccini::key::Key;
use serde_json::json;

use super::TEST_LIMIT;
use super::browser::{Browser, within};
use crate::helpers::spawn_app;
use crate::sessions::create_session;

#[tokio::test]
async fn the_share_dialog_works_with_the_keyboard_alone() {
    let app = spawn_app().await;
    let owner = app.user("kb_owner").await;
    app.user("kb_friend").await;
    let session = create_session(
        &app,
        &owner,
        json!({ "track": "Imola", "title": "Keyboard laps" }),
    )
    .await;
    within(TEST_LIMIT, async {
        let me = Browser::open(&app).await;
        me.sign_in(&owner.token).await;
        me.goto(&format!("/app/#/sessions/{session}")).await;
        me.wait_for_text("h1", "Keyboard laps").await;

        me.tab_to("Share").await;
        me.press(&[Key::Enter]).await;
        me.eventually("the focus in the dialog", || async {
            (me.focused().await == "username").then_some(())
        })
        .await;
        me.type_text("kb_friend").await;
        me.press(&[Key::Enter]).await;
        me.wait_for_toast("Invited @kb_friend").await;
        me.wait_for_page_text("@kb_friend").await;
        // (Waited for, not read at once: the form is busy while the invitation is sent, and a
        // loaded machine may still be re-enabling it when the toast shows.)
        me.eventually("the focus staying to invite the next", || async {
            (me.focused().await == "username").then_some(())
        })
        .await;

        // The focus is trapped: Shift+Tab from the first control wraps to the last, and back.
        me.shift_tab().await;
        me.eventually("Shift+Tab wrapping to Done", || async {
            (me.focused().await == "Done").then_some(())
        })
        .await;
        me.press(&[Key::Tab]).await;
        me.eventually("Tab wrapping to the username", || async {
            (me.focused().await == "username").then_some(())
        })
        .await;

        me.tab_to("Create link").await;
        me.press(&[Key::Enter]).await;
        me.wait_for_toast("Link created").await;
        me.tab_to("Copy").await;
        me.press(&[Key::Enter]).await;
        me.wait_for_toast("copied").await;
        me.screenshot("share-dialog-keyboard").await;
        me.tab_to("Revoke").await;
        me.press(&[Key::Enter]).await;
        me.wait_for_toast("Link revoked").await;

        me.press(&[Key::Escape]).await;
        me.eventually("the focus back on Share", || async {
            (me.focused().await == "Share").then_some(())
        })
        .await;
        me.close().await;
    })
    .await;
    let grants = app
        .get(
            &format!("/api/sessions/{session}/access"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(grants.body["data"][0]["username"], "kb_friend");
    let links = app
        .get(
            &format!("/api/sessions/{session}/shares"),
            Some(&owner.token),
        )
        .await;
    assert!(
        links.body["data"][0]["revoked_at"].is_string(),
        "{:?}",
        links.body
    );
}
