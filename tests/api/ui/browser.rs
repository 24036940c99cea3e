//! Real headless Chromium, driven over WebDriver (Debian's chromium-driver and fantoccini).
//! One chromedriver per test process, in its own process group; each browser gets a profile
//! directory of its own under one directory per run. A browser is closed by its test, or by
//! its Drop when the test fails; at exit the group is killed and the directory removed. Every
//! wait is bounded by WAIT.

use std::{
    future::Future,
    io::{Read, Write},
    net::TcpStream,
    os::unix::process::CommandExt,
    path::PathBuf,
    process::{Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use fantoccini::{
    Client, ClientBuilder, Locator,
    actions::{
        InputSource, KeyAction, KeyActions, MOUSE_BUTTON_RIGHT, MouseActions, PointerAction,
    },
    elements::Element,
    error::CmdError,
    key::Key,
    wd::TimeoutConfiguration,
};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, at_exit, run_directory};

/// The longest any wait for the page may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// The chromedriver of this test process.
struct Driver {
    url: String,
    chromium: Option<&'static str>,
    profiles: PathBuf,
}

fn installed(names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn driver() -> &'static Driver {
    static DRIVER: OnceLock<Driver> = OnceLock::new();
    DRIVER.get_or_init(|| {
        let chromedriver = installed(&["chromedriver", "/usr/lib/chromium/chromedriver"]).expect(
            "the browser tests need chromedriver: apt-get install -y chromium chromium-driver \
             (.ci/run installs them)",
        );
        let profiles = run_directory("hedgerow-browsers");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("starting chromedriver");
        let group = child.id() as i32;
        let dir = profiles.clone();
        at_exit(move || {
            // SAFETY: signalling the process group we started (chromedriver and its browsers).
            unsafe { libc::kill(-group, libc::SIGKILL) };
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&dir);
        });
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            url: format!("http://127.0.0.1:{port}"),
            chromium: ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
                .into_iter()
                .find(|path| std::path::Path::new(path).exists()),
            profiles,
        }
    })
}

/// Runs a browser test, failing it (instead of hanging) when it takes longer than `limit`.
pub async fn within<T>(limit: Duration, test: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, test)
        .await
        .unwrap_or_else(|_| panic!("the browser test took longer than {limit:?}"))
}

/// One browser window on the app, as one person (or nobody).
pub struct Browser {
    pub client: Client,
    base: String,
    session: String,
    profile: PathBuf,
    open: bool,
}

