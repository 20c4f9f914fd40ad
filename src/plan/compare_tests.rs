//! One test per labelling case: head and base manifests planned against one hand-made portal.

use super::*;
use crate::docspace::{Access, RoomType};
use crate::model::{Member, Person, PortalRoom, PortalState, RoomMember, RoomState};
use crate::plan::{PlanOptions, plan};
use std::path::Path;

fn active(id: u64, title: &str) -> PortalRoom {
    PortalRoom {
        id,
        title: title.into(),
        room_type: RoomType::Custom.into(),
        state: RoomState::Active,
        tags: Vec::new(),
        settings: crate::settings::Settings::default(),
        custom_logo: false,
    }
}

fn portal(rooms: Vec<PortalRoom>) -> PortalState {
    PortalState { rooms, ..PortalState::default() }
}

fn planned(yaml: &str, portal: &PortalState) -> Plan {
    let manifest =
        crate::manifest::parse(Path::new("rooms.yaml"), yaml).expect("a valid manifest").0;
    plan(&manifest, portal, &PlanOptions::default()).expect("a plan")
}

/// Plans head and base against the same portal and labels the head plan.
fn labelled(head: &str, base: &str, portal: &PortalState) -> Plan {
    label(planned(head, portal), &planned(base, portal))
}

/// `(room title, action kind, cause)` for every step, in plan order.
fn causes(plan: &Plan) -> Vec<(String, crate::plan::ActionKind, Option<Cause>)> {
    plan.steps().map(|(room, step)| (room.title.clone(), step.action.kind(), step.cause)).collect()
}

fn adopted(plan: &Plan) -> &[Adopted] {
    plan.adopted.as_deref().expect("a labelled plan records what it adopts")
}

use crate::plan::ActionKind::{Create, Rename, SetMembers};

#[test]
fn a_room_the_pull_request_adds_is_a_change() {
    let portal = portal(vec![active(1, "Sales")]);
    let base = "rooms:\n  - title: Sales\n";
    let head = "rooms:\n  - title: Sales\n  - title: Legal\n    type: custom\n";
    let plan = labelled(head, base, &portal);
    assert_eq!(causes(&plan), [("Legal".into(), Create, Some(Cause::Change))]);
    assert!(adopted(&plan).is_empty());
    assert!(plan.summary().starts_with("Plan: 1 to create, 0 to rename"), "{}", plan.summary());
    assert!(plan.summary().contains("; 0 manual changes adopted;"), "{}", plan.summary());
}

#[test]
fn a_rename_in_the_pull_request_is_told_from_a_manual_rename_elsewhere() {
    // Someone renamed room 2 by hand; the pull request renames room 1.
    let portal = portal(vec![active(1, "Sales"), active(2, "Ops (manual)")]);
    let base = "rooms:\n  - title: Sales\n    id: 1\n  - title: Operations\n    id: 2\n";
    let head = "rooms:\n  - title: Sales 2026\n    id: 1\n  - title: Operations\n    id: 2\n";
    let plan = labelled(head, base, &portal);
    assert_eq!(
        causes(&plan),
        [
            ("Operations".into(), Rename, Some(Cause::Drift)),
            ("Sales 2026".into(), Rename, Some(Cause::Change)),
        ]
    );
    assert!(adopted(&plan).is_empty());
    assert!(plan.summary().contains("2 to rename (1 from drift)"), "{}", plan.summary());
}

#[test]
fn drift_on_a_room_the_pull_request_does_not_touch_is_drift() {
    let portal = portal(vec![active(1, "Sales"), active(2, "Board")]);
    let base = "rooms:\n  - title: Sales\n  - title: Board\n    state: archived\n";
    let head =
        "rooms:\n  - title: Sales\n    tags: [emea]\n  - title: Board\n    state: archived\n";
    let plan = labelled(head, base, &portal);
    assert_eq!(
        causes(&plan),
        [
            ("Board".into(), crate::plan::ActionKind::Archive, Some(Cause::Drift)),
            ("Sales".into(), crate::plan::ActionKind::SetTags, Some(Cause::Change)),
        ]
    );
    assert!(plan.summary().contains("1 to archive (1 from drift)"), "{}", plan.summary());
}

