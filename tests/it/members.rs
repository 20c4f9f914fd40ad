//! Access as code: room members and their access levels, end to end against the emulator.

use crate::common::{TestPortal, stderr, stdout};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::PersonSeed;
use serde_json::json;

/// A portal with people (anna and ben may manage rooms), a group, and one room, `Legal`.
fn people_portal() -> (TestPortal, u64) {
    let portal = TestPortal::start();
    for (email, room_admin) in [
        ("anna@example.com", true),
        ("ben@example.com", true),
        ("carol@example.com", false),
        ("dave@example.com", false),
    ] {
        portal
            .emulator
            .add_person(PersonSeed { is_room_admin: room_admin, ..PersonSeed::new(email, email) });
    }
    portal.emulator.add_group("Auditors", &["carol@example.com"]);
    let legal = portal.seed("Legal", RoomType::Custom, false, &[]);
    (portal, legal)
}

/// A room's members as `(name, access)`, owner excluded, sorted.
fn members(portal: &TestPortal, room: u64) -> Vec<(String, i64)> {
    let mut members: Vec<_> = portal
        .emulator
        .members(room)
        .into_iter()
        .filter(|m| !m.is_owner)
        .map(|m| (m.name, m.access))
        .collect();
    members.sort();
    members
}

fn invite(portal: &TestPortal, room: u64, email: &str, access: i64) {
    let id = portal.emulator.add_person(PersonSeed::new(email, email));
    let body = json!({"invitations": [{"id": id, "access": access}], "notify": false});
    assert_eq!(portal.put(&format!("files/rooms/{room}/share"), body).status, 200);
}

#[test]
fn members_are_added_changed_and_removed() {
    let (portal, legal) = people_portal();
    invite(&portal, legal, "ben@example.com", 2);
    invite(&portal, legal, "dave@example.com", 10);
    portal.manifest(
        "rooms:\n  - title: Legal\n    type: custom\n    members:\n      - user: anna@example.com\n        access: room-manager\n      - user: ben@example.com\n        access: editor\n",
    );
    let output = portal.cmd(&["plan"]).output().unwrap();
    let text = stdout(&output);
    assert!(
        text.contains("~ members: + anna@example.com room-manager; ~ ben@example.com viewer → editor; - dave@example.com (was editor)"),
        "{text}"
    );
    assert!(text.contains("dave@example.com: loses editor in \"Legal\""), "{text}");
    assert!(!text.contains("owner@example.com"), "the owner never appears: {text}");

    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}", stdout(&output));
    assert_eq!(
        members(&portal, legal),
        [("anna@example.com".into(), 9), ("ben@example.com".into(), 10)]
    );
    portal.cmd(&["plan", "--detailed-exitcode"]).assert().code(0);
}

#[test]
fn additive_members_only_add_and_change() {
    let (portal, legal) = people_portal();
    invite(&portal, legal, "dave@example.com", 10);
    portal.manifest(
        "rooms:\n  - title: Legal\n    members_policy: additive\n    members:\n      - user: carol@example.com\n        access: viewer\n",
    );
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    assert_eq!(
        members(&portal, legal),
        [("carol@example.com".into(), 2), ("dave@example.com".into(), 10)]
    );
}

#[test]
fn a_group_is_a_member() {
    let (portal, legal) = people_portal();
    portal.manifest(
        "rooms:\n  - title: Legal\n    members:\n      - group: Auditors\n        access: viewer\n",
    );
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    assert_eq!(members(&portal, legal), [("Auditors".into(), 2)]);
    portal.cmd(&["plan", "--detailed-exitcode"]).assert().code(0);
}

#[test]
fn members_of_an_archived_room_are_changed_between_unarchive_and_archive() {
    let (portal, _) = people_portal();
    let vault = portal.seed("Vault", RoomType::VirtualData, true, &[]);
    portal.manifest(
        "rooms:\n  - title: Vault\n    state: archived\n    members:\n      - user: carol@example.com\n        access: viewer\n",
    );
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    assert_eq!(members(&portal, vault), [("carol@example.com".into(), 2)]);
    assert!(portal.emulator.rooms().iter().any(|r| r.id == vault && r.archived));
    let path = format!("/api/2.0/files/rooms/{vault}");
    assert_eq!(
        portal.writes(),
        [
            format!("PUT {path}/unarchive"),
            format!("PUT {path}/share"),
            format!("PUT {path}/archive")
        ]
    );
}

