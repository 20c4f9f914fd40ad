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
use std::collections::HashSet;
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
    // Renamed out of the title (so no other run counts it any more), then deleted as it is:
    // v3.7.2 lets a room's creator delete an active room, and says so in `security.Delete`.
    let writes = portal.writes();
    let removal =
        [format!("PUT /api/2.0/files/rooms/{mine}"), format!("DELETE /api/2.0/files/rooms/{mine}")];
    assert!(writes.ends_with(&removal), "{writes:?}");
    let touched = format!("/rooms/{theirs}");
    assert!(!writes.iter().any(|w| w.contains(&touched)), "{writes:?}");
}

#[test]
fn a_portal_that_deletes_only_archived_rooms_gets_the_twin_archived_first() {
    let deny = Behaviour { deny_active_delete: true, ..Behaviour::default() };
    let portal = racing_with(&["Solo"], Faults::default(), deny);
    portal.manifest("rooms:\n  - title: Solo\n    type: custom\n");
    let run = portal.spawn(&["apply", "--auto-approve", "--create-lookup-window", "1"]);
    wait_until("the run's create arrives", Duration::from_secs(60), || {
        portal.emulator.rendezvous_arrivals() == 1
    });
    let theirs = portal.create("Solo", json!("CustomRoom"))["id"].as_u64().unwrap();
    let output = run.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    let rooms = rooms_titled(&portal, "Solo");
    assert_eq!(rooms.iter().map(|r| r.id).collect::<Vec<_>>(), [theirs], "{rooms:?}");
    let mine = theirs - 1;
    let writes = portal.writes();
    let removal = [
        format!("PUT /api/2.0/files/rooms/{mine}"),
        format!("PUT /api/2.0/files/rooms/{mine}/archive"),
        format!("DELETE /api/2.0/files/rooms/{mine}"),
    ];
    assert!(writes.ends_with(&removal), "{writes:?}");
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
            "rooms {mine} and {theirs} both carry the title \"Solo\", created by runs at the same time; room {mine}, this run's, is not empty, so this run removed none: run `plan`"
        )),
        "{out}"
    );
    assert_eq!(rooms_titled(&portal, "Solo").len(), 2, "nothing removed");
    assert!(!portal.writes().iter().any(|w| w.starts_with("PUT")), "{:?}", portal.writes());
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

/// A portal on a manual clock that dates `per_second` rooms a second (its clock moves only with
/// the creates, so the rooms sharing a second are as many on any machine:
/// `Behaviour::rooms_per_second`), with `faults`.
fn dating(per_second: usize, faults: Faults, clock: docspace_rooms::emulator::Clock) -> TestPortal {
    TestPortal::with(EmulatorConfig {
        behaviour: Behaviour {
            rooms_per_second: std::num::NonZeroUsize::new(per_second),
            ..Behaviour::default()
        },
        faults,
        clock,
        ..EmulatorConfig::default()
    })
}

/// `apply` with `args` of a manifest of 250 new rooms, which must succeed; how many rooms
/// listings the portal answered.
fn create_250(portal: &TestPortal, args: &[&str]) -> usize {
    let mut yaml = String::from("rooms:\n");
    for n in 0..250 {
        yaml.push_str(&format!("  - title: Room {n:03}\n    type: custom\n"));
    }
    portal.manifest(&yaml);
    let output = portal.cmd(&[&["apply", "--auto-approve"], args].concat()).output().unwrap();
    assert!(output.status.success(), "{}", said(&output));
    let titles: HashSet<String> = portal.rooms().into_iter().map(|(title, ..)| title).collect();
    assert_eq!((portal.rooms().len(), titles.len()), (250, 250), "each room once");
    let reads = portal.emulator.requests().into_iter();
    reads.filter(|r| r.method == "GET" && r.path == "/api/2.0/files/rooms").count()
}

