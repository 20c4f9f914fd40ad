//! A room's stored external link and the primary link a room is born with: plain data of the
//! state file, kept apart from the `links` handlers so that `state` needs nothing of them.

use crate::docspace::RoomType;
use crate::links::rules;
use serde::{Deserialize, Serialize};

/// One external link of a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Link {
    pub(crate) id: String,
    pub(crate) title: String,
    /// `FileShare` code.
    pub(crate) access: i64,
    pub(crate) expires: Option<i64>,
    /// Stored reversibly, returned in plain text.
    pub(crate) password: Option<String>,
    pub(crate) deny_download: bool,
    pub(crate) internal: bool,
    pub(crate) primary: bool,
    /// The short URL's key; a new one with every new link.
    pub(crate) key: String,
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The primary link a room of this type is created with, if any.
pub(crate) fn initial_links(room_type: RoomType) -> Vec<Link> {
    primary_link(room_type).into_iter().collect()
}

pub(crate) fn primary_link(room_type: RoomType) -> Option<Link> {
    let (title, access) = rules(room_type)?.auto_primary?;
    Some(Link {
        id: new_id(),
        title: title.to_owned(),
        access: access.code(),
        expires: None,
        password: None,
        deny_download: false,
        internal: false,
        primary: true,
        key: new_id().replace('-', ""),
    })
}

/// The default title of a link created with an empty one (`FilesCommonResource`).
pub(crate) fn default_title(room_type: RoomType) -> &'static str {
    match room_type {
        RoomType::FormFilling => "Link to fill out",
        _ => "Shared link",
    }
}
