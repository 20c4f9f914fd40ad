//! The emulator's folders inside rooms, as FOLDERS.md records a portal's: create with the title
//! rules and duplicates, listings, recursive counts, delete to the trash, and the refusals. The
//! Trash and the delete operation follow the server source (v3.7.2; paths under
//! `products/ASC.Files/`), cited per test.

use crate::common::{Auth, Reply, TestPortal};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::PersonSeed;
use serde_json::{Value, json};

impl TestPortal {
    fn new_folder(&self, parent: u64, title: &str) -> Reply {
        self.post(&format!("files/folder/{parent}"), json!({ "title": title }))
    }

    fn subfolder_titles(&self, parent: u64) -> Vec<String> {
        let list = self.get(&format!("files/{parent}/subfolders"));
        assert_eq!(list.status, 200, "{}", list.text);
        list.response()
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["title"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[test]
fn a_folder_is_created_in_a_room_with_the_title_stored_as_a_rooms_and_duplicates_allowed() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let reply = portal.new_folder(room, "  Legal: 2025 ");
    assert_eq!(reply.status, 200, "{}", reply.text);
    let folder = reply.response();
    assert_eq!(folder["title"], "Legal_ 2025");
    assert_eq!(folder["parentId"], room);
    assert!(folder.get("type").is_none(), "ordinary folders have no `type`: {folder}");
    let again = portal.new_folder(room, "Legal: 2025");
    assert_eq!(again.status, 200);
    assert_ne!(again.response()["id"], folder["id"]);
    assert_eq!(portal.subfolder_titles(room), ["Legal_ 2025", "Legal_ 2025"]);
}

#[test]
fn a_folder_title_over_165_units_or_blank_is_a_400() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    assert_eq!(portal.new_folder(room, &"x".repeat(165)).status, 200);
    assert_eq!(portal.new_folder(room, &"x".repeat(166)).status, 400);
    assert_eq!(portal.new_folder(room, "   ").status, 400);
    assert_eq!(portal.post(&format!("files/folder/{room}"), json!({})).status, 400);
}

#[test]
fn archived_rooms_ai_rooms_unknown_parents_and_system_folders_refuse_folders_with_403() {
    let portal = TestPortal::start();
    let archived = portal.seed("Old", RoomType::Custom, true, &[]);
    let ai = portal.seed("Agent", RoomType::Ai, false, &[]);
    let forms = portal.seed("Forms", RoomType::FormFilling, false, &[]);
    portal.emulator.add_form_system_folders(forms);
    let complete = portal.emulator.folders(forms)[0].id;
    assert_eq!(portal.new_folder(archived, "A").status, 403);
    assert_eq!(portal.new_folder(ai, "A").status, 403);
    assert_eq!(portal.new_folder(999_999, "A").status, 403);
    assert_eq!(portal.new_folder(complete, "A").status, 403);
    // Ordinary folders are fine in a form-filling room, and the listing shows the system ones
    // with their `type`.
    assert_eq!(portal.new_folder(forms, "Drafts").status, 200);
    let list = portal.get(&format!("files/{forms}/subfolders"));
    let types: Vec<&Value> =
        list.response().as_array().unwrap().iter().map(|f| &f["type"]).collect();
    assert_eq!(types, [&json!(25), &Value::Null, &json!(26)]);
    // Listing an archived room's folders still works.
    assert_eq!(portal.get(&format!("files/{archived}/subfolders")).status, 200);
}

#[test]
fn subfolders_lists_direct_children_and_counts_are_recursive() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::VirtualData, false, &[]);
    let top = portal.new_folder(room, "2. Financials").response()["id"].as_u64().unwrap();
    let year = portal.new_folder(top, "2025").response()["id"].as_u64().unwrap();
    portal.emulator.add_file(year);
    assert_eq!(portal.subfolder_titles(room), ["2. Financials"]);
    let info = portal.get(&format!("files/folder/{top}"));
    assert_eq!(info.status, 200);
    let info = info.response();
    assert_eq!((info["filesCount"].clone(), info["foldersCount"].clone()), (json!(1), json!(1)));
    // A room's counters are recursive too (`FolderDto.cs` L640-644), in its read and its listing.
    let read = portal.room(room);
    let listed = portal.get("files/rooms");
    for shown in [read.response(), &listed.response()["folders"][0]] {
        assert_eq!(
            (shown["filesCount"].clone(), shown["foldersCount"].clone()),
            (json!(1), json!(2)),
            "{shown}"
        );
    }
    let content = portal.get(&format!("files/{year}?count=1"));
    assert_eq!(content.status, 200);
    assert_eq!(content.response()["total"], 1);
    assert_eq!(portal.get("files/folder/987654").status, 404);
    assert_eq!(portal.get("files/987654/subfolders").status, 404);
}

