//! Generated rooms: one deterministic fleet that the emulator is seeded with, the manifest
//! declares, and the planner micro-benchmark builds a `PortalState` from.

use docspace_rooms::docspace::{Access, RoomType};
use docspace_rooms::model::{Member, Person, PortalRoom, PortalState, RoomMember, RoomState};
use std::fmt::Write as _;

/// Types rooms are spread over (form-filling rooms live in their own area on a portal, so the
/// listing's `searchArea=Any` matters).
const TYPES: [RoomType; 5] = [
    RoomType::Collaboration,
    RoomType::Custom,
    RoomType::Public,
    RoomType::VirtualData,
    RoomType::FormFilling,
];
/// Distinct tags in the fleet.
const TAGS: usize = 50;

pub fn title(i: usize) -> String {
    format!("Bench room {i:06}")
}

pub fn room_type(i: usize) -> RoomType {
    TYPES[i % TYPES.len()]
}

pub fn tag(i: usize) -> String {
    format!("team-{:02}", i % TAGS)
}

/// One entry of a generated manifest.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub title: String,
    pub id: Option<u64>,
    pub room_type: Option<RoomType>,
    pub archived: bool,
    pub tags: Vec<String>,
    pub renamed_from: Vec<String>,
    /// Users (by email), all `content-creator`.
    pub members: Vec<String>,
}

impl Entry {
    /// Room `i` of the fleet exactly as it is on the portal.
    pub fn fleet(i: usize) -> Entry {
        Entry {
            title: title(i),
            room_type: Some(room_type(i)),
            tags: vec![tag(i)],
            ..Entry::default()
        }
    }
}

/// Manifest text (YAML) of these entries, `prune: none`.
pub fn manifest_yaml(entries: impl IntoIterator<Item = Entry>) -> String {
    let mut yaml = String::from("prune: none\nrooms:\n");
    for entry in entries {
        let _ = writeln!(yaml, "  - title: \"{}\"", entry.title);
        if let Some(id) = entry.id {
            let _ = writeln!(yaml, "    id: {id}");
        }
        if let Some(room_type) = entry.room_type {
            let _ = writeln!(yaml, "    type: {}", room_type.manifest_name());
        }
        if entry.archived {
            yaml.push_str("    state: archived\n");
        }
        if !entry.tags.is_empty() {
            let _ = writeln!(yaml, "    tags: [{}]", entry.tags.join(", "));
        }
        if !entry.renamed_from.is_empty() {
            let quoted: Vec<String> =
                entry.renamed_from.iter().map(|t| format!("\"{t}\"")).collect();
            let _ = writeln!(yaml, "    renamed_from: [{}]", quoted.join(", "));
        }
        if !entry.members.is_empty() {
            yaml.push_str("    members:\n");
            for email in &entry.members {
                let _ = writeln!(yaml, "      - user: {email}\n        access: content-creator");
            }
        }
    }
    yaml
}

/// The "managed portal" manifest the `plan` scenarios read: every one of the `rooms` portal
/// rooms is declared as it is, except that every 100th gets another tag (1% of rooms retagged,
/// as a typical pull request would).
pub fn managed_manifest(rooms: usize) -> String {
    manifest_yaml((0..rooms).map(|i| {
        let mut entry = Entry::fleet(i);
        if i % 100 == 0 {
            entry.tags = vec!["reviewed".into()];
        }
        entry
    }))
}

/// `creates` rooms the portal does not have yet (the `apply` scenarios).
pub fn create_manifest(creates: usize) -> String {
    manifest_yaml((0..creates).map(Entry::fleet))
}

/// The portal side of the planner micro-benchmark: `rooms` fleet rooms (ids from 1), every
/// 50th archived, followed by `unmanaged` rooms no manifest entry mentions.
pub fn portal_state(rooms: usize, unmanaged: usize) -> PortalState {
    let rooms = (0..rooms + unmanaged)
        .map(|i| PortalRoom {
            id: i as u64 + 1,
            title: if i < rooms { title(i) } else { format!("Unmanaged room {i:06}") },
            room_type: room_type(i).into(),
            state: if i % 50 == 0 { RoomState::Archived } else { RoomState::Active },
            tags: vec![tag(i)],
            settings: docspace_rooms::settings::Settings::default(),
            custom_logo: false,
        })
        .collect();
    PortalState { rooms, ..PortalState::default() }
}

