//! The emulator's contract: each test drives it over HTTP and pins one rule of a real portal, as
//! `shared/docspace/API-NOTES.md` and `OBSERVED-ON-PORTALS.md` describe it. Expected values are
//! literal, never computed with the crate's own helpers. JSON shapes are checked against the
//! spec's schemas kept in `tests/schemas/docspace.json`.

use crate::common::schema::check_schema;
use crate::common::{Api, Auth, Reply, TestPortal};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::faults::{Behaviour, Faults};
use docspace_rooms::emulator::{Clock, Emulator, EmulatorConfig, PersonSeed};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn id_of(room: &Value) -> u64 {
    room["id"].as_u64().unwrap()
}

fn assert_empty_body(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.text, "", "expected an empty body");
}

/// The model-validation 400: `errors` inside a wrapped envelope with `status: 1`.
fn assert_validation_400(reply: &Reply) {
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json["status"], 1);
    assert_eq!(reply.json["statusCode"], 400);
    assert_eq!(reply.json["count"], 1);
    assert!(reply.json["response"]["errors"].is_object(), "{}", reply.text);
    assert_eq!(reply.json["response"]["status"], 400);
}

/// The exception envelope: `{status: 1, statusCode, error: {message, type, stack, hresult}}`.
fn assert_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.json["status"], 1, "{}", reply.text);
    assert_eq!(reply.json["statusCode"], status);
    assert_eq!(reply.error_message(), message);
    let error = reply.json["error"].as_object().unwrap();
    for key in ["message", "type", "stack", "hresult"] {
        assert!(error.contains_key(key), "error.{key} missing: {}", reply.text);
    }
    assert!(reply.json.get("response").is_none());
}

// ---------------------------------------------------------------------------------------------
// Authentication

#[test]
fn login_returns_a_token_with_expiry_and_no_two_factor() {
    // 2025-03-06T11:31:16Z.
    let portal = TestPortal::on_clock(Clock::manual_at(1_741_260_676));
    let body = json!({"userName": "owner@example.com", "password": portal.emulator.password()});
    let reply = portal.call("POST", "authentication", Auth::Anonymous, Some(body));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["count"], 1);
    assert_eq!(reply.json["links"][0]["action"], "POST");
    assert_eq!(reply.response()["sms"], false);
    assert_eq!(reply.response()["tfa"], false);
    assert_eq!(reply.response()["expires"], "2026-03-06T11:31:16.0000000+00:00");
    check_schema("AuthenticationTokenDto", reply.response());
}

#[test]
fn every_login_issues_a_new_token() {
    let portal = TestPortal::start();
    let first = portal.login("owner@example.com");
    let second = portal.login("OWNER@example.com");
    assert_ne!(first, second);
    for token in [&first, &second] {
        assert_eq!(
            portal
                .call("GET", "files/rooms", Auth::Header(&format!("Bearer {token}")), None)
                .status,
            200
        );
    }
}

#[test]
fn failed_login_is_401_user_authentication_failed() {
    let portal = TestPortal::start();
    let wrong_password = json!({"userName": "owner@example.com", "password": "nope"});
    let unknown_user =
        json!({"userName": "nobody@example.com", "password": portal.emulator.password()});
    for body in [Some(wrong_password), Some(unknown_user), None] {
        let reply = portal.call("POST", "authentication", Auth::Anonymous, body);
        assert_eq!(reply.status, 401, "{}", reply.text);
        assert_eq!(reply.error_message(), "User authentication failed");
        assert_eq!(reply.json["error"]["type"], Value::Null);
        assert_eq!(reply.json["error"]["hresult"], 0);
    }
}

#[test]
fn missing_or_wrong_token_is_401_with_an_empty_body() {
    let portal = TestPortal::start();
    assert_empty_body(&portal.call("GET", "files/rooms", Auth::Anonymous, None), 401);
    assert_empty_body(
        &portal.call("GET", "files/rooms", Auth::Header("Bearer sk-wrong"), None),
        401,
    );
    assert_empty_body(
        &portal.call("GET", "files/rooms", Auth::Header("Bearer not-a-session"), None),
        401,
    );
    let create = json!({"title": "x", "roomType": 2});
    assert_empty_body(&portal.call("POST", "files/rooms", Auth::Anonymous, Some(create)), 401);
    assert!(portal.emulator.rooms().is_empty());
}

#[test]
fn login_token_works_with_or_without_bearer_and_as_the_cookie() {
    let portal = TestPortal::start();
    let token = portal.login("owner@example.com");
    for auth in
        [Auth::Header(&format!("Bearer {token}")), Auth::Header(&token), Auth::Cookie(&token)]
    {
        assert_eq!(portal.call("GET", "files/rooms", auth, None).status, 200);
    }
}

#[test]
fn api_key_is_accepted_only_as_a_bearer_token() {
    let portal = TestPortal::start();
    let key = portal.emulator.token().to_string();
    assert!(key.starts_with("sk-"));
    assert_eq!(
        portal.call("GET", "files/rooms", Auth::Header(&format!("Bearer {key}")), None).status,
        200
    );
    assert_empty_body(&portal.call("GET", "files/rooms", Auth::Header(&key), None), 401);
}

#[test]
fn a_terminated_users_token_is_401() {
    let portal = TestPortal::start();
    portal.emulator.add_person(PersonSeed {
        is_room_admin: true,
        ..PersonSeed::new("ann@example.com", "Ann Lee")
    });
    let token = portal.login("ann@example.com");
    let auth = format!("Bearer {token}");
    assert_eq!(portal.call("GET", "files/rooms", Auth::Header(&auth), None).status, 200);
    portal.emulator.set_person_status("ann@example.com", 2);
    assert_empty_body(&portal.call("GET", "files/rooms", Auth::Header(&auth), None), 401);
}

// ---------------------------------------------------------------------------------------------
// Routing

#[test]
fn unknown_route_is_404_with_an_empty_body() {
    let portal = TestPortal::start();
    assert_empty_body(&portal.get("files/room"), 404);
    assert_empty_body(&portal.put("files/room/1002/rename", json!({})), 404);
    assert_empty_body(&portal.call("GET", "files/tags", Auth::Anonymous, None), 404);
}

#[test]
fn wrong_method_is_405_with_an_empty_body() {
    let portal = TestPortal::start();
    assert_empty_body(&portal.post("files/fileops", json!({})), 405);
    assert_empty_body(&portal.call("PATCH", "files/rooms", Auth::Owner, None), 405);
}

#[test]
fn non_numeric_room_id_is_404_with_an_empty_body() {
    let portal = TestPortal::start();
    assert_empty_body(&portal.get("files/rooms/abc"), 404);
    assert_empty_body(&portal.get("files/rooms/1.5"), 404);
    assert_empty_body(&portal.put("files/rooms/abc", json!({"title": "x"})), 404);
    assert_empty_body(&portal.delete("files/rooms/abc", json!({"deleteAfter": false})), 404);
}

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

// ---------------------------------------------------------------------------------------------
// Listing

/// One room of each type, plus an archived one.
fn seed_each_type(emu: &Emulator) {
    emu.seed_room("Custom", RoomType::Custom, false, &[]);
    emu.seed_room("Collab", RoomType::Collaboration, false, &[]);
    emu.seed_room("Form", RoomType::FormFilling, false, &[]);
    emu.seed_room("Public", RoomType::Public, false, &[]);
    emu.seed_room("Vdr", RoomType::VirtualData, false, &[]);
    emu.seed_room("Old", RoomType::Custom, true, &[]);
    emu.seed_room("OldForm", RoomType::FormFilling, true, &[]);
}

