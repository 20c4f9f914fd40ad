//! GitOps: saved plans applied exactly, machine-readable output, export, and the safety rails.

use crate::common::{TestPortal, ci_examples, dated, stderr, stdout};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::plan::ActionKind;
use serde_json::{Value, json};

fn saved_plan(portal: &TestPortal) -> Value {
    serde_json::from_str(&std::fs::read_to_string(portal.dir.path().join("plan.json")).unwrap())
        .unwrap()
}

#[test]
fn a_saved_plan_is_applied_as_is_without_a_prompt() {
    let portal = TestPortal::start();
    portal.seed("Old", RoomType::Custom, false, &[]);
    portal.manifest(
        "rooms:\n  - title: New\n    renamed_from: [Old]\n  - title: Fresh\n    type: public\n",
    );
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    // The manifest changing after the review does not change what is applied.
    portal.manifest("rooms: []\n");
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(portal.rooms(), [("Fresh".into(), false, vec![]), ("New".into(), false, vec![])]);
}

#[test]
fn a_saved_plan_takes_no_flag_it_would_ignore() {
    let portal = TestPortal::start();
    portal.seed("Old", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: New\n    renamed_from: [Old]\n");
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    for extra in
        [&["-f", "rooms.yaml"][..], &["--target", "New"], &["--exclude", "New"], &["--force"]]
    {
        let mut args = vec!["apply", "plan.json"];
        args.extend_from_slice(extra);
        let output = portal.cmd(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{extra:?}");
        assert!(stderr(&output).contains("cannot be used with"), "{}", stderr(&output));
    }
    assert!(portal.writes().is_empty(), "nothing is sent: {:?}", portal.writes());
    assert_eq!(portal.rooms(), [("Old".into(), false, vec![])]);
}

#[test]
fn a_saved_plan_is_refused_when_a_room_changed_after_planning() {
    let portal = TestPortal::start();
    let id = portal.seed("Legal", RoomType::Custom, false, &[]);
    portal.seed("Other", RoomType::Custom, false, &[]);
    portal.manifest(
        "rooms:\n  - title: Legal\n    tags: [contracts]\n  - title: Other\n    state: archived\n",
    );
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();

    assert_eq!(
        portal.put(&format!("files/rooms/{id}"), json!({"title": "Legal (old)"})).status,
        200
    );
    let writes_before = portal.writes().len();
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains(&format!("room {id} \"Legal\" was renamed to \"Legal (old)\"")), "{err}");
    assert_eq!(portal.writes().len(), writes_before, "nothing is applied");
}

#[test]
fn a_saved_plan_is_refused_when_a_room_it_creates_now_exists() {
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: Fresh\n    type: custom\n");
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    portal.seed("Fresh", RoomType::Custom, false, &[]);
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("which the plan would create, now exists"),
        "{}",
        stderr(&output)
    );
    assert_eq!(portal.emulator.rooms().len(), 1);
}

#[test]
fn a_plan_for_another_portal_is_refused() {
    let first = TestPortal::start();
    let second = TestPortal::start();
    first.manifest("rooms:\n  - title: Fresh\n    type: custom\n");
    first.cmd(&["plan", "--out", "plan.json"]).assert().success();
    let plan = first.dir.path().join("plan.json");
    let output = second.cmd(&["apply", plan.to_str().unwrap()]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("the plan was made for"), "{}", stderr(&output));
    assert!(second.emulator.requests().is_empty());
}

#[test]
fn an_edited_plan_file_is_refused() {
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: Fresh\n    type: custom\n");
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    let mut plan = saved_plan(&portal);
    plan["plan"]["rooms"][0]["steps"][0]["title"] = json!("Something else");
    portal.file("plan.json", &serde_json::to_string_pretty(&plan).unwrap());
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("was changed after `plan --out` wrote it"),
        "{}",
        stderr(&output)
    );
    assert!(portal.emulator.rooms().is_empty());
}

