//! Seed 004 (shelves and books) through the demo app: the settings page (username read only,
//! display name and email validated, a change of email confirmed, defaults for new things,
//! sign out), the shelf header's three-choice control, a book's menu with "Inherit from shelf"
//! marked, toasts, and discovery — checked from another user's browser, who sees only what
//! is public or addressed.

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::json;

use super::browser::{Browser, within};
use super::lap_sessions::choose;
use super::{TEST_LIMIT, XSS};
use crate::helpers::spawn_app;

const SETTINGS: &str = "hedgerow-settings";

/// Types `value` into the settings field `id` (emptied first) and presses Save.
async fn save_field(browser: &Browser, id: &str, value: &str) {
    let field = browser.inside(SETTINGS, &format!("#{id}")).await;
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
    browser.click_in(SETTINGS, "form button[type=submit]").await;
}

async fn settings_page(me: &Browser) {
    me.goto("/app/#/settings").await;
    let username = me.inside(SETTINGS, "#username").await;
    assert_eq!(
        username.prop("value").await.unwrap().as_deref(),
        Some("shelf_owner")
    );
    assert!(
        username.attr("readonly").await.unwrap().is_some(),
        "read only"
    );

    // Display name: 1 to 100 characters, said beside the field; markup stays text.
    save_field(me, "display_name", "").await;
    me.wait_for_page_text("Display name must be 1 to 100 characters")
        .await;
    save_field(me, "display_name", &format!("Ada {XSS}")).await;
    me.wait_for_toast("Profile saved").await;

    // Email: checked before any request, then a second step confirms the change.
    save_field(me, "email", "not-an-email").await;
    me.wait_for_page_text("Enter an email address like name@example.com")
        .await;
    save_field(me, "email", "taken@example.com").await;
    me.wait_for_page_text("Change your email from (none) to taken@example.com?")
        .await;
    me.click_in(SETTINGS, ".confirm button.primary").await;
    me.wait_for_page_text("That email is already in use").await;
    me.wait_for_toast("Profile not saved").await;
    save_field(me, "email", "second@example.com").await;
    me.click_in(SETTINGS, ".confirm button:not(.primary)").await;
    let email = me.inside(SETTINGS, "#email").await;
    assert_eq!(
        email.prop("value").await.unwrap().as_deref(),
        Some(""),
        "kept"
    );
    save_field(me, "email", "ada@example.com").await;
    me.click_in(SETTINGS, ".confirm button.primary").await;
    me.wait_for_toast("Profile saved").await;

    // Defaults for new things: books may inherit; new shelves become unlisted.
    me.inside(SETTINGS, "#default-book option[value='']").await;
    me.inside(SETTINGS, "#default-shelf")
        .await
        .select_by_value("unlisted")
        .await
        .unwrap();
    me.wait_for_toast("New shelves: Unlisted").await;
    me.assert_no_injected_markup().await;
    me.screenshot("settings").await;
}

/// Searches public shelves on the Discover page.
async fn search_shelves(browser: &Browser, text: &str) {
    browser.goto("/app/#/discover").await;
    browser
        .fill_in("hedgerow-discover", "input[name=search]", text)
        .await;
    browser.click_in("hedgerow-discover", "form button").await;
}