/// Active Custom rooms with these titles, in this order.
fn seed_titles(emu: &Emulator, titles: &[&str]) {
    for title in titles {
        emu.seed_room(title, RoomType::Custom, false, &[]);
    }
}

const BY_ID: &str = "sortBy=DateAndTimeCreation&sortOrder=ascending";

#[test]
fn active_area_leaves_out_form_filling_and_archived_rooms() {
    let portal = TestPortal::start();
    seed_each_type(&portal.emulator);
    assert_eq!(portal.titles(BY_ID), ["Custom", "Collab", "Public", "Vdr"]);
    assert_eq!(
        portal.titles(&format!("searchArea=Active&{BY_ID}")),
        ["Custom", "Collab", "Public", "Vdr"]
    );
    let reply = portal.get(&format!("files/rooms?{BY_ID}"));
    assert_eq!(
        (reply.response()["count"].clone(), reply.response()["total"].clone()),
        (json!(4), json!(4))
    );
}

#[test]
fn forms_area_lists_active_form_filling_rooms() {
    let portal = TestPortal::start();
    seed_each_type(&portal.emulator);
    assert_eq!(portal.titles("searchArea=Forms"), ["Form"]);
    assert_eq!(portal.titles("searchArea=8"), ["Form"]);
}

#[test]
fn archive_area_lists_archived_rooms_with_root_folder_type_20() {
    let portal = TestPortal::start();
    seed_each_type(&portal.emulator);
    let reply = portal.get(&format!("files/rooms?searchArea=Archive&{BY_ID}"));
    let folders = reply.response()["folders"].as_array().unwrap();
    let titles: Vec<&str> = folders.iter().map(|f| f["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Old", "OldForm"]);
    for folder in folders {
        assert_eq!(folder["rootFolderType"], 20);
        assert_eq!(folder["parentId"], 1001);
    }
    assert_eq!(reply.response()["current"]["id"], 1001);
    assert_eq!(reply.response()["current"]["rootFolderType"], 20);
}

#[test]
fn any_area_lists_every_room_active_and_archived() {
    let portal = TestPortal::start();
    seed_each_type(&portal.emulator);
    assert_eq!(
        portal.titles(&format!("searchArea=Any&{BY_ID}")),
        ["Custom", "Collab", "Form", "Public", "Vdr", "Old", "OldForm"]
    );
    assert_eq!(portal.titles(&format!("searchArea=2&{BY_ID}")).len(), 7);
}

#[test]
fn search_area_is_taken_by_name_or_number_and_anything_else_is_400() {
    let portal = TestPortal::start();
    seed_each_type(&portal.emulator);
    assert_eq!(portal.titles("searchArea=archive").len(), 2);
    assert_eq!(portal.titles("searchArea=1").len(), 2);
    assert_eq!(portal.titles("searchArea=0").len(), 4);
    for bad in ["999", "Trash", "-1"] {
        assert_validation_400(&portal.get(&format!("files/rooms?searchArea={bad}")));
    }
}

#[test]
fn count_outside_1_to_100_or_not_a_number_is_400() {
    let portal = TestPortal::start();
    for query in [
        "count=0",
        "count=101",
        "count=-1",
        "count=abc",
        "startIndex=-1",
        "startIndex=abc",
        "type=999",
    ] {
        assert_validation_400(&portal.get(&format!("files/rooms?{query}")));
    }
    assert_eq!(portal.get("files/rooms?count=100").status, 200);
    assert_eq!(portal.get("files/rooms?count=1").status, 200);
}

#[test]
fn start_index_and_count_page_the_list_and_keep_the_total() {
    let portal = TestPortal::start();
    seed_titles(&portal.emulator, &["A", "B", "C", "D"]);
    let reply = portal.get(&format!("files/rooms?startIndex=1&count=2&{BY_ID}"));
    let content = reply.response();
    assert_eq!(
        (content["startIndex"].clone(), content["count"].clone(), content["total"].clone()),
        (json!(1), json!(2), json!(4))
    );
    assert_eq!(portal.titles(&format!("startIndex=1&count=2&{BY_ID}")), ["B", "C"]);
    let beyond = portal.get(&format!("files/rooms?startIndex=999&{BY_ID}"));
    assert_eq!(beyond.response()["folders"], json!([]));
    assert_eq!(beyond.response()["total"], 4);
}

#[test]
fn a_repeated_page_query_sees_every_change_made_between_pages() {
    let portal = TestPortal::start();
    seed_titles(&portal.emulator, &["A", "B", "C"]);
    let query = format!("startIndex=0&count=2&{BY_ID}");
    assert_eq!(portal.titles(&query), ["A", "B"]);
    let a = portal.emulator.rooms().iter().find(|r| r.title == "A").map(|r| r.id).unwrap();
    assert_eq!(portal.put(&format!("files/rooms/{a}"), json!({ "title": "A2" })).status, 200);
    assert_eq!(portal.titles(&query), ["A2", "B"]);
    let created = portal.create("D", json!(2));
    let all = portal.get(&format!("files/rooms?{BY_ID}"));
    assert_eq!(all.response()["total"], 4);
    assert_eq!(id_of(&all.response()["folders"][3]), id_of(&created));
}

#[test]
fn filter_value_matches_a_case_insensitive_part_of_the_title() {
    let portal = TestPortal::start();
    seed_titles(&portal.emulator, &["Marketing EMEA", "Sales", "marketing us"]);
    assert_eq!(
        portal.titles(&format!("filterValue=MARKETING&{BY_ID}")),
        ["Marketing EMEA", "marketing us"]
    );
    let none = portal.get("files/rooms?filterValue=zzz");
    assert_eq!(
        (none.response()["folders"].clone(), none.response()["total"].clone()),
        (json!([]), json!(0))
    );
}

#[test]
fn type_filter_is_repeatable_and_takes_names_or_numbers() {
    let portal = TestPortal::start();
    seed_each_type(&portal.emulator);
    assert_eq!(portal.titles("type=PublicRoom"), ["Public"]);
    assert_eq!(portal.titles(&format!("type=5&type=6&{BY_ID}")), ["Custom", "Public"]);
    assert_eq!(portal.titles(&format!("type=CustomRoom&searchArea=Archive&{BY_ID}")), ["Old"]);
}

#[test]
fn sort_by_title_or_creation_works_in_both_orders() {
    let portal = TestPortal::start();
    seed_titles(&portal.emulator, &["C", "a", "B"]);
    assert_eq!(portal.titles("sortBy=AZ&sortOrder=ascending"), ["a", "B", "C"]);
    assert_eq!(portal.titles("sortBy=AZ&sortOrder=Descending"), ["C", "B", "a"]);
    assert_eq!(portal.titles("sortBy=DateAndTimeCreation&sortOrder=0"), ["C", "a", "B"]);
    assert_eq!(portal.titles("sortBy=DateAndTimeCreation&sortOrder=1"), ["B", "a", "C"]);
}

#[test]
fn invalid_sort_by_is_ignored_and_invalid_sort_order_is_400() {
    let portal = TestPortal::start();
    seed_titles(&portal.emulator, &["C", "a", "B"]);
    assert_eq!(portal.titles("sortBy=AZ&sortOrder=ascending"), ["a", "B", "C"]);
    // `title` is no SortedByType: ignored, so the saved order (AZ ascending) applies.
    assert_eq!(portal.titles("sortBy=title&sortOrder=descending"), ["a", "B", "C"]);
    assert_validation_400(&portal.get("files/rooms?sortBy=AZ&sortOrder=sideways"));
}

// ---------------------------------------------------------------------------------------------
// Operations

