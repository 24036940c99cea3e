//! Read-your-writes with a read replica: a user who just changed something reads from the
//! primary for the next maximum lag, so they never see their own change missing (a session they
//! just made private still in the feed, a new shelf missing from their list). After that the
//! replica is either current past the change or not used at all. Kept per server process: behind
//! a load balancer, a user's next request must reach the same server (sticky routing) to get it.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Users who wrote within the last `window`, by user id.
#[derive(Debug)]
pub struct RecentWriters {
    window: Duration,
    last_write: Mutex<HashMap<String, Instant>>,
}

/// Past this many remembered users, those whose window has passed are forgotten.
const PRUNE_ABOVE: usize = 10_000;

impl RecentWriters {
    pub fn new(window: Duration) -> Self {
        RecentWriters {
            window,
            last_write: Mutex::new(HashMap::new()),
        }
    }

    /// Notes that `user` (a user id; empty for anonymous callers, who are not followed) wrote.
    pub fn wrote(&self, user: &str) {
        if user.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut last_write = self.last_write.lock().unwrap_or_else(|e| e.into_inner());
        if last_write.len() >= PRUNE_ABOVE {
            last_write.retain(|_, at| now.duration_since(*at) <= self.window);
        }
        last_write.insert(user.to_string(), now);
    }

    /// Whether `user` wrote within the window.
    pub fn wrote_lately(&self, user: &str) -> bool {
        if user.is_empty() {
            return false;
        }
        let last_write = self.last_write.lock().unwrap_or_else(|e| e.into_inner());
        last_write
            .get(user)
            .is_some_and(|at| at.elapsed() <= self.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_is_followed_for_the_window_and_anonymous_callers_never() {
        let writers = RecentWriters::new(Duration::from_millis(50));
        writers.wrote("alice");
        writers.wrote("");
        assert!(writers.wrote_lately("alice"));
        assert!(!writers.wrote_lately("bob"));
        assert!(!writers.wrote_lately(""));
        std::thread::sleep(Duration::from_millis(60));
        assert!(!writers.wrote_lately("alice"));
    }

    #[test]
    fn users_past_their_window_are_forgotten_when_many_are_remembered() {
        let writers = RecentWriters::new(Duration::from_millis(1));
        for n in 0..PRUNE_ABOVE {
            writers.wrote(&n.to_string());
        }
        std::thread::sleep(Duration::from_millis(5));
        writers.wrote("latest");
        assert_eq!(writers.last_write.lock().unwrap().len(), 1);
    }
}
