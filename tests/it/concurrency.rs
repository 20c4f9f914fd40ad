//! Two runs at once (issue 21): two `apply` runs of one manifest started together leave one room
//! per title and one folder per path. The emulator holds each create of a chosen title until
//! the other run's create of it has arrived (`Faults::create_rendezvous`), so both runs pass
//! their last look before either create commits, and both create, every round, whatever the
//! timing. Its search index lags (`Behaviour::search_index_lag`), as a portal's with full-text
//! search does, so nothing here passes by finding a new room through `filterValue`.

use crate::common::{TestPortal, apply_on_a_terminal, stderr, stdout, wait_until};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::faults::{Behaviour, Faults, Rendezvous};
use docspace_rooms::emulator::{EmulatedRoom, EmulatorConfig};
use serde_json::json;
use std::time::Duration;

/// Two new rooms (one with folders, which only the run keeping the room creates) and folders in
/// a room both runs find, which both create.
const MANIFEST: &str = "rooms:
  - title: Deal Alpha
    type: virtual-data
    folders: [Contracts/2026, Finance]
  - title: Deal Beta
    type: custom
    tags: [beta]
  - title: Shared
    folders: [Inbox/Today, Outbox]
";

/// The titles both runs create.
const RACED: [&str; 5] = ["Deal Alpha", "Deal Beta", "Inbox", "Today", "Outbox"];

/// A portal whose creates of `titles` wait for `parties` creates of the same title, with a
/// search index an hour behind.
fn racing(parties: usize, titles: &[&str]) -> TestPortal {
    TestPortal::with(EmulatorConfig {
        faults: Faults {
            create_rendezvous: Some(Rendezvous {
                parties,
                titles: titles.iter().map(ToString::to_string).collect(),
            }),
            ..Faults::default()
        },
        behaviour: Behaviour {
            search_index_lag: Duration::from_secs(3600),
            ..Behaviour::default()
        },
        ..EmulatorConfig::default()
    })
}

fn rooms_titled(portal: &TestPortal, title: &str) -> Vec<EmulatedRoom> {
    portal.emulator.rooms().into_iter().filter(|room| room.title == title).collect()
}

fn posts(portal: &TestPortal, path: &str) -> usize {
    let posts = portal.emulator.requests().into_iter();
    posts.filter(|r| r.method == "POST" && r.path.starts_with(path)).count()
}

#[test]
fn two_runs_of_one_manifest_at_once_leave_one_room_per_title_and_one_folder_per_path() {
    for round in 1..=4 {
        let portal = racing(2, &RACED);
        let shared = portal.seed("Shared", RoomType::Custom, false, &[]);
        portal.manifest(MANIFEST);
        let runs = [
            portal.spawn(&["apply", "--auto-approve"]),
            portal.spawn(&["apply", "--auto-approve"]),
        ];
        let outputs: Vec<_> = runs.map(|run| run.wait_with_output().unwrap()).into();
        let said = |output: &std::process::Output| format!("{}{}", stdout(output), stderr(output));

        // Both runs created both rooms and the shared folders: the race took place.
        assert_eq!(posts(&portal, "/api/2.0/files/rooms"), 4, "round {round}");
        let shared_folders = portal.emulator.folders(shared);
        let trashed: Vec<&str> =
            shared_folders.iter().filter(|f| f.trashed).map(|f| f.title.as_str()).collect();
        assert_eq!(trashed.len(), 3, "round {round}: one copy of each shared folder, {trashed:?}");
        let titles: Vec<String> = portal.rooms().into_iter().map(|(title, ..)| title).collect();
        assert_eq!(titles, ["Deal Alpha", "Deal Beta", "Shared"], "round {round}");
        let alpha = rooms_titled(&portal, "Deal Alpha")[0].id;
        assert_eq!(portal.folder_paths(alpha), ["Contracts", "Contracts/2026", "Finance"]);
        assert_eq!(portal.folder_paths(shared), ["Inbox", "Inbox/Today", "Outbox"]);

        // For each room, one run kept it and the other says it removed its own copy; a run
        // that kept both rooms succeeded.
        for title in ["Deal Alpha", "Deal Beta"] {
            let removed = format!("another run created room \"{title}\" at the same time");
            let losers = outputs.iter().filter(|o| stdout(o).contains(&removed)).count();
            assert_eq!(
                losers,
                1,
                "round {round}, {title}: {}",
                outputs.iter().map(said).collect::<String>()
            );
        }
        for output in &outputs {
            let lost_one = stdout(output).contains("at the same time");
            assert_eq!(output.status.success(), !lost_one, "round {round}: {}", said(output));
        }

        // What stays is what the manifest declares: nothing left to do.
        let plan = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
        assert_eq!(plan.status.code(), Some(0), "round {round}: {}", said(&plan));
    }
}