#[test]
fn a_file_that_is_not_a_plan_is_refused() {
    let portal = TestPortal::start();
    portal.file("plan.json", "rooms:\n  - title: x\n");
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is not a plan saved by `docspace-rooms plan --out`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_saved_plan_with_a_delete_still_needs_allow_delete() {
    let portal = TestPortal::start();
    portal.seed("Old", RoomType::Custom, true, &[]);
    portal.manifest("rooms:\n  - title: Old\n    state: deleted\n");
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    portal.cmd(&["apply", "plan.json"]).assert().code(1);
    assert_eq!(portal.emulator.rooms().len(), 1);
    portal.cmd(&["apply", "plan.json", "--allow-delete"]).assert().success();
    assert!(portal.emulator.rooms().is_empty());
}

#[test]
fn the_saved_plan_holds_fingerprints_reasons_and_no_token() {
    let portal = TestPortal::start();
    let id = portal.seed("Legal", RoomType::Custom, true, &["a"]);
    portal.manifest("rooms:\n  - title: Legal\n    tags: [b]\n    state: archived\n");
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    let text = std::fs::read_to_string(portal.dir.path().join("plan.json")).unwrap();
    assert!(!text.contains(portal.emulator.token()));
    let plan = saved_plan(&portal);
    assert_eq!(plan["format_version"], docspace_rooms::plan::saved::FORMAT_VERSION);
    assert_eq!(
        plan["plan"]["fingerprints"],
        json!([{"id": id, "title": "Legal", "room_type": "custom", "state": "archived", "tags": ["a"]}])
    );
    let steps = &plan["plan"]["rooms"][0]["steps"];
    assert_eq!(
        steps[1],
        json!({"action": "set_tags", "before": ["a"], "after": ["b"], "reason": "the declared tags differ from the room's"})
    );
    assert_eq!(plan["manifest"]["sha256"].as_str().unwrap().len(), 64);
}

/// Redacts what differs between runs: the emulator's port and what depends on it.
fn stable_json(text: &str, portal: &TestPortal) -> Value {
    let mut value: Value = serde_json::from_str(text).unwrap();
    assert_eq!(value["portal"], format!("{}/", portal.emulator.url()));
    value["portal"] = json!("[portal]");
    value["checksum"] = json!("[checksum]");
    value
}

fn snapshot_portal() -> TestPortal {
    let portal = TestPortal::start();
    portal.seed("Sales Europe", RoomType::Collaboration, false, &["sales"]);
    portal.seed("Board", RoomType::Custom, true, &[]);
    portal.seed("Obsolete", RoomType::Custom, false, &[]);
    portal.seed("Unmanaged", RoomType::Custom, false, &[]);
    portal.manifest(
        "rooms:\n  - title: Sales EMEA\n    renamed_from: [Sales Europe]\n    tags: [sales, emea]\n  - title: Board\n    state: active\n    deny_download: true\n    watermark:\n      text: Board only\n  - title: Obsolete\n    state: deleted\n  - title: \"Q1/Q2 | plans\"\n    type: public\n    state: archived\n",
    );
    portal
}

#[test]
fn plan_json_output_snapshot() {
    let portal = snapshot_portal();
    let output = portal.cmd(&["plan", "--format", "json"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_json_snapshot!("plan_json", stable_json(&stdout(&output), &portal));
}

#[test]
fn plan_markdown_output_snapshot() {
    let portal = snapshot_portal();
    let output = portal.cmd(&["plan", "--format", "markdown"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output).replace(&portal.emulator.url(), "[portal]");
    insta::assert_snapshot!("plan_markdown", text);
}

#[test]
fn the_markdown_plan_starts_with_a_hidden_marker_naming_the_tool_and_the_portal() {
    let portal = snapshot_portal();
    let marker = format!("<!-- docspace-rooms plan: {}/ -->", portal.emulator.url());
    for args in [
        &["plan", "--format", "markdown"][..],
        &["plan", "--format", "markdown", "--base", "rooms.yaml"],
    ] {
        let output = portal.cmd(args).output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        assert_eq!(text.lines().next(), Some(marker.as_str()), "{args:?}: {text}");
    }
    // With nothing to change, the comment that said there was something is still found.
    portal.manifest("rooms: []\n");
    let output = portal.cmd(&["plan", "--format", "markdown"]).output().unwrap();
    assert_eq!(stdout(&output).lines().next(), Some(marker.as_str()));
}

/// The plan of renaming the portal room `title` (pinned by id) to `Renamed`, as markdown.
fn markdown_renaming(title: &str) -> (TestPortal, String) {
    let portal = TestPortal::start();
    let id = portal.seed(title, RoomType::Custom, false, &[]);
    portal.manifest(&format!("rooms:\n  - title: Renamed\n    id: {id}\n    type: custom\n"));
    let output = portal.cmd(&["plan", "--format", "markdown"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    (portal, text)
}

/// Whoever names a portal room (or themselves) decides what the bot's pull-request comment says
/// about it, not whom it notifies or what it links: no mention (`@octocat`, `@org/team`), no
/// issue or merge-request reference (`#12`, `GH-4`, GitLab's `!3` and `&5`), no bare link.
/// What a reader sees is the title as it is.
#[test]
fn the_markdown_plan_does_not_mention_people_named_in_portal_titles() {
    let title = "@octocat & @org-team see #12, gh-4, !3, &5, www.example.com, a@b.example";
    let (_portal, markdown) = markdown_renaming(title);
    let table = markdown.split("<details>").next().unwrap();
    for live in ["@octocat", "@org", "#12", "gh-4", "!3", "&5", "www.", "@b."] {
        assert!(!table.contains(live), "{live:?} is live in the comment:\n{markdown}");
    }
    let seen = table.replace('\u{2060}', "");
    let escaped = r"@octocat \& @org-team see \#12, gh-4, !3, \&5, www.example.com, a@b.example";
    assert!(seen.contains(&format!("rename \"{escaped}\" → \"Renamed\"")), "{markdown}");
}

/// A title cannot forge the comment's marker, end it early, or close the fenced plan: CI jobs
/// pick their comment by its first line, and the table and the text plan hold titles inertly.
/// (A portal stores `<`, `>`, `:` and `/` in a title as `_`, `docspace::stored_title`; `md`'s
/// unit tests take the raw characters.)
#[test]
fn a_portal_title_cannot_forge_or_close_the_markdown_marker() {
    let prefix = "<!-- docspace-rooms plan:";
    let forged = format!("--> ``` {prefix} https://elsewhere.example/ -->");
    let (portal, markdown) = markdown_renaming(&forged);
    let marker = format!("{prefix} {}/ -->", portal.emulator.url());
    assert_eq!(markdown.lines().next(), Some(marker.as_str()), "{markdown}");
    assert_eq!(markdown.lines().filter(|l| l.contains(prefix)).count(), 1, "{markdown}");
    let (comment, details) = markdown.split_once("<details>").unwrap();
    // Escaped, `\<` and `\>` are text.
    let unescaped = comment[marker.len()..].replace(r"\<", "").replace(r"\>", "");
    assert!(!unescaped.contains("-->") && !unescaped.contains("<!--"), "{comment}");
    assert_eq!(details.matches("```").count(), 2, "the fence is closed early:\n{details}");
    assert!(
        details.contains("_!-- docspace-rooms plan_ https___elsewhere.example_ --_"),
        "{details}"
    );
}

#[test]
fn plan_text_output_snapshot() {
    let portal = snapshot_portal();
    let output = portal.cmd(&["plan"]).output().unwrap();
    insta::assert_snapshot!("plan_text", stdout(&output));
}

#[test]
fn markdown_is_cut_to_fit_a_comment_with_a_note() {
    let portal = TestPortal::start();
    let mut yaml = String::from("rooms:\n");
    for n in 0..1500 {
        yaml.push_str(&format!("  - title: A room with a rather long title number {n:04}\n    type: custom\n    tags: [one, two, three]\n"));
    }
    portal.manifest(&yaml);
    let output = portal.cmd(&["plan", "--format", "markdown"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.len() < 65_536, "{} characters", text.len());
    assert!(text.contains("more actions not shown"), "{text}");
    assert!(text.contains("\n### docspace-rooms plan") && text.contains("**Plan: 1500 to create"));
}

#[test]
fn apply_json_report() {
    let portal = TestPortal::start();
    portal.seed("A", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: A\n    state: archived\n  - title: B\n    type: custom\n");
    let output = portal.cmd(&["apply", "--auto-approve", "--format", "json"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value =
        serde_json::from_str(&stdout(&output)).expect("stdout is only the JSON report");
    let outcomes = report["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 2);
    assert!(outcomes.iter().all(|o| o["status"] == "applied"), "{report}");
    assert_eq!(outcomes[0]["action"], "archive");
    assert_eq!(outcomes[1]["action"], "create");
    assert!(outcomes[1]["room_id"].as_u64().is_some());
}

#[test]
fn export_then_plan_plans_nothing() {
    let portal = TestPortal::start();
    portal.seed("Marketing", RoomType::Collaboration, false, &["Brand", "q3"]);
    portal.seed("Legal", RoomType::Custom, true, &[]);
    portal.seed("Legal", RoomType::Custom, false, &["dup"]);
    portal.seed("Forms: \"intake\"", RoomType::FormFilling, false, &[]);
    portal.seed("Data room", RoomType::VirtualData, false, &["x: y", "#hash"]);
    let output = portal.cmd(&["export", "-o", "rooms.yaml"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(portal.dir.path().join("rooms.yaml")).unwrap();
    assert!(text.starts_with("# Exported from "), "{text}");
    let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}\n{}\n{text}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("0 unmanaged rooms"), "{}", stdout(&output));
}

#[test]
fn protect_refuses_a_plan_that_archives_the_room() {
    let portal = TestPortal::start();
    portal.seed("Vault", RoomType::VirtualData, false, &[]);
    portal.manifest("rooms:\n  - title: Vault\n    protect: true\n    state: archived\n");
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("protected room: `Vault`"), "{}", stderr(&output));
    assert!(portal.writes().is_empty());
}

#[test]
fn prune_archive_archives_unlisted_rooms_except_ignored_ones() {
    let portal = TestPortal::start();
    for title in ["Keep", "Stray", "Sandbox 1", "Sandbox 2"] {
        portal.seed(title, RoomType::Custom, false, &[]);
    }
    portal.manifest("prune: archive\nignore: [\"Sandbox*\"]\nrooms:\n  - title: Keep\n");
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    let archived: Vec<String> = portal.rooms().into_iter().filter(|r| r.1).map(|r| r.0).collect();
    assert_eq!(archived, ["Stray"]);
}

#[test]
fn prune_delete_needs_allow_delete_and_deletes_unlisted_rooms() {
    let portal = TestPortal::start();
    for title in ["Keep", "Stray", "Other 1", "Other 2", "Other 3", "Other 4", "Other 5"] {
        portal.seed(title, RoomType::Custom, false, &[]);
    }
    portal.manifest("prune: delete\nrooms:\n  - title: Keep\n  - title: Other 1\n  - title: Other 2\n  - title: Other 3\n  - title: Other 4\n  - title: Other 5\n");
    portal.cmd(&["apply", "--auto-approve"]).assert().code(1);
    portal.cmd(&["apply", "--auto-approve", "--allow-delete"]).assert().success();
    assert_eq!(portal.rooms().len(), 6);
    assert!(!portal.rooms().iter().any(|r| r.0 == "Stray"));
}

#[test]
fn the_destruction_threshold_refuses_unless_forced() {
    let portal = TestPortal::start();
    for n in 0..5 {
        portal.seed(&format!("Room {n}"), RoomType::Custom, false, &[]);
    }
    portal.manifest("prune: archive\nrooms:\n  - title: Room 0\n");
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("refusing to archive or delete 4 of the portal's 5 rooms (80%"), "{err}");
    assert!(err.contains("`Room 4`") && err.contains("--force"), "{err}");
    portal.cmd(&["apply", "--auto-approve", "--force"]).assert().success();
    assert_eq!(portal.rooms().iter().filter(|r| r.1).count(), 4);
}

#[test]
fn target_and_exclude_narrow_the_plan() {
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: A\n    type: custom\n  - title: B\n    type: custom\n  - title: C\n    type: custom\n");
    portal
        .cmd(&["apply", "--auto-approve", "--target", "A", "--target", "B", "--exclude", "B"])
        .assert()
        .success();
    assert_eq!(portal.rooms(), [("A".into(), false, vec![])]);
    let output = portal.cmd(&["plan", "--target", "Typo"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("no room matches `--target Typo`"), "{}", stderr(&output));
}

#[test]
fn schema_and_completions_print() {
    let portal = TestPortal::start();
    let output = portal.cmd(&["schema"]).output().unwrap();
    let schema: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(schema["properties"]["rooms"].is_object(), "{schema}");
    for shell in ["bash", "zsh", "fish"] {
        let output = portal.cmd(&["completions", shell]).output().unwrap();
        assert!(output.status.success());
        assert!(stdout(&output).contains("docspace-rooms"));
    }
}

/// Every kind of step, so the format test sees each: adding a kind breaks the `match` below
/// until it is listed here (and then the test fails until the sample plan has one).
const ACTION_KINDS: [ActionKind; 12] = [
    ActionKind::Create,
    ActionKind::Rename,
    ActionKind::SetTags,
    ActionKind::Archive,
    ActionKind::Unarchive,
    ActionKind::Delete,
    ActionKind::SetMembers,
    ActionKind::CreateFolder,
    ActionKind::TrashFolder,
    ActionKind::SetLink,
    ActionKind::RemoveLink,
    ActionKind::SetSettings,
];

const fn listed(kind: ActionKind) -> ActionKind {
    match kind {
        ActionKind::Create
        | ActionKind::Rename
        | ActionKind::SetTags
        | ActionKind::Archive
        | ActionKind::Unarchive
        | ActionKind::Delete
        | ActionKind::SetMembers
        | ActionKind::CreateFolder
        | ActionKind::TrashFolder
        | ActionKind::SetLink
        | ActionKind::RemoveLink
        | ActionKind::SetSettings => kind,
    }
}

/// A plan with every kind of step and every optional field filled (members added and changed,
/// an unarchive with every setting, a link with a password and an expiry, one removed, a
/// folder under an existing one, a create with settings). Printed without a plan key: the
/// shape of version 3 was recorded with `signature` null (a key, which now signs a printed
/// plan too, would add `signature: string`, a value the format always allowed).
fn every_field_plan() -> Value {
    let portal = TestPortal::start();
    portal.emulator.set_room_quota(true, 100 << 20);
    for email in ["ben@example.com", "carol@example.com"] {
        portal.emulator.add_person(docspace_rooms::emulator::PersonSeed::new(email, email));
    }
    let team = portal.seed("Team", RoomType::Custom, false, &[]);
    portal.emulator.seed_folder(team, team, "Docs");
    portal.seed("Vault", RoomType::VirtualData, true, &[]);
    let press = portal.seed("Press Kit", RoomType::Public, false, &[]);
    let old = json!({"linkType": 1, "title": "Old", "access": 2});
    assert_eq!(portal.put(&format!("files/rooms/{press}/links"), old).status, 200);
    portal.manifest("rooms:\n  - title: Team\n    members:\n      - user: ben@example.com\n        access: viewer\n");
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    // The link's expiry lies two years ahead whatever day the test runs (only the plan's shape
    // is compared).
    portal.manifest(&dated(
        "rooms:\n  - title: Team\n    members:\n      - user: ben@example.com\n        access: editor\n      - user: carol@example.com\n        access: viewer\n    folders: [Docs/2025]\n  - title: Vault\n    quota: 1 GB\n    indexing: true\n    color: 112233\n    cover: anchor\n    lifetime:\n      older_than: 30 days\n  - title: Press Kit\n    links:\n      - name: Press\n        access: viewer\n        expires: 2030-03-31\n        password_env: LINK_PASSWORD_PRESS\n      - primary: true\n        name: Shared link\n        access: viewer\n        deny_download: true\n  - title: Fresh\n    type: custom\n    deny_download: true\n    color: 445566\n",
    ));
    let output = portal
        .cmd(&["plan", "--format", "json"])
        .env("LINK_PASSWORD_PRESS", "press-kit-2030!")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

/// The saved-plan format is versioned: this fingerprint of its shape changes whenever a field is
/// added, removed, renamed or retyped. When it fails, bump `FORMAT_VERSION` and update both.
#[test]
fn the_plan_format_cannot_change_without_its_version() {
    use docspace_rooms::plan::saved::FORMAT_VERSION;
    use sha2::Digest;
    // Each version's shape, forever: a new shape needs a new version, not an edited line.
    const KNOWN_SHAPES: &[(u32, &str)] = &[
        (1, "bf36cafe628f0f5fd07bf252f421c10af577b4b9bcf2bf9267060b446cd4ab27"),
        // Folder steps: `path` and `parent_id` (create), `path` and `id` (to the trash); with
        // `--base`, `cause` on steps and member changes and `adopted` in the plan;
        // links: `set_link` and `remove_link` with salted password hashes;
        // settings: `set_settings` with the changed settings only.
        (2, "7a317164e072f241ee5cf2824a938f0b4bb91e639ce3a472dd8725ebe100fbfc"),
        // `signature`; link passwords a verifier (or "set") and `password_change` on
        // `set_link`; the shape now also holds every kind of step and every optional field.
        (3, "034de6caec98c8f8e18df01780b0311f4178d5e202f6b291e1b2f451ca57b931"),
        // `requests`: the writes, reads and deletes applying sends.
        (4, "cd2932b455b729d130666940b537e21e62366d9263d1102f73d50fceb21d2399"),
        // `members_after` on `set_members`: the member list's size after the change, for the
        // pages its read-back reads.
        (5, "187ee2b3aceae688ad5226396dfd0ee7d2d682f56ca4bef08b6186ea64fae8ad"),
    ];
    let portal = snapshot_portal();
    // An empty undeclared folder, so the shape holds a move to the trash too.
    let board = portal.emulator.rooms().into_iter().find(|r| r.title == "Board").unwrap().id;
    portal.emulator.seed_folder(board, board, "Scratch");
    portal.manifest(
        "rooms:\n  - title: Sales EMEA\n    renamed_from: [Sales Europe]\n    tags: [sales, emea]\n  - title: Board\n    state: active\n    deny_download: true\n    watermark:\n      text: Board only\n    folders: []\n    folders_policy: exact\n  - title: Obsolete\n    state: deleted\n  - title: New\n    type: public\n    state: archived\n    folders: [Docs/2025]\n    links:\n      - name: Press\n        access: viewer\n",
    );
    // A base with drift (Board), and a retag the manifest no longer asks for (adopted), so
    // the shape holds every field `--base` adds.
    portal.file(
        "base.yaml",
        "rooms:\n  - title: Board\n    state: active\n  - title: Unmanaged\n    tags: [kept]\n",
    );
    let output = portal.cmd(&["plan", "--format", "json", "--base", "base.yaml"]).output().unwrap();
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let every = every_field_plan();
    let mut shape = std::collections::BTreeSet::new();
    collect_shape(&value, "", &mut shape);
    collect_shape(&every, "", &mut shape);
    let actions: Vec<Value> = [&value, &every]
        .into_iter()
        .flat_map(|plan| plan["plan"]["rooms"].as_array().unwrap().iter())
        .flat_map(|room| room["steps"].as_array().unwrap().iter())
        .map(|step| step["action"].clone())
        .collect();
    for kind in ACTION_KINDS.map(listed) {
        assert!(actions.contains(&serde_json::to_value(kind).unwrap()), "no `{kind:?}` step");
    }
    let shape: Vec<String> = shape.into_iter().collect();
    let shape = shape.join("\n");
    insta::assert_snapshot!(
        "plan_format_shape",
        format!("format_version {FORMAT_VERSION}\n{shape}")
    );
    let digest: String =
        sha2::Sha256::digest(shape.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        KNOWN_SHAPES.contains(&(FORMAT_VERSION, digest.as_str())),
        "the saved-plan format changed (shape {digest}): bump FORMAT_VERSION in src/plan/saved.rs and add the new shape to KNOWN_SHAPES"
    );
}

fn collect_shape(value: &Value, path: &str, out: &mut std::collections::BTreeSet<String>) {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    out.insert(format!("{path}: {kind}"));
    match value {
        Value::Array(items) => {
            for item in items {
                collect_shape(item, &format!("{path}[]"), out);
            }
        }
        Value::Object(map) => {
            map.iter().for_each(|(key, item)| collect_shape(item, &format!("{path}.{key}"), out));
        }
        _ => {}
    }
}

#[test]
fn apply_given_a_manifest_where_a_saved_plan_goes_says_to_use_f() {
    // Issue 21: `apply rooms.yaml` said only that it is not a saved plan.
    let portal = TestPortal::start();
    portal.manifest("rooms:\n  - title: A\n    type: custom\n");
    let output = portal.cmd(&["apply", "rooms.yaml"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("`rooms.yaml` is a manifest, not a saved plan: apply a manifest with `docspace-rooms apply -f rooms.yaml`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(portal.emulator.requests().len(), 0, "refused before any request");
}

#[test]
fn watermark_text_keeps_its_quotes_apart_in_a_plan() {
    // Issue 21: `"Say "hi""` was printed, its quotes not escaped.
    let portal = TestPortal::start();
    portal.manifest(
        "rooms:\n  - title: A\n    type: custom\n    watermark:\n      text: 'Say \"hi\"'\n",
    );
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(stdout(&output).contains(r#""Say \"hi\"""#), "{}", stdout(&output));
}

/// The CI examples sign the plan a pull request hands to the merge (an artifact, holding
/// password verifiers) and keep no apply report (it holds new links' URLs, which open rooms):
/// the log shows the report without them.
#[test]
fn the_ci_examples_sign_their_saved_plans_and_keep_no_apply_report() {
    // Failed on the old code: plan.json was uploaded unsigned and unkeyed, and report.json was
    // uploaded whole.
    for (name, text) in ci_examples() {
        assert!(text.contains("--out plan.json"), "{name}");
        assert!(text.contains("DOCSPACE_PLAN_KEY"), "{name} saves plans without a plan key");
        for line in text.lines().filter(|l| l.contains("report.json")) {
            let kept = line.contains("path:") || line.contains("paths:");
            assert!(!kept, "{name} keeps the report as an artifact: {line}");
        }
        assert!(text.contains("jq 'del(.outcomes[].link_url)' report.json"), "{name}");
    }
}
