//! A saved plan's freshness: it is applied only against the portal it was made for and only
//! while every room it read or touches is as it was then.

use crate::docspace::Access;
use crate::model::{PortalRoom, PortalState, RoomMember};
use crate::plan::{Action, Member, MemberChange, Plan, Target, saved::SavedPlan};
use crate::portal::Portal;
use crate::text::escape;
use anyhow::bail;
use std::collections::HashMap;

/// Refuses a plan made for another portal.
pub(crate) fn check_portal(saved: &SavedPlan, portal: &Portal) -> anyhow::Result<()> {
    let here = portal.base_url().to_string();
    if saved.portal.trim_end_matches('/') != here.trim_end_matches('/') {
        bail!(
            "the plan was made for `{}`, not `{here}`; make a plan against this portal",
            saved.portal
        );
    }
    Ok(())
}

/// Refuses a saved plan when a room it read or touches has changed since, when a room it
/// would create now exists, or when a member it changes no longer has the access the plan
/// started from (`now.members` holds the rooms of [`Plan::member_rooms`]).
/// `folder_changes` are what changed about the plan's folder steps (read separately).
pub(crate) fn check_fresh(
    plan: &Plan,
    now: &PortalState,
    folder_changes: Vec<String>,
) -> anyhow::Result<()> {
    let by_id: HashMap<u64, &PortalRoom> = now.rooms.iter().map(|room| (room.id, room)).collect();
    let mut changes = folder_changes;
    for before in &plan.fingerprints {
        let label = format!("room {} \"{}\"", before.id, escape(&before.title));
        let Some(after) = by_id.get(&before.id) else {
            changes.push(format!("{label} was deleted"));
            continue;
        };
        if after.title != before.title {
            changes.push(format!("{label} was renamed to \"{}\"", escape(&after.title)));
        }
        if after.state != before.state {
            changes.push(format!("{label} is now {}", after.state));
        }
        let sorted = |tags: &[String]| {
            let mut tags = tags.to_vec();
            tags.sort();
            tags
        };
        if sorted(&after.tags) != sorted(&before.tags) {
            changes.push(format!(
                "{label} was retagged: [{}] → [{}]",
                before.tags.join(", "),
                after.tags.join(", ")
            ));
        }
    }
    changes.extend(super::settings::stale_settings(plan, &now.rooms));
    for (room, step) in plan.steps() {
        match (&step.action, &room.target) {
            (Action::Create { title, .. }, _) => {
                for room in now.rooms.iter().filter(|room| &room.title == title) {
                    changes.push(format!(
                        "room {} \"{}\", which the plan would create, now exists",
                        room.id,
                        escape(title)
                    ));
                }
            }
            (Action::SetMembers { changes: planned, .. }, Target::Existing { id }) => {
                let label = format!("room {id} \"{}\"", escape(&room.title));
                let members = now.members.get(id).map(Vec::as_slice).unwrap_or_default();
                changes.extend(stale_members(&label, planned, members));
            }
            _ => {}
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    bail!(
        "the portal changed since the plan was made, so it was not applied; make a new plan:\n  {}",
        changes.join("\n  ")
    )
}

/// The planned member changes whose starting point no longer holds: each member must still
/// have the access the plan saw (or still be absent, for an addition).
fn stale_members(label: &str, planned: &[MemberChange], members: &[RoomMember]) -> Vec<String> {
    let mut stale = Vec::new();
    for change in planned {
        let current = members.iter().filter(|member| !member.is_owner).find(|member| match (&change.portal_id, &member.member) {
            (Some(wanted), _) => &member.id == wanted,
            // An invitation by email: the address may have joined since.
            (None, Member::User(email)) => matches!(&change.member, Member::User(invited) if invited.eq_ignore_ascii_case(email)),
            (None, Member::Group(_)) => false,
        });
        // The planner names access the same way, so an access it cannot name compares as absent.
        let now = current.and_then(|member| Access::from_code(member.access));
        if now == change.before {
            continue;
        }
        let who = escape(&change.member.to_string());
        stale.push(match (change.before, now) {
            (Some(before), Some(now)) => {
                format!("{label}: {who}'s access changed from `{before}` to `{now}`")
            }
            (Some(before), None) => format!("{label}: {who} no longer has `{before}` access"),
            (None, Some(now)) => format!("{label}: {who} was given `{now}` access"),
            (None, None) => continue,
        });
    }
    stale
}
