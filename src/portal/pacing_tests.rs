//! The pacer against a simulated portal, in simulated time: `parallelism` workers each send
//! one request at a time through the pacer to a sliding-window limiter that admits `limit` per
//! `window` on arrival, as a portal does, and retry a refused one at once (the pacer decides
//! when it goes). Nothing here waits on a clock.

use super::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A cloud portal's window scaled down ten times in time, as the bench runs it.
const SCALED: RateLimit = RateLimit { limit: 150, window: Duration::from_secs(6) };

/// The portal's sliding window (`RedisSlidingWindowManager`): admitted requests only.
struct Portal {
    limit: usize,
    window: f64,
    admitted: VecDeque<f64>,
}

impl Portal {
    fn new(rate: RateLimit) -> Portal {
        Portal {
            limit: usize::try_from(rate.limit).unwrap(),
            window: rate.window.as_secs_f64(),
            admitted: VecDeque::new(),
        }
    }

    fn arrive(&mut self, at: f64) -> bool {
        while self.admitted.front().is_some_and(|t| *t + self.window <= at) {
            self.admitted.pop_front();
        }
        let admitted = self.admitted.len() < self.limit;
        if admitted {
            self.admitted.push_back(at);
        }
        admitted
    }
}

/// How a simulated run went.
#[derive(Debug)]
struct Run {
    /// Requests sent, refused ones included.
    sent: usize,
    refused: usize,
    /// When the last response came, in seconds.
    took: f64,
}

impl Run {
    fn refused_share(&self) -> f64 {
        real(self.refused) / real(self.sent)
    }
}

/// A count as a real number (the counts here are small).
fn real(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// The worker asks the pacer to send its request.
    Ask(usize),
    /// Its request, sent at this time, reaches the portal.
    Arrive(usize, Time),
    /// The answer reaches the client: admitted or not.
    Answer(usize, Time, bool),
}

/// Simulated time in seconds, ordered for the event queue.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Time(f64);

