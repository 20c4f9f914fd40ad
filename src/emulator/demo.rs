//! The demo's portal, which `docspace-rooms demo` and `docspace-rooms emulator --demo` start
//! with: rooms `examples/rooms.yaml` renames, retags, archives, deletes or gives members, two
//! it ignores and one it prunes, the people and the group its `members` name, and room quota on.

use super::state::Member;
use super::{Emulator, PersonSeed};
use crate::docspace::{Access, RoomType};

/// Title, type, archived, tags.
const ROOMS: &[(&str, RoomType, bool, &[&str])] = &[
    ("Marketing", RoomType::Collaboration, false, &["brand"]),
    ("Finance", RoomType::Custom, false, &["finance", "confidential"]),
    ("Sales Europe", RoomType::Collaboration, false, &["sales"]),
    ("Onboarding Forms", RoomType::FormFilling, false, &["hr"]),
    ("Website Relaunch 2024", RoomType::Collaboration, false, &["brand", "web"]),
    ("Trade Fair Leads", RoomType::Custom, true, &[]),
    ("Sandbox", RoomType::Custom, false, &[]),
    ("Sandbox (training)", RoomType::Custom, false, &[]),
    ("Personal A", RoomType::Custom, false, &[]),
    ("Old Wiki", RoomType::Custom, false, &["wiki"]),
];

/// The client data room the example pins by id.
const PINNED: (u64, &str) = (4821, "Contoso DD (draft)");

/// Email, name, and whether they are room admins (who alone may be room managers).
const PEOPLE: &[(&str, &str, bool)] = &[
    ("anna@example.com", "Anna Berg", true),
    ("ben@example.com", "Ben Okafor", true),
    ("carol@example.com", "Carol Diaz", false),
    ("dave@example.com", "Dave Smith", false),
];

/// Finance's members before the demo, which the example changes.
const FINANCE_MEMBERS: &[(&str, Access)] =
    &[("ben@example.com", Access::Viewer), ("dave@example.com", Access::Editor)];

/// What the demo's portal holds, for saying so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoPortal {
    /// How many rooms.
    pub rooms: usize,
    /// How many people besides the owner.
    pub people: usize,
}

impl Emulator {
    /// Seeds the demo's portal directly (no HTTP, no faults) on an emulator that holds nothing
    /// yet: the same ids every time, so every plan against it reads alike.
    pub fn seed_demo(&self) -> DemoPortal {
        for (email, name, room_admin) in PEOPLE {
            self.add_person(PersonSeed {
                is_room_admin: *room_admin,
                ..PersonSeed::new(email, name)
            });
        }
        self.add_group("Auditors", &["carol@example.com", "dave@example.com"]);
        // The example declares room quotas: the portal's room quota is on, 100 GB by default.
        self.set_room_quota(true, 100_000_000_000);
        for (title, room_type, archived, tags) in ROOMS {
            let id = self.seed_room(title, *room_type, *archived, tags);
            if *title == "Finance" {
                self.seed_members(id, FINANCE_MEMBERS);
            }
        }
        self.advance_room_ids(PINNED.0);
        let pinned = self.seed_room(PINNED.1, RoomType::VirtualData, false, &["client"]);
        // One folder of its skeleton is there already; the plan creates the others.
        self.seed_folder(pinned, pinned, "1. Corporate");
        DemoPortal { rooms: ROOMS.len() + 1, people: PEOPLE.len() }
    }

    /// Makes these people (by email) a room's only members, as an accepted invitation would.
    fn seed_members(&self, room: u64, members: &[(&str, Access)]) {
        self.shared.mutate(|s| {
            let members: Vec<Member> = members
                .iter()
                .filter_map(|(email, access)| {
                    let subject = s.person_by_email(email)?.id.clone();
                    Some(Member { subject, group: false, access: access.code() })
                })
                .collect();
            if let Some(room) = s.rooms.get_mut(&room) {
                room.members = members;
            }
        });
    }
}
