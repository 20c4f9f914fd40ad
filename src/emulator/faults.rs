//! Fault injection and portal behaviour switches: test hooks, not product API.
//!
//! [`Faults`] and [`Behaviour`] exist so that tests and the bench can make the emulator misbehave
//! the way a real portal, or a proxy in front of one, sometimes does. They carry no stability
//! promise: fields may change with the tests that need them. Handlers and the server consult
//! this module; it knows nothing of them.

use super::envelope::{ApiError, html_response};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Injected failures, all off by default. "Every Nth" counts the requests (or successful
/// creates) received since these faults were set, from 1. The portal's own rate limiter is not
/// a fault: see [`super::Limiter`] in [`Behaviour::limiter`].
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Delay before each request is handled.
    pub latency: Duration,
    /// Answer every Nth request with 429 and an empty body, as a portal's sliding window
    /// refuses: `X-RateLimit-Limit` 1500 and `X-RateLimit-Remaining` 0 only (no `Retry-After`,
    /// no `X-RateLimit-Reset`: `RedisSlidingWindowRateLimiter.cs` L118-150 offers neither).
    pub rate_limit_every: Option<u32>,
    /// With `rate_limit_every`: refuse as a fixed window does instead, adding `Retry-After`
    /// (these seconds) and `X-RateLimit-Reset` (now plus them, as an absolute Unix time).
    pub retry_after_secs: Option<u64>,
    /// Answer every Nth request with `server_error_status` and an HTML page (as a proxy does).
    pub server_error_every: Option<u32>,
    /// The status of the fault above (default 502).
    pub server_error_status: u16,
    /// Every Nth successful `POST /files/rooms` creates the room and then drops the connection
    /// without sending the response: a genuinely lost response (the client sees the connection
    /// closed before any status line), not an error status. Only if the server was built without
    /// its own listener would a 504 HTML page stand in for it; `Emulator` always has one.
    pub lose_create_response_every: Option<u32>,
    /// Every Nth successful folder create (`POST /files/folder/{id}`) creates the folder and
    /// then drops the connection without answering, as `lose_create_response_every` does.
    pub lose_folder_create_response_every: Option<u32>,
    /// `(start, times)`: someone else deletes the oldest room just before a room listing page
    /// at `startIndex` `start` is built, the first `times` times that page is asked for. Every
    /// later room moves up one place, so pages read before and after it miss one.
    pub delete_oldest_before_page: Option<(usize, u32)>,
    /// Every paged list (rooms, people, groups, a room's members) returns at most this many
    /// items per page whatever `count` asks, with `count` the items returned and `total` the
    /// true total, like a proxy or portal that caps pages below 100.
    pub page_cap: Option<usize>,
    /// Every room create (`POST /files/rooms`) that would succeed answers `504 Gateway Timeout`
    /// with a proxy's HTML page instead, and the room is committed (listed, readable) only
    /// this long afterwards on the emulator's clock: "a create committed a few seconds after a
    /// 504".
    pub create_commits_late: Option<Duration>,
    /// Each entry is `"METHOD /path/pattern"`, where `*` matches one path segment (for example
    /// `"PUT /api/2.0/files/rooms/*/share"`). The first request matching an entry answers 500
    /// with the portal's JSON error envelope and has no effect; the entry is then spent.
    pub fail_once: Vec<String>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency: Duration::ZERO,
            rate_limit_every: None,
            retry_after_secs: None,
            server_error_every: None,
            server_error_status: 502,
            lose_create_response_every: None,
            lose_folder_create_response_every: None,
            delete_oldest_before_page: None,
            page_cap: None,
            create_commits_late: None,
            fail_once: Vec::new(),
        }
    }
}

impl Faults {
    /// The answer for the `sequence`-th request when a fault says so (before the handler runs),
    /// `now` on the emulator's clock.
    pub(crate) fn before_request(&self, sequence: u64, now: Duration) -> Option<Response> {
        if is_nth(self.rate_limit_every, sequence) {
            Some(too_many(self.retry_after_secs, now))
        } else if is_nth(self.server_error_every, sequence) {
            let status =
                StatusCode::from_u16(self.server_error_status).unwrap_or(StatusCode::BAD_GATEWAY);
            Some(html_response(status))
        } else {
            None
        }
    }
}

/// Portal behaviour that differs between portals or that tests need to control.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// The `/fileops` read that reports an operation finished (1 = the first; 0 counts as 1).
    /// Captured when the operation starts.
    pub polls_per_operation: u32,
    /// Answer 403 `Access denied` to deleting an active room (a role without that right).
    pub deny_active_delete: bool,
    /// Operations finish with this `error` and change nothing.
    pub failing_operation: Option<String>,
    /// Operations are reported running forever and change nothing.
    pub operations_never_finish: bool,
    /// The portal's rate limiter: off, as on an on-premises portal (see [`super::Limiter`]).
    pub limiter: super::limiter::Limiter,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            polls_per_operation: 1,
            deny_active_delete: false,
            failing_operation: None,
            operations_never_finish: false,
            limiter: super::limiter::Limiter::default(),
        }
    }
}