#[test]
fn archive_answers_an_unfinished_operation_and_the_room_moves_only_later() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Moving", RoomType::Custom, false, &[]);
    let reply = portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false}));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()["finished"], false);
    assert_eq!(reply.response()["progress"], 0);
    assert_eq!(reply.response()["error"], "");
    assert_eq!(portal.room(id).response()["rootFolderType"], 14, "not moved yet");
    let ops = portal.fileops();
    assert_eq!(ops.len(), 1);
    assert_eq!(
        (ops[0]["finished"].clone(), ops[0]["progress"].clone(), ops[0]["error"].clone()),
        (json!(true), json!(100), json!(""))
    );
    assert_eq!(ops[0]["id"], reply.response()["id"]);
    let room = portal.room(id);
    assert_eq!(
        (room.response()["rootFolderType"].clone(), room.response()["parentId"].clone()),
        (json!(20), json!(1001))
    );
}

#[test]
fn fileops_reports_a_finished_operation_once_and_then_forgets_it() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Once", RoomType::Custom, false, &[]);
    portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false}));
    let reply = portal.get("files/fileops");
    assert_eq!(reply.json["count"], 1, "a streamed list: envelope count 1");
    assert_eq!(reply.response().as_array().unwrap().len(), 1);
    assert_eq!(portal.fileops(), Vec::<Value>::new());
}

#[test]
fn fileops_with_an_id_reports_only_that_operation() {
    let portal = TestPortal::start();
    let a = portal.emulator.seed_room("A", RoomType::Custom, false, &[]);
    let b = portal.emulator.seed_room("B", RoomType::Custom, false, &[]);
    let op_a = portal
        .put(&format!("files/rooms/{a}/archive"), json!({"deleteAfter": false}))
        .response()["id"]
        .clone();
    portal.put(&format!("files/rooms/{b}/archive"), json!({"deleteAfter": false}));
    let only_a = portal.get(&format!("files/fileops?id={}", op_a.as_str().unwrap()));
    assert_eq!(only_a.response().as_array().unwrap().len(), 1);
    assert_eq!(only_a.response()[0]["id"], op_a);
    let unknown = portal.get("files/fileops?id=00000000-0000-0000-0000-000000000001");
    assert_eq!(unknown.response(), &json!([]));
    assert_eq!(portal.fileops().len(), 1, "B is still there");
}

#[test]
fn polls_per_operation_sets_how_many_reads_an_operation_takes() {
    let portal = TestPortal::start();
    portal.emulator.set_behaviour(Behaviour { polls_per_operation: 3, ..Behaviour::default() });
    let id = portal.emulator.seed_room("Slow", RoomType::Custom, false, &[]);
    portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false}));
    for _ in 0..2 {
        let ops = portal.fileops();
        assert_eq!(ops[0]["finished"], false);
        assert!(ops[0]["progress"].as_i64().unwrap() < 100);
        assert!(!portal.emulator.rooms()[0].archived);
    }
    assert_eq!(portal.fileops()[0]["finished"], true);
    assert!(portal.emulator.rooms()[0].archived);
}

#[test]
fn unarchive_moves_the_room_back_to_the_rooms_folder() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Back", RoomType::Custom, true, &[]);
    let reply = portal.put(&format!("files/rooms/{id}/unarchive"), json!({"deleteAfter": false}));
    assert_eq!(reply.response()["Operation"], 0);
    portal.settle();
    let room = portal.room(id);
    assert_eq!(
        (room.response()["rootFolderType"].clone(), room.response()["parentId"].clone()),
        (json!(14), json!(1000))
    );
}

#[test]
fn archiving_an_archived_room_is_a_200_operation_that_changes_nothing() {
    let portal = TestPortal::start();
    let archived = portal.emulator.seed_room("Archived", RoomType::Custom, true, &[]);
    let active = portal.emulator.seed_room("Active", RoomType::Custom, false, &[]);
    assert_eq!(
        portal
            .put(&format!("files/rooms/{archived}/archive"), json!({"deleteAfter": false}))
            .status,
        200
    );
    assert_eq!(portal.put(&format!("files/rooms/{active}/unarchive"), json!({})).status, 200);
    for op in portal.fileops() {
        assert_eq!((op["finished"].clone(), op["error"].clone()), (json!(true), json!("")));
    }
    let rooms = portal.emulator.rooms();
    assert_eq!((rooms[0].archived, rooms[1].archived), (true, false));
}

#[test]
fn archive_unarchive_and_delete_of_an_unknown_room_are_404() {
    let portal = TestPortal::start();
    for (method, path) in [
        ("PUT", "files/rooms/999999/archive"),
        ("PUT", "files/rooms/999999/unarchive"),
        ("DELETE", "files/rooms/999999"),
    ] {
        let reply = portal.call(method, path, Auth::Owner, Some(json!({"deleteAfter": false})));
        assert_error(&reply, 404, "The required folder was not found");
    }
    let id = portal.emulator.seed_room("Gone", RoomType::Custom, false, &[]);
    portal.delete(&format!("files/rooms/{id}"), json!({"deleteAfter": false}));
    portal.settle();
    assert_eq!(
        portal.delete(&format!("files/rooms/{id}"), json!({"deleteAfter": false})).status,
        404
    );
    assert_eq!(portal.room(id).status, 404);
}

#[test]
fn delete_works_for_active_and_archived_rooms() {
    let portal = TestPortal::start();
    let active = portal.emulator.seed_room("Active", RoomType::Collaboration, false, &[]);
    let archived = portal.emulator.seed_room("Archived", RoomType::Custom, true, &[]);
    for id in [active, archived] {
        let reply = portal.delete(&format!("files/rooms/{id}"), json!({"deleteAfter": false}));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.response()["Operation"], 2);
        assert_eq!(reply.response()["finished"], false);
    }
    assert_eq!(portal.emulator.rooms().len(), 2, "not deleted before the operation finishes");
    portal.settle();
    assert!(portal.emulator.rooms().is_empty());
    assert_eq!(portal.titles("searchArea=Any"), Vec::<String>::new());
}

#[test]
fn delete_of_an_active_room_is_403_access_denied_when_the_role_may_not() {
    let portal = TestPortal::start();
    portal.emulator.set_behaviour(Behaviour { deny_active_delete: true, ..Behaviour::default() });
    let active = portal.emulator.seed_room("Active", RoomType::Custom, false, &[]);
    let archived = portal.emulator.seed_room("Archived", RoomType::Custom, true, &[]);
    let reply = portal.delete(&format!("files/rooms/{active}"), json!({"deleteAfter": false}));
    assert_error(&reply, 403, "Access denied");
    assert_eq!(
        portal.delete(&format!("files/rooms/{archived}"), json!({"deleteAfter": false})).status,
        200
    );
}

#[test]
fn delete_after_true_or_null_leaves_no_operation_to_poll() {
    let portal = TestPortal::start();
    let a = portal.emulator.seed_room("A", RoomType::Custom, false, &[]);
    let b = portal.emulator.seed_room("B", RoomType::Custom, false, &[]);
    let c = portal.emulator.seed_room("C", RoomType::Custom, true, &[]);
    assert_eq!(
        portal.delete(&format!("files/rooms/{a}"), json!({"deleteAfter": true})).status,
        200
    );
    assert_eq!(
        portal.delete(&format!("files/rooms/{b}"), json!({"deleteAfter": null})).status,
        200
    );
    assert_eq!(
        portal.put(&format!("files/rooms/{c}/unarchive"), json!({"deleteAfter": true})).status,
        200
    );
    assert_eq!(portal.fileops(), Vec::<Value>::new());
    let rooms = portal.emulator.rooms();
    assert_eq!(rooms.len(), 1);
    assert!(!rooms[0].archived);
}

