//! A room's shape and its lifecycle short of operations: create, read, update and its tags.

use super::*;

// ---------------------------------------------------------------------------------------------
// Shapes

#[test]
fn room_json_matches_the_folder_dto_integer_schema() {
    let portal = TestPortal::start();
    let room = portal.create("Schema", json!(2));
    check_schema("FolderDtoInteger", &room);
    let id = id_of(&room);
    check_schema("FolderDtoInteger", portal.room(id).response());
    portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false}));
    portal.settle();
    check_schema("FolderDtoInteger", portal.room(id).response());
}

#[test]
fn room_list_matches_folder_content_dto_with_total_inside_the_response() {
    let portal = TestPortal::start();
    portal.emulator.seed_room("A", RoomType::Custom, false, &["t"]);
    let reply = portal.get("files/rooms");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["count"], 1, "the envelope count is 1");
    assert!(reply.json.get("total").is_none(), "no total in the envelope");
    assert_eq!(reply.json["status"], 0);
    assert_eq!(reply.json["statusCode"], 200);
    assert_eq!(
        reply.json["links"],
        json!([{"href": portal.api.url("files/rooms"), "action": "GET"}])
    );
    let content = reply.response();
    check_schema("FolderContentDtoInteger", content);
    assert_eq!(content["total"], 1);
    assert_eq!(content["count"], 1);
    assert_eq!(content["startIndex"], 0);
    assert_eq!(content["files"], json!([]));
    assert_eq!(content["current"]["rootFolderType"], 14);
    check_schema("FolderDtoInteger", &content["current"]);
    for folder in content["folders"].as_array().unwrap() {
        check_schema("FolderDtoInteger", folder);
    }
}

#[test]
fn operation_json_matches_file_operation_dto_with_a_capital_operation() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Op", RoomType::Custom, false, &[]);
    let started = portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false}));
    check_schema("FileOperationDto", started.response());
    assert_eq!(started.response()["Operation"], 0);
    assert!(started.response().get("operation").is_none());
    let deleting = portal.delete(&format!("files/rooms/{id}"), json!({"deleteAfter": false}));
    assert_eq!(deleting.response()["Operation"], 2);
    for op in portal.fileops() {
        check_schema("FileOperationDto", &op);
        assert!(op["id"].is_string());
        assert!(op["processed"].is_string());
    }
}

#[test]
fn dates_are_strings_in_the_portal_format() {
    let portal = TestPortal::start();
    let room = portal.create("Dates", json!(5));
    for field in ["created", "updated"] {
        let date = room[field].as_str().unwrap();
        let bytes = date.as_bytes();
        assert_eq!(date.len(), "2025-03-06T11:31:16.0000000+00:00".len(), "{date}");
        assert!(date.ends_with(".0000000+00:00"), "{date}");
        assert_eq!(
            (bytes[4], bytes[7], bytes[10], bytes[13], bytes[16]),
            (b'-', b'-', b'T', b':', b':'),
            "{date}"
        );
    }
    assert!(room["createdBy"]["id"].is_string());
}

#[test]
fn error_envelope_has_status_status_code_and_error_details() {
    let portal = TestPortal::start();
    let reply = portal.get("files/rooms/999999");
    assert_error(&reply, 404, "The required folder was not found");
    assert_eq!(reply.json["error"]["type"], "ASC.Common.Web.ItemNotFoundException");
    assert!(reply.json["error"]["stack"].is_string());
    assert!(reply.json["error"]["hresult"].is_i64());
}

// ---------------------------------------------------------------------------------------------
// Create

#[test]
fn create_answers_200_with_the_room_in_the_rooms_folder() {
    let portal = TestPortal::start();
    let room = portal.create("Marketing", json!(2));
    assert_eq!(room["title"], "Marketing");
    assert_eq!(room["roomType"], 2);
    assert_eq!(room["rootFolderType"], 14);
    assert_eq!(room["parentId"], 1000);
    assert_eq!(room["id"], 1002);
    assert_eq!(room["tags"], json!([]));
    for flag in ["private", "indexing", "denyDownload", "pinned"] {
        assert_eq!(room[flag], false, "{flag}");
    }
    let again = portal.room(1002);
    assert_eq!(again.response()["title"], "Marketing");
}

