//! The rails a plan cannot get past (issue 21): a rename into a title another portal room has,
//! a folder path deeper than the limit, and what a saved plan must prove before it is applied.

use crate::common::{TestPortal, stderr, stdout};
use docspace_rooms::docspace::RoomType;
use serde_json::json;

/// A rename into a title another portal room has would leave two rooms of one title, and every
/// later plan would fail as ambiguous: an error naming that room, before any write.
#[test]
fn a_rename_into_a_title_another_portal_room_has_is_refused_naming_it() {
    let portal = TestPortal::start();
    let a = portal.seed("A", RoomType::Custom, false, &[]);
    let b = portal.seed("B", RoomType::Custom, true, &[]);
    portal.manifest(&format!("rooms:\n  - title: B\n    id: {a}\n"));
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains(&format!(
            "rooms.yaml:2: room `A` (id {a}) cannot be renamed to `B`: portal room {b} \"B\" (archived) has that title"
        )),
        "{text}"
    );
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());
}

/// An AI agent lives apart from the rooms (`searchArea=AiAgents` lists it, `Any` does not:
/// server `FileSecurity.cs` L2675-2682), and `type: ai` makes an AI room in Rooms
/// (`POST files/rooms`), beside it. An entry of that type with an agent's title is refused
/// before any write, naming the agent, rather than planned as a second AI entity of that title.
#[test]
fn an_ai_room_to_create_with_an_ai_agent_s_title_is_refused_naming_the_agent() {
    let portal = TestPortal::start();
    let agent = portal.emulator.seed_agent("Helpdesk");
    portal.manifest("rooms:\n  - title: Helpdesk\n    type: ai\n  - title: Other\n    type: ai\n");
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains(&format!(
            "rooms.yaml:2: room `Helpdesk` cannot be created: AI agent {agent} \"Helpdesk\" has that title"
        )),
        "{text}"
    );
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());
    // Another title is created, as an AI room in Rooms, and converges.
    portal.manifest("rooms:\n  - title: Other\n    type: ai\n");
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(portal.titles("searchArea=AiAgents"), ["Helpdesk"]);
}

/// A chain (A → B while B → C) in one plan is refused too: rooms are changed concurrently and
/// either rename may fail, so the room giving up the title is renamed in an apply of its own.
#[test]
fn a_chain_of_renames_in_one_plan_is_refused_naming_the_rename_to_run_first() {
    let portal = TestPortal::start();
    let a = portal.seed("A", RoomType::Custom, false, &[]);
    let b = portal.seed("B", RoomType::Custom, false, &[]);
    portal.manifest(&format!("rooms:\n  - title: B\n    id: {a}\n  - title: C\n    id: {b}\n"));
    let text = refused(&portal);
    assert!(text.contains(&format!("portal room {b} \"B\" has that title")), "{text}");
    assert!(text.contains("this plan renames it to `C` too"), "{text}");
    // Renaming B first, alone, then A, works.
    portal.manifest(&format!("rooms:\n  - title: A\n    id: {a}\n  - title: C\n    id: {b}\n"));
    assert!(portal.cmd(&["apply", "--auto-approve"]).output().unwrap().status.success());
    portal.manifest(&format!("rooms:\n  - title: B\n    id: {a}\n  - title: C\n    id: {b}\n"));
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(portal.rooms().iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["B", "C"]);
}

/// What `plan` says on stderr, refusing the manifest: exit 1.
fn refused(portal: &TestPortal) -> String {
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    stderr(&output)
}

/// A saved rename whose new title another room took since is stale, like a create.
#[test]
fn a_saved_rename_into_a_title_that_appeared_since_is_refused() {
    let portal = TestPortal::start();
    let a = portal.seed("A", RoomType::Custom, false, &[]);
    portal.manifest(&format!("rooms:\n  - title: B\n    id: {a}\n"));
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    let b = portal.seed("B", RoomType::Custom, false, &[]);
    let writes = portal.writes().len();
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains(&format!("room {b} \"B\" now has the title the plan gives room {a}")),
        "{text}"
    );
    assert_eq!(portal.writes().len(), writes);
}

/// What any room administrator can put in a title or a group name: terminal escapes that clear
/// and recolour the screen, a line break and a forged summary line, a carriage return.
const HOSTILE: &str = "\x1b[2J\x1b[31m\nPlan: 0 to create\r";

/// Whether `text` holds anything of [`HOSTILE`] raw.
fn raw_control(text: &str) -> bool {
    text.contains('\x1b') || text.contains('\r') || text.contains("\nPlan")
}

/// Refusals name rooms and members as plan lines do: portal text escaped.
#[test]
fn a_refusal_escapes_portal_titles_and_names_as_plan_lines_do() {
    // Failed on the old code: `max_destroy_percent`, `max_member_removals` and a rename into
    // a taken title wrote the portal's text raw to stderr.
    let portal = TestPortal::start();
    for n in 1..=3 {
        portal.seed(&format!("Evil{n}{HOSTILE}"), RoomType::Custom, false, &[]);
    }
    portal.manifest("prune: archive\nrooms: []\n");
    let text = refused(&portal);
    assert!(text.contains("max_destroy_percent") && text.contains("`Evil1\\u{1b}[2J"), "{text}");
    assert!(!raw_control(&text), "{text:?}");

    let legal = portal.seed("Legal", RoomType::Custom, false, &[]);
    let group = portal.emulator.add_group(&format!("Auditors{HOSTILE}"), &[]);
    let body = json!({"invitations": [{"id": group, "access": 2}], "notify": false});
    assert_eq!(portal.put(&format!("files/rooms/{legal}/share"), body).status, 200);
    portal.manifest("max_member_removals: 0\nrooms:\n  - title: Legal\n    members: []\n");
    let text = refused(&portal);
    assert!(text.contains("max_member_removals") && text.contains("Auditors\\u{1b}"), "{text}");
    assert!(!raw_control(&text), "{text:?}");

    let id = portal.emulator.rooms().into_iter().find(|r| r.title.starts_with("Evil1")).unwrap().id;
    portal.manifest(&format!("rooms:\n  - title: Legal\n    id: {id}\n"));
    let text = refused(&portal);
    assert!(text.contains("cannot be renamed to `Legal`"), "{text}");
    assert!(!raw_control(&text), "{text:?}");
}
