//! The reconciler end to end: the real binary against the emulated portal over HTTP.

use crate::common::{TestPortal, apply_on_a_terminal, http, plan_at, serve, stderr, stdout};
use docspace_rooms::docspace::RoomType;

#[test]
fn apply_creates_a_declared_room_with_its_tags() {
    let portal = TestPortal::start();
    portal
        .manifest("rooms:\n  - title: Marketing\n    type: collaboration\n    tags: [brand, q3]\n");
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    assert_eq!(portal.rooms(), [("Marketing".into(), false, vec!["brand".into(), "q3".into()])]);
}

#[test]
fn apply_renames_a_room_named_by_renamed_from() {
    let portal = TestPortal::start();
    portal.seed("Sales Europe", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Sales EMEA\n    renamed_from: [Sales Europe]\n");
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    assert_eq!(portal.rooms(), [("Sales EMEA".into(), false, vec![])]);
}

#[test]
fn apply_retags_a_room() {
    let portal = TestPortal::start();
    portal.seed("Marketing", RoomType::Custom, false, &["old", "brand"]);
    portal.manifest("rooms:\n  - title: Marketing\n    tags: [brand, new]\n");
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    let tags = &portal.rooms()[0].2;
    let mut tags = tags.clone();
    tags.sort();
    assert_eq!(tags, ["brand", "new"]);
}

#[test]
fn apply_archives_and_unarchives() {
    let portal = TestPortal::start();
    portal.seed("To archive", RoomType::Custom, false, &[]);
    portal.seed("To restore", RoomType::Custom, true, &[]);
    portal.manifest("rooms:\n  - title: To archive\n    state: archived\n  - title: To restore\n    state: active\n");
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    assert_eq!(
        portal.rooms(),
        [("To archive".into(), true, vec![]), ("To restore".into(), false, vec![])]
    );
}

#[test]
fn apply_renames_an_archived_room_that_stays_archived() {
    let portal = TestPortal::start();
    let id = portal.seed("Project 2024", RoomType::Custom, true, &[]);
    portal.manifest(&format!(
        "rooms:\n  - title: Project 2024 (closed)\n    id: {id}\n    state: archived\n"
    ));
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(portal.rooms(), [("Project 2024 (closed)".into(), true, vec![])]);
    let writes = portal.writes();
    let path = format!("/api/2.0/files/rooms/{id}");
    assert_eq!(
        writes,
        [format!("PUT {path}/unarchive"), format!("PUT {path}"), format!("PUT {path}/archive")]
    );
}

#[test]
fn apply_deletes_an_active_room_by_archiving_it_first() {
    let portal = TestPortal::start();
    let id = portal.seed("Obsolete", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Obsolete\n    state: deleted\n");
    portal.cmd(&["apply", "--auto-approve", "--allow-delete"]).assert().success();
    assert!(portal.rooms().is_empty());
    let path = format!("/api/2.0/files/rooms/{id}");
    assert_eq!(portal.writes(), [format!("PUT {path}/archive"), format!("DELETE {path}")]);
}

#[test]
fn apply_creates_a_declared_archived_room_then_archives_it() {
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: Records\n    type: custom\n    state: archived\n");
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    assert_eq!(portal.rooms(), [("Records".into(), true, vec![])]);
}

#[test]
fn apply_then_plan_plans_nothing() {
    let portal = TestPortal::start();
    portal.seed("Sales Europe", RoomType::Collaboration, false, &["sales"]);
    portal.seed("Old", RoomType::Custom, true, &[]);
    portal.seed("Unmanaged", RoomType::Custom, false, &[]);
    portal.manifest(
        "rooms:\n  - title: Sales EMEA\n    renamed_from: [Sales Europe]\n    tags: [Sales, emea]\n  - title: Old\n    state: deleted\n  - title: \"Q1/Q2: plans 🎉\"\n    type: public\n    state: archived\n",
    );
    portal.cmd(&["apply", "--auto-approve", "--allow-delete"]).assert().success();
    let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("No changes"), "{}", stdout(&output));
    assert!(stdout(&output).contains("1 unmanaged room left alone"), "{}", stdout(&output));
}

#[test]
fn plan_sends_no_write_request() {
    let portal = TestPortal::start();
    portal.seed("Old title", RoomType::Custom, true, &["x"]);
    portal.seed("Doomed", RoomType::Custom, false, &[]);
    portal.manifest(
        "prune: delete\nmax_destroy_percent: 100\nrooms:\n  - title: New title\n    renamed_from: [Old title]\n    tags: [y]\n  - title: Fresh\n    type: custom\n",
    );
    let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!portal.emulator.requests().is_empty());
    assert_eq!(portal.writes(), Vec::<String>::new());
}

