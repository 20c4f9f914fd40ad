//! One test per branch of the planner, each from a small manifest and a hand-made portal.

use super::*;
use crate::docspace::RoomType;
use crate::plan::model::Action;
use crate::plan::rails::Refusal;
use std::path::Path;

fn manifest(yaml: &str) -> Manifest {
    crate::manifest::parse(Path::new("rooms.yaml"), yaml).expect("a valid test manifest").0
}

fn room(id: u64, title: &str, room_type: RoomType, state: RoomState, tags: &[&str]) -> PortalRoom {
    PortalRoom {
        id,
        title: title.into(),
        room_type: room_type.into(),
        state,
        tags: tags.iter().map(std::string::ToString::to_string).collect(),
        settings: crate::settings::Settings::default(),
        custom_logo: false,
    }
}

fn active(id: u64, title: &str) -> PortalRoom {
    room(id, title, RoomType::Custom, RoomState::Active, &[])
}

fn archived(id: u64, title: &str) -> PortalRoom {
    room(id, title, RoomType::Custom, RoomState::Archived, &[])
}

fn portal(rooms: Vec<PortalRoom>) -> PortalState {
    PortalState { rooms, ..PortalState::default() }
}

fn plan_of(yaml: &str, rooms: Vec<PortalRoom>) -> Result<Plan, PlanError> {
    plan(&manifest(yaml), &portal(rooms), &PlanOptions::default())
}

/// The plan's steps as `(title, action)` pairs, for compact assertions.
fn steps(plan: &Plan) -> Vec<(String, Action)> {
    plan.steps().map(|(room, step)| (room.title.clone(), step.action.clone())).collect()
}

fn conflicts(err: PlanError) -> Vec<String> {
    match err {
        PlanError::Conflicts { problems, .. } => {
            problems.into_iter().map(|(_, message)| message).collect()
        }
        other @ PlanError::Refused(_) => panic!("expected conflicts, got {other}"),
    }
}

#[test]
fn a_declared_room_missing_from_the_portal_is_created() {
    let plan = plan_of(
        "rooms:\n  - title: Marketing\n    type: collaboration\n    tags: [brand]\n",
        vec![],
    )
    .unwrap();
    assert_eq!(
        steps(&plan),
        [(
            "Marketing".into(),
            Action::Create {
                title: "Marketing".into(),
                room_type: RoomType::Collaboration,
                tags: vec!["brand".into()],
                settings: Box::default(),
            }
        )]
    );
    assert_eq!(plan.rooms[0].target, Target::New);
    assert_eq!(plan.rooms[0].line, Some(2));
}

#[test]
fn a_declared_archived_room_that_does_not_exist_is_created_then_archived() {
    let plan =
        plan_of("rooms:\n  - title: Old\n    type: custom\n    state: archived\n", vec![]).unwrap();
    let actions: Vec<_> = steps(&plan).into_iter().map(|(_, a)| a.kind()).collect();
    assert_eq!(actions, [crate::plan::ActionKind::Create, crate::plan::ActionKind::Archive]);
}

#[test]
fn a_declared_deleted_room_not_on_the_portal_plans_nothing() {
    let plan = plan_of("rooms:\n  - title: Gone\n    state: deleted\n", vec![]).unwrap();
    assert!(plan.is_empty());
}

#[test]
fn a_pinned_deleted_room_whose_id_is_gone_plans_nothing() {
    let plan =
        plan_of("rooms:\n  - title: Gone\n    id: 77\n    state: deleted\n", vec![]).unwrap();
    assert!(plan.is_empty());
}

#[test]
fn a_room_to_create_without_a_type_is_an_error() {
    // Validation already requires `type` here; the planner must not rely on it.
    let mut manifest = manifest("rooms:\n  - title: Legal\n    type: custom\n");
    manifest.rooms[0].room_type = None;
    let err = plan(&manifest, &portal(vec![]), &PlanOptions::default()).unwrap_err();
    assert!(conflicts(err)[0].contains("has no `type` to create it with"));
}

#[test]
fn a_pinned_id_with_another_title_is_a_rename() {
    let plan =
        plan_of("rooms:\n  - title: Legal 2026\n    id: 4821\n", vec![active(4821, "Legal 2025")])
            .unwrap();
    assert_eq!(
        steps(&plan),
        [(
            "Legal 2026".into(),
            Action::Rename { before: "Legal 2025".into(), after: "Legal 2026".into() }
        )]
    );
}

#[test]
fn a_renamed_from_title_is_a_rename_without_an_id() {
    let plan = plan_of(
        "rooms:\n  - title: Sales EMEA\n    renamed_from: [Sales Europe]\n",
        vec![active(3, "Sales Europe")],
    )
    .unwrap();
    assert_eq!(
        steps(&plan),
        [(
            "Sales EMEA".into(),
            Action::Rename { before: "Sales Europe".into(), after: "Sales EMEA".into() }
        )]
    );
    assert_eq!(plan.rooms[0].target, Target::Existing { id: 3 });
}