#[test]
fn delete_after_that_is_not_a_boolean_is_400() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("A", RoomType::Custom, true, &[]);
    for body in [json!({"deleteAfter": "false"}), json!({"deleteAfter": 1})] {
        assert_validation_400(&portal.delete(&format!("files/rooms/{id}"), body.clone()));
        assert_validation_400(&portal.put(&format!("files/rooms/{id}/unarchive"), body));
    }
    assert_validation_400(
        &portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": null})),
    );
    assert_eq!(portal.fileops(), Vec::<Value>::new());
    assert!(portal.emulator.rooms()[0].archived);
}

#[test]
fn a_failing_operation_finishes_with_its_error_and_changes_nothing() {
    let portal = TestPortal::start();
    let message = "You don't have enough permission to move the folder";
    portal.emulator.set_behaviour(Behaviour {
        failing_operation: Some(message.into()),
        ..Behaviour::default()
    });
    let id = portal.emulator.seed_room("Stuck", RoomType::Custom, false, &[]);
    portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false}));
    let ops = portal.fileops();
    assert_eq!(
        (ops[0]["finished"].clone(), ops[0]["error"].clone()),
        (json!(true), json!(message))
    );
    assert!(!portal.emulator.rooms()[0].archived);
}

#[test]
fn an_operation_that_never_finishes_stays_running() {
    let portal = TestPortal::start();
    portal
        .emulator
        .set_behaviour(Behaviour { operations_never_finish: true, ..Behaviour::default() });
    let id = portal.emulator.seed_room("Forever", RoomType::Custom, false, &[]);
    portal.delete(&format!("files/rooms/{id}"), json!({"deleteAfter": false}));
    for _ in 0..5 {
        let ops = portal.fileops();
        assert_eq!((ops.len(), ops[0]["finished"].clone()), (1, json!(false)));
    }
    assert_eq!(portal.emulator.rooms().len(), 1);
}

#[test]
fn fileops_without_a_token_is_an_empty_list() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Mine", RoomType::Custom, false, &[]);
    portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false}));
    let reply = portal.call("GET", "files/fileops", Auth::Anonymous, None);
    assert_eq!((reply.status, reply.response().clone()), (200, json!([])));
    assert_eq!(portal.fileops().len(), 1, "still the owner's to read");
}

// ---------------------------------------------------------------------------------------------
// People, groups and members

fn portal_with_people() -> TestPortal {
    let portal = TestPortal::start();
    portal.emulator.add_person(PersonSeed {
        is_room_admin: true,
        ..PersonSeed::new("ann@example.com", "Ann Lee")
    });
    portal.emulator.add_person(PersonSeed::new("bob@example.com", "Bob Stone"));
    portal.emulator.add_person(PersonSeed {
        is_visitor: true,
        ..PersonSeed::new("gus@example.com", "Gus Guest")
    });
    portal
        .emulator
        .add_person(PersonSeed { status: 2, ..PersonSeed::new("tom@example.com", "Tom Gone") });
    portal.emulator.add_group("Editors", &["ann@example.com", "bob@example.com"]);
    portal
}

fn person_id(portal: &TestPortal, email: &str) -> String {
    portal.get(&format!("people/email?email={email}")).response()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn people_list_is_paged_with_count_and_total_and_filter_value() {
    let portal = portal_with_people();
    let all = portal.get("people");
    assert_eq!(all.status, 200);
    assert_eq!(
        (all.json["count"].clone(), all.json["total"].clone()),
        (json!(4), json!(4)),
        "active people only"
    );
    for person in all.response().as_array().unwrap() {
        check_schema("EmployeeFullDto", person);
        assert_eq!(person["status"], 1);
    }
    let page = portal.get("people?startIndex=1&count=2");
    assert_eq!((page.json["count"].clone(), page.json["total"].clone()), (json!(2), json!(4)));
    let filtered = portal.get("people?filterValue=STONE");
    assert_eq!(filtered.response()[0]["email"], "bob@example.com");
    assert_eq!(filtered.json["total"], 1);
}

#[test]
fn person_by_email_finds_any_status_and_404_when_unknown() {
    let portal = portal_with_people();
    let tom = portal.get("people/email?email=tom@example.com");
    assert_eq!((tom.status, tom.response()["status"].clone()), (200, json!(2)));
    check_schema("EmployeeFullDto", tom.response());
    assert_error(&portal.get("people/email?email=nobody@example.com"), 404, "User not found");
}

#[test]
fn groups_are_listed_with_their_ids() {
    let portal = portal_with_people();
    let reply = portal.get("group");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()[0]["name"], "Editors");
    check_schema("GroupDto", &reply.response()[0]);
}

#[test]
fn the_owner_is_a_person_who_owns_the_rooms_the_api_creates() {
    let portal = TestPortal::start();
    let owner = portal.get("people/email?email=owner@example.com");
    let owner = owner.response();
    assert_eq!((owner["isOwner"].clone(), owner["isAdmin"].clone()), (json!(true), json!(true)));
    let room = portal.create("Mine", json!(2));
    assert_eq!(room["createdBy"]["id"], owner["id"]);
    assert_eq!(room["ownedBy"]["id"], owner["id"]);
}

#[test]
fn share_lists_the_owner_first_with_is_owner_and_read_write_access() {
    let portal = portal_with_people();
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &[]);
    let fresh = portal.get(&format!("files/rooms/{id}/share"));
    assert_eq!(fresh.response().as_array().unwrap().len(), 1);
    assert_eq!(
        (fresh.response()[0]["isOwner"].clone(), fresh.response()[0]["access"].clone()),
        (json!(true), json!(1))
    );
    let bob = person_id(&portal, "bob@example.com");
    let reply = portal.put(
        &format!("files/rooms/{id}/share"),
        json!({"invitations": [{"id": bob, "access": 10}], "notify": false}),
    );
    assert_eq!(reply.status, 200);
    check_schema("RoomSecurityDto", reply.response());
    assert_eq!(reply.response()["members"].as_array().unwrap().len(), 1);
    let list = portal.get(&format!("files/rooms/{id}/share"));
    assert_eq!((list.json["count"].clone(), list.json["total"].clone()), (json!(2), json!(2)));
    assert_eq!(list.response()[0]["isOwner"], true);
    assert_eq!(list.response()[1]["sharedToUser"]["id"], json!(bob));
    assert_eq!(list.response()[1]["access"], 10);
    for entry in list.response().as_array().unwrap() {
        check_schema("FileShareDto", entry);
    }
}

#[test]
fn share_access_0_removes_a_member_and_the_owner_cannot_be_removed() {
    let portal = portal_with_people();
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &[]);
    let bob = person_id(&portal, "bob@example.com");
    let owner = person_id(&portal, "owner@example.com");
    let path = format!("files/rooms/{id}/share");
    portal.put(&path, json!({"invitations": [{"id": bob, "access": 2}]}));
    let reply = portal
        .put(&path, json!({"invitations": [{"id": bob, "access": 0}, {"id": owner, "access": 0}]}));
    assert_eq!(reply.status, 200);
    let members = portal.emulator.members(id);
    assert_eq!(members.len(), 1);
    assert!(members[0].is_owner);
}

#[test]
fn share_of_the_same_person_twice_takes_the_last_access() {
    let portal = portal_with_people();
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &[]);
    let bob = person_id(&portal, "bob@example.com");
    let reply = portal.put(
        &format!("files/rooms/{id}/share"),
        json!({"invitations": [{"id": bob, "access": 2}, {"id": bob, "access": 10}]}),
    );
    assert_eq!(reply.response()["members"].as_array().unwrap().len(), 1);
    assert_eq!(reply.response()["members"][0]["access"], 10);
    let members = portal.emulator.members(id);
    assert_eq!((members.len(), members[1].access), (2, 10));
}

