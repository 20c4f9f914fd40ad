//! `plan --base`: a pull request's plan split into what it asks for, drift, and adopted manual
//! changes. A pure function of two plans made from the same portal read: the head manifest's
//! and the target branch's (the base).
//!
//! A head step the base plan also has (same room, same action, same result; its `before` may
//! differ) is drift: an apply does it whether the pull request is merged or not. Any other
//! head step is a change. A base step the head plan no longer has, with no head step of the
//! same kind on that room, is adopted: the pull request accepts what is on the portal. Member
//! changes are compared member by member.

use super::model::{
    Action, Adopted, Cause, MemberChange, Plan, RoomPlan, StateChange, Step, Target,
};
use super::planner::PlanError;
use super::rails::{PlanOptions, Refusal};
use crate::docspace::Access;
use crate::manifest::Manifest;
use crate::model::PortalState;
use crate::text::escape;
use std::collections::HashMap;

/// Labels every step of `head` with its [`Cause`] and records what it adopts from `base`.
/// Both plans must come from the same portal read.
pub(crate) fn label(mut head: Plan, base: &Plan) -> Plan {
    let base_rooms: HashMap<RoomKey, &RoomPlan> =
        base.rooms.iter().map(|room| (RoomKey::of(room), room)).collect();
    for room in &mut head.rooms {
        let base_room = base_rooms.get(&RoomKey::of(room)).copied();
        for step in steps_mut(room) {
            label_step(step, base_room);
        }
    }
    let head_rooms: HashMap<RoomKey, &RoomPlan> =
        head.rooms.iter().map(|room| (RoomKey::of(room), room)).collect();
    let titles: HashMap<u64, &str> =
        base.fingerprints.iter().map(|room| (room.id, room.title.as_str())).collect();
    let mut adopted = Vec::new();
    for base_room in &base.rooms {
        let head_room = head_rooms.get(&RoomKey::of(base_room)).copied();
        let title = match base_room.target {
            Target::Existing { id } => titles.get(&id).map_or(&*base_room.title, |t| t),
            Target::New => &base_room.title,
        };
        for step in adopted_steps(base_room, head_room) {
            adopted.push(Adopted {
                title: title.to_owned(),
                target: base_room.target.clone(),
                why: why(&step.action),
                step,
            });
        }
    }
    head.adopted = Some(adopted);
    head
}

/// Plans the base manifest against the same portal read as the head. The rails are the head's
/// to apply, so they do not stop it; a `--target` or `--exclude` naming a room the base does
/// not have is dropped (a selection left with no target selects nothing of the base).
pub(crate) fn plan_base(
    base: &Manifest,
    portal: &PortalState,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let mut options = PlanOptions { force: true, ..options.clone() };
    loop {
        match super::plan(base, portal, &options) {
            Err(PlanError::Refused(Refusal::UnknownSelection { flag, title })) => {
                let targeted = !options.targets.is_empty();
                let list =
                    if flag == "target" { &mut options.targets } else { &mut options.excludes };
                list.retain(|given| *given != title);
                if targeted && options.targets.is_empty() {
                    let mut plan = super::plan(base, portal, &options)?;
                    plan.rooms.clear();
                    plan.fingerprints.clear();
                    return Ok(plan);
                }
            }
            planned => return planned,
        }
    }
}

/// Which room a block of steps is for: the same portal id, or the same new title.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum RoomKey {
    Existing(u64),
    New(String),
}

impl RoomKey {
    fn of(room: &RoomPlan) -> RoomKey {
        match room.target {
            Target::Existing { id } => RoomKey::Existing(id),
            Target::New => RoomKey::New(room.title.clone()),
        }
    }
}

/// Who a member change is about, compared as the planner compares members.
fn member_key(change: &MemberChange) -> (bool, String) {
    (change.member.is_group(), change.member.key())
}

/// The action without its `before`: what it leaves on the portal.
fn result(action: &Action) -> Action {
    match action {
        Action::Rename { after, .. } => {
            Action::Rename { before: String::new(), after: after.clone() }
        }
        Action::SetTags { after, .. } => {
            Action::SetTags { before: Vec::new(), after: after.clone() }
        }
        other => other.clone(),
    }
}

/// The member changes of a room's member step, by who they are about, with the access after.
/// A room can hold thousands: looked up, not scanned.
fn member_changes(room: Option<&RoomPlan>) -> HashMap<(bool, String), Option<Access>> {
    room.iter()
        .flat_map(|room| &room.edits)
        .filter_map(|step| match &step.action {
            Action::SetMembers { changes, .. } => Some(changes),
            _ => None,
        })
        .flatten()
        .map(|change| (member_key(change), change.after))
        .collect()
}

