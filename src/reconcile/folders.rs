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
/// trash: a folder to create that appeared; a folder to trash, or the parent of a folder to
/// create, that is gone or in the trash, renamed, moved (checked by id, title and place: each
/// folder up to the room must still carry the path's title), or, to trash, filled up.
pub(crate) async fn stale(portal: &Portal, plan: &Plan) -> Result<Vec<String>, ApiError> {
    let mut changes = Vec::new();
    let mut creates: BTreeMap<u64, Vec<(&str, &[String])>> = BTreeMap::new();
    let mut placed: Vec<Placed<'_>> = Vec::new();
    for (room, step) in plan.steps() {
        let Target::Existing { id: room_id } = room.target else { continue };
        let label = |path: &[String]| {
            format!(
                "room {room_id} \"{}\": folder \"{}\"",
                escape(&room.title),
                escape(&path.join("/"))
            )
        };
        match &step.action {
            Action::CreateFolder { path, parent_id } => {
                let parent = match (path.len(), parent_id) {
                    (1, _) => room_id,
                    (_, Some(parent)) => {
                        let at = &path[..path.len() - 1];
                        let why =
                            format!(", where the plan creates \"{}\",", escape(&path.join("/")));
                        placed.push(Placed {
                            room: room_id,
                            path: at,
                            id: *parent,
                            label: label(at) + &why,
                            trash: false,
                        });
                        *parent
                    }
                    // Its parent is created by the plan: checked through the parent.
                    (_, None) => continue,
                };
                creates.entry(parent).or_default().push((room.title.as_str(), path));
            }
            Action::TrashFolder { path, id } => {
                placed.push(Placed {
                    room: room_id,
                    path,
                    id: *id,
                    label: label(path),
                    trash: true,
                });
            }
            _ => {}
        }
    }
    let (moved, gone) = misplaced(portal, placed).await?;
    changes.extend(moved);
    // A parent that is not where it was is stale already; its content is not read.
    creates.retain(|parent, _| !gone.contains(parent));
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

/// A folder a saved plan relies on: `id`, at `path` (titles from the room down) in `room`.
struct Placed<'a> {
    room: u64,
    path: &'a [String],
    id: u64,
    /// How findings name it.
    label: String,
    /// It goes to the trash, so it must still be empty too.
    trash: bool,
}

/// A line per folder that is no longer where the plan found it: gone or in the trash (a
/// portal shows a trashed folder with `rootFolderType` 3, which [`Portal::folder`] reads as
/// gone), renamed, moved, or (to trash) no longer empty. Each is walked up by `parentId`, one
/// level for all of them at a time, to the room.
/// Also returns the ids of the folders found out of place.
async fn misplaced(
    portal: &Portal,
    placed: Vec<Placed<'_>>,
) -> Result<(Vec<String>, HashSet<u64>), ApiError> {
    let mut changes = Vec::new();
    let mut gone = HashSet::new();
    // Each walk: the folder it is at now and how many titles of its path are left from the room.
    let mut walks: Vec<(Placed<'_>, u64, usize)> = placed
        .into_iter()
        .map(|placed| {
            let (id, left) = (placed.id, placed.path.len());
            (placed, id, left)
        })
        .collect();
    while !walks.is_empty() {
        let ids: BTreeSet<u64> = walks.iter().map(|(_, at, _)| *at).collect();
        let read = portal.read_each(ids, |id| portal.folder(id)).await?;
        let mut next = Vec::new();
        for (placed, at, left) in walks {
            match step_up(&placed, read.get(&at).and_then(Option::as_ref), left) {
                Ok(Some(parent)) => next.push((placed, parent, left - 1)),
                Ok(None) => {}
                Err(finding) => {
                    changes.push(finding);
                    gone.insert(placed.id);
                }
            }
        }
        walks = next;
    }
    Ok((changes, gone))
}

/// One level of a walk: `folder` (`None` when gone or in the trash) must carry the title the
/// path has `left` titles down from the room. `Ok(Some(parent))` goes on up, `Ok(None)` is
/// done (the room reached where it should be), `Err` is the finding.
fn step_up(
    placed: &Placed<'_>,
    folder: Option<&PortalFolder>,
    left: usize,
) -> Result<Option<u64>, String> {
    let depth = left - 1;
    let leaf = left == placed.path.len();
    // What became of the folder this level is at: the planned one, or a folder above it.
    let finding = |what: &str| {
        if leaf {
            format!("{} {what}", placed.label)
        } else {
            let above = escape(&placed.path[..left].join("/"));
            format!("{}: its folder \"{above}\" {what}", placed.label)
        }
    };
    let Some(folder) = folder else {
        return Err(finding("is in the trash or was deleted"));
    };
    if folder.title != placed.path[depth] {
        return Err(if leaf {
            format!("{} was renamed to \"{}\"", placed.label, escape(&folder.title))
        } else {
            format!(
                "{} was moved, or a folder above it renamed: \"{}\" is where \"{}\" was",
                placed.label,
                escape(&folder.title),
                escape(&placed.path[..left].join("/"))
            )
        });
    }
    if leaf && placed.trash && !folder.is_empty() {
        return Err(format!("{} is not empty any more", placed.label));
    }
    match folder.parent_id {
        Some(parent) if depth == 0 && parent == placed.room => Ok(None),
        // Out of the room, or up to the room's top level from deeper down (the room itself is
        // not read: a portal answers a room's id as a folder too).
        Some(parent) if depth == 0 || parent == placed.room => {
            Err(finding("was moved out of its place in the room"))
        }
        Some(parent) => Ok(Some(parent)),
        None => Err(format!(
            "{}: the portal does not say which folder it is in, so its place cannot be checked",
            placed.label
        )),
    }
}
