//! Fault injection and portal behaviour switches: test hooks, not product API.
//!
//! [`Faults`] and [`Behaviour`] exist so that tests and the bench can make the emulator misbehave
//! the way a real portal, or a proxy in front of one, sometimes does. They carry no stability
//! promise: fields may change with the tests that need them. Handlers and the server consult
//! this module; it knows nothing of them.

use super::envelope::{ApiError, html_response};
use crate::docspace::stored_title;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

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
    /// Every Nth successful `PUT /files/rooms/{id}/links` makes its change and then drops the
    /// connection without answering, as `lose_create_response_every` does.
    pub lose_link_write_response_every: Option<u32>,
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
    /// Creates of chosen titles held until their rivals arrive: see [`Rendezvous`].
    pub create_rendezvous: Option<Rendezvous>,
    /// Entries as in `fail_once`. The first request matching an entry that succeeds takes
    /// effect, and then the connection is dropped without a response (see
    /// `lose_create_response_every`); the entry is then spent.
    pub lose_response_once: Vec<String>,
    /// `(entry, delay)`, the entry as in `fail_once`. The first request matching an entry is
    /// answered at once with a proxy's `504 Gateway Timeout` page, and handled (with whatever
    /// effect and answer it has; the answer goes nowhere) once the emulator's clock has moved
    /// `delay` on and another request arrives: "a write committed seconds after its gateway gave
    /// up". The entry is then spent.
    pub commit_late_once: Vec<(String, Duration)>,
    /// Every request, once the rate limiter has admitted or refused it and before it is
    /// handled, waits until this many requests have arrived since these faults were set (at
    /// most [`RENDEZVOUS_WAIT`], real time); later ones go on at once. N requests sent together
    /// then all hold the limiter's places at once, whatever the timing, where a latency only
    /// makes that likely.
    pub gather: Option<usize>,
    /// Entries as in `fail_once`. The first request matching an entry is handled, and its
    /// response held until the test calls `Emulator::release_responses` (at most
    /// [`RENDEZVOUS_WAIT`], real time): something the test does meanwhile happens after the
    /// request took effect and before the client hears of it, whatever the timing. The entry
    /// is then spent.
    pub hold_response_once: Vec<String>,
}

/// Room creates (`POST /files/rooms`) and folder creates (`POST /files/folder/{id}`) of these
/// titles wait, before they commit, until `parties` creates of the same title (in the same
/// parent, for a folder) have arrived, then commit one after another in the order they arrived,
/// and answer once all have committed: runs creating one title at the same instant, each
/// finding the other's item in its next look, made to happen whatever the timing.
/// A create waits at most [`RENDEZVOUS_WAIT`] (real time) for its rivals, then goes on alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendezvous {
    /// How many creates of one title meet.
    pub parties: usize,
    /// The titles whose creates meet, compared in stored form.
    pub titles: Vec<String>,
}

/// The longest a create waits at a [`Rendezvous`] for its rivals.
pub(crate) const RENDEZVOUS_WAIT: Duration = Duration::from_secs(30);

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
            lose_link_write_response_every: None,
            delete_oldest_before_page: None,
            page_cap: None,
            create_commits_late: None,
            fail_once: Vec::new(),
            create_rendezvous: None,
            lose_response_once: Vec::new(),
            commit_late_once: Vec::new(),
            gather: None,
            hold_response_once: Vec::new(),
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
    /// A rooms listing with `filterValue` leaves out the rooms created less than this long ago
    /// (on the emulator's clock), as a portal with full-text search does until its index has the
    /// room: the listing takes its ids from the index (`FolderDao.GetRoomsAsync`,
    /// `products/ASC.Files/Core/Core/Dao/TeamlabDao/FolderDao.cs` L194-197), which a create
    /// asks to update without waiting (`InternalSaveFolderToDbAsync`, L625-628). Zero (the
    /// default) is a portal without full-text search.
    pub search_index_lag: Duration,
    /// Which server's room areas (`searchArea`) the portal has.
    pub version: PortalVersion,
    /// On a manual clock, how many rooms a create may date in one second: the one that makes
    /// that many moves the clock a second forward. A portal creates rooms one at a time
    /// (`FileStorageService.cs` L613-617), so the rooms sharing a creation second are as many as
    /// it can create in one; the emulator creates one in microseconds, so on the system clock
    /// that number is the test machine's speed. A test that counts reads which depend on it
    /// sets this and a manual clock, and counts the same on any machine. `None` (the default)
    /// leaves the clock alone.
    pub rooms_per_second: Option<std::num::NonZeroUsize>,
}