#[test]
fn plan_prints_blocks_and_the_summary_line() {
    let portal = TestPortal::start();
    portal.seed("A", RoomType::Custom, false, &[]);
    portal.seed("Left alone", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: A\n    state: archived\n  - title: B\n    type: custom\n");
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("+ \"B\" (new)  (rooms.yaml:4)"), "{text}");
    assert!(text.contains("    > archive  # declared `state: archived`"), "{text}");
    assert!(text.contains("Plan: 1 to create, 0 to rename, 1 to archive, 0 to delete; 1 unmanaged room left alone."), "{text}");
}

#[test]
fn paging_reads_more_than_a_hundred_rooms() {
    let portal = TestPortal::start();
    for n in 0..250 {
        portal.seed(&format!("Room {n:03}"), RoomType::Custom, n % 7 == 0, &[]);
    }
    portal.manifest("rooms:\n  - title: Room 249\n    tags: [last]\n  - title: Room 000\n");
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("0 to create, 0 to rename, 1 to retag"), "{text}");
    assert!(text.contains("248 unmanaged rooms left alone"), "{text}");
}

#[test]
fn two_portal_rooms_with_the_same_title_are_an_error_naming_both() {
    let portal = TestPortal::start();
    let a = portal.seed("Legal", RoomType::Custom, false, &[]);
    let b = portal.seed("Legal", RoomType::Custom, true, &[]);
    portal.manifest("rooms:\n  - title: Legal\n    tags: [x]\n");
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains(&format!("rooms.yaml:2: title `Legal` matches portal rooms {a} and {b}")),
        "{err}"
    );
    assert!(portal.writes().is_empty());
}

#[test]
fn a_wrong_token_says_to_check_it() {
    let portal = TestPortal::start();
    portal.manifest("rooms: []\n");
    let output = portal.cmd(&["plan"]).env("DOCSPACE_TOKEN", "sk-wrong").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("401") && err.contains("check `DOCSPACE_TOKEN`"), "{err}");
    assert!(!err.contains("sk-wrong"), "{err}");
}

#[test]
fn a_missing_url_or_token_is_an_error_before_any_request() {
    let portal = TestPortal::start();
    portal.manifest("rooms: []\n");
    let output = portal.cmd(&["plan"]).env_remove("DOCSPACE_URL").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("set `DOCSPACE_URL` or pass `--portal URL`"),
        "{}",
        stderr(&output)
    );
    let output = portal.cmd(&["plan"]).env_remove("DOCSPACE_TOKEN").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("set `DOCSPACE_TOKEN` or pass `--token-file PATH`"),
        "{}",
        stderr(&output)
    );
    assert!(portal.emulator.requests().is_empty());
}

#[test]
fn a_token_that_cannot_be_a_header_is_an_error_before_any_request() {
    let portal = TestPortal::start();
    portal.manifest("rooms: []\n");
    let token = portal.file("token", "sk-t\u{f6}ken\n");
    let output = portal
        .cmd(&["plan", "--token-file", token.to_str().unwrap()])
        .env_remove("DOCSPACE_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("the token cannot be sent in an HTTP header"), "{err}");
    assert!(!err.contains("t\u{f6}ken"), "the token is never printed: {err}");
    assert!(portal.emulator.requests().is_empty(), "{:?}", portal.emulator.requests());
}

#[test]
fn a_token_file_works_instead_of_the_environment() {
    let portal = TestPortal::start();
    portal.manifest("rooms: []\n");
    // As one editor saves it, and as Windows Notepad does: a byte order mark and CRLF.
    for text in [
        format!("{}\n", portal.emulator.token()),
        format!("\u{feff}{}\r\n", portal.emulator.token()),
    ] {
        let token = portal.file("token", &text);
        portal
            .cmd(&["plan", "--token-file", token.to_str().unwrap()])
            .env_remove("DOCSPACE_TOKEN")
            .assert()
            .success();
    }
}

#[test]
fn a_manifest_error_names_the_file_and_line() {
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: A\n    type: custom\n    titel: B\n");
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("rooms.yaml:4"), "{err}");
    assert!(err.contains("titel"), "{err}");
    assert!(portal.writes().is_empty(), "a bad manifest changes nothing");
}