#[test]
fn share_with_an_access_the_room_type_does_not_allow_is_403_and_adds_nobody() {
    let portal = portal_with_people();
    let collab = portal.emulator.seed_room("Collab", RoomType::Collaboration, false, &[]);
    let public = portal.emulator.seed_room("Public", RoomType::Public, false, &[]);
    let form = portal.emulator.seed_room("Form", RoomType::FormFilling, false, &[]);
    let bob = person_id(&portal, "bob@example.com");
    let ann = person_id(&portal, "ann@example.com");
    let group = portal.get("group").response()[0]["id"].as_str().unwrap().to_string();
    let rejected = [
        (collab, &bob, 7),
        (collab, &bob, 5),
        (collab, &bob, 6),
        (public, &bob, 2),
        (public, &bob, 10),
        (form, &bob, 10),
        (form, &bob, 2),
        (form, &bob, 9),
        (collab, &bob, 999),
        (collab, &group, 9),
    ];
    for (room, subject, access) in rejected {
        let body =
            json!({"invitations": [{"id": ann, "access": 2}, {"id": subject, "access": access}]});
        let reply = portal.put(&format!("files/rooms/{room}/share"), body);
        assert_eq!(reply.status, 403, "room {room} access {access}: {}", reply.text);
        assert_eq!(portal.emulator.members(room).len(), 1, "nobody added");
    }
    for (room, subject, access) in [
        (collab, &bob, 11),
        (public, &bob, 11),
        (form, &bob, 7),
        (collab, &ann, 9),
        (collab, &group, 10),
    ] {
        let reply = portal.put(
            &format!("files/rooms/{room}/share"),
            json!({"invitations": [{"id": subject, "access": access}]}),
        );
        assert_eq!(reply.status, 200, "room {room} access {access}: {}", reply.text);
    }
}

#[test]
fn share_on_an_archived_room_is_403_and_on_an_unknown_room_404() {
    let portal = portal_with_people();
    let archived = portal.emulator.seed_room("Archived", RoomType::Custom, true, &[]);
    let bob = person_id(&portal, "bob@example.com");
    let body = json!({"invitations": [{"id": bob, "access": 2}]});
    assert_eq!(portal.put(&format!("files/rooms/{archived}/share"), body.clone()).status, 403);
    for id in ["999999", "0", "-1"] {
        assert_eq!(portal.put(&format!("files/rooms/{id}/share"), body.clone()).status, 404);
        assert_eq!(portal.get(&format!("files/rooms/{id}/share")).status, 404);
    }
}

#[test]
fn share_skips_a_terminated_user_with_200_and_no_members() {
    let portal = portal_with_people();
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &[]);
    let tom = person_id(&portal, "tom@example.com");
    let reply = portal.put(
        &format!("files/rooms/{id}/share"),
        json!({"invitations": [{"id": tom, "access": 2}], "notify": true}),
    );
    assert_eq!((reply.status, reply.response()["members"].clone()), (200, json!([])));
    assert_eq!(portal.emulator.members(id).len(), 1);
}

#[test]
fn share_invitation_without_access_is_ignored() {
    let portal = portal_with_people();
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &[]);
    let bob = person_id(&portal, "bob@example.com");
    let path = format!("files/rooms/{id}/share");
    let reply = portal.put(&path, json!({"invitations": [{"id": bob}]}));
    assert_eq!((reply.status, reply.response()["members"].clone()), (200, json!([])));
    // An empty list answers before the room lookup, with no `members` at all (issue 12).
    for body in [json!({"invitations": []}), json!({"invitations": null}), json!({})] {
        let reply = portal.put(&path, body);
        assert_eq!((reply.status, reply.response().get("members")), (200, None));
    }
    assert_eq!(portal.emulator.members(id).len(), 1);
}

#[test]
fn share_invitation_id_0_is_400() {
    let portal = portal_with_people();
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &[]);
    let reply = portal
        .put(&format!("files/rooms/{id}/share"), json!({"invitations": [{"id": 0, "access": 2}]}));
    assert_eq!(reply.status, 400);
    assert_eq!(portal.emulator.members(id).len(), 1);
}

#[test]
fn share_by_email_of_an_unknown_person_invites_a_pending_guest() {
    let portal = portal_with_people();
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &[]);
    let reply = portal.put(
        &format!("files/rooms/{id}/share"),
        json!({"invitations": [{"email": "new@example.com", "access": 2}]}),
    );
    assert_eq!(reply.status, 200);
    let user = &reply.response()["members"][0]["sharedToUser"];
    assert_eq!(
        (user["email"].clone(), user["isVisitor"].clone(), user["activationStatus"].clone()),
        (json!("new@example.com"), json!(true), json!(2))
    );
    assert_eq!(portal.get("people/email?email=new@example.com").status, 200);
    let known = portal.put(
        &format!("files/rooms/{id}/share"),
        json!({"invitations": [{"email": "BOB@example.com", "access": 10}]}),
    );
    assert_eq!(known.response()["members"][0]["sharedToUser"]["email"], "bob@example.com");
    assert_eq!(portal.emulator.members(id).len(), 3);
    let invalid = portal.put(
        &format!("files/rooms/{id}/share"),
        json!({"invitations": [{"email": "not-an-email", "access": 2}]}),
    );
    assert_validation_400(&invalid);
}

#[test]
fn share_list_pages_with_count_and_total() {
    let portal = portal_with_people();
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &[]);
    let bob = person_id(&portal, "bob@example.com");
    let ann = person_id(&portal, "ann@example.com");
    portal.put(
        &format!("files/rooms/{id}/share"),
        json!({"invitations": [{"id": bob, "access": 2}, {"id": ann, "access": 9}]}),
    );
    let page = portal.get(&format!("files/rooms/{id}/share?startIndex=1&count=1"));
    assert_eq!((page.json["count"].clone(), page.json["total"].clone()), (json!(1), json!(3)));
    assert_eq!(page.response()[0]["sharedToUser"]["email"], "bob@example.com");
}

// ---------------------------------------------------------------------------------------------
// Faults

#[test]
fn latency_delays_every_request() {
    let portal = TestPortal::start();
    portal.emulator.set_faults(Faults { latency: Duration::from_millis(120), ..Faults::default() });
    let started = Instant::now();
    assert_eq!(portal.get("files/rooms").status, 200);
    assert!(started.elapsed() >= Duration::from_millis(120));
}

#[test]
fn every_nth_request_is_429_with_retry_after_and_rate_limit_headers() {
    let portal = TestPortal::start();
    // Counting starts when the faults are set.
    portal.get("files/rooms");
    portal.emulator.set_faults(Faults {
        rate_limit_every: Some(3),
        retry_after_secs: 7,
        ..Faults::default()
    });
    let replies = room_lists(&portal, 6);
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    let limited = &replies[5];
    assert_empty_body(limited, 429);
    assert_eq!(limited.header("retry-after"), Some("7"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert!(limited.header("x-ratelimit-limit").is_some());
    assert!(limited.header("x-ratelimit-reset").is_some());
}

/// `n` owner GETs of the rooms list, one after another.
fn room_lists(portal: &TestPortal, n: usize) -> Vec<Reply> {
    let mut replies = Vec::new();
    for _ in 0..n {
        replies.push(portal.get("files/rooms"));
    }
    replies
}

#[test]
fn requests_above_the_rate_are_429_until_a_second_has_passed() {
    let portal = TestPortal::on_clock(Clock::manual());
    portal.emulator.set_faults(Faults { rate_limit_per_second: Some(3), ..Faults::default() });
    let statuses: Vec<u16> = room_lists(&portal, 5).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    portal.emulator.clock().advance(Duration::from_millis(999));
    assert_eq!(portal.get("files/rooms").status, 429, "the second has not passed");
    portal.emulator.clock().advance(Duration::from_millis(1));
    assert_eq!(portal.get("files/rooms").status, 200);
}

#[test]
fn every_nth_request_is_a_5xx_with_an_html_body() {
    let portal = TestPortal::start();
    portal.emulator.set_faults(Faults { server_error_every: Some(2), ..Faults::default() });
    let replies = room_lists(&portal, 4);
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 502, 200, 502]);
    assert!(replies[1].header("content-type").unwrap().starts_with("text/html"));
    assert!(replies[1].text.contains("<html>"));
}

