//! Folder reads for the reconcile flow: the subfolders a manifest's `folders` need before
//! planning, and a saved plan's folder steps checked against the portal before applying.
//!
//! Reads are, for a room whose skeleton goes two levels deep or more, one listing of its whole
//! tree (`Portal::folder_tree`, used only when it reads whole and consistent), else
//! `/subfolders` (direct children, no side effects) level by level from the room down, each
//! level's reads concurrently; and one folder's info. A room whose entry declares no folders and
//! removes none (`folders: []`, additive) is not read at all: nothing there can change the plan.

use crate::manifest::{DesiredState, FoldersPolicy, RoomSpec};
use crate::model::{PortalFolder, PortalRoom};
use crate::plan::{Action, Plan, Target};
use crate::portal::{ApiError, Portal};
use crate::text::escape;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The direct subfolders of every room an entry with `folders` means and of every declared
/// folder found in it, by the id of the room or folder they are in.
pub(crate) async fn read(
    portal: &Portal,
    meant: &[(&RoomSpec, &PortalRoom)],
) -> Result<BTreeMap<u64, Vec<PortalFolder>>, ApiError> {
    let mut folders = BTreeMap::new();
    // Every room an entry means, with the declared paths to look for in it and whether
    // undeclared folders matter (`exact`).
    let mut wanted: BTreeMap<u64, BTreeSet<&[String]>> = BTreeMap::new();
    let mut exact: HashSet<u64> = HashSet::new();
    for (spec, room) in meant {
        let Some(declared) = &spec.folders else { continue };
        if spec.state == DesiredState::Deleted {
            continue;
        }
        if spec.folders_policy == FoldersPolicy::Exact {
            exact.insert(room.id);
        } else if declared.is_empty() {
            continue;
        }
        wanted.entry(room.id).or_default().extend(declared.iter().map(|f| f.path.as_slice()));
    }
    // A room whose skeleton has two levels or more: its whole tree in one read, where one
    // read holds it (else `None`, and it is read level by level as the others).
    let deep = wanted.iter().filter(|(_, paths)| paths.iter().any(|p| p.len() > 1));
    let trees =
        portal.read_each(deep.map(|(room, _)| *room), |room| portal.folder_tree(room)).await?;
    // Level by level: the rooms, then each declared folder found once in its parent.
    let mut level: Vec<(u64, u64, &[String])> =
        wanted.keys().map(|&room| (room, room, &[][..])).collect();
    while !level.is_empty() {
        let tree_of = |room: &u64| trees.get(room).and_then(Option::as_ref);
        let ids: Vec<u64> = level
            .iter()
            .filter(|(room, _, _)| tree_of(room).is_none())
            .map(|(_, id, _)| *id)
            .collect();
        let mut read = read_subfolders(portal, ids).await?;
        for (room, id, _) in &level {
            if let Some(tree) = tree_of(room) {
                read.insert(*id, tree.get(id).cloned().unwrap_or_default());
            }
        }
        let mut next = Vec::new();
        // Under `exact`, undeclared folders whose counts say empty are listed too.
        let mut to_list = Vec::new();
        for (room, id, path) in &level {
            if !exact.contains(room) {
                continue;
            }
            for child in read.get(id).into_iter().flatten().filter(|f| !f.system && f.is_empty()) {
                let mut child_path = path.to_vec();
                child_path.push(child.title.clone());
                if !wanted[room].contains(child_path.as_slice()) {
                    to_list.push(child.id);
                }
            }
        }
        let listed = portal.read_each(to_list, |id| portal.listing_total(id)).await?;
        for (room, id, path) in level {
            let mut children = read.get(&id).cloned().unwrap_or_default();
            for child in &mut children {
                if let Some(total) = listed.get(&child.id) {
                    child.listed = Some(*total);
                }
            }
            for declared in wanted[&room].iter().filter(|p| p.len() == path.len() + 1) {
                if !declared.starts_with(path) {
                    continue;
                }
                let title = &declared[path.len()];
                // A leaf's content matters only to `exact`, which looks for undeclared folders.
                let has_children = wanted[&room]
                    .iter()
                    .any(|p| p.len() > declared.len() && p.starts_with(declared));
                if !has_children && !exact.contains(&room) {
                    continue;
                }
                let mut same = children.iter().filter(|f| !f.system && &f.title == title);
                if let (Some(folder), None) = (same.next(), same.next()) {
                    next.push((room, folder.id, *declared));
                }
            }
            folders.insert(id, children);
        }
        level = next;
    }
    Ok(folders)
}

/// The subfolders of each of these rooms or folders.
async fn read_subfolders(
    portal: &Portal,
    ids: Vec<u64>,
) -> Result<BTreeMap<u64, Vec<PortalFolder>>, ApiError> {
    portal.read_each(ids, |id| portal.subfolders(id)).await
}

/// What changed since a saved plan was made about the folders it creates or moves to the
/// trash: a folder to create that appeared, one to trash that is gone, renamed or filled up.
pub(crate) async fn stale(portal: &Portal, plan: &Plan) -> Result<Vec<String>, ApiError> {
    let mut changes = Vec::new();
    let mut creates: BTreeMap<u64, Vec<(&str, &[String])>> = BTreeMap::new();
    for (room, step) in plan.steps() {
        let Target::Existing { id: room_id } = room.target else { continue };
        match &step.action {
            Action::CreateFolder { path, parent_id } => {
                let parent = match (path.len(), parent_id) {
                    (1, _) => room_id,
                    (_, Some(parent)) => *parent,
                    // Its parent is created by the plan: checked through the parent.
                    (_, None) => continue,
                };
                creates.entry(parent).or_default().push((room.title.as_str(), path));
            }
            Action::TrashFolder { path, id } => {
                let label = format!(
                    "room {room_id} \"{}\": folder \"{}\"",
                    escape(&room.title),
                    escape(&path.join("/"))
                );
                match portal.folder(*id).await? {
                    None => changes.push(format!("{label} was deleted")),
                    Some(now) if Some(&now.title) != path.last() => {
                        changes.push(format!("{label} was renamed to \"{}\"", escape(&now.title)));
                    }
                    Some(now) if !now.is_empty() => {
                        changes.push(format!("{label} is not empty any more"));
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    let parents: Vec<u64> = creates.keys().copied().collect();
    let read = read_subfolders(portal, parents).await?;
    for (parent, planned) in creates {
        let children = read.get(&parent).map(Vec::as_slice).unwrap_or_default();
        for (title, path) in planned {
            let name = path.last().map_or("", String::as_str);
            if children.iter().any(|f| !f.system && f.title == name) {
                changes.push(format!(
                    "room \"{}\": folder \"{}\", which the plan would create, now exists",
                    escape(title),
                    escape(&path.join("/"))
                ));
            }
        }
    }
    Ok(changes)
}