#[test]
fn room_type_is_accepted_by_name_or_number_and_answered_as_a_number() {
    let portal = TestPortal::start();
    let cases = [
        (json!("EditingRoom"), 2),
        (json!("CustomRoom"), 5),
        (json!(6), 6),
        (json!("FillingFormsRoom"), 1),
        (json!(8), 8),
    ];
    for (given, expected) in cases {
        assert_eq!(portal.create("Typed", given)["roomType"], expected);
    }
}

#[test]
fn create_without_a_title_or_with_a_blank_one_is_400() {
    let portal = TestPortal::start();
    assert_validation_400(&portal.post("files/rooms", json!({"roomType": 2})));
    for title in [json!(null), json!(""), json!("   ")] {
        let reply = portal.post("files/rooms", json!({"title": title, "roomType": 2}));
        assert_eq!(reply.status, 400, "{title}: {}", reply.text);
        assert_eq!(reply.json["status"], 1);
    }
    assert!(portal.emulator.rooms().is_empty());
}

#[test]
fn create_without_a_room_type_or_with_an_unknown_one_is_400() {
    let portal = TestPortal::start();
    assert_validation_400(&portal.post("files/rooms", json!({"title": "x"})));
    assert_validation_400(&portal.post("files/rooms", json!({"title": "x", "roomType": null})));
    assert_validation_400(
        &portal.post("files/rooms", json!({"title": "x", "roomType": "ReviewRoom"})),
    );
    for unknown in [json!(3), json!(99999), json!(0)] {
        let reply = portal.post("files/rooms", json!({"title": "x", "roomType": unknown}));
        assert_eq!(reply.status, 400, "{unknown}");
        assert!(reply.error_message().contains("roomType"), "{}", reply.text);
    }
    assert!(portal.emulator.rooms().is_empty());
}

#[test]
fn title_over_170_units_is_400_and_never_cut() {
    let portal = TestPortal::start();
    assert_validation_400(
        &portal.post("files/rooms", json!({"title": "T".repeat(171), "roomType": 2})),
    );
    assert_validation_400(
        &portal.post("files/rooms", json!({"title": "T".repeat(1000), "roomType": 2})),
    );
    // 85 emoji are 170 UTF-16 units; 86 are 172.
    assert_validation_400(
        &portal.post("files/rooms", json!({"title": "🎉".repeat(86), "roomType": 2})),
    );
    let room = portal.create(&"L".repeat(170), json!(2));
    let id = id_of(&room);
    assert_validation_400(
        &portal.put(&format!("files/rooms/{id}"), json!({"title": "M".repeat(171)})),
    );
    assert_eq!(portal.room(id).response()["title"], "L".repeat(170));
    let renamed = portal.put(&format!("files/rooms/{id}"), json!({"title": "M".repeat(170)}));
    assert_eq!(renamed.response()["title"], "M".repeat(170));
}

#[test]
fn title_is_normalised_on_save() {
    let portal = TestPortal::start();
    let cases = [
        ("Party 🎉 Time", "Party __ Time"),
        ("Room \"with\" \\slashes & <html> tags", "Room _with_ _slashes & _html_ tags"),
        ("Room 🎉 测试 ファイル", "Room __ 测试 ファイル"),
        ("<script>alert(\"xss\")</script>", "_script_alert(_xss_)__script_"),
        ("'; DROP TABLE rooms; --", "'; DROP TABLE rooms; --"),
        ("R&D: Q1/Q2 + plans", "R&D_ Q1_Q2 _ plans"),
        ("  a*b?c|d\te  ", "a_b_c_d_e"),
    ];
    for (given, stored) in cases {
        let room = portal.create(given, json!(5));
        assert_eq!(room["title"], stored, "create {given:?}");
        assert_eq!(portal.room(id_of(&room)).response()["title"], stored);
    }
    let id = portal.emulator.seed_room("Plain", RoomType::Custom, false, &[]);
    for (given, stored) in [
        ("Room \"Test\"", "Room _Test_"),
        ("Room <Test>", "Room _Test_"),
        ("Room / Test", "Room _ Test"),
        ("Room \\ Test", "Room _ Test"),
    ] {
        let reply = portal.put(&format!("files/rooms/{id}"), json!({"title": given}));
        assert_eq!(reply.response()["title"], stored, "rename {given:?}");
    }
}