/// `apply` of one new room "Solo" (looking for twins for `window` seconds), whose create
/// commits first, and another client's create of "Solo" right after it, which is never
/// removed (a run that crashed, or that never saw the first room): the portal, the run, and the
/// ids of the run's room and the other one.
fn a_run_and_a_younger_twin(window: &str) -> (TestPortal, std::process::Child, u64, u64) {
    let portal = racing(2, &["Solo"]);
    portal.manifest("rooms:\n  - title: Solo\n    type: custom\n");
    let run = portal.spawn(&["apply", "--auto-approve", "--create-lookup-window", window]);
    wait_until("the run's create arrives", Duration::from_secs(60), || {
        portal.emulator.rendezvous_arrivals() == 1
    });
    let theirs = portal.create("Solo", json!("CustomRoom"))["id"].as_u64().unwrap();
    let mine = rooms_titled(&portal, "Solo")[0].id;
    assert!(mine < theirs, "the run's room is the older");
    (portal, run, mine, theirs)
}

#[test]
fn the_older_room_gives_way_when_its_twin_stays_and_only_this_runs_room_is_removed() {
    let (portal, run, mine, theirs) = a_run_and_a_younger_twin("1");
    let output = run.wait_with_output().unwrap();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}{}", stderr(&output));
    let rooms = rooms_titled(&portal, "Solo");
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    assert_eq!(rooms[0].id, theirs, "the other client's room stays");
    assert!(
        out.contains(&format!(
            "another run created room \"Solo\" at the same time: room {theirs} stays, and this run removed its own copy (room {mine})"
        )),
        "{out}"
    );
    let writes = portal.writes();
    assert!(writes.contains(&format!("PUT /api/2.0/files/rooms/{mine}/archive")), "{writes:?}");
    assert!(writes.contains(&format!("DELETE /api/2.0/files/rooms/{mine}")), "{writes:?}");
    let touched = format!("/rooms/{theirs}");
    assert!(!writes.iter().any(|w| w.contains(&touched)), "{writes:?}");
}

#[test]
fn a_twin_already_in_use_is_never_removed_and_the_error_names_both_rooms() {
    let (portal, run, mine, theirs) = a_run_and_a_younger_twin("3");
    // Someone starts using the run's room while it waits for the twin to go.
    portal.emulator.seed_folder(mine, mine, "Notes");
    let output = run.wait_with_output().unwrap();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}{}", stderr(&output));
    assert!(
        out.contains(&format!(
            "rooms {mine} and {theirs} both carry the title \"Solo\", created by runs at the same time; room {mine}, this run's, is not empty, so none was removed"
        )),
        "{out}"
    );
    assert_eq!(rooms_titled(&portal, "Solo").len(), 2, "nothing removed");
    assert!(!portal.writes().iter().any(|w| w.contains("/archive")), "{:?}", portal.writes());
}

#[test]
fn a_room_created_while_apply_waits_for_yes_is_not_created_again() {
    let portal = racing(2, &[]);
    portal.manifest("rooms:\n  - title: Asked\n    type: custom\n    tags: [mine]\n");
    let mut theirs = 0;
    // Someone (CI, another person) creates the room between this run's plan and its "yes".
    let (code, screen) = apply_on_a_terminal(&portal, "y\n", || {
        theirs = portal.create("Asked", json!("CustomRoom"))["id"].as_u64().unwrap();
    });
    assert_eq!(code, 1, "{screen}");
    assert!(
        screen.contains(&format!(
            "room \"Asked\" was created by someone else after this run read the portal (room {theirs}); it was not created again"
        )),
        "{screen}"
    );
    assert_eq!(posts(&portal, "/api/2.0/files/rooms"), 1, "only the other create");
    assert_eq!(portal.rooms(), [("Asked".into(), false, vec![])], "untouched, one room");
}

