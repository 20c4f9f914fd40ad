//! The emulator's folders inside rooms, as FOLDERS.md records a portal's: create with the title
//! rules and duplicates, listings, recursive counts, delete to the trash, and the refusals.

use crate::common::{Reply, TestPortal};
use docspace_rooms::docspace::RoomType;
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
    let content = portal.get(&format!("files/{year}?count=1"));
    assert_eq!(content.status, 200);
    assert_eq!(content.response()["total"], 1);
    assert_eq!(portal.get("files/folder/987654").status, 404);
    assert_eq!(portal.get("files/987654/subfolders").status, 404);
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
    // Gone now: the pre-check answers 404 for the whole request.
    assert_eq!(portal.put("files/fileops/delete", body).status, 404);
    // A room id is never deleted this way.
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
    portal.settle();
    assert!(portal.emulator.folders(room).iter().all(|f| f.trashed));
    assert_eq!(portal.delete(&format!("files/folder/{first}"), body).status, 404);
}
