//! Folder skeletons end to end against the emulator: created in new and existing rooms,
//! nested, `exact` with empty and non-empty undeclared folders, archived rooms, duplicates,
//! saved plans, and convergence (plan after apply is empty, a second apply writes nothing).

use crate::common::{TestPortal, stderr, stdout};
use docspace_rooms::docspace::RoomType;

/// The live folder paths of a room, sorted, with `/` between levels.
fn paths(portal: &TestPortal, room: u64) -> Vec<String> {
    portal.folder_paths(room)
}

fn room_id(portal: &TestPortal, title: &str) -> u64 {
    portal.emulator.rooms().into_iter().find(|r| r.title == title).unwrap().id
}

fn apply(portal: &TestPortal, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["apply", "--auto-approve"];
    args.extend(extra);
    portal.cmd(&args).output().unwrap()
}

fn assert_converged(portal: &TestPortal) {
    let plan = portal.cmd(&["plan"]).output().unwrap();
    assert!(plan.status.success(), "{}", stderr(&plan));
    assert!(stdout(&plan).starts_with("No changes"), "{}", stdout(&plan));
    let before = portal.writes().len();
    let again = apply(portal, &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(portal.writes().len(), before, "a second apply sends no write");
}

const DEALS: &str = "
templates:
  deal-room:
    type: virtual-data
    folders: [1. Corporate, 2. Financials/2025, 2. Financials/2026, 3. Legal]
rooms:
  - title: Deal Room Contoso
    template: deal-room
";

#[test]
fn a_skeleton_is_created_in_a_new_room_parents_first_in_declared_order() {
    let portal = TestPortal::start();
    portal.manifest(DEALS);
    let plan = portal.cmd(&["plan"]).output().unwrap();
    assert!(plan.status.success(), "{}", stderr(&plan));
    let text = stdout(&plan);
    assert!(text.contains("+ folder \"2. Financials/2025\""), "{text}");
    assert!(text.contains("5 folders to create"), "{text}");
    assert!(portal.writes().is_empty(), "plan never writes");

    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let room = room_id(&portal, "Deal Room Contoso");
    assert_eq!(
        paths(&portal, room),
        ["1. Corporate", "2. Financials", "2. Financials/2025", "2. Financials/2026", "3. Legal"]
    );
    // Declared order, parents before children: the creates follow the manifest.
    let creates: Vec<u64> = portal.emulator.folders(room).iter().map(|f| f.id).collect();
    let mut sorted = creates.clone();
    sorted.sort_unstable();
    assert_eq!(creates, sorted);
    let titles: Vec<String> = portal.emulator.folders(room).into_iter().map(|f| f.title).collect();
    assert_eq!(titles, ["1. Corporate", "2. Financials", "2025", "2026", "3. Legal"]);
    assert_converged(&portal);
}

#[test]
fn an_existing_room_gets_only_its_missing_folders_and_keeps_the_others() {
    let portal = TestPortal::start();
    let room = portal.seed("Client A", RoomType::Custom, false, &[]);
    let contracts = portal.emulator.seed_folder(room, room, "Contracts");
    portal.emulator.seed_folder(room, contracts, "2024");
    portal.emulator.seed_folder(room, room, "Scratch");
    portal.manifest("rooms:\n  - title: Client A\n    folders: [Contracts/2025, Invoices]\n");
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        paths(&portal, room),
        ["Contracts", "Contracts/2024", "Contracts/2025", "Invoices", "Scratch"]
    );
    let posts: Vec<String> =
        portal.writes().into_iter().filter(|w| w.starts_with("POST")).collect();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_converged(&portal);
}