#[test]
fn another_entrys_current_title_is_not_this_entrys_past() {
    let plan = plan_of(
        "rooms:\n  - title: B\n    type: custom\n    renamed_from: [A]\n  - title: A\n",
        vec![active(1, "A")],
    )
    .unwrap();
    assert_eq!(
        steps(&plan),
        [(
            "B".into(),
            Action::Create {
                title: "B".into(),
                room_type: RoomType::Custom,
                tags: vec![],
                settings: Box::default(),
            }
        )]
    );
}

#[test]
fn a_room_to_delete_is_never_found_by_an_earlier_title() {
    let plan = plan_of(
        "rooms:\n  - title: Alpha\n    state: deleted\n    renamed_from: [Beta]\n",
        vec![active(1, "Beta")],
    )
    .unwrap();
    assert!(plan.is_empty(), "{:?}", steps(&plan));
}

#[test]
fn the_current_title_wins_over_renamed_from() {
    let plan = plan_of(
        "rooms:\n  - title: Sales EMEA\n    renamed_from: [Sales Europe]\n",
        vec![active(3, "Sales Europe"), active(4, "Sales EMEA")],
    )
    .unwrap();
    assert!(plan.is_empty());
    assert_eq!(plan.unmanaged, 1);
}

#[test]
fn different_tags_are_replaced() {
    let plan = plan_of(
        "rooms:\n  - title: Marketing\n    tags: [q3, brand]\n",
        vec![room(1, "Marketing", RoomType::Custom, RoomState::Active, &["old"])],
    )
    .unwrap();
    assert_eq!(
        steps(&plan),
        [(
            "Marketing".into(),
            Action::SetTags {
                before: vec!["old".into()],
                after: vec!["brand".into(), "q3".into()]
            }
        )]
    );
}

#[test]
fn tags_compare_without_regard_to_case() {
    let plan = plan_of(
        "rooms:\n  - title: Marketing\n    tags: [brand]\n",
        vec![room(1, "Marketing", RoomType::Custom, RoomState::Active, &["Brand"])],
    )
    .unwrap();
    assert!(plan.is_empty());
}

#[test]
fn absent_tags_leave_the_rooms_tags_alone() {
    let plan = plan_of(
        "rooms:\n  - title: Marketing\n",
        vec![room(1, "Marketing", RoomType::Custom, RoomState::Active, &["x"])],
    )
    .unwrap();
    assert!(plan.is_empty());
}

#[test]
fn a_title_is_compared_in_its_stored_form() {
    let plan =
        plan_of("rooms:\n  - title: \"Q1/Q2: plans\"\n", vec![active(1, "Q1_Q2_ plans")]).unwrap();
    assert!(plan.is_empty(), "{:?}", steps(&plan));
}

#[test]
fn a_title_matching_two_portal_rooms_is_an_error_naming_both() {
    let err =
        plan_of("rooms:\n  - title: Legal\n", vec![active(11, "Legal"), archived(12, "Legal")])
            .unwrap_err();
    let messages = conflicts(err);
    assert!(messages[0].contains("11 and 12") && messages[0].contains("pin"), "{messages:?}");
}

#[test]
fn a_pinned_room_is_not_a_title_candidate_for_another_entry() {
    let plan = plan_of(
        "rooms:\n  - title: Legal\n    id: 11\n  - title: Legal copy\n    renamed_from: [Legal]\n",
        vec![active(11, "Legal"), active(12, "Legal")],
    )
    .unwrap();
    assert_eq!(
        steps(&plan),
        [(
            "Legal copy".into(),
            Action::Rename { before: "Legal".into(), after: "Legal copy".into() }
        )]
    );
    assert_eq!(plan.rooms[0].target, Target::Existing { id: 12 });
}

#[test]
fn two_entries_matching_one_room_is_an_error() {
    let err = plan_of(
        "rooms:\n  - title: B\n    renamed_from: [A]\n  - title: C\n    renamed_from: [A]\n",
        vec![active(1, "A")],
    )
    .unwrap_err();
    assert!(conflicts(err).iter().any(|m| m.contains("both match portal room 1")));
}

#[test]
fn a_pinned_id_missing_from_the_portal_is_an_error() {
    let err =
        plan_of("rooms:\n  - title: Legal\n    id: 4821\n    type: custom\n", vec![]).unwrap_err();
    assert!(conflicts(err)[0].contains("pins id 4821"));
}

#[test]
fn a_different_type_is_an_error_and_never_a_recreate() {
    let err = plan_of("rooms:\n  - title: Legal\n    type: public\n", vec![active(1, "Legal")])
        .unwrap_err();
    let messages = conflicts(err);
    assert!(messages[0].contains("custom room on the portal, not public"), "{messages:?}");
}