#[test]
fn the_looks_for_twins_read_only_the_rooms_created_since_the_last_look() {
    // 250 creates on an empty portal that dates 20 rooms a second: a look that read every
    // room created since the plan would read 1, then 2, then 3 pages (about 500 reads in all).
    let clock = docspace_rooms::emulator::Clock::manual();
    let started = clock.since_epoch();
    let portal = dating(20, Faults::default(), clock.clone());
    let reads = create_250(&portal, &[]);
    let moved = clock.since_epoch().checked_sub(started);
    assert_eq!(moved, Some(Duration::from_secs(12)), "20 rooms a second");
    // The plan's read, the first look, and one look after each create: each reads back only
    // through the rooms created in the newest second it knows, fewer than a page.
    assert_eq!(reads, 252, "listing reads");
}

#[test]
fn a_burst_of_creates_in_one_second_costs_a_look_at_most_two_pages() {
    // 250 creates, one at a time, on a portal that dates 150 rooms a second: the rooms of one
    // second are listed by title, so a look reads back through all of its second's rooms, more
    // than one page once over 75. A look whose last one read further than a page reads the page
    // before with the first, sized by how far that went (`Portal::rooms_created_since`): two
    // requests, one round trip (BENCHMARKS.md shows the time).
    let portal = dating(150, Faults::default(), docspace_rooms::emulator::Clock::manual());
    let reads = create_250(&portal, &["--parallelism", "1"]);
    // The plan's read and the first look: 2. In the first second, one page each while the
    // last look read at most 75 rooms (76 looks), two once it read more (74 × 2). In the
    // second, the first look reads back to the head (2), the next reads a page ahead that it
    // turns out not to need (2), then one page each (73), and two once the last look read
    // more than 75 rooms again (25 × 2). In all 353, where reading every room created since
    // the plan would take over 600.
    assert_eq!(reads, 353, "listing reads");
}

#[test]
fn a_burst_of_creates_on_a_portal_serving_short_pages_finds_every_room_once() {
    // As above, on a portal that serves at most 45 rooms a page whatever a request asks: the
    // looks' pages come back short, read ahead or not, and each look still meets the rooms it
    // read; nothing is created twice, and a plan afterwards has nothing to do.
    let capped = Faults { page_cap: Some(45), ..Faults::default() };
    let portal = dating(150, capped, docspace_rooms::emulator::Clock::manual());
    create_250(&portal, &["--parallelism", "1"]);
    let plan = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", said(&plan));
}

