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
    browser
        .inside(SETTINGS, "form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
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
    me.inside(SETTINGS, ".confirm button.primary")
        .await
        .click()
        .await
        .unwrap();
    me.wait_for_page_text("That email is already in use").await;
    me.wait_for_toast("Profile not saved").await;
    save_field(me, "email", "second@example.com").await;
    me.inside(SETTINGS, ".confirm button:not(.primary)")
        .await
        .click()
        .await
        .unwrap();
    let email = me.inside(SETTINGS, "#email").await;
    assert_eq!(
        email.prop("value").await.unwrap().as_deref(),
        Some(""),
        "kept"
    );
    save_field(me, "email", "ada@example.com").await;
    me.inside(SETTINGS, ".confirm button.primary")
        .await
        .click()
        .await
        .unwrap();
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
        me.find("form[aria-label='New shelf'] input")
            .await
            .send_keys(&name)
            .await
            .unwrap();
        me.find("form[aria-label='New shelf'] button")
            .await
            .click()
            .await
            .unwrap();
        me.wait_for_toast("Shelf created (unlisted)").await;
        let shelf = me.landed_on("/shelves/").await;
        choose(&me, "public").await;

        // Books: a bad ISBN is refused with a toast; two good ones are added.
        for (isbn, title) in [
            ("978-0-306-40615-8", "Typo"),
            ("978-0-14-044913-6", "Dostoevsky"),
            ("9780306406157", "Secret diary"),
        ] {
            me.find("form[aria-label='Add a book'] [name=isbn13]")
                .await
                .send_keys(isbn)
                .await
                .unwrap();
            me.find("form[aria-label='Add a book'] [name=title]")
                .await
                .send_keys(&format!("{title} {XSS}"))
                .await
                .unwrap();
            me.find("form[aria-label='Add a book'] button")
                .await
                .click()
                .await
                .unwrap();
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
        me.inside("dialog.menu hedgerow-privacy", "input[value=private]")
            .await
            .click()
            .await
            .unwrap();
        me.wait_for_toast("Visibility set to Private").await;
        me.eventually("the menu to close", || async {
            me.client
                .find(Locator::Css("dialog.menu"))
                .await
                .is_err()
                .then_some(())
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
        other.goto("/app/#/discover").await;
        other
            .inside("hedgerow-discover", "input[name=search]")
            .await
            .send_keys("Reading")
            .await
            .unwrap();
        other
            .inside("hedgerow-discover", "form button")
            .await
            .click()
            .await
            .unwrap();
        other.wait_for_page_text("1 book · by Ada").await;
        other.assert_no_injected_markup().await;
        other.screenshot("discover").await;
        other
            .inside("hedgerow-discover", "li a")
            .await
            .click()
            .await
            .unwrap();
        other.wait_for_page_text("Dostoevsky").await;
        assert!(
            !other.page_text().await.contains("Secret diary"),
            "a private book stays hidden"
        );
        assert!(
            other
                .client
                .find(Locator::Css("hedgerow-privacy"))
                .await
                .is_err()
        );

        // Unlisted: never discovered, still open at its address. Private: not even there.
        me.goto(&format!("/app/#/shelves/{shelf}")).await;
        choose(&me, "unlisted").await;
        other.goto("/app/#/discover").await;
        other
            .inside("hedgerow-discover", "input[name=search]")
            .await
            .send_keys("Reading")
            .await
            .unwrap();
        other
            .inside("hedgerow-discover", "form button")
            .await
            .click()
            .await
            .unwrap();
        other.wait_for_page_text("No public shelf matches").await;
        other.goto(&format!("/app/#/shelves/{shelf}")).await;
        other.wait_for_page_text("Dostoevsky").await;
        choose(&me, "private").await;
        other.goto(&format!("/app/#/shelves/{shelf}")).await;
        other.wait_for_text("h1", "Not available").await;

        // Sign out from the settings page.
        me.goto("/app/#/settings").await;
        me.inside(SETTINGS, "section[aria-labelledby=account] button")
            .await
            .click()
            .await
            .unwrap();
        me.wait_for_text("h1", "Sign in").await;
        me.wait_for_toast("Signed out").await;
        for browser in [me, other] {
            browser.close().await;
        }
    })
    .await;
}