/// A room of a type newer than this version (`roomType` 12) is managed without its type.
fn future_room(id: u64, title: &str) -> PortalRoom {
    PortalRoom { room_type: PortalRoomType::Unknown(12), ..active(id, title) }
}

#[test]
fn a_room_of_an_unknown_type_is_renamed_and_retagged_like_any_other() {
    let plan = plan_of(
        "rooms:\n  - title: Agents\n    id: 7\n    tags: [ai]\n",
        vec![future_room(7, "Bots")],
    )
    .unwrap();
    assert_eq!(
        steps(&plan),
        [
            ("Agents".into(), Action::Rename { before: "Bots".into(), after: "Agents".into() }),
            ("Agents".into(), Action::SetTags { before: vec![], after: vec!["ai".into()] }),
        ]
    );
}

#[test]
fn a_declared_type_for_a_room_of_an_unknown_type_is_an_error() {
    let err = plan_of("rooms:\n  - title: Bots\n    type: custom\n", vec![future_room(7, "Bots")])
        .unwrap_err();
    let messages = conflicts(err);
    assert!(
        messages[0].contains("type this version does not know (`roomType` 12)"),
        "{messages:?}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = plan_of(
        "rooms:\n  - title: A\n    id: 90\n    type: custom\n  - title: B\n    type: public\n",
        vec![active(1, "B")],
    )
    .unwrap_err();
    assert_eq!(conflicts(err).len(), 2);
}

#[test]
fn an_archived_room_declared_active_is_unarchived_before_it_is_edited() {
    let plan = plan_of("rooms:\n  - title: New\n    id: 1\n", vec![archived(1, "Old")]).unwrap();
    assert_eq!(
        steps(&plan),
        [
            ("New".into(), Action::Unarchive),
            ("New".into(), Action::Rename { before: "Old".into(), after: "New".into() })
        ]
    );
}

#[test]
fn an_active_room_declared_archived_is_edited_then_archived() {
    let plan =
        plan_of("rooms:\n  - title: New\n    id: 1\n    state: archived\n", vec![active(1, "Old")])
            .unwrap();
    assert_eq!(
        steps(&plan),
        [
            ("New".into(), Action::Rename { before: "Old".into(), after: "New".into() }),
            ("New".into(), Action::Archive)
        ]
    );
}

#[test]
fn an_archived_room_that_stays_archived_is_unarchived_edited_and_archived_again() {
    let plan = plan_of(
        "rooms:\n  - title: New\n    id: 1\n    state: archived\n",
        vec![archived(1, "Old")],
    )
    .unwrap();
    assert_eq!(
        steps(&plan),
        [
            ("New".into(), Action::Unarchive),
            ("New".into(), Action::Rename { before: "Old".into(), after: "New".into() }),
            ("New".into(), Action::Archive)
        ]
    );
}

#[test]
fn an_archived_room_with_nothing_to_edit_stays_untouched() {
    let plan =
        plan_of("rooms:\n  - title: Old\n    state: archived\n", vec![archived(1, "Old")]).unwrap();
    assert!(plan.is_empty());
}

#[test]
fn an_active_room_to_delete_is_archived_first() {
    let plan =
        plan_of("rooms:\n  - title: Old\n    state: deleted\n", vec![active(1, "Old")]).unwrap();
    assert_eq!(steps(&plan), [("Old".into(), Action::Archive), ("Old".into(), Action::Delete)]);
}

#[test]
fn an_archived_room_to_delete_is_deleted() {
    let plan =
        plan_of("rooms:\n  - title: Old\n    state: deleted\n", vec![archived(1, "Old")]).unwrap();
    assert_eq!(steps(&plan), [("Old".into(), Action::Delete)]);
}

#[test]
fn a_manifest_that_matches_the_portal_plans_nothing() {
    let plan = plan_of(
        "rooms:\n  - title: A\n    type: custom\n    tags: [x]\n  - title: B\n    state: archived\n",
        vec![room(1, "A", RoomType::Custom, RoomState::Active, &["x"]), archived(2, "B")],
    )
    .unwrap();
    assert!(plan.is_empty());
    assert_eq!(
        plan.summary(),
        "Plan: 0 to create, 0 to rename, 0 to archive, 0 to delete; 0 unmanaged rooms left alone."
    );
}

#[test]
fn unmentioned_rooms_are_left_alone_and_counted() {
    let plan =
        plan_of("rooms:\n  - title: A\n", vec![active(1, "A"), active(2, "B"), archived(3, "C")])
            .unwrap();
    assert!(plan.is_empty());
    assert_eq!(plan.unmanaged, 2);
}

#[test]
fn prune_archive_archives_unlisted_active_rooms_only() {
    let plan = plan_of(
        "prune: archive\nrooms:\n  - title: A\n",
        vec![active(1, "A"), active(2, "B"), archived(3, "C")],
    )
    .unwrap();
    assert_eq!(steps(&plan), [("B".into(), Action::Archive)]);
    assert_eq!(plan.rooms[0].line, None);
}