#[test]
fn a_pull_request_that_writes_down_a_manual_rename_adopts_it() {
    let portal = portal(vec![active(2, "Ops (manual)")]);
    let base = "rooms:\n  - title: Operations\n    id: 2\n";
    let head = "rooms:\n  - title: Ops (manual)\n    id: 2\n";
    let plan = labelled(head, base, &portal);
    assert!(plan.is_empty());
    let [entry] = adopted(&plan) else { panic!("one adopted step: {:?}", plan.adopted) };
    assert_eq!(entry.title, "Ops (manual)");
    assert_eq!(entry.target, Target::Existing { id: 2 });
    assert_eq!(
        entry.step.action,
        Action::Rename { before: "Ops (manual)".into(), after: "Operations".into() }
    );
    assert!(entry.why.contains("keeps the portal's title \"Ops (manual)\""), "{}", entry.why);
    assert!(plan.summary().contains("; 1 manual change adopted;"), "{}", plan.summary());
}

#[test]
fn a_step_the_pull_request_replaces_is_not_adopted() {
    // The base renames room 2 back; the pull request renames it to a third title.
    let portal = portal(vec![active(2, "Ops (manual)")]);
    let base = "rooms:\n  - title: Operations\n    id: 2\n";
    let head = "rooms:\n  - title: Operations EMEA\n    id: 2\n";
    let plan = labelled(head, base, &portal);
    assert_eq!(causes(&plan), [("Operations EMEA".into(), Rename, Some(Cause::Change))]);
    assert!(adopted(&plan).is_empty());
}

fn members_portal() -> PortalState {
    let member = |id: &str, email: &str, access: Access| RoomMember {
        id: id.into(),
        member: Member::User(email.into()),
        access: access.code(),
        is_owner: false,
    };
    let person = |id: &str, email: &str| Person {
        id: id.into(),
        email: email.into(),
        active: true,
        can_manage_rooms: false,
    };
    PortalState {
        rooms: vec![active(1, "Legal")],
        agents: Vec::new(),
        people: vec![person("a", "anna@example.com"), person("b", "ben@example.com")],
        groups: Vec::new(),
        folders: std::collections::BTreeMap::default(),
        links: std::collections::BTreeMap::default(),
        room_quota: None,
        storage_limit: None,
        covers: None,
        password_policy: None,
        sharing: None,
        // Someone gave Ben editor by hand; the base declares viewer.
        members: [(
            1,
            vec![
                member("a", "anna@example.com", Access::Viewer),
                member("b", "ben@example.com", Access::Editor),
            ],
        )]
        .into_iter()
        .collect(),
    }
}

const LEGAL: &str = "rooms:\n  - title: Legal\n    members_policy: additive\n    members:\n";

#[test]
fn a_pull_request_that_writes_down_a_manual_member_change_adopts_it() {
    let base = format!("{LEGAL}      - user: ben@example.com\n        access: viewer\n");
    let head = format!("{LEGAL}      - user: ben@example.com\n        access: editor\n");
    let plan = labelled(&head, &base, &members_portal());
    assert!(plan.is_empty());
    let [entry] = adopted(&plan) else { panic!("one adopted step: {:?}", plan.adopted) };
    let Action::SetMembers { changes, .. } = &entry.step.action else { panic!("{entry:?}") };
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].member, Member::User("ben@example.com".into()));
    assert_eq!((changes[0].before, changes[0].after), (Some(Access::Editor), Some(Access::Viewer)));
}

