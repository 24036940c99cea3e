//! The components as an app embeds them (made by script in a page, handed a token as a
//! property, themed by a custom property): the feed and the access log page by cursor with
//! "Load more", discovery by offset with Previous and Next.

use serde_json::json;

use super::TEST_LIMIT;
use super::browser::{Browser, within};
use crate::helpers::spawn_app;
use crate::sessions::create_session;

const EMBED: &str = "const [token, session] = arguments;
const box = document.createElement('div');
box.style.setProperty('--hedgerow-accent', 'rgb(200, 0, 0)');
const make = (tag, attributes) => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.token = token;
  return box.appendChild(element);
};
make('hedgerow-feed', { track: 'Spa', limit: '2', href: '#/sessions/{id}' });
make('hedgerow-access-log', { kind: 'sessions', 'resource-id': session, limit: '2' });
make('hedgerow-discover', { limit: '2' });
document.getElementById('main').replaceChildren(box);";

#[tokio::test]
async fn embedded_components_page_through_long_lists() {
    let app = spawn_app().await;
    let owner = app.user("pager").await;
    let mut session = String::new();
    for title in ["First", "Second", "Third"] {
        let body =
            json!({ "track": "Spa", "title": title, "laps": [90000], "visibility": "public" });
        session = create_session(&app, &owner, body).await;
        let shelf = json!({ "name": format!("Shelf {title}"), "privacy_level": "public" });
        app.post("/api/shelves", Some(&owner.token), shelf).await;
    }
    for _ in 0..4 {
        app.get(&format!("/api/sessions/{session}"), Some(&owner.token))
            .await;
    }
    within(TEST_LIMIT, async {
        let page = Browser::open(&app).await;
        page.goto("/app/#/sign-in").await;
        page.find("textarea").await;
        page.script(EMBED, vec![json!(owner.token), json!(session)])
            .await;

        page.wait_for_page_text("2 of 3 public sessions").await;
        let link = page.inside("hedgerow-feed", "li a").await;
        assert_eq!(
            link.css_value("color").await.unwrap(),
            "rgba(200, 0, 0, 1)",
            "themed"
        );
        page.click_in("hedgerow-feed", "p.status + button").await;
        page.wait_for_page_text("3 of 3 public sessions").await;
        let more = page.inside("hedgerow-feed", "p.status + button").await;
        assert!(!more.is_displayed().await.unwrap(), "nothing more to load");

        page.wait_for_page_text("2 of 4 visits").await;
        page.click_in("hedgerow-access-log", "p.status + button")
            .await;
        page.wait_for_page_text("4 of 4 visits").await;

        page.wait_for_page_text("Shelves 1–2 of 3").await;
        let next = page
            .inside("hedgerow-discover", "nav button:last-child")
            .await;
        next.click().await.unwrap();
        page.wait_for_page_text("Shelves 3–3 of 3").await;
        assert_eq!(
            next.prop("disabled").await.unwrap().as_deref(),
            Some("true")
        );
        page.click_in("hedgerow-discover", "nav button:first-child")
            .await;
        page.wait_for_page_text("Shelves 1–2 of 3").await;
        page.close().await;
    })
    .await;
}
