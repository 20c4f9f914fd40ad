//! The keys each mapping of a manifest accepts. A leaf: the syntax layer reads them for its
//! suggestions across mappings, the raw types and templates for what a template may hold, and
//! none of them needs the others for it. They must match the fields of the types in `raw`
//! (a test checks it).

/// The keys each mapping accepts, for suggestions across mappings (a room key written at the
/// top level, a member key written in a room).
pub(super) const MANIFEST_KEYS: &[&str] = &[
    "prune",
    "ignore",
    "max_destroy_percent",
    "max_member_removals",
    "password_env_allow",
    "rooms",
    "templates",
];
pub(super) const ROOM_KEYS: &[&str] = &[
    "title",
    "id",
    "type",
    "state",
    "tags",
    "protect",
    "renamed_from",
    "members_policy",
    "notify",
    "members",
    "folders",
    "folders_policy",
    "template",
    "links_policy",
    "links",
    "quota",
    "deny_download",
    "indexing",
    "color",
    "cover",
    "watermark",
    "lifetime",
];
pub(super) const MEMBER_KEYS: &[&str] = &["user", "group", "access", "invite"];

/// The keys a `links` entry accepts.
pub(super) const LINK_KEYS: &[&str] =
    &["name", "primary", "access", "expires", "password_env", "deny_download", "internal"];

/// Room keys a template cannot hold: they name one room.
pub(super) const NOT_IN_TEMPLATES: &[&str] = &["title", "id", "renamed_from", "template"];