#[test]
fn an_unknown_email_is_an_error_before_any_write() {
    let (portal, _) = people_portal();
    portal.manifest(
        "rooms:\n  - title: New room\n    type: custom\n    members:\n      - user: nobody@example.com\n        access: viewer\n",
    );
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(
            "rooms.yaml:5: `nobody@example.com` has no account on the portal; add `invite: true`"
        ),
        "{}",
        stderr(&output)
    );
    assert!(portal.writes().is_empty());
}

#[test]
fn an_unknown_group_is_an_error_before_any_write() {
    let (portal, _) = people_portal();
    portal.manifest(
        "rooms:\n  - title: Legal\n    members:\n      - group: Nobody\n        access: viewer\n",
    );
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("group `Nobody` is not on the portal"), "{}", stderr(&output));
    assert!(portal.writes().is_empty());
}

#[test]
fn an_invitation_is_opt_in_and_converges() {
    let (portal, legal) = people_portal();
    portal.manifest(
        "rooms:\n  - title: Legal\n    members:\n      - user: new.hire@example.com\n        access: viewer\n        invite: true\n",
    );
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    assert_eq!(members(&portal, legal), [("new.hire@example.com".into(), 2)]);
    portal.cmd(&["plan", "--detailed-exitcode"]).assert().code(0);
}

#[test]
fn an_access_level_the_room_type_forbids_is_a_validate_error_with_its_line() {
    let (portal, _) = people_portal();
    portal.manifest("rooms:\n  - title: Press\n    type: public\n    members:\n      - user: ben@example.com\n        access: viewer\n");
    let output = portal.cmd(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("rooms.yaml:6: access `viewer` is not allowed in a `public` room"),
        "{}",
        stderr(&output)
    );
    assert!(portal.emulator.requests().is_empty(), "validate works offline");
}

#[test]
fn room_manager_for_a_plain_user_is_an_error_before_any_write() {
    let (portal, _) = people_portal();
    portal.manifest("rooms:\n  - title: Legal\n    members:\n      - user: carol@example.com\n        access: room-manager\n");
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("`carol@example.com` cannot be `room-manager`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_terminated_user_is_never_sent_a_warning_names_them_and_the_room_converges() {
    let (portal, legal) = people_portal();
    assert!(portal.emulator.set_person_status("dave@example.com", 2));
    portal.manifest(
        "rooms:\n  - title: Legal\n    members:\n      - user: dave@example.com\n        access: editor\n  - title: Other\n    type: custom\n    members:\n      - user: ben@example.com\n        access: editor\n      - user: dave@example.com\n        access: viewer\n",
    );
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "warning: `dave@example.com` is a terminated account: left out of rooms `Legal`, `Other`"
        ),
        "{}",
        stderr(&output)
    );
    let out = stdout(&output);
    assert!(out.contains("Apply: 2 applied, 0 failed, 0 skipped."), "{out}");
    let legal_share = format!("/api/2.0/files/rooms/{legal}/share");
    assert!(
        !portal.emulator.requests().iter().any(|r| r.method == "PUT" && r.path == legal_share),
        "nothing is sent for a room whose only declared member is terminated"
    );
    assert!(members(&portal, legal).is_empty());
    let again = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let other = portal.emulator.rooms().into_iter().find(|r| r.title == "Other").unwrap().id;
    assert_eq!(members(&portal, other), [("ben@example.com".into(), 10)]);
}

