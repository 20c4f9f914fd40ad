//! The document as written: what serde reads and what the JSON Schema describes.
//!
//! Values whose position a later check may need are wrapped in [`Spanned`]; `schemars` is told
//! the plain type with `#[schemars(with = ...)]`. The field lists here are the single source of
//! the accepted keys: the syntax layer reads them back from serde's errors for its suggestions.

use super::links::RawLink;
use super::settings::{RawLifetime, RawSwitch, RawWatermark, Scalar};
use super::spec::{DesiredState, FoldersPolicy, LinksPolicy, MembersPolicy, Prune};
use super::templates::TemplateSchema;
use super::validate::CheckedRooms;
use crate::docspace::{Access, RoomType};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// Rooms of an ONLYOFFICE DocSpace portal, as code. Read by `docspace-rooms plan` and `apply`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "docspace-rooms manifest", rename = "Manifest")]
pub(super) struct RawManifest {
    /// What happens to portal rooms this manifest does not list: `none` (the default) leaves them alone, `archive` archives them, `delete` deletes them.
    #[serde(default)]
    pub prune: Prune,

    /// Room titles, or glob patterns where `*` matches any run of characters and `?` one character, that pruning never touches.
    #[serde(default)]
    #[schemars(with = "Vec<String>", inner(length(min = 1)))]
    pub ignore: Vec<Spanned<String>>,

    /// Refuse a plan that would archive or delete more than this percentage of the portal's rooms (0 to 100; default 30). `--force` overrides it.
    #[serde(default)]
    #[schemars(with = "Option<u8>", range(min = 0, max = 100), extend("default" = 30))]
    pub max_destroy_percent: Option<Spanned<u64>>,

    /// Refuse a plan that would remove more than this many room members in total (default 10). `--force` overrides it.
    #[serde(default)]
    #[schemars(extend("default" = 10))]
    pub max_member_removals: Option<u32>,

    /// The rooms the portal should have. A room is matched by `id` when given, else by its title or one of its `renamed_from` titles.
    #[schemars(with = "Vec<RawRoom>")]
    pub rooms: CheckedRooms,

    /// Named sets of room keys. A room with `template: NAME` takes every key of that template it does not set itself; a list or mapping the room sets replaces the template's whole. A template holds any room key except `title`, `id` and `renamed_from`.
    #[serde(default)]
    #[schemars(with = "Option<std::collections::BTreeMap<String, TemplateSchema>>")]
    #[expect(dead_code, reason = "read by the first pass (`templates`); here only for the schema")]
    pub templates: Option<serde::de::IgnoredAny>,
}

/// One room.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Room")]
pub(super) struct RawRoom {
    /// The room's title (at most 170 UTF-16 units). The portal trims it and replaces each of `* + : " < > ? | \ /`, tabs and emoji with `_`; titles are compared in that stored form.
    #[schemars(with = "String", length(min = 1, max = 170))]
    pub title: Spanned<String>,

    /// The portal's id for this room. Pins the room: a different title is then a rename.
    #[serde(default)]
    #[schemars(with = "Option<u64>", range(min = 1))]
    pub id: Option<Spanned<u64>>,

    /// The room's type, fixed when it is created: `form-filling`, `collaboration`, `custom`, `public`, `virtual-data` or `ai`. Required unless the room has an `id` or `state: deleted`.
    #[serde(default, rename = "type")]
    pub room_type: Option<RoomType>,

    /// `active` (the default), `archived` or `deleted`.
    #[serde(default)]
    pub state: DesiredState,

    /// The room's tags. When given, the room ends up with exactly these (compared ignoring case); when absent, its tags are left alone. Each at most 255 UTF-16 units.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>", inner(length(min = 1, max = 255)))]
    pub tags: Option<Vec<Spanned<String>>>,

    /// Refuse any plan that archives or deletes this room (default false).
    #[serde(default)]
    pub protect: bool,

    /// Titles this room had before, so that it is found and renamed without an `id`.
    #[serde(default)]
    #[schemars(with = "Vec<String>", inner(length(min = 1, max = 170)))]
    pub renamed_from: Vec<Spanned<String>>,

    /// `exact` (the default): members not listed are removed. `additive`: they are kept.
    #[serde(default)]
    #[schemars(with = "Option<MembersPolicy>", extend("default" = "exact"))]
    pub members_policy: Option<Spanned<MembersPolicy>>,

