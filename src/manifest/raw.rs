//! The document as written: what serde reads and what the JSON Schema describes.
//!
//! Values whose position a later check may need are wrapped in [`Spanned`]; `schemars` is told
//! the plain type with `#[schemars(with = ...)]`. Every serde shape of the manifest is here,
//! the rooms', links' and settings' alike, so that this module imports no sibling but the
//! leaves `spec` and `keys`; the keys each mapping accepts are listed in `keys`.

use super::keys::NOT_IN_TEMPLATES;
use super::spec::{DesiredState, FoldersPolicy, LinksPolicy, MembersPolicy, Prune};
use crate::docspace::{Access, RoomType};
use crate::settings::WatermarkItem;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;
use std::marker::PhantomData;

/// Rooms of an ONLYOFFICE DocSpace portal, as code. Read by `docspace-rooms plan` and `apply`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "docspace-rooms manifest", rename = "Manifest")]
// `Rooms` is `validate::CheckedRooms` when a manifest is read (each room checked as it is
// read) and `Vec<RawRoom>` for the schema, so that this module needs nothing of `validate`.
pub(super) struct RawManifest<Rooms> {
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

    /// Environment variables `password_env` may name besides `LINK_PASSWORD_*` (the names `export` writes): names or patterns where `*` matches any run of characters and `?` one character (`PRESS_*`). `DOCSPACE_*`, `GITHUB_*`, `ACTIONS_*`, `CI_*`, `GITLAB_*` and `*_TOKEN` variables (any case) are never read as link passwords, whatever this allows.
    #[serde(default)]
    #[schemars(with = "Vec<String>", inner(regex(pattern = r"^[A-Za-z0-9_*?]+$")))]
    pub password_env_allow: Vec<Spanned<String>>,

    /// The rooms the portal should have. A room is matched by `id` when given, else by its title or one of its `renamed_from` titles.
    #[schemars(with = "Vec<RawRoom>")]
    pub rooms: Rooms,

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

/// One external link, as written.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Link")]
pub(super) struct RawLink {
    /// The link's title on the portal (at most 255 characters); unique within the room.
    #[schemars(with = "String", length(min = 1, max = 255))]
    pub name: Spanned<String>,

    /// The room's main link (public and form-filling rooms always have one; it is updated in place, never removed).
    #[serde(default)]
    #[schemars(with = "Option<bool>", extend("default" = false))]
    pub primary: Option<Spanned<bool>>,

    /// `viewer`, `editor`, `reviewer`, `commenter` or `form-filler`, as the room type allows.
    #[schemars(with = "Access")]
    pub access: Spanned<Access>,

    /// A date (`2027-03-31`: the end of that day, UTC) or an RFC 3339 date-time; at most 10 years ahead.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub expires: Option<Spanned<String>>,

    /// The name of an environment variable holding the link's password: `LINK_PASSWORD_*` or a name `password_env_allow` allows, never `DOCSPACE_*`, `GITHUB_*`, `ACTIONS_*`, `CI_*`, `GITLAB_*` or `*_TOKEN`. The value is trimmed; it must meet the portal's password policy (8 to 30 printable ASCII characters without spaces by default).
    #[serde(default)]
    #[schemars(with = "Option<String>", regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub password_env: Option<Spanned<String>>,

    /// Never accepted: a password is named with `password_env`, not written down.
    #[serde(default)]
    #[schemars(skip)]
    pub password: Option<Spanned<serde::de::IgnoredAny>>,

    /// Deny downloading and copying (default false).
    #[serde(default)]
    #[schemars(with = "Option<bool>", extend("default" = false))]
    pub deny_download: Option<Spanned<bool>>,

