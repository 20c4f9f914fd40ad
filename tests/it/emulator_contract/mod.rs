//! The emulator's contract: each test drives it over HTTP and pins one rule of a real portal, as
//! `shared/docspace/API-NOTES.md` and `OBSERVED-ON-PORTALS.md` describe it. Expected values are
//! literal, never computed with the crate's own helpers. JSON shapes are checked against the
//! spec's schemas kept in `tests/schemas/docspace.json`.

mod access;
mod faults;
mod folder_listing;
mod keys;
mod limits;
mod links;
mod listing;
mod operations;
mod people;
mod requests;
mod rooms;
mod state;

use crate::common::schema::check_schema;
use crate::common::{Api, Auth, Reply, TestPortal};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::faults::{Behaviour, Faults, PortalVersion};
use docspace_rooms::emulator::{Clock, Emulator, EmulatorConfig, PersonSeed};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn id_of(room: &Value) -> u64 {
    room["id"].as_u64().unwrap()
}

fn assert_empty_body(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.text, "", "expected an empty body");
}

/// The model-validation 400: `errors` inside a wrapped envelope with `status: 1`.
fn assert_validation_400(reply: &Reply) {
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json["status"], 1);
    assert_eq!(reply.json["statusCode"], 400);
    assert_eq!(reply.json["count"], 1);
    assert!(reply.json["response"]["errors"].is_object(), "{}", reply.text);
    assert_eq!(reply.json["response"]["status"], 400);
}

/// The exception envelope: `{status: 1, statusCode, error: {message, type, stack, hresult}}`.
fn assert_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.json["status"], 1, "{}", reply.text);
    assert_eq!(reply.json["statusCode"], status);
    assert_eq!(reply.error_message(), message);
    let error = reply.json["error"].as_object().unwrap();
    for key in ["message", "type", "stack", "hresult"] {
        assert!(error.contains_key(key), "error.{key} missing: {}", reply.text);
    }
    assert!(reply.json.get("response").is_none());
}

/// One room of each type, plus an archived one.
fn seed_each_type(emu: &Emulator) {
    seed_one(emu, "Custom", RoomType::Custom, false);
    seed_one(emu, "Collab", RoomType::Collaboration, false);
    seed_one(emu, "Form", RoomType::FormFilling, false);
    seed_one(emu, "Public", RoomType::Public, false);
    seed_one(emu, "Vdr", RoomType::VirtualData, false);
    seed_one(emu, "Old", RoomType::Custom, true);
    seed_one(emu, "OldForm", RoomType::FormFilling, true);
}

/// Active Custom rooms with these titles, in this order.
fn seed_titles(emu: &Emulator, titles: &[&str]) {
    for title in titles {
        seed_one(emu, title, RoomType::Custom, false);
    }
}

/// One room, then a second on a manual clock: rooms seeded on one are created a second apart,
/// so creation order is theirs (a portal orders rooms created in one second by title).
fn seed_one(emu: &Emulator, title: &str, room_type: RoomType, archived: bool) {
    emu.seed_room(title, room_type, archived, &[]);
    if emu.clock().is_manual() {
        emu.clock().advance(Duration::from_secs(1));
    }
}

/// A portal on a manual clock, for listings in creation order (see [`seed_one`]).
fn seeded_apart() -> TestPortal {
    TestPortal::on_clock(Clock::manual())
}

/// Creation order, oldest first: the seeding order of rooms seeded a second apart.
const BY_ID: &str = "sortBy=DateAndTimeCreation&sortOrder=ascending";

/// A portal with Ann (a room admin), Bob, Gus (a guest), Tom (terminated) and the group Editors
/// (Ann and Bob).
fn portal_with_people() -> TestPortal {
    let portal = TestPortal::start();
    portal.emulator.add_person(PersonSeed {
        is_room_admin: true,
        ..PersonSeed::new("ann@example.com", "Ann Lee")
    });
    portal.emulator.add_person(PersonSeed::new("bob@example.com", "Bob Stone"));
    portal.emulator.add_person(PersonSeed {
        is_visitor: true,
        ..PersonSeed::new("gus@example.com", "Gus Guest")
    });
    portal
        .emulator
        .add_person(PersonSeed { status: 2, ..PersonSeed::new("tom@example.com", "Tom Gone") });
    portal.emulator.add_group("Editors", &["ann@example.com", "bob@example.com"]);
    portal
}

/// The id of the person with `email`, as the directory answers it.
fn person_id(portal: &TestPortal, email: &str) -> String {
    portal.get(&format!("people/email?email={email}")).response()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A portal with `n` groups named `G000`, `G001`, … and Ann in the first two.
fn portal_with_groups(n: usize) -> TestPortal {
    let portal = portal_with_people();
    for i in 0..n {
        let members: &[&str] = if i < 2 { &["ann@example.com"] } else { &[] };
        portal.emulator.add_group(&format!("G{i:03}"), members);
    }
    portal
}
