//! The emulator's folders inside rooms, as FOLDERS.md records a portal's: create with the title
//! rules and duplicates, listings, recursive counts, delete to the trash, and the refusals.

use crate::common::TestPortal;
use docspace_rooms::docspace::RoomType;
use serde_json::{Value, json};

impl TestPortal {
    fn new_folder(&self, parent: u64, title: &str) -> (u16, Value) {
        self.call(
            "POST",
            &format!("/api/2.0/files/folder/{parent}"),
            Some(json!({ "title": title })),
        )
    }

    fn subfolder_titles(&self, parent: u64) -> Vec<String> {
        let (status, list) = self.call("GET", &format!("/api/2.0/files/{parent}/subfolders"), None);
        assert_eq!(status, 200);
        list.as_array().unwrap().iter().map(|f| f["title"].as_str().unwrap().to_owned()).collect()
    }

    /// Polls `/fileops` until no operation is left.
    fn settle(&self) {
        for _ in 0..20 {
            let (_, ops) = self.call("GET", "/api/2.0/files/fileops", None);
            if ops.as_array().is_none_or(Vec::is_empty) {
                return;
            }
        }
        panic!("operations never finished");
    }
}

#[test]
fn a_folder_is_created_in_a_room_with_the_title_stored_as_a_rooms_and_duplicates_allowed() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let (status, folder) = portal.new_folder(room, "  Legal: 2025 ");
    assert_eq!(status, 200, "{folder}");
    assert_eq!(folder["title"], "Legal_ 2025");
    assert_eq!(folder["parentId"], room);
    assert!(folder.get("type").is_none(), "ordinary folders have no `type`: {folder}");
    let (status, again) = portal.new_folder(room, "Legal: 2025");
    assert_eq!(status, 200);
    assert_ne!(again["id"], folder["id"]);
    assert_eq!(portal.subfolder_titles(room), ["Legal_ 2025", "Legal_ 2025"]);
}

#[test]
fn a_folder_title_over_165_units_or_blank_is_a_400() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    assert_eq!(portal.new_folder(room, &"x".repeat(165)).0, 200);
    assert_eq!(portal.new_folder(room, &"x".repeat(166)).0, 400);
    assert_eq!(portal.new_folder(room, "   ").0, 400);
    assert_eq!(
        portal.call("POST", &format!("/api/2.0/files/folder/{room}"), Some(json!({}))).0,
        400
    );
}

#[test]
fn archived_rooms_ai_rooms_unknown_parents_and_system_folders_refuse_folders_with_403() {
    let portal = TestPortal::start();
    let archived = portal.seed("Old", RoomType::Custom, true, &[]);
    let ai = portal.seed("Agent", RoomType::Ai, false, &[]);
    let forms = portal.seed("Forms", RoomType::FormFilling, false, &[]);
    portal.emulator.add_form_system_folders(forms);
    let complete = portal.emulator.folders(forms)[0].id;
    assert_eq!(portal.new_folder(archived, "A").0, 403);
    assert_eq!(portal.new_folder(ai, "A").0, 403);
    assert_eq!(portal.new_folder(999_999, "A").0, 403);
    assert_eq!(portal.new_folder(complete, "A").0, 403);
    // Ordinary folders are fine in a form-filling room, and the listing shows the system ones
    // with their `type`.
    assert_eq!(portal.new_folder(forms, "Drafts").0, 200);
    let (_, list) = portal.call("GET", &format!("/api/2.0/files/{forms}/subfolders"), None);
    let types: Vec<&Value> = list.as_array().unwrap().iter().map(|f| &f["type"]).collect();
    assert_eq!(types, [&json!(25), &Value::Null, &json!(26)]);
    // Listing an archived room's folders still works.
    assert_eq!(portal.call("GET", &format!("/api/2.0/files/{archived}/subfolders"), None).0, 200);
}