#[test]
fn prune_delete_archives_then_deletes_unlisted_rooms() {
    let plan = plan_of(
        "prune: delete\nrooms:\n  - title: A\n",
        vec![active(1, "A"), active(2, "B"), archived(3, "C")],
    )
    .unwrap();
    assert_eq!(
        steps(&plan),
        [("B".into(), Action::Archive), ("B".into(), Action::Delete), ("C".into(), Action::Delete)]
    );
}

#[test]
fn ignored_rooms_are_never_pruned() {
    let plan = plan_of(
        "prune: archive\nignore: [\"Sandbox*\", Personal]\nrooms:\n  - title: A\n",
        vec![active(1, "A"), active(2, "Sandbox 1"), active(3, "Personal"), active(4, "Other")],
    )
    .unwrap();
    assert_eq!(steps(&plan), [("Other".into(), Action::Archive)]);
    assert_eq!(plan.unmanaged, 2);
}

#[test]
fn ignore_patterns_are_case_sensitive_as_titles_are() {
    let plan = plan_of(
        "prune: archive\nignore: [\"Sandbox*\", gamma]\nrooms:\n  - title: A\n",
        vec![active(1, "A"), active(2, "sandbox 1"), active(3, "Gamma"), active(4, "Sandbox 2")],
    )
    .unwrap();
    assert_eq!(
        steps(&plan),
        [("Gamma".into(), Action::Archive), ("sandbox 1".into(), Action::Archive)]
    );
}

#[test]
fn ignore_patterns_match_titles_as_the_portal_stores_them() {
    let plan = plan_of(
        "prune: delete\nignore: [\"R&D: scratch*\", \"a/b\"]\nrooms:\n  - title: A\n",
        vec![active(1, "A"), active(2, "R&D_ scratch 1"), archived(3, "a_b"), active(4, "Other")],
    )
    .unwrap();
    assert_eq!(steps(&plan), [("Other".into(), Action::Archive), ("Other".into(), Action::Delete)]);
    assert_eq!(plan.unmanaged, 2);
}

#[test]
fn protect_refuses_archiving_a_room() {
    let err = plan_of(
        "rooms:\n  - title: Vault\n    protect: true\n    state: archived\n",
        vec![active(1, "Vault")],
    )
    .unwrap_err();
    assert_eq!(err, PlanError::Refused(Refusal::Protected { rooms: vec!["`Vault`".into()] }));
}

#[test]
fn protect_refuses_deleting_a_room() {
    // Validation refuses `protect` with `state: deleted`; the planner must not rely on it.
    let mut manifest = manifest("rooms:\n  - title: Vault\n    state: deleted\n");
    manifest.rooms[0].protect = true;
    let err =
        plan(&manifest, &portal(vec![archived(1, "Vault")]), &PlanOptions::default()).unwrap_err();
    assert!(matches!(err, PlanError::Refused(Refusal::Protected { .. })));
}

#[test]
fn protect_allows_editing_an_archived_room() {
    let plan = plan_of(
        "rooms:\n  - title: Vault 2\n    id: 1\n    protect: true\n    state: archived\n",
        vec![archived(1, "Vault")],
    )
    .unwrap();
    assert_eq!(plan.counts().archive, 1);
}

fn many_rooms(count: u64) -> Vec<PortalRoom> {
    (1..=count).map(|id| active(id, &format!("Room {id:02}"))).collect()
}

#[test]
fn destroying_more_than_the_threshold_is_refused() {
    let err = plan_of("prune: archive\nrooms:\n  - title: Room 01\n", many_rooms(4)).unwrap_err();
    match err {
        PlanError::Refused(Refusal::TooDestructive { count, total, rooms, .. }) => {
            assert_eq!((count, total), (3, 4));
            assert_eq!(rooms, ["`Room 02`", "`Room 03`", "`Room 04`"]);
        }
        other => panic!("expected the threshold, got {other}"),
    }
}

#[test]
fn force_accepts_a_plan_over_the_threshold() {
    let options = PlanOptions { force: true, ..PlanOptions::default() };
    let plan = plan(
        &manifest("prune: archive\nrooms:\n  - title: Room 01\n"),
        &portal(many_rooms(4)),
        &options,
    )
    .unwrap();
    assert_eq!(plan.counts().archive, 3);
}

#[test]
fn fewer_than_three_destroyed_rooms_pass_the_threshold() {
    let plan = plan_of("prune: archive\nrooms:\n  - title: Room 01\n", many_rooms(3)).unwrap();
    assert_eq!(plan.counts().archive, 2);
}

#[test]
fn the_threshold_follows_max_destroy_percent() {
    let plan = plan_of(
        "prune: archive\nmax_destroy_percent: 80\nrooms:\n  - title: Room 01\n",
        many_rooms(4),
    )
    .unwrap();
    assert_eq!(plan.counts().archive, 3);
}