impl Browser {
    /// A new browser with an empty profile, at `app`'s address.
    pub async fn open(app: &TestApp) -> Browser {
        let driver = driver();
        let profile = driver.profiles.join(Uuid::new_v4().simple().to_string());
        let mut options = json!({ "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--window-size=1100,900", "--force-device-scale-factor=1",
            format!("--user-data-dir={}", profile.display()),
        ]});
        if let Some(chromium) = driver.chromium {
            options["binary"] = json!(chromium);
        }
        // Downloads land in the profile, which is removed with it.
        options["prefs"] = json!({
            "download.default_directory": profile.join("downloads"),
            "download.prompt_for_download": false,
        });
        let capabilities = json!({ "goog:chromeOptions": options });
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.as_object().unwrap().clone())
            .connect(&driver.url)
            .await
            .expect("starting a Chromium session");
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(WAIT),
                Some(Duration::from_secs(20)),
                Some(Duration::ZERO),
            ))
            .await
            .unwrap();
        let session = client.session_id().await.unwrap().unwrap();
        Browser {
            client,
            base: app.address.clone(),
            session,
            profile,
            open: true,
        }
    }

    /// The file `name` once the browser has downloaded it.
    pub async fn downloaded(&self, name: &str) -> String {
        let path = self.profile.join("downloads").join(name);
        self.eventually(&format!("the download {name}"), || async {
            std::fs::read_to_string(&path).ok()
        })
        .await
    }

    /// Ends the session (the browser quits) and removes the profile.
    pub async fn close(mut self) {
        self.open = false;
        let _ = self.client.clone().close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }

    /// Opens `path` (with the #fragment, e.g. `/app/#/plans`) of the app's server; when the
    /// browser is there already, loads it again.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        if self.client.current_url().await.unwrap().as_str() == url {
            self.client.refresh().await.unwrap();
        } else {
            self.client.goto(&url).await.unwrap();
        }
    }

    /// Signs in on the app's sign-in page with `token`, as a person pastes one.
    pub async fn sign_in(&self, token: &str) {
        self.goto("/app/#/sign-in").await;
        self.find("textarea[name=token]")
            .await
            .send_keys(token)
            .await
            .unwrap();
        self.find("form:has(textarea[name=token]) button")
            .await
            .click()
            .await
            .unwrap();
        self.wait_for_text("#me", "Signed in as").await;
    }

    /// Polls `probe` until it answers Some, for at most WAIT.
    pub async fn eventually<T, F: Future<Output = Option<T>>>(
        &self,
        what: &str,
        mut probe: impl FnMut() -> F,
    ) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(found) = probe().await {
                return found;
            }
            assert!(Instant::now() < deadline, "waited {WAIT:?} for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the app shows a page under `#{prefix}` and returns the rest of the
    /// fragment (e.g. the id after `/sessions/`).
    pub async fn landed_on(&self, prefix: &str) -> String {
        self.eventually(&format!("the page {prefix}…"), || async {
            let url = self.client.current_url().await.ok()?;
            let rest = url.fragment()?.strip_prefix(prefix)?.to_string();
            (!rest.is_empty()).then_some(rest)
        })
        .await
    }

    /// The first element of the page matching `css`, once there is one.
    pub async fn find(&self, css: &str) -> Element {
        self.eventually(css, || async {
            self.client.find(Locator::Css(css)).await.ok()
        })
        .await
    }

    /// Whether the page has an element matching `css` now (no waiting).
    pub async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Clicks the first element of the page matching `css`, once there is one (found again if
    /// a component re-renders it in between).
    pub async fn click(&self, css: &str) {
        self.eventually(&format!("{css} to click"), || async {
            unless_stale(self.find(css).await.click().await)
        })
        .await
    }

    /// Clicks the first element matching `css` inside `host`'s shadow root.
    pub async fn click_in(&self, host: &str, css: &str) {
        self.eventually(&format!("{host} {css} to click"), || async {
            unless_stale(self.inside(host, css).await.click().await)
        })
        .await
    }

    /// Types `text` into the first field of the page matching `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        self.eventually(&format!("{css} to type into"), || async {
            unless_stale(self.find(css).await.send_keys(text).await)
        })
        .await
    }

    /// Types `text` into the first field matching `css` inside `host`'s shadow root.
    pub async fn fill_in(&self, host: &str, css: &str, text: &str) {
        self.eventually(&format!("{host} {css} to type into"), || async {
            unless_stale(self.inside(host, css).await.send_keys(text).await)
        })
        .await
    }

    /// The first element of the page matching `xpath`, once there is one.
    pub async fn find_xpath(&self, xpath: &str) -> Element {
        self.eventually(xpath, || async {
            self.client.find(Locator::XPath(xpath)).await.ok()
        })
        .await
    }

    /// The first element matching `css` inside the shadow root of the first `host`.
    pub async fn inside(&self, host: &str, css: &str) -> Element {
        self.eventually(&format!("{host} {css}"), || async {
            let root = self.client.find(Locator::Css(host)).await.ok()?;
            root.shadow_root()
                .await
                .ok()?
                .find(Locator::Css(css))
                .await
                .ok()
        })
        .await
    }

    /// The visible text of everything on the page, shadow roots included.
    pub async fn page_text(&self) -> String {
        self.script(DEEP_TEXT, vec![])
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until the first element matching `css` (in the page) shows `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) {
        self.eventually(&format!("{text:?} in {css}"), || async {
            let element = self.client.find(Locator::Css(css)).await.ok()?;
            element.text().await.ok()?.contains(text).then_some(())
        })
        .await
    }

    /// Waits until the page, shadow roots included, shows `text`.
    pub async fn wait_for_page_text(&self, text: &str) {
        self.eventually(&format!("{text:?} on the page"), || async {
            self.page_text().await.contains(text).then_some(())
        })
        .await
    }

    /// Waits until a toast says `text`.
    pub async fn wait_for_toast(&self, text: &str) {
        self.eventually(&format!("a toast saying {text:?}"), || async {
            let host = self
                .client
                .find(Locator::Css("hedgerow-toasts"))
                .await
                .ok()?;
            let toasts = host.shadow_root().await.ok()?;
            for toast in toasts.find_all(Locator::Css(".toast")).await.ok()? {
                if toast.text().await.ok()?.contains(text) {
                    return Some(());
                }
            }
            None
        })
        .await
    }

    /// Presses `keys` one after another, on whatever has the focus.
    pub async fn press(&self, keys: &[Key]) {
        self.keystrokes(keys.iter().map(|key| char::from(*key)))
            .await;
    }

    /// Types `text` into whatever has the focus.
    pub async fn type_text(&self, text: &str) {
        self.keystrokes(text.chars()).await;
    }

    /// Presses Shift+Tab.
    pub async fn shift_tab(&self) {
        let (shift, tab) = (char::from(Key::Shift), char::from(Key::Tab));
        let actions = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: shift })
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab })
            .then(KeyAction::Up { value: shift });
        self.client.perform_actions(actions).await.unwrap();
    }

    async fn keystrokes(&self, keys: impl Iterator<Item = char>) {
        let mut actions = KeyActions::new("keyboard".into());
        for value in keys {
            actions = actions
                .then(KeyAction::Down { value })
                .then(KeyAction::Up { value });
        }
        self.client.perform_actions(actions).await.unwrap();
    }

    /// Presses Tab until the focus is on `label` (see [`Browser::focused`]), at most 40 times.
    pub async fn tab_to(&self, label: &str) {
        for _ in 0..40 {
            if self.focused().await == label {
                return;
            }
            self.press(&[Key::Tab]).await;
        }
        self.screenshot("tab-failure").await;
        let html = self
            .script(
                "return document.activeElement.outerHTML.slice(0, 300)",
                vec![],
            )
            .await;
        panic!(
            "Tab never reached {label:?} (last: {:?} {html})",
            self.focused().await
        );
    }

    /// Right-clicks `element`, as a person opens a context menu (scrolled to first, as a
    /// person would).
    pub async fn right_click(&self, element: &Element) {
        let scroll = "arguments[0].scrollIntoView({ block: 'center' })";
        self.script(scroll, vec![serde_json::to_value(element).unwrap()])
            .await;
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element: element.clone(),
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_RIGHT,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_RIGHT,
            });
        self.client.perform_actions(mouse).await.unwrap();
    }

    /// A short description of the focused element, looking inside shadow roots: its label,
    /// name or text.
    pub async fn focused(&self) -> String {
        let found = self.script(FOCUSED, vec![]).await;
        found.as_str().unwrap_or("(nothing)").to_string()
    }

    /// Runs `script` in the page with `args`.
    pub async fn script(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap()
    }

    /// Fails when anything users wrote became markup: an element anywhere (shadow roots
    /// included) with an event-handler attribute, a script outside the page's head, or a
    /// script that ran.
    pub async fn assert_no_injected_markup(&self) {
        let found = self.script(INJECTED, vec![]).await;
        assert_eq!(found, json!([]), "markup from user data in the page");
    }

    /// Saves a screenshot of the window as `{CARGO_TARGET_TMPDIR}/screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

impl Drop for Browser {
    /// A failed test never closed its browser: end the session with a plain blocking request,
    /// so Chromium quits now rather than at exit.
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let address = driver().url.trim_start_matches("http://").to_string();
        if let Ok(mut stream) = TcpStream::connect(&address) {
            let _ = stream.set_read_timeout(Some(WAIT));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
                 Content-Length: 0\r\n\r\n",
                self.session
            );
            let _ = stream.write_all(request.as_bytes());
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

const DEEP_TEXT: &str = "function text(node) {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent;
  if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return '';
  if (node.tagName === 'SCRIPT' || node.tagName === 'STYLE') return '';
  if (node.tagName === 'INPUT' || node.tagName === 'TEXTAREA') return ' ' + node.value + ' ';
  const own = node.shadowRoot ? text(node.shadowRoot) : '';
  return own + [...node.childNodes].map(text).join('') + ' ';
}
return text(document.body);";

const FOCUSED: &str = "let el = document.activeElement;
while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
if (!el || el === document.body) return '(nothing)';
return (el.getAttribute('aria-label') || el.name || el.textContent.trim() || el.tagName).slice(0, 80);";

const INJECTED: &str = concat!(
    "function walk(root, visit) {
  for (const el of root.querySelectorAll('*')) { visit(el); if (el.shadowRoot) walk(el.shadowRoot, visit); }
}",
    "
const found = [];
if (window.__xss !== undefined) found.push('window.__xss = ' + window.__xss);
walk(document, (el) => {
  for (const a of el.attributes) if (a.name.startsWith('on')) found.push(el.tagName + ' ' + a.name);
  if (el.tagName === 'SCRIPT' && el.parentElement !== document.head) found.push('script in body');
});
return found;"
);

/// Some when a command on an element succeeded; None when the element was replaced meanwhile
/// (a component re-rendered it), so that the caller finds it again; any other error fails.
fn unless_stale<T>(done: Result<T, CmdError>) -> Option<T> {
    match done {
        Ok(value) => Some(value),
        Err(error) if error.is_stale_element_reference() => None,
        Err(error) => panic!("{error}"),
    }
}