#[test]
fn subfolders_lists_direct_children_and_counts_are_recursive() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::VirtualData, false, &[]);
    let (_, top) = portal.new_folder(room, "2. Financials");
    let top = top["id"].as_u64().unwrap();
    let (_, year) = portal.new_folder(top, "2025");
    let year = year["id"].as_u64().unwrap();
    portal.emulator.add_file(year);
    assert_eq!(portal.subfolder_titles(room), ["2. Financials"]);
    let (status, info) = portal.call("GET", &format!("/api/2.0/files/folder/{top}"), None);
    assert_eq!(status, 200);
    assert_eq!((info["filesCount"].clone(), info["foldersCount"].clone()), (json!(1), json!(1)));
    let (status, content) = portal.call("GET", &format!("/api/2.0/files/{year}?count=1"), None);
    assert_eq!(status, 200);
    assert_eq!(content["total"], 1);
    assert_eq!(portal.call("GET", "/api/2.0/files/folder/987654", None).0, 404);
    assert_eq!(portal.call("GET", "/api/2.0/files/987654/subfolders", None).0, 404);
}

#[test]
fn delete_moves_a_folder_with_its_content_to_the_trash_asynchronously() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let (_, top) = portal.new_folder(room, "Scratch");
    let top = top["id"].as_u64().unwrap();
    let (_, inner) = portal.new_folder(top, "Inner");
    let body = json!({"folderIds": [top], "deleteAfter": false, "immediately": false, "returnSingleOperation": true});
    let (status, ops) = portal.call("PUT", "/api/2.0/files/fileops/delete", Some(body.clone()));
    assert_eq!(status, 200, "{ops}");
    assert_eq!(ops[0]["Operation"], 2, "{ops}");
    portal.settle();
    assert!(portal.subfolder_titles(room).is_empty());
    let trashed: Vec<bool> = portal.emulator.folders(room).iter().map(|f| f.trashed).collect();
    assert_eq!(trashed, [true, true], "{inner}");
    // Gone now: the pre-check answers 404 for the whole request.
    assert_eq!(portal.call("PUT", "/api/2.0/files/fileops/delete", Some(body)).0, 404);
    // A room id is never deleted this way.
    let room_body = json!({"folderIds": [room], "immediately": false});
    assert_eq!(portal.call("PUT", "/api/2.0/files/fileops/delete", Some(room_body)).0, 403);
}

#[test]
fn folders_of_an_archived_room_cannot_be_deleted() {
    let portal = TestPortal::start();
    let room = portal.seed("Old", RoomType::Custom, true, &[]);
    let folder = portal.emulator.seed_folder(room, room, "Kept");
    let body = json!({"folderIds": [folder], "immediately": false});
    assert_eq!(portal.call("PUT", "/api/2.0/files/fileops/delete", Some(body)).0, 403);
}

#[test]
fn delete_folder_answers_every_delete_operation_the_caller_holds() {
    let portal = TestPortal::start();
    let room = portal.seed("Deals", RoomType::Custom, false, &[]);
    let first = portal.emulator.seed_folder(room, room, "One");
    let second = portal.emulator.seed_folder(room, room, "Two");
    let body = json!({"deleteAfter": false, "immediately": false});
    let (status, ops) =
        portal.call("DELETE", &format!("/api/2.0/files/folder/{first}"), Some(body.clone()));
    assert_eq!((status, ops.as_array().unwrap().len()), (200, 1), "{ops}");
    let (status, ops) =
        portal.call("DELETE", &format!("/api/2.0/files/folder/{second}"), Some(body.clone()));
    assert_eq!((status, ops.as_array().unwrap().len()), (200, 2), "not only this one: {ops}");
    portal.settle();
    assert!(portal.emulator.folders(room).iter().all(|f| f.trashed));
    assert_eq!(portal.call("DELETE", &format!("/api/2.0/files/folder/{first}"), Some(body)).0, 404);
}
