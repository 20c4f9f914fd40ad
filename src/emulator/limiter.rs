//! The portal's rate limiter, as a cloud portal runs it: DocSpace-server v3.7.2's global chained
//! limiter (`common/ASC.Api.Core/Core/BaseStartup.cs` L228-303, defaults in
//! `common/ASC.Common/Utils/RateLimiterSettings.cs` L38-41) over `RedisRateLimiting` 1.2.1
//! (`cristipufu/aspnetcore-redis-rate-limiting`, tag `1.2.1`). Off unless [`Limiter`] says so,
//! as on an on-premises portal, whose default configuration leaves the limiter disabled.
//!
//! Per user (the caller's id, else one partition for anonymous callers), in this order; the
//! first refusal answers and the later limiters are not asked:
//! 1. a sliding window of `limit` requests per `window`, every method
//!    (`RedisSlidingWindowManager.cs` L15-43): entries older than the window are dropped, a
//!    request is admitted while fewer than `limit` remain, and only an admitted request is
//!    added, so a refusal does not count;
//! 2. concurrency: 50 GETs and 15 other requests in flight, refused at once (`QueueLimit` 0);
//! 3. a fixed window of POST and PUT requests (DELETE is not counted) that starts at the first
//!    one after the last window ended and lasts `window` (`RedisFixedWindowManager.cs` L14-45):
//!    a refused request does not count.
//!
//! A request refused by 2 or 3 was already added to 1 (the chain disposes the leases it took,
//! and disposing a sliding-window lease removes nothing). A refusal is a 429 with an empty body
//! and only the headers the refusing limiter offers (`RateLimitMetadata.OnRejected`):
//! `X-RateLimit-Limit` and `X-RateLimit-Remaining` from all three, and only from the fixed
//! window `Retry-After` (whole seconds to the window's end) and `X-RateLimit-Reset` (the end as
//! an absolute Unix time). No success carries any of them.
//!
//! Besides the chain, one endpoint policy the tool meets (`EmailInvitationApi`, BaseStartup.cs
//! L323-392, on `PUT files/rooms/{id}/share`, VirtualRoomsController.cs L485-487): off unless
//! `MaxEmailInvitationsPerDay` is set (`RateLimiterSettings.cs` L49, null by default), a fixed
//! window of a day per portal (not per user) that counts the request body's invitations with a
//! non-empty `email`, one permit each (`LooppedRedisFixedWindowRateLimiter`,
//! `RateLimiterPolicy.cs` L43-57: the permits taken before a refusal stay taken). It runs after
//! the chain, so a request it refuses was counted by the chain's limits; its 429 is the fixed
//! window's, as the daily limit's.
//!
//! Where it is stricter than a portal (never more lenient):
//! - A concurrency slot is held until the handler's response is made; a portal's lease expires
//!   after 60 s at the latest (`RedisConcurrencyManager.cs` L21-24), so a request stuck longer
//!   gives its slot back there.
//! - Anonymous callers share one partition; a portal partitions them by IP address
//!   (BaseStartup.cs L231-232). On loopback the two are the same.
//! - Windows are bounded only by arithmetic that saturates: a window too long to add is one
//!   that never ends.

use crate::docspace::{MAX_CONCURRENT_READS, MAX_CONCURRENT_WRITES, RateLimit};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which of a cloud portal's limits are on; all off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limiter {
    /// The sliding window (a cloud portal: 1,500 per 60 s, [`crate::docspace::WINDOW_LIMIT`]).
    pub window: Option<RateLimit>,
    /// 50 GETs and 15 other requests in flight per user.
    pub concurrency: bool,
    /// POST and PUT per fixed window (a cloud portal: 10,000 a day,
    /// [`crate::docspace::DAILY_WRITE_LIMIT`]).
    pub daily_writes: Option<RateLimit>,
    /// Email invitations per fixed window (a day on a portal), per portal: the
    /// `EmailInvitationApi` policy of `PUT …/share`, off unless a portal sets
    /// `MaxEmailInvitationsPerDay` (not in [`Limiter::cloud`]: whether the cloud sets it is not
    /// known).
    pub email_invitations: Option<RateLimit>,
}

impl Limiter {
    /// Every limit on, with a cloud portal's numbers.
    pub(crate) fn cloud() -> Limiter {
        Limiter {
            window: Some(crate::docspace::WINDOW_LIMIT),
            concurrency: true,
            daily_writes: Some(crate::docspace::DAILY_WRITE_LIMIT),
            email_invitations: None,
        }
    }

    /// Whether any limit is on.
    pub(crate) fn is_on(&self) -> bool {
        self.window.is_some()
            || self.concurrency
            || self.daily_writes.is_some()
            || self.email_invitations.is_some()
    }
}

