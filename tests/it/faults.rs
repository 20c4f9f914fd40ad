//! Reliability under injected faults: every run ends with the portal exactly as the manifest
//! says, no duplicate room, and a summary that tells the truth.

use crate::common::{TestPortal, http, plan_at, serve_once, signal, stderr, stdout, wait_until};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::faults::{Behaviour, Faults};
use docspace_rooms::emulator::{EmulatorConfig, Limiter, PersonSeed};
use std::time::Duration;

/// A manifest that needs every kind of request: creates, renames, retags, archives, unarchives
/// and deletes, over a dozen rooms.
fn busy_portal(config: EmulatorConfig) -> TestPortal {
    let portal = TestPortal::with(config);
    for n in 0..4 {
        portal.seed(&format!("Old name {n}"), RoomType::Custom, n % 2 == 1, &["x"]);
    }
    portal.seed("Doomed", RoomType::Custom, false, &[]);
    portal.seed("Restore me", RoomType::Custom, true, &[]);
    let mut yaml = String::from("rooms:\n");
    for n in 0..4 {
        let state = if n % 2 == 1 { "archived" } else { "active" };
        yaml.push_str(&format!("  - title: New name {n}\n    renamed_from: [Old name {n}]\n    tags: [y]\n    state: {state}\n"));
    }
    yaml.push_str("  - title: Doomed\n    state: deleted\n  - title: Restore me\n");
    for n in 0..6 {
        yaml.push_str(&format!("  - title: Fresh {n}\n    type: collaboration\n    tags: [new]\n"));
    }
    portal.manifest(&yaml);
    portal
}

/// The state the busy manifest declares.
fn converged(portal: &TestPortal) {
    let rooms = portal.rooms();
    let mut expected: Vec<(String, bool, Vec<String>)> =
        (0..6).map(|n| (format!("Fresh {n}"), false, vec!["new".into()])).collect();
    expected.extend((0..4).map(|n| (format!("New name {n}"), n % 2 == 1, vec!["y".into()])));
    expected.push(("Restore me".into(), false, vec![]));
    expected.sort();
    assert_eq!(rooms, expected, "the portal is exactly as declared, with no duplicate");
    let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

fn apply(portal: &TestPortal, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["apply", "--auto-approve", "--allow-delete"];
    args.extend_from_slice(extra);
    portal.cmd(&args).output().unwrap()
}

fn faults(faults: Faults) -> EmulatorConfig {
    EmulatorConfig { faults, ..EmulatorConfig::default() }
}

#[test]
fn a_429_on_every_third_request_is_retried_to_convergence() {
    let portal = busy_portal(faults(Faults { rate_limit_every: Some(3), ..Faults::default() }));
    // The refusals say a limit of 1,500 but no window; told a one-second window, the run's
    // pacing waits seconds instead of a cloud portal's minute (`rate.rs` tests pacing itself).
    let output = apply(&portal, &["--max-rate", "1500/1s"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Apply: 21 applied, 0 failed, 0 skipped."),
        "{}",
        stdout(&output)
    );
    assert!(portal.emulator.requests().iter().any(|r| r.status == 429));
    converged(&portal);
}

#[test]
fn a_503_with_an_html_body_on_every_fourth_request_is_retried_to_convergence() {
    let portal = busy_portal(faults(Faults {
        server_error_every: Some(4),
        server_error_status: 503,
        ..Faults::default()
    }));
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("21 applied, 0 failed"), "{}", stdout(&output));
    assert!(portal.emulator.requests().iter().any(|r| r.status == 503));
    converged(&portal);
}

#[test]
fn a_lost_create_response_never_leaves_a_duplicate_room() {
    let portal =
        busy_portal(faults(Faults { lose_create_response_every: Some(2), ..Faults::default() }));
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("21 applied, 0 failed"), "{}", stdout(&output));
    assert!(portal.emulator.requests().iter().any(|r| r.response_lost), "the fault fired");
    converged(&portal);
}

#[test]
fn slow_operations_are_waited_for() {
    let config = EmulatorConfig {
        behaviour: Behaviour { polls_per_operation: 4, ..Behaviour::default() },
        ..EmulatorConfig::default()
    };
    let portal = busy_portal(config);
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    converged(&portal);
}

