//! The portal's rate limiter (`Behaviour::limiter`), as DocSpace-server v3.7.2 chains it
//! (`common/ASC.Api.Core/Core/BaseStartup.cs` L228-303 over `RedisRateLimiting` 1.2.1): a sliding
//! window per user, 50 GETs and 15 other requests in flight, a daily POST and PUT cap from the
//! first write. Every refusal is a 429 with an empty body and only its limiter's headers; no
//! success carries any.

use super::*;
use docspace_rooms::docspace::RateLimit;
use docspace_rooms::emulator::Limiter;

fn limited(limiter: Limiter, clock: Clock) -> TestPortal {
    TestPortal::with(EmulatorConfig {
        behaviour: Behaviour { limiter, ..Behaviour::default() },
        clock,
        ..EmulatorConfig::default()
    })
}

fn rate(limit: u32, window: Duration) -> RateLimit {
    RateLimit { limit, window }
}

/// The rate-limit headers of a reply, sorted.
fn limit_headers(reply: &Reply) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = reply
        .headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-ratelimit") || *name == "retry-after")
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    headers
}

fn header(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

/// `n` requests sent at once as the owner: room creates (`POST`) or room listings (`GET`).
fn at_once(portal: &TestPortal, method: &str, n: usize) -> Vec<Reply> {
    let requests = (0..n).map(|i| {
        let body = (method == "POST").then(|| json!({"title": format!("R{i}"), "roomType": 2}));
        portal.api.call(method, "files/rooms", Auth::Owner, body)
    });
    portal.block_on(futures::future::join_all(requests)).into_iter().map(Result::unwrap).collect()
}

#[test]
fn the_sliding_window_refuses_with_limit_and_remaining_only_and_refusals_do_not_count() {
    let portal = limited(
        Limiter { window: Some(rate(3, Duration::from_secs(1))), ..Limiter::default() },
        Clock::manual(),
    );
    let statuses: Vec<u16> = (0..5).map(|_| portal.get("files/rooms").status).collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    let refused = portal.get("files/rooms");
    assert_empty_body(&refused, 429);
    assert_eq!(
        limit_headers(&refused),
        [header("x-ratelimit-limit", "3"), header("x-ratelimit-remaining", "0")],
        "no Retry-After and no X-RateLimit-Reset from a sliding window"
    );
    portal.emulator.clock().advance(Duration::from_millis(999));
    assert_eq!(portal.get("files/rooms").status, 429, "the window has not slid yet");
    // Exactly one window later the three admitted requests are out; the refusals never
    // took a place.
    portal.emulator.clock().advance(Duration::from_millis(1));
    let replies: Vec<Reply> = (0..4).map(|_| portal.get("files/rooms")).collect();
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 200, 429]);
    assert!(limit_headers(&replies[0]).is_empty(), "a success carries no rate-limit header");
}

#[test]
fn limits_are_per_user() {
    let portal = limited(
        Limiter { window: Some(rate(2, Duration::from_secs(60))), ..Limiter::default() },
        Clock::manual(),
    );
    portal.emulator.add_person(PersonSeed::new("ann@example.com", "Ann Lee"));
    // The login has no credentials: it counts for the anonymous partition.
    let token = portal.login("ann@example.com");
    let owner = || portal.get("files/rooms").status;
    assert_eq!([owner(), owner(), owner()], [200, 200, 429]);
    let bearer = format!("Bearer {token}");
    let ann = || portal.call("GET", "files/rooms", Auth::Header(&bearer), None).status;
    assert_eq!([ann(), ann(), ann()], [200, 200, 429], "Ann has her own window");
    // Anonymous callers share one partition (a portal's is their IP address), and a request
    // later refused with a 401 was counted first.
    let anonymous = || portal.call("GET", "files/rooms", Auth::Anonymous, None).status;
    assert_eq!([anonymous(), anonymous()], [401, 429]);
}

#[test]
fn more_than_15_concurrent_writes_are_429_with_the_limiters_headers() {
    let portal = limited(Limiter { concurrency: true, ..Limiter::default() }, Clock::system());
    // All 20 hold their places until the last has arrived.
    portal.emulator.set_faults(Faults { gather: Some(20), ..Faults::default() });
    let replies = at_once(&portal, "POST", 20);
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let limited: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!((ok, limited.len()), (15, 5), "the limiter lets 15 writes in");
    for reply in limited {
        assert_empty_body(reply, 429);
        assert_eq!(
            limit_headers(reply),
            [header("x-ratelimit-limit", "15"), header("x-ratelimit-remaining", "0")]
        );
    }
    assert_eq!(portal.emulator.max_concurrent_writes(), 20);
    assert_eq!(portal.emulator.rooms().len(), 15);
    // Once they are done, their slots are free again.
    assert_eq!(portal.post("files/rooms", json!({"title": "Later", "roomType": 2})).status, 200);
}

#[test]
fn more_than_50_concurrent_gets_are_429_with_limit_50() {
    let portal = limited(Limiter { concurrency: true, ..Limiter::default() }, Clock::system());
    // All 55 hold their places until the last has arrived.
    portal.emulator.set_faults(Faults { gather: Some(55), ..Faults::default() });
    let replies = at_once(&portal, "GET", 55);
    let refused: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(refused.len(), 5);
    assert_eq!(refused[0].header("x-ratelimit-limit"), Some("50"));
}