#[test]
fn a_manifest_error_wins_over_an_unreachable_portal() {
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: A\n    type: custom\n    titel: B\n");
    let output = portal
        .cmd(&["apply", "--auto-approve"])
        .env("DOCSPACE_URL", "http://127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("rooms.yaml:4:5: unknown key `titel`; did you mean `title`?"), "{err}");
    assert!(!err.contains("connect"), "{err}");
}

#[test]
fn apply_refuses_off_a_terminal_without_auto_approve() {
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: A\n    type: custom\n");
    let output = portal.cmd(&["apply"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--auto-approve"), "{}", stderr(&output));
    assert!(portal.writes().is_empty());
}

#[test]
fn apply_refuses_deletes_without_allow_delete() {
    let portal = TestPortal::start();
    portal.seed("Old", RoomType::Custom, true, &[]);
    portal
        .manifest("rooms:\n  - title: Old\n    state: deleted\n  - title: New\n    type: custom\n");
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--allow-delete"), "{}", stderr(&output));
    assert!(portal.writes().is_empty(), "nothing is applied, not even the create");
}

#[test]
fn usage_errors_exit_1_not_2() {
    let portal = TestPortal::start();
    let output = portal.cmd(&["plan", "--no-such-flag"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let output = portal.cmd(&["frobnicate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn detailed_exitcode_is_2_with_changes_and_0_without() {
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: A\n    type: custom\n");
    portal.cmd(&["plan", "--detailed-exitcode"]).assert().code(2);
    portal.cmd(&["plan"]).assert().code(0);
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    portal.cmd(&["plan", "--detailed-exitcode"]).assert().code(0);
}

#[test]
fn a_form_filling_room_outside_the_active_area_is_not_recreated() {
    let portal = TestPortal::start();
    portal.seed("Forms", RoomType::FormFilling, false, &[]);
    portal.manifest("rooms:\n  - title: Forms\n    type: form-filling\n");
    portal.cmd(&["plan", "--detailed-exitcode"]).assert().code(0);
}

#[test]
fn a_type_change_is_refused_naming_the_room() {
    let portal = TestPortal::start();
    portal.seed("Legal", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Legal\n    type: public\n");
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("`Legal`")
            && stderr(&output).contains("cannot change a room's type"),
        "{}",
        stderr(&output)
    );
    assert!(portal.writes().is_empty());
}

#[test]
fn room_titles_from_the_portal_are_escaped_on_the_terminal() {
    let portal = TestPortal::start();
    portal.seed("Evil\u{1b}[2J\u{202e}room", RoomType::Custom, false, &[]);
    portal.manifest("prune: archive\nrooms: []\n");
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("\"Evil\\u{1b}[2J\\u{202e}room\""), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'), "{text}");
}

#[test]
fn apply_asks_on_a_terminal_and_applies_on_yes() {
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: Asked\n    type: custom\n");
    let (code, screen) = apply_on_a_terminal(&portal, "y\n", || {});
    assert!(screen.contains("Apply these changes? [y/N]"), "{screen}");
    assert_eq!(code, 0, "{screen}");
    assert_eq!(portal.rooms(), [("Asked".into(), false, vec![])]);
}

#[test]
fn apply_on_a_terminal_changes_nothing_without_yes() {
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: Asked\n    type: custom\n");
    let (code, screen) = apply_on_a_terminal(&portal, "\n", || {});
    assert!(screen.contains("Apply these changes? [y/N]"), "{screen}");
    assert_eq!(code, 1, "{screen}");
    assert!(portal.writes().is_empty());
}

/// A portal newer than this version lists a room of a type it does not know (`roomType` 12).
fn plan_with_a_future_room_type(manifest: &str) -> std::process::Output {
    let body = r#"{"response":{"files":[],"folders":[{"id":7,"title":"Bots","roomType":12,"rootFolderType":14,"tags":[]}],"startIndex":0,"count":1,"total":1},"count":1,"status":0,"statusCode":200}"#;
    plan_at(&serve(http("200 OK", "application/json; charset=utf-8", body)), manifest, "0")
}

#[test]
fn a_room_of_a_type_this_version_does_not_know_is_still_managed() {
    let output = plan_with_a_future_room_type("rooms:\n  - title: Agents\n    id: 7\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("rename \"Bots\" → \"Agents\""), "{text}");

    let output = plan_with_a_future_room_type("rooms:\n  - title: Bots\n    type: custom\n");
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains(
            "rooms.yaml:2: room `Bots` (id 7) has a type this version does not know (`roomType` 12)"
        ),
        "{err}"
    );
}

#[test]
fn a_reader_that_closes_stdout_ends_the_output_not_the_run() {
    let portal = TestPortal::start();
    portal.seed("Legal", RoomType::Custom, false, &[]);
    let yaml: String =
        (0..300).map(|n| format!("  - title: Room {n:03}\n    type: custom\n")).collect();
    portal.manifest(&format!("rooms:\n{yaml}"));
    let mut child = portal.spawn(&["plan", "--detailed-exitcode"]);
    // Like `| head -0`: the reader is gone before the plan (which needs the portal) is printed.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(output.status.code(), Some(2), "the plan's own exit code: {err}");
}
