//! The privacy rules as a reference model, checked against the real service: proptest drives
//! random sequences of changes (visibility flips, overrides, invitations, revocations, link
//! creation, revocation, disabling, regeneration and expiry) and after each one compares every
//! viewer's view — reads by id, shared links, feed, discovery and its counts, shared-with-me,
//! and an analyst's SQL — with what the model says. Any disagreement fails.
//!
//! The parent and child kinds are picked too: hedgerow's shelves and books, or the cookbooks
//! and recipes of tests/fixtures/kinds — an app's kinds, declared in one SQL file, with no
//! Rust — which must obey every rule the same way.

use std::collections::BTreeSet;

use proptest::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Level, TestApp, TestUser, analyst, spawn_app_with_app_kinds, text_column};
use crate::shelves::isbn;

fn level() -> impl Strategy<Value = Level> {
    prop_oneof![
        Just(Level::Public),
        Just(Level::Unlisted),
        Just(Level::Private)
    ]
}

/// The resources of every case: 0 a session, 1 a parent (a shelf or a cookbook), 2 its child
/// (a book on that shelf, a recipe in that cookbook), 3 a plan.
const SESSION: usize = 0;
const SHELF: usize = 1;
const BOOK: usize = 2;
const PLAN: usize = 3;

/// Which parent and child kinds a case runs on.
#[derive(Clone, Copy, Debug)]
enum Family {
    /// hedgerow's own shelves and books.
    Shelves,
    /// An app's cookbooks and recipes (tests/fixtures/kinds).
    Cookbooks,
}

impl Family {
    /// The path segments of the four resources.
    fn plurals(self) -> [&'static str; 4] {
        match self {
            Family::Shelves => ["sessions", "shelves", "books", "plans"],
            Family::Cookbooks => ["sessions", "cookbooks", "recipes", "plans"],
        }
    }

    /// Creates a private parent and a child that inherits from it; their ids.
    async fn create(self, app: &TestApp, owner: &TestUser) -> (String, String) {
        let id = |reply: crate::helpers::Reply| {
            assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
            reply.body["data"]["id"].as_str().unwrap().to_string()
        };
        let (parent_body, child_path, child_body) = match self {
            Family::Shelves => (
                json!({ "name": "Model shelf", "privacy_level": "private" }),
                "books",
                json!({ "isbn13": isbn(900) }),
            ),
            Family::Cookbooks => (
                json!({ "title": "Model cookbook", "visibility": "private" }),
                "recipes",
                json!({ "name": "Model recipe" }),
            ),
        };
        let [_, parents, _, _] = self.plurals();
        let parent = id(app
            .post(&format!("/api/{parents}"), Some(&owner.token), parent_body)
            .await);
        let child = id(app
            .post(
                &format!("/api/{parents}/{parent}/{child_path}"),
                Some(&owner.token),
                child_body,
            )
            .await);
        (parent, child)
    }
}

#[derive(Clone, Debug)]
enum Change {
    SetLevel(usize, Level),
    /// The book's override (None: inherit the shelf's level).
    SetOverride(Option<Level>),
    Invite(usize),
    Uninvite(usize),
    ExpireInvitation(usize),
    CreateLink(usize),
    RevokeNewestLink(usize),
    SwitchLinks(usize, bool),
    RegenerateLink(usize),
    ExpireLinks(usize),
}

fn change() -> impl Strategy<Value = Change> {
    let top = prop_oneof![Just(SESSION), Just(SHELF), Just(PLAN)];
    let resource = 0..4usize;
    prop_oneof![
        2 => (top, level()).prop_map(|(r, l)| Change::SetLevel(r, l)),
        2 => proptest::option::of(level()).prop_map(Change::SetOverride),
        2 => resource.clone().prop_map(Change::Invite),
        1 => resource.clone().prop_map(Change::Uninvite),
        1 => resource.clone().prop_map(Change::ExpireInvitation),
        2 => resource.clone().prop_map(Change::CreateLink),
        1 => resource.clone().prop_map(Change::RevokeNewestLink),
        1 => (resource.clone(), any::<bool>()).prop_map(|(r, on)| Change::SwitchLinks(r, on)),
        1 => resource.clone().prop_map(Change::RegenerateLink),
        1 => resource.prop_map(Change::ExpireLinks),
    ]
}

/// A random starting point: each top-level resource's level, the book's override, and which
/// resources start out shared by invitation and by link.
fn setup() -> impl Strategy<Value = Vec<Change>> {
    (
        proptest::array::uniform3(level()),
        proptest::option::of(level()),
        proptest::array::uniform4(any::<bool>()),
        proptest::array::uniform4(any::<bool>()),
    )
        .prop_map(|(levels, book, invited, linked)| {
            let mut changes: Vec<Change> = [SESSION, SHELF, PLAN]
                .into_iter()
                .zip(levels)
                .map(|(r, l)| Change::SetLevel(r, l))
                .collect();
            changes.push(Change::SetOverride(book));
            changes.extend((0..4).filter(|&r| invited[r]).map(Change::Invite));
            changes.extend((0..4).filter(|&r| linked[r]).map(Change::CreateLink));
            changes
        })
}

