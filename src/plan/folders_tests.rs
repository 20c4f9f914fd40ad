//! One test per branch of folder planning, from a small manifest and a hand-made portal.

use super::*;
use crate::manifest::parse;
use crate::model::{PortalRoomType, RoomState};
use crate::plan::{PlanError, PlanOptions, StateChange, plan};
use std::path::Path;

fn manifest(yaml: &str) -> crate::manifest::Manifest {
    parse(Path::new("rooms.yaml"), yaml).expect("a valid test manifest").0
}

fn room(id: u64, title: &str, state: RoomState) -> PortalRoom {
    PortalRoom {
        id,
        title: title.into(),
        room_type: PortalRoomType::Known(RoomType::Custom),
        state,
        tags: vec![],
        settings: crate::settings::Settings::default(),
        custom_logo: false,
    }
}

fn folder(id: u64, title: &str, files: u64, folders: u64) -> PortalFolder {
    PortalFolder {
        id,
        title: title.into(),
        parent_id: None,
        files_count: files,
        folders_count: folders,
        system: false,
        listed: None,
    }
}

/// A portal with room 1 "R" (in `state`) whose folders are given by parent id.
fn portal(state: RoomState, folders: Vec<(u64, Vec<PortalFolder>)>) -> PortalState {
    PortalState {
        rooms: vec![room(1, "R", state)],
        folders: folders.into_iter().collect(),
        ..PortalState::default()
    }
}

/// The folder actions of the plan, in order.
fn folder_actions(plan: &crate::plan::Plan) -> Vec<Action> {
    plan.steps()
        .map(|(_, step)| step.action.clone())
        .filter(|a| matches!(a, Action::CreateFolder { .. } | Action::TrashFolder { .. }))
        .collect()
}

fn create(path: &[&str], parent_id: Option<u64>) -> Action {
    Action::CreateFolder { path: path.iter().map(|s| (*s).to_owned()).collect(), parent_id }
}

#[test]
fn missing_folders_are_created_parents_first_and_existing_ones_are_left() {
    let portal = portal(
        RoomState::Active,
        vec![(1, vec![folder(10, "A", 0, 0)]), (10, vec![folder(11, "B", 0, 0)])],
    );
    let manifest = manifest("rooms:\n  - title: R\n    folders: [A/B, A/C, D/E]\n");
    let plan = plan(&manifest, &portal, &PlanOptions::default()).unwrap();
    assert_eq!(
        folder_actions(&plan),
        [create(&["A", "C"], Some(10)), create(&["D"], None), create(&["D", "E"], None)]
    );
    assert_eq!(plan.counts().create_folder, 3);
}

#[test]
fn a_new_room_gets_its_whole_skeleton_before_it_is_archived() {
    let manifest =
        manifest("rooms:\n  - title: N\n    type: custom\n    state: archived\n    folders: [X]\n");
    let plan = plan(&manifest, &PortalState::default(), &PlanOptions::default()).unwrap();
    let room = &plan.rooms[0];
    assert!(matches!(room.change, StateChange::Create { archive: Some(_), .. }));
    assert_eq!(
        room.edits.iter().map(|s| s.action.clone()).collect::<Vec<_>>(),
        [create(&["X"], None)]
    );
}

#[test]
fn an_archived_room_with_a_missing_folder_is_reopened_around_it() {
    let portal = portal(RoomState::Archived, vec![(1, vec![])]);
    let manifest = manifest("rooms:\n  - title: R\n    state: archived\n    folders: [X]\n");
    let plan = plan(&manifest, &portal, &PlanOptions::default()).unwrap();
    assert!(matches!(plan.rooms[0].change, StateChange::Reopen { .. }));
    assert_eq!(folder_actions(&plan), [create(&["X"], None)]);
}

#[test]
fn a_complete_skeleton_plans_nothing() {
    let portal = portal(RoomState::Archived, vec![(1, vec![folder(10, "X", 3, 0)])]);
    let manifest = manifest("rooms:\n  - title: R\n    state: archived\n    folders: [X]\n");
    assert!(plan(&manifest, &portal, &PlanOptions::default()).unwrap().is_empty());
}