#[test]
fn a_request_refused_for_concurrency_was_counted_in_the_window() {
    let portal = limited(
        Limiter {
            window: Some(rate(16, Duration::from_secs(60))),
            concurrency: true,
            ..Limiter::default()
        },
        Clock::manual(),
    );
    // All 16 hold their places until the last has arrived.
    portal.emulator.set_faults(Faults { gather: Some(16), ..Faults::default() });
    let statuses: Vec<u16> = at_once(&portal, "POST", 16).iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 1, "{statuses:?}");
    let next = portal.get("files/rooms");
    assert_eq!(next.status, 429, "16 in the window, the refused write included");
    assert_eq!(next.header("x-ratelimit-limit"), Some("16"));
}

#[test]
fn the_daily_cap_counts_post_and_put_from_the_first_and_says_when_it_resets() {
    let start = 1_800_000_000;
    let portal = limited(
        Limiter { daily_writes: Some(rate(2, Duration::from_secs(86_400))), ..Limiter::default() },
        Clock::manual_at(start),
    );
    portal.emulator.clock().advance(Duration::from_secs(10));
    let room = id_of(&portal.create("A", json!(2)));
    portal.emulator.clock().advance(Duration::from_secs(90));
    assert_eq!(portal.get("files/rooms").status, 200, "GETs are not counted");
    let tags = format!("files/rooms/{room}/tags");
    assert_eq!(portal.delete(&tags, json!({"names": ["x"]})).status, 200, "nor is DELETE");
    assert_eq!(portal.put(&tags, json!({"names": ["x"]})).status, 200);
    portal.emulator.clock().advance(Duration::from_secs(86_000));
    let refused = portal.put(&tags, json!({"names": ["y"]}));
    assert_empty_body(&refused, 429);
    let end = start + 10 + 86_400;
    assert_eq!(
        limit_headers(&refused),
        [
            header("retry-after", "310"),
            header("x-ratelimit-limit", "2"),
            header("x-ratelimit-remaining", "0"),
            header("x-ratelimit-reset", &end.to_string()),
        ]
    );
    assert_eq!(portal.emulator.rooms()[0].tags, ["x"], "the refused write did nothing");
    // The window ends a day after the first write, not at midnight; a refused write did not
    // count, so the next window starts empty.
    portal.emulator.clock().advance(Duration::from_secs(310));
    assert_eq!(portal.put(&tags, json!({"names": ["y"]})).status, 429, "still its last second");
    portal.emulator.clock().advance(Duration::from_secs(1));
    assert_eq!(portal.put(&tags, json!({"names": ["y"]})).status, 200);
    assert_eq!(portal.put(&tags, json!({"names": ["z"]})).status, 200);
    assert_eq!(portal.put(&tags, json!({"names": ["w"]})).status, 429);
}

#[test]
fn a_write_refused_by_the_daily_cap_was_counted_in_the_window() {
    let portal = limited(
        Limiter {
            window: Some(rate(3, Duration::from_secs(60))),
            daily_writes: Some(rate(1, Duration::from_secs(86_400))),
            ..Limiter::default()
        },
        Clock::manual_at(1_800_000_000),
    );
    let room = id_of(&portal.create("A", json!(2)));
    let tags = format!("files/rooms/{room}/tags");
    let refused = portal.put(&tags, json!({"names": ["x"]}));
    assert_eq!(refused.header("retry-after").map(str::to_owned), Some("86400".to_owned()));
    // The create and the refused write fill two places of three (BaseStartup.cs chains the
    // window first).
    assert_eq!(portal.get("files/rooms").status, 200);
    let full = portal.get("files/rooms");
    assert_eq!(full.status, 429);
    assert_eq!(full.header("x-ratelimit-limit"), Some("3"));
}

/// `docspace-rooms emulator` with the limit flags: `--cloud-limits` turns on a cloud portal's
/// three limits, a flag overrides its one, and the window refuses over HTTP as above.
#[test]
fn the_emulator_command_turns_the_limits_on_and_a_flag_overrides_the_cloud_preset() {
    use std::io::BufRead;
    let bin = assert_cmd::cargo::cargo_bin("docspace-rooms");
    let mut child = std::process::Command::new(&bin)
        .args(["emulator", "--listen", "127.0.0.1:0", "--token", "sk-test"])
        .args(["--cloud-limits", "--rate-limit", "2/60s"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lines: Vec<String> = std::io::BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .take_while(|line| !line.starts_with("Press Ctrl-C"))
        .collect();
    let url = lines[0].rsplit(' ').next().unwrap().to_owned();
    let api = Api::new(&url, "sk-test");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let replies: Vec<Reply> = (0..3)
        .map(|_| runtime.block_on(api.call("GET", "files/rooms", Auth::Owner, None)).unwrap())
        .collect();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        lines.contains(&"Rate limits per user: 2 requests per 60 s; 50 GET and 15 other requests at once; 10000 POST and PUT per 86400 s".to_owned()),
        "{lines:?}"
    );
    assert_eq!(replies.iter().map(|r| r.status).collect::<Vec<_>>(), [200, 200, 429]);
    assert_eq!(replies[2].header("x-ratelimit-limit"), Some("2"));

    let output = std::process::Command::new(&bin)
        .args(["emulator", "--listen", "127.0.0.1:0", "--rate-limit", "1500"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("--rate-limit: `1500` is not a rate like `1500/60s` (requests per window)"),
        "{err}"
    );
}