#[derive(Clone, Debug)]
struct Link {
    id: String,
    token: String,
    enabled: bool,
    revoked: bool,
    expired: bool,
}

impl Link {
    fn active(&self) -> bool {
        self.enabled && !self.revoked && !self.expired
    }
}

#[derive(Debug)]
struct Resource {
    id: String,
    /// Own level (the book's override; None only for the book).
    level: Option<Level>,
    links: Vec<Link>,
    /// The guest's invitation: None, or Some(active).
    invitation: Option<bool>,
}

/// The model: the state it believes in, and every token ever handed out.
struct Model {
    resources: Vec<Resource>,
    dead_tokens: Vec<String>,
}

impl Model {
    fn effective(&self, r: usize) -> Level {
        self.resources[r]
            .level
            .unwrap_or_else(|| self.effective(SHELF))
    }

    /// Resources whose access a grant or link on `r` reaches: itself, and for the shelf its
    /// book unless the book is overridden to private.
    fn reach(&self, r: usize) -> Vec<usize> {
        let mut reached = vec![r];
        if r == SHELF && self.resources[BOOK].level != Some(Level::Private) {
            reached.push(BOOK);
        }
        reached
    }

    fn invited_to(&self, r: usize) -> bool {
        (0..4).any(|g| self.resources[g].invitation == Some(true) && self.reach(g).contains(&r))
    }

    fn token_opens(&self, token: &str, r: usize) -> bool {
        (0..4).any(|l| {
            self.resources[l]
                .links
                .iter()
                .any(|k| k.token == token && k.active())
                && self.reach(l).contains(&r)
        })
    }

    /// GET /api/{kind}/{id} by a viewer: the owner, the guest, a stranger, or anyone holding `token`.
    fn reads(&self, viewer: Viewer, r: usize, token: Option<&str>) -> bool {
        viewer == Viewer::Owner
            || self.effective(r) != Level::Private
            || (viewer == Viewer::Guest && self.invited_to(r))
            || token.is_some_and(|t| self.token_opens(t, r))
    }