#[test]
fn a_failed_operation_fails_its_room_and_the_others_go_on() {
    let portal = TestPortal::start();
    let archived = portal.seed("Archived", RoomType::Custom, true, &[]);
    portal.seed("Other", RoomType::Custom, false, &[]);
    portal.emulator.set_behaviour(Behaviour {
        failing_operation: Some("You don't have enough permission to move the folder".into()),
        ..Behaviour::default()
    });
    portal.manifest(
        "rooms:\n  - title: Archived renamed\n    renamed_from: [Archived]\n    state: archived\n  - title: Other\n    tags: [ok]\n  - title: Created\n    type: custom\n",
    );
    let output = apply(&portal, &[]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(
        out.contains(&format!(
            "< \"Archived renamed\" (id {archived}): unarchive: failed: operation"
        )),
        "{out}"
    );
    assert!(
        out.contains("failed on the portal: You don't have enough permission to move the folder"),
        "{out}"
    );
    assert!(out.contains("rename \"Archived\" → \"Archived renamed\": skipped (an earlier action for this room failed)"), "{out}");
    assert!(out.contains("Apply: 2 applied, 1 failed, 2 skipped."), "{out}");
    assert_eq!(
        portal.rooms(),
        [
            ("Archived".into(), true, vec![]),
            ("Created".into(), false, vec![]),
            ("Other".into(), false, vec!["ok".into()])
        ]
    );

    // Once the portal lets it, running apply again converges.
    portal.emulator.set_behaviour(Behaviour::default());
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("Apply: 3 applied, 0 failed, 0 skipped."),
        "{}",
        stdout(&output)
    );
}

