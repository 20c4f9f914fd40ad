//! The injected faults: latency, 429s, 5xx pages, lost responses, capped pages, late commits
//! and one-off failures. The portal's own rate limiter is in `limits`.

use super::*;

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
fn every_nth_request_is_429_as_a_sliding_window_refuses_or_with_retry_after_as_a_fixed_one() {
    let portal = TestPortal::on_clock(Clock::manual_at(1_800_000_000));
    // Counting starts when the faults are set.
    portal.get("files/rooms");
    portal.emulator.set_faults(Faults { rate_limit_every: Some(3), ..Faults::default() });
    let replies = room_lists(&portal, 6);
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    let limited = &replies[5];
    assert_empty_body(limited, 429);
    assert_eq!(limited.header("x-ratelimit-limit"), Some("1500"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("retry-after"), None, "a sliding window says no wait");
    assert_eq!(limited.header("x-ratelimit-reset"), None);
    assert_eq!(replies[4].header("x-ratelimit-limit"), None, "nothing on a success");

    portal.emulator.set_faults(Faults {
        rate_limit_every: Some(1),
        retry_after_secs: Some(7),
        ..Faults::default()
    });
    let fixed = portal.get("files/rooms");
    assert_empty_body(&fixed, 429);
    assert_eq!(fixed.header("retry-after"), Some("7"));
    assert_eq!(fixed.header("x-ratelimit-reset"), Some("1800000007"), "an absolute Unix time");
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
fn lose_response_once_drops_the_first_matching_success_after_it_took_effect() {
    let portal = TestPortal::start();
    let room = portal.emulator.seed_room("Deals", RoomType::Custom, false, &[]);
    let folder = portal.emulator.seed_folder(room, room, "Scratch");
    portal.emulator.set_faults(Faults {
        lose_response_once: vec!["PUT /api/2.0/files/fileops/delete".into()],
        ..Faults::default()
    });
    // A refused request does not spend the entry.
    let refused = portal.put("files/fileops/delete", json!({"folderIds": [987_654]}));
    assert_eq!(refused.status, 404);
    let body = json!({"folderIds": [folder], "immediately": false});
    let lost =
        portal.block_on(portal.api.call("PUT", "files/fileops/delete", Auth::Owner, Some(body)));
    assert!(lost.is_err(), "no response at all: {lost:?}");
    assert!(portal.emulator.requests().last().unwrap().response_lost);
    assert_eq!(portal.fileops().len(), 1, "the operation started");
    assert!(portal.emulator.folders(room)[0].trashed);
    let again =
        portal.put("files/fileops/delete", json!({"folderIds": [], "returnSingleOperation": true}));
    assert_eq!(again.status, 200, "spent: {}", again.text);
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
fn commit_late_once_answers_504_html_and_handles_the_request_after_the_delay_once() {
    let portal = TestPortal::committing_late("POST /api/2.0/files/folder/*");
    let room = portal.emulator.seed_room("Deals", RoomType::Custom, false, &[]);
    let titles = || -> Vec<Value> {
        let listed = portal.get(&format!("files/{room}/subfolders"));
        listed.response().as_array().unwrap().iter().map(|f| f["title"].clone()).collect()
    };
    let create = format!("files/folder/{room}");
    let late = portal.post(&create, json!({"title": "Late"}));
    assert_eq!(late.status, 504);
    assert!(late.text.contains("<html>"), "{}", late.text);
    // 1 ms short of `COMMITTED_LATE`.
    portal.emulator.clock().advance(Duration::from_millis(1_999));
    assert!(titles().is_empty(), "not handled yet");
    portal.emulator.clock().advance(Duration::from_millis(1));
    // Handled at the first look at the state once due, beside that request.
    crate::common::wait_until("the late create", Duration::from_secs(5), || {
        titles() == [json!("Late")]
    });
    let next = portal.post(&create, json!({"title": "Next"}));
    assert_eq!(next.status, 200, "spent: {}", next.text);
    assert_eq!(titles(), [json!("Late"), json!("Next")]);
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
