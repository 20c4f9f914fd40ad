//! Safe at the edges (issue 12): against a portal that misbehaves as real ones do, no room is
//! left open, created twice, missed or stripped, and `plan` after `apply` plans nothing.

use crate::common::{TestPortal, signal, stderr, stdout, wait_until};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::faults::Faults;
use docspace_rooms::emulator::{Clock, EmulatorConfig, PersonSeed};
use std::time::Duration;

fn with_faults(faults: Faults) -> TestPortal {
    TestPortal::with(EmulatorConfig { faults, ..EmulatorConfig::default() })
}

fn converges(portal: &TestPortal) {
    let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
}

fn requests(portal: &TestPortal, method: &str, path: &str) -> usize {
    portal.emulator.requests().iter().filter(|r| r.method == method && r.path == path).count()
}

#[test]
fn an_archived_room_whose_edit_fails_is_archived_again_and_the_next_apply_converges() {
    let portal = with_faults(Faults {
        fail_once: vec!["PUT /api/2.0/files/rooms/*".into()],
        ..Faults::default()
    });
    portal.seed("Vault", RoomType::Custom, true, &[]);
    portal.manifest("rooms:\n  - title: Vault 2\n    renamed_from: [Vault]\n    state: archived\n");
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let out = stdout(&output);
    assert!(out.contains("Apply: 2 applied, 1 failed, 0 skipped."), "{out}");
    assert_eq!(portal.rooms(), [("Vault".into(), true, vec![])], "the room is archived again");

    let again = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(again.status.success(), "{}", stdout(&again));
    assert_eq!(portal.rooms(), [("Vault 2".into(), true, vec![])]);
    converges(&portal);
}

#[test]
fn a_create_committed_seconds_after_a_504_is_reported_created_and_sent_once() {
    let portal = TestPortal::with(EmulatorConfig {
        faults: Faults { create_commits_late: Some(Duration::from_secs(2)), ..Faults::default() },
        clock: Clock::manual(),
        ..EmulatorConfig::default()
    });
    portal.manifest("rooms:\n  - title: Late\n    type: custom\n");
    let child = portal.spawn(&["apply", "--auto-approve"]);
    // The two seconds pass once the client has looked for the room after the 504 and missed it.
    wait_until("a lookup after the 504", Duration::from_secs(30), || {
        let requests = portal.emulator.requests();
        let create = requests.iter().position(|r| r.method == "POST" && r.status == 504);
        create.is_some_and(|at| {
            requests[at..].iter().any(|r| r.method == "GET" && r.path == "/api/2.0/files/rooms")
        })
    });
    assert!(portal.rooms().is_empty(), "not committed before the clock moves");
    portal.emulator.clock().advance(Duration::from_secs(2));
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert!(
        stdout(&output).contains("Apply: 1 applied, 0 failed, 0 skipped."),
        "{}",
        stdout(&output)
    );
    assert_eq!(requests(&portal, "POST", "/api/2.0/files/rooms"), 1, "one create, never two");
    assert_eq!(portal.rooms(), [("Late".into(), false, vec![])]);
    converges(&portal);
}

