//! A saved plan's freshness: it is applied only against the portal it was made for and only
//! while everything it read or touches is as it was then. Each slice (rooms here, members,
//! settings, folders, links) returns its stale findings as lines; [`refuse_stale`] reports them
//! all at once, so one run shows everything that changed.

use crate::model::{PortalRoom, PortalState};
use crate::plan::{Action, Plan, Target, saved::SavedPlan};
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
            escape(&saved.portal)
        );
    }
    Ok(())
}

/// A line per room the plan read or touches that has changed since (deleted, renamed, archived
/// or unarchived, retagged), and per room it would create that now exists.
pub(crate) fn stale_rooms(plan: &Plan, now: &PortalState) -> Vec<String> {
    let by_id: HashMap<u64, &PortalRoom> = now.rooms.iter().map(|room| (room.id, room)).collect();
    let mut changes = Vec::new();
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
            let shown = |tags: &[String]| tags.iter().map(|t| escape(t)).collect::<Vec<_>>();
            changes.push(format!(
                "{label} was retagged: [{}] → [{}]",
                shown(&before.tags).join(", "),
                shown(&after.tags).join(", ")
            ));
        }
    }
    for (planned, step) in plan.steps() {
        match (&step.action, &planned.target) {
            (Action::Create { title, .. }, _) => {
                for room in now.rooms.iter().filter(|room| &room.title == title) {
                    changes.push(format!(
                        "room {} \"{}\", which the plan would create, now exists",
                        room.id,
                        escape(title)
                    ));
                }
            }
            (Action::Rename { after, .. }, Target::Existing { id }) => {
                for room in now.rooms.iter().filter(|room| &room.title == after && room.id != *id) {
                    changes.push(format!(
                        "room {} \"{}\" now has the title the plan gives room {id}",
                        room.id,
                        escape(after)
                    ));
                }
            }
            _ => {}
        }
    }
    changes
}

/// Refuses a saved plan when any slice found something stale, naming every finding.
pub(crate) fn refuse_stale(findings: &[String]) -> anyhow::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    bail!(
        "the plan was not applied: what it was made from has changed since; make a new plan:\n  {}",
        findings.join("\n  ")
    )
}