    fn all_tokens(&self) -> Vec<String> {
        let live = self
            .resources
            .iter()
            .flat_map(|r| r.links.iter().map(|l| l.token.clone()));
        live.chain(self.dead_tokens.iter().cloned()).collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Viewer {
    Owner,
    Guest,
    Stranger,
    Anonymous,
}

struct World {
    family: Family,
    app: TestApp,
    /// An unmapped analyst, over SQL.
    sql: tokio_postgres::Client,
    owner: TestUser,
    guest: TestUser,
    stranger: TestUser,
    model: Model,
}

impl World {
    async fn new(family: Family) -> World {
        let app = spawn_app_with_app_kinds().await;
        let owner = app.user("model_owner").await;
        let guest = app.user("model_guest").await;
        let stranger = app.user("model_stranger").await;
        let id =
            |reply: crate::helpers::Reply| reply.body["data"]["id"].as_str().unwrap().to_string();
        let session = id(app
            .post(
                "/api/sessions",
                Some(&owner.token),
                json!({ "track": "Spa" }),
            )
            .await);
        let (shelf, book) = family.create(&app, &owner).await;
        let plan = id(app
            .post(
                "/api/plans",
                Some(&owner.token),
                json!({ "title": "t", "filename": "f", "content": "c" }),
            )
            .await);
        let plan_link = app
            .get(&format!("/api/plans/{plan}/share-link"), Some(&owner.token))
            .await;
        let plan_link = Link {
            id: plan_link.body["data"]["id"].as_str().unwrap().to_string(),
            token: plan_link.body["data"]["share_url"]
                .as_str()
                .unwrap()
                .rsplit("token=")
                .next()
                .unwrap()
                .to_string(),
            enabled: false,
            revoked: false,
            expired: false,
        };
        let resource = |id: String, level: Option<Level>, links: Vec<Link>| Resource {
            id,
            level,
            links,
            invitation: None,
        };
        let model = Model {
            resources: vec![
                resource(session, Some(Level::Private), vec![]),
                resource(shelf, Some(Level::Private), vec![]),
                resource(book, None, vec![]),
                resource(plan, Some(Level::Private), vec![plan_link]),
            ],
            dead_tokens: vec![],
        };
        let sql = analyst(&app, None).await;
        World {
            family,
            app,
            sql,
            owner,
            guest,
            stranger,
            model,
        }
    }

    fn base(&self, r: usize) -> String {
        format!(
            "/api/{}/{}",
            self.family.plurals()[r],
            self.model.resources[r].id
        )
    }

    async fn apply(&mut self, change: &Change) {
        let owner = Some(self.owner.token.as_str());
        match *change {
            Change::SetLevel(r, level) => {
                let reply = self
                    .app
                    .request(
                        Method::PUT,
                        &format!("{}/privacy", self.base(r)),
                        owner,
                        Some(json!({ "visibility": level.name() })),
                    )
                    .await;
                assert_eq!(reply.status, StatusCode::OK, "{change:?}: {:?}", reply.body);
                self.model.resources[r].level = Some(level);
            }
            Change::SetOverride(level) => {
                let reply = self
                    .app
                    .request(
                        Method::PUT,
                        &format!("{}/privacy", self.base(BOOK)),
                        owner,
                        Some(json!({ "visibility": level.map(Level::name) })),
                    )
                    .await;
                assert_eq!(reply.status, StatusCode::OK, "{change:?}");
                self.model.resources[BOOK].level = level;
            }
            Change::Invite(r) => {
                let reply = self
                    .app
                    .post(
                        &format!("{}/access", self.base(r)),
                        owner,
                        json!({ "username": "model_guest" }),
                    )
                    .await;
                let already = self.model.resources[r].invitation.is_some();
                assert_eq!(
                    reply.status,
                    if already {
                        StatusCode::OK
                    } else {
                        StatusCode::CREATED
                    },
                    "{change:?}"
                );
                // Re-inviting keeps an expired invitation's expiry: it stays expired.
                self.model.resources[r].invitation.get_or_insert(true);
            }
            Change::Uninvite(r) => {
                let reply = self
                    .app
                    .request(
                        Method::DELETE,
                        &format!("{}/access/{}", self.base(r), self.guest.id),
                        owner,
                        None,
                    )
                    .await;
                let expected = if self.model.resources[r].invitation.is_some() {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                assert_eq!(reply.status, expected, "{change:?}");
                self.model.resources[r].invitation = None;
            }
            Change::ExpireInvitation(r) => {
                self.admin("UPDATE data.grants SET expires_at = now() - interval '1 second' WHERE resource_id = $1::text::uuid", r).await;
                if self.model.resources[r].invitation.is_some() {
                    self.model.resources[r].invitation = Some(false);
                }
            }
            Change::CreateLink(r) => {
                let reply = self
                    .app
                    .post(&format!("{}/shares", self.base(r)), owner, json!({}))
                    .await;
                assert_eq!(reply.status, StatusCode::CREATED, "{change:?}");
                let link = Link {
                    id: reply.body["data"]["id"].as_str().unwrap().to_string(),
                    token: reply.body["data"]["token"].as_str().unwrap().to_string(),
                    enabled: true,
                    revoked: false,
                    expired: false,
                };
                self.model.resources[r].links.push(link);
            }
            Change::RevokeNewestLink(r) => {
                let base = self.base(r);
                if let Some(link) = self.model.resources[r]
                    .links
                    .iter_mut()
                    .rev()
                    .find(|l| !l.revoked)
                {
                    let reply = self
                        .app
                        .request(
                            Method::DELETE,
                            &format!("{base}/shares/{}", link.id),
                            owner,
                            None,
                        )
                        .await;
                    assert_eq!(reply.status, StatusCode::OK, "{change:?}");
                    link.revoked = true;
                }
            }
            Change::SwitchLinks(r, on) => {
                let reply = self
                    .app
                    .request(
                        Method::PUT,
                        &format!("{}/privacy", self.base(r)),
                        owner,
                        Some(json!({ "share_link_enabled": on })),
                    )
                    .await;
                assert_eq!(reply.status, StatusCode::OK, "{change:?}");
                self.model.resources[r]
                    .links
                    .iter_mut()
                    .for_each(|l| l.enabled = on);
            }
            Change::RegenerateLink(r) => {
                let reply = self
                    .app
                    .post(
                        &format!("{}/share-link/regenerate", self.base(r)),
                        owner,
                        json!({}),
                    )
                    .await;
                assert_eq!(reply.status, StatusCode::OK, "{change:?}");
                let token = reply.body["data"]["share_url"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap();
                let token = token.rsplit("token=").next().unwrap().to_string();
                let id = reply.body["data"]["id"].as_str().unwrap().to_string();
                let links = &mut self.model.resources[r].links;
                match links.iter_mut().find(|l| l.id == id) {
                    Some(link) => {
                        self.model
                            .dead_tokens
                            .push(std::mem::replace(&mut link.token, token));
                    }
                    None => links.push(Link {
                        id,
                        token,
                        enabled: true,
                        revoked: false,
                        expired: false,
                    }),
                }
            }
            Change::ExpireLinks(r) => {
                self.admin("UPDATE data.share_links SET expires_at = now() - interval '1 second' WHERE resource_id = $1::text::uuid", r).await;
                self.model.resources[r]
                    .links
                    .iter_mut()
                    .for_each(|l| l.expired = true);
            }
        }
    }

    async fn admin(&self, sql: &str, r: usize) {
        self.app
            .admin()
            .await
            .execute(sql, &[&self.model.resources[r].id])
            .await
            .unwrap();
    }

    fn token_of(&self, viewer: Viewer) -> Option<&str> {
        match viewer {
            Viewer::Owner => Some(&self.owner.token),
            Viewer::Guest => Some(&self.guest.token),
            Viewer::Stranger => Some(&self.stranger.token),
            Viewer::Anonymous => None,
        }
    }

    /// Compares every observation with the model.
    async fn check(&self, after: &[Change]) {
        let m = &self.model;
        for (r, kind) in self.family.plurals().iter().enumerate() {
            for viewer in [
                Viewer::Owner,
                Viewer::Guest,
                Viewer::Stranger,
                Viewer::Anonymous,
            ] {
                let got = self
                    .app
                    .get(&self.base(r), self.token_of(viewer))
                    .await
                    .status;
                assert_eq!(
                    got == StatusCode::OK,
                    m.reads(viewer, r, None),
                    "{viewer:?} GET {} after {after:?}",
                    kind
                );
            }
            for token in m.all_tokens() {
                let got = self
                    .app
                    .get(&format!("{}?token={token}", self.base(r)), None)
                    .await
                    .status;
                assert_eq!(
                    got == StatusCode::OK,
                    m.reads(Viewer::Anonymous, r, Some(&token)),
                    "token GET {} after {after:?}",
                    kind
                );
            }
        }
        for token in m.all_tokens() {
            let opens = (0..4).any(|r| {
                m.resources[r]
                    .links
                    .iter()
                    .any(|l| l.token == token && l.active())
            });
            let got = self
                .app
                .get(&format!("/api/shared/{token}"), None)
                .await
                .status;
            assert_eq!(
                got == StatusCode::OK,
                opens,
                "/api/shared/{{token}} after {after:?}"
            );
        }
        let feed = self.app.get("/api/public/sessions", None).await;
        assert_eq!(
            feed.body["pagination"]["total"] == 1,
            m.effective(SESSION) == Level::Public,
            "feed after {after:?}"
        );
        let shelf_listed = m.effective(SHELF) == Level::Public;
        let book_listed = m.effective(BOOK) == Level::Public;
        match self.family {
            Family::Shelves => {
                let discovery = self.app.get("/api/shelves/public", None).await;
                assert_eq!(
                    discovery.body["pagination"]["total"] == 1,
                    shelf_listed,
                    "discovery after {after:?}"
                );
                if shelf_listed {
                    assert_eq!(
                        discovery.body["data"][0]["book_count"],
                        u64::from(book_listed),
                        "book_count after {after:?}"
                    );
                }
            }
            Family::Cookbooks => {
                for (path, listed) in [
                    ("/api/public/cookbooks", shelf_listed),
                    ("/api/public/recipes", book_listed),
                ] {
                    let feed = self.app.get(path, None).await;
                    assert_eq!(
                        feed.body["pagination"]["total"] == 1,
                        listed,
                        "{path} after {after:?}"
                    );
                    assert_eq!(
                        feed.body["data"].as_array().unwrap().len() == 1,
                        listed,
                        "{path} after {after:?}"
                    );
                }
            }
        }
        let shared = self
            .app
            .get("/api/shared-with-me", Some(&self.guest.token))
            .await;
        let invitations = m
            .resources
            .iter()
            .filter(|r| r.invitation == Some(true))
            .count();
        assert_eq!(
            shared.body["pagination"]["total"], invitations as u64,
            "shared-with-me after {after:?}"
        );

        let seen: BTreeSet<String> =
            text_column(&self.sql, "SELECT id::text FROM analytics.resources").await;
        let expected: BTreeSet<String> = (0..4)
            .filter(|&r| m.effective(r) == Level::Public)
            .map(|r| m.resources[r].id.clone())
            .collect();
        assert_eq!(seen, expected, "an analyst's SELECT after {after:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 32, ..ProptestConfig::default() })]

    #[test]
    fn the_service_agrees_with_the_privacy_model_after_any_changes(
        family in prop_oneof![Just(Family::Shelves), Just(Family::Cookbooks)],
        start in setup(),
        changes in proptest::collection::vec(change(), 0..6),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let mut world = World::new(family).await;
            for change in &start {
                world.apply(change).await;
            }
            let all: Vec<Change> = start.iter().chain(&changes).cloned().collect();
            world.check(&all[..start.len()]).await;
            for n in start.len()..all.len() {
                world.apply(&all[n]).await;
                world.check(&all[..=n]).await;
            }
        });
    }
}
