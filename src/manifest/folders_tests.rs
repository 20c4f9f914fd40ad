//! `folders` and `folders_policy` in the manifest: one test per rule.

use super::tests::{problems, valid, warnings};
use super::*;

fn paths(yaml: &str) -> Vec<String> {
    valid(yaml).0.rooms[0].folders.as_ref().unwrap().iter().map(FolderSpec::display).collect()
}

#[test]
fn a_path_implies_its_parents_which_come_first_in_declared_order() {
    let yaml = "rooms:\n  - title: R\n    type: custom\n    folders: [B/2025, A, B/2026, B]\n";
    assert_eq!(paths(yaml), ["B", "B/2025", "A", "B/2026"]);
}

#[test]
fn titles_are_stored_like_room_titles_with_a_warning() {
    let yaml = "rooms:\n  - title: R\n    type: custom\n    folders: [\"Legal: 2025 \"]\n";
    assert_eq!(paths(yaml), ["Legal_ 2025"]);
    assert_eq!(
        warnings(yaml),
        ["rooms.yaml:4: folder title `Legal: 2025 ` will be stored as `Legal_ 2025`"]
    );
}

#[test]
fn the_policy_defaults_to_additive() {
    let (manifest, _) = valid("rooms:\n  - title: R\n    type: custom\n    folders: [A]\n");
    assert_eq!(manifest.rooms[0].folders_policy, FoldersPolicy::Additive);
    let (manifest, _) = valid(
        "rooms:\n  - title: R\n    type: custom\n    folders: [A]\n    folders_policy: exact\n",
    );
    assert_eq!(manifest.rooms[0].folders_policy, FoldersPolicy::Exact);
}

#[test]
fn titles_the_portal_would_reject_are_errors() {
    let long = "x".repeat(166);
    let yaml = format!(
        "rooms:\n  - title: R\n    type: custom\n    folders:\n      - A//B\n      - {long}\n      - \"C\\u0001\"\n      - {}\n",
        "y".repeat(165)
    );
    assert_eq!(
        problems(&yaml),
        [
            "rooms.yaml:5: folder `A//B` has an empty title".to_owned(),
            format!(
                "rooms.yaml:6: folder title `{}` is 166 UTF-16 units long; the portal allows at most 165",
                super::syntax::shorten(&long)
            ),
            "rooms.yaml:7: folder `C\\u{1}` contains the control character U+0001".to_owned(),
        ]
    );
}

#[test]
fn a_folder_listed_twice_is_an_error() {
    let yaml = "rooms:\n  - title: R\n    type: custom\n    folders:\n      - A/B\n      - A\n      - A/B\n";
    assert_eq!(problems(yaml), ["rooms.yaml:7: folder `A/B` is also listed at line 5"]);
}

#[test]
fn ai_rooms_refuse_folders() {
    let yaml = "rooms:\n  - title: R\n    type: ai\n    folders: [A]\n";
    assert_eq!(
        problems(yaml),
        ["rooms.yaml:4: `ai` rooms refuse folders (the portal answers 403)"]
    );
}

#[test]
fn a_policy_without_folders_warns() {
    let yaml = "rooms:\n  - title: R\n    type: custom\n    folders_policy: exact\n";
    assert_eq!(warnings(yaml), ["rooms.yaml:4: `folders_policy` has no effect without `folders`"]);
}

#[test]
fn a_template_gives_its_folders_and_a_room_replaces_them_whole() {
    let yaml = "templates:\n  client:\n    type: custom\n    folders: [Contracts, Invoices]\nrooms:\n  - title: A\n    template: client\n  - title: B\n    template: client\n    folders: [Other]\n";
    let (manifest, _) = valid(yaml);
    let of = |i: usize| -> Vec<String> {
        manifest.rooms[i].folders.as_ref().unwrap().iter().map(FolderSpec::display).collect()
    };
    assert_eq!(of(0), ["Contracts", "Invoices"]);
    assert_eq!(of(1), ["Other"]);
}

#[test]
fn a_path_deeper_than_the_limit_is_one_error_and_costs_one_pass() {
    // 10,000 levels in 20 KB once took over 3 GB (every parent held its whole path).
    let deep = vec!["a"; 10_000].join("/");
    let limit = vec!["a"; super::folders::MAX_FOLDER_DEPTH].join("/");
    let yaml = format!(
        "rooms:\n  - title: R\n    type: custom\n    folders:\n      - {deep}\n      - {limit}\n"
    );
    assert_eq!(
        problems(&yaml),
        [format!(
            "rooms.yaml:5: folder `{}` is 10000 levels deep; at most 32 are allowed",
            super::syntax::shorten(&deep)
        )]
    );
    let ok = format!("rooms:\n  - title: R\n    type: custom\n    folders: [{limit}]\n");
    assert_eq!(paths(&ok).len(), super::folders::MAX_FOLDER_DEPTH);
}
