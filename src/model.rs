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
