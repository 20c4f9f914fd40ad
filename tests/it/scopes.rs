//! A run with an API key is checked against the key's scopes before it starts: a read scope it
//! lacks stops it before its first read, a write scope before its first write, and `plan` with
//! a key that can only read says what an apply would lack. A login token is not checked. The
//! emulator enforces the server's scope map, so a check that missed a scope would show as a 403
//! here.

use crate::common::{Auth, TestPortal, ci_examples, comes_within, stderr, stdout};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::faults::Faults;
use docspace_rooms::emulator::{ApiKeySeed, EmulatorConfig};
use std::process::Output;

/// The scopes the README gives a key that applies the example manifest (members, folders,
/// archive and delete, room quota, covers, links).
const DOCUMENTED: [&str; 4] = ["rooms:write", "files:write", "accounts:read", "*:read"];

fn portal_with_keys(keys: &[(&str, &[&str])]) -> TestPortal {
    TestPortal::with(EmulatorConfig {
        api_keys: keys.iter().map(|(key, scopes)| ApiKeySeed::new(key, scopes)).collect(),
        ..EmulatorConfig::default()
    })
}

/// The binary with `args`, holding `key` instead of the emulator's unrestricted token.
fn run(portal: &TestPortal, key: &str, args: &[&str]) -> Output {
    portal.cmd(args).env("DOCSPACE_TOKEN", key).output().unwrap()
}

/// Every request the portal refused with 403 (a scope the run did not check).
fn refused(portal: &TestPortal) -> Vec<String> {
    let requests = portal.emulator.requests().into_iter();
    requests.filter(|r| r.status == 403).map(|r| format!("{} {}", r.method, r.path)).collect()
}

/// The requests received after the first `since`.
fn requests_after(portal: &TestPortal, since: usize) -> Vec<String> {
    let requests = portal.emulator.requests().into_iter().skip(since);
    requests.map(|r| format!("{} {}", r.method, r.path)).collect()
}

/// The demo's portal, seeded as `docspace-rooms demo` seeds it, holding these keys.
fn demo_portal(keys: &[(&str, &[&str])]) -> TestPortal {
    let portal = portal_with_keys(keys);
    portal.emulator.seed_demo();
    portal
}

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rooms.yaml");

#[test]
fn a_key_with_the_documented_scopes_applies_the_example_manifest() {
    let portal = demo_portal(&[("sk-documented-scopes", &DOCUMENTED)]);
    let apply = ["apply", "-f", EXAMPLE, "--auto-approve", "--allow-delete"];
    let output = run(&portal, "sk-documented-scopes", &apply);
    assert!(output.status.success(), "{}\n{}", stdout(&output), stderr(&output));
    assert!(
        stdout(&output).contains("Apply: 34 applied, 0 failed, 0 skipped."),
        "{}",
        stdout(&output)
    );
    let again = run(&portal, "sk-documented-scopes", &["plan", "-f", EXAMPLE]);
    assert!(stdout(&again).contains("No changes"), "{}", stdout(&again));
    assert!(!stderr(&again).contains("warning"), "{}", stderr(&again));
    assert_eq!(refused(&portal), Vec::<String>::new());
}

#[test]
fn without_any_one_documented_scope_the_example_stops_before_its_first_write() {
    // `accounts:read` is covered by `*:read` here; the others are each needed.
    for (lacking, named) in
        [("rooms:write", "`rooms:write`"), ("files:write", "`files:write`"), ("*:read", "`*:read`")]
    {
        let scopes: Vec<&str> = DOCUMENTED.iter().copied().filter(|s| *s != lacking).collect();
        let portal = demo_portal(&[("sk-one-scope-short", &scopes)]);
        let apply = ["apply", "-f", EXAMPLE, "--auto-approve", "--allow-delete"];
        let output = run(&portal, "sk-one-scope-short", &apply);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{lacking}: {err}");
        assert!(err.contains(named), "{lacking}: {err}");
        assert!(err.contains("nothing was"), "{lacking}: {err}");
        // Only the demo's seeding wrote anything.
        let writes: Vec<String> =
            portal.writes().into_iter().filter(|w| !w.ends_with("/share")).collect();
        assert_eq!(writes, Vec::<String>::new(), "{lacking}");
        assert_eq!(refused(&portal), Vec::<String>::new(), "{lacking}");
    }
}

#[test]
fn an_apply_needing_files_write_stops_before_any_write_naming_the_scope_and_the_step() {
    let portal = portal_with_keys(&[("sk-rooms-and-file-reads", &["rooms:write", "files:read"])]);
    let client = portal.seed("Client", RoomType::Custom, false, &[]);
    portal.manifest(
        "rooms:\n  - title: Client\n    type: custom\n    tags: [client]\n    folders: [Contracts]\n  - title: New\n    type: custom\n",
    );
    let output = run(&portal, "sk-rooms-and-file-reads", &["apply", "--auto-approve"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "error: the API key lacks a scope this plan needs, so nothing was changed:\n  `files:write` for \"Client\" (id {client}) folder \"Contracts\" (`POST /api/2.0/files/folder/{{id}}`, `PUT /api/2.0/files/fileops/delete`, `PUT /api/2.0/files/folder/{{id}}`)\ngive the key `files:write` (or use another key)"
        )),
        "{err}"
    );
    assert!(stdout(&output).contains("Contracts"), "the plan is shown: {}", stdout(&output));
    assert_eq!(portal.writes(), Vec::<String>::new());
    assert_eq!(refused(&portal), Vec::<String>::new());
}