#[tokio::test]
async fn a_person_runs_the_shelves_and_books_seed_in_the_browser() {
    let app = spawn_app().await;
    let owner = app.user("shelf_owner").await;
    let reader = app.user("shelf_reader").await;
    let taken = app
        .patch(
            "/api/auth/profile",
            Some(&reader.token),
            json!({ "email": "taken@example.com" }),
        )
        .await;
    assert_eq!(taken.status, StatusCode::OK);
    within(TEST_LIMIT, async {
        let me = Browser::open(&app).await;
        let other = Browser::open(&app).await;
        let (_, ()) = tokio::join!(me.sign_in(&owner.token), other.sign_in(&reader.token));
        settings_page(&me).await;
        let profile = app.get("/api/auth/profile", Some(&owner.token)).await;
        assert_eq!(profile.body["data"]["email"], "ada@example.com");
        assert_eq!(profile.body["data"]["display_name"], format!("Ada {XSS}"));

        // A new shelf takes the default (unlisted); the header's control makes it public.
        me.goto("/app/#/shelves").await;
        let name = format!("Reading {XSS}");
        me.fill("form[aria-label='New shelf'] input", &name).await;
        me.click("form[aria-label='New shelf'] button").await;
        me.wait_for_toast("Shelf created (unlisted)").await;
        let shelf = me.landed_on("/shelves/").await;
        choose(&me, "public").await;

        // Books: a bad ISBN is refused with a toast; two good ones are added.
        for (isbn, title) in [
            ("978-0-306-40615-8", "Typo"),
            ("978-0-14-044913-6", "Dostoevsky"),
            ("9780306406157", "Secret diary"),
        ] {
            me.fill("form[aria-label='Add a book'] [name=isbn13]", isbn)
                .await;
            me.fill(
                "form[aria-label='Add a book'] [name=title]",
                &format!("{title} {XSS}"),
            )
            .await;
            me.click("form[aria-label='Add a book'] button").await;
            if title == "Typo" {
                me.wait_for_toast("valid ISBN-13").await;
                me.find("form[aria-label='Add a book'] [name=isbn13]")
                    .await
                    .clear()
                    .await
                    .unwrap();
                me.find("form[aria-label='Add a book'] [name=title]")
                    .await
                    .clear()
                    .await
                    .unwrap();
            } else {
                me.wait_for_toast("Book added").await;
                me.wait_for_page_text(&format!("{title} {XSS}")).await;
            }
        }

        // The book's menu (a right-click) marks "Inherit from shelf"; Private overrides it.
        let diary = "//li[contains(@class, 'book')][contains(., 'Secret diary')]";
        let book = me.find_xpath(diary).await;
        me.right_click(&book).await;
        let legend = me.inside("dialog.menu hedgerow-privacy", "legend").await;
        assert!(legend.text().await.unwrap().contains("Secret diary"));
        let inherit = me
            .inside(
                "dialog.menu hedgerow-privacy",
                "label:has(input[value=inherit])",
            )
            .await;
        assert!(
            inherit.text().await.unwrap().starts_with("✓"),
            "the current choice is marked"
        );
        assert!(inherit.text().await.unwrap().contains("Inherit from shelf"));
        me.screenshot("book-menu").await;
        me.click_in("dialog.menu hedgerow-privacy", "input[value=private]")
            .await;
        me.wait_for_toast("Visibility set to Private").await;
        me.eventually("the menu to close", || async {
            (!me.has("dialog.menu").await).then_some(())
        })
        .await;
        let badge = me
            .client
            .find(Locator::XPath(&format!(
                "{diary}/span[contains(@class, 'badge')]"
            )))
            .await
            .unwrap();
        assert_eq!(badge.text().await.unwrap(), "private");
        me.screenshot("shelf").await;

        // Another user discovers the shelf with one (public) book, and sees only that book.
        search_shelves(&other, "Reading").await;
        other.wait_for_page_text("1 book · by Ada").await;
        other.assert_no_injected_markup().await;
        other.screenshot("discover").await;
        other.click_in("hedgerow-discover", "li a").await;
        other.wait_for_page_text("Dostoevsky").await;
        assert!(
            !other.page_text().await.contains("Secret diary"),
            "a private book stays hidden"
        );
        assert!(!other.has("hedgerow-privacy").await);

        // Unlisted: never discovered, still open at its address. Private: not even there.
        me.goto(&format!("/app/#/shelves/{shelf}")).await;
        choose(&me, "unlisted").await;
        search_shelves(&other, "Reading").await;
        other.wait_for_page_text("No public shelf matches").await;
        other.goto(&format!("/app/#/shelves/{shelf}")).await;
        other.wait_for_page_text("Dostoevsky").await;
        choose(&me, "private").await;
        other.goto(&format!("/app/#/shelves/{shelf}")).await;
        other.wait_for_text("h1", "Not available").await;

        // Sign out from the settings page.
        me.goto("/app/#/settings").await;
        me.click_in(SETTINGS, "section[aria-labelledby=account] button")
            .await;
        me.wait_for_text("h1", "Sign in").await;
        me.wait_for_toast("Signed out").await;
        for browser in [me, other] {
            browser.close().await;
        }
    })
    .await;
}