#[test]
fn member_changes_are_labelled_member_by_member() {
    // Ben's manual editor access is drift in both; the pull request promotes Anna.
    let base = format!(
        "{LEGAL}      - user: anna@example.com\n        access: viewer\n      - user: ben@example.com\n        access: viewer\n"
    );
    let head = format!(
        "{LEGAL}      - user: anna@example.com\n        access: editor\n      - user: ben@example.com\n        access: viewer\n"
    );
    let plan = labelled(&head, &base, &members_portal());
    assert_eq!(causes(&plan), [("Legal".into(), SetMembers, Some(Cause::Change))]);
    let room = &plan.rooms[0];
    let who = |cause| -> Vec<String> {
        room.steps_of(cause)
            .iter()
            .flat_map(|step| match &step.action {
                Action::SetMembers { changes, .. } => {
                    changes.iter().map(|c| c.member.to_string()).collect()
                }
                _ => Vec::new(),
            })
            .collect()
    };
    assert_eq!(who(Cause::Change), ["anna@example.com"]);
    assert_eq!(who(Cause::Drift), ["ben@example.com"]);
    assert!(plan.summary().contains("2 member changes (1 from drift)"), "{}", plan.summary());
    assert!(adopted(&plan).is_empty());
}

#[test]
fn the_same_step_with_another_before_is_drift() {
    let room = |before: &str| {
        RoomPlan::from_steps(
            "Operations".into(),
            Target::Existing { id: 2 },
            Some(2),
            vec![Step {
                action: Action::Rename { before: before.into(), after: "Operations".into() },
                reason: String::new(),
                cause: None,
            }],
        )
        .unwrap()
    };
    let plan_of = |room| Plan {
        rooms: vec![room],
        unmanaged: 0,
        portal_rooms: 1,
        fingerprints: Vec::new(),
        warnings: Vec::new(),
        adopted: None,
    };
    let plan = label(plan_of(room("Ops")), &plan_of(room("Ops (manual)")));
    assert_eq!(causes(&plan), [("Operations".into(), Rename, Some(Cause::Drift))]);
    assert!(adopted(&plan).is_empty());
}

#[test]
fn without_a_base_the_summary_is_unchanged() {
    let plan = planned("rooms:\n  - title: Legal\n    type: custom\n", &portal(vec![]));
    assert_eq!(
        plan.summary(),
        "Plan: 1 to create, 0 to rename, 0 to archive, 0 to delete; 0 unmanaged rooms left alone."
    );
    assert!(!serde_json::to_string(&plan).unwrap().contains("cause"));
}

#[test]
fn the_unarchive_and_archive_around_an_adopted_edit_are_not_adopted() {
    let mut board = active(3, "Board (manual)");
    board.state = RoomState::Archived;
    let portal = portal(vec![board]);
    let base = "rooms:\n  - title: Board\n    id: 3\n    state: archived\n";
    let head = "rooms:\n  - title: Board (manual)\n    id: 3\n    state: archived\n";
    let plan = labelled(head, base, &portal);
    assert!(plan.is_empty());
    let kinds: Vec<_> = adopted(&plan).iter().map(|entry| entry.step.action.kind()).collect();
    assert_eq!(kinds, [Rename]);
}

#[test]
fn a_target_only_the_pull_request_has_leaves_the_base_plan_empty() {
    let board = portal(vec![active(1, "Board")]);
    let base =
        crate::manifest::parse(Path::new("base.yaml"), "rooms:\n  - title: Board\n    tags: [x]\n")
            .unwrap()
            .0;
    let targets = PlanOptions { targets: vec!["Marketing".into()], ..PlanOptions::default() };
    assert!(plan_base(&base, &board, &targets).unwrap().is_empty());
    // An exclude the base does not know is dropped; the rest of the base is planned.
    let excludes = PlanOptions { excludes: vec!["Marketing".into()], ..PlanOptions::default() };
    assert_eq!(plan_base(&base, &board, &excludes).unwrap().rooms.len(), 1);
    // The rails are the head's to apply: a base archiving every room still plans.
    let three = portal((1..=3).map(|id| active(id, &format!("R{id}"))).collect());
    let yaml: String =
        (1..=3).map(|id| format!("  - title: R{id}\n    state: archived\n")).collect();
    let archiving =
        crate::manifest::parse(Path::new("base.yaml"), &format!("rooms:\n{yaml}")).unwrap().0;
    assert!(plan(&archiving, &three, &PlanOptions::default()).is_err());
    assert_eq!(plan_base(&archiving, &three, &PlanOptions::default()).unwrap().rooms.len(), 3);
}