#[test]
fn a_folder_another_run_made_since_the_read_is_used_and_not_created_again() {
    let portal = racing(2, &[]);
    let room = portal.seed("Shared", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Shared\n    folders: [Inbox/Today]\n");
    let mut inbox = 0;
    let (code, screen) = apply_on_a_terminal(&portal, "y\n", || {
        inbox = portal.emulator.seed_folder(room, room, "Inbox");
    });
    assert_eq!(code, 0, "{screen}");
    assert_eq!(portal.folder_paths(room), ["Inbox", "Inbox/Today"]);
    let today = portal.emulator.folders(room).into_iter().find(|f| f.title == "Today").unwrap();
    assert_eq!(today.parent, inbox, "created in the other run's folder");
    assert_eq!(posts(&portal, "/api/2.0/files/folder/"), 1, "only `Today` was created");
}

#[test]
fn a_lagging_search_index_hides_a_new_room_from_filter_value_only() {
    // A portal with full-text search takes a filtered listing's ids from its index, which a
    // create updates without waiting (`FolderDao.cs` L194-197, L625-628).
    let portal = TestPortal::with(EmulatorConfig {
        behaviour: Behaviour { search_index_lag: Duration::from_secs(5), ..Behaviour::default() },
        clock: docspace_rooms::emulator::Clock::manual(),
        ..EmulatorConfig::default()
    });
    portal.create("Fresh", json!("CustomRoom"));
    assert!(portal.titles("searchArea=Any&filterValue=Fresh").is_empty());
    assert_eq!(portal.titles("searchArea=Any"), ["Fresh"], "the database has it");
    portal.emulator.clock().advance(Duration::from_secs(5));
    assert_eq!(portal.titles("searchArea=Any&filterValue=Fresh"), ["Fresh"], "indexed by now");
}

#[test]
fn the_looks_for_twins_read_only_the_rooms_created_since_the_last_look() {
    // 250 creates on an empty portal: a look that read every room created since the plan
    // would read 1, then 2, then 3 pages (about 500 reads in all).
    let portal = TestPortal::start();
    let mut yaml = String::from("rooms:\n");
    for n in 0..250 {
        yaml.push_str(&format!("  - title: Room {n:03}\n    type: custom\n"));
    }
    portal.manifest(&yaml);
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(portal.rooms().len(), 250);
    let reads = portal.emulator.requests().into_iter();
    let reads = reads.filter(|r| r.method == "GET" && r.path == "/api/2.0/files/rooms").count();
    // The plan's read, the first look, and one look after each create (a few more when
    // concurrent looks race to the same page).
    assert!((252..=270).contains(&reads), "{reads} listing reads");
}

#[test]
fn a_younger_room_that_cannot_be_removed_is_named_with_its_twin_and_both_stay() {
    let portal = TestPortal::start();
    portal.emulator.set_faults(Faults {
        create_rendezvous: Some(Rendezvous { parties: 2, titles: vec!["Solo".into()] }),
        fail_once: vec!["PUT /api/2.0/files/rooms/*/archive".into()],
        ..Faults::default()
    });
    portal.manifest("rooms:\n  - title: Solo\n    type: custom\n");
    // Another client's create arrives first, so its room is the older one.
    let other = std::thread::scope(|scope| {
        let other = scope.spawn(|| portal.create("Solo", json!("CustomRoom"))["id"].as_u64());
        wait_until("the other create arrives", Duration::from_secs(60), || {
            portal.emulator.rendezvous_arrivals() == 1
        });
        let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
        (other.join().unwrap().unwrap(), output)
    });
    let (theirs, output) = other;
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}{}", stderr(&output));
    let rooms = rooms_titled(&portal, "Solo");
    assert_eq!(rooms.len(), 2, "{rooms:?}");
    let mine = rooms[1].id;
    assert_eq!(rooms[0].id, theirs);
    assert!(
        out.contains(&format!(
            "rooms {theirs} and {mine} both carry the title \"Solo\", created by runs at the same time; room {mine}, this run's, could not be removed: "
        )),
        "{out}"
    );
}

#[test]
fn a_rooms_counts_show_its_folders_and_files_at_any_depth() {
    // What a run reads to tell whether its new room is still empty (a room is a folder:
    // `FolderDto.FilesCount`/`FoldersCount`, recursive as a folder's).
    let portal = TestPortal::start();
    let room = portal.seed("Counted", RoomType::Custom, false, &[]);
    let counts = |portal: &TestPortal| {
        let reply = portal.room(room);
        (reply.response()["filesCount"].clone(), reply.response()["foldersCount"].clone())
    };
    assert_eq!(counts(&portal), (json!(0), json!(0)));
    let outer = portal.emulator.seed_folder(room, room, "Outer");
    let inner = portal.emulator.seed_folder(room, outer, "Inner");
    portal.emulator.add_file(inner);
    assert_eq!(counts(&portal), (json!(1), json!(2)));
}