#[test]
fn removing_more_people_than_the_threshold_needs_force() {
    let (portal, legal) = people_portal();
    for n in 0..3 {
        invite(&portal, legal, &format!("leaver{n}@example.com"), 2);
    }
    portal.manifest("max_member_removals: 2\nrooms:\n  - title: Legal\n    members: []\n");
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("refusing to remove 3 people from rooms (over `max_member_removals` 2)"),
        "{err}"
    );
    assert!(err.contains("`leaver0@example.com` from `Legal`"), "{err}");
    portal.cmd(&["apply", "--auto-approve", "--force"]).assert().success();
    assert!(members(&portal, legal).is_empty());
}

#[test]
fn notify_is_off_unless_asked() {
    let (portal, _) = people_portal();
    portal.manifest("rooms:\n  - title: Legal\n    members:\n      - user: ben@example.com\n        access: editor\n");
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    let plan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(portal.dir.path().join("plan.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(plan["plan"]["rooms"][0]["steps"][0]["notify"], false);
}

#[test]
fn export_writes_members_and_plan_after_it_is_empty() {
    let (portal, legal) = people_portal();
    invite(&portal, legal, "ben@example.com", 10);
    let body =
        json!({"invitations": [{"id": portal.emulator.add_group("Auditors", &[]), "access": 2}]});
    assert_eq!(portal.put(&format!("files/rooms/{legal}/share"), body).status, 200);
    let output = portal.cmd(&["export", "-o", "rooms.yaml"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(portal.dir.path().join("rooms.yaml")).unwrap();
    assert!(text.contains("ben@example.com") && text.contains("Auditors"), "{text}");
    assert!(!text.contains("owner@example.com"), "{text}");
    let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}{}\n{text}", stdout(&output), stderr(&output));
}

#[test]
fn a_saved_plan_applies_its_member_changes_when_the_members_are_as_planned() {
    let (portal, legal) = people_portal();
    invite(&portal, legal, "ben@example.com", 2);
    portal.manifest("rooms:\n  - title: Legal\n    members:\n      - user: ben@example.com\n        access: editor\n");
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(members(&portal, legal), [("ben@example.com".into(), 10)]);
}

#[test]
fn a_saved_plan_is_refused_when_a_member_it_changes_changed_after_planning() {
    let (portal, legal) = people_portal();
    invite(&portal, legal, "ben@example.com", 2);
    invite(&portal, legal, "dave@example.com", 10);
    portal.manifest(
        "rooms:\n  - title: Legal\n    members:\n      - user: anna@example.com\n        access: editor\n      - user: ben@example.com\n        access: editor\n",
    );
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();

    // After the review: ben becomes a content creator, dave leaves, anna joins as a viewer.
    // `add_person` finds the existing account and returns its id.
    let [anna, ben, dave] = ["anna", "ben", "dave"].map(|name| {
        let email = format!("{name}@example.com");
        portal.emulator.add_person(PersonSeed::new(&email, &email))
    });
    let body = json!({"invitations": [{"id": ben, "access": 11}, {"id": dave, "access": 0}, {"id": anna, "access": 2}], "notify": false});
    assert_eq!(portal.put(&format!("files/rooms/{legal}/share"), body).status, 200);
    let after_change = members(&portal, legal);

    let writes_before = portal.writes().len();
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    for expected in [
        format!(
            "room {legal} \"Legal\": ben@example.com's access changed from `viewer` to `content-creator`"
        ),
        format!("room {legal} \"Legal\": dave@example.com no longer has `editor` access"),
        format!("room {legal} \"Legal\": anna@example.com was given `viewer` access"),
    ] {
        assert!(err.contains(&expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(portal.writes().len(), writes_before, "nothing is applied");
    assert_eq!(members(&portal, legal), after_change);
}

#[test]
fn the_owner_declared_with_another_access_level_is_a_warning() {
    // Issue 21: it silently did nothing.
    let (portal, _) = people_portal();
    portal.manifest(
        "rooms:\n  - title: Legal\n    members_policy: additive\n    members:\n      - user: owner@example.com\n        access: viewer\n",
    );
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "warning: room `Legal`: `owner@example.com` owns the room, whose access is never changed; `viewer` (line 5) has no effect"
        ),
        "{}",
        stderr(&output)
    );
}