#[test]
fn additive_leaves_undeclared_folders_alone() {
    let portal = portal(RoomState::Active, vec![(1, vec![folder(10, "Scratch", 0, 0)])]);
    let manifest = manifest("rooms:\n  - title: R\n    folders: []\n");
    assert!(plan(&manifest, &portal, &PlanOptions::default()).unwrap().is_empty());
}

#[test]
fn exact_trashes_empty_undeclared_folders_and_warns_about_the_others() {
    let portal = portal(
        RoomState::Active,
        vec![
            (1, vec![folder(10, "A", 0, 1), folder(12, "Old", 2, 0)]),
            (10, vec![folder(11, "Tmp", 0, 0)]),
        ],
    );
    let manifest = manifest("rooms:\n  - title: R\n    folders: [A]\n    folders_policy: exact\n");
    let plan = plan(&manifest, &portal, &PlanOptions::default()).unwrap();
    assert_eq!(
        folder_actions(&plan),
        [Action::TrashFolder { path: vec!["A".into(), "Tmp".into()], id: 11 }]
    );
    assert!(crate::plan::rails::check_deletes(&plan, false).is_err(), "needs `--allow-delete`");
    assert_eq!(
        plan.warnings,
        ["! folder \"Old\" is not empty: left alone (room `R`: 2 file(s), 0 folder(s) inside)"]
    );
}

#[test]
fn system_folders_are_neither_matched_nor_trashed() {
    let mut complete = folder(10, "Complete", 0, 0);
    complete.system = true;
    let portal = portal(RoomState::Active, vec![(1, vec![complete])]);
    let manifest =
        manifest("rooms:\n  - title: R\n    folders: [Complete]\n    folders_policy: exact\n");
    let plan = plan(&manifest, &portal, &PlanOptions::default()).unwrap();
    // The declared ordinary folder is missing; the system one is not it and stays.
    assert_eq!(folder_actions(&plan), [create(&["Complete"], None)]);
}

#[test]
fn two_folders_with_a_declared_title_are_ambiguous() {
    let portal = portal(
        RoomState::Active,
        vec![(1, vec![folder(10, "A", 0, 0), folder(11, "A", 0, 0), folder(12, "Z", 0, 0)])],
    );
    let manifest =
        manifest("rooms:\n  - title: R\n    folders: [A/B]\n    folders_policy: exact\n");
    let err = plan(&manifest, &portal, &PlanOptions::default()).unwrap_err();
    let PlanError::Conflicts { problems, .. } = err else { panic!("{err}") };
    assert_eq!(
        problems,
        [(
            3,
            "room `R`: folder path `A` is ambiguous: the portal has 2 folders `A` in the room (ids 10, 11); rename or remove all but one".to_owned()
        )]
    );
}

#[test]
fn a_deleted_room_plans_no_folders() {
    let portal = portal(RoomState::Archived, vec![(1, vec![])]);
    let manifest = manifest("rooms:\n  - title: R\n    state: deleted\n    folders: [X]\n");
    let plan = plan(&manifest, &portal, &PlanOptions::default()).unwrap();
    assert!(folder_actions(&plan).is_empty());
    assert!(plan.rooms[0].change.deletes());
}

#[test]
fn an_ai_room_on_the_portal_refuses_folders() {
    let mut portal = portal(RoomState::Active, vec![(1, vec![])]);
    portal.rooms[0].room_type = PortalRoomType::Known(RoomType::Ai);
    let manifest = manifest("rooms:\n  - title: R\n    folders: [X]\n");
    let err = plan(&manifest, &portal, &PlanOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("room `R` (id 1) is an ai room on the portal, which refuses folders"),
        "{err}"
    );
}

#[test]
fn a_folder_empty_by_its_counts_but_not_by_its_listing_is_not_trashed() {
    let mut drifted = folder(10, "Scratch", 0, 0);
    drifted.listed = Some(1);
    let portal = portal(RoomState::Active, vec![(1, vec![drifted])]);
    let manifest = manifest("rooms:\n  - title: R\n    folders: []\n    folders_policy: exact\n");
    let plan = plan(&manifest, &portal, &PlanOptions::default()).unwrap();
    assert!(plan.is_empty());
    assert_eq!(
        plan.warnings,
        [
            "! folder \"Scratch\" is not empty: left alone (room `R`: its listing shows 1 item(s) although its counts are 0)"
        ]
    );
}