#[test]
fn duplicate_titles_are_allowed() {
    let portal = TestPortal::start();
    let a = portal.create("Same", json!(2));
    let b = portal.create("Same", json!(2));
    assert_ne!(a["id"], b["id"]);
    let other = portal.create("Other", json!(2));
    let renamed = portal.put(&format!("files/rooms/{}", id_of(&other)), json!({"title": "Same"}));
    assert_eq!(renamed.status, 200);
    assert_eq!(portal.titles("filterValue=Same"), ["Same", "Same", "Same"]);
}

#[test]
fn tag_over_255_characters_is_400() {
    let portal = TestPortal::start();
    let long = "t".repeat(256);
    let reply = portal.post("files/rooms", json!({"title": "x", "roomType": 2, "tags": [long]}));
    assert_eq!(reply.status, 400);
    assert!(portal.emulator.rooms().is_empty());
    let id = portal.emulator.seed_room("Tagged", RoomType::Custom, false, &[]);
    assert_eq!(
        portal.put(&format!("files/rooms/{id}"), json!({"tags": ["t".repeat(300)]})).status,
        400
    );
    assert_eq!(
        portal.put(&format!("files/rooms/{id}/tags"), json!({"names": ["t".repeat(300)]})).status,
        400
    );
    assert_eq!(portal.room(id).response()["tags"], json!([]));
    let ok = portal.put(&format!("files/rooms/{id}/tags"), json!({"names": ["t".repeat(255)]}));
    assert_eq!(ok.status, 200);
}

#[test]
fn tags_are_stored_verbatim_and_deduplicated() {
    let portal = TestPortal::start();
    let reply = portal.post(
        "files/rooms",
        json!({"title": "x", "roomType": 2, "tags": ["Bad<>/\"\\", "x", "x", "x", "  Padded  "]}),
    );
    assert_eq!(reply.response()["tags"], json!(["Bad<>/\"\\", "x", "  Padded  "]));
    let none = portal.post("files/rooms", json!({"title": "y", "roomType": 2, "tags": null}));
    assert_eq!(none.response()["tags"], json!([]));
}

#[test]
fn tag_catalog_is_case_insensitive_and_keeps_the_first_spelling() {
    let portal = TestPortal::start();
    let first =
        portal.post("files/rooms", json!({"title": "a", "roomType": 2, "tags": ["CaseTag"]}));
    assert_eq!(first.response()["tags"], json!(["CaseTag"]));
    let second = portal
        .post("files/rooms", json!({"title": "b", "roomType": 2, "tags": ["casetag", "CASETAG"]}));
    assert_eq!(second.response()["tags"], json!(["CaseTag"]));
    assert_eq!(portal.emulator.tags(), ["CaseTag"]);
}

// ---------------------------------------------------------------------------------------------
// Read

#[test]
fn get_of_an_unknown_room_is_404_even_without_a_token() {
    let portal = TestPortal::start();
    for id in ["999999", "0", "-1"] {
        assert_error(
            &portal.get(&format!("files/rooms/{id}")),
            404,
            "The required folder was not found",
        );
    }
    let anonymous = portal.call("GET", "files/rooms/999999", Auth::Anonymous, None);
    assert_error(&anonymous, 404, "The required folder was not found");
}

