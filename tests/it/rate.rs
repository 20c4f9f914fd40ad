//! A cloud portal's rate limits (issue 22): what a plan says applying it sends, pacing to the
//! sliding window (from the first request with `--max-rate`, else from the first 429), and the
//! daily write limit stopping an apply cleanly for a second one to finish.

use crate::common::{TestPortal, stderr, stdout};
use docspace_rooms::docspace::{RateLimit, RoomType};
use docspace_rooms::emulator::faults::{Behaviour, Faults};
use docspace_rooms::emulator::{Clock, EmulatorConfig, Limiter, PersonSeed};
use docspace_rooms::plan::PlanOptions;
use docspace_rooms::plan::cost::{Requests, requests};
use docspace_rooms::portal::{Portal, PortalConfig};
use docspace_rooms::progress::Progress;
use docspace_rooms::reconcile::{Ready, apply_plan, read_and_plan};
use std::time::{Duration, Instant};

fn limited(limiter: Limiter, clock: Clock) -> TestPortal {
    TestPortal::with(EmulatorConfig {
        behaviour: Behaviour { limiter, ..Behaviour::default() },
        clock,
        ..EmulatorConfig::default()
    })
}

/// A client of the test's portal, configured by `configure`.
fn client(portal: &TestPortal, configure: impl FnOnce(&mut PortalConfig)) -> Portal {
    let mut config = PortalConfig::new(
        portal.emulator.url().parse().unwrap(),
        portal.emulator.token().to_owned().into(),
    );
    configure(&mut config);
    Portal::new(config).unwrap()
}

/// The requests the portal received from the `from`-th on, by what a daily limit counts.
fn received(portal: &TestPortal, from: usize) -> Requests {
    let mut requests = Requests::default();
    for request in &portal.emulator.requests()[from..] {
        match request.method.as_str() {
            "POST" | "PUT" => requests.writes += 1,
            "DELETE" => requests.deletes += 1,
            _ => requests.reads += 1,
        }
    }
    requests
}

/// Plans `manifest` and applies the plan with a client of the test's portal, which must succeed:
/// what the plan said applying sends, and the first of the requests applying sent.
fn plan_and_apply(portal: &TestPortal, manifest: &std::path::Path) -> (Requests, usize) {
    let client = client(portal, |_| {});
    let planned = portal
        .block_on(read_and_plan(manifest, &client, &PlanOptions::default(), &Progress::hidden()))
        .unwrap();
    let expected = requests(&planned.plan);
    let from = portal.emulator.requests().len();
    let (report, _) =
        portal.block_on(apply_plan(&client, &Ready::from(planned), &Progress::hidden()));
    assert!(report.is_success(), "{}", report.summary());
    (expected, from)
}

#[test]
fn a_plan_says_exactly_what_applying_it_sends() {
    let portal = TestPortal::start();
    portal.emulator.set_room_quota(true, -1);
    portal.emulator.add_person(PersonSeed::new("ann@example.com", "Ann Lee"));
    portal.seed("Old", RoomType::Custom, true, &[]);
    portal.seed("Away", RoomType::Custom, false, &[]);
    portal.seed("Gone", RoomType::Custom, true, &[]);
    let trim = portal.seed("Trim", RoomType::Custom, false, &[]);
    portal.emulator.seed_folder(trim, trim, "Scratch");
    let manifest = portal.manifest(
        "rooms:
  - title: Fresh
    type: custom
    tags: [t]
    color: 4C9AFF
    quota: 1 GB
    members:
      - user: ann@example.com
        access: viewer
    folders: [Docs/2025]
    links:
      - name: Partners
        access: viewer
  - title: Old
    state: archived
    tags: [x]
  - title: Away
    state: archived
  - title: Gone
    state: deleted
  - title: Trim
    folders: [Keep]
    folders_policy: exact
",
    );
    let (expected, from) = plan_and_apply(&portal, &manifest);
    // Writes and reads: the new rooms listed before the first create, create 1+1 (its look for
    // twins), settings 1+1, members 1+1, two folders 2+4 (each parent listed before and after),
    // a link 1+3 (the room's links read for another run's link of the name before and after
    // it is made, and read back); unarchive 1+2, retag 1, archive 1+2; archive 1+2; delete 0+2
    // and a DELETE; a folder 1+2, one to the trash 1+5 (the account's deletes waited for
    // first).
    assert_eq!(expected, Requests { writes: 12, reads: 26, deletes: 1 });
    assert_eq!(received(&portal, from), expected);
}

