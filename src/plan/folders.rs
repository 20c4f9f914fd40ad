//! A room's folder skeleton planned: declared folders missing on the portal are created
//! (parents first, in declared order), and with `folders_policy: exact` undeclared empty
//! folders go to the trash while non-empty ones are reported. Pure, like the planner.
//!
//! Folders are matched by their stored title under their parent (FOLDERS.md §11): titles are
//! not keys on a portal, so two ordinary folders with one declared title under one parent make
//! the path ambiguous, an error before any write. System folders (with a `type`) are never
//! touched nor counted as undeclared.

use super::model::{Action, Step};
use crate::docspace::RoomType;
use crate::manifest::{DesiredState, FoldersPolicy, RoomSpec};
use crate::model::{PortalFolder, PortalRoom, PortalState};
use crate::text::escape;
use std::collections::{BTreeSet, HashMap};

/// The folder steps of one room and what the person planning should know.
#[derive(Debug, Default)]
pub(crate) struct FolderPlan {
    /// Creates, then moves to the trash.
    pub(crate) steps: Vec<Step>,
    /// Undeclared folders that are not empty, left alone.
    pub(crate) warnings: Vec<String>,
}

/// Plans `spec`'s folders in `room` (none when the room is to be created).
pub(crate) fn plan_folders(
    spec: &RoomSpec,
    room: Option<&PortalRoom>,
    portal: &PortalState,
) -> Result<FolderPlan, Vec<(usize, String)>> {
    let mut plan = FolderPlan::default();
    let Some(declared) = &spec.folders else {
        return Ok(plan);
    };
    if spec.state == DesiredState::Deleted {
        return Ok(plan);
    }
    // `validate` catches a declared `type: ai`; a room without `type` is known only here.
    if let Some(room) = room
        && room.room_type == RoomType::Ai.into()
        && !declared.is_empty()
    {
        return Err(vec![(
            spec.line,
            format!(
                "room `{}` (id {}) is an ai room on the portal, which refuses folders",
                spec.title, room.id
            ),
        )]);
    }
    // The ids of declared folders found on the portal, by path; the room is the empty path.
    let mut found: HashMap<&[String], u64> = HashMap::new();
    if let Some(room) = room {
        found.insert(&[], room.id);
    }
    let mut problems = Vec::new();
    let mut creates = Vec::new();
    for folder in declared {
        let (parent_path, title) = folder.path.split_at(folder.path.len() - 1);
        let Some(&parent) = found.get(parent_path) else {
            // The parent is created by this plan, so this one is missing too.
            creates.push(create(folder.path.clone(), None, room.is_some()));
            continue;
        };
        let same: Vec<&PortalFolder> =
            ordinary(portal, parent).filter(|f| f.title == title[0]).collect();
        match same.as_slice() {
            [] => {
                let parent_id = (!parent_path.is_empty()).then_some(parent);
                creates.push(create(folder.path.clone(), parent_id, true));
            }
            [one] => {
                found.insert(&folder.path, one.id);
            }
            many => {
                let ids: Vec<String> = many.iter().map(|f| f.id.to_string()).collect();
                problems.push((
                    folder.line,
                    format!(
                        "room `{}`: folder path `{}` is ambiguous: the portal has {} folders `{}` in {} (ids {}); rename or remove all but one",
                        spec.title,
                        folder.display(),
                        many.len(),
                        title[0],
                        where_(parent_path),
                        ids.join(", ")
                    ),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    plan.steps = creates;
    if spec.folders_policy == FoldersPolicy::Exact {
        trash_undeclared(spec, declared, &found, portal, &mut plan);
    }
    Ok(plan)
}

/// The ordinary (not system) folders read directly inside `parent`.
fn ordinary(portal: &PortalState, parent: u64) -> impl Iterator<Item = &PortalFolder> {
    portal.folders.get(&parent).into_iter().flatten().filter(|f| !f.system)
}

/// Under each declared parent found: undeclared folders go to the trash when empty and are
/// reported otherwise. Only the room and declared folders are looked into.
fn trash_undeclared(
    spec: &RoomSpec,
    declared: &[crate::manifest::FolderSpec],
    found: &HashMap<&[String], u64>,
    portal: &PortalState,
    plan: &mut FolderPlan,
) {
    let wanted: BTreeSet<&[String]> = declared.iter().map(|f| f.path.as_slice()).collect();
    // Parents in declared order (the room first), so the steps follow the manifest.
    let parents = std::iter::once(&[][..]).chain(declared.iter().map(|f| f.path.as_slice()));
    for parent_path in parents {
        let Some(&parent) = found.get(parent_path) else { continue };
        for folder in ordinary(portal, parent) {
            let mut path = parent_path.to_vec();
            path.push(folder.title.clone());
            if wanted.contains(path.as_slice()) {
                continue;
            }
            if folder.is_empty() {
                plan.steps.push(Step::new(
                    Action::TrashFolder { path, id: folder.id },
                    "not declared, empty, and `folders_policy: exact`",
                ));
            } else {
                let inside = match folder.listed {
                    Some(items) if folder.files_count == 0 && folder.folders_count == 0 => {
                        format!("its listing shows {items} item(s) although its counts are 0")
                    }
                    _ => format!(
                        "{} file(s), {} folder(s) inside",
                        folder.files_count, folder.folders_count
                    ),
                };
                plan.warnings.push(format!(
                    "! folder \"{}\" is not empty: left alone (room `{}`: {inside})",
                    escape(&path.join("/")),
                    spec.stored_title,
                ));
            }
        }
    }
}

fn create(path: Vec<String>, parent_id: Option<u64>, room_exists: bool) -> Step {
    let reason = if room_exists {
        "declared in `folders` and not in the room"
    } else {
        "declared in `folders`"
    };
    Step::new(Action::CreateFolder { path, parent_id }, reason)
}

/// "the room" or "`a/b`".
fn where_(parent: &[String]) -> String {
    if parent.is_empty() { "the room".to_owned() } else { format!("`{}`", parent.join("/")) }
}

#[cfg(test)]
#[path = "folders_tests.rs"]
mod tests;