#[test]
fn get_of_an_existing_room_without_a_token_is_401_with_a_json_envelope() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Private", RoomType::Custom, false, &[]);
    let reply = portal.call("GET", &format!("files/rooms/{id}"), Auth::Anonymous, None);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json["statusCode"], 401);
    assert_eq!(reply.json["error"]["type"], Value::Null);
    assert_eq!(reply.json["error"]["stack"], Value::Null);
    assert_eq!(reply.json["error"]["hresult"], 0);
}

// ---------------------------------------------------------------------------------------------
// Update

#[test]
fn update_renames_and_answers_the_room() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Old", RoomType::Custom, false, &["keep"]);
    let reply =
        portal.put(&format!("files/rooms/{id}"), json!({"title": "New", "unknownField": 1}));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()["id"], id);
    assert_eq!(reply.response()["title"], "New");
    assert_eq!(reply.response()["tags"], json!(["keep"]), "a partial update keeps the tags");
    check_schema("FolderDtoInteger", reply.response());
}

#[test]
fn update_with_an_empty_or_blank_title_is_a_200_no_op() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Stays", RoomType::Custom, false, &[]);
    for body in [json!({"title": ""}), json!({"title": "   "}), json!({"title": null}), json!({})] {
        let reply = portal.put(&format!("files/rooms/{id}"), body.clone());
        assert_eq!(reply.status, 200, "{body}");
        assert_eq!(reply.response()["title"], "Stays");
    }
}

#[test]
fn update_of_a_missing_room_is_403() {
    let portal = TestPortal::start();
    for id in ["999999", "0", "-1"] {
        assert_error(
            &portal.put(&format!("files/rooms/{id}"), json!({"title": "x"})),
            403,
            "The required folder was not found",
        );
    }
}

#[test]
fn update_of_an_archived_room_is_403() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Frozen", RoomType::Custom, true, &[]);
    let reply = portal.put(&format!("files/rooms/{id}"), json!({"title": "x"}));
    assert_error(&reply, 403, "You don't have permission to edit the room");
    assert_eq!(reply.json["error"]["type"], "System.InvalidOperationException");
    assert_eq!(portal.emulator.rooms()[0].title, "Frozen");
}

#[test]
fn update_tags_replace_the_set_and_an_empty_list_clears_it() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Tags", RoomType::Custom, false, &[]);
    let path = format!("files/rooms/{id}");
    let steps = [
        (json!(["AutotestTagA"]), json!(["AutotestTagA"])),
        (json!(["B", "C"]), json!(["B", "C"])),
        (json!(["D"]), json!(["D"])),
        (json!([]), json!([])),
        (json!(["Dup", "Dup"]), json!(["Dup"])),
    ];
    for (given, expected) in steps {
        assert_eq!(portal.put(&path, json!({"tags": given})).response()["tags"], expected);
    }
    assert_eq!(portal.put(&path, json!({"title": "Renamed"})).response()["tags"], json!(["Dup"]));
}

#[test]
fn put_and_delete_without_a_json_body_are_400() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Body", RoomType::Custom, false, &[]);
    for (method, path) in [
        ("PUT", format!("files/rooms/{id}")),
        ("PUT", format!("files/rooms/{id}/archive")),
        ("PUT", format!("files/rooms/{id}/unarchive")),
        ("DELETE", format!("files/rooms/{id}")),
        ("PUT", format!("files/rooms/{id}/tags")),
        ("DELETE", format!("files/rooms/{id}/tags")),
        ("PUT", format!("files/rooms/{id}/share")),
    ] {
        let reply = portal.raw(method, &path, Auth::Owner, None, Some("application/json"));
        assert_validation_400(&reply);
        let reply = portal.raw(method, &path, Auth::Owner, None, None);
        assert_validation_400(&reply);
    }
    assert_eq!(portal.emulator.rooms().len(), 1);
}

