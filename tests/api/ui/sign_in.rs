//! Signing in to the demo app: as a demo user where the server offers it (the profile is made
//! on the first visit), with a pasted token where it does not (a first visit asks for a
//! username); and leaving: downloading one's data, then deleting the account.

use super::TEST_LIMIT;
use super::browser::{Browser, within};
use crate::helpers::{spawn_app, spawn_app_with_demo_sign_in};

const SETTINGS: &str = "hedgerow-settings";

#[tokio::test]
async fn a_demo_user_signs_in_with_one_click_where_the_server_offers_it() {
    let app = spawn_app_with_demo_sign_in().await;
    within(TEST_LIMIT, async {
        let browser = Browser::open(&app).await;
        browser.goto("/app/#/sign-in").await;
        browser.fill("input[name=username]", "demo_ada").await;
        browser.click("form:has(input[name=username]) button").await;
        browser.wait_for_text("#me", "Signed in as @demo_ada").await;
        browser.wait_for_text("h1", "My lap sessions").await;
        browser.wait_for_toast("Welcome, @demo_ada").await;
        browser.screenshot("sign-in-demo").await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn elsewhere_a_token_signs_in_and_a_first_visit_makes_a_profile() {
    let app = spawn_app().await;
    let token = app.token_for(uuid::Uuid::new_v4());
    within(TEST_LIMIT, async {
        let browser = Browser::open(&app).await;
        browser.goto("/app/#/sign-in").await;
        browser.fill("textarea[name=token]", &token).await;
        assert!(
            !browser.has("input[name=username]").await,
            "no demo sign-in is offered"
        );
        browser.click("form:has(textarea) button").await;
        browser.wait_for_text("h1", "Create your profile").await;
        browser.fill("input[name=username]", "first_visit").await;
        browser
            .fill("input[name=display_name]", "First Visit")
            .await;
        browser.click("form button").await;
        browser
            .wait_for_text("#me", "Signed in as @first_visit")
            .await;
        let profile = app.get("/api/auth/profile", Some(&token)).await;
        assert_eq!(profile.body["data"]["display_name"], "First Visit");

        // Leaving: the data first, then the account, confirmed by typing the username.
        browser.goto("/app/#/settings").await;
        browser
            .click_in(
                SETTINGS,
                "section[aria-labelledby=account] .row button:nth-child(2)",
            )
            .await;
        let export = browser.downloaded("hedgerow-first_visit.json").await;
        assert!(export.contains("\"username\": \"first_visit\""), "{export}");
        browser.click_in(SETTINGS, "button[aria-expanded]").await;
        let confirm = browser.inside(SETTINGS, "#confirm_username").await;
        confirm.send_keys("someone_else").await.unwrap();
        browser
            .click_in(SETTINGS, "form.delete button[type=submit]")
            .await;
        browser.wait_for_toast("Type first_visit to confirm").await;
        confirm.clear().await.unwrap();
        confirm.send_keys("first_visit").await.unwrap();
        browser
            .click_in(SETTINGS, "form.delete button[type=submit]")
            .await;
        browser.wait_for_toast("Your account is deleted").await;
        browser.wait_for_text("h1", "Sign in").await;
        browser.close().await;
    })
    .await;
    let gone = app.get("/api/auth/profile", Some(&token)).await;
    assert_eq!(gone.code(), "PROFILE_NOT_FOUND");
}