#[test]
fn exact_trashes_empty_undeclared_folders_and_leaves_non_empty_ones_with_a_warning() {
    let portal = TestPortal::start();
    let room = portal.seed("Client B", RoomType::Custom, false, &[]);
    portal.emulator.seed_folder(room, room, "Contracts");
    let scratch = portal.emulator.seed_folder(room, room, "Scratch");
    let old = portal.emulator.seed_folder(room, room, "Old");
    portal.emulator.add_file(old);
    portal.manifest(
        "rooms:\n  - title: Client B\n    folders: [Contracts]\n    folders_policy: exact\n",
    );
    let plan = portal.cmd(&["plan"]).output().unwrap();
    assert!(plan.status.success(), "{}", stderr(&plan));
    assert!(
        stdout(&plan).contains("- folder \"Scratch\" (empty, to the trash)"),
        "{}",
        stdout(&plan)
    );
    assert!(!stdout(&plan).contains("\"Old\""), "{}", stdout(&plan));
    assert!(
        stderr(&plan).contains("! folder \"Old\" is not empty: left alone"),
        "{}",
        stderr(&plan)
    );
    // The empty-by-counts folder was also listed (its counters could drift); the other was not.
    let listed: Vec<String> = portal
        .emulator
        .requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| {
            p.ends_with(&format!("/files/{scratch}")) || p.ends_with(&format!("/files/{old}"))
        })
        .collect();
    assert_eq!(listed, [format!("/api/2.0/files/{scratch}")]);

    // A move to the trash needs `--allow-delete`, and nothing is sent without it.
    let refused = apply(&portal, &[]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("moves 1 folder to the trash"), "{}", stderr(&refused));
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());

    let output = apply(&portal, &["--allow-delete"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let folders = portal.emulator.folders(room);
    assert!(folders.iter().find(|f| f.id == scratch).unwrap().trashed, "to the trash, not gone");
    assert!(!folders.iter().find(|f| f.id == old).unwrap().trashed);
    assert_eq!(paths(&portal, room), ["Contracts", "Old"]);
    assert_converged(&portal);
}

#[test]
fn a_folder_that_filled_up_after_planning_is_not_trashed() {
    let portal = TestPortal::start();
    let room = portal.seed("Client C", RoomType::Custom, false, &[]);
    let scratch = portal.emulator.seed_folder(room, room, "Scratch");
    portal.manifest("rooms:\n  - title: Client C\n    folders: []\n    folders_policy: exact\n");
    let saved = portal.cmd(&["plan", "--out", "plan.json"]).output().unwrap();
    assert!(saved.status.success(), "{}", stderr(&saved));
    portal.emulator.add_file(scratch);
    let output = portal.cmd(&["apply", "plan.json", "--allow-delete"]).output().unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("folder \"Scratch\" is not empty any more"),
        "{}",
        stderr(&output)
    );
    assert!(!portal.emulator.folders(room)[0].trashed);
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());
}

#[test]
fn a_saved_plan_is_refused_when_a_folder_it_creates_appeared() {
    let portal = TestPortal::start();
    let room = portal.seed("Client D", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Client D\n    folders: [Invoices]\n");
    let saved = portal.cmd(&["plan", "--out", "plan.json"]).output().unwrap();
    assert!(saved.status.success(), "{}", stderr(&saved));
    portal.emulator.seed_folder(room, room, "Invoices");
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("folder \"Invoices\", which the plan would create, now exists"),
        "{}",
        stderr(&output)
    );
    assert_eq!(paths(&portal, room), ["Invoices"], "no duplicate");
}

#[test]
fn an_archived_room_is_unarchived_around_its_folders_and_archived_again() {
    let portal = TestPortal::start();
    let room = portal.seed("Closed Deal", RoomType::VirtualData, true, &[]);
    portal.manifest(
        "rooms:\n  - title: Closed Deal\n    state: archived\n    folders: [Archive/Final]\n",
    );
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(paths(&portal, room), ["Archive", "Archive/Final"]);
    assert!(portal.emulator.rooms().iter().find(|r| r.id == room).unwrap().archived);
    let writes = portal.writes();
    assert!(writes.first().unwrap().ends_with("/unarchive"), "{writes:?}");
    assert!(writes.last().unwrap().ends_with("/archive"), "{writes:?}");
    assert_converged(&portal);
}

#[test]
fn two_folders_with_a_declared_title_are_an_error_before_any_write() {
    let portal = TestPortal::start();
    let room = portal.seed("Client E", RoomType::Custom, false, &[]);
    portal.emulator.seed_folder(room, room, "Contracts");
    portal.emulator.seed_folder(room, room, "Contracts");
    portal.manifest("rooms:\n  - title: Client E\n    folders: [Contracts/2025, Invoices]\n");
    let output = apply(&portal, &[]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("room `Client E`: folder path `Contracts` is ambiguous"), "{err}");
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());
}