impl Eq for Time {}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Time) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Time {
    fn cmp(&self, other: &Time) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn tick(time: Time) -> Tick {
    Duration::from_secs_f64(time.0)
}

/// How a simulated run starts: at `at` seconds, all workers at once or (`solo`) one request
/// alone first, as a plan reads the first page of rooms before anything else.
#[derive(Clone, Copy)]
struct Start {
    at: f64,
    solo: bool,
}

const AT_ONCE: Start = Start { at: 0.0, solo: false };

/// `requests` requests through `pacer` to `portal` by `parallelism` workers, starting as
/// `start` says; a request takes `travel(n)` seconds to reach the portal (the `n`-th sent) and
/// `answer` seconds to come back.
fn simulate(
    start: Start,
    pacer: &mut Pacer,
    portal: &mut Portal,
    requests: usize,
    parallelism: usize,
    travel: impl Fn(usize) -> f64,
    answer: f64,
) -> Run {
    let mut events = BinaryHeap::new();
    let first = if start.solo { 1 } else { parallelism };
    for worker in 0..first {
        events.push(Reverse((Time(start.at), Event::Ask(worker))));
    }
    let mut waiting = (first..parallelism).collect::<Vec<usize>>();
    let (mut started, mut done, mut sent, mut refused) = (0, 0, 0, 0);
    let mut holding = vec![false; parallelism];
    let mut took = 0.0;
    while let Some(Reverse((at, event))) = events.pop() {
        match event {
            Event::Ask(worker) => {
                if !holding[worker] {
                    if started == requests {
                        continue;
                    }
                    started += 1;
                    holding[worker] = true;
                }
                let next = match pacer.try_send(tick(at)) {
                    Ok(()) => {
                        sent += 1;
                        (Time(at.0 + travel(sent)), Event::Arrive(worker, at))
                    }
                    Err(wait) => (Time(at.0 + wait.as_secs_f64()), Event::Ask(worker)),
                };
                events.push(Reverse(next));
            }
            Event::Arrive(worker, sent_at) => {
                let admitted = portal.arrive(at.0);
                let answered = Time(at.0 + answer);
                events.push(Reverse((answered, Event::Answer(worker, sent_at, admitted))));
            }
            Event::Answer(worker, sent_at, admitted) => {
                if admitted {
                    pacer.admitted(tick(sent_at));
                    holding[worker] = false;
                    done += 1;
                    took = at.0 - start.at;
                    for other in waiting.drain(..) {
                        events.push(Reverse((at, Event::Ask(other))));
                    }
                } else {
                    refused += 1;
                    let limit = u32::try_from(portal.limit).unwrap();
                    pacer.refused(limit, tick(sent_at), tick(at));
                }
                events.push(Reverse((at, Event::Ask(worker))));
            }
        }
    }
    assert_eq!(done, requests, "every request was answered in the end");
    Run { sent, refused, took }
}

/// The fewest seconds `requests` admitted requests take at the portal's rate.
fn floor(requests: usize, rate: RateLimit) -> f64 {
    real(requests) * rate.window.as_secs_f64() / f64::from(rate.limit)
}

fn learning() -> Pacer {
    Pacer::new(None, SCALED.window, Tick::ZERO)
}

/// The bench's apply: 1,800 requests, 8 at a time, 20 ms each.
const REQUESTS: usize = 1_800;

#[test]
fn a_portal_that_never_refuses_is_never_waited_for() {
    let mut pacer = learning();
    let mut portal = Portal::new(RateLimit { limit: u32::MAX, window: Duration::from_secs(60) });
    let run = simulate(AT_ONCE, &mut pacer, &mut portal, 10_000, 8, |_| 0.0, 0.02);
    assert_eq!((run.sent, run.refused), (10_000, 0));
    // 10,000 requests 8 at a time at 20 ms: 1,250 round trips, nothing more.
    assert!((run.took - 25.0).abs() < 1e-6, "{run:?}");
    assert_eq!(pacer.rate(), None);
}

#[test]
fn after_the_first_refusal_a_run_is_refused_under_1_percent_within_1_15_times_the_floor() {
    let mut pacer = learning();
    let mut portal = Portal::new(SCALED);
    let run = simulate(AT_ONCE, &mut pacer, &mut portal, REQUESTS, 8, |_| 0.001, 0.02);
    assert_eq!(pacer.rate(), Some(SCALED), "the limit learned, over the assumed window");
    // The first window goes unpaced: the first refusal and the 7 others in flight with it.
    assert!(run.refused <= 8, "{run:?}");
    assert!(run.refused_share() <= 0.01, "{run:?}");
    assert!(run.took <= 1.15 * floor(REQUESTS, SCALED), "{run:?}");
}

#[test]
fn max_rate_paces_from_the_first_request_and_nothing_is_refused() {
    let mut pacer = Pacer::new(Some(SCALED), Duration::from_secs(60), Tick::ZERO);
    assert_eq!(pacer.rate(), Some(SCALED));
    let mut portal = Portal::new(SCALED);
    let run = simulate(AT_ONCE, &mut pacer, &mut portal, REQUESTS, 8, |_| 0.001, 0.02);
    assert_eq!(run.refused, 0, "{run:?}");
    assert!(run.took <= 1.15 * floor(REQUESTS, SCALED), "{run:?}");
    // It did pace: unpaced, 8 at a time, the requests would take a tenth of that.
    assert!(run.took >= floor(REQUESTS, SCALED), "{run:?}");
}

#[test]
fn requests_that_travel_for_varying_times_are_still_refused_under_1_percent() {
    let mut pacer = learning();
    let mut portal = Portal::new(SCALED);
    // 1 to 60 ms on the way there, in a fixed irregular order.
    let travel = |n: usize| 0.001 + real((n * 7_919) % 60) / 1000.0;
    let run = simulate(AT_ONCE, &mut pacer, &mut portal, REQUESTS, 8, travel, 0.02);
    assert!(run.refused_share() <= 0.01, "{run:?}");
    assert!(run.took <= 1.15 * floor(REQUESTS, SCALED), "{run:?}");
}

/// A portal whose window holds `count` requests made `ago` seconds apart before the run.
fn busy_portal(count: usize, spacing: f64) -> Portal {
    let mut portal = Portal::new(SCALED);
    for k in 0..count {
        assert!(portal.arrive(-real(k) * spacing - 0.001));
    }
    portal.admitted.make_contiguous().sort_by(f64::total_cmp);
    portal
}

#[test]
fn a_window_an_earlier_run_filled_evenly_costs_one_round_of_refusals() {
    // The apply just before paced at the limit: its last window is full, evenly.
    let mut portal = busy_portal(150, 0.04);
    let mut pacer = learning();
    let run = simulate(AT_ONCE, &mut pacer, &mut portal, 800, 8, |_| 0.001, 0.02);
    // The 8 sent before the first refusal, then the even guess holds.
    assert!(run.refused <= 8, "{run:?}");
    assert!(run.took <= 1.15 * floor(800, SCALED), "{run:?}");
}

#[test]
fn a_burst_of_others_just_before_costs_a_few_refusals_then_is_waited_out() {
    // Someone else used the whole window a moment ago.
    let mut portal = busy_portal(150, 0.0001);
    let mut pacer = learning();
    let run = simulate(AT_ONCE, &mut pacer, &mut portal, 800, 8, |_| 0.001, 0.02);
    // The 8 before the limit was known; then the even guess and the holds of 4, 16 and 64
    // requests' spacing are refused, and the hold of a whole window is not.
    assert_eq!(run.refused, 8 + 4, "{run:?}");
    // The burst's window, waited out with some to spare, then the requests at the rate.
    assert!(run.took <= floor(800, SCALED) + 2.0 * SCALED.window.as_secs_f64(), "{run:?}");
}

#[test]
fn stray_refusals_hold_requests_back_briefly() {
    // A portal that refuses every 10th request although its window is nowhere near full.
    let mut pacer = learning();
    let mut portal = Portal::new(RateLimit { limit: 1500, window: Duration::from_secs(60) });
    let (mut refused, mut waited) = (0, Duration::ZERO);
    let mut now = Tick::ZERO;
    for n in 1..=300 {
        loop {
            match pacer.try_send(now) {
                Ok(()) => break,
                Err(wait) => {
                    waited += wait;
                    now += wait;
                }
            }
        }
        let sent = now;
        now += Duration::from_millis(20);
        if n % 10 == 0 || !portal.arrive(now.as_secs_f64()) {
            refused += 1;
            pacer.refused(1500, sent, now);
        } else {
            pacer.admitted(sent);
        }
    }
    assert_eq!(refused, 30);
    // Paced at 1,500 a minute from the first refusal: 300 requests in about 12 s, never held
    // for a window.
    assert!(waited < Duration::from_secs(13), "{waited:?}");
}

#[test]
fn max_rate_lower_than_the_portals_limit_is_kept() {
    let mine = RateLimit { limit: 75, window: Duration::from_secs(6) };
    let mut pacer = Pacer::new(Some(mine), Duration::from_secs(60), Tick::ZERO);
    assert!(!pacer.refused(150, Tick::ZERO, Duration::from_millis(1)), "already pacing");
    assert_eq!(pacer.rate(), Some(mine), "the lower of the two");
    assert!(!pacer.refused(40, Duration::from_millis(2), Duration::from_millis(3)));
    assert_eq!(pacer.rate().map(|r| r.limit), Some(40), "the portal's, when lower");
}

#[test]
fn the_first_refusal_starts_pacing_and_says_so_once() {
    let mut pacer = learning();
    assert_eq!(pacer.try_send(Tick::ZERO), Ok(()));
    assert!(pacer.refused(1500, Tick::ZERO, Duration::from_millis(20)));
    assert!(!pacer.refused(1500, Tick::ZERO, Duration::from_millis(21)));
    assert_eq!(pacer.rate().map(|r| (r.limit, r.window)), Some((1500, SCALED.window)));
}

/// A paced run of 1,800 requests (as the bench's apply), then a new client's run of 605 (as
/// the plan after it), `gap` seconds later, its first request alone: the new run's refusals.
fn plan_after_apply(gap: f64) -> Run {
    let mut portal = Portal::new(SCALED);
    let apply = simulate(AT_ONCE, &mut learning(), &mut portal, 1_800, 8, |_| 0.001, 0.02);
    let at = apply.took + gap;
    let mut pacer = Pacer::new(None, SCALED.window, Duration::from_secs_f64(at));
    let start = Start { at, solo: true };
    simulate(start, &mut pacer, &mut portal, 605, 8, |_| 0.001, 0.02)
}

#[test]
fn a_run_right_after_a_paced_one_is_refused_once_then_paced() {
    // The window is full: the first request is refused alone, and the even guess holds.
    let run = plan_after_apply(0.0);
    assert_eq!(run.refused, 1, "{run:?}");
    assert!(run.took <= 1.15 * floor(605, SCALED), "{run:?}");
}

#[test]
fn a_run_that_fills_a_window_with_room_left_overshoots_by_its_parallelism_at_most() {
    // A moment later the window has a few places: the run goes unpaced until it fills them,
    // and the requests in flight then are refused with the first.
    for gap in [0.5, 2.0] {
        let run = plan_after_apply(gap);
        assert!((2..=8).contains(&run.refused), "{gap}: {run:?}");
        assert!(run.took <= 1.15 * floor(605, SCALED), "{gap}: {run:?}");
    }
}

#[test]
fn a_limit_however_large_is_a_count_not_a_list_and_nothing_overflows() {
    // A refusal naming 4,294,967,295: bounded, and the others it implies are a count.
    let mut pacer = learning();
    assert!(pacer.refused(u32::MAX, Tick::ZERO, Duration::from_millis(1)));
    assert_eq!(pacer.rate().map(|rate| rate.limit), Some(RateLimit::MAX_LIMIT));
    assert_eq!(pacer.others.count, RateLimit::MAX_LIMIT);
    assert!(pacer.try_send(Duration::from_millis(2)).is_err(), "the window is taken as full");
    // Half a window later, half of them have left it, counted in one step.
    pacer.others.expire(pacer.span(), pacer.span() / 2.0);
    assert!(pacer.others.count.abs_diff(RateLimit::MAX_LIMIT / 2) < 60_000, "{:?}", pacer.others);
    // A rate built by hand past the bounds a written one has.
    let huge = RateLimit { limit: u32::MAX, window: Duration::MAX };
    let mut pacer = Pacer::new(Some(huge), Duration::MAX, Tick::ZERO);
    let wait = pacer.try_send(Tick::ZERO).unwrap_err();
    assert!(
        wait > Duration::from_secs(3_600) && wait < Duration::from_secs(2 * 86_400),
        "{wait:?}"
    );
}
