//! Issue 12: the emulator reads requests as a portal does (model binding, paging, filters).

use super::*;

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
