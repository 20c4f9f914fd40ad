//! Pacing to a portal's rate limit, as pure state: the client asks it before every request with
//! the time now, and tells it what the portal answered. No clock inside, so the tests drive it
//! through simulated time.
//!
//! What a portal says (DocSpace-server v3.7.2, `RedisRateLimiting` 1.2.1): a cloud portal admits
//! 1,500 requests per user in a sliding minute, and a refusal (429) carries `X-RateLimit-Limit`
//! but neither the window nor when a place frees; no success carries any rate header. So:
//! - Until the first refusal (or without `--max-rate`) nothing is held back: a portal that never
//!   refuses, such as an on-premises one, is never slowed down.
//! - From the first refusal on, the limit is the refusal's `X-RateLimit-Limit` (or `--max-rate`'s
//!   number, when lower) per window (`--max-rate`'s, else a cloud portal's 60 s). `--max-rate`
//!   paces from the first request.
//! - While pacing, a request goes only when (1) fewer than the limit were sent in the last
//!   window and (2) a token bucket filled at the limit's rate, holding a twentieth of the limit,
//!   has a token. (1) is the portal's own rule, counted on this client's sends, so it never
//!   sends what the portal must refuse; (2) spreads the requests out instead of repeating each
//!   window's burst. The window is taken 2% longer (at least 50 ms), for the requests' varying
//!   travel time.
//! - Requests this client did not send (another job with the same account, an earlier run)
//!   count too, but are only known from a refusal the client's own count does not explain. They
//!   are assumed spread evenly over the last window, each up to a burst (a twentieth of the
//!   window) later, as a paced run leaves them (a simulated run right after one is refused once,
//!   not three or four times as with the even guess alone). Each
//!   further unexplained refusal before a success also holds every request back, four times
//!   longer each time from four requests' spacing up to a whole window: a burst of someone
//!   else's just before costs a few refusals, a stray 429 costs little. When pacing starts from
//!   `--max-rate`, the window is assumed full, evenly.
//! - Refusals of requests sent before the model last changed tell nothing new and are ignored.
//!
//! Nothing a refusal names can exhaust memory or overflow: the others are a count spread evenly
//! (no list as long as the number a header names), and a limit and a window are bounded to
//! [`RateLimit::MAX_LIMIT`] and [`RateLimit::MAX_WINDOW`]. The client keeps absurd limits (0,
//! above the bound) from reaching here, raises one below [`Pacer::lowest_limit`], and bounds
//! each request's waits by its retry budget.

use crate::docspace::RateLimit;
use std::collections::VecDeque;
use std::time::Duration;

/// A point in time as the client's monotonic clock reads it (time since the client started).
pub(crate) type Tick = Duration;

/// A point in time inside the pacer: seconds since the client started, negative for the
/// placeholders of requests made before it.
type Secs = f64;

/// The others' requests of the last window: `count` placeholders, `step` apart from `first`,
/// oldest first. A count and two numbers, however many a refusal says there are.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spread {
    first: Secs,
    step: Secs,
    count: u32,
}

impl Spread {
    const NONE: Spread = Spread { first: 0.0, step: 0.0, count: 0 };

    /// The `k`-th placeholder, from 0.
    fn at(&self, k: u32) -> Secs {
        self.first + self.step * f64::from(k)
    }

    /// Drops the placeholders a window of `span` seconds has left behind at `now` (they are in
    /// order: the first still in it is found by halving).
    fn expire(&mut self, span: Secs, now: Secs) {
        let (mut gone, mut kept) = (0, self.count);
        while gone < kept {
            let mid = gone + (kept - gone) / 2;
            if self.at(mid) + span <= now {
                gone = mid + 1;
            } else {
                kept = mid;
            }
        }
        self.first = self.at(gone);
        self.count -= gone;
    }
}

