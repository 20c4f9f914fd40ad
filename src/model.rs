//! The reconciler's view of a portal room: only the fields it manages, already decoded.

use crate::docspace::RoomType;
use serde::{Deserialize, Serialize};

/// Where a room lives on the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoomState {
    Active,
    Archived,
}

impl std::fmt::Display for RoomState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RoomState::Active => "active",
            RoomState::Archived => "archived",
        })
    }
}

/// A room as read from the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalRoom {
    pub id: u64,
    pub title: String,
    pub room_type: RoomType,
    pub state: RoomState,
    pub tags: Vec<String>,
}

/// A person in the portal's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub email: String,
    /// False for a terminated (disabled) account.
    pub active: bool,
    /// The owner, DocSpace admins and room admins: only they can be room managers.
    pub can_manage_rooms: bool,
}

/// A group in the portal's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
}

/// One entry of a room's member list, as read from the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMember {
    pub subject: MemberSubject,
    /// The raw `FileShare` number; not every value is one the manifest can name.
    pub access: i64,
    pub is_owner: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MemberSubject {
    User { id: String, email: String },
    Group { id: String, name: String },
}

/// Everything read from the portal that a plan depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalState {
    pub rooms: Vec<PortalRoom>,
    /// Read only when some room declares `members`.
    pub people: Vec<Person>,
    pub groups: Vec<Group>,
    /// Members of the rooms whose entry declares `members`, by room id.
    pub members: std::collections::BTreeMap<u64, Vec<RoomMember>>,
}