#[test]
fn wrong_json_types_are_400_and_change_nothing() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Typed", RoomType::Custom, false, &[]);
    for body in [
        json!({"title": 123}),
        json!({"tags": "notarray"}),
        json!({"color": 123}),
        json!({"denyDownload": "yes"}),
        json!({"indexing": "no"}),
        json!({"tags": [null]}),
        json!({"color": "#FF5733"}),
    ] {
        assert_validation_400(&portal.put(&format!("files/rooms/{id}"), body));
    }
    let malformed = portal.raw(
        "PUT",
        &format!("files/rooms/{id}"),
        Auth::Owner,
        Some("{not json"),
        Some("application/json"),
    );
    assert_validation_400(&malformed);
    let room = &portal.emulator.rooms()[0];
    assert_eq!((room.title.as_str(), room.tags.len()), ("Typed", 0));
}

// ---------------------------------------------------------------------------------------------
// Room tags

#[test]
fn put_tags_adds_tags_and_empty_names_change_nothing_and_missing_names_are_400() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("T", RoomType::Custom, false, &["A"]);
    let path = format!("files/rooms/{id}/tags");
    let reply = portal.put(&path, json!({"names": ["B", "b", "A"]}));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()["tags"], json!(["A", "B"]));
    check_schema("FolderDtoInteger", reply.response());
    assert_eq!(portal.put(&path, json!({"names": []})).response()["tags"], json!(["A", "B"]));
    assert_validation_400(&portal.put(&path, json!({})));
    assert_validation_400(&portal.put(&path, json!({"names": null})));
    assert_validation_400(&portal.put(&path, json!({"names": "A"})));
}

#[test]
fn delete_tags_removes_case_insensitively_and_skips_unknown_names() {
    let portal = TestPortal::start();
    let id =
        portal.emulator.seed_room("T", RoomType::Custom, false, &["TagA", "TagB", "TagC", "QA"]);
    let path = format!("files/rooms/{id}/tags");
    let reply =
        portal.delete(&path, json!({"names": ["taga", "TagB", "TagB", "never-seen", "", "   "]}));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()["tags"], json!(["TagC", "QA"]));
    assert_eq!(
        portal.delete(&path, json!({"names": ["qa", "TAGC"]})).response()["tags"],
        json!([])
    );
    assert!(
        !portal.emulator.tags().contains(&"never-seen".to_string()),
        "detaching never creates catalog entries"
    );
    assert_validation_400(&portal.delete(&path, json!({"name": ["x"]})));
}

#[test]
fn room_tags_on_an_archived_room_are_403_and_on_an_unknown_room_404() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Archived", RoomType::Custom, true, &["x"]);
    assert_error(
        &portal.put(&format!("files/rooms/{id}/tags"), json!({"names": ["y"]})),
        403,
        "Access denied",
    );
    assert_error(
        &portal.delete(&format!("files/rooms/{id}/tags"), json!({"names": ["x"]})),
        403,
        "Access denied",
    );
    assert_eq!(portal.put("files/rooms/999999/tags", json!({"names": ["y"]})).status, 404);
    assert_eq!(portal.delete("files/rooms/999999/tags", json!({"names": ["y"]})).status, 404);
    assert_eq!(portal.emulator.rooms()[0].tags, ["x"]);
}

#[test]
fn deleting_the_last_room_using_a_tag_removes_it_from_the_catalog() {
    let portal = TestPortal::start();
    let a = portal.emulator.seed_room("A", RoomType::Custom, false, &["shared", "only-a"]);
    portal.emulator.seed_room("B", RoomType::Custom, false, &["shared"]);
    let c = portal.emulator.seed_room("C", RoomType::Custom, false, &["detached"]);
    portal.delete(&format!("files/rooms/{c}/tags"), json!({"names": ["detached"]}));
    portal.delete(&format!("files/rooms/{a}"), json!({"deleteAfter": false}));
    portal.settle();
    assert_eq!(portal.emulator.tags(), ["detached", "shared"]);
}