    /// Only people signed in to the portal can open it (default false). Not in a `public` room, whose links are always open to anyone.
    #[serde(default)]
    #[schemars(with = "Option<bool>", extend("default" = false))]
    pub internal: Option<Spanned<bool>>,
}

/// A scalar that YAML may read as a whole number or as text: `quota` (`default`, `10 GB` or a
/// number of bytes) and `color` (`4C9AFF`, or `123456`, which YAML reads as a number).
#[derive(Debug)]
pub(super) enum Scalar {
    Number(u64),
    Text(String),
}

impl Scalar {
    /// The scalar as written (a number's digits).
    pub(super) fn text(&self) -> String {
        match self {
            Scalar::Number(n) => n.to_string(),
            Scalar::Text(text) => text.clone(),
        }
    }
}

/// Text, or a whole number (YAML reads `1048576` and `123456` as numbers).
impl schemars::JsonSchema for Scalar {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TextOrNumber".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": ["string", "integer"], "minimum": 0})
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number or text")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// `watermark` or `lifetime`: `off`, or a mapping.
#[derive(Debug)]
pub(super) enum RawSwitch<T> {
    Off,
    On(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for RawSwitch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SwitchVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for SwitchVisitor<T> {
            type Value = RawSwitch<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`off` or a mapping")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawSwitch<T>, E> {
                if v {
                    Err(E::invalid_value(de::Unexpected::Bool(v), &self))
                } else {
                    Ok(RawSwitch::Off)
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSwitch<T>, E> {
                if v == "off" {
                    Ok(RawSwitch::Off)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawSwitch<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawSwitch::On)
            }
        }
        deserializer.deserialize_any(SwitchVisitor(PhantomData))
    }
}

/// `off`, or the setting's mapping.
impl<T: schemars::JsonSchema> schemars::JsonSchema for RawSwitch<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("{}OrOff", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"anyOf": [{"const": "off"}, generator.subschema_for::<T>()]})
    }
}

/// A text watermark.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Watermark")]
pub(super) struct RawWatermark {
    /// The text (at most 255 characters).
    #[serde(default)]
    #[schemars(with = "Option<String>", length(max = 255))]
    pub text: Option<Spanned<String>>,
    /// What the watermark shows besides its text: any of `user-name`, `user-email`, `ip-address`, `date`, `room-name`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<WatermarkItem>>")]
    pub show: Option<Vec<Spanned<String>>>,
    /// Rotation in degrees (default 0).
    #[serde(default)]
    #[schemars(with = "Option<i64>", range(min = -360, max = 360))]
    pub rotate: Option<Spanned<i64>>,
}

/// How old files may get before the portal removes them.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Lifetime")]
pub(super) struct RawLifetime {
    /// `N days`, `N months` or `N years`, N from 1 to 999.
    #[schemars(
        with = "String",
        regex(pattern = r"^[0-9]{1,3} (day|days|month|months|year|years)$")
    )]
    pub older_than: Spanned<String>,
    /// `trash` (the default) moves the files to the trash; `delete` deletes them permanently.
    #[serde(default)]
    #[schemars(with = "Option<LifetimeAction>")]
    pub action: Option<Spanned<LifetimeAction>>,
}

/// What happens to expired files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum LifetimeAction {
    /// Moved to the trash.
    Trash,
    /// Deleted permanently.
    Delete,
}

/// The JSON Schema of a template: a room's, without the keys that name one room.
pub(super) struct TemplateSchema;

impl schemars::JsonSchema for TemplateSchema {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Template".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = <RawRoom as schemars::JsonSchema>::json_schema(generator);
        if let Some(object) = schema.as_object_mut() {
            if let Some(properties) =
                object.get_mut("properties").and_then(serde_json::Value::as_object_mut)
            {
                for key in NOT_IN_TEMPLATES {
                    properties.shift_remove(*key);
                }
            }
            if let Some(required) =
                object.get_mut("required").and_then(serde_json::Value::as_array_mut)
            {
                required.retain(|key| !key.as_str().is_some_and(|k| NOT_IN_TEMPLATES.contains(&k)));
            }
            object.insert(
                "description".to_owned(),
                "Room keys shared by the rooms that name this template; a key a room sets replaces the template's whole.".into(),
            );
        }
        schema
    }
}
