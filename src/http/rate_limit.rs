//! Rate limiting of requests that carry a share token, per client network: a token bucket per
//! IPv4 address or IPv6 /64 (one subscriber's whole allocation: an address of its own per
//! request must not buy a fresh bucket), refilled continuously. Guessing tokens is hopeless
//! (256 bits), but nobody should get to try quickly. Each answer says where the caller stands
//! in the IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers).

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::Mutex,
    time::{Duration, Instant},
};

/// Buckets untouched for this long are full again and can be forgotten.
const IDLE: Duration = Duration::from_secs(120);
/// Forget idle buckets once this many networks are tracked.
const SWEEP_AT: usize = 10_000;
/// The window a policy's quota is stated over, in seconds.
const WINDOW_SECONDS: u32 = 60;

pub struct RateLimiter {
    /// The policy's name in the RateLimit fields.
    name: &'static str,
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Where a caller stands after a request: allowed or not, what is left, and when it refills.
#[derive(Debug, PartialEq)]
pub struct Standing {
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until the bucket is full again (RateLimit's t).
    pub full_in: u64,
    /// Refused: how long until one request is allowed (Retry-After).
    pub refused_for: Option<Duration>,
}

impl RateLimiter {
    /// Allows `per_minute` requests a minute per client network, in bursts of up to as many.
    pub fn new(name: &'static str, per_minute: u32) -> Self {
        RateLimiter {
            name,
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request's token for `ip`'s network, or refuses.
    pub fn take(&self, ip: IpAddr) -> Standing {
        self.take_at(ip, Instant::now())
    }

    fn take_at(&self, ip: IpAddr, now: Instant) -> Standing {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, bucket| now.duration_since(bucket.updated) < IDLE);
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / f64::from(WINDOW_SECONDS);
        let bucket = buckets.entry(client_network(ip)).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.updated = now;
        let refused_for = if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        };
        Standing {
            remaining: bucket.tokens.floor() as u32,
            full_in: ((capacity - bucket.tokens) / per_second).ceil() as u64,
            refused_for,
        }
    }

    /// The RateLimit-Policy field: the quota and its window.
    pub fn policy(&self) -> String {
        format!("\"{}\";q={};w={WINDOW_SECONDS}", self.name, self.per_minute)
    }

    /// The RateLimit field for `standing`.
    pub fn status(&self, standing: &Standing) -> String {
        format!(
            "\"{}\";r={};t={}",
            self.name, standing.remaining, standing.full_in
        )
    }
}

/// The network a bucket belongs to: an IPv4 address (also when mapped into IPv6), or an IPv6
/// address's /64.
fn client_network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1))),
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_burst_is_allowed_then_refused_until_the_bucket_refills() {
        let limiter = RateLimiter::new("share", 3);
        let start = Instant::now();
        for left in [2, 1, 0] {
            let standing = limiter.take_at(ip("192.0.2.1"), start);
            assert_eq!(standing.refused_for, None);
            assert_eq!(standing.remaining, left);
        }
        let refused = limiter.take_at(ip("192.0.2.1"), start);
        let wait = refused.refused_for.unwrap();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert_eq!(refused.full_in, 60);
        let later = limiter.take_at(ip("192.0.2.1"), start + Duration::from_secs(21));
        assert_eq!(later.refused_for, None);
    }

    #[test]
    fn networks_have_their_own_buckets_and_an_ipv6_slash_64_is_one_network() {
        let limiter = RateLimiter::new("share", 1);
        let now = Instant::now();
        assert!(limiter.take_at(ip("192.0.2.1"), now).refused_for.is_none());
        assert!(limiter.take_at(ip("192.0.2.1"), now).refused_for.is_some());
        assert!(
            limiter
                .take_at(ip("::ffff:192.0.2.1"), now)
                .refused_for
                .is_some(),
            "the same IPv4 address mapped into IPv6"
        );
        assert!(limiter.take_at(ip("192.0.2.2"), now).refused_for.is_none());
        assert!(
            limiter
                .take_at(ip("2001:db8:1:2::1"), now)
                .refused_for
                .is_none()
        );
        assert!(
            limiter
                .take_at(ip("2001:db8:1:2:ffff:1:2:3"), now)
                .refused_for
                .is_some(),
            "another address of the same /64"
        );
        assert!(
            limiter
                .take_at(ip("2001:db8:1:3::1"), now)
                .refused_for
                .is_none()
        );
    }

    #[test]
    fn the_fields_follow_the_ietf_draft() {
        let limiter = RateLimiter::new("share", 60);
        let standing = limiter.take_at(ip("192.0.2.1"), Instant::now());
        assert_eq!(limiter.policy(), "\"share\";q=60;w=60");
        assert_eq!(limiter.status(&standing), "\"share\";r=59;t=1");
    }
}
