//! Archive, unarchive and delete as asynchronous operations, and `/fileops`.

use super::*;

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
