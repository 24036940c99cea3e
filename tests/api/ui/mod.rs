//! The web components and the demo app (/ui/, /app/): served as files with the right headers,
//! demo sign-in only where it is safe, and — in real headless Chromium — every success
//! criterion of the three seeds performed through the UI, each privacy rule checked from the
//! side that may not see, markup in every user-written field shown as text, and the share
//! dialog used with the keyboard alone.

mod assets;
mod browser;
mod keyboard;
mod lap_sessions;
mod paging;
mod plans;
mod shelves;
mod sign_in;

use crate::helpers::PUBLIC_URL;

/// What a hostile user writes into every field: it must show as text and never run.
pub const XSS: &str = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>";

/// How long one browser test may take before it fails instead of hanging.
pub const TEST_LIMIT: std::time::Duration = std::time::Duration::from_secs(150);

/// The path of a share URL (made with the tests' public URL), to open on the test server.
pub fn share_path(url: &str) -> &str {
    url.strip_prefix(PUBLIC_URL)
        .unwrap_or_else(|| panic!("{url} is not under {PUBLIC_URL}"))
}
