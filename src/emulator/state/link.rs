//! A room's stored external link, the primary link a room is born with, and the portal's
//! sharing settings that decide some of their fields: plain data of the state file, kept apart
//! from the `links` handlers so that `state` needs nothing of them.

use crate::docspace::RoomType;
use crate::links::rules;
use serde::{Deserialize, Serialize};

/// One external link of a room. Its share key is not stored: it is a signature of its id
/// (`ExternalShare.CreateShareKeyAsync`), so a link made again under the same id has the same
/// URL, and one under a new id a new URL.
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
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The title of a link sent without one (`FilesCommonResource.DefaultExternalLinkTitle`,
/// FileStorageService.cs L5757): in every room type.
pub(crate) const DEFAULT_LINK_TITLE: &str = "Shared link";

/// The portal's sharing settings (`FilesSettings`, products/ASC.Files/Core/Configuration/
/// FilesSettings.cs L153-154, L189-190, L201-202, L233-235), as `GET /api/2.0/files/settings`
/// shows them and the seed file sets them. A new portal shares externally and makes links
/// public by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SharingSettings {
    /// `!DisableShareLinkSetting`: external links may be made.
    #[serde(default = "yes")]
    pub external_share: bool,
    /// The restriction covers rooms (`ExternalShareApplyToRooms`, default true).
    #[serde(default = "yes")]
    pub external_share_apply_to_rooms: bool,
    /// New links are internal by default (`DefaultShareLinkInternal`, default false).
    #[serde(default)]
    pub default_share_link_internal: bool,
}

fn yes() -> bool {
    true
}

impl Default for SharingSettings {
    fn default() -> Self {
        SharingSettings {
            external_share: true,
            external_share_apply_to_rooms: true,
            default_share_link_internal: false,
        }
    }
}

impl SharingSettings {
    /// Whether new public links are refused in an active room (`ExternalShare.
    /// IsCreationRestrictedAsync`, ExternalShare.cs L372-387: rooms in the archive are not).
    pub(crate) fn restricts(self, archived: bool) -> bool {
        !self.external_share && self.external_share_apply_to_rooms && !archived
    }
}

/// The primary link a room of this type is created with, if any: a public room's "Shared link"
/// (never internal), a form-filling room's "Link to fill out", internal when the portal makes
/// links internal by default (FileStorageService.cs L846-850, L5801-5809).
pub(crate) fn primary_link(room_type: RoomType, sharing: SharingSettings) -> Option<Link> {
    let (title, access) = rules(room_type)?.auto_primary?;
    Some(Link {
        id: new_id(),
        title: title.to_owned(),
        access: access.code(),
        expires: None,
        password: None,
        deny_download: false,
        internal: room_type == RoomType::FormFilling && sharing.default_share_link_internal,
        primary: true,
    })
}
