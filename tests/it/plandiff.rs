//! `plan --base`: a pull request's plan split into its own changes, drift and adopted manual
//! changes, through the binary against the emulator.

use crate::common::{TestPortal, stderr, stdout};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::{ApiKeySeed, EmulatorConfig, PersonSeed};
use serde_json::{Value, json};

/// A portal someone changed by hand: room `Operations` renamed `Ops (manual)`, Ben made an
/// editor of `Legal`, `Board` left active although the target branch archives it. The base is
/// the target branch's manifest; the head (`rooms.yaml`) retags `Sales`, creates `Marketing`,
/// and writes down the manual rename and the manual member change.
fn pull_request() -> TestPortal {
    let portal = TestPortal::start();
    portal.emulator.add_person(PersonSeed::new("anna@example.com", "anna@example.com"));
    let ben = portal.emulator.add_person(PersonSeed::new("ben@example.com", "ben@example.com"));
    portal.seed("Sales", RoomType::Custom, false, &["sales"]);
    let ops = portal.seed("Ops (manual)", RoomType::Custom, false, &[]);
    portal.seed("Board", RoomType::Custom, false, &[]);
    let legal = portal.seed("Legal", RoomType::Custom, false, &[]);
    let body = json!({"invitations": [{"id": ben, "access": 10}], "notify": false});
    assert_eq!(portal.put(&format!("files/rooms/{legal}/share"), body).status, 200);
    let legal_members = |access: &str| {
        format!(
            "  - title: Legal\n    members_policy: additive\n    members:\n      - user: ben@example.com\n        access: {access}\n"
        )
    };
    portal.file(
        "base.yaml",
        &format!(
            "rooms:\n  - title: Sales\n    tags: [sales]\n  - title: Operations\n    id: {ops}\n  - title: Board\n    state: archived\n{}",
            legal_members("viewer")
        ),
    );
    portal.manifest(&format!(
        "rooms:\n  - title: Sales\n    tags: [sales, emea]\n  - title: Ops (manual)\n    id: {ops}\n  - title: Board\n    state: archived\n{}  - title: Marketing\n    type: custom\n",
        legal_members("editor")
    ));
    portal
}

const SUMMARY: &str = "Plan: 1 to create, 0 to rename, 1 to retag, 1 to archive (1 from drift), 0 to delete; 2 manual changes adopted; 0 unmanaged rooms left alone.";