fn label_step(step: &mut Step, base: Option<&RoomPlan>) {
    let cause_of = |drift: bool| if drift { Cause::Drift } else { Cause::Change };
    if let Action::SetMembers { changes, .. } = &mut step.action {
        let base_changes = member_changes(base);
        for change in changes.iter_mut() {
            let same = base_changes.get(&member_key(change)) == Some(&change.after);
            change.cause = Some(cause_of(same));
        }
        step.cause = Some(cause_of(changes.iter().all(|c| c.cause == Some(Cause::Drift))));
        return;
    }
    let wanted = result(&step.action);
    step.cause =
        Some(cause_of(base.is_some_and(|room| room.steps().any(|s| result(&s.action) == wanted))));
}

/// Every step of a room, in API order, to label in place.
fn steps_mut(room: &mut RoomPlan) -> Vec<&mut Step> {
    let (opening, closing): (Option<&mut Step>, Option<&mut Step>) = match &mut room.change {
        StateChange::Keep => (None, None),
        StateChange::Create { create, archive } => (Some(create), archive.as_mut()),
        StateChange::Unarchive(step) => (Some(step), None),
        StateChange::Archive(step) => (None, Some(step)),
        StateChange::Reopen { unarchive, archive } => (Some(unarchive), Some(archive)),
        StateChange::Delete { archive, delete } => (archive.as_mut(), Some(delete)),
    };
    opening.into_iter().chain(room.edits.iter_mut()).chain(closing).collect()
}

/// The base room's steps the head no longer has. The unarchive and archive around an archived
/// room's edits only carry those edits, so they are never adopted themselves.
fn adopted_steps(base: &RoomPlan, head: Option<&RoomPlan>) -> Vec<Step> {
    let bracket = matches!(base.change, StateChange::Reopen { .. });
    let head_kinds: Vec<_> =
        head.map(|room| room.steps().map(|step| step.action.kind()).collect()).unwrap_or_default();
    let mut adopted = Vec::new();
    for step in base.steps() {
        match &step.action {
            Action::SetMembers { notify, changes, members_after } => {
                let head_changes = member_changes(head);
                let kept: Vec<MemberChange> = changes
                    .iter()
                    .filter(|change| !head_changes.contains_key(&member_key(change)))
                    .cloned()
                    .collect();
                if !kept.is_empty() {
                    adopted.push(Step {
                        action: Action::SetMembers {
                            notify: *notify,
                            changes: kept,
                            members_after: *members_after,
                        },
                        reason: step.reason.clone(),
                        cause: None,
                    });
                }
            }
            Action::Unarchive | Action::Archive if bracket => {}
            // A head step of the same kind replaces it: the pull request declares something
            // else, which is its change, not an acceptance of the portal.
            action if head_kinds.contains(&action.kind()) => {}
            _ => adopted.push(step.clone()),
        }
    }
    adopted
}

/// What the pull request accepts instead of the base step, in words.
fn why(action: &Action) -> String {
    let tags = |tags: &[String]| {
        format!("[{}]", tags.iter().map(|t| escape(t)).collect::<Vec<_>>().join(", "))
    };
    match action {
        Action::Create { .. } => "the room the base manifest creates is no longer declared".into(),
        Action::Rename { before, after } => format!(
            "keeps the portal's title \"{}\" where the base manifest declares \"{}\"",
            escape(before),
            escape(after)
        ),
        Action::SetTags { before, after } => format!(
            "keeps the portal's tags {} where the base manifest declares {}",
            tags(before),
            tags(after)
        ),
        Action::Archive => "keeps the room active where the base manifest archives it".into(),
        Action::Unarchive => {
            "keeps the room archived where the base manifest declares it active".into()
        }
        Action::Delete => "keeps the room the base manifest deletes".into(),
        Action::CreateFolder { path, .. } => format!(
            "leaves out the folder \"{}\" the base manifest declares",
            escape(&path.join("/"))
        ),
        Action::SetLink { link } => match &link.before {
            None => {
                format!("leaves out the link \"{}\" the base manifest declares", escape(&link.name))
            }
            Some(_) => format!(
                "keeps the link \"{}\" as it is where the base manifest declares it otherwise",
                escape(&link.name)
            ),
        },
        Action::RemoveLink { name, .. } => {
            format!("keeps the link \"{}\" the base manifest removes", escape(name))
        }
        Action::SetSettings { after, .. } => {
            let declared: Vec<String> = after
                .describe()
                .into_iter()
                .map(|(name, value)| format!("{name} {value}"))
                .collect();
            format!(
                "keeps the room's settings where the base manifest declares {}",
                declared.join(", ")
            )
        }
        Action::TrashFolder { path, .. } => format!(
            "keeps the folder \"{}\" the base manifest moves to the trash",
            escape(&path.join("/"))
        ),
        Action::SetMembers { changes, .. } => {
            let access = |access: Option<Access>, none: &str| {
                access.map_or_else(|| none.to_owned(), |access| access.to_string())
            };
            let kept: Vec<String> = changes
                .iter()
                .map(|change| {
                    format!(
                        "keeps {} {} where the base manifest declares {}",
                        escape(&change.member.to_string()),
                        access(change.before, "out of the room"),
                        access(change.after, "no access")
                    )
                })
                .collect();
            kept.join("; ")
        }
    }
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