/// The manifest side of the planner micro-benchmark, against [`portal_state`]`(rooms, _)`: a
/// mix of every kind of decision. Of each 200 rooms: 2 retagged, 2 renamed through
/// `renamed_from`, 1 renamed through a pinned `id`, 1 archived, and 1 new room to create; the
/// rest (and the archived ones, which stay archived) need nothing.
pub fn mixed_manifest(rooms: usize) -> String {
    let existing = (0..rooms).map(|i| {
        let mut entry = Entry::fleet(i);
        entry.archived = i % 50 == 0;
        match i % 200 {
            1 | 101 => entry.tags = vec![tag(i), "reviewed".into()],
            2 | 102 => {
                entry.renamed_from = vec![entry.title.clone()];
                entry.title = format!("Renamed room {i:06}");
            }
            3 => {
                entry.id = Some(i as u64 + 1);
                entry.title = format!("Pinned room {i:06}");
            }
            4 => entry.archived = true,
            _ => {}
        }
        entry
    });
    let new = (0..rooms / 200).map(|i| Entry {
        title: format!("New room {i:06}"),
        room_type: Some(RoomType::Collaboration),
        ..Entry::default()
    });
    manifest_yaml(existing.chain(new))
}

fn email(person: usize) -> String {
    format!("person{person:06}@example.com")
}

/// The two people room `i` has (and declares), of a directory of `people`.
fn room_people(i: usize, people: usize) -> [usize; 2] {
    [i % people, (i + 1) % people]
}

/// Every one of `rooms` rooms declares two members from a directory of `people` people; on the
/// portal they already have them, except that every 100th room's second member has another
/// access (1% of rooms change members).
pub fn members_manifest(rooms: usize, people: usize) -> String {
    manifest_yaml(
        (0..rooms).map(|i| Entry {
            members: room_people(i, people).map(email).to_vec(),
            ..Entry::fleet(i)
        }),
    )
}

/// The portal side of [`members_manifest`]: rooms, the directory and every room's members.
pub fn members_state(rooms: usize, people: usize) -> PortalState {
    let mut state = portal_state(rooms, 0);
    for room in &mut state.rooms {
        room.state = RoomState::Active;
    }
    state.people = (0..people)
        .map(|k| Person {
            id: format!("p{k}"),
            email: email(k),
            active: true,
            can_manage_rooms: false,
        })
        .chain([Person {
            id: "owner".into(),
            email: "owner@example.com".into(),
            active: true,
            can_manage_rooms: true,
        }])
        .collect();
    let user = |k: usize, access: Access| RoomMember {
        id: format!("p{k}"),
        member: Member::User(email(k)),
        access: access.code(),
        is_owner: false,
    };
    state.members = state
        .rooms
        .iter()
        .enumerate()
        .map(|(i, room)| {
            let [first, second] = room_people(i, people);
            let owner = RoomMember {
                id: "owner".into(),
                member: Member::User("owner@example.com".into()),
                access: 1,
                is_owner: true,
            };
            let second_access = if i % 100 == 0 { Access::Editor } else { Access::ContentCreator };
            (room.id, vec![owner, user(first, Access::ContentCreator), user(second, second_access)])
        })
        .collect();
    state
}

/// Room `i` of the full-featured fleet: a custom room with a tag, two members, a two-level
/// folder skeleton, an additional external link and settings (a colour sent with the create, a
/// quota in the update after it).
pub fn full_title(i: usize) -> String {
    format!("Full room {i:04}")
}

/// The people the full-featured rooms take their members from.
pub const FULL_PEOPLE: usize = 20;

/// The email of person `k` of the full-featured fleet's directory.
pub fn full_email(k: usize) -> String {
    email(k)
}

/// `rooms` full-featured rooms (see [`full_title`]); the portal needs the room quota on and
/// the first [`FULL_PEOPLE`] people.
pub fn full_manifest(rooms: usize) -> String {
    let mut yaml = String::from("prune: none\nrooms:\n");
    for i in 0..rooms {
        let [first, second] = room_people(i, FULL_PEOPLE);
        let _ = write!(
            yaml,
            "  - title: \"{}\"\n    type: custom\n    tags: [{}]\n    color: 4C9AFF\n    quota: 1 GB\n    members:\n      - user: {}\n        access: content-creator\n      - user: {}\n        access: viewer\n    folders: [Docs/2025]\n    links:\n      - name: Partners\n        access: viewer\n",
            full_title(i),
            tag(i),
            email(first),
            email(second),
        );
    }
    yaml
}