#[test]
fn a_lost_create_response_drops_the_connection_after_the_room_is_created() {
    let portal = TestPortal::start();
    portal.emulator.set_faults(Faults { lose_create_response_every: Some(2), ..Faults::default() });
    portal.create("First", json!(2));
    let body = json!({"title": "Second", "roomType": 2});
    let lost = portal.block_on(portal.api.call("POST", "files/rooms", Auth::Owner, Some(body)));
    assert!(lost.is_err(), "no response at all: {lost:?}");
    let titles: Vec<String> = portal.emulator.rooms().into_iter().map(|r| r.title).collect();
    assert_eq!(titles, ["First", "Second"], "the room was created");
    let record = portal.emulator.requests().into_iter().last().unwrap();
    assert!(record.response_lost);
    assert_eq!(portal.titles(BY_ID), ["First", "Second"]);
}

#[test]
fn rate_limit_headers_come_with_every_response_and_a_full_window_is_429() {
    let portal = TestPortal::start();
    portal.emulator.set_faults(Faults {
        rate_limit_headers: Some((3, Duration::from_secs(30))),
        ..Faults::default()
    });
    let replies = room_lists(&portal, 4);
    let remaining: Vec<Option<&str>> =
        replies.iter().map(|r| r.header("x-ratelimit-remaining")).collect();
    assert_eq!(remaining, [Some("2"), Some("1"), Some("0"), Some("0")]);
    for reply in &replies {
        assert_eq!(reply.header("x-ratelimit-limit"), Some("3"));
        let reset: u64 = reply.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!(reset <= 30);
    }
    assert_eq!(replies[3].status, 429);
    let retry: u64 = replies[3].header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry));
}

#[test]
fn more_than_15_concurrent_writes_are_429_and_the_peak_is_recorded() {
    let portal = TestPortal::start();
    portal
        .emulator
        .set_behaviour(Behaviour { enforce_write_concurrency: true, ..Behaviour::default() });
    portal.emulator.set_faults(Faults { latency: Duration::from_millis(400), ..Faults::default() });
    let creates = (0..20).map(|i| {
        let body = json!({"title": format!("R{i}"), "roomType": 2});
        portal.api.call("POST", "files/rooms", Auth::Owner, Some(body))
    });
    let replies: Vec<Reply> = portal
        .block_on(futures::future::join_all(creates))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let limited: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(ok + limited.len(), 20);
    assert_eq!(ok, 15, "the limiter lets 15 writes in");
    assert!(limited.iter().all(|r| r.text.is_empty()));
    assert_eq!(portal.emulator.max_concurrent_writes(), 20);
    assert_eq!(portal.emulator.rooms().len(), 15);
}

// ---------------------------------------------------------------------------------------------
// State and bookkeeping

#[test]
fn a_state_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let config = EmulatorConfig {
        state_file: Some(file.clone()),
        token: Some("sk-fixed".into()),
        ..EmulatorConfig::default()
    };
    let portal = TestPortal::with(config.clone());
    let id = id_of(&portal.create("Persisted", json!("CustomRoom")));
    portal.put(&format!("files/rooms/{id}/tags"), json!({"names": ["kept"]}));
    portal.emulator.add_person(PersonSeed::new("ann@example.com", "Ann Lee"));
    portal.shutdown();
    assert!(!dir.path().join("state.json.tmp").exists());

    let again = TestPortal::with(config);
    let room = again.room(id);
    assert_eq!(room.status, 200);
    assert_eq!(
        (room.response()["title"].clone(), room.response()["tags"].clone()),
        (json!("Persisted"), json!(["kept"]))
    );
    assert_eq!(again.get("people/email?email=ann@example.com").status, 200);
    assert_eq!(again.create("Next", json!(2))["id"], id + 1);
}

#[test]
fn every_request_is_recorded_with_method_path_and_status() {
    let portal = TestPortal::start();
    portal.get("files/rooms?count=5");
    portal.post("files/rooms", json!({"title": "x", "roomType": 2}));
    portal.get("nowhere");
    let records: Vec<(String, String, u16)> =
        portal.emulator.requests().into_iter().map(|r| (r.method, r.path, r.status)).collect();
    assert_eq!(
        records,
        [
            ("GET".to_string(), "/api/2.0/files/rooms".to_string(), 200),
            ("POST".to_string(), "/api/2.0/files/rooms".to_string(), 200),
            ("GET".to_string(), "/api/2.0/nowhere".to_string(), 404),
        ]
    );
}

#[test]
fn seed_room_normalises_the_title_and_ids_start_at_1002() {
    let portal = TestPortal::start();
    let id = portal.emulator.seed_room("Party 🎉 Time", RoomType::Public, true, &["A", "a"]);
    assert_eq!(id, 1002);
    let room = &portal.emulator.rooms()[0];
    assert_eq!(
        (room.title.as_str(), room.archived, room.tags.clone()),
        ("Party __ Time", true, vec!["A".to_string()])
    );
}

// ---------------------------------------------------------------------------------------------
// The command

#[test]
fn the_emulator_command_serves_until_interrupted_and_keeps_its_state() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let port = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let run = |expect_room: bool| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_docspace-rooms"))
            .args(["emulator", "--listen", &listen, "--state"])
            .arg(&state)
            .env_remove("DOCSPACE_EMULATOR_TOKEN")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        assert!(first.contains(&format!("http://{listen}")), "{first}");
        let second = lines.next().unwrap().unwrap();
        let token = second.rsplit(' ').next().unwrap().to_string();
        assert!(token.starts_with("sk-"), "{second}");

        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let api = Api::new(&format!("http://{listen}"), &token);
        runtime.block_on(async {
            if !expect_room {
                let body = json!({"title": "Kept", "roomType": 2});
                let created = api.call("POST", "files/rooms", Auth::Owner, Some(body)).await;
                assert_eq!(created.unwrap().status, 200);
            }
            let list = api.call("GET", "files/rooms", Auth::Owner, None).await.unwrap();
            assert_eq!(list.response()["folders"][0]["title"], "Kept");
        });
        crate::common::signal(&child, "-INT");
        crate::common::wait_until("the emulator stops on SIGINT", Duration::from_secs(10), || {
            child.try_wait().unwrap().is_some()
        });
        let status = child.wait().unwrap();
        assert!(status.success(), "{status}");
    };
    run(false);
    run(true);
}

#[test]
fn a_seed_file_adds_people_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    let text = r#"{"people": [{"email": "ann@example.com", "displayName": "Ann Lee", "isRoomAdmin": true},
                              {"email": "tom@example.com", "status": 2}],
                   "groups": [{"name": "Editors", "members": ["ann@example.com", "tom@example.com"]}]}"#;
    std::fs::write(&seed, text).unwrap();
    let portal =
        TestPortal::with(EmulatorConfig { seed_file: Some(seed), ..EmulatorConfig::default() });
    let ann = portal.get("people/email?email=ann@example.com");
    assert_eq!(
        (ann.response()["displayName"].clone(), ann.response()["isRoomAdmin"].clone()),
        (json!("Ann Lee"), json!(true))
    );
    assert_eq!(portal.get("people/email?email=tom@example.com").response()["status"], 2);
    let groups = portal.get("group");
    assert_eq!(
        (groups.response()[0]["name"].clone(), groups.response()[0]["membersCount"].clone()),
        (json!("Editors"), json!(2))
    );
    assert!(portal.login("ann@example.com").len() > 20);
}

