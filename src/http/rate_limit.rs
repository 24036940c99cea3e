//! Per-client-IP rate limiting of requests that carry a share token: a token bucket per
//! address, refilled continuously. Guessing tokens is hopeless (256 bits), but nobody should
//! get to try quickly.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Buckets untouched for this long are full again and can be forgotten.
const IDLE: Duration = Duration::from_secs(120);
/// Forget idle buckets once this many addresses are tracked.
const SWEEP_AT: usize = 10_000;

pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// Allows `per_minute` requests a minute per address, in bursts of up to as many.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request's token for `ip`, or says how long until one is free.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, bucket| now.duration_since(bucket.updated) < IDLE);
        }
        let capacity = self.per_minute;
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * capacity / 60.0;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) * 60.0 / capacity,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_until_the_bucket_refills() {
        let limiter = RateLimiter::new(3);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(ip, start).is_ok());
        }
        let wait = limiter.check_at(ip, start).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(
            limiter
                .check_at(ip, start + Duration::from_secs(21))
                .is_ok()
        );
    }

    #[test]
    fn addresses_have_their_own_buckets() {
        let limiter = RateLimiter::new(1);
        let now = Instant::now();
        assert!(limiter.check_at("192.0.2.1".parse().unwrap(), now).is_ok());
        assert!(limiter.check_at("192.0.2.1".parse().unwrap(), now).is_err());
        assert!(limiter.check_at("192.0.2.2".parse().unwrap(), now).is_ok());
    }
}
