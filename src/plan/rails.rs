//! Every refusal rail in one place, as cargo-release keeps its `verify_*` steps together: what
//! a plan may not do without a flag, or at all. The planner runs the selection and the
//! thresholds; `apply` runs the delete check before it asks or writes anything. Each rail is a
//! pure function of the plan (and the manifest it came from) and says everything it refuses at
//! once.

use super::model::{Action, Plan, RoomPlan, Target};
use super::render::room_label;
use crate::docspace::stored_title;
use crate::manifest::Manifest;
use std::collections::HashSet;

/// Choices that narrow or permit a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Only plan rooms with these titles (as written or stored); empty means every room.
    pub targets: Vec<String>,
    /// Leave rooms with these titles out.
    pub excludes: Vec<String>,
    /// Accept a plan over the destruction or member-removal threshold.
    pub force: bool,
    /// Now, as a Unix time: what link expiries are compared with (the planner reads no clock).
    pub now: i64,
}

/// What a rail refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The plan would archive or delete rooms declared `protect: true`.
    #[error("refusing to archive or delete protected room{}: {}", crate::text::plural(.rooms.len()), .rooms.join(", "))]
    Protected {
        /// The protected rooms, quoted.
        rooms: Vec<String>,
    },
    /// The plan archives or deletes more than `max_destroy_percent` of the portal's rooms.
    #[error(
        "refusing to archive or delete {count} of the portal's {total} rooms ({percent}%, over `max_destroy_percent` {limit}%): {}; pass `--force` to accept",
        .rooms.join(", ")
    )]
    TooDestructive {
        /// Rooms the plan archives or deletes.
        count: usize,
        /// Rooms on the portal.
        total: usize,
        /// `count` as a share of `total`.
        percent: usize,
        /// `max_destroy_percent`.
        limit: u8,
        /// The rooms, quoted.
        rooms: Vec<String>,
    },
    /// The plan removes more people from rooms than `max_member_removals`.
    #[error(
        "refusing to remove {count} people from rooms (over `max_member_removals` {limit}): {}; pass `--force` to accept",
        .people.join(", ")
    )]
    TooManyRemovals {
        /// Member removals in the plan.
        count: usize,
        /// `max_member_removals`.
        limit: u32,
        /// Who from which room.
        people: Vec<String>,
    },
    /// A `--target` or `--exclude` title that names no room.
    #[error("no room matches `--{flag} {title}`")]
    UnknownSelection {
        /// `target` or `exclude`.
        flag: &'static str,
        /// The title as given.
        title: String,
    },
    /// The plan deletes something for good (or may), and `--allow-delete` was not given.
    #[error("the plan {0}; pass `--allow-delete` to apply it")]
    NeedsAllowDelete(String),
}

/// Whether `--target` and `--exclude` keep the room with this stored title (a title naming no
/// room is [`select`]'s to refuse).
pub(super) fn selects(options: &PlanOptions, title: &str) -> bool {
    let names = |titles: &[String]| titles.iter().any(|given| stored_title(given) == title);
    (options.targets.is_empty() || names(&options.targets)) && !names(&options.excludes)
}

/// Keeps the rooms `--target` names and drops those `--exclude` names. A title that names no
/// room is an error, so a typo cannot silently plan nothing (or everything).
pub(super) fn select(
    rooms: Vec<RoomPlan>,
    manifest: &Manifest,
    options: &PlanOptions,
) -> Result<Vec<RoomPlan>, Refusal> {
    if options.targets.is_empty() && options.excludes.is_empty() {
        return Ok(rooms);
    }
    let known: HashSet<String> = manifest
        .rooms
        .iter()
        .map(|spec| spec.stored_title.clone())
        .chain(rooms.iter().map(|room| room.title.clone()))
        .collect();
    let normalise = |titles: &[String], flag: &'static str| -> Result<HashSet<String>, Refusal> {
        titles
            .iter()
            .map(|title| {
                let stored = stored_title(title);
                if known.contains(&stored) {
                    Ok(stored)
                } else {
                    Err(Refusal::UnknownSelection { flag, title: title.clone() })
                }
            })
            .collect()
    };
    let targets = normalise(&options.targets, "target")?;
    let excludes = normalise(&options.excludes, "exclude")?;
    Ok(rooms
        .into_iter()
        .filter(|room| targets.is_empty() || targets.contains(&room.title))
        .filter(|room| !excludes.contains(&room.title))
        .collect())
}

