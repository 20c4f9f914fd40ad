//! The directory, logging in, and a room's members.

use super::*;

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
