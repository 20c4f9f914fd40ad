//! Room listings: search areas, filters, sorting and paging.

use super::*;

/// Newer portals (the default): OBSERVED §9.1.
#[test]
fn active_area_leaves_out_form_filling_and_archived_rooms() {
    let portal = seeded_apart();
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

/// `products/ASC.Files/Core/Core/VirtualRooms/SearchArea.cs` L39-63: v3.7.2 has no `Forms`
/// area, so `searchArea=Forms` (or 8) fails model binding
/// (`RoomContentRequestDto.cs` L66-67), and form-filling rooms are ordinary rooms of `Active`.
#[test]
fn a_v3_7_2_portal_has_no_forms_area_and_lists_form_filling_rooms_in_active() {
    let portal = TestPortal::with(EmulatorConfig {
        behaviour: Behaviour { version: PortalVersion::V3_7_2, ..Behaviour::default() },
        clock: Clock::manual(),
        ..EmulatorConfig::default()
    });
    seed_each_type(&portal.emulator);
    assert_validation_400(&portal.get("files/rooms?searchArea=Forms"));
    assert_validation_400(&portal.get("files/rooms?searchArea=8"));
    assert_eq!(portal.titles(BY_ID), ["Custom", "Collab", "Form", "Public", "Vdr"]);
    assert_eq!(
        portal.titles(&format!("searchArea=Any&{BY_ID}")),
        ["Custom", "Collab", "Form", "Public", "Vdr", "Old", "OldForm"]
    );
}

#[test]
fn archive_area_lists_archived_rooms_with_root_folder_type_20() {
    let portal = seeded_apart();
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
    let portal = seeded_apart();
    seed_each_type(&portal.emulator);
    assert_eq!(
        portal.titles(&format!("searchArea=Any&{BY_ID}")),
        ["Custom", "Collab", "Form", "Public", "Vdr", "Old", "OldForm"]
    );
    assert_eq!(portal.titles(&format!("searchArea=2&{BY_ID}")).len(), 7);
}

/// `FileSecurity.cs` L2675-2682 (server `products/ASC.Files/Core/Core/Security/`): `Any` is
/// the Rooms and Archive folders, `AiAgents` the AI agents' own folder. An AI agent
/// (`POST ai/agents`, `AgentsController.cs` L123, made in that folder by
/// `FileStorageService.CreateAiAgentAsync` L621-637) is listed by `AiAgents` only; an AI room
/// made by `POST files/rooms` with `roomType` 9 (`CreateRoomAsync` L603-619: in Rooms) is listed
/// like any room, by `Active` and `Any`, and not by `AiAgents`.
#[test]
fn an_ai_agent_is_listed_in_ai_agents_only_and_an_ai_room_like_any_room() {
    let portal = seeded_apart();
    portal.emulator.seed_agent("Agent");
    seed_one(&portal.emulator, "Custom", RoomType::Custom, false);
    let made = portal.create("Assistant", json!(9));
    assert_eq!(made["roomType"], 9);
    assert_eq!(
        (made["rootFolderType"].clone(), made["parentId"].clone()),
        (json!(14), json!(1000))
    );
    assert_eq!(portal.titles("searchArea=AiAgents"), ["Agent"]);
    assert_eq!(portal.titles(&format!("searchArea=Any&{BY_ID}")), ["Custom", "Assistant"]);
    assert_eq!(portal.titles(&format!("searchArea=Active&{BY_ID}")), ["Custom", "Assistant"]);
    let agents = portal.get("files/rooms?searchArea=AiAgents");
    assert_eq!(agents.response()["folders"][0]["rootFolderType"], 34);
}

/// Review evidence F3 (`review-src` 782ac1e), with the fix: on v3.7.2 `searchArea=Any` is the
/// Rooms and Archive folders (`FileSecurity.cs` L2675-2682), so an AI agent, which lives in its
/// own folder, is not in it.
#[test]
fn an_ai_agent_is_not_listed_in_search_area_any() {
    let portal = TestPortal::start();
    portal.emulator.seed_agent("Agent");
    assert_eq!(portal.titles("searchArea=AiAgents"), ["Agent"], "it is an agent here");
    assert_eq!(portal.titles("searchArea=Any"), Vec::<String>::new());
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
    let portal = seeded_apart();
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
    let portal = seeded_apart();
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
    let portal = seeded_apart();
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
    let portal = seeded_apart();
    seed_each_type(&portal.emulator);
    assert_eq!(portal.titles("type=PublicRoom"), ["Public"]);
    assert_eq!(portal.titles(&format!("type=5&type=6&{BY_ID}")), ["Custom", "Public"]);
    assert_eq!(portal.titles(&format!("type=CustomRoom&searchArea=Archive&{BY_ID}")), ["Old"]);
}

#[test]
fn sort_by_title_or_creation_works_in_both_orders() {
    let portal = seeded_apart();
    seed_titles(&portal.emulator, &["C", "a", "B"]);
    assert_eq!(portal.titles("sortBy=AZ&sortOrder=ascending"), ["a", "B", "C"]);
    assert_eq!(portal.titles("sortBy=AZ&sortOrder=Descending"), ["C", "B", "a"]);
    assert_eq!(portal.titles("sortBy=DateAndTimeCreation&sortOrder=0"), ["C", "a", "B"]);
    assert_eq!(portal.titles("sortBy=DateAndTimeCreation&sortOrder=1"), ["B", "a", "C"]);
}

/// `EntryManager.SortEntries` (`products/ASC.Files/Core/Utils/EntryManager.cs` L1012-1017):
/// rooms created in one second (`create_on` is a whole-second `datetime`, `DbFolder.cs`
/// L116-118) come by title, ascending in either direction, numbers by value
/// (`StringExtension.EnumerableComparer`); nothing breaks the tie by id.
#[test]
fn rooms_created_in_one_second_come_by_title_in_either_order() {
    let portal = TestPortal::on_clock(Clock::manual());
    portal.seed("Early", RoomType::Custom, false, &[]);
    portal.emulator.clock().advance(Duration::from_secs(1));
    for title in ["Room 10", "b", "Room 9", "A"] {
        portal.seed(title, RoomType::Custom, false, &[]);
    }
    let ties = ["A", "b", "Room 9", "Room 10"];
    let ascending = portal.titles("sortBy=DateAndTimeCreation&sortOrder=ascending");
    assert_eq!(ascending, [&["Early"][..], &ties].concat());
    let descending = portal.titles("sortBy=DateAndTimeCreation&sortOrder=descending");
    assert_eq!(descending, [&ties[..], &["Early"]].concat());
}

#[test]
fn invalid_sort_by_is_ignored_and_invalid_sort_order_is_400() {
    let portal = seeded_apart();
    seed_titles(&portal.emulator, &["C", "a", "B"]);
    assert_eq!(portal.titles("sortBy=AZ&sortOrder=ascending"), ["a", "B", "C"]);
    // `title` is no SortedByType: ignored, so the saved order (AZ ascending) applies.
    assert_eq!(portal.titles("sortBy=title&sortOrder=descending"), ["a", "B", "C"]);
    assert_validation_400(&portal.get("files/rooms?sortBy=AZ&sortOrder=sideways"));
}

/// `docspace-rooms emulator --portal-version 3.7.2` serves the v3.7.2 areas.
#[test]
fn the_emulator_command_takes_the_portal_version() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("docspace-rooms"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--token",
            "sk-test",
            "--portal-version",
            "3.7.2",
        ])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_owned();
    let api = Api::new(&url, "sk-test");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let reply =
        runtime.block_on(api.call("GET", "files/rooms?searchArea=Forms", Auth::Owner, None));
    child.kill().unwrap();
    let _ = child.wait();
    assert_validation_400(&reply.unwrap());
}