// ---------------------------------------------------------------------------------------------
// Issue 12: the emulator reads requests like a portal

/// A portal with `n` groups named `G000`, `G001`, … and Ann in the first two.
fn portal_with_groups(n: usize) -> TestPortal {
    let portal = portal_with_people();
    for i in 0..n {
        let members: &[&str] = if i < 2 { &["ann@example.com"] } else { &[] };
        portal.emulator.add_group(&format!("G{i:03}"), members);
    }
    portal
}

#[test]
fn groups_are_paged_at_most_100_with_count_and_total() {
    // GroupsController.GetGroupsAsync: SetCount(items in the page).SetTotalCount(all matching).
    let portal = portal_with_groups(120);
    let first = portal.get("group");
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.response().as_array().unwrap().len(), 100);
    assert_eq!(
        (first.json["count"].clone(), first.json["total"].clone()),
        (json!(100), json!(121))
    );
    let last = portal.get("group?startIndex=100&count=50");
    assert_eq!(last.response().as_array().unwrap().len(), 21);
    assert_eq!((last.json["count"].clone(), last.json["total"].clone()), (json!(21), json!(121)));
    assert_eq!(last.response()[20]["name"], "G119", "sorted by title");
    for query in ["count=0", "count=101", "startIndex=-1", "count=abc"] {
        assert_validation_400(&portal.get(&format!("group?{query}")));
    }
}

#[test]
fn groups_filter_by_name_member_and_sort_order() {
    let portal = portal_with_groups(3);
    let by_name = portal.get("group?filterValue=edit");
    assert_eq!(by_name.json["total"], 1);
    assert_eq!(by_name.response()[0]["name"], "Editors");
    let ann = person_id(&portal, "ann@example.com");
    let of_ann = portal.get(&format!("group?userId={ann}"));
    let names: Vec<&str> =
        of_ann.response().as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Editors", "G000", "G001"]);
    let descending = portal.get("group?sortOrder=descending");
    assert_eq!(descending.response()[0]["name"], "G002");
    assert_eq!(portal.get(&format!("group?userId={ann}&manager=true")).json["total"], 0);
    for query in ["userId=not-a-guid", "manager=maybe", "sortOrder=sideways"] {
        assert_validation_400(&portal.get(&format!("group?{query}")));
    }
}

#[test]
fn person_by_email_with_a_malformed_or_missing_email_is_400() {
    let portal = portal_with_people();
    for query in ["people/email?email=not-an-email", "people/email", "people/email?email="] {
        let reply = portal.get(query);
        assert_eq!(reply.status, 400, "{query}: {}", reply.text);
    }
    assert_eq!(portal.get("people/email?email=nobody@example.com").status, 404);
}

#[test]
fn people_count_outside_1_to_100_is_400() {
    let portal = portal_with_people();
    for query in ["count=0", "count=101", "count=-1", "count=abc", "startIndex=abc"] {
        assert_validation_400(&portal.get(&format!("people?{query}")));
    }
}

#[test]
fn share_with_no_invitations_is_200_before_the_room_lookup_and_has_no_members_key() {
    let portal = portal_with_people();
    for body in [json!({"invitations": []}), json!({}), json!({"invitations": null})] {
        let reply = portal.put("files/rooms/999999/share", body.clone());
        assert_eq!(reply.status, 200, "{body}: {}", reply.text);
        assert!(reply.response().get("members").is_none(), "{}", reply.text);
    }
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &[]);
    let reply = portal.put(&format!("files/rooms/{id}/share"), json!({"invitations": []}));
    assert!(reply.response().get("members").is_none(), "{}", reply.text);
    let bob = person_id(&portal, "bob@example.com");
    let unknown_room = json!({"invitations": [{"id": bob, "access": 2}]});
    assert_eq!(portal.put("files/rooms/999999/share", unknown_room).status, 404);
}

#[test]
fn search_area_accepts_every_value_of_the_portals_enum() {
    // SearchArea 0..7 (spec); Forms (8) as observed. No recent links, templates, knowledge or
    // result storage folders exist here, so those areas are empty.
    let portal = TestPortal::start();
    seed_each_type(&portal.emulator);
    for area in ["3", "RecentByLinks", "4", "Templates", "5", "Knowledge", "6", "ResultStorage"] {
        let reply = portal.get(&format!("files/rooms?searchArea={area}"));
        assert_eq!(reply.status, 200, "{area}: {}", reply.text);
        assert_eq!(reply.response()["total"], 0, "{area}");
    }
    for area in ["7", "AiAgents"] {
        assert_eq!(portal.get(&format!("files/rooms?searchArea={area}")).status, 200);
    }
    assert_validation_400(&portal.get("files/rooms?searchArea=9"));
}

#[test]
fn share_filter_type_takes_flag_names_and_rejects_undefined_numbers() {
    let portal = portal_with_people();
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &[]);
    let editors = portal.emulator.add_group("Editors", &["ann@example.com", "bob@example.com"]);
    portal.put(
        &format!("files/rooms/{id}/share"),
        json!({"invitations": [{"id": editors, "access": 2}]}),
    );
    let total = |reply: Reply| reply.json["total"].clone();
    let path = format!("files/rooms/{id}/share");
    assert_eq!(total(portal.get(&format!("{path}?filterType=User"))), json!(1));
    assert_eq!(total(portal.get(&format!("{path}?filterType=group"))), json!(1));
    assert_eq!(total(portal.get(&format!("{path}?filterType=User,Group"))), json!(2));
    assert_eq!(total(portal.get(&format!("{path}?filterType=48"))), json!(2));
    assert_eq!(total(portal.get(&format!("{path}?filterType=Link"))), json!(0));
    for bad in ["64", "3x", "Nobody", "-1"] {
        assert_validation_400(&portal.get(&format!("{path}?filterType={bad}")));
    }
}

