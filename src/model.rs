//! The reconciler's view of a portal room: only the fields it manages, already decoded.

use crate::docspace::RoomType;
use serde::{Deserialize, Serialize};

/// Where a room lives on the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoomState {
    /// In the room list; editable.
    Active,
    /// In the archive; read-only.
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

/// A room's type as the portal reports it. Portals gain types (AI rooms came with 3.7): a room
/// of a type this version does not know is still listed, renamed, retagged, archived or
/// deleted, since none of that depends on its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortalRoomType {
    /// A type this version knows.
    Known(RoomType),
    /// The portal's `roomType` number.
    Unknown(i64),
}

impl PortalRoomType {
    /// The type, when this version knows it.
    pub(crate) fn known(self) -> Option<RoomType> {
        match self {
            PortalRoomType::Known(room_type) => Some(room_type),
            PortalRoomType::Unknown(_) => None,
        }
    }
}

impl From<RoomType> for PortalRoomType {
    fn from(room_type: RoomType) -> Self {
        PortalRoomType::Known(room_type)
    }
}

impl std::fmt::Display for PortalRoomType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortalRoomType::Known(room_type) => room_type.fmt(f),
            PortalRoomType::Unknown(code) => write!(f, "`roomType` {code}"),
        }
    }
}

/// A room as read from the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalRoom {
    /// The portal's room id.
    pub id: u64,
    /// The title as stored.
    pub title: String,
    /// The room's type.
    pub room_type: PortalRoomType,
    /// Active or archived.
    pub state: RoomState,
    /// Tags as the portal returns them.
    pub tags: Vec<String>,
    /// The settings as the portal shows them: a field is `None` when the portal does not
    /// report it (a quota while room quota is off or the room is archived; a colour or a cover
    /// behind a custom logo). Not part of a plan's fingerprints: a settings step carries what
    /// it starts from, and only that is checked again.
    #[serde(skip)]
    pub settings: crate::settings::Settings,
    /// Whether the room has a custom logo, which hides its colour and cover.
    #[serde(skip)]
    pub custom_logo: bool,
}

/// A person in the portal's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The user's UUID.
    pub id: String,
    /// The login email.
    pub email: String,
    /// False for a terminated (disabled) account.
    pub active: bool,
    /// The owner, DocSpace admins and room admins: only they can be room managers.
    pub can_manage_rooms: bool,
}

/// A group in the portal's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group's UUID.
    pub id: String,
    /// The group's name.
    pub name: String,
}

/// Who a member entry is about: a person by email or a group by name. The manifest declares
/// one, a plan changes one, a room lists one; all three use this type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Member {
    /// A person, by email address.
    User(String),
    /// A group, by name.
    Group(String),
}

impl Member {
    /// The name: the email address or the group name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Member::User(name) | Member::Group(name) => name,
        }
    }

    /// What to compare: a user's [`email_key`], a group's name as written. Compare the variant
    /// too, as [`Member::is`] does: a user and a group never match.
    pub fn key(&self) -> String {
        match self {
            Member::User(email) => email_key(email),
            Member::Group(name) => name.clone(),
        }
    }

    /// Whether two entries are about the same person or group: the one identity rule for
    /// members, used by the planner, the executor's read-back, saved-plan checks and `export`.
    pub(crate) fn is(&self, other: &Member) -> bool {
        match (self, other) {
            (Member::User(a), Member::User(b)) => a == b || email_key(a) == email_key(b),
            (Member::Group(a), Member::Group(b)) => a == b,
            _ => false,
        }
    }

    /// Whether this is a group.
    pub fn is_group(&self) -> bool {
        matches!(self, Member::Group(_))
    }
}

/// An email address as it is compared: lowercased in full Unicode, since addresses are
/// case-insensitive in practice and a portal stores them as typed (`Ärzte@…` and `ärzte@…` are
/// one person, as `Ann@…` and `ann@…` are).
pub(crate) fn email_key(email: &str) -> String {
    email.to_lowercase()
}

/// As plans show members: an email alone, or `group …`.
impl std::fmt::Display for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Member::User(email) => f.write_str(email),
            Member::Group(name) => write!(f, "group {name}"),
        }
    }
}

/// One entry of a room's member list, as read from the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMember {
    /// The user's or group's UUID.
    pub id: String,
    /// Who the entry is about.
    pub member: Member,
    /// The raw `FileShare` number; not every value is one the manifest can name.
    pub access: i64,
    /// The room's owner, whom member changes never touch.
    pub is_owner: bool,
}

/// Everything read from the portal that a plan depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalState {
    /// Every room of every area.
    pub rooms: Vec<PortalRoom>,
    /// The AI agents, which live apart from the rooms (`searchArea=AiAgents`); read only when
    /// some entry declares `type: ai`, whose title must not be an agent's.
    pub agents: Vec<PortalRoom>,
    /// Read only when some room declares `members`.
    pub people: Vec<Person>,
    /// Read only when some room declares `members`.
    pub groups: Vec<Group>,
    /// Members of the rooms whose entry declares `members`, by room id.
    pub members: std::collections::BTreeMap<u64, Vec<RoomMember>>,
    /// The direct subfolders of each room whose entry declares `folders` and of each declared
    /// folder found, by the id of the room or folder they are in.
    pub folders: std::collections::BTreeMap<u64, Vec<PortalFolder>>,
    /// External links of the rooms whose entry declares `links`, by room id.
    pub links: std::collections::BTreeMap<u64, Vec<PortalLink>>,
    /// Whether the portal's room quota is on; read only when some room declares `quota`.
    pub room_quota: Option<bool>,
    /// The most a room quota may be, when the portal limits it; read only when some room
    /// declares `quota` (a portal refuses a room quota above it).
    pub storage_limit: Option<StorageLimit>,
    /// The cover ids the portal offers; read only when some room declares `cover`.
    pub covers: Option<Vec<String>>,
    /// The portal's password policy; read only when some link declares a password.
    pub password_policy: Option<crate::links::PasswordPolicy>,
    /// The portal's sharing settings; read only when some room declares `links`.
    pub sharing: Option<PortalSharing>,
}