#[test]
fn the_text_plan_groups_steps_by_cause_and_lists_what_is_adopted() {
    let portal = pull_request();
    let ready = portal.writes().len();
    let output = portal.cmd(&["plan", "--base", "base.yaml"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.ends_with(&format!("{SUMMARY}\n")), "{text}");
    insta::assert_snapshot!("plan_base_text", text);
    assert_eq!(portal.writes().len(), ready, "`plan --base` writes nothing");
}

#[test]
fn the_markdown_plan_has_one_section_per_cause_with_what_it_means() {
    let portal = pull_request();
    let output =
        portal.cmd(&["plan", "--base", "base.yaml", "--format", "markdown"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output).replace(&portal.emulator.url(), "[portal]");
    insta::assert_snapshot!("plan_base_markdown", text);
}

#[test]
fn long_drift_is_folded_in_the_comment() {
    let portal = TestPortal::start();
    let mut yaml = String::from("rooms:\n");
    for n in 1..=6 {
        portal.seed(&format!("Room {n}"), RoomType::Custom, false, &[]);
        yaml.push_str(&format!("  - title: Room {n}\n    tags: [audited]\n"));
    }
    portal.file("base.yaml", &yaml);
    portal.manifest(&yaml);
    let output =
        portal.cmd(&["plan", "--base", "base.yaml", "--format", "markdown"]).output().unwrap();
    let text = stdout(&output);
    assert!(text.contains("6 to retag (6 from drift)"), "{text}");
    assert!(text.contains("#### Drift: the portal differs from the base manifest"), "{text}");
    assert!(text.contains("<details><summary>6 steps</summary>"), "{text}");
    assert!(!text.contains("#### Changes in this pull request"), "{text}");
}

/// Each step of the saved plan as `(room, action, cause)`.
fn causes(document: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for room in document["plan"]["rooms"].as_array().unwrap() {
        for step in room["steps"].as_array().unwrap() {
            found.push((
                room["title"].as_str().unwrap().to_owned(),
                step["action"].as_str().unwrap().to_owned(),
                step["cause"].clone(),
            ));
        }
    }
    found
}

#[test]
fn json_labels_every_step_and_the_saved_plan_applies_like_one_made_without_a_base() {
    let portal = pull_request();
    let output = portal
        .cmd(&["plan", "--base", "base.yaml", "--format", "json", "--out", "plan.json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let document: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        causes(&document),
        [
            ("Board".into(), "archive".into(), json!("drift")),
            ("Marketing".into(), "create".into(), json!("change")),
            ("Sales".into(), "set_tags".into(), json!("change")),
        ]
    );
    assert_eq!(document["summary"], SUMMARY);
    let adopted = document["plan"]["adopted"].as_array().unwrap();
    let adopted: Vec<(&str, &str)> = adopted
        .iter()
        .map(|entry| (entry["title"].as_str().unwrap(), entry["step"]["action"].as_str().unwrap()))
        .collect();
    assert_eq!(adopted, [("Legal", "set_members"), ("Ops (manual)", "rename")]);
    assert!(
        document["plan"]["adopted"][1]["why"]
            .as_str()
            .unwrap()
            .contains("keeps the portal's title \"Ops (manual)\""),
        "{document}"
    );

    // Without the base, the same steps without causes.
    let plain = portal.cmd(&["plan", "--format", "json"]).output().unwrap();
    let plain: Value = serde_json::from_str(&stdout(&plain)).unwrap();
    assert!(plain["plan"].get("adopted").is_none());
    let unlabelled: Vec<_> =
        causes(&plain).into_iter().map(|(room, action, _)| (room, action)).collect();
    let labelled: Vec<_> =
        causes(&document).into_iter().map(|(room, action, _)| (room, action)).collect();
    assert_eq!(labelled, unlabelled);
    assert!(causes(&plain).iter().all(|(_, _, cause)| cause.is_null()));

    portal.cmd(&["apply", "plan.json"]).assert().success();
    let again = portal.cmd(&["plan", "--base", "base.yaml"]).output().unwrap();
    assert!(
        stdout(&again).starts_with("No changes: the portal matches `rooms.yaml`."),
        "{}",
        stdout(&again)
    );
    // Board was archived: no drift is left. Sales's new tags are now on the portal, so against
    // the base they too are a change this manifest accepts.
    assert!(
        stdout(&again).contains("0 to archive, 0 to delete; 3 manual changes adopted"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn only_adopted_changes_exit_zero_with_detailed_exitcode() {
    let portal = TestPortal::start();
    let id = portal.seed("Ops (manual)", RoomType::Custom, false, &[]);
    portal.file("base.yaml", &format!("rooms:\n  - title: Operations\n    id: {id}\n"));
    portal.manifest(&format!("rooms:\n  - title: Ops (manual)\n    id: {id}\n"));
    let output =
        portal.cmd(&["plan", "--base", "base.yaml", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let without = portal.cmd(&["plan", "--base", "base.yaml"]).output().unwrap();
    assert!(
        stdout(&without)
            .contains("rename \"Ops (manual)\" → \"Operations\"  # keeps the portal's title"),
        "{}",
        stdout(&without)
    );
}

#[test]
fn a_bad_base_is_an_error_naming_it_and_nothing_is_written() {
    let portal = pull_request();
    let ready = portal.writes().len();
    let missing = portal.cmd(&["plan", "--base", "nowhere.yaml"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let message = stderr(&missing);
    assert!(message.contains("the base manifest (`--base`)"), "{message}");
    assert!(message.contains("nowhere.yaml"), "{message}");

    portal.file("broken.yaml", "rooms:\n  - title: Sales\n    tagz: [x]\n");
    let invalid = portal.cmd(&["plan", "--base", "broken.yaml"]).output().unwrap();
    assert_eq!(invalid.status.code(), Some(1));
    let message = stderr(&invalid);
    assert!(message.contains("broken.yaml:3"), "{message}");
    assert!(message.contains("the base manifest (`--base`)"), "{message}");

    portal.file(
        "unknown.yaml",
        "rooms:\n  - title: Legal\n    members:\n      - user: nobody@example.com\n        access: viewer\n",
    );
    assert_eq!(portal.writes().len(), ready, "{:?}", portal.writes());
}

#[test]
fn a_base_that_cannot_be_planned_gives_an_unlabelled_plan_with_the_reason() {
    // Failed on the old code: the plan failed outright, so the pull request fixing the base
    // got no plan.
    let portal = pull_request();
    let plain = portal.cmd(&["plan"]).output().unwrap();
    portal.file(
        "unknown.yaml",
        "rooms:\n  - title: Legal\n    members:\n      - user: nobody@example.com\n        access: viewer\n",
    );
    let pinned = "rooms:\n  - title: Gone\n    id: 999999\n";
    let lacking = "rooms:\n  - title: Press\n    type: public\n    links:\n      - name: P\n        access: viewer\n        password_env: LINK_PASSWORD_BASE\n";
    portal.file("pinned.yaml", pinned);
    portal.file("lacking.yaml", lacking);
    for (base, why) in [
        ("unknown.yaml", "unknown.yaml:4"),
        ("pinned.yaml", "pinned.yaml:"),
        ("lacking.yaml", "`LINK_PASSWORD_BASE` is not set"),
    ] {
        let output = portal.cmd(&["plan", "--base", base]).output().unwrap();
        assert!(output.status.success(), "{base}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains("warning: the base manifest (`--base`) cannot be planned, so the plan is not labelled"),
            "{message}"
        );
        assert!(message.contains(why), "{base}: {message}");
        assert_eq!(stdout(&output), stdout(&plain), "{base}: the plan without a base");
    }
}

/// A key that can read what the pull request's manifest needs but not what only the base
/// needs (here `files:read` for the base's folders) plans the pull request unlabelled, with a
/// warning naming the scope; nothing the key may not read is requested.
#[test]
fn a_base_needing_a_scope_the_key_lacks_gives_an_unlabelled_plan_with_the_reason() {
    // Failed on the old code: the whole run stopped, naming `files:read`.
    const KEY: &str = "sk-rooms-read-only";
    let portal = TestPortal::with(EmulatorConfig {
        api_keys: vec![ApiKeySeed::new(KEY, &["rooms:read"])],
        ..EmulatorConfig::default()
    });
    portal.seed("Sales", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Sales\n    type: custom\n    tags: [emea]\n");
    portal.file(
        "base.yaml",
        "rooms:\n  - title: Sales\n    type: custom\n    folders: [Contracts]\n",
    );
    let output =
        portal.cmd(&["plan", "--base", "base.yaml"]).env("DOCSPACE_TOKEN", KEY).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("tags [] → [emea]"), "{}", stdout(&output));
    assert!(!stdout(&output).contains("Changes in this pull request"), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(
        message.contains(
            "warning: the base manifest (`--base`) cannot be planned, so the plan is not labelled"
        ),
        "{message}"
    );
    assert!(message.contains("`files:read`"), "{message}");
    assert!(!reads(&portal).iter().any(|r| r.contains("subfolders")), "{:?}", reads(&portal));

    // The pull request's own manifest needing the scope still stops the run, nothing read.
    portal.manifest("rooms:\n  - title: Sales\n    type: custom\n    folders: [Contracts]\n");
    let output = portal.cmd(&["plan"]).env("DOCSPACE_TOKEN", KEY).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("so nothing was read"), "{}", stderr(&output));
}

/// Requests `plan` sent, as `METHOD path`, in order.
fn reads(portal: &TestPortal) -> Vec<String> {
    portal.emulator.requests().into_iter().map(|r| format!("{} {}", r.method, r.path)).collect()
}

#[test]
fn the_base_reads_only_the_members_of_rooms_only_it_mentions() {
    let portal = pull_request();
    // The head forgets Legal's members; the base still declares them.
    let head = std::fs::read_to_string(portal.dir.path().join("rooms.yaml")).unwrap();
    let cut = head.find("  - title: Legal").unwrap();
    let end = head.find("  - title: Marketing").unwrap();
    portal.manifest(&format!("{}{}", &head[..cut], &head[end..]));
    let before = portal.emulator.requests().len();
    portal.cmd(&["plan"]).assert().success();
    let without: Vec<String> = reads(&portal).split_off(before);
    assert!(!without.iter().any(|r| r.contains("/share")), "{without:?}");

    let before = portal.emulator.requests().len();
    portal.cmd(&["plan", "--base", "base.yaml"]).assert().success();
    let with: Vec<String> = reads(&portal).split_off(before);
    let extra: Vec<&String> = with.iter().filter(|r| !without.contains(r)).collect();
    assert!(!extra.is_empty(), "the base's members are read: {with:?}");
    assert!(
        extra.iter().all(|r| r.starts_with("GET ")
            && (r.contains("/share") || r.contains("/people") || r.contains("/group"))),
        "{extra:?}"
    );
}

#[test]
fn a_base_equal_to_the_manifest_sends_no_extra_request() {
    let portal = pull_request();
    let head = std::fs::read_to_string(portal.dir.path().join("rooms.yaml")).unwrap();
    portal.file("same.yaml", &head);
    let ready = portal.emulator.requests().len();
    portal.cmd(&["plan"]).assert().success();
    let without = portal.emulator.requests().len() - ready;
    let output = portal.cmd(&["plan", "--base", "same.yaml"]).output().unwrap();
    let with = portal.emulator.requests().len() - ready - without;
    assert_eq!(with, without, "{:?}", reads(&portal));
    // Everything is drift, nothing is adopted.
    assert!(
        stdout(&output).contains("1 to create (1 from drift), 0 to rename, 1 to retag (1 from drift), 1 to archive (1 from drift)"),
        "{}",
        stdout(&output)
    );
    assert!(!stdout(&output).contains("Changes in this pull request"), "{}", stdout(&output));
}