#[test]
fn a_create_that_never_appears_fails_as_unknown_and_is_not_sent_again() {
    let portal = with_faults(Faults {
        create_commits_late: Some(Duration::from_secs(3600)),
        ..Faults::default()
    });
    portal.manifest("rooms:\n  - title: Lost\n    type: custom\n    tags: [t]\n");
    let output =
        portal.cmd(&["apply", "--auto-approve", "--create-lookup-window", "1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.contains("did not appear within 1"), "{out}");
    assert!(out.contains("run `plan` again"), "{out}");
    assert_eq!(requests(&portal, "POST", "/api/2.0/files/rooms"), 1, "one create, never two");
}

#[test]
fn pages_capped_below_100_lose_nothing_rooms_people_groups_and_members() {
    let portal = with_faults(Faults { page_cap: Some(30), ..Faults::default() });
    for n in 0..75 {
        portal.seed(&format!("Room {n:02}"), RoomType::Custom, false, &[]);
    }
    let mut emails = Vec::new();
    for n in 0..40 {
        let email = format!("p{n:02}@example.com");
        portal.emulator.add_person(PersonSeed::new(&email, &format!("Person {n}")));
        emails.push(email);
    }
    for n in 0..130 {
        portal.emulator.add_group(&format!("Group {n:03}"), &[]);
    }
    // Every room is declared, so a room missed by the listing would be created again and a
    // prune would be wrong; the members span the directory's pages and the room's member list
    // two pages, so a missed member would be added again or a missed person reported unknown.
    let mut yaml = String::from("prune: delete\nrooms:\n");
    for n in 0..75 {
        yaml.push_str(&format!("  - title: Room {n:02}\n    tags: [kept]\n"));
    }
    yaml.push_str("    members:\n");
    for email in &emails {
        yaml.push_str(&format!("      - user: {email}\n        access: viewer\n"));
    }
    yaml.push_str("      - group: Group 129\n        access: viewer\n");
    portal.manifest(&yaml);

    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    let rooms = portal.rooms();
    assert_eq!(rooms.len(), 75, "nothing created twice, nothing pruned");
    assert!(rooms.iter().all(|(_, _, tags)| tags == &["kept"]), "{rooms:?}");
    let last = portal.emulator.rooms().into_iter().find(|r| r.title == "Room 74").unwrap();
    assert_eq!(portal.emulator.members(last.id).len(), 40 + 1 + 1, "40 people, a group, the owner");
    converges(&portal);
}

#[test]
fn two_groups_with_one_name_are_an_error_naming_both_before_any_write() {
    let portal = TestPortal::start();
    let seed = portal.file(
        "seed.json",
        r#"{"groups": [{"name": "Legal", "members": []}, {"name": "Legal", "members": []}]}"#,
    );
    let portal =
        TestPortal::with(EmulatorConfig { seed_file: Some(seed), ..EmulatorConfig::default() });
    portal.seed("Contracts", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Contracts\n    members:\n      - group: Legal\n        access: viewer\n");
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("group `Legal` is ambiguous: the portal has 2 groups with that name (ids "),
        "{err}"
    );
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());
}

#[test]
fn an_interrupt_during_an_edit_of_an_archived_room_still_archives_it_again() {
    // The rename, the room's first edit once it is open, is answered only once the run has
    // taken the interrupt: the retag after it has certainly not started.
    let held = vec!["PUT /api/2.0/files/rooms/*".to_owned()];
    let portal = with_faults(Faults { hold_response_once: held, ..Faults::default() });
    portal.seed("Vault", RoomType::Custom, true, &[]);
    portal.manifest(
        "rooms:\n  - title: Vault 2\n    renamed_from: [Vault]\n    tags: [kept]\n    state: archived\n",
    );
    let mut child = portal.spawn(&["apply", "--auto-approve"]);
    let err = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let (mut from, err) = (child.stderr.take().unwrap(), std::sync::Arc::clone(&err));
        std::thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(read @ 1..) = std::io::Read::read(&mut from, &mut buffer) {
                err.lock().unwrap().push_str(&String::from_utf8_lossy(&buffer[..read]));
            }
        })
    };
    wait_until("the rename is held", Duration::from_secs(60), || {
        portal.emulator.held_responses() == 1
    });
    assert!(portal.emulator.rooms().iter().all(|room| !room.archived), "open for its edits");
    signal(&child, "-TERM");
    wait_until("the run takes the interrupt", Duration::from_secs(60), || {
        err.lock().unwrap().contains("interrupted: ")
    });
    portal.emulator.release_responses();
    let output = child.wait_with_output().unwrap();
    reader.join().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let out = stdout(&output);
    assert!(out.contains("tags [] → [kept]: skipped (interrupted before it started)"), "{out}");
    assert!(!out.contains(": archive: skipped"), "the bracket is closed: {out}");
    let rooms = portal.rooms();
    assert_eq!(rooms.len(), 1);
    assert!(rooms[0].1 && rooms[0].2.is_empty(), "archived again, not retagged: {rooms:?}");

    // A plain second run converges.
    portal.emulator.set_faults(Faults::default());
    let again = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(again.status.success(), "{}", stdout(&again));
    assert_eq!(portal.rooms(), [("Vault 2".into(), true, vec!["kept".into()])]);
    converges(&portal);
}
