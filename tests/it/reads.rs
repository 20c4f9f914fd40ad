//! What a plan reads (issue 22: requests that cannot change the plan are not sent): once the
//! portal matches the manifest, a room costs one read per feature it declares, a folder
//! skeleton of any depth one read when one page holds the room's tree, and nothing is read that
//! no declaration asks about.

use crate::common::{TestPortal, stderr, stdout};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::PersonSeed;

/// `METHOD path` of the requests the portal received from the `from`-th on, the id `room`
/// shown as `{room}`; without the read of the API key's scopes, which a run with a key makes
/// once before anything else (`tests/it/scopes.rs`).
fn requests_since(portal: &TestPortal, from: usize, room: u64) -> Vec<String> {
    let room = room.to_string();
    portal.emulator.requests()[from..]
        .iter()
        .filter(|r| r.path != "/api/2.0/keys/@self")
        .map(|r| {
            let path: Vec<&str> =
                r.path.split('/').map(|part| if part == room { "{room}" } else { part }).collect();
            format!("{} {}", r.method, path.join("/"))
        })
        .collect()
}

fn plan(portal: &TestPortal) -> std::process::Output {
    let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    output
}

#[test]
fn a_steady_room_with_members_links_and_a_two_level_skeleton_costs_three_reads() {
    let portal = TestPortal::start();
    portal.emulator.add_person(PersonSeed::new("ann@example.com", "Ann Lee"));
    portal.manifest(
        "rooms:
  - title: Deals
    type: custom
    members:
      - user: ann@example.com
        access: viewer
    folders: [Docs/2025, Docs/2026, Legal]
    links:
      - name: Partners
        access: viewer
",
    );
    let applied = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(applied.status.success(), "{}", stderr(&applied));
    let room = portal.emulator.rooms()[0].id;
    let from = portal.emulator.requests().len();
    plan(&portal);
    let mut reads = requests_since(&portal, from, room);
    reads.sort();
    assert_eq!(
        reads,
        [
            "GET /api/2.0/files/rooms",
            "GET /api/2.0/files/rooms/{room}/links",
            "GET /api/2.0/files/rooms/{room}/share",
            "GET /api/2.0/files/settings",
            "GET /api/2.0/files/{room}",
            "GET /api/2.0/group",
            "GET /api/2.0/people",
        ],
        "the members, the links and the whole folder tree, one read each; once a run the rooms, people, groups and the portal's sharing settings"
    );
}

#[test]
fn a_room_whose_tree_is_more_than_a_page_is_read_level_by_level_and_planned_the_same() {
    let portal = TestPortal::start();
    let room = portal.seed("Big", RoomType::Custom, false, &[]);
    let docs = portal.emulator.seed_folder(room, room, "Docs");
    portal.emulator.seed_folder(room, docs, "2025");
    for n in 0..100 {
        portal.emulator.seed_folder(room, docs, &format!("Old {n:03}"));
    }
    portal.manifest("rooms:\n  - title: Big\n    folders: [Docs/2025, Docs/2026]\n");
    let from = portal.emulator.requests().len();
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("+ folder \"Docs/2026\""), "{text}");
    assert!(
        text.contains(
            "Plan: 0 to create, 0 to rename, 0 to archive, 0 to delete, 1 folder to create;"
        ),
        "{text}"
    );
    let reads = requests_since(&portal, from, room);
    let folder_reads: Vec<&String> =
        reads.iter().filter(|r| !r.starts_with("GET /api/2.0/files/rooms")).collect();
    // The tree (102 folders: not one page), then the room's and `Docs`'s subfolders.
    assert_eq!(
        folder_reads,
        [
            "GET /api/2.0/files/{room}",
            "GET /api/2.0/files/{room}/subfolders",
            &format!("GET /api/2.0/files/{docs}/subfolders"),
        ],
        "{reads:?}"
    );
}

#[test]
fn a_one_level_skeleton_is_one_subfolders_read_and_an_empty_additive_one_none() {
    let portal = TestPortal::start();
    let room = portal.seed("Flat", RoomType::Custom, false, &[]);
    portal.emulator.seed_folder(room, room, "Docs");
    portal.seed("Bare", RoomType::Custom, false, &[]);
    portal.manifest(
        "rooms:\n  - title: Flat\n    folders: [Docs]\n  - title: Bare\n    folders: []\n",
    );
    let from = portal.emulator.requests().len();
    plan(&portal);
    let reads = requests_since(&portal, from, room);
    assert_eq!(reads, ["GET /api/2.0/files/rooms", "GET /api/2.0/files/{room}/subfolders"]);
}