#[test]
fn system_folders_of_a_form_filling_room_are_never_touched() {
    let portal = TestPortal::start();
    let room = portal.seed("Forms", RoomType::FormFilling, false, &[]);
    portal.emulator.add_form_system_folders(room);
    portal.manifest("rooms:\n  - title: Forms\n    folders: [Drafts]\n    folders_policy: exact\n");
    let output = apply(&portal, &["--allow-delete"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(paths(&portal, room), ["Complete", "Drafts", "In process"]);
    assert_converged(&portal);
}

#[test]
fn a_folder_create_whose_response_is_lost_is_looked_up_not_sent_again() {
    use docspace_rooms::emulator::faults::Faults;
    let portal = TestPortal::start();
    let room = portal.seed("Client F", RoomType::Custom, false, &[]);
    portal
        .emulator
        .set_faults(Faults { lose_folder_create_response_every: Some(1), ..Faults::default() });
    portal.manifest("rooms:\n  - title: Client F\n    folders: [Contracts/2025]\n");
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    // Each create was sent once; the lost answers were found by listing the parent.
    let posts = portal.writes().into_iter().filter(|w| w.starts_with("POST")).count();
    assert_eq!(posts, 2);
    assert_eq!(paths(&portal, room), ["Contracts", "Contracts/2025"]);
    portal.emulator.set_faults(Faults::default());
    assert_converged(&portal);
}

/// `POST files/folder/{id}` commits inside the request (`FileStorageService.cs` L577-582),
/// so a proxy's 504 can come before the commit: one lookup right after it misses the folder.
#[test]
fn a_folder_create_committed_seconds_after_a_504_is_found_and_sent_once() {
    let portal = TestPortal::committing_late("POST /api/2.0/files/folder/*");
    let room = portal.seed("Client L", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Client L\n    folders: [Contracts]\n");
    let output = portal
        .run_committed_late(&["apply", "--auto-approve"], &|path| path.ends_with("/subfolders"));
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("Apply: 1 applied, 0 failed, 0 skipped."));
    let posts = portal.writes().into_iter().filter(|w| w.starts_with("POST")).count();
    assert_eq!(posts, 1, "one create, never two");
    assert_eq!(paths(&portal, room), ["Contracts"]);
    assert_converged(&portal);
}

/// A folder create that the portal has not committed when the lookup window ends: looked up
/// more than once, then reported unknown, and never sent again.
#[test]
fn a_folder_create_that_never_appears_fails_as_unknown_and_is_not_sent_again() {
    let portal = TestPortal::committing_late("POST /api/2.0/files/folder/*");
    let room = portal.seed("Client L", RoomType::Custom, false, &[]);
    portal.manifest("rooms:\n  - title: Client L\n    folders: [Contracts]\n");
    let output =
        portal.cmd(&["apply", "--auto-approve", "--create-lookup-window", "1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let out = stdout(&output);
    assert!(out.contains("created folder \"Contracts\""), "{out}");
    assert!(out.contains("did not appear within 1 s; run `plan` again"), "{out}");
    let posts = portal.writes().into_iter().filter(|w| w.starts_with("POST")).count();
    assert_eq!(posts, 1, "one create, never two");
    let listings = portal
        .emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == format!("/api/2.0/files/{room}/subfolders"));
    // One listing while planning, one right before the create (two runs at once), then lookups.
    assert!(listings.count() > 3, "looked up again within the window");
}

/// The `PUT fileops/delete` requests the portal received.
fn deletes(portal: &TestPortal) -> usize {
    portal.writes().iter().filter(|w| *w == "PUT /api/2.0/files/fileops/delete").count()
}

#[test]
fn a_move_to_the_trash_whose_response_is_lost_is_looked_up_not_sent_again() {
    use docspace_rooms::emulator::faults::Faults;
    let portal = TestPortal::start();
    let room = portal.seed("Client H", RoomType::Custom, false, &[]);
    let scratch = portal.emulator.seed_folder(room, room, "Scratch");
    portal.emulator.set_faults(Faults {
        lose_response_once: vec!["PUT /api/2.0/files/fileops/delete".into()],
        ..Faults::default()
    });
    portal.manifest("rooms:\n  - title: Client H\n    folders: []\n    folders_policy: exact\n");
    let output = apply(&portal, &["--allow-delete"]);
    assert!(output.status.success(), "{}", stderr(&output));
    // Sent once: a second delete of a folder in the trash would have erased it for good.
    assert_eq!(deletes(&portal), 1, "{:?}", portal.writes());
    let folders = portal.emulator.folders(room);
    assert_eq!(folders.len(), 1, "still there, recoverable");
    assert!(folders[0].trashed && folders[0].id == scratch);
    assert_converged(&portal);
}

#[test]
fn a_move_to_the_trash_whose_outcome_stays_unknown_is_reported_and_not_sent_again() {
    use docspace_rooms::emulator::faults::{Behaviour, Faults};
    let portal = TestPortal::start();
    let room = portal.seed("Client I", RoomType::Custom, false, &[]);
    portal.emulator.seed_folder(room, room, "Scratch");
    portal.emulator.set_faults(Faults {
        lose_response_once: vec!["PUT /api/2.0/files/fileops/delete".into()],
        ..Faults::default()
    });
    // The portal took it, but its operation never gets anywhere.
    portal
        .emulator
        .set_behaviour(Behaviour { operations_never_finish: true, ..Behaviour::default() });
    portal.manifest("rooms:\n  - title: Client I\n    folders: []\n    folders_policy: exact\n");
    let output = apply(
        &portal,
        &["--allow-delete", "--create-lookup-window", "1", "--operation-timeout", "1"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "the portal did not answer whether `PUT /api/2.0/files/fileops/delete` moved folder"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(deletes(&portal), 1, "{:?}", portal.writes());
    assert!(!portal.emulator.folders(room)[0].trashed);
}

/// Run 1 of a room whose `Scratch` goes to the trash: the portal takes the move, but its job
/// stays queued (a busy portal) and the gateway gives up on the request, so the run ends with
/// the outcome unknown and the job still queued.
fn a_move_left_queued(title: &str) -> (TestPortal, u64, u64) {
    use docspace_rooms::emulator::faults::{Behaviour, Faults};
    let portal = TestPortal::start();
    let room = portal.seed(title, RoomType::Custom, false, &[]);
    let scratch = portal.emulator.seed_folder(room, room, "Scratch");
    portal.manifest(&format!(
        "rooms:\n  - title: {title}\n    folders: []\n    folders_policy: exact\n"
    ));
    portal.emulator.set_faults(Faults {
        lose_response_once: vec!["PUT /api/2.0/files/fileops/delete".into()],
        ..Faults::default()
    });
    portal
        .emulator
        .set_behaviour(Behaviour { polls_per_operation: 10_000, ..Behaviour::default() });
    let first = apply(
        &portal,
        &["--allow-delete", "--create-lookup-window", "1", "--operation-timeout", "1"],
    );
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let said = stderr(&first);
    assert!(
        said.contains("may still be queued")
            && said.contains("once `GET /api/2.0/files/fileops` lists no unfinished delete"),
        "{said}"
    );
    assert!(!portal.emulator.folders(room)[0].trashed, "the job is still queued");
    portal.emulator.set_faults(Faults::default());
    portal.emulator.set_behaviour(Behaviour::default());
    (portal, room, scratch)
}

/// On a portal each delete request is a job of its own that reads the folder when it runs
/// (`FileDeleteOperation.cs` L197-200), and a job that finds it in the caller's Trash erases
/// it for good (L281, `FolderDao.UseTrashForRemoveAsync` L1377-1380): a second delete sent
/// while the first is queued destroys the folder, whichever job runs first.
#[test]
fn a_move_still_queued_from_an_earlier_run_is_never_followed_by_a_second_delete() {
    let (portal, room, scratch) = a_move_left_queued("Client Q");
    // Run 2, while the first job is still queued: it waits for it, and gives up without a write.
    let second = apply(&portal, &["--allow-delete", "--operation-timeout", "1"]);
    assert_eq!(second.status.code(), Some(1), "{}", stdout(&second));
    let said = stderr(&second);
    assert!(
        said.contains("was not moved to the trash: delete operation")
            && said.contains("is still running"),
        "{said}"
    );
    assert_eq!(deletes(&portal), 1, "{:?}", portal.writes());
    // The queued job runs at last: the folder is in the trash, recoverable, not erased.
    assert_eq!(portal.emulator.finish_operations_within(1), 1);
    assert!(portal.fileops().iter().all(|op| op["finished"] == true));
    let folders = portal.emulator.folders(room);
    assert!(folders.len() == 1 && folders[0].id == scratch && folders[0].trashed, "{folders:?}");
    assert_converged(&portal);
}

/// Run 2 (`second`) applied the move to the trash without sending one: the queued move of run
/// 1 put the folder in the trash, and the room converged.
fn assert_done_by_the_queued_move(
    portal: &TestPortal,
    room: u64,
    scratch: u64,
    second: &std::process::Output,
) {
    assert!(second.status.success(), "{}{}", stdout(second), stderr(second));
    assert!(stdout(second).contains("Apply: 1 applied, 0 failed, 0 skipped."));
    assert_eq!(deletes(portal), 1, "{:?}", portal.writes());
    let folders = portal.emulator.folders(room);
    assert!(folders.len() == 1 && folders[0].id == scratch && folders[0].trashed, "{folders:?}");
    assert_converged(portal);
}

/// Review evidence F1 (`review-src` 782ac1e), with the fix: run 2 started as run 1's message
/// says, with the default options, while the first job is still queued. It waits for that job
/// instead of sending a second delete, and once the portal's queue runs it the folder is in the
/// trash (recoverable, not erased), with one delete sent.
#[test]
fn a_queued_move_to_the_trash_is_not_followed_by_a_second_delete() {
    let (portal, room, scratch) = a_move_left_queued("Client R");
    let reads = |portal: &TestPortal| {
        let requests = portal.emulator.requests();
        requests.iter().filter(|r| r.path == "/api/2.0/files/fileops").count()
    };
    let before = reads(&portal);
    let second = portal.spawn(&["apply", "--auto-approve", "--allow-delete"]);
    // Its list of the running deletes, then a poll of the queued one: it is waiting.
    let within = std::time::Duration::from_secs(30);
    crate::common::wait_until("run 2 waits for the queued job", within, || {
        reads(&portal) >= before + 2
    });
    assert_eq!(deletes(&portal), 1, "nothing sent while the job is queued");
    portal.emulator.finish_operations_within(1);
    let second = second.wait_with_output().unwrap();
    assert_done_by_the_queued_move(&portal, room, scratch, &second);
}

#[test]
fn a_queued_move_that_finishes_while_the_next_run_waits_for_it_is_done_without_a_second_delete() {
    let (portal, room, scratch) = a_move_left_queued("Client W");
    // The portal's queue runs the job while run 2 waits for it (at the third read from now).
    portal.emulator.finish_operations_within(3);
    let second = apply(&portal, &["--allow-delete"]);
    assert_done_by_the_queued_move(&portal, room, scratch, &second);
}

#[test]
fn plan_reads_the_rooms_folder_tree_once_with_no_side_effects() {
    let portal = TestPortal::start();
    let room = portal.seed("Client G", RoomType::Custom, false, &[]);
    let a = portal.emulator.seed_folder(room, room, "A");
    portal.emulator.seed_folder(room, a, "B");
    portal.emulator.seed_folder(room, room, "C");
    let reads = |portal: &TestPortal| {
        let mut paths: Vec<String> = portal
            .emulator
            .requests()
            .into_iter()
            .filter(|r| {
                r.method == "GET"
                    && r.path.contains("/api/2.0/files/")
                    && !r.path.contains("/rooms")
            })
            .map(|r| r.path)
            .collect();
        paths.sort();
        paths
    };
    portal.manifest("rooms:\n  - title: Client G\n    folders: [A/B, C]\n");
    let plan = portal.cmd(&["plan"]).output().unwrap();
    assert!(stdout(&plan).starts_with("No changes"), "{}", stdout(&plan));
    // The skeleton is two levels deep: the room's whole tree in one listing (its folders of
    // every level, `filterType=2`), instead of the room's and `A`'s subfolders.
    assert_eq!(reads(&portal), [format!("/api/2.0/files/{room}")]);
    // `exact` looks into every declared folder for undeclared ones: the same tree holds them.
    portal.manifest(
        "rooms:\n  - title: Client G\n    folders: [A/B, C]\n    folders_policy: exact\n",
    );
    let before = reads(&portal).len();
    let plan = portal.cmd(&["plan"]).output().unwrap();
    assert!(stdout(&plan).starts_with("No changes"), "{}", stdout(&plan));
    assert_eq!(reads(&portal).len() - before, 1);
    assert!(portal.writes().is_empty());
}