#[test]
fn target_narrows_the_plan() {
    let options = PlanOptions { targets: vec!["B".into()], ..PlanOptions::default() };
    let yaml = "rooms:\n  - title: A\n    type: custom\n  - title: B\n    type: custom\n";
    let plan = plan(&manifest(yaml), &portal(vec![]), &options).unwrap();
    assert_eq!(plan.rooms.len(), 1);
    assert_eq!(plan.rooms[0].title, "B");
}

#[test]
fn exclude_leaves_a_room_out() {
    let options = PlanOptions { excludes: vec!["B".into()], ..PlanOptions::default() };
    let yaml = "rooms:\n  - title: A\n    type: custom\n  - title: B\n    type: custom\n";
    let plan = plan(&manifest(yaml), &portal(vec![]), &options).unwrap();
    assert_eq!(plan.rooms.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["A"]);
}

#[test]
fn a_target_that_names_no_room_is_an_error() {
    let options = PlanOptions { targets: vec!["Nope".into()], ..PlanOptions::default() };
    let err =
        plan(&manifest("rooms:\n  - title: A\n    type: custom\n"), &portal(vec![]), &options)
            .unwrap_err();
    assert_eq!(
        err,
        PlanError::Refused(Refusal::UnknownSelection { flag: "target", title: "Nope".into() })
    );
}

#[test]
fn rooms_are_sorted_by_title_and_fingerprinted() {
    let plan = plan_of(
        "rooms:\n  - title: Zed\n    type: custom\n  - title: Alpha\n    id: 5\n",
        vec![active(5, "Old Alpha"), active(6, "Unrelated")],
    )
    .unwrap();
    assert_eq!(plan.rooms.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["Alpha", "Zed"]);
    assert_eq!(plan.fingerprints.iter().map(|r| r.id).collect::<Vec<_>>(), [5]);
    assert_eq!(plan.portal_rooms, 2);
}

// --- Members ------------------------------------------------------------------------------

use crate::docspace::Access;
use crate::model::{Group, Person, RoomMember};
use crate::plan::{Member, MemberChange};

fn person(id: &str, email: &str, manager: bool) -> Person {
    Person { id: id.into(), email: email.into(), active: true, can_manage_rooms: manager }
}

fn user(id: &str, email: &str, access: Access) -> RoomMember {
    RoomMember {
        id: id.into(),
        member: Member::User(email.into()),
        access: access.code(),
        is_owner: false,
    }
}

/// A portal with room 1 `Legal` (owned by `owner`), its members, people and a group.
fn members_portal(members: Vec<RoomMember>, state: RoomState) -> PortalState {
    let owner = RoomMember {
        id: "o".into(),
        member: Member::User("owner@example.com".into()),
        access: 1,
        is_owner: true,
    };
    let mut all = vec![owner];
    all.extend(members);
    PortalState {
        rooms: vec![room(1, "Legal", RoomType::Custom, state, &[])],
        people: vec![
            person("o", "owner@example.com", true),
            person("a", "anna@example.com", true),
            person("b", "ben@example.com", false),
            person("c", "carol@example.com", false),
        ],
        groups: vec![Group { id: "g".into(), name: "Auditors".into() }],
        members: [(1, all)].into_iter().collect(),
        links: std::collections::BTreeMap::new(),
        ..PortalState::default()
    }
}

fn member_changes(yaml: &str, portal: &PortalState) -> Result<Vec<MemberChange>, PlanError> {
    let plan = plan(&manifest(yaml), portal, &PlanOptions::default())?;
    Ok(plan
        .steps()
        .filter_map(|(_, step)| match &step.action {
            Action::SetMembers { changes, .. } => Some(changes.clone()),
            _ => None,
        })
        .flatten()
        .collect())
}

fn change(
    member: Member,
    id: Option<&str>,
    before: Option<Access>,
    after: Option<Access>,
) -> MemberChange {
    MemberChange { member, portal_id: id.map(str::to_owned), before, after, cause: None }
}

const LEGAL: &str = "rooms:\n  - title: Legal\n    members:\n";

#[test]
fn a_declared_member_is_added() {
    let changes = member_changes(
        &format!("{LEGAL}      - user: ben@example.com\n        access: editor\n"),
        &members_portal(vec![], RoomState::Active),
    )
    .unwrap();
    assert_eq!(
        changes,
        [change(Member::User("ben@example.com".into()), Some("b"), None, Some(Access::Editor))]
    );
}

#[test]
fn a_members_access_is_changed() {
    let portal =
        members_portal(vec![user("b", "ben@example.com", Access::Viewer)], RoomState::Active);
    let changes = member_changes(
        &format!("{LEGAL}      - user: BEN@example.com\n        access: editor\n"),
        &portal,
    )
    .unwrap();
    assert_eq!(
        changes,
        [change(
            Member::User("BEN@example.com".into()),
            Some("b"),
            Some(Access::Viewer),
            Some(Access::Editor)
        )]
    );
}