#[test]
fn a_younger_room_that_cannot_be_removed_is_named_with_its_twin_and_both_stay() {
    let portal = TestPortal::start();
    portal.emulator.set_faults(Faults {
        create_rendezvous: Some(Rendezvous { parties: 2, titles: vec!["Solo".into()] }),
        fail_once: vec!["DELETE /api/2.0/files/rooms/*".into()],
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

fn said(output: &std::process::Output) -> String {
    format!("{}{}", stdout(output), stderr(output))
}

/// A portal whose creates of `titles` meet two at a time, with these faults and behaviour.
fn racing_with(titles: &[&str], faults: Faults, behaviour: Behaviour) -> TestPortal {
    TestPortal::with(EmulatorConfig {
        faults: Faults {
            create_rendezvous: Some(Rendezvous {
                parties: 2,
                titles: titles.iter().map(ToString::to_string).collect(),
            }),
            ..faults
        },
        behaviour,
        ..EmulatorConfig::default()
    })
}

/// Starts `first` and, once its create of a raced title is held at the rendezvous (so its
/// item will be the older), `second`; waits for both.
fn older_then_younger(
    portal: &TestPortal,
    first: &[&str],
    second: &[&str],
) -> [std::process::Output; 2] {
    let older = portal.spawn(first);
    wait_until("the first run's create arrives", Duration::from_secs(120), || {
        portal.emulator.rendezvous_arrivals() == 1
    });
    let younger = portal.spawn(second);
    [older.wait_with_output().unwrap(), younger.wait_with_output().unwrap()]
}

/// Folder twins, when the younger's trip to the trash outlasts the older run's window (review
/// 2, finding 1): no run reports a folder created unless a live copy remains.
#[test]
fn folder_twins_both_trashed_are_not_reported_created() {
    let portal = racing_with(
        &["Inbox"],
        Faults::default(),
        // A portal whose delete operations take a few polls (seconds), as a busy one does.
        Behaviour { polls_per_operation: 8, ..Behaviour::default() },
    );
    let shared = portal.seed("Shared", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Shared\n    folders: [Inbox/Today]\n");
    let outputs = older_then_younger(
        &portal,
        &["apply", "--auto-approve", "--create-lookup-window", "1"],
        &["apply", "--auto-approve"],
    );
    let live = portal.folder_paths(shared);
    let trashed: Vec<String> = portal
        .emulator
        .folders(shared)
        .into_iter()
        .filter(|f| f.trashed)
        .map(|f| format!("{} ({})", f.title, f.id))
        .collect();
    for output in &outputs {
        if output.status.success() {
            assert_eq!(
                live,
                ["Inbox", "Inbox/Today"],
                "a run exited 0 (\"{}\") but the portal's live folders are {live:?}, trashed {trashed:?}\n{}",
                stdout(output).lines().last().unwrap_or_default(),
                outputs.iter().map(said).collect::<Vec<_>>().join("\n----\n"),
            );
        }
    }
}

/// Room twins, when the younger's removal outlasts the older run's window (review 2, finding
/// 7): no run says a room stays that is gone.
#[test]
fn when_both_room_twins_are_removed_no_run_says_the_other_stays() {
    let portal = racing_with(
        &["Solo"],
        // Every request takes a moment: the younger run's removal outlasts the older run's
        // one-second window.
        Faults { latency: Duration::from_millis(400), ..Faults::default() },
        Behaviour::default(),
    );
    portal.manifest("rooms:\n  - title: Solo\n    type: custom\n");
    let outputs = older_then_younger(
        &portal,
        &["apply", "--auto-approve", "--create-lookup-window", "1"],
        &["apply", "--auto-approve"],
    );
    let left: Vec<u64> = rooms_titled(&portal, "Solo").into_iter().map(|r| r.id).collect();
    let all = outputs.iter().map(said).collect::<Vec<_>>().join("\n----\n");
    for output in &outputs {
        for line in stdout(output).lines().filter(|l| l.contains(" stays, and this run removed")) {
            let before = line.split(" stays, and this run removed").next().unwrap_or_default();
            let claimed: u64 = before
                .rsplit(' ')
                .next()
                .and_then(|id| id.parse().ok())
                .unwrap_or_else(|| panic!("no id in {line}"));
            assert!(
                left.contains(&claimed),
                "a run says room {claimed} stays, but the rooms titled Solo are {left:?}:\n{all}"
            );
        }
    }
}

/// Two runs of one manifest at once, adding a link to a room that exists (review 2, finding
/// 2): one link, and `plan` afterwards finds nothing to do.
#[test]
fn two_runs_at_once_add_one_link_once() {
    // `Gate` is created by both runs and meets at the rendezvous, so the second run has read
    // the portal (no link yet) before the first writes its link; `--parallelism 1` runs the
    // rooms in plan order.
    let portal = racing_with(&["Gate"], Faults::default(), Behaviour::default());
    let press = portal.seed("Press Kit", RoomType::Public, false, &[]);
    portal.manifest(
        "rooms:\n  - title: Gate\n    type: custom\n  - title: Press Kit\n    type: public\n    links:\n      - primary: true\n        name: Shared link\n        access: viewer\n      - name: Journalists\n        access: viewer\n",
    );
    let args = ["apply", "--auto-approve", "--parallelism", "1"];
    let outputs = older_then_younger(&portal, &args, &args);
    let journalists: Vec<String> = portal
        .emulator
        .links(press)
        .into_iter()
        .filter(|l| l.title == "Journalists")
        .map(|l| l.id)
        .collect();
    let plan = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(
        (journalists.len(), plan.status.code()),
        (1, Some(0)),
        "links {journalists:?}; the plan after both runs:\n{}\nthe runs:\n{}",
        said(&plan),
        outputs.iter().map(said).collect::<Vec<_>>().join("\n----\n"),
    );
}

/// `apply` of one new room "Solo" on `portal` (which holds creates of "Solo" two at a time),
/// started once another client's create of "Solo" has arrived: that room is the older, the
/// run's the younger, which the run removes unless it finds it in use. The run, and the ids of
/// its room and the other one.
fn a_run_and_an_older_twin(portal: &TestPortal) -> (std::process::Child, u64, u64) {
    portal.manifest("rooms:\n  - title: Solo\n    type: custom\n");
    std::thread::scope(|scope| {
        let other = scope.spawn(|| portal.create("Solo", json!("CustomRoom"))["id"].as_u64());
        wait_until("the other create arrives", Duration::from_secs(60), || {
            portal.emulator.rendezvous_arrivals() == 1
        });
        let run = portal.spawn(&["apply", "--auto-approve"]);
        let theirs = other.join().unwrap().unwrap();
        let mine = || rooms_titled(portal, "Solo").into_iter().find(|r| r.id != theirs);
        wait_until("the run's room exists", Duration::from_secs(60), || mine().is_some());
        (run, mine().unwrap().id, theirs)
    })
}

/// A portal holding creates of "Solo" two at a time, and the answer to the first request
/// matching `held` (as `Faults::fail_once` names one) until the test lets it go.
fn holding_an_answer(held: &str, behaviour: Behaviour) -> TestPortal {
    let faults = Faults { hold_response_once: vec![held.to_owned()], ..Faults::default() };
    racing_with(&["Solo"], faults, behaviour)
}

/// Once the held answer's request has taken effect, and before the run hears of it: puts a
/// file in `room`, then lets the answer go.
fn a_file_arrives_while_the_answer_is_held(portal: &TestPortal, room: u64) {
    wait_until("the answer is held", Duration::from_secs(60), || {
        portal.emulator.held_responses() == 1
    });
    portal.emulator.add_file(room);
    portal.emulator.release_responses();
}

/// The path of the first `method` request whose path starts with `prefix` and ends with
/// `suffix` (the held one, for the patterns above).
fn first_path(portal: &TestPortal, method: &str, prefix: &str, suffix: &str) -> Option<String> {
    let requests = portal.emulator.requests().into_iter();
    requests
        .filter(|r| r.method == method && r.path.starts_with(prefix) && r.path.ends_with(suffix))
        .map(|r| r.path)
        .find(|path| !path[prefix.len()..path.len() - suffix.len()].contains('/'))
}

/// Content put in the younger twin after its first "untouched" check is not deleted with it
/// (review 2, finding 3): the counts are read last, right before the run goes on.
#[test]
fn content_arriving_during_the_younger_twins_removal_is_not_deleted() {
    // The run's first "untouched" read is of the room's members.
    let portal = holding_an_answer("GET /api/2.0/files/rooms/*/share", Behaviour::default());
    let (run, mine, _) = a_run_and_an_older_twin(&portal);
    // Someone saw the new room and dropped a file in it.
    a_file_arrives_while_the_answer_is_held(&portal, mine);
    let output = run.wait_with_output().unwrap();
    let held = first_path(&portal, "GET", "/api/2.0/files/rooms/", "/share");
    assert_eq!(held, Some(format!("/api/2.0/files/rooms/{mine}/share")), "{}", said(&output));
    let left: Vec<u64> = portal.emulator.rooms().into_iter().map(|r| r.id).collect();
    assert!(
        left.contains(&mine),
        "room {mine}, holding a file, was deleted; writes {:?}\n{}",
        portal.writes(),
        said(&output)
    );
    assert!(stdout(&output).contains(&format!("room {mine}, this run's, is not empty")));
}

/// Content that arrives once the run has renamed its twin out of the title, right before
/// deleting it: it reads the room again first, and gives it its title back.
#[test]
fn content_arriving_once_the_twin_is_marked_keeps_it_and_gives_it_its_title_back() {
    // The rename that marks the twin.
    let portal = holding_an_answer("PUT /api/2.0/files/rooms/*", Behaviour::default());
    let (run, mine, theirs) = a_run_and_an_older_twin(&portal);
    a_file_arrives_while_the_answer_is_held(&portal, mine);
    let output = run.wait_with_output().unwrap();
    let held = first_path(&portal, "PUT", "/api/2.0/files/rooms/", "");
    assert_eq!(held, Some(format!("/api/2.0/files/rooms/{mine}")), "{}", said(&output));
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    let rooms: Vec<u64> = rooms_titled(&portal, "Solo").into_iter().map(|r| r.id).collect();
    assert_eq!(rooms, [theirs, mine], "both stay, under the title\n{out}");
    assert!(
        out.contains(&format!(
            "rooms {theirs} and {mine} both carry the title \"Solo\", created by runs at the same time; room {mine}, this run's, is not empty, so this run removed none"
        )),
        "{out}"
    );
    let deleted = format!("DELETE /api/2.0/files/rooms/{mine}");
    assert!(!portal.writes().contains(&deleted), "{:?}", portal.writes());
}

/// Where a portal deletes only archived rooms, the twin is archived first and read again once
/// archived (an archived room takes no new content): what arrived meanwhile keeps it, and it is
/// unarchived and given its title back.
#[test]
fn content_arriving_before_the_twin_is_archived_keeps_it_active_and_titled() {
    let deny = Behaviour { deny_active_delete: true, ..Behaviour::default() };
    let portal = holding_an_answer("PUT /api/2.0/files/rooms/*/archive", deny);
    let (run, mine, theirs) = a_run_and_an_older_twin(&portal);
    // An upload that was under way lands.
    a_file_arrives_while_the_answer_is_held(&portal, mine);
    let output = run.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    let held = first_path(&portal, "PUT", "/api/2.0/files/rooms/", "/archive");
    assert_eq!(held, Some(format!("/api/2.0/files/rooms/{mine}/archive")));
    let rooms = rooms_titled(&portal, "Solo");
    assert_eq!(
        rooms.iter().map(|r| (r.id, r.archived)).collect::<Vec<_>>(),
        [(theirs, false), (mine, false)]
    );
    assert!(stdout(&output).contains(&format!("room {mine}, this run's, is not empty")));
    let writes = portal.writes();
    assert!(writes.contains(&format!("PUT /api/2.0/files/rooms/{mine}/unarchive")), "{writes:?}");
    assert!(!writes.contains(&format!("DELETE /api/2.0/files/rooms/{mine}")), "{writes:?}");
}

/// A portal stores creation times in whole seconds and orders rooms created in one second by
/// title (server `DbFolder.cs` L116-118, `EntryManager.cs` L1012-1017): a twin created in the
/// same second as thirty rooms the run knows, with a later title, is listed after all of them,
/// and the run's look reads past them to find it (review 2, finding 8).
#[test]
fn a_twin_created_in_the_same_second_as_rooms_the_run_knows_is_found_whatever_its_title() {
    let portal = TestPortal::with(EmulatorConfig {
        clock: docspace_rooms::emulator::Clock::manual(),
        faults: Faults {
            create_rendezvous: Some(Rendezvous { parties: 2, titles: vec!["Solo".into()] }),
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    });
    for n in 1..=30 {
        portal.seed(&format!("A{n:02}"), RoomType::Custom, false, &[]);
    }
    let (run, mine, theirs) = a_run_and_an_older_twin(&portal);
    let output = run.wait_with_output().unwrap();
    let rooms: Vec<u64> = rooms_titled(&portal, "Solo").into_iter().map(|r| r.id).collect();
    assert_eq!(rooms, [theirs], "the run's room {mine} is removed\n{}", said(&output));
}

/// A portal saves the order a rooms listing asks as the caller's default sort (server
/// `VirtualRoomsController.cs` L927-931, `FileStorageService.cs` L360-363): every listing the
/// tool reads asks one order, so an apply leaves the setting as its plan's read set it (review
/// 2, F9), where looks newest first flipped it on every run.
#[test]
fn an_apply_leaves_the_callers_saved_room_order_as_its_plan_set_it() {
    let portal = TestPortal::on_clock(docspace_rooms::emulator::Clock::manual());
    portal.seed("Beta", RoomType::Custom, false, &[]);
    portal.emulator.clock().advance(Duration::from_secs(1));
    portal.seed("Alpha", RoomType::Custom, false, &[]);
    portal.emulator.clock().advance(Duration::from_secs(1));
    portal.manifest("rooms:\n  - title: Gamma\n    type: custom\n");
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}", said(&output));
    // Without `sortBy` a listing comes in the caller's saved order: by creation, oldest first.
    assert_eq!(portal.titles("searchArea=Any"), ["Beta", "Alpha", "Gamma"]);
}

/// A create whose answer was lost, racing another run's: it cannot tell its room from the
/// other's, so it removes neither, but it waits for the other run to settle and takes the one
/// room left, applying the room's other changes (review 2, finding 13).
#[test]
fn a_create_without_an_answer_takes_the_one_room_left_once_its_twin_goes() {
    let portal = racing_with(
        &["Solo"],
        Faults {
            lose_response_once: vec!["POST /api/2.0/files/rooms".into()],
            ..Faults::default()
        },
        Behaviour::default(),
    );
    portal.manifest("rooms:\n  - title: Solo\n    type: custom\n    folders: [Docs]\n");
    // Whichever run's answer is lost (the rendezvous answers both creates together, so either
    // may be): the other removes its own at once (its room is the younger), or after its four
    // seconds (the older), within the younger run's thirty. The run without an answer goes on
    // as soon as one room is left; the older run's four seconds are what the test waits when
    // the younger's answer is lost, and what the younger run has to remove its own copy in
    // when the older's is.
    let outputs = older_then_younger(
        &portal,
        &["apply", "--auto-approve", "--create-lookup-window", "4"],
        &["apply", "--auto-approve", "--create-lookup-window", "30"],
    );
    let all = outputs.iter().map(said).collect::<Vec<_>>().join("\n----\n");
    let lost = portal.emulator.requests().into_iter().filter(|r| r.response_lost).count();
    assert_eq!(lost, 1, "{all}");
    let rooms = rooms_titled(&portal, "Solo");
    assert_eq!(rooms.len(), 1, "{all}");
    let kept = rooms[0].id;
    assert_eq!(portal.folder_paths(kept), ["Docs"], "{all}");
    let (ok, failed): (Vec<_>, Vec<_>) = outputs.iter().partition(|o| o.status.success());
    assert_eq!((ok.len(), failed.len()), (1, 1), "{all}");
    let removed = format!("room {kept} stays, and this run removed its own copy");
    assert!(stdout(failed[0]).contains(&removed), "{all}");
    let plan = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", said(&plan));
}

/// Past a portal's daily limit of writes (POST and PUT; server `BaseStartup.cs` L295-299), the
/// rename that marks the run's twin is not sent, and the twin is deleted as it is: `DELETE` is
/// outside that limit, and v3.7.2 lets a room's creator delete it active (review 2, F2).
#[test]
fn past_the_daily_write_limit_the_twin_is_deleted_unmarked() {
    use docspace_rooms::docspace::RateLimit;
    use docspace_rooms::emulator::Limiter;
    // The other client's create and the run's: the day's two writes.
    let daily = RateLimit { limit: 2, window: Duration::from_secs(86_400) };
    let limiter = Limiter { daily_writes: Some(daily), ..Limiter::default() };
    let portal =
        racing_with(&["Solo"], Faults::default(), Behaviour { limiter, ..Behaviour::default() });
    let (run, mine, theirs) = a_run_and_an_older_twin(&portal);
    let output = run.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    let rooms: Vec<u64> = rooms_titled(&portal, "Solo").into_iter().map(|r| r.id).collect();
    assert_eq!(rooms, [theirs], "{}", said(&output));
    let sent: Vec<(String, u16)> = portal
        .emulator
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| (format!("{} {}", r.method, r.path), r.status))
        .collect();
    assert!(sent.contains(&(format!("DELETE /api/2.0/files/rooms/{mine}"), 200)), "{sent:?}");
    assert!(stdout(&output).contains(&format!(
        "room {theirs} stays, and this run removed its own copy (room {mine})"
    )));
}