    /// Send the portal's notifications to invited members (default false).
    #[serde(default)]
    #[schemars(with = "Option<bool>", extend("default" = false))]
    pub notify: Option<Spanned<bool>>,

    /// The room's members besides its owner. When absent, members are left alone.
    #[serde(default)]
    #[schemars(with = "Option<Vec<RawMember>>")]
    pub members: Option<Vec<Spanned<RawMember>>>,

    /// Folders the room must contain, created when missing; `/` separates levels (`2. Financials/2025`), and a path implies its parents. Titles follow the portal's rules: stored like room titles, at most 165 UTF-16 units. Folders are created in the order listed.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>", inner(length(min = 1)))]
    pub folders: Option<Vec<Spanned<String>>>,

    /// `additive` (the default): folders not listed are left alone. `exact`: folders not listed that are empty go to the trash (with `--allow-delete`); others are reported and left alone.
    #[serde(default)]
    #[schemars(with = "Option<FoldersPolicy>", extend("default" = "additive"))]
    pub folders_policy: Option<Spanned<FoldersPolicy>>,

    /// The name of a template under `templates` whose keys this room takes, except those it sets itself.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    #[expect(dead_code, reason = "taken by `templates::MergedRoom` before this struct sees it")]
    pub template: Option<Spanned<String>>,
    /// `exact` (the default): additional links not listed are removed. `additive`: they are kept.
    #[serde(default)]
    #[schemars(with = "Option<LinksPolicy>", extend("default" = "exact"))]
    pub links_policy: Option<Spanned<LinksPolicy>>,

    /// The room's external links (public, custom and form-filling rooms). When absent, links are left alone.
    #[serde(default)]
    #[schemars(with = "Option<Vec<RawLink>>")]
    pub links: Option<Spanned<Vec<Spanned<RawLink>>>>,
    /// Storage quota: `default` (the portal's), `unlimited`, a size (`500 MB`, `2 GiB`, `1.5 TB`: units MB, GB, TB, MiB, GiB, TiB) or a number of bytes. `0` is zero bytes. Needs the portal's room quota on (Settings → Storage management). When absent, the quota is left alone.
    #[serde(default)]
    #[schemars(with = "Option<Scalar>")]
    pub quota: Option<Spanned<Scalar>>,

    /// "Restrict copy and download". When absent, left alone.
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub deny_download: Option<Spanned<bool>>,

    /// Numbered contents (virtual data rooms). When absent, left alone.
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub indexing: Option<Spanned<bool>>,

    /// The logo colour: six hex digits, any case (quote it when YAML would read a number). Not for rooms with a custom logo. When absent, left alone.
    #[serde(default)]
    #[schemars(with = "Option<Scalar>")]
    pub color: Option<Spanned<Scalar>>,

    /// A cover id the portal offers (`GET /api/2.0/files/rooms/covers`), or `none`. Not for rooms with a custom logo. When absent, left alone.
    #[serde(default)]
    #[schemars(with = "Option<String>", length(min = 1, max = 50))]
    pub cover: Option<Spanned<String>>,

    /// A text watermark, or `off` for none. When absent, left alone.
    #[serde(default)]
    #[schemars(with = "Option<RawSwitch<RawWatermark>>")]
    pub watermark: Option<Spanned<RawSwitch<RawWatermark>>>,

    /// Files older than this are removed, or `off` for never. Permanent deletion, or a shorter lifetime, needs `apply --allow-delete`. When absent, left alone.
    #[serde(default)]
    #[schemars(with = "Option<RawSwitch<RawLifetime>>")]
    pub lifetime: Option<Spanned<RawSwitch<RawLifetime>>>,
}

/// One room member: a `user` (by email) or a `group` (by name), with an access level.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Member", extend("oneOf" = [{"required": ["user"]}, {"required": ["group"]}]))]
pub(super) struct RawMember {
    /// A user's email address.
    #[serde(default)]
    #[schemars(with = "Option<String>", email)]
    pub user: Option<Spanned<String>>,

    /// A group's name.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub group: Option<Spanned<String>>,

    /// The access level: `room-manager` (users only), `content-creator`, `editor`, `viewer`, `reviewer`, `commenter` or `form-filler`. Which ones a room allows depends on its type.
    #[schemars(with = "Access")]
    pub access: Spanned<Access>,

    /// Invite the user by email if the portal has no account for them (default false).
    #[serde(default)]
    #[schemars(with = "Option<bool>", extend("default" = false))]
    pub invite: Option<Spanned<bool>>,
}