#[test]
fn an_operation_that_never_finishes_fails_after_the_bounded_wait_naming_the_room() {
    let portal = TestPortal::start();
    let id = portal.seed("Stuck", RoomType::Custom, false, &[]);
    portal
        .emulator
        .set_behaviour(Behaviour { operations_never_finish: true, ..Behaviour::default() });
    portal.manifest("rooms:\n  - title: Stuck\n    state: archived\n");
    let output = apply(&portal, &["--operation-timeout", "1"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.contains(&format!("for room {id} did not finish within 1s")), "{out}");
    assert!(out.contains("Apply: 0 applied, 1 failed, 0 skipped."), "{out}");
}

#[test]
fn writes_never_exceed_the_portals_concurrency_limit() {
    let config = EmulatorConfig {
        faults: Faults { latency: Duration::from_millis(30), ..Faults::default() },
        behaviour: Behaviour {
            limiter: Limiter { concurrency: true, ..Limiter::default() },
            ..Behaviour::default()
        },
        ..EmulatorConfig::default()
    };
    let portal = TestPortal::with(config);
    let yaml: String =
        (0..40).map(|n| format!("  - title: Room {n:02}\n    type: custom\n")).collect();
    portal.manifest(&format!("rooms:\n{yaml}"));
    let output = apply(&portal, &["--parallelism", "50"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(portal.emulator.rooms().len(), 40);
    let peak = portal.emulator.max_concurrent_writes();
    assert!(peak <= 15 && peak > 1, "peak concurrent writes {peak}");
    assert!(!portal.emulator.requests().iter().any(|r| r.status == 429));
}

#[test]
fn retries_that_run_out_say_what_was_tried() {
    let portal = TestPortal::with(faults(Faults {
        server_error_every: Some(1),
        server_error_status: 502,
        ..Faults::default()
    }));
    portal.manifest("rooms: []\n");
    let output = portal.cmd(&["plan", "--retry-budget", "1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    // The API key's scopes are the first read.
    assert!(err.contains("cannot read the API key's scopes from"), "{err}");
    assert!(err.contains("`GET /api/2.0/keys/@self` still failed after"), "{err}");
    assert!(err.contains("attempts over") && err.contains("502") && err.contains("HTML"), "{err}");
}

#[test]
fn verbose_output_never_shows_the_token() {
    let portal = busy_portal(faults(Faults { rate_limit_every: Some(5), ..Faults::default() }));
    // Told a one-second window, as above: the refusals' pacing waits seconds, not a minute.
    let output = portal
        .cmd(&["apply", "--auto-approve", "--allow-delete", "-vv", "--max-rate", "1500/1s"])
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let token = portal.emulator.token();
    let all = format!("{}{}", stdout(&output), stderr(&output));
    assert!(all.contains("retrying") || all.contains("response"), "the verbose output is there");
    assert!(!all.contains(token), "the token leaked");
    assert!(!all.contains(&token[3..]), "part of the token leaked");
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let portal = TestPortal::start();
    portal.manifest("rooms: []\n");
    let output =
        portal.cmd(&["plan"]).env("DOCSPACE_URL", "http://docspace.example.com").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("refusing plain `http://` to `docspace.example.com`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_interrupt_starts_nothing_new_and_reports_truthfully() {
    let portal = TestPortal::with(faults(Faults {
        latency: Duration::from_millis(150),
        ..Faults::default()
    }));
    let yaml: String =
        (0..30).map(|n| format!("  - title: Room {n:02}\n    type: custom\n")).collect();
    portal.manifest(&format!("rooms:\n{yaml}"));
    let child = portal.spawn(&["apply", "--auto-approve", "--parallelism", "1"]);
    // Interrupt once the first room is created, with the others still to come.
    wait_until("a first room is created", Duration::from_secs(30), || {
        !portal.emulator.rooms().is_empty()
    });
    signal(&child, "-TERM");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    let created = portal.emulator.rooms().len();
    assert!(created > 0 && created < 30, "{created} rooms created");
    assert!(
        out.contains(&format!("Apply: {created} applied, 0 failed, {} skipped.", 30 - created)),
        "{out}\n{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("interrupted"), "{}", stderr(&output));
}

/// The number in "after N attempts".
fn attempts(err: &str) -> u32 {
    let rest = err
        .split("still failed after ")
        .nth(1)
        .unwrap_or_else(|| panic!("no retry summary in:\n{err}"));
    rest.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_portal_that_never_answered_fails_after_three_attempts_not_the_whole_budget() {
    // A port nobody listens on: every connection is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = plan_at(&format!("http://127.0.0.1:{port}"), "rooms: []\n", "60");
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert_eq!(attempts(&err), 3, "{err}");
    assert!(err.contains("the last one failed: could not connect"), "{err}");
    assert_eq!(
        err.matches("GET /api/2.0/files/rooms").count(),
        1,
        "the request is named once: {err}"
    );
}

#[test]
fn a_portal_that_answered_once_is_retried_for_the_whole_budget_when_it_refuses() {
    // Answers one listing (no rooms), then stops listening, as a portal restarting would.
    let body = r#"{"response":{"files":[],"folders":[],"startIndex":0,"count":0,"total":0},"count":0,"status":0,"statusCode":200}"#;
    let url = serve_once(http("200 OK", "application/json", body));
    // Members need the people list next, which finds the portal gone.
    let manifest = "rooms:\n  - title: A\n    type: custom\n    members:\n      - user: ann@example.com\n        access: viewer\n";
    let output = plan_at(&url, manifest, "6");
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("could not connect"), "{err}");
    assert!(attempts(&err) > 3, "retried while the budget lasted: {err}");
}

/// 250 rooms, `Room 000` the oldest, all declared; someone deletes the oldest room before the
/// third page is read, `times` times.
fn churning_portal(times: u32) -> TestPortal {
    let portal = TestPortal::with(faults(Faults {
        delete_oldest_before_page: Some((200, times)),
        ..Faults::default()
    }));
    let mut yaml = String::from("rooms:\n");
    for n in 0..250 {
        portal.seed(&format!("Room {n:03}"), RoomType::Custom, false, &[]);
        yaml.push_str(&format!("  - title: Room {n:03}\n    type: custom\n"));
    }
    portal.manifest(&yaml);
    portal
}

#[test]
fn a_room_deleted_while_the_rooms_are_listed_is_read_again_not_created_twice() {
    let portal = churning_portal(1);
    // One page at a time, so the deletion falls between the second and third page.
    let output = portal.cmd(&["plan", "--parallelism", "1"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    // Only the room that is really gone is created; `Room 200`, which moved onto the page
    // already read, is not.
    assert!(text.contains("+ \"Room 000\""), "{text}");
    assert!(text.contains("Plan: 1 to create,"), "{text}");
}

#[test]
fn a_listing_that_keeps_changing_fails_and_changes_nothing() {
    let portal = churning_portal(10);
    let output = portal.cmd(&["apply", "--auto-approve", "--parallelism", "1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains(
            "`GET /api/2.0/files/rooms`: the list changed while it was being read, 3 reads in a row"
        ),
        "{err}"
    );
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());
}

#[test]
fn a_long_wait_for_the_rate_limit_is_announced_without_verbose() {
    // The third request (rooms, then people and groups together) is a 429 asking for 2 s, as
    // a fixed window answers, and the wait is said: that and a second more, as the window
    // reopens only once its last second has passed.
    let portal = TestPortal::with(faults(Faults {
        rate_limit_every: Some(3),
        retry_after_secs: Some(2),
        ..Faults::default()
    }));
    portal.emulator.add_person(PersonSeed::new("ann@example.com", "Ann"));
    portal.manifest("rooms:\n  - title: A\n    type: custom\n    members:\n      - user: ann@example.com\n        access: viewer\n");
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("answered 429"), "{err}");
    assert!(err.contains("retrying in 3 s (attempt 2)"), "{err}");
    assert!(
        err.lines().any(|line| line.starts_with("warning: `GET ")),
        "a warning like the others: {err}"
    );
}

/// A portal (or a proxy in front of one) whose rooms listing, after the plan's read, says there
/// are 10¹² rooms and serves its newest whatever `startIndex` asks: the room just created, and
/// with `fresh`, before it one more room each time, so every page meets the last and adds one.
/// Its URL, and how many listings it served.
fn lying_rooms_listing(fresh: bool) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read as _, Write as _};
    use std::sync::atomic::Ordering;
    let listings = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let room = |id: usize| {
        format!(
            r#"{{"id":{id},"title":"A","roomType":6,"rootFolderType":14,"tags":[],"created":"2026-12-07T10:00:00.0000000Z"}}"#
        )
    };
    let envelope = |response: &str| {
        format!(r#"{{"response":{response},"count":1,"status":0,"statusCode":200}}"#)
    };
    let served = std::sync::Arc::clone(&listings);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 16_384];
            let read = stream.read(&mut buffer).unwrap_or(0);
            let request = String::from_utf8_lossy(&buffer[..read]).into_owned();
            let body = if request.starts_with("POST /api/2.0/files/rooms ") {
                envelope(&room(7))
            } else if request.starts_with("GET /api/2.0/files/rooms?") {
                let n = served.fetch_add(1, Ordering::SeqCst);
                let rooms = match (n, fresh) {
                    (0, _) => String::new(),
                    (_, false) | (1, true) => room(7),
                    (n, true) => format!("{},{}", room(7 + n), room(6 + n)),
                };
                let total = if n == 0 { 0 } else { 1_000_000_000_000_u64 };
                envelope(&format!(
                    r#"{{"files":[],"folders":[{rooms}],"startIndex":0,"count":1,"total":{total}}}"#
                ))
            } else {
                let _ = stream.write_all(http("404 Not Found", "text/plain", ""));
                continue;
            };
            let _ = stream.write_all(http("200 OK", "application/json", &body));
        }
    });
    (url, listings)
}

/// `apply` of one new room against `url`: it fails, naming the rooms listing.
fn apply_one_room_at(url: &str) -> String {
    let manifest = "rooms:\n  - title: A\n    type: custom\n";
    let output = crate::common::run_at(url, manifest, &["apply", "--auto-approve"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = format!("{}{}", stdout(&output), stderr(&output));
    assert!(out.contains("create custom room: failed: `GET /api/2.0/files/rooms`"), "{out}");
    out
}

/// The look for twins after the create ends with an error, not reading for ever (hostile
/// review): pages that add nothing start the look again, at most three times.
#[test]
fn a_rooms_listing_serving_the_same_rooms_whatever_it_is_asked_ends_the_look() {
    let (url, listings) = lying_rooms_listing(false);
    let out = apply_one_room_at(&url);
    assert!(out.contains("the list changed while it was being read, 3 reads in a row"), "{out}");
    let listings = listings.load(std::sync::atomic::Ordering::SeqCst);
    assert!(listings < 20, "{listings} listing reads");
}

/// As above, with pages that each add a room: a look reads at most 250 pages.
#[test]
fn a_rooms_listing_without_end_ends_the_look_after_250_pages() {
    let (url, listings) = lying_rooms_listing(true);
    let out = apply_one_room_at(&url);
    assert!(
        out.contains("the portal or a proxy in front of it is not paging as announced"),
        "{out}"
    );
    let listings = listings.load(std::sync::atomic::Ordering::SeqCst);
    assert!((250..300).contains(&listings), "{listings} listing reads");
}

/// A rooms listing whose first page announces 10¹² rooms is an error naming the request before
/// any more is read, not a list the run tries to page through and hold (hostile review).
#[test]
fn a_listing_announcing_more_rooms_than_any_portal_holds_is_an_error() {
    let body = r#"{"response":{"files":[],"folders":[{"id":7,"title":"A","roomType":6,"rootFolderType":14,"tags":[]}],"startIndex":0,"count":1,"total":1000000000000},"count":1,"status":0,"statusCode":200}"#;
    let url = crate::common::serve(http("200 OK", "application/json", body));
    let output = plan_at(&url, "rooms: []\n", "5");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("`GET /api/2.0/files/rooms`: its first page announced 1000000000000 items, more than the 1000000 this tool reads in one list"),
        "{}",
        stderr(&output)
    );
}