/// Which `DocSpace` server the emulated portal is, where the two differ: the v3.7.2 source, or
/// the newer portals of OBSERVED-ON-PORTALS.md §9.1.
///
/// The default is [`PortalVersion::Newer`]. The v3.7.2 source (tag `v3.7.2-server`,
/// 2026-06-30) is what the emulator follows otherwise, but OBSERVED-ON-PORTALS.md, which wins
/// where the two disagree, records live portals that are newer: its suite creates a fresh
/// hosted portal for every test and was verified on one on 2026-08-04, and there form-filling
/// rooms have left the `Active` area for a `Forms` area that v3.7.2 does not have. A tool
/// tested only against v3.7.2 would not notice that it misses those rooms on the portals most
/// users run; the client is tested against both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PortalVersion {
    /// v3.7.2 (`SearchArea.cs` L39-63): no `Forms` area (`searchArea=Forms` or `8` is a
    /// model-binding 400), and `Active` lists form-filling rooms with the others.
    V3_7_2,
    /// Newer portals (OBSERVED §9.1): `Active` leaves form-filling rooms out, `Forms` (8) lists
    /// them; `Any` lists every room either way.
    #[default]
    Newer,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            polls_per_operation: 1,
            deny_active_delete: false,
            failing_operation: None,
            operations_never_finish: false,
            limiter: super::limiter::Limiter::default(),
            search_index_lag: Duration::ZERO,
            version: PortalVersion::default(),
            rooms_per_second: None,
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
    link_writes: AtomicU64,
    /// Rooms deleted by `Faults::delete_oldest_before_page` so far.
    churned: AtomicU64,
    /// The `Faults::fail_once` entries already spent, by index.
    spent: Mutex<Vec<usize>>,
    /// The `Faults::lose_response_once` entries already spent, by index.
    lost: Mutex<Vec<usize>>,
    /// The `Faults::commit_late_once` entries already spent, by index.
    late: Mutex<Vec<usize>>,
    /// The creates that came to a `Faults::create_rendezvous`, by title (and parent).
    meetings: Mutex<HashMap<String, Meeting>>,
    /// Woken whenever a create arrives at or leaves a rendezvous.
    met: Notify,
    /// Requests arrived at `Faults::gather` so far.
    gathered: AtomicU64,
    /// Woken when the last request of a `Faults::gather` arrives.
    all_gathered: Notify,
    /// The `Faults::hold_response_once` entries already spent, by index.
    held: Mutex<Vec<usize>>,
    /// Responses held now.
    holding: AtomicU64,
    /// Whether the test released the held responses (and any held later).
    released: std::sync::atomic::AtomicBool,
    /// Woken when the test releases them.
    release: Notify,
}

/// One title's rendezvous: creates arrived, and creates done (committed, failed or dropped).
#[derive(Debug, Default)]
struct Meeting {
    arrived: usize,
    done: usize,
}

/// A create's place at a rendezvous; dropping it (after the commit) lets the next one go.
pub(crate) struct Turn<'a> {
    state: &'a FaultState,
    key: String,
    /// How many creates of its title had arrived, this one included, when all of its meeting
    /// had: its meeting is over once as many are done.
    meeting_end: usize,
}