#[test]
fn a_read_only_key_plans_and_names_what_it_could_not_apply() {
    let portal = portal_with_keys(&[("sk-read-only", &["*:read"])]);
    let old = portal.seed("Old", RoomType::Custom, false, &[]);
    portal.manifest(
        "rooms:\n  - title: Old\n    state: archived\n  - title: New\n    type: custom\n    folders: [Contracts]\n",
    );
    let output = run(&portal, "sk-read-only", &["plan"]);
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(stdout(&output).contains("Plan: 1 to create"), "{}", stdout(&output));
    assert!(
        err.contains(&format!(
            "warning: this API key can plan but not apply this plan: `apply` would stop before any change, as the key lacks 2 scopes:\n  `files:write` for \"New\" (new) folder \"Contracts\" (`POST /api/2.0/files/folder/{{id}}`, `PUT /api/2.0/files/fileops/delete`, `PUT /api/2.0/files/folder/{{id}}`)\n  `rooms:write` for \"New\" (new) create, \"Old\" (id {old}) archive ("
        )),
        "{err}"
    );
    let apply = run(&portal, "sk-read-only", &["apply", "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(1), "{}", stderr(&apply));
    assert!(stderr(&apply).contains("`rooms:write`"), "{}", stderr(&apply));
    assert_eq!(portal.writes(), Vec::<String>::new());
    assert_eq!(refused(&portal), Vec::<String>::new());
}

#[test]
fn rooms_write_alone_cannot_archive_the_operations_are_polled_under_files() {
    let portal = portal_with_keys(&[
        ("sk-rooms-write", &["rooms:write"]),
        ("sk-rooms-write-files-read", &["rooms:write", "files:read"]),
    ]);
    let old = portal.seed("Old", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Old\n    state: archived\n");
    let output = run(&portal, "sk-rooms-write", &["apply", "--auto-approve"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "`files:read` for \"Old\" (id {old}) archive (`GET /api/2.0/files/fileops`)"
        )),
        "{err}"
    );
    assert_eq!(portal.writes(), Vec::<String>::new());
    let output = run(&portal, "sk-rooms-write-files-read", &["apply", "--auto-approve"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(portal.rooms(), [("Old".to_owned(), true, vec![])]);
    assert_eq!(refused(&portal), Vec::<String>::new());
}

#[test]
fn a_missing_read_scope_stops_the_run_before_any_other_request() {
    let portal = portal_with_keys(&[("sk-rooms-read", &["rooms:read"])]);
    portal.seed("Finance", RoomType::Custom, false, &[]);
    portal.manifest(
        "rooms:\n  - title: Finance\n    type: custom\n    quota: 1 GB\n    members:\n      - group: Auditors\n        access: viewer\n",
    );
    let before = portal.emulator.requests().len();
    let output = run(&portal, "sk-rooms-read", &["plan"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: the API key lacks 2 scopes this run needs, so nothing was read:\n  `*:read` for reading whether the portal's room quota is on (entries with `quota`) (`GET /api/2.0/portal/payment/quota`)\n  `accounts:read` for reading members (entries with `members`) ("),
        "{err}"
    );
    assert!(err.contains("give the key `*:read`, `accounts:read`"), "{err}");
    assert_eq!(requests_after(&portal, before), ["GET /api/2.0/keys/@self"]);
}

#[test]
fn a_login_token_is_not_checked() {
    let portal = TestPortal::start();
    portal.seed("Finance", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Finance\n    type: custom\n    tags: [x]\n");
    let token = portal.login("owner@example.com");
    let output = run(&portal, &token, &["plan"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let own = portal.emulator.requests().into_iter().filter(|r| r.path.contains("keys")).count();
    assert_eq!(own, 0, "never asked with a login token: a portal answers that with a 500");
}

#[test]
fn a_key_that_expires_within_the_hour_is_a_warning() {
    let date = std::process::Command::new("date")
        .args(["-u", "-d", "+30 minutes", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    let expires = String::from_utf8(date.stdout).unwrap().trim().to_owned();
    let portal = TestPortal::with(EmulatorConfig {
        api_keys: vec![ApiKeySeed {
            expires_at: Some(expires),
            ..ApiKeySeed::new("sk-expiring-soon", &["*:read"])
        }],
        ..EmulatorConfig::default()
    });
    portal.manifest("rooms: []\n");
    let output = run(&portal, "sk-expiring-soon", &["plan"]);
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(err.contains("warning: the API key expires at "), "{err}");
    assert!(err.contains("minutes from now"), "{err}");
}

#[test]
fn an_unknown_key_is_the_usual_token_error() {
    let portal = TestPortal::start();
    portal.manifest("rooms: []\n");
    let output = run(&portal, "sk-nobody-has-this", &["plan"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "`GET /api/2.0/keys/@self` was refused: the portal did not accept the token (401)"
        ),
        "{err}"
    );
}

#[test]
fn a_portal_that_cannot_say_is_a_warning_and_the_run_goes_on_unchecked() {
    let portal = TestPortal::with(EmulatorConfig {
        faults: Faults { fail_once: vec!["GET /api/2.0/keys/@self".into()], ..Faults::default() },
        ..EmulatorConfig::default()
    });
    portal.manifest("rooms: []\n");
    let output = portal.cmd(&["plan"]).output().unwrap();
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(err.contains("warning: cannot read the API key's scopes, so the run is not checked against them first: `GET /api/2.0/keys/@self` answered 500"), "{err}");
}

#[test]
fn a_saved_plan_is_checked_against_the_key_before_it_is_applied() {
    let portal = portal_with_keys(&[("sk-read-only", &["*:read"])]);
    let old = portal.seed("Old", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Old\n    tags: [kept]\n");
    let saved = portal.cmd(&["plan", "--out", "plan.json"]).output().unwrap();
    assert!(saved.status.success(), "{}", stderr(&saved));
    let output = run(&portal, "sk-read-only", &["apply", "plan.json"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("`rooms:write` for \"Old\" (id {old}) tags")), "{err}");
    assert_eq!(portal.writes(), Vec::<String>::new());
}

#[test]
fn export_with_a_key_that_cannot_read_groups_says_so_first() {
    let portal = portal_with_keys(&[
        ("sk-rooms-accounts-write", &["rooms:read", "accounts:write"]),
        ("sk-rooms-accounts-read", &["rooms:read", "accounts:read"]),
    ]);
    portal.seed("Finance", RoomType::Custom, false, &[]);
    let before = portal.emulator.requests().len();
    let output = run(&portal, "sk-rooms-accounts-write", &["export"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`accounts:read` for reading every room's members (`GET /api/2.0/group`)"),
        "{err}"
    );
    assert_eq!(requests_after(&portal, before), ["GET /api/2.0/keys/@self"]);
    // The emulator's API itself: the same key lists people but not groups.
    let bearer = "Bearer sk-rooms-accounts-write";
    assert_eq!(portal.call("GET", "people", Auth::Header(bearer), None).status, 200);
    assert_eq!(portal.call("GET", "group", Auth::Header(bearer), None).status, 403);
    let output = run(&portal, "sk-rooms-accounts-read", &["export"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("title: Finance"), "{}", stdout(&output));
    assert_eq!(refused(&portal), ["GET /api/2.0/group"], "only the test's own call");
}

/// The CI examples, which users copy as they are, give the scopes this file proves an apply
/// needs, and a pull request's plan a read-only key.
#[test]
fn the_ci_examples_give_the_documented_scopes() {
    // Failed on the old code: they said `rooms:write` (with which `apply` stops at its first
    // archive, delete or folder), and `people:read`, which is no scope.
    for (name, text) in ci_examples() {
        assert!(!text.contains("people:read"), "{name} names `people:read`");
        for scope in DOCUMENTED {
            assert!(text.contains(scope), "{name} never names `{scope}`");
        }
    }
}

/// A key whose scopes cover every read a manifest can ask for (the README's `*:read` plan key,
/// here with the apply scopes) is checked without the manifest, so the rooms are listed while it
/// is still being read; a key that may lack one waits for it
/// (`a_missing_read_scope_stops_the_run_before_any_other_request`).
#[test]
fn a_key_that_may_make_every_read_lists_the_rooms_while_the_manifest_is_read() {
    // Failed on the old code: every run with a key waited for the whole manifest before its
    // first listing request (a round trip and the parse on a large portal's critical path).
    let portal = portal_with_keys(&[("sk-documented-scopes", &DOCUMENTED)]);
    portal.seed("Finance", RoomType::Custom, false, &[]);
    // A named pipe: opening it to read waits until the test opens it to write.
    let manifest = portal.dir.path().join("rooms.yaml");
    let name = std::ffi::CString::new(manifest.to_str().unwrap()).unwrap();
    // SAFETY: `name` is a valid NUL-terminated path for the duration of the call.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0, "mkfifo");
    let mut process = portal.process(&["plan"]);
    process.env("DOCSPACE_TOKEN", "sk-documented-scopes");
    let child = process
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let listed = || {
        let requests = portal.emulator.requests();
        requests.iter().any(|r| r.path == "/api/2.0/files/rooms" && r.status == 200)
    };
    let listed_first = comes_within(std::time::Duration::from_secs(20), listed);
    // Whatever happened, the run gets its manifest and ends.
    std::fs::write(&manifest, "rooms:\n  - title: Finance\n    type: custom\n    tags: [x]\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(listed_first, "the rooms were not listed before the manifest could be read");
    assert!(stdout(&output).contains("\"Finance\""), "{}", stdout(&output));
    assert_eq!(refused(&portal), Vec::<String>::new());
}