/// A marker on a response: the server drops the connection instead of answering.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoseResponse;

/// The faults in force and the counters and windows they run on.
#[derive(Default)]
pub(crate) struct FaultState {
    faults: Mutex<Faults>,
    /// Requests received so far.
    sequence: AtomicU64,
    /// Rooms created through the API so far.
    creates: AtomicU64,
    /// Folders created through the API so far.
    folder_creates: AtomicU64,
    /// Rooms deleted by `Faults::delete_oldest_before_page` so far.
    churned: AtomicU64,
    /// The `Faults::fail_once` entries already spent, by index.
    spent: Mutex<Vec<usize>>,
}

impl FaultState {
    pub(crate) fn new(faults: Faults) -> FaultState {
        FaultState { faults: Mutex::new(faults), ..FaultState::default() }
    }

    /// The faults in force.
    pub(crate) fn current(&self) -> Faults {
        self.faults.lock().expect("faults lock").clone()
    }

    /// New faults, with their counters started afresh.
    pub(crate) fn set(&self, faults: Faults) {
        let mut current = self.faults.lock().expect("faults lock");
        self.sequence.store(0, Ordering::SeqCst);
        self.creates.store(0, Ordering::SeqCst);
        self.churned.store(0, Ordering::SeqCst);
        self.spent.lock().expect("spent lock").clear();
        *current = faults;
    }

    /// Count a request received; its number since the faults were set, from 1.
    pub(crate) fn count_request(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The 500 of a `Faults::fail_once` entry that `method` and `path` match first, if any;
    /// the entry is spent.
    pub(crate) fn fail_once(&self, faults: &Faults, method: &str, path: &str) -> Option<Response> {
        let mut spent = self.spent.lock().expect("spent lock");
        let index = faults
            .fail_once
            .iter()
            .enumerate()
            .position(|(i, entry)| !spent.contains(&i) && matches_entry(entry, method, path))?;
        spent.push(index);
        // An unhandled exception, as `CustomExceptionHandler` writes it.
        let error = ApiError::Exception {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Object reference not set to an instance of an object.".to_string(),
            kind: Some(("System.NullReferenceException", -2_147_467_261)),
        };
        Some(error.into_response(path, method))
    }

    /// The items a page may hold at most (`Faults::page_cap`).
    pub(crate) fn page_cap(&self) -> Option<usize> {
        self.faults.lock().expect("faults lock").page_cap
    }

    /// How long a successful create waits to commit after its 504 (`Faults::create_commits_late`).
    pub(crate) fn create_commit_delay(&self) -> Option<Duration> {
        self.faults.lock().expect("faults lock").create_commits_late
    }

    /// Count a successful create; whether its response is to be lost.
    pub(crate) fn lose_create_response(&self) -> bool {
        let every = self.faults.lock().expect("faults lock").lose_create_response_every;
        let n = self.creates.fetch_add(1, Ordering::SeqCst) + 1;
        is_nth(every, n)
    }

    /// Count a successful folder create; whether its response is to be lost.
    pub(crate) fn lose_folder_create_response(&self) -> bool {
        let every = self.faults.lock().expect("faults lock").lose_folder_create_response_every;
        let n = self.folder_creates.fetch_add(1, Ordering::SeqCst) + 1;
        is_nth(every, n)
    }

    /// Whether someone else deletes the oldest room before the listing page at `start`.
    pub(crate) fn churn_before_page(&self, start: usize) -> bool {
        let fault = self.faults.lock().expect("faults lock").delete_oldest_before_page;
        let Some((at, times)) = fault else { return false };
        start == at && self.churned.fetch_add(1, Ordering::SeqCst) < u64::from(times)
    }
}

/// Whether `"METHOD /a/*/c"` matches a request: the method in any case, the path segment by
/// segment, `*` standing for any one segment.
fn matches_entry(entry: &str, method: &str, path: &str) -> bool {
    let Some((want_method, pattern)) = entry.trim().split_once(' ') else { return false };
    let segments =
        |p: &str| p.trim().trim_matches('/').split('/').map(str::to_string).collect::<Vec<_>>();
    let (pattern, path) = (segments(pattern), segments(path));
    want_method.eq_ignore_ascii_case(method)
        && pattern.len() == path.len()
        && pattern.iter().zip(&path).all(|(want, got)| want == "*" || want == got)
}

/// Whether the `count`-th event is one of every `n`th (never when `n` is unset or 0).
fn is_nth(n: Option<u32>, count: u64) -> bool {
    n.is_some_and(|n| n > 0 && count.is_multiple_of(u64::from(n)))
}

/// The 429 of `Faults::rate_limit_every`: an empty body and a portal limiter's headers, a
/// sliding window's (`Limit` 1500, `Remaining` 0) or, with a `Retry-After`, a fixed window's.
fn too_many(retry_after: Option<u64>, now: Duration) -> Response {
    let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(crate::docspace::WINDOW_LIMIT.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(0));
    if let Some(seconds) = retry_after {
        headers.insert("retry-after", HeaderValue::from(seconds));
        headers.insert("x-ratelimit-reset", HeaderValue::from(now.as_secs() + seconds));
    }
    response
}