/// Refuses a plan that takes a `protect: true` room from active to archived, or deletes it.
pub(super) fn check_protected(
    manifest: &Manifest,
    rooms: &[RoomPlan],
    matches: &[Option<u64>],
) -> Result<(), Refusal> {
    let protected: HashSet<u64> = manifest
        .rooms
        .iter()
        .zip(matches)
        .filter(|(spec, _)| spec.protect)
        .filter_map(|(_, found)| *found)
        .collect();
    let mut named: Vec<String> = rooms
        .iter()
        .filter(|room| matches!(room.target, Target::Existing { id } if protected.contains(&id)))
        .filter(|room| room.change.removes_room())
        .map(|room| format!("`{}`", room.title))
        .collect();
    named.sort();
    if named.is_empty() { Ok(()) } else { Err(Refusal::Protected { rooms: named }) }
}

/// Refuses a plan that archives or deletes more than `max_destroy_percent` of the portal's
/// rooms, when that is at least three rooms, unless forced.
pub(super) fn check_destruction(
    manifest: &Manifest,
    rooms: &[RoomPlan],
    total: usize,
    force: bool,
) -> Result<(), Refusal> {
    let destroyed: Vec<&RoomPlan> =
        rooms.iter().filter(|room| room.change.removes_room()).collect();
    let count = destroyed.len();
    let limit = manifest.max_destroy_percent;
    if force || count < 3 || total == 0 || count * 100 <= total * usize::from(limit) {
        return Ok(());
    }
    let mut names: Vec<String> = destroyed.iter().map(|room| format!("`{}`", room.title)).collect();
    names.sort();
    Err(Refusal::TooDestructive { count, total, percent: count * 100 / total, limit, rooms: names })
}

/// Refuses a plan that removes more than `max_member_removals` people from rooms, unless forced.
pub(super) fn check_member_removals(
    manifest: &Manifest,
    rooms: &[RoomPlan],
    force: bool,
) -> Result<(), Refusal> {
    let mut removed: Vec<String> = rooms
        .iter()
        .flat_map(|room| room.edits.iter().map(move |step| (room, step)))
        .filter_map(|(room, step)| match &step.action {
            Action::SetMembers { changes, .. } => Some((room, changes)),
            _ => None,
        })
        .flat_map(|(room, changes)| {
            changes
                .iter()
                .filter(|c| c.after.is_none())
                .map(move |c| format!("`{}` from `{}`", c.member, room.title))
        })
        .collect();
    let limit = manifest.max_member_removals;
    if force || removed.len() <= limit as usize {
        return Ok(());
    }
    removed.sort();
    Err(Refusal::TooManyRemovals { count: removed.len(), limit, people: removed })
}