/// A room is a folder to `GET files/folder/{id}`: 200 with the room's `FolderDto`, the same as
/// `GET files/rooms/{id}` answers (server `FoldersController.cs` L292-299,
/// `VirtualRoomsController.cs` L327-333: both `GetFolderAsync`, then `FolderDtoHelper.GetAsync`).
#[test]
fn a_room_read_as_a_folder_is_the_room_s_folder_dto() {
    let portal = TestPortal::start();
    let active = portal.seed("Deals", RoomType::VirtualData, false, &["q1"]);
    let archived = portal.seed("Old", RoomType::Custom, true, &[]);
    for room in [active, archived] {
        let info = portal.get(&format!("files/folder/{room}"));
        assert_eq!(info.status, 200, "{}", info.text);
        assert_eq!(info.response(), portal.room(room).response());
    }
    assert_eq!(portal.get(&format!("files/folder/{active}")).response()["title"], "Deals");
}

#[test]
fn delete_moves_a_folder_with_its_content_to_the_trash_asynchronously() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let top = portal.new_folder(room, "Scratch").response()["id"].as_u64().unwrap();
    let inner = portal.new_folder(top, "Inner").text;
    let body = json!({"folderIds": [top], "deleteAfter": false, "immediately": false, "returnSingleOperation": true});
    let ops = portal.put("files/fileops/delete", body.clone());
    assert_eq!(ops.status, 200, "{}", ops.text);
    assert_eq!(ops.response()[0]["Operation"], 2, "{}", ops.text);
    portal.settle();
    assert!(portal.subfolder_titles(room).is_empty());
    let trashed: Vec<bool> = portal.emulator.folders(room).iter().map(|f| f.trashed).collect();
    assert_eq!(trashed, [true, true], "{inner}");
    // An unknown id fails the whole request in the pre-check, before anything starts.
    let unknown = json!({"folderIds": [top, 987_654], "immediately": false});
    assert_eq!(portal.put("files/fileops/delete", unknown).status, 404);
    assert!(portal.fileops().is_empty(), "nothing started");
    // A room id is not moved to the trash this way.
    let room_body = json!({"folderIds": [room], "immediately": false});
    assert_eq!(portal.put("files/fileops/delete", room_body).status, 403);
}

#[test]
fn folders_of_an_archived_room_cannot_be_deleted() {
    let portal = TestPortal::start();
    let room = portal.seed("Old", RoomType::Custom, true, &[]);
    let folder = portal.emulator.seed_folder(room, room, "Kept");
    let body = json!({"folderIds": [folder], "immediately": false});
    assert_eq!(portal.put("files/fileops/delete", body).status, 403);
}

#[test]
fn delete_folder_answers_every_delete_operation_the_caller_holds() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let first = portal.emulator.seed_folder(room, room, "One");
    let second = portal.emulator.seed_folder(room, room, "Two");
    let body = json!({"deleteAfter": false, "immediately": false});
    let ops = portal.delete(&format!("files/folder/{first}"), body.clone());
    assert_eq!((ops.status, ops.response().as_array().unwrap().len()), (200, 1), "{}", ops.text);
    let ops = portal.delete(&format!("files/folder/{second}"), body.clone());
    let listed = ops.response().as_array().unwrap().len();
    assert_eq!((ops.status, listed), (200, 2), "not only this one: {}", ops.text);
    // That answer was a read: it reported the first one finished and dequeued it (FOM L61-100).
    assert_eq!(ops.response()[0]["finished"], true, "{}", ops.text);
    let left: Vec<Value> = portal.fileops().iter().map(|op| op["id"].clone()).collect();
    assert_eq!(left, [ops.response()[1]["id"].clone()]);
    assert!(portal.emulator.folders(room).iter().all(|f| f.trashed));
}

impl TestPortal {
    /// Moves `ids` to the trash with one request and waits for the operation.
    fn trash(&self, ids: &[u64]) {
        let body = json!({"folderIds": ids, "immediately": false, "returnSingleOperation": true});
        let reply = self.put("files/fileops/delete", body);
        assert_eq!(reply.status, 200, "{}", reply.text);
        self.settle();
    }
}