/// What the limiter keeps per user.
#[derive(Default)]
struct Partition {
    /// When each request in the sliding window was admitted (time since the Unix epoch).
    admitted: VecDeque<Duration>,
    /// GETs in flight.
    reads: usize,
    /// Other requests in flight.
    writes: usize,
    /// The fixed window: its end (Unix seconds) and the POST and PUT requests counted in it.
    day: Option<(u64, u32)>,
}

/// The limiter's counters, by user, and the portal's email invitations.
#[derive(Default)]
pub(crate) struct LimiterState {
    partitions: Arc<Mutex<HashMap<String, Partition>>>,
    /// The email invitations' fixed window: its end (Unix seconds) and the permits taken.
    invitations: Mutex<Option<(u64, u32)>>,
}

/// A concurrency slot, given back when the request is done.
pub(crate) struct Slot {
    partitions: Arc<Mutex<HashMap<String, Partition>>>,
    user: String,
    read: bool,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Slot({}, {})", self.user, if self.read { "GET" } else { "other" })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut partitions = self.partitions.lock().expect("limiter lock");
        if let Some(partition) = partitions.get_mut(&self.user) {
            let held = if self.read { &mut partition.reads } else { &mut partition.writes };
            *held = held.saturating_sub(1);
        }
    }
}

impl LimiterState {
    /// Asks the limits in force about a `method` request of `user` at `now` (time since the
    /// Unix epoch, on the emulator's clock): `Ok` with the concurrency slot it holds until it is
    /// dropped, or the 429 to answer.
    pub(crate) fn admit(
        &self,
        limiter: &Limiter,
        user: &str,
        method: &str,
        now: Duration,
    ) -> Result<Option<Slot>, Refusal> {
        let mut partitions = self.partitions.lock().expect("limiter lock");
        let partition = partitions.entry(user.to_owned()).or_default();
        if let Some(RateLimit { limit, window }) = limiter.window {
            // `zremrangebyscore -inf (now - window)`: an entry exactly one window old is gone.
            while partition.admitted.front().is_some_and(|t| t.saturating_add(window) <= now) {
                partition.admitted.pop_front();
            }
            let count = partition.admitted.len();
            if count >= usize::try_from(limit).unwrap_or(usize::MAX) {
                return Err(Refusal { limit, reset: None });
            }
            partition.admitted.push_back(now);
        }
        let read = method == "GET";
        let slot = if limiter.concurrency {
            let (held, limit) = if read {
                (&mut partition.reads, MAX_CONCURRENT_READS)
            } else {
                (&mut partition.writes, MAX_CONCURRENT_WRITES)
            };
            if *held >= limit {
                let limit = u32::try_from(limit).unwrap_or(u32::MAX);
                return Err(Refusal { limit, reset: None });
            }
            *held += 1;
            Some(Slot { partitions: Arc::clone(&self.partitions), user: user.to_owned(), read })
        } else {
            None
        };
        if let Some(daily) = limiter.daily_writes
            && matches!(method, "POST" | "PUT")
            && let Err(refusal) = take(&mut partition.day, daily, now)
        {
            // Dropping the slot gives it back, as the chain disposes the leases it took.
            drop(partitions);
            drop(slot);
            return Err(refusal);
        }
        Ok(slot)
    }

    /// Asks the email-invitation policy about a request inviting `invitations` people by email
    /// at `now`: one permit each, the last one's answer (`LooppedRedisFixedWindowRateLimiter`).
    pub(crate) fn admit_invitations(
        &self,
        limiter: &Limiter,
        invitations: usize,
        now: Duration,
    ) -> Result<(), Refusal> {
        let Some(rate) = limiter.email_invitations else { return Ok(()) };
        let mut day = self.invitations.lock().expect("limiter lock");
        let mut answer = Ok(());
        for _ in 0..invitations {
            answer = take(&mut day, rate, now);
            // Every later permit of the same window is refused too.
            if answer.is_err() {
                break;
            }
        }
        answer
    }
}

/// Takes one permit of a fixed window (`RedisFixedWindowManager.cs` L14-45) at `now`: it works
/// in whole seconds (`ToUnixTimeSeconds`), is new once its end has passed (`expires_at < now`),
/// and counts only what it admits.
fn take(day: &mut Option<(u64, u32)>, rate: RateLimit, now: Duration) -> Result<(), Refusal> {
    let now = now.as_secs();
    let (end, count) = match *day {
        Some((end, count)) if end >= now => (end, count),
        _ => (now.saturating_add(rate.window.as_secs()), 0),
    };
    if count >= rate.limit {
        *day = Some((end, count));
        return Err(Refusal { limit: rate.limit, reset: Some((end, end - now)) });
    }
    *day = Some((end, count + 1));
    Ok(())
}

