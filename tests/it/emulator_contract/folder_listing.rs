//! The folder content listing's filters (`GET /api/2.0/files/{id}`): with `filterType` and the
//! default `withSubFolders=true`, a portal lists the folders (or files) of every level below,
//! each folder with its `parentId` (`FolderDao.cs` L2173-2179, `FoldersController.cs` L280).

use super::*;

/// A room holding `A` (one file) with `A/B` (two files) in it, and `C`; its id and theirs.
fn tree(portal: &TestPortal) -> (u64, [u64; 3]) {
    let room = portal.emulator.seed_room("Tree", RoomType::Custom, false, &[]);
    let a = portal.emulator.seed_folder(room, room, "A");
    let b = portal.emulator.seed_folder(room, a, "B");
    let c = portal.emulator.seed_folder(room, room, "C");
    portal.emulator.add_file(a);
    portal.emulator.add_file(b);
    portal.emulator.add_file(b);
    (room, [a, b, c])
}

/// `(id, parentId)` of the listed folders, and how many files, and `total`.
fn listed(reply: &Reply) -> (Vec<(u64, u64)>, usize, u64) {
    assert_eq!(reply.status, 200, "{}", reply.text);
    let response = reply.response();
    let folders = response["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_u64().unwrap(), f["parentId"].as_u64().unwrap()))
        .collect();
    let files = response["files"].as_array().unwrap().len();
    (folders, files, response["total"].as_u64().unwrap())
}

#[test]
fn folders_only_lists_every_level_with_its_parent_unless_without_subfolders() {
    let portal = TestPortal::start();
    let (room, [a, b, c]) = tree(&portal);
    let every = portal.get(&format!("files/{room}?filterType=2"));
    assert_eq!(listed(&every), (vec![(a, room), (c, room), (b, a)], 0, 3));
    assert_eq!(every.response()["current"]["foldersCount"], 3, "the room's recursive count");
    let by_name = portal.get(&format!("files/{room}?filterType=FoldersOnly&withSubFolders=true"));
    assert_eq!(listed(&by_name), listed(&every));
    let direct = portal.get(&format!("files/{room}?filterType=2&withSubFolders=false"));
    assert_eq!(listed(&direct), (vec![(a, room), (c, room)], 0, 2));
    // Without a filter, only what is directly inside: folders, then the folder's own files.
    assert_eq!(listed(&portal.get(&format!("files/{a}"))), (vec![(b, a)], 1, 2));
}

#[test]
fn files_only_lists_the_files_of_every_level() {
    let portal = TestPortal::start();
    let (room, [a, ..]) = tree(&portal);
    assert_eq!(listed(&portal.get(&format!("files/{room}?filterType=1"))), (vec![], 3, 3));
    assert_eq!(listed(&portal.get(&format!("files/{a}?filterType=FilesOnly"))), (vec![], 3, 3));
    let kind = portal.get(&format!("files/{room}?filterType=DocumentsOnly"));
    assert_validation_400(&kind);
}