/// `FolderDao.cs` L959-1011 (the folder moves into the caller's Trash, subtree intact),
/// `FileStorageService.cs` L167-201 with `FileSecurity.cs` L1471-1481 (its owner reads it:
/// `rootFolderType` 3), L347-350 (but may not list its content).
#[test]
fn a_folder_in_the_trash_reads_200_with_root_type_3_and_the_callers_trash_as_parent() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let top = portal.emulator.seed_folder(room, room, "Scratch");
    let inner = portal.emulator.seed_folder(room, top, "Inner");
    let kept = portal.emulator.seed_folder(room, room, "Kept");
    portal.trash(&[top]);

    let read = portal.get(&format!("files/folder/{top}"));
    assert_eq!(read.status, 200, "{}", read.text);
    let folder = read.response();
    assert_eq!(folder["rootFolderType"], 3);
    let trash = folder["parentId"].as_u64().unwrap();
    assert!(![room, top, kept].contains(&trash), "the Trash, not the room: {folder}");
    assert_eq!(folder["rootFolderId"], trash);
    assert!(folder.get("isFolder").is_none(), "not a `FolderDto` field: {folder}");
    let nested = portal.get(&format!("files/folder/{inner}"));
    assert_eq!(nested.status, 200);
    assert_eq!(
        (nested.response()["rootFolderType"].clone(), nested.response()["parentId"].clone()),
        (json!(3), json!(top))
    );
    let subfolders = portal.get(&format!("files/{top}/subfolders"));
    assert_eq!(subfolders.response()[0]["id"], inner, "the subtree went with it");

    let content = portal.get(&format!("files/{top}"));
    assert_eq!(content.status, 403);
    assert_eq!(content.error_message(), "You are not allowed to preview the elements in the Trash");
    let create = portal.post(&format!("files/folder/{top}"), json!({"title": "New"}));
    assert_eq!(create.status, 403, "nothing is created in the Trash");
    let listed = portal.get(&format!("files/{room}/subfolders"));
    assert_eq!(listed.response().as_array().unwrap().len(), 1, "only `Kept`: {}", listed.text);
    assert_eq!(portal.room(room).response()["foldersCount"], 1);
}

/// `FileSecurity.cs` L1471-1481: in the Trash only its owner may read or delete, admins
/// included (`FileStorageService.cs` L178-184 for the read, `DeletePermissionsCheck.cs` L140-144
/// for the delete).
#[test]
fn someone_elses_trash_is_neither_readable_nor_deletable_even_by_an_admin() {
    let portal = TestPortal::start();
    portal
        .emulator
        .add_person(PersonSeed { is_admin: true, ..PersonSeed::new("ann@example.com", "Ann Lee") });
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let folder = portal.emulator.seed_folder(room, room, "Scratch");
    portal.trash(&[folder]);
    let ann = portal.login("ann@example.com");
    let auth = format!("Bearer {ann}");
    let read = portal.call("GET", &format!("files/folder/{folder}"), Auth::Header(&auth), None);
    assert_eq!(read.status, 403);
    assert_eq!(read.error_message(), "You don't have enough permission to view the folder content");
    let body = json!({"folderIds": [folder], "immediately": false});
    let delete = portal.call("PUT", "files/fileops/delete", Auth::Header(&auth), Some(body));
    assert_eq!((delete.status, delete.error_message()), (403, "Access denied"));
    assert!(portal.emulator.folders(room)[0].trashed, "still in the owner's Trash");
}

/// `FileDeleteOperation.cs` L281 with `FolderDao.UseTrashForRemoveAsync` (L1377-1380): a
/// folder in the Trash is deleted for good, whatever `immediately` says; the pre-check passes
/// (`FileSecurity.cs` L1471-1481), so the request is a 200.
#[test]
fn deleting_a_folder_already_in_the_trash_erases_it_for_good() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let top = portal.emulator.seed_folder(room, room, "Scratch");
    portal.emulator.seed_folder(room, top, "Inner");
    portal.trash(&[top]);
    let again = json!({"folderIds": [top], "immediately": false, "returnSingleOperation": true});
    let reply = portal.put("files/fileops/delete", again);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(portal.emulator.folders(room).len(), 2, "only when the operation runs");
    portal.settle();
    assert!(portal.emulator.folders(room).is_empty(), "erased with its subtree");
    assert_eq!(portal.get(&format!("files/folder/{top}")).status, 404);
    // The same through `DELETE /files/folder/{id}` (`FoldersController.cs` L229-238).
    let other = portal.emulator.seed_folder(room, room, "Other");
    portal.trash(&[other]);
    let body = json!({"deleteAfter": false, "immediately": false});
    assert_eq!(portal.delete(&format!("files/folder/{other}"), body).status, 200);
    portal.settle();
    assert!(portal.emulator.folders(room).is_empty());
}