#[test]
fn an_undeclared_member_is_removed_when_exact() {
    let portal =
        members_portal(vec![user("c", "carol@example.com", Access::Editor)], RoomState::Active);
    let changes = member_changes(
        &format!("{LEGAL}      - user: ben@example.com\n        access: editor\n"),
        &portal,
    )
    .unwrap();
    assert_eq!(
        changes[1],
        change(Member::User("carol@example.com".into()), Some("c"), Some(Access::Editor), None)
    );
}

#[test]
fn an_undeclared_member_stays_when_additive() {
    let portal =
        members_portal(vec![user("c", "carol@example.com", Access::Editor)], RoomState::Active);
    let yaml = "rooms:\n  - title: Legal\n    members_policy: additive\n    members:\n      - user: ben@example.com\n        access: editor\n";
    assert_eq!(member_changes(yaml, &portal).unwrap().len(), 1);
}

#[test]
fn matching_members_plan_nothing() {
    let portal =
        members_portal(vec![user("b", "ben@example.com", Access::Editor)], RoomState::Active);
    let plan = plan(
        &manifest(&format!("{LEGAL}      - user: ben@example.com\n        access: editor\n")),
        &portal,
        &PlanOptions::default(),
    )
    .unwrap();
    assert!(plan.is_empty());
}

#[test]
fn the_owner_never_appears_in_a_diff() {
    let portal = members_portal(vec![], RoomState::Active);
    let changes = member_changes(
        &format!("{LEGAL}      - user: owner@example.com\n        access: viewer\n"),
        &portal,
    )
    .unwrap();
    assert!(changes.is_empty());
    let changes = member_changes(
        &format!("{LEGAL}      - user: ben@example.com\n        access: viewer\n"),
        &portal,
    )
    .unwrap();
    assert!(changes.iter().all(|c| c.member != Member::User("owner@example.com".into())));
}

#[test]
fn a_group_is_resolved_by_name() {
    let changes = member_changes(
        &format!("{LEGAL}      - group: Auditors\n        access: viewer\n"),
        &members_portal(vec![], RoomState::Active),
    )
    .unwrap();
    assert_eq!(
        changes,
        [change(Member::Group("Auditors".into()), Some("g"), None, Some(Access::Viewer))]
    );
}

#[test]
fn unknown_people_and_groups_are_errors_with_their_lines() {
    let yaml = format!(
        "{LEGAL}      - user: zed@example.com\n        access: viewer\n      - group: Nobody\n        access: viewer\n"
    );
    let messages = conflicts(
        plan(&manifest(&yaml), &members_portal(vec![], RoomState::Active), &PlanOptions::default())
            .unwrap_err(),
    );
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].contains("`zed@example.com` has no account")
            && messages[1].contains("group `Nobody`")
    );
}

#[test]
fn an_invitation_goes_by_email() {
    let yaml = format!(
        "{LEGAL}      - user: new@example.com\n        access: viewer\n        invite: true\n"
    );
    let changes = member_changes(&yaml, &members_portal(vec![], RoomState::Active)).unwrap();
    assert_eq!(
        changes,
        [change(Member::User("new@example.com".into()), None, None, Some(Access::Viewer))]
    );
}

#[test]
fn an_invitation_already_sent_is_recognised_by_email() {
    let portal =
        members_portal(vec![user("n", "new@example.com", Access::Viewer)], RoomState::Active);
    let yaml = format!(
        "{LEGAL}      - user: new@example.com\n        access: viewer\n        invite: true\n"
    );
    assert!(member_changes(&yaml, &portal).unwrap().is_empty());
}

#[test]
fn an_invitation_already_sent_is_recognised_whatever_the_case_of_its_address() {
    // The directory lookup always folded case in full Unicode; the pending-invitation lookup
    // folded ASCII only, so `Ärzte@` never matched the portal's `ärzte@` and every plan invited
    // again. Both go through `Member::is` now.
    let portal =
        members_portal(vec![user("n", "ärzte@example.com", Access::Viewer)], RoomState::Active);
    let yaml = format!(
        "{LEGAL}      - user: ÄRZTE@example.com\n        access: viewer\n        invite: true\n"
    );
    assert!(member_changes(&yaml, &portal).unwrap().is_empty());
}

#[test]
fn room_manager_needs_a_user_who_may_manage_rooms() {
    let yaml = format!("{LEGAL}      - user: ben@example.com\n        access: room-manager\n");
    let messages = conflicts(
        plan(&manifest(&yaml), &members_portal(vec![], RoomState::Active), &PlanOptions::default())
            .unwrap_err(),
    );
    assert!(messages[0].contains("cannot be `room-manager`"));
    let yaml = format!("{LEGAL}      - user: anna@example.com\n        access: room-manager\n");
    assert_eq!(member_changes(&yaml, &members_portal(vec![], RoomState::Active)).unwrap().len(), 1);
}