#[test]
fn the_summary_and_the_json_say_what_applying_sends_and_a_plan_over_a_days_writes_warns() {
    let portal = TestPortal::start();
    let rooms: String =
        (0..10_001).map(|n| format!("  - title: Room {n:05}\n    type: custom\n")).collect();
    portal.manifest(&format!("rooms:\n{rooms}"));
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = stdout(&output).lines().last().unwrap().to_owned();
    assert_eq!(
        summary,
        "Plan: 10001 to create, 0 to rename, 0 to archive, 0 to delete; 0 unmanaged rooms left alone. Applying sends 20003 requests: 10001 writes (POST and PUT), 10002 reads."
    );
    let err = stderr(&output);
    assert!(
        err.contains("warning: applying sends 10001 writes (POST and PUT); a cloud portal allows 10000 a day per user: `apply` stops when the portal refuses them, says when its limit resets, and running `apply` again after that continues where it stopped"),
        "{err}"
    );

    portal.manifest("rooms:\n  - title: One\n    type: custom\n");
    let output = portal.cmd(&["plan", "--format", "json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["requests"], serde_json::json!({"writes": 1, "reads": 2, "deletes": 0}));
    assert!(json["summary"].as_str().unwrap().ends_with("left alone."), "small: not in the text");
}

/// A portal admitting `limit` requests a second (on the system's clock: the client is another
/// process), and a manifest of `rooms` rooms to create.
fn per_second(limit: u32, rooms: usize) -> (TestPortal, std::path::PathBuf) {
    let window = RateLimit { limit, window: Duration::from_secs(1) };
    let portal = limited(Limiter { window: Some(window), ..Limiter::default() }, Clock::system());
    let rooms: String =
        (0..rooms).map(|n| format!("  - title: R{n:02}\n    type: custom\n")).collect();
    let manifest = portal.manifest(&format!("rooms:\n{rooms}"));
    (portal, manifest)
}

/// How many requests the portal refused with a 429.
fn refused(portal: &TestPortal) -> usize {
    portal.emulator.requests().iter().filter(|r| r.status == 429).count()
}

#[test]
fn max_rate_paces_from_the_first_request() {
    // A portal admitting 10 requests a second, and a client told 8: the portal judges each
    // request by when it arrives, the client paces by when it sends, so the difference leaves
    // room for a request delayed on its way (a loaded CI machine), not for a run that bursts.
    // Unpaced, the apply's 30-odd requests (the listing, 15 creates and their looks, 8 at a
    // time) would all arrive within a second.
    let (portal, _) = per_second(10, 15);
    let started = Instant::now();
    let output = portal.cmd(&["apply", "--auto-approve", "--max-rate", "8/1s"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(portal.emulator.rooms().len(), 15);
    assert_eq!(refused(&portal), 0, "not one request over the window, the first ones included");
    // The window was taken as full when the run started: over 16 requests at 8 a second.
    assert!(started.elapsed() >= Duration::from_secs(2), "{:?}", started.elapsed());
}

#[test]
fn after_the_first_429_every_request_is_paced() {
    let (portal, manifest) = per_second(20, 40);
    // The window a refusal does not say: a little longer than this portal's second, as a
    // cloud portal's minute would be, so a request delayed on its way by a loaded machine is
    // not refused for arriving sooner after the one 20 before it than it was sent.
    let client = client(&portal, |config| config.rate_window = Duration::from_millis(1300));
    let planned = portal
        .block_on(read_and_plan(&manifest, &client, &PlanOptions::default(), &Progress::hidden()))
        .unwrap();
    let (report, _) =
        portal.block_on(apply_plan(&client, &Ready::from(planned), &Progress::hidden()));
    assert!(report.is_success(), "{}", report.summary());
    assert_eq!(portal.emulator.rooms().len(), 40);
    // The first refusal and the requests already in flight with it (8 at a time), then none.
    let refused = refused(&portal);
    assert!((1..=8).contains(&refused), "{refused} refused");
}

/// An archived room to retag (unarchived, retagged, archived again) and `creates` rooms to
/// create, one at a time in title order, on a portal allowing `writes` POST and PUT a day, on a
/// manual clock.
fn capped(writes: u32, creates: usize) -> (TestPortal, u64) {
    let daily = RateLimit { limit: writes, window: Duration::from_secs(86_400) };
    let portal =
        limited(Limiter { daily_writes: Some(daily), ..Limiter::default() }, Clock::manual());
    let archived = portal.seed("A archived", RoomType::Custom, true, &[]);
    let rooms: String =
        (0..creates).map(|n| format!("  - title: Room {n}\n    type: custom\n")).collect();
    portal.manifest(&format!(
        "rooms:\n  - title: A archived\n    state: archived\n    tags: [t]\n{rooms}"
    ));
    (portal, archived)
}

/// When a limit whose window of `window` seconds opened now, on the portal's manual clock,
/// resets, as the tool prints it: the second after, in UTC. The clock starts at the real time,
/// not a fixed date: the tool trusts a portal's reset time only when it lies ahead of its own
/// clock (`portal/client.rs`), so a fixed date would stop matching once it is past.
fn resets_at(portal: &TestPortal, window: i64) -> String {
    docspace_rooms::utc_time(portal.emulator.clock().now() + window + 1)
}

fn apply(portal: &TestPortal) -> std::process::Output {
    portal.cmd(&["apply", "--auto-approve", "--parallelism", "1"]).output().unwrap()
}

/// Successful POST and PUT requests the portal received.
fn writes_done(portal: &TestPortal) -> usize {
    portal
        .emulator
        .requests()
        .iter()
        .filter(|r| matches!(r.method.as_str(), "POST" | "PUT") && r.status == 200)
        .count()
}

#[test]
fn the_daily_write_limit_stops_an_apply_cleanly_and_a_second_apply_finishes_without_repeating() {
    let (portal, archived) = capped(4, 5);
    let day = resets_at(&portal, 86_400);
    let first = apply(&portal);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let out = stdout(&first);
    // Unarchive, retag, archive, the first create; the second create is refused and nothing
    // starts after it.
    assert!(out.contains("Apply: 4 applied, 1 failed, 3 skipped."), "{out}");
    assert!(
        out.contains(&format!("+ \"Room 1\" (new): create custom room: failed: `POST /api/2.0/files/rooms` was refused (429): the portal's limit of 4 writes (POST and PUT) is reached until {day}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("+ \"Room 2\" (new): create custom room: skipped (not started: the portal's limit of 4 writes (POST and PUT) was reached; it resets at {day})")),
        "{out}"
    );
    assert!(
        out.contains(&format!("Stopped: the portal's limit of 4 writes (POST and PUT; a cloud portal allows 10,000 a day per user) was reached; it resets at {day}. No write was started after that.")),
        "{out}"
    );
    assert!(out.contains(&format!("Run `apply` again after {day}: it reads the portal afresh and goes on where this run stopped; what was done is not done again.")), "{out}");
    assert!(!out.contains("Left active"), "every room it opened was closed: {out}");
    assert_eq!(refused(&portal), 1, "one refusal, then nothing sent that the limit refuses");
    assert!(
        stderr(&first).contains(&format!("error: stopped by the portal's limit; the summary above is what happened. Run `apply` again after {day} to go on.")),
        "{}",
        stderr(&first)
    );

    // Before the reset, a second apply stops at its first write again.
    let early = apply(&portal);
    assert_eq!(early.status.code(), Some(1));
    assert!(
        stdout(&early).contains("Apply: 0 applied, 1 failed, 3 skipped."),
        "{}",
        stdout(&early)
    );

    portal.emulator.clock().advance(Duration::from_secs(86_401));
    let second = apply(&portal);
    assert!(second.status.success(), "{}\n{}", stdout(&second), stderr(&second));
    assert!(
        stdout(&second).contains("Apply: 4 applied, 0 failed, 0 skipped."),
        "{}",
        stdout(&second)
    );
    // 4 + 4 writes: the first run's plan and no more; no room twice, the archived room as
    // declared.
    assert_eq!(writes_done(&portal), 8);
    let titles: Vec<(String, bool, Vec<String>)> = portal.rooms();
    assert_eq!(titles.len(), 6);
    assert_eq!(titles[0], ("A archived".to_owned(), true, vec!["t".to_owned()]));
    assert!(portal.emulator.rooms().iter().any(|r| r.id == archived && r.archived));
}

#[test]
fn a_room_unarchived_for_an_edit_that_the_limit_keeps_from_archiving_again_is_named() {
    // Unarchive and retag fit in the limit; the archive after them does not.
    let (portal, archived) = capped(2, 0);
    let first = apply(&portal);
    assert_eq!(first.status.code(), Some(1));
    let out = stdout(&first);
    assert!(out.contains("Apply: 2 applied, 1 failed, 0 skipped."), "{out}");
    assert!(
        out.contains(&format!(
            "Left active until then (the portal refused to archive them): \"A archived\" (id {archived})."
        )),
        "{out}"
    );
    assert!(portal.emulator.rooms().iter().any(|r| r.id == archived && !r.archived));
    portal.emulator.clock().advance(Duration::from_secs(86_401));
    let second = apply(&portal);
    assert!(second.status.success(), "{}", stdout(&second));
    assert!(
        stdout(&second).contains("Apply: 1 applied, 0 failed, 0 skipped."),
        "{}",
        stdout(&second)
    );
    assert!(portal.emulator.rooms().iter().any(|r| r.id == archived && r.archived));
    assert_eq!(writes_done(&portal), 3, "unarchive and retag were not done again");
}

#[test]
fn the_json_report_says_which_limit_stopped_the_run_and_which_rooms_stay_active() {
    let (portal, archived) = capped(2, 0);
    let day = resets_at(&portal, 86_400);
    let output = portal
        .cmd(&["apply", "--auto-approve", "--parallelism", "1", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["limit_reached"],
        serde_json::json!({
            "limit": 2,
            "writes_only": true,
            "resets_at": day,
            "left_active": [{"title": "A archived", "id": archived}],
        })
    );
}

#[test]
fn a_read_refused_for_longer_than_the_retry_budget_fails_at_once_saying_until_when() {
    let portal = TestPortal::on_clock(Clock::manual());
    let hour = resets_at(&portal, 3_600);
    portal.emulator.set_faults(Faults {
        rate_limit_every: Some(1),
        retry_after_secs: Some(3_600),
        ..Faults::default()
    });
    portal.manifest("rooms: []\n");
    let started = Instant::now();
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        // The run's first read: the API key's scopes.
        stderr(&output).contains(&format!("`GET /api/2.0/keys/@self` was refused (429): the portal's limit of 1500 requests is reached until {hour}")),
        "{}",
        stderr(&output)
    );
    assert_eq!(portal.emulator.requests().len(), 1, "not retried");
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// Six archived rooms to retag (each unarchived, retagged and archived again), on a portal
/// allowing six POST and PUT a day, on a manual clock; the first `apply`
/// run with the default parallelism.
fn six_brackets_at_the_limit() -> (TestPortal, std::process::Output) {
    let daily = RateLimit { limit: 6, window: Duration::from_secs(86_400) };
    let portal =
        limited(Limiter { daily_writes: Some(daily), ..Limiter::default() }, Clock::manual());
    let mut yaml = String::from("rooms:\n");
    for n in 0..6 {
        portal.seed(&format!("Archived {n}"), RoomType::Custom, true, &[]);
        yaml.push_str(&format!("  - title: Archived {n}\n    state: archived\n    tags: [t]\n"));
    }
    portal.manifest(&yaml);
    let first = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    (portal, first)
}

#[test]
fn at_the_default_parallelism_the_daily_limit_leaves_at_most_one_archived_room_open() {
    // Archived rooms are reopened one at a time: each bracket closes before the next opens.
    let (portal, first) = six_brackets_at_the_limit();
    let open: Vec<String> =
        portal.emulator.rooms().into_iter().filter(|r| !r.archived).map(|r| r.title).collect();
    assert!(open.len() <= 1, "left active: {open:?}\n{}", stdout(&first));
    // Six writes: two whole brackets, no reopen after the limit.
    let out = stdout(&first);
    assert!(out.contains("Apply: 6 applied, 1 failed, 11 skipped."), "{out}");
    assert!(!out.contains("Left active"), "{out}");
}

#[test]
fn after_the_daily_limit_apply_again_goes_on_as_the_report_says() {
    // Two rooms a day fit in the limit: each run after a reset goes on with the next two,
    // never refused for archiving rooms the last one left open, and the third finishes.
    let (portal, first) = six_brackets_at_the_limit();
    assert!(stdout(&first).contains("goes on where this run stopped"), "{}", stdout(&first));
    for run in 2..=3 {
        portal.emulator.clock().advance(Duration::from_secs(86_402));
        let next = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
        let out = stdout(&next);
        assert!(out.contains("Apply: 6 applied,"), "run {run}: {out}\n{}", stderr(&next));
        assert_eq!(next.status.success(), run == 3, "run {run}: {out}");
    }
    assert!(portal.emulator.rooms().iter().all(|r| r.archived && r.tags == ["t"]));
}

#[test]
fn rooms_left_active_are_named_with_what_the_next_apply_needs() {
    // Unarchive and retag fit in the limit; the archive after them does not.
    let (portal, archived) = capped(2, 0);
    let first = apply(&portal);
    assert!(
        stdout(&first).contains(&format!(
            "Left active until then (the portal refused to archive them): \"A archived\" (id {archived}). The next `apply` archives them; where that is over `max_destroy_percent`, `apply --target 'A archived' --force` applies only these rooms first."
        )),
        "{}",
        stdout(&first)
    );
}

#[test]
fn an_interrupt_ends_a_retry_after_wait_without_sending_the_write() {
    let daily = RateLimit { limit: 1, window: Duration::from_secs(40) };
    let portal =
        limited(Limiter { daily_writes: Some(daily), ..Limiter::default() }, Clock::system());
    portal.manifest(
        "rooms:\n  - title: First\n    type: custom\n  - title: Second\n    type: custom\n",
    );
    let child = portal.spawn(&["apply", "--auto-approve", "--parallelism", "1"]);
    crate::common::wait_until("the second create is refused", Duration::from_secs(30), || {
        portal.emulator.requests().iter().any(|r| r.status == 429)
    });
    crate::common::signal(&child, "-INT");
    let interrupted = Instant::now();
    let output = child.wait_with_output().unwrap();
    let took = interrupted.elapsed();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let titles: Vec<String> = portal.emulator.rooms().into_iter().map(|r| r.title).collect();
    assert_eq!(titles, ["First"], "a room created after the interrupt (it took {took:?})");
    assert!(took < Duration::from_secs(10), "the interrupt took {took:?}");
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        out.contains("+ \"Second\" (new): create custom room: skipped (`POST /api/2.0/files/rooms` was not sent: interrupted while it waited to be retried)"),
        "{out}"
    );
}

#[test]
fn a_plan_counts_the_read_back_of_a_room_with_over_a_hundred_members() {
    let portal = TestPortal::start();
    let big = portal.seed("Big", RoomType::Custom, false, &[]);
    let mut yaml = String::from("rooms:\n  - title: Big\n    members:\n");
    for n in 0..101 {
        let email = format!("user{n:03}@example.com");
        portal.emulator.add_person(PersonSeed::new(&email, &format!("User {n:03}")));
        yaml.push_str(&format!("      - user: {email}\n        access: viewer\n"));
    }
    portal.manifest(&yaml);
    let share = format!("/api/2.0/files/rooms/{big}/share");
    let member_reads = || {
        portal.emulator.requests().iter().filter(|r| r.method == "GET" && r.path == share).count()
    };
    let plan = portal.cmd(&["plan", "--format", "json"]).output().unwrap();
    assert!(plan.status.success(), "{}", stderr(&plan));
    let json: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    // The member change is the plan's one step: 102 members with the owner, two pages back.
    assert_eq!(json["requests"], serde_json::json!({"writes": 1, "reads": 2, "deletes": 0}));
    let before = member_reads();
    let from = portal.emulator.requests().len();
    let apply = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(apply.status.success(), "{}", stderr(&apply));
    // Apply reads the members once to plan (one page: the owner alone), then back (two).
    assert_eq!(member_reads() - before, 3);
    let sent = received(&portal, from);
    assert_eq!(sent.writes, 1);
}

#[test]
fn the_email_invitation_limit_fails_the_steps_that_invite_by_email_and_other_writes_go_on() {
    // DocSpace-server v3.7.2: `PUT files/rooms/{id}/share` carries the `EmailInvitationApi`
    // policy (VirtualRoomsController.cs L485-487), a daily fixed window per portal counting the
    // invitations by email (BaseStartup.cs L323-392), whose 429 looks like the daily write
    // limit's.
    let invitations = RateLimit { limit: 1, window: Duration::from_secs(86_400) };
    let portal = limited(
        Limiter { email_invitations: Some(invitations), ..Limiter::default() },
        Clock::manual(),
    );
    let day = resets_at(&portal, 86_400);
    portal.emulator.add_person(PersonSeed::new("ann@example.com", "Ann Lee"));
    let a = portal.seed("A invites", RoomType::Custom, false, &[]);
    portal.seed("B member", RoomType::Custom, false, &[]);
    let c = portal.seed("C invites", RoomType::Custom, false, &[]);
    portal.seed("D tags", RoomType::Custom, false, &[]);
    let invite = |email: &str| {
        format!("      - user: {email}\n        access: viewer\n        invite: true\n")
    };
    portal.manifest(&format!(
        "rooms:\n  - title: A invites\n    members:\n{}{}  - title: B member\n    members:\n      - user: ann@example.com\n        access: viewer\n  - title: C invites\n    members:\n{}  - title: D tags\n    tags: [t]\n",
        invite("new1@example.com"),
        invite("new2@example.com"),
        invite("new3@example.com"),
    ));
    let output = apply(&portal);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains(&format!("failed: `PUT /api/2.0/files/rooms/{a}/share` was refused (429): a daily limit of 1 is reached until {day}: the portal's limit on email invitations (per portal), or on writes (POST and PUT)")),
        "{out}"
    );
    assert!(
        out.contains(&format!("failed: `PUT /api/2.0/files/rooms/{c}/share` was not sent: a daily limit of 1 is reached until {day}: the portal's limit on email invitations (per portal), or on writes (POST and PUT)")),
        "{out}"
    );
    // The member added by id and the tags went on; the run was not stopped.
    assert!(out.contains("Apply: 2 applied, 2 failed, 0 skipped."), "{out}");
    assert!(!out.contains("Stopped"), "{out}");
    assert_eq!(refused(&portal), 1);
}

#[test]
fn a_new_public_rooms_primary_link_is_counted_without_the_read_that_would_make_one() {
    // The portal gives a new public room its primary link: the step looks it up among the
    // room's links and sends no `GET …/link` (review F7 of issue 22).
    let portal = TestPortal::start();
    let manifest = portal.manifest(
        "rooms:\n  - title: Press\n    type: public\n    links:\n      - primary: true\n        name: Launch\n        access: viewer\n",
    );
    let (expected, from) = plan_and_apply(&portal, &manifest);
    assert!(!portal.emulator.requests()[from..].iter().any(|r| r.path.ends_with("/link")));
    assert_eq!(received(&portal, from), expected);
}
