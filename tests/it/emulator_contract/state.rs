//! The emulator's own bookkeeping (state file, request log, seeding) and the `emulator`
//! command.

use super::*;

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

/// Stops an emulator command with Ctrl-C; it exits 0.
fn interrupt(mut child: std::process::Child) {
    crate::common::signal(&child, "-INT");
    crate::common::wait_until("the emulator stops on SIGINT", Duration::from_secs(10), || {
        child.try_wait().unwrap().is_some()
    });
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn the_emulator_command_serves_until_interrupted_and_keeps_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    // Port 0: the system picks a free one each run, and the first line says which.
    let run = |expect_room: bool| {
        let args =
            ["--listen".as_ref(), "127.0.0.1:0".as_ref(), "--state".as_ref(), state.as_os_str()];
        let (child, first, url, token) = crate::common::emulator_command(&args);
        assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{first}");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let api = Api::new(&url, &token);
        runtime.block_on(async {
            if !expect_room {
                let body = json!({"title": "Kept", "roomType": 2});
                let created = api.call("POST", "files/rooms", Auth::Owner, Some(body)).await;
                assert_eq!(created.unwrap().status, 200);
            }
            let list = api.call("GET", "files/rooms", Auth::Owner, None).await.unwrap();
            assert_eq!(list.response()["folders"][0]["title"], "Kept");
        });
        interrupt(child);
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
