//! What a test can read back from a running emulator: its rooms, their members and the requests
//! it received.

use crate::docspace::RoomType;

/// A room as the emulator stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedRoom {
    /// The room id.
    pub id: u64,
    /// The stored (normalised) title.
    pub title: String,
    /// The room type.
    pub room_type: RoomType,
    /// Whether it is in the Archive.
    pub archived: bool,
    /// The catalog spellings, in the order they were attached.
    pub tags: Vec<String>,
}

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The HTTP method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The status the emulator answered (or would have, for a lost response).
    pub status: u16,
    /// The response was dropped on purpose (`Faults::lose_create_response_every`).
    pub response_lost: bool,
}

/// A member of a room, as the emulator stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedMember {
    /// The person's or group's id.
    pub id: String,
    /// Whether the member is a group.
    pub is_group: bool,
    /// The person's email or the group's name.
    pub name: String,
    /// `FileShare` code (the owner is listed with 1, `ReadWrite`).
    pub access: i64,
    /// Whether this is the room's owner.
    pub is_owner: bool,
}