impl Turn<'_> {
    /// Gives up the turn (the create committed, or failed), then waits until every create of
    /// its meeting has done so too: no run hears of its create while a rival's is uncommitted,
    /// so a look it makes next finds the rival, whatever the scheduling. A meeting some rival
    /// never came to (the create went on alone) has nothing to wait for.
    pub(crate) async fn leave(self) {
        let (state, key, end) = (self.state, self.key.clone(), self.meeting_end);
        drop(self);
        wait_for(&state.met, || {
            let meetings = state.meetings.lock().expect("meetings lock");
            meetings.get(&key).is_none_or(|m| m.arrived < end || m.done >= end)
        })
        .await;
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Some(meeting) = self.state.meetings.lock().expect("meetings lock").get_mut(&self.key)
        {
            meeting.done += 1;
        }
        self.state.met.notify_waiters();
    }
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
        self.gathered.store(0, Ordering::SeqCst);
        self.spent.lock().expect("spent lock").clear();
        self.lost.lock().expect("lost lock").clear();
        self.late.lock().expect("late lock").clear();
        self.held.lock().expect("held lock").clear();
        self.released.store(false, Ordering::SeqCst);
        *current = faults;
    }

    /// Holds a create of `title` (`key` names the title and, for a folder, its parent) at its
    /// `Faults::create_rendezvous` until its rivals have arrived and the creates that arrived
    /// before it are done; `None` at once for a title without one. The caller commits, then
    /// drops the turn.
    pub(crate) async fn meet(&self, key: &str, title: &str) -> Option<Turn<'_>> {
        let rendezvous = self.current().create_rendezvous?;
        let stored = stored_title(title);
        if !rendezvous.titles.iter().any(|t| stored_title(t) == stored) {
            return None;
        }
        let parties = rendezvous.parties.max(1);
        let ticket = {
            let mut meetings = self.meetings.lock().expect("meetings lock");
            let meeting = meetings.entry(key.to_owned()).or_default();
            meeting.arrived += 1;
            meeting.arrived - 1
        };
        let meeting_end = (ticket / parties + 1) * parties;
        let turn = Turn { state: self, key: key.to_owned(), meeting_end };
        self.met.notify_waiters();
        let deadline = tokio::time::Instant::now() + RENDEZVOUS_WAIT;
        loop {
            let notified = self.met.notified();
            let (met, first) = {
                let meetings = self.meetings.lock().expect("meetings lock");
                let meeting = &meetings[key];
                (meeting.arrived >= meeting_end, meeting.done >= ticket)
            };
            let late = tokio::time::Instant::now() >= deadline;
            if (met || late) && first {
                return Some(turn);
            }
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(deadline), if !late => {}
            }
        }
    }

    /// Holds a request until `Faults::gather` requests have arrived (see there).
    pub(crate) async fn gather(&self, faults: &Faults) {
        let Some(all) = faults.gather else { return };
        let all = u64::try_from(all).unwrap_or(u64::MAX);
        if self.gathered.fetch_add(1, Ordering::SeqCst) + 1 >= all {
            self.all_gathered.notify_waiters();
            return;
        }
        wait_for(&self.all_gathered, || self.gathered.load(Ordering::SeqCst) >= all).await;
    }

    /// How many creates have come to a rendezvous so far.
    pub(crate) fn rendezvous_arrivals(&self) -> usize {
        self.meetings.lock().expect("meetings lock").values().map(|m| m.arrived).sum()
    }

    /// Count a request received; its number since the faults were set, from 1.
    pub(crate) fn count_request(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The 500 of a `Faults::fail_once` entry that `method` and `path` match first, if any;
    /// the entry is spent.
    pub(crate) fn fail_once(&self, faults: &Faults, method: &str, path: &str) -> Option<Response> {
        spend_entry(&self.spent, faults.fail_once.iter(), method, path)?;
        // An unhandled exception, as `CustomExceptionHandler` writes it.
        let error = ApiError::Exception {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Object reference not set to an instance of an object.".to_string(),
            kind: Some(("System.NullReferenceException", -2_147_467_261)),
        };
        Some(error.into_response(path, method))
    }

    /// Whether the successful response to `method` `path` is to be lost
    /// (`Faults::lose_response_once`); the entry it matches is spent.
    pub(crate) fn lose_once(&self, faults: &Faults, method: &str, path: &str) -> bool {
        spend_entry(&self.lost, faults.lose_response_once.iter(), method, path).is_some()
    }

    /// How long after its 504 the request `method` `path` is to be handled
    /// (`Faults::commit_late_once`), if it is one; the entry it matches is spent.
    pub(crate) fn commit_late_once(
        &self,
        faults: &Faults,
        method: &str,
        path: &str,
    ) -> Option<Duration> {
        let entries = faults.commit_late_once.iter().map(|(entry, _)| entry);
        let index = spend_entry(&self.late, entries, method, path)?;
        Some(faults.commit_late_once[index].1)
    }

    /// Holds the response to `method` `path` until the test releases it, if it matches a
    /// `Faults::hold_response_once` entry (which is then spent).
    pub(crate) async fn hold_response_once(&self, faults: &Faults, method: &str, path: &str) {
        if spend_entry(&self.held, faults.hold_response_once.iter(), method, path).is_none() {
            return;
        }
        self.holding.fetch_add(1, Ordering::SeqCst);
        wait_for(&self.release, || self.released.load(Ordering::SeqCst)).await;
        self.holding.fetch_sub(1, Ordering::SeqCst);
    }

    /// How many responses `Faults::hold_response_once` holds now.
    pub(crate) fn holding(&self) -> u64 {
        self.holding.load(Ordering::SeqCst)
    }

    /// Lets every held response go, and any held later.
    pub(crate) fn release_responses(&self) {
        self.released.store(true, Ordering::SeqCst);
        self.release.notify_waiters();
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

    /// Count a successful link write; whether its response is to be lost.
    pub(crate) fn lose_link_write_response(&self) -> bool {
        let every = self.faults.lock().expect("faults lock").lose_link_write_response_every;
        let n = self.link_writes.fetch_add(1, Ordering::SeqCst) + 1;
        is_nth(every, n)
    }

    /// Whether someone else deletes the oldest room before the listing page at `start`.
    pub(crate) fn churn_before_page(&self, start: usize) -> bool {
        let fault = self.faults.lock().expect("faults lock").delete_oldest_before_page;
        let Some((at, times)) = fault else { return false };
        start == at && self.churned.fetch_add(1, Ordering::SeqCst) < u64::from(times)
    }
}

/// Waits until `done` holds, looking again whenever `notify` wakes its waiters, for at most
/// [`RENDEZVOUS_WAIT`] (real time): past it the request goes on, and the test's assertions say
/// what went wrong.
async fn wait_for(notify: &Notify, done: impl Fn() -> bool) {
    let wait = async {
        loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            // Registered before `done` is read, so a wake between the two cannot be missed.
            notified.as_mut().enable();
            if done() {
                return;
            }
            notified.await;
        }
    };
    let _ = tokio::time::timeout(RENDEZVOUS_WAIT, wait).await;
}

/// The index of the first entry of `entries` not yet in `spent` that `method` and `path` match
/// (see `Faults::fail_once`), now spent.
fn spend_entry<'a>(
    spent: &Mutex<Vec<usize>>,
    entries: impl Iterator<Item = &'a String>,
    method: &str,
    path: &str,
) -> Option<usize> {
    let mut spent = spent.lock().expect("spent entries lock");
    let mut entries = entries.enumerate();
    let (index, _) =
        entries.find(|(i, entry)| !spent.contains(i) && matches_entry(entry, method, path))?;
    spent.push(index);
    Some(index)
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