/// The pacing state of one client.
#[derive(Debug)]
pub(crate) struct Pacer {
    /// `--max-rate`'s number, never exceeded.
    cap: Option<u32>,
    /// The window a limit holds for: `--max-rate`'s, else a cloud portal's minute.
    window: Duration,
    /// The limit paced to; `None` until a refusal or `--max-rate` gives one.
    limit: Option<u32>,
    /// When each request of the last window was sent, oldest first, and whether the portal
    /// refused it (it still counts here: the pacing errs on the safe side).
    sent: VecDeque<(Secs, bool)>,
    /// Placeholders for the requests of the last window that others sent, in order.
    others: Spread,
    /// The token bucket: tokens, and when they were last counted.
    tokens: f64,
    counted: Secs,
    /// When the model last changed: a refusal of a request sent before it is old news.
    changed: Secs,
    /// Refusals since the last success that the client's own count did not explain.
    unexplained: u32,
    /// No request goes before this (after repeated unexplained refusals).
    held: Secs,
}

impl Pacer {
    /// A pacer that paces from `now` at `max_rate` if given, else only from the first refusal,
    /// over `window` (a cloud portal's minute) unless `max_rate` says otherwise.
    pub(crate) fn new(max_rate: Option<RateLimit>, window: Duration, now: Tick) -> Pacer {
        let now = now.as_secs_f64();
        // Bounded however it was built (`--max-rate` parses within them).
        let max_rate = max_rate.map(|rate| RateLimit {
            limit: rate.limit.clamp(1, RateLimit::MAX_LIMIT),
            window: rate.window.clamp(Duration::from_millis(1), RateLimit::MAX_WINDOW),
        });
        let window = window.clamp(Duration::from_millis(1), RateLimit::MAX_WINDOW);
        let mut pacer = Pacer {
            cap: max_rate.map(|rate| rate.limit),
            window: max_rate.map_or(window, |rate| rate.window),
            limit: None,
            sent: VecDeque::new(),
            others: Spread::NONE,
            tokens: 0.0,
            counted: now,
            changed: now,
            unexplained: 0,
            held: Secs::NEG_INFINITY,
        };
        if let Some(rate) = max_rate {
            // The window may be full already (a job just before): assume it is, evenly.
            pacer.limit = Some(rate.limit);
            pacer.fill(rate.limit, now);
        }
        pacer
    }

    /// The lowest limit a refusal is paced to: a request a second over the window (60 on a
    /// minute's). A portal whose 429 names fewer (1, or an on-premises concurrency limit taken
    /// for a window's) is paced to this; `--max-rate` may set a lower one.
    pub(crate) fn lowest_limit(&self) -> u32 {
        u32::try_from(self.window.as_secs()).unwrap_or(u32::MAX).clamp(1, RateLimit::MAX_LIMIT)
    }

    /// The window a limit holds for.
    pub(crate) fn window(&self) -> Duration {
        self.window
    }

    /// The limit being paced to, and its window; `None` while nothing is paced.
    pub(crate) fn rate(&self) -> Option<RateLimit> {
        self.limit.map(|limit| RateLimit { limit, window: self.window })
    }

    /// The window with the margin for travel time, in seconds.
    fn span(&self) -> Secs {
        self.window.saturating_add((self.window / 50).max(Duration::from_millis(50))).as_secs_f64()
    }

    /// A request may go `now`: `Ok` records it as sent; `Err` is how long to wait before
    /// asking again.
    pub(crate) fn try_send(&mut self, now: Tick) -> Result<(), Duration> {
        let now = now.as_secs_f64();
        let span = self.span();
        let expired = |t: &Secs| *t + span <= now;
        while self.sent.front().is_some_and(|(t, _)| expired(t)) {
            self.sent.pop_front();
        }
        self.others.expire(span, now);
        let Some(limit) = self.limit else {
            self.sent.push_back((now, false));
            return Ok(());
        };
        let limit_f = f64::from(limit);
        let capacity = (limit_f / 20.0).floor().max(1.0);
        let rate = limit_f / span;
        if now > self.counted {
            self.tokens = (self.tokens + (now - self.counted) * rate).min(capacity);
            self.counted = now;
        }
        let count = self.sent.len() + self.others.count as usize;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        // The oldest of the window's requests whose leaving makes room for one more.
        let window_wait = if count >= limit {
            nth_oldest(&self.sent, &self.others, count - limit) + span - now
        } else {
            0.0
        };
        let token_wait = if self.tokens >= 1.0 { 0.0 } else { (1.0 - self.tokens) / rate };
        let wait = window_wait.max(token_wait).max(self.held - now);
        if wait <= 0.0 {
            self.tokens -= 1.0;
            self.sent.push_back((now, false));
            Ok(())
        } else {
            // Never less than a millisecond: a caller must not spin.
            Err(Duration::try_from_secs_f64(wait)
                .unwrap_or(Duration::MAX)
                .max(Duration::from_millis(1)))
        }
    }

