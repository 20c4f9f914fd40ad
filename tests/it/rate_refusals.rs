//! A portal's (or a proxy's) 429s, however odd their headers: the client never aborts, panics,
//! loops or crawls on them, and its retry budget bounds every wait, pacing included. Ported
//! from the review of issue 22 (`review-attack-22.md`, findings 1-3, 6, 7, 9, 10, 17).

use crate::common::{FakePortal, TestPortal, envelope, run_at, stderr};
use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use docspace_rooms::docspace::RoomType;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ROOMS: &str = "/api/2.0/files/rooms";

/// A 429 with an empty body and `headers`.
fn too_many(headers: &[(&'static str, String)]) -> Response {
    let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(HeaderName::from_static(name), HeaderValue::from_str(value).unwrap());
    }
    response
}

/// A portal with no rooms whose room listing (`GET`) answers the `n`-th call with a 429 carrying
/// `refusals[n]`'s headers while there are refusals left (the last one forever when `forever`),
/// then the empty listing; a room create (`POST`) is refused with `create_refusal`'s headers
/// every time when given.
fn refusing(
    refusals: Vec<Vec<(&'static str, String)>>,
    forever: bool,
    create_refusal: Option<Vec<(&'static str, String)>>,
) -> FakePortal {
    let calls = Arc::new(AtomicUsize::new(0));
    let refusals = Arc::new(refusals);
    let list = move || {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        let refusals = refusals.clone();
        async move {
            let refusal = match refusals.get(n) {
                Some(headers) => Some(headers),
                None if forever => refusals.last(),
                None => None,
            };
            match refusal {
                Some(headers) => too_many(headers),
                None => Json(envelope(
                    serde_json::json!({"files": [], "folders": [], "startIndex": 0, "count": 0, "total": 0}),
                    None,
                ))
                .into_response(),
            }
        }
    };
    let create = move || {
        let headers = create_refusal.clone().unwrap_or_default();
        async move { too_many(&headers) }
    };
    FakePortal::start(axum::Router::new().route(ROOMS, get(list).post(create)))
}

fn header(name: &'static str, value: &str) -> (&'static str, String) {
    (name, value.to_owned())
}

#[test]
fn a_429_naming_a_huge_limit_does_not_abort_the_run() {
    let server = refusing(vec![vec![header("x-ratelimit-limit", "4294967295")]], false, None);
    let output = run_at(&server.url, "rooms: []\n", &["plan"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the plan goes on after one refusal, whatever limit it names; status {:?}, stderr: {}",
        output.status,
        stderr(&output)
    );
}

#[test]
fn a_retry_after_of_u64_max_is_a_clean_error_not_a_panic() {
    // The first refusal makes the request spend a second; the second names an absurd wait.
    let server = refusing(
        vec![vec![header("retry-after", "1")], vec![header("retry-after", "18446744073709551615")]],
        false,
        None,
    );
    let output = run_at(&server.url, "rooms: []\n", &["plan"]);
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(output.status.code(), Some(1), "{err}");
    // The wait is taken as a day at most, the longest a DocSpace limiter names.
    assert!(err.contains("is reached until 20"), "{err}");
    assert!(!err.contains("292277026596"), "{err}");
}

/// `plan` with a 2-second retry budget against a portal refusing its listing forever with
/// `headers`: the requests the portal received, and the plan's stderr.
fn requests_in_two_seconds(headers: Vec<(&'static str, String)>) -> (usize, String) {
    let server = refusing(vec![headers], true, None);
    let output = run_at(&server.url, "rooms: []\n", &["plan", "--retry-budget", "2"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    (server.count("GET", ROOMS), stderr(&output))
}

#[test]
fn retry_after_zero_is_not_retried_in_a_busy_loop() {
    // A fixed window answers `Retry-After: 0` in its last second: the wait is that and one
    // second more, as the window reopens only once that second has passed.
    let (sent, _) = requests_in_two_seconds(vec![header("retry-after", "0")]);
    assert!((2..=3).contains(&sent), "{sent} requests in two seconds");
}

#[test]
fn a_reset_in_the_past_is_not_retried_in_a_busy_loop_nor_named_as_the_reset() {
    let (sent, err) = requests_in_two_seconds(vec![
        header("x-ratelimit-limit", "1500"),
        header("x-ratelimit-reset", "1000000000"),
    ]);
    assert!((2..=3).contains(&sent), "{sent} requests in two seconds");
    assert!(!err.contains("2001-09-09"), "{err}");
}

#[test]
fn a_retry_after_given_as_an_http_date_is_a_wait_like_its_seconds() {
    // RFC 9110's other form, an hour ahead, beside a limit a sliding window could name: a wait
    // past the budget (the limit is reached until then), not a window to pace to.
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3_600));
    let server = refusing(
        vec![vec![header("retry-after", &date), header("x-ratelimit-limit", "10000")]],
        true,
        None,
    );
    let output = run_at(&server.url, "rooms: []\n", &["plan"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output)
            .contains("was refused (429): the portal's limit of 10000 requests is reached until"),
        "{}",
        stderr(&output)
    );
    assert_eq!(server.count("GET", ROOMS), 1, "not retried");
}

#[test]
fn a_429_saying_limit_zero_does_not_slow_the_run_to_one_request_a_minute() {
    let server = refusing(vec![vec![header("x-ratelimit-limit", "0")]], false, None);
    let client = server.client(|_| {});
    let read = async {
        for _ in 0..3 {
            client.get(ROOMS, &[]).await.unwrap();
        }
    };
    let done = server.block_on(async { tokio::time::timeout(Duration::from_secs(5), read).await });
    assert!(done.is_ok(), "three reads after one refusal saying 0 took over 5 s");
}

#[test]
fn a_429_naming_an_absurdly_low_limit_is_paced_to_a_sane_one_and_says_so() {
    let server = refusing(vec![vec![header("x-ratelimit-limit", "1")]], false, None);
    let started = Instant::now();
    let output = run_at(&server.url, "rooms: []\n", &["plan"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
    assert!(
        stderr(&output).contains("the portal's 429 named a limit of 1 request per window; pacing to 60 requests per 60 s instead"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn writes_refused_forever_fail_within_the_retry_budget() {
    // A sliding window's 429 forever (no `Retry-After`): the pacing's waits count in each
    // request's retry budget, so 8 creates with a 2 s budget end in about that.
    let server = refusing(Vec::new(), false, Some(vec![header("x-ratelimit-limit", "1500")]));
    let client = server.client(|config| config.retry_budget = Duration::from_secs(2));
    let known = HashSet::new();
    let started = Instant::now();
    let titles: Vec<String> = (0..8).map(|n| format!("R{n}")).collect();
    let creates = futures::future::join_all(
        titles.iter().map(|title| client.create_room(title, RoomType::Custom, &[], &known)),
    );
    let ended =
        server.block_on(async { tokio::time::timeout(Duration::from_secs(30), creates).await });
    let ended = ended.unwrap_or_else(|_| {
        panic!(
            "8 refused creates with a 2 s retry budget still running after {:?}",
            started.elapsed()
        )
    });
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    for result in ended {
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains("pacing to 1500 requests per 60 s would hold it")
                && err.contains("past its retry budget (2 s)"),
            "{err}"
        );
    }
}

#[test]
fn a_pacing_wait_past_the_retry_budget_fails_at_once_saying_so() {
    // `--max-rate 100/1d` takes the day as full: its first request would wait 88 minutes.
    let portal = TestPortal::start();
    portal.manifest("rooms: []\n");
    let started = Instant::now();
    let output = portal.cmd(&["plan", "--max-rate", "100/1d"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(started.elapsed() < Duration::from_secs(10));
    let err = stderr(&output);
    // 5287.7 s less the time from the client's start to its first request (the pacer's window
    // opens at the start), which a loaded machine can stretch past 0.2 s.
    let said = |wait: u32| {
        err.contains(&format!("was not sent: pacing to 100 requests per 86400 s would hold it {wait} s, past its retry budget (60 s); raise `--retry-budget` or the rate"))
    };
    assert!(said(5288) || said(5287), "{err}");
    assert!(portal.emulator.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_long_pacing_wait_is_announced() {
    // The first of 3 a 10 s window (taken as full) waits about 4 s.
    let portal = TestPortal::start();
    portal.manifest("rooms: []\n");
    let output = portal.cmd(&["plan", "--max-rate", "3/10s"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    // 3.9 s less the time from the client's start to its first request (see above).
    let said = |wait: u32| {
        err.contains(&format!(
            "pacing to 3 requests per 10 s: `GET /api/2.0/keys/@self` waits {wait} s"
        ))
    };
    assert!(said(4) || said(3), "{err}");
}

/// `plan` of no rooms with `--max-rate rate`.
fn plan_with_max_rate(rate: &str) -> std::process::Output {
    let portal = TestPortal::start();
    portal.manifest("rooms: []\n");
    portal.cmd(&["plan", "--max-rate", rate]).output().unwrap()
}

#[test]
fn max_rate_with_a_huge_window_or_number_is_an_error_not_a_panic() {
    for (rate, problem) in [
        ("10/18446744073709551615s", "the window may be a day at most"),
        ("10/99999999999999999d", "the window may be a day at most"),
        ("1/213503982334601d", "the window may be a day at most"),
        ("4294967295/1s", "at most 1000000 requests"),
    ] {
        let output = plan_with_max_rate(rate);
        let err = stderr(&output);
        assert!(!err.contains("panicked"), "{rate}: {err}");
        assert_eq!(output.status.code(), Some(1), "{rate}: {err}");
        assert!(err.contains("--max-rate") && err.contains(problem), "{rate}: {err}");
    }
}