/// `FileOperationsManager.cs` L603-637: one operation for every id of the request.
#[test]
fn one_delete_request_is_one_operation_for_all_its_ids() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let a = portal.emulator.seed_folder(room, room, "A");
    let b = portal.emulator.seed_folder(room, room, "B");
    let body = json!({"folderIds": [a, b.to_string()], "immediately": false, "returnSingleOperation": true});
    let reply = portal.put("files/fileops/delete", body);
    assert_eq!(reply.response().as_array().unwrap().len(), 1, "{}", reply.text);
    let ops = portal.fileops();
    assert_eq!(ops.len(), 1);
    assert_eq!(
        (ops[0]["id"].clone(), ops[0]["finished"].clone()),
        (reply.response()[0]["id"].clone(), json!(true))
    );
    assert!(portal.emulator.folders(room).iter().all(|f| f.trashed));
}

/// `OperationController.cs` L105-114: with `returnSingleOperation` the answer is the new
/// operation alone; without it, every delete operation of the caller (a room's delete too, not
/// an archive), read as `/fileops` reads them (FOM L61-100); with no ids nothing starts and all
/// of them are listed either way.
#[test]
fn return_single_operation_picks_the_new_operation_else_every_delete_of_the_caller() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let old = portal.seed("Old", RoomType::Custom, true, &[]);
    let other = portal.seed("Other", RoomType::Custom, false, &[]);
    let a = portal.emulator.seed_folder(room, room, "A");
    let b = portal.emulator.seed_folder(room, room, "B");
    let archive =
        portal.put(&format!("files/rooms/{other}/archive"), json!({"deleteAfter": false}));
    let removal = portal.delete(&format!("files/rooms/{old}"), json!({"deleteAfter": false}));
    let single = json!({"folderIds": [a], "immediately": false, "returnSingleOperation": true});
    let first = portal.put("files/fileops/delete", single);
    assert_eq!(first.response().as_array().unwrap().len(), 1);
    let none =
        portal.put("files/fileops/delete", json!({"folderIds": [], "returnSingleOperation": true}));
    let listed: Vec<Value> =
        none.response().as_array().unwrap().iter().map(|op| op["id"].clone()).collect();
    assert_eq!(
        listed,
        [removal.response()["id"].clone(), first.response()[0]["id"].clone()],
        "{}",
        none.text
    );
    // That read finished both and dequeued them: the next answer lists only the new one.
    let all = json!({"folderIds": [b], "immediately": false, "returnSingleOperation": false});
    let second = portal.put("files/fileops/delete", all);
    let ops = second.response().as_array().unwrap();
    assert_eq!(ops.len(), 1, "{}", second.text);
    assert_eq!(ops[0]["finished"], false);
    let fileops: Vec<Value> = portal.fileops().iter().map(|op| op["id"].clone()).collect();
    assert_eq!(fileops, [archive.response()["id"].clone(), ops[0]["id"].clone()]);
}

/// `DeletePermissionsCheck.cs` L132-142 and `FileDeleteOperation.cs` L281-343: a room id is
/// refused without `immediately` and deleted with it.
#[test]
fn a_room_is_deleted_through_fileops_only_with_immediately() {
    let portal = TestPortal::start();
    let room = portal.seed("Old", RoomType::Custom, true, &[]);
    let moved =
        portal.put("files/fileops/delete", json!({"folderIds": [room], "immediately": false}));
    assert_eq!((moved.status, moved.error_message()), (403, "Access denied"));
    let deleted =
        portal.put("files/fileops/delete", json!({"folderIds": [room], "immediately": true}));
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    portal.settle();
    assert!(portal.emulator.rooms().is_empty());
}

/// `FoldersController.RenameFolder` → `FileStorageService.FolderRenameAsync` (L1446-1481): the
/// title is checked and stored as on create; a folder in an archived room, in the Trash, or
/// unknown is refused, and a rename is answered at once with the folder.
#[test]
fn a_folder_is_renamed_at_once_except_in_an_archived_room_or_the_trash() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let folder = portal.emulator.seed_folder(room, room, "Draft");
    let renamed = portal.put(&format!("files/folder/{folder}"), json!({"title": " Final: 2 "}));
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.response()["title"], "Final_ 2");
    assert_eq!(portal.subfolder_titles(room), ["Final_ 2"]);
    let long = json!({"title": "x".repeat(166)});
    assert_eq!(portal.put(&format!("files/folder/{folder}"), long).status, 400);
    assert_eq!(portal.put("files/folder/987654", json!({"title": "X"})).status, 404);

    let archived = portal.seed("Old", RoomType::Custom, true, &[]);
    let inside = portal.emulator.seed_folder(archived, archived, "Kept");
    let refused = portal.put(&format!("files/folder/{inside}"), json!({"title": "X"}));
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.error_message(), "You don't have enough permission to rename the folder");
    portal.trash(&[folder]);
    assert_eq!(portal.put(&format!("files/folder/{folder}"), json!({"title": "X"})).status, 403);
}