/// How many invitations by email a `PUT …/share` body holds, as the policy counts them
/// (BaseStartup.cs L348-378): its `invitations` (any case) with a non-empty `email`; 0 for a body
/// that is not that JSON.
pub(crate) fn email_invitations(body: &[u8]) -> usize {
    let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(body) else { return 0 };
    let field = |object: &serde_json::Map<String, serde_json::Value>, name: &str| {
        object.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    };
    let Some(serde_json::Value::Array(invitations)) = field(&body, "invitations") else {
        return 0;
    };
    invitations
        .iter()
        .filter(|invitation| match invitation {
            serde_json::Value::Object(invitation) => {
                matches!(field(invitation, "email"), Some(serde_json::Value::String(email)) if !email.is_empty())
            }
            _ => false,
        })
        .count()
}

/// A refusal: the refusing limiter's limit, and for a fixed window its end (Unix seconds) and
/// the seconds until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    limit: u32,
    reset: Option<(u64, u64)>,
}

impl IntoResponse for Refusal {
    /// The 429: an empty body, `X-RateLimit-Limit` and `X-RateLimit-Remaining` (0: a refusal
    /// means none is left), and for a fixed window `X-RateLimit-Reset` and `Retry-After`.
    fn into_response(self) -> Response {
        let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
        let headers = response.headers_mut();
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(0));
        if let Some((end, retry_after)) = self.reset {
            headers.insert("x-ratelimit-reset", HeaderValue::from(end));
            headers.insert("retry-after", HeaderValue::from(retry_after));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(refusal: &Refusal) -> Vec<(String, String)> {
        let response = refusal.into_response();
        assert_eq!(response.status(), 429);
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        headers
    }

    fn window(limit: u32, secs: u64) -> Limiter {
        Limiter {
            window: Some(RateLimit { limit, window: Duration::from_secs(secs) }),
            ..Limiter::default()
        }
    }

    #[test]
    fn the_window_admits_the_limit_and_slides_and_a_refusal_does_not_count() {
        let state = LimiterState::default();
        let limiter = window(2, 10);
        let at = |ms: u64| Duration::from_millis(1_000_000 + ms);
        assert!(state.admit(&limiter, "u", "GET", at(0)).is_ok());
        assert!(state.admit(&limiter, "u", "PUT", at(4_000)).is_ok());
        let refused = state.admit(&limiter, "u", "GET", at(9_999)).unwrap_err();
        assert_eq!(
            headers(&refused),
            [
                ("x-ratelimit-limit".into(), "2".into()),
                ("x-ratelimit-remaining".into(), "0".into())
            ]
        );
        assert!(state.admit(&limiter, "other", "GET", at(9_999)).is_ok(), "per user");
        // The first entry is exactly one window old: gone. The refusal above took no place.
        assert!(state.admit(&limiter, "u", "GET", at(10_000)).is_ok());
        assert!(state.admit(&limiter, "u", "GET", at(13_999)).is_err());
        assert!(state.admit(&limiter, "u", "GET", at(14_000)).is_ok());
    }

    #[test]
    fn concurrency_refuses_at_once_and_a_finished_request_gives_its_slot_back() {
        let state = LimiterState::default();
        let limiter = Limiter { concurrency: true, ..Limiter::default() };
        let now = Duration::from_secs(1_000_000);
        let writes: Vec<_> =
            (0..15).map(|_| state.admit(&limiter, "u", "DELETE", now).unwrap()).collect();
        let refused = state.admit(&limiter, "u", "POST", now).unwrap_err();
        assert_eq!(headers(&refused)[0], ("x-ratelimit-limit".into(), "15".into()));
        assert!(state.admit(&limiter, "u", "GET", now).is_ok(), "reads have their own 50");
        drop(writes);
        assert!(state.admit(&limiter, "u", "POST", now).is_ok());
        let reads: Vec<_> =
            (0..50).map(|_| state.admit(&limiter, "u", "GET", now).unwrap()).collect();
        let refused = state.admit(&limiter, "u", "GET", now).unwrap_err();
        assert_eq!(headers(&refused)[0], ("x-ratelimit-limit".into(), "50".into()));
        drop(reads);
    }

    #[test]
    fn a_concurrency_refusal_was_counted_in_the_window_first() {
        let state = LimiterState::default();
        let limiter = Limiter { concurrency: true, ..window(16, 60) };
        let now = Duration::from_secs(1_000_000);
        let _held: Vec<_> =
            (0..15).map(|_| state.admit(&limiter, "u", "PUT", now).unwrap()).collect();
        assert!(state.admit(&limiter, "u", "PUT", now).is_err());
        // 16 entries in the window: the refused one took the last place.
        let refused = state.admit(&limiter, "u", "GET", now).unwrap_err();
        assert_eq!(headers(&refused)[0], ("x-ratelimit-limit".into(), "16".into()));
    }

    #[test]
    fn a_window_too_long_to_add_never_ends_and_never_panics() {
        let state = LimiterState::default();
        let huge = RateLimit { limit: 1, window: Duration::MAX };
        let limiter = Limiter {
            window: Some(huge),
            daily_writes: Some(huge),
            email_invitations: Some(huge),
            ..Limiter::default()
        };
        let now = Duration::from_secs(1_800_000_000);
        assert!(state.admit(&limiter, "u", "POST", now).is_ok());
        assert!(state.admit(&limiter, "u", "GET", now + Duration::from_secs(1)).is_err());
        assert!(state.admit(&limiter, "v", "PUT", now).is_ok());
        assert!(state.admit(&limiter, "v", "PUT", now + Duration::from_secs(5)).is_err());
        assert!(state.admit_invitations(&limiter, 2, now).is_err());
    }

    #[test]
    fn email_invitations_are_counted_per_portal_one_permit_each_from_the_body() {
        // BaseStartup.cs L348-378: invitations with a non-empty `email`, any case of the keys.
        let body = br#"{"Invitations": [{"email": "a@x.io"}, {"id": "u1"}, {"EMAIL": "b@x.io"}, {"email": ""}], "notify": false}"#;
        assert_eq!(email_invitations(body), 2);
        assert_eq!(email_invitations(b"not json"), 0);
        assert_eq!(email_invitations(br#"{"invitations": {"email": "a@x.io"}}"#), 0);
        let state = LimiterState::default();
        let limiter = Limiter {
            email_invitations: Some(RateLimit { limit: 3, window: Duration::from_secs(86_400) }),
            ..Limiter::default()
        };
        let start = 1_700_000_000;
        let at = |secs: u64| Duration::from_secs(start + secs);
        assert!(state.admit_invitations(&limiter, 0, at(0)).is_ok(), "no invitation: no limit");
        assert!(state.admit_invitations(&limiter, 2, at(0)).is_ok());
        // One place left: the first of two takes it, the second is refused, and so is the
        // request; the place stays taken.
        let refused = state.admit_invitations(&limiter, 2, at(10)).unwrap_err();
        let end = (start + 86_400).to_string();
        assert_eq!(
            headers(&refused),
            [
                ("retry-after".into(), "86390".into()),
                ("x-ratelimit-limit".into(), "3".into()),
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-reset".into(), end),
            ]
        );
        assert!(state.admit_invitations(&limiter, 1, at(20)).is_err());
        assert!(state.admit_invitations(&limiter, 1, at(86_401)).is_ok(), "a new day");
    }

    #[test]
    fn the_daily_cap_counts_post_and_put_from_the_first_and_says_when_it_ends() {
        let state = LimiterState::default();
        let limiter = Limiter {
            daily_writes: Some(RateLimit { limit: 2, window: Duration::from_secs(86_400) }),
            concurrency: true,
            ..Limiter::default()
        };
        let start = 1_700_000_000;
        let at = |secs: u64| Duration::from_secs(start + secs);
        assert!(state.admit(&limiter, "u", "GET", at(0)).is_ok(), "reads are not counted");
        assert!(state.admit(&limiter, "u", "POST", at(100)).is_ok(), "the window starts here");
        assert!(state.admit(&limiter, "u", "DELETE", at(200)).is_ok(), "nor are deletes");
        assert!(state.admit(&limiter, "u", "PUT", at(300)).is_ok());
        let refused = state.admit(&limiter, "u", "PUT", at(86_000)).unwrap_err();
        let end = start + 100 + 86_400;
        assert_eq!(
            headers(&refused),
            [
                ("retry-after".into(), "500".into()),
                ("x-ratelimit-limit".into(), "2".into()),
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-reset".into(), end.to_string()),
            ]
        );
        // The refused write gave its concurrency slot back: 15 more fit.
        let held: Vec<_> =
            (0..15).map(|_| state.admit(&limiter, "u", "DELETE", at(86_000)).unwrap()).collect();
        drop(held);
        // At the end itself the window still holds; a second later a new one starts.
        assert!(state.admit(&limiter, "u", "POST", at(100 + 86_400)).is_err());
        assert!(state.admit(&limiter, "u", "POST", at(101 + 86_400)).is_ok());
    }
}