#[test]
fn members_of_an_archived_room_change_while_it_is_unarchived() {
    use crate::plan::ActionKind::{Archive, SetMembers, Unarchive};
    let portal = members_portal(vec![], RoomState::Archived);
    let yaml = "rooms:\n  - title: Legal\n    state: archived\n    members:\n      - user: ben@example.com\n        access: viewer\n";
    let plan = plan(&manifest(yaml), &portal, &PlanOptions::default()).unwrap();
    let kinds: Vec<_> = plan.steps().map(|(_, s)| s.action.kind()).collect();
    assert_eq!(kinds, [Unarchive, SetMembers, Archive]);
}

#[test]
fn a_new_rooms_members_are_set_after_it_is_created() {
    let yaml = "rooms:\n  - title: Fresh\n    type: custom\n    notify: true\n    members:\n      - user: ben@example.com\n        access: viewer\n";
    let plan =
        plan(&manifest(yaml), &members_portal(vec![], RoomState::Active), &PlanOptions::default())
            .unwrap();
    let actions: Vec<_> = plan.steps().map(|(_, s)| s.action.clone()).collect();
    assert!(matches!(actions[0], Action::Create { .. }));
    assert!(
        matches!(&actions[1], Action::SetMembers { notify: true, changes, .. } if changes.len() == 1)
    );
}

#[test]
fn removing_more_members_than_allowed_is_refused_unless_forced() {
    let leavers = (0..3)
        .map(|n| user(&format!("l{n}"), &format!("l{n}@example.com"), Access::Viewer))
        .collect();
    let portal = members_portal(leavers, RoomState::Active);
    let yaml = "max_member_removals: 2\nrooms:\n  - title: Legal\n    members: []\n";
    match plan(&manifest(yaml), &portal, &PlanOptions::default()).unwrap_err() {
        PlanError::Refused(Refusal::TooManyRemovals { count, people, .. }) => {
            assert_eq!(count, 3);
            assert_eq!(people[0], "`l0@example.com` from `Legal`");
        }
        other => panic!("expected the removal threshold, got {other}"),
    }
    let forced = PlanOptions { force: true, ..PlanOptions::default() };
    assert!(plan(&manifest(yaml), &portal, &forced).is_ok());
}

#[test]
fn a_room_without_members_keeps_its_members() {
    let portal =
        members_portal(vec![user("c", "carol@example.com", Access::Editor)], RoomState::Active);
    assert!(member_changes("rooms:\n  - title: Legal\n", &portal).unwrap().is_empty());
}

// --- Convergence --------------------------------------------------------------------------

/// Plays a plan on an in-memory portal, as a portal would carry out each step.
fn play(plan: &Plan, portal: &mut PortalState) {
    for room_plan in &plan.rooms {
        let mut id = match room_plan.target {
            Target::Existing { id } => Some(id),
            Target::New => None,
        };
        for step in room_plan.steps() {
            if let Action::Create { title, room_type, tags, .. } = &step.action {
                let new_id = portal.rooms.iter().map(|r| r.id).max().unwrap_or(0) + 1;
                portal.rooms.push(PortalRoom {
                    id: new_id,
                    title: title.clone(),
                    room_type: (*room_type).into(),
                    state: RoomState::Active,
                    tags: tags.clone(),
                    settings: crate::settings::Settings::default(),
                    custom_logo: false,
                });
                id = Some(new_id);
                continue;
            }
            let id = id.expect("a step after the create");
            let index = portal.rooms.iter().position(|r| r.id == id).expect("the room exists");
            let room = &mut portal.rooms[index];
            match &step.action {
                Action::Rename { after, .. } => {
                    assert_eq!(room.state, RoomState::Active, "archived rooms are read-only");
                    room.title = after.clone();
                }
                Action::SetTags { after, .. } => {
                    assert_eq!(room.state, RoomState::Active, "archived rooms are read-only");
                    room.tags = after.clone();
                }
                Action::Archive => room.state = RoomState::Archived,
                Action::Unarchive => room.state = RoomState::Active,
                Action::Delete => {
                    portal.rooms.remove(index);
                }
                Action::Create { .. }
                | Action::SetMembers { .. }
                | Action::SetSettings { .. }
                | Action::CreateFolder { .. }
                | Action::TrashFolder { .. }
                | Action::SetLink { .. }
                | Action::RemoveLink { .. } => {
                    unreachable!("not generated here")
                }
            }
        }
    }
}

mod convergence {
    use super::*;
    use proptest::prelude::*;

    const TITLES: [&str; 5] = ["Alpha", "Beta", "Gamma: x", "Delta/1", "Epsilon"];
    const TAGS: [&str; 3] = ["a", "B", "c"];