#[test]
fn subject_filters_are_implemented_and_unknown_owner_lists_nothing() {
    let portal = portal_with_people();
    seed_titles(&portal.emulator, &["Mine"]);
    let ann = person_id(&portal, "ann@example.com");
    let owner = person_id(&portal, "owner@example.com");
    let token = portal.login("ann@example.com");
    let bearer = format!("Bearer {token}");
    let reply = portal.call(
        "POST",
        "files/rooms",
        Auth::Header(&bearer),
        Some(json!({"title": "Anns", "roomType": 5})),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let unknown = "3f0b5a4e-1111-4222-8333-944445555666";
    assert_eq!(portal.titles(&format!("subjectOwnerId={unknown}")), Vec::<String>::new());
    assert_eq!(portal.titles(&format!("subjectOwnerId={ann}")), ["Anns"]);
    assert_eq!(portal.titles(&format!("subjectOwnerId={ann}&excludeSubject=true")), ["Mine"]);
    assert_eq!(portal.titles(&format!("subjectId={owner}&subjectFilter=Owner")), ["Mine"]);
    assert_eq!(portal.titles(&format!("subjectId={unknown}")), Vec::<String>::new());
    assert_eq!(portal.titles("quotaFilter=Custom"), Vec::<String>::new());
    assert_eq!(portal.titles("storageFilter=ThirdParty"), Vec::<String>::new());
    assert_eq!(portal.titles("provider=GoogleDrive"), Vec::<String>::new());
    assert_eq!(portal.titles("quotaFilter=All&storageFilter=Internal&provider=None").len(), 2);
    for bad in [
        "subjectOwnerId=nope",
        "excludeSubject=perhaps",
        "quotaFilter=9",
        "provider=Ftp",
        "groupId=5",
        "groupId=x",
    ] {
        let reply = portal.get(&format!("files/rooms?{bad}"));
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
    }
}

#[test]
fn inputs_the_emulator_does_not_use_are_still_validated() {
    let portal = TestPortal::start();
    let base = json!({"title": "T", "roomType": 8});
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    for (key, value) in [
        ("chatSettings", json!("broken")),
        ("lifetime", json!({"period": 999, "value": 5, "deletePermanently": false})),
        ("lifetime", json!({"period": 0, "value": -5, "deletePermanently": false})),
        ("lifetime", json!({"period": 0, "value": 1000})),
        ("lifetime", json!("broken")),
        ("cover", json!("no-such-cover")),
        ("share", json!("broken")),
        ("share", json!([{"shareTo": "x", "access": 2}])),
        ("quota", json!("big")),
        ("watermark", json!({"text": 5})),
        ("logo", json!({"x": 1})),
        ("sendFormToExternalDB", json!("yes")),
    ] {
        let reply = portal.post("files/rooms", with(key, value.clone()));
        assert_eq!(reply.status, 400, "{key}: {value}: {}", reply.text);
    }
    assert_eq!(portal.emulator.rooms().len(), 0, "nothing was created");
    let ok = with("lifetime", json!({"period": 1, "value": 30, "deletePermanently": false}));
    assert_eq!(portal.post("files/rooms", ok).status, 200);
    let id = portal.emulator.rooms()[0].id;
    let path = format!("files/rooms/{id}");
    for body in [
        json!({"lifetime": {"value": -5}}),
        json!({"cover": "no-such-cover"}),
        json!({"chatSettings": "broken"}),
        json!({"watermark": {"rotate": "left"}}),
    ] {
        let reply = portal.put(&path, body.clone());
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
    }
    for body in
        [json!({"lifetime": {"enabled": false}}), json!({"cover": ""}), json!({"cover": "anchor"})]
    {
        assert_eq!(portal.put(&path, body.clone()).status, 200, "{body}");
    }
}

// ---------------------------------------------------------------------------------------------
// Faults the client tests need

#[test]
fn page_cap_limits_every_paged_list_and_keeps_the_true_total() {
    let portal = portal_with_groups(5);
    seed_titles(&portal.emulator, &["A", "B", "C", "D"]);
    let id = portal.emulator.rooms()[0].id;
    let bob = person_id(&portal, "bob@example.com");
    let ann = person_id(&portal, "ann@example.com");
    let invite = json!({"invitations": [{"id": bob, "access": 2}, {"id": ann, "access": 2}]});
    assert_eq!(portal.put(&format!("files/rooms/{id}/share"), invite).status, 200);
    portal.emulator.set_faults(Faults { page_cap: Some(2), ..Faults::default() });

    let rooms = portal.get("files/rooms?count=100");
    assert_eq!(rooms.response()["folders"].as_array().unwrap().len(), 2);
    assert_eq!(
        (rooms.response()["count"].clone(), rooms.response()["total"].clone()),
        (json!(2), json!(4))
    );
    let second = portal.get("files/rooms?startIndex=2&count=100");
    assert_eq!(second.response()["count"], 2);
    for (path, total) in [
        ("people?count=50", 4),
        ("group?count=50", 6),
        (&*format!("files/rooms/{id}/share?count=50"), 3),
    ] {
        let reply = portal.get(path);
        assert_eq!(reply.response().as_array().unwrap().len(), 2, "{path}");
        assert_eq!(
            (reply.json["count"].clone(), reply.json["total"].clone()),
            (json!(2), json!(total)),
            "{path}"
        );
    }
    let small = portal.get("people?count=1");
    assert_eq!(small.json["count"], 1, "a smaller count still wins");
}

#[test]
fn create_commits_late_answers_504_html_and_commits_after_the_delay() {
    let portal = TestPortal::on_clock(Clock::manual());
    portal.emulator.set_faults(Faults {
        create_commits_late: Some(Duration::from_millis(300)),
        ..Faults::default()
    });
    let reply = portal.post("files/rooms", json!({"title": "Late", "roomType": 5}));
    assert_eq!(reply.status, 504);
    assert!(reply.text.contains("<html>"), "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("text/html"));
    portal.emulator.clock().advance(Duration::from_millis(299));
    assert!(portal.titles("").is_empty(), "not committed yet");
    assert!(portal.emulator.rooms().is_empty(), "nor seen by the test hooks");
    portal.emulator.clock().advance(Duration::from_millis(1));
    assert_eq!(portal.emulator.rooms().len(), 1, "committed once the delay is up");
    assert_eq!(portal.titles(""), ["Late"]);
    let invalid = portal.post("files/rooms", json!({"title": "", "roomType": 5}));
    assert_eq!(invalid.status, 400, "a create that would fail still fails at once");
}

#[test]
fn fail_once_answers_500_with_the_error_envelope_once_per_entry_and_changes_nothing() {
    let portal = portal_with_people();
    let id = portal.emulator.seed_room("Team", RoomType::Custom, false, &["a"]);
    portal.emulator.set_faults(Faults {
        fail_once: vec![
            "PUT /api/2.0/files/rooms/*/tags".into(),
            "put /api/2.0/files/rooms/*".into(),
        ],
        ..Faults::default()
    });
    let tags = format!("files/rooms/{id}/tags");
    let first = portal.put(&tags, json!({"names": ["b"]}));
    assert_eq!(first.status, 500);
    assert_eq!(
        (first.json["status"].clone(), first.json["statusCode"].clone()),
        (json!(1), json!(500))
    );
    assert!(!first.error_message().is_empty());
    assert_eq!(portal.emulator.rooms()[0].tags, ["a"], "the failed request had no effect");
    assert_eq!(portal.put(&tags, json!({"names": ["b"]})).status, 200, "the entry is spent");
    let share = portal.put(&format!("files/rooms/{id}/share"), json!({"invitations": []}));
    assert_eq!(share.status, 200, "`*` matches one segment, not two");
    let rename = portal.put(&format!("files/rooms/{id}"), json!({"title": "New"}));
    assert_eq!(rename.status, 500);
    assert_eq!(portal.emulator.rooms()[0].title, "Team");
    assert_eq!(portal.put(&format!("files/rooms/{id}"), json!({"title": "New"})).status, 200);
}

#[test]
fn seeded_groups_with_the_same_name_get_distinct_stable_ids_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    let mut groups: Vec<Value> = (0..101).map(|i| json!({"name": format!("G{i:03}")})).collect();
    groups.push(json!({"name": "Twin"}));
    groups.push(json!({"name": "Twin"}));
    std::fs::write(&seed, json!({"groups": groups}).to_string()).unwrap();
    let portal =
        TestPortal::with(EmulatorConfig { seed_file: Some(seed), ..EmulatorConfig::default() });
    let first = portal.get("group");
    assert_eq!(
        (first.json["count"].clone(), first.json["total"].clone()),
        (json!(100), json!(103))
    );
    let twins = portal.get("group?filterValue=twin");
    let ids: Vec<&str> =
        twins.response().as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    let single = TestPortal::start();
    let unique_id = single.emulator.add_group("Twin", &[]);
    assert!(
        ids.contains(&unique_id.as_str()),
        "the first of a name keeps the id a unique name has"
    );
}