/// The storage limit a room quota may not exceed, in bytes, and which limit it is: the smaller
/// of the tariff's total storage and, on a self-hosted portal, the storage quota its admin set
/// for the whole portal (server `FileStorageService.UpdateRoomAsync` checks both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageLimit {
    /// The tariff's total storage (`features[total_size]` of `GET portal/payment/quota`).
    Tariff(u64),
    /// The portal's storage quota (`tenantCustomQuota`, when `enableQuota`).
    PortalQuota(u64),
}

impl StorageLimit {
    /// The smaller of the two limits, each when set; the tariff's when they are equal.
    pub(crate) fn of(tariff: Option<u64>, portal_quota: Option<u64>) -> Option<StorageLimit> {
        match (tariff, portal_quota) {
            (Some(total), Some(quota)) if quota < total => Some(StorageLimit::PortalQuota(quota)),
            (Some(total), _) => Some(StorageLimit::Tariff(total)),
            (None, quota) => quota.map(StorageLimit::PortalQuota),
        }
    }

    /// The limit in bytes.
    pub(crate) fn bytes(self) -> u64 {
        match self {
            StorageLimit::Tariff(bytes) | StorageLimit::PortalQuota(bytes) => bytes,
        }
    }
}

/// The portal's sharing settings that decide what its links may be (`GET /api/2.0/files/settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortalSharing {
    /// External links may be public (`externalShare`).
    pub external_share: bool,
    /// A restriction covers rooms (`externalShareApplyToRooms`).
    pub apply_to_rooms: bool,
    /// New links are internal by default (`defaultShareLinkInternal`).
    pub default_internal: bool,
}

impl PortalSharing {
    /// Whether new public links are refused in active rooms.
    pub(crate) fn restricts_rooms(self) -> bool {
        !self.external_share && self.apply_to_rooms
    }
}

/// A folder inside a room, as read from the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalFolder {
    /// The portal's folder id.
    pub id: u64,
    /// The title as stored.
    pub title: String,
    /// The room or folder it is in (`parentId`), when the portal says.
    pub parent_id: Option<u64>,
    /// Files in it and everything below (the portal's counts are recursive).
    pub files_count: u64,
    /// Folders below it, at any depth.
    pub folders_count: u64,
    /// A folder the portal made and owns (it has a `type`, e.g. a form-filling room's
    /// "Complete"): never touched, never counted as undeclared.
    pub system: bool,
    /// How many items its own listing showed, when it was listed (an undeclared folder whose
    /// counts say empty, under `folders_policy: exact`): the counters could drift.
    pub listed: Option<u64>,
}

impl PortalFolder {
    /// Whether it holds nothing, by its counts and, when it was listed, by its listing.
    pub(crate) fn is_empty(&self) -> bool {
        self.files_count == 0 && self.folders_count == 0 && self.listed.unwrap_or(0) == 0
    }
}

/// One external link of a room, as read from the portal (`FileShareDto.sharedLink`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalLink {
    /// The link's id (`sharedLink.id`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// The raw `FileShare` number it gives.
    pub access: i64,
    /// When it expires, as a Unix time.
    pub expires: Option<i64>,
    /// Its password; the portal returns it in plain text.
    pub password: Option<crate::links::Password>,
    /// Whether downloads are denied.
    pub deny_download: bool,
    /// Whether only people signed in to the portal can open it.
    pub internal: bool,
    /// The room's primary link.
    pub primary: bool,
    /// The URL to hand out.
    pub url: String,
}

impl PortalLink {
    /// Whether this is the link a declaration means: the one link identity rule. The primary
    /// link is known by its flag (its title is the user's to change); another by its title.
    pub(crate) fn is_named(&self, primary: bool, name: &str) -> bool {
        if primary { self.primary } else { !self.primary && self.title == name }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_one_by_address_in_any_case_and_groups_by_their_exact_name() {
        let user = |email: &str| Member::User(email.into());
        assert!(user("Ann@Example.com").is(&user("ann@example.com")));
        assert!(user("ÄRZTE@example.com").is(&user("ärzte@example.com")));
        assert!(!user("ann@example.com").is(&user("anne@example.com")));
        assert!(!user("Audit").is(&Member::Group("Audit".into())));
        assert!(!Member::Group("Audit".into()).is(&Member::Group("audit".into())));
        assert_eq!(user("ÄRZTE@example.com").key(), email_key("ärzte@EXAMPLE.com"));
    }

    #[test]
    fn a_room_type_is_saved_by_name_or_by_the_number_of_an_unknown_one() {
        for (room_type, json) in [
            (PortalRoomType::Known(RoomType::Custom), "\"custom\""),
            (PortalRoomType::Unknown(12), "12"),
        ] {
            assert_eq!(serde_json::to_string(&room_type).unwrap(), json);
            assert_eq!(serde_json::from_str::<PortalRoomType>(json).unwrap(), room_type);
        }
    }
}