    fn portal_rooms() -> impl Strategy<Value = Vec<PortalRoom>> {
        proptest::collection::vec(
            (0..5usize, any::<bool>(), proptest::collection::vec(0..3usize, 0..3)),
            0..5,
        )
        .prop_map(|rooms| {
            rooms
                .into_iter()
                .enumerate()
                .map(|(n, (title, archived, tags))| PortalRoom {
                    id: 100 + n as u64,
                    title: crate::docspace::stored_title(TITLES[title]),
                    room_type: RoomType::Custom.into(),
                    state: if archived { RoomState::Archived } else { RoomState::Active },
                    tags: tags.into_iter().map(|t| TAGS[t].to_owned()).collect(),
                    settings: crate::settings::Settings::default(),
                    custom_logo: false,
                })
                .collect()
        })
    }

    fn manifest_yaml() -> impl Strategy<Value = String> {
        let room = (
            0..5usize,
            0..3usize,
            proptest::option::of(proptest::collection::vec(0..3usize, 0..3)),
            proptest::option::of(0..5usize),
        );
        (proptest::collection::vec(room, 0..5), 0..3usize).prop_map(|(rooms, prune)| {
            let mut yaml = format!("prune: {}\nmax_destroy_percent: 100\nrooms:\n  - title: Anchor\n    type: custom\n", ["none", "archive", "delete"][prune]);
            let mut seen = std::collections::HashSet::new();
            for (title, state, tags, renamed) in rooms {
                if !seen.insert(title) {
                    continue;
                }
                yaml.push_str(&format!("  - title: \"{}\"\n    type: custom\n    state: {}\n", TITLES[title], ["active", "archived", "deleted"][state]));
                if let Some(tags) = tags {
                    let mut tags: Vec<&str> = tags.into_iter().map(|t| TAGS[t]).collect();
                    tags.sort_unstable();
                    tags.dedup();
                    yaml.push_str(&format!("    tags: [{}]\n", tags.join(", ")));
                }
                if let Some(old) = renamed.filter(|old| *old != title) {
                    yaml.push_str(&format!("    renamed_from: [\"{}\"]\n", TITLES[old]));
                }
            }
            yaml
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the manifest and the portal, a plan that can be made converges: played on the
        /// portal, it leaves nothing to plan, and it never edits an archived room.
        #[test]
        fn a_played_plan_leaves_nothing_to_plan(yaml in manifest_yaml(), rooms in portal_rooms()) {
            let manifest = manifest(&yaml);
            let mut portal = portal(rooms);
            let Ok(first) = plan(&manifest, &portal, &PlanOptions::default()) else {
                return Ok(()); // Ambiguous titles and the like are refused, which is fine.
            };
            play(&first, &mut portal);
            let second = plan(&manifest, &portal, &PlanOptions::default()).expect("a converged portal still plans");
            prop_assert!(second.is_empty(), "{yaml}\nfirst: {:?}\nsecond: {:?}", first.rooms, second.rooms);
        }
    }
}

#[test]
fn a_terminated_member_is_never_sent_and_never_removed_and_a_warning_names_the_room() {
    let mut portal =
        members_portal(vec![user("c", "carol@example.com", Access::Viewer)], RoomState::Active);
    for person in &mut portal.people {
        if person.id == "b" || person.id == "c" {
            person.active = false;
        }
    }
    let yaml = format!(
        "{LEGAL}      - user: ben@example.com\n        access: editor\n      - user: carol@example.com\n        access: editor\n"
    );
    let plan = plan(&manifest(&yaml), &portal, &PlanOptions::default()).unwrap();
    assert!(plan.is_empty(), "{:?}", steps(&plan));
    assert_eq!(
        plan.warnings,
        [
            "`ben@example.com` is a terminated account: left out of room `Legal` (the portal refuses it access)",
            "`carol@example.com` is a terminated account: left out of room `Legal` (the portal refuses it access)",
        ]
    );
}

#[test]
fn two_groups_with_the_declared_name_are_ambiguous() {
    let mut portal = members_portal(vec![], RoomState::Active);
    portal.groups.push(Group { id: "g2".into(), name: "Auditors".into() });
    let yaml = format!("{LEGAL}      - group: Auditors\n        access: viewer\n");
    let err = member_changes(&yaml, &portal).unwrap_err();
    assert!(
        err.to_string().contains(
            "rooms.yaml:4: group `Auditors` is ambiguous: the portal has 2 groups with that name (ids g and g2)"
        ),
        "{err}"
    );
}

#[test]
fn the_summary_counts_people_whose_access_changes_not_rooms() {
    let portal = members_portal(vec![], RoomState::Active);
    let yaml = format!(
        "{LEGAL}      - user: ben@example.com\n        access: editor\n      - user: carol@example.com\n        access: viewer\n      - group: Auditors\n        access: viewer\n"
    );
    let plan = plan(&manifest(&yaml), &portal, &PlanOptions::default()).unwrap();
    assert_eq!(plan.counts().set_members, 3);
    assert!(plan.summary().contains("3 member changes"), "{}", plan.summary());
}