    /// The portal refused a request sent at `sent` with a window's 429 (no `Retry-After`)
    /// carrying `limit`; true when this starts the pacing (for the caller to say so).
    pub(crate) fn refused(&mut self, limit: u32, sent: Tick, now: Tick) -> bool {
        let (sent, now) = (sent.as_secs_f64(), now.as_secs_f64());
        let limit = limit.clamp(1, RateLimit::MAX_LIMIT);
        let limit = self.cap.map_or(limit, |cap| cap.min(limit));
        let starts = self.limit.is_none();
        if self.limit != Some(limit) {
            self.limit = Some(limit);
            self.changed = now;
            if starts {
                self.tokens = (f64::from(limit) / 20.0).floor().max(1.0);
                self.counted = now;
            }
        } else if sent < self.changed {
            return false;
        }
        // The request is told by the time it was sent: the newest one sent then.
        if let Some(entry) =
            self.sent.iter_mut().rev().find(|(t, refused)| t.total_cmp(&sent).is_eq() && !refused)
        {
            entry.1 = true;
        }
        // What the portal counts: the requests of this client it admitted, and the others'.
        let span = self.span();
        let ours = self.sent.iter().filter(|(t, refused)| !refused && *t + span > now).count();
        self.others.expire(span, now);
        let known = ours + self.others.count as usize;
        let limit_n = usize::try_from(limit).unwrap_or(usize::MAX);
        if known < limit_n {
            // Others sent what this client's count is missing.
            self.unexplained += 1;
            let unknown = u32::try_from(limit_n - ours).unwrap_or(u32::MAX);
            self.fill(unknown, now);
            if self.unexplained > 1 {
                let spacing = span / f64::from(limit);
                let hold =
                    spacing * 4f64.powi(i32::try_from(self.unexplained - 1).unwrap_or(i32::MAX));
                self.held = now + hold.min(span);
                // One request at a time when the hold ends: no tokens saved up meanwhile.
                self.tokens = 0.0;
                self.counted = self.held;
            }
            self.changed = now;
        }
        starts
    }

    /// The portal admitted a request sent at `sent`.
    pub(crate) fn admitted(&mut self, sent: Tick) {
        if sent.as_secs_f64() >= self.changed {
            self.unexplained = 0;
        }
    }

    /// Places `unknown` requests of others evenly in the window ending `now`, each a burst's
    /// worth later (a paced run sends up to a twentieth of the limit at once).
    fn fill(&mut self, unknown: u32, now: Secs) {
        let span = self.span();
        let step = span / f64::from(unknown.max(1));
        let late = span / 20.0;
        self.others = Spread { first: now - span + late + step, step, count: unknown };
    }
}

/// The `n`-th oldest (from 0) of this client's requests and the others' together, each list
/// sorted.
fn nth_oldest(ours: &VecDeque<(Secs, bool)>, others: &Spread, n: usize) -> Secs {
    let mut ours = ours.iter().map(|(sent, _)| *sent).peekable();
    let mut others = (0..others.count).map(|k| others.at(k)).peekable();
    let mut taken = 0;
    loop {
        let next = match (ours.peek(), others.peek()) {
            (Some(mine), Some(theirs)) if mine <= theirs => ours.next(),
            (_, Some(_)) => others.next(),
            (Some(_), None) => ours.next(),
            (None, None) => return Secs::NEG_INFINITY,
        };
        if taken == n {
            return next.unwrap_or(Secs::NEG_INFINITY);
        }
        taken += 1;
    }
}

#[cfg(test)]
#[path = "pacing_tests.rs"]
mod tests;