/// Deleting a room on DocSpace is permanent: a plan with a delete needs `--allow-delete`, and
/// so does one that moves folders to the trash or gives a room a lifetime that deletes files
/// permanently or sooner than before.
pub(crate) fn check_deletes(plan: &Plan, allowed: bool) -> Result<(), Refusal> {
    if allowed {
        return Ok(());
    }
    let lifetimes: Vec<String> = plan
        .destructive_settings()
        .into_iter()
        .map(|room| room_label(&room.title, &room.target))
        .collect();
    if !lifetimes.is_empty() {
        return Err(Refusal::NeedsAllowDelete(format!(
            "sets a lifetime that deletes files permanently or sooner than before in {} room{} ({})",
            lifetimes.len(),
            crate::text::plural(lifetimes.len()),
            lifetimes.join(", ")
        )));
    }
    if !plan.has_delete() {
        return Ok(());
    }
    let rooms: Vec<String> = plan
        .rooms
        .iter()
        .filter(|room| room.change.deletes())
        .map(|room| room_label(&room.title, &room.target))
        .collect();
    let mut parts = Vec::new();
    if !rooms.is_empty() {
        parts.push(format!(
            "deletes {} room{} permanently ({})",
            rooms.len(),
            crate::text::plural(rooms.len()),
            rooms.join(", ")
        ));
    }
    // Folders go to the trash, not away for good, but their deletion is guarded alike.
    let folders: Vec<String> = plan
        .trashed_folders()
        .into_iter()
        .map(|(room, path)| {
            format!(
                "\"{}\" in {}",
                crate::text::escape(&path.join("/")),
                room_label(&room.title, &room.target)
            )
        })
        .collect();
    if !folders.is_empty() {
        parts.push(format!(
            "moves {} folder{} to the trash ({})",
            folders.len(),
            crate::text::plural(folders.len()),
            folders.join(", ")
        ));
    }
    Err(Refusal::NeedsAllowDelete(parts.join(" and ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{StateChange, Step};
    use crate::settings::{Lifetime, Period, Settings, Switch};

    fn room(title: &str, change: StateChange, edits: Vec<Step>) -> RoomPlan {
        RoomPlan {
            title: title.into(),
            target: Target::Existing { id: 3 },
            line: None,
            change,
            edits,
        }
    }

    fn plan(rooms: Vec<RoomPlan>) -> Plan {
        Plan {
            rooms,
            unmanaged: 0,
            portal_rooms: 1,
            fingerprints: vec![],
            warnings: vec![],
            adopted: None,
        }
    }

    fn lifetime(days: u16, delete_permanently: bool) -> Settings {
        Settings {
            lifetime: Some(Switch::On(Lifetime {
                value: days,
                period: Period::Days,
                delete_permanently,
            })),
            ..Settings::default()
        }
    }

    fn settings(before: Settings, after: Settings) -> Step {
        Step::new(Action::SetSettings { before: Box::new(before), after: Box::new(after) }, "")
    }

    fn refused(plan: &Plan) -> String {
        check_deletes(plan, false).unwrap_err().to_string()
    }

    #[test]
    fn a_room_delete_needs_allow_delete_and_passes_with_it() {
        let delete = StateChange::Delete { archive: None, delete: Step::new(Action::Delete, "") };
        let plan = plan(vec![room("Old", delete, vec![])]);
        assert_eq!(
            refused(&plan),
            "the plan deletes 1 room permanently (\"Old\" (id 3)); pass `--allow-delete` to apply it"
        );
        assert_eq!(check_deletes(&plan, true), Ok(()));
    }

    #[test]
    fn a_folder_to_the_trash_needs_allow_delete() {
        let trash = Step::new(Action::TrashFolder { path: vec!["Scratch".into()], id: 9 }, "");
        let plan = plan(vec![room("Legal", StateChange::Keep, vec![trash])]);
        assert_eq!(
            refused(&plan),
            "the plan moves 1 folder to the trash (\"Scratch\" in \"Legal\" (id 3)); pass `--allow-delete` to apply it"
        );
    }

    #[test]
    fn a_shorter_or_permanent_lifetime_needs_allow_delete_a_longer_one_does_not() {
        let shorter = settings(lifetime(90, false), lifetime(30, false));
        assert!(refused(&plan(vec![room("R", StateChange::Keep, vec![shorter])])).starts_with(
            "the plan sets a lifetime that deletes files permanently or sooner than before in 1 room"
        ));
        let permanent = settings(lifetime(90, false), lifetime(90, true));
        assert!(
            check_deletes(&plan(vec![room("R", StateChange::Keep, vec![permanent])]), false)
                .is_err()
        );
        let longer = settings(lifetime(30, false), lifetime(90, false));
        assert_eq!(
            check_deletes(&plan(vec![room("R", StateChange::Keep, vec![longer])]), false),
            Ok(())
        );
    }

    #[test]
    fn a_plan_that_deletes_nothing_passes_without_the_flag() {
        let archive = StateChange::Archive(Step::new(Action::Archive, ""));
        assert_eq!(check_deletes(&plan(vec![room("R", archive, vec![])]), false), Ok(()));
    }
}
