//! What a manifest means once read: the checked manifest, its rooms, members, folders and links,
//! the policies and states a manifest spells, and the warnings and errors reading it gives.
//! Plain data that every other part of `manifest` builds or reads; it imports none of them
//! but `glob`, so that they all depend on it one way.

use super::glob::Pattern;
use crate::docspace::{Access, RoomType};
use crate::links::Password;
use crate::model::Member;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The largest manifest [`super::load`] and [`super::parse`] accept, in bytes (10 MiB).
pub const MAX_MANIFEST_BYTES: u64 = 10 * 1024 * 1024;
/// `max_destroy_percent` when the manifest does not set it.
pub(crate) const DEFAULT_MAX_DESTROY_PERCENT: u8 = 30;
/// `max_member_removals` when the manifest does not set it.
pub(crate) const DEFAULT_MAX_MEMBER_REMOVALS: u32 = 10;

/// A manifest that parsed and passed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The file it was read from, as given.
    pub source: PathBuf,
    /// The rooms, in the order the file lists them.
    pub rooms: Vec<RoomSpec>,
    /// What happens to portal rooms the manifest does not list.
    pub prune: Prune,
    /// Titles or glob patterns (`*`, `?`) of portal rooms that pruning never touches.
    pub ignore: Vec<String>,
    /// Refuse a plan that archives or deletes more than this share of the portal's rooms.
    pub max_destroy_percent: u8,
    /// Refuse a plan that removes more than this many room members.
    pub max_member_removals: u32,
}

/// An empty manifest with every setting at its default (`export` fills in the rooms).
impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            source: PathBuf::new(),
            rooms: Vec::new(),
            prune: Prune::None,
            ignore: Vec::new(),
            max_destroy_percent: DEFAULT_MAX_DESTROY_PERCENT,
            max_member_removals: DEFAULT_MAX_MEMBER_REMOVALS,
        }
    }
}

impl Manifest {
    /// The `ignore` patterns, ready to match stored titles.
    pub(crate) fn ignore_patterns(&self) -> Vec<Pattern> {
        self.ignore.iter().map(|pattern| Pattern::new(pattern)).collect()
    }

    /// Whether pruning must leave a portal room with this (stored) title alone.
    #[cfg(test)]
    pub(crate) fn is_ignored(&self, title: &str) -> bool {
        self.ignore_patterns().iter().any(|pattern| pattern.matches(title))
    }
}

/// What happens to portal rooms the manifest does not list.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Prune {
    /// Leave them alone.
    #[default]
    None,
    /// Archive them.
    Archive,
    /// Delete them (permanent; `apply` also needs `--allow-delete`).
    Delete,
}

impl Prune {
    /// The manifest spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Prune::None => "none",
            Prune::Archive => "archive",
            Prune::Delete => "delete",
        }
    }
}

/// Where a listed room should be.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DesiredState {
    /// In the Rooms section (unarchived if it is archived).
    #[default]
    Active,
    /// In the Archive section.
    Archived,
    /// Gone: deleted if it exists, never created.
    Deleted,
}

impl DesiredState {
    /// The manifest spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DesiredState::Active => "active",
            DesiredState::Archived => "archived",
            DesiredState::Deleted => "deleted",
        }
    }
}

/// How a room's `members` list is applied.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum MembersPolicy {
    /// The room has exactly these members (besides its owner): others are removed.
    #[default]
    Exact,
    /// These members are added or updated; members not listed are left alone.
    Additive,
}

impl MembersPolicy {
    /// The manifest spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MembersPolicy::Exact => "exact",
            MembersPolicy::Additive => "additive",
        }
    }
}

/// `Display` as the manifest spells the value.
macro_rules! display_as_str {
    ($($name:ty),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(Prune, DesiredState, MembersPolicy, FoldersPolicy, LinksPolicy);

/// One room as the manifest wants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomSpec {
    /// The title as written.
    pub title: String,
    /// The title the portal stores for it ([`crate::docspace::stored_title`]); compare with this.
    pub stored_title: String,
    /// 1-based line of this room's entry (the line of its `-`).
    pub line: usize,
    /// Pins a portal room: a different title is then a rename.
    pub id: Option<u64>,
    /// The type a new room is created with; a room's type never changes.
    pub room_type: Option<RoomType>,
    /// Active, archived or deleted.
    pub state: DesiredState,
    /// When given, the room's tags are exactly these (as written; no two equal ignoring case).
    pub tags: Option<Vec<String>>,
    /// Earlier titles, in their stored forms, so that a rename needs no `id`.
    pub renamed_from: Vec<String>,
    /// Refuse any plan that archives or deletes this room.
    pub protect: bool,
    /// When given, the room's members; `None` leaves them alone.
    pub members: Option<Vec<MemberSpec>>,
    /// Whether undeclared members are removed (`exact`) or left (`additive`).
    pub members_policy: MembersPolicy,
    /// Whether invitations send notifications.
    pub notify: bool,
    /// When given, folders the room must contain, parents before children, in declared order.
    pub folders: Option<Vec<FolderSpec>>,
    /// Whether undeclared empty folders go to the trash (`exact`) or stay (`additive`).
    pub folders_policy: FoldersPolicy,
    /// When given, the room's external links; `None` leaves them alone.
    pub links: Option<Vec<LinkSpec>>,
    /// Whether undeclared additional links are removed (`exact`) or left (`additive`).
    pub links_policy: LinksPolicy,
    /// The declared settings; a field not given is left alone.
    pub settings: crate::settings::Settings,
}

/// One member of a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberSpec {
    /// The person or group.
    pub subject: Member,
    /// The access level to give.
    pub access: Access,
    /// Invite the user by email if the portal has no account for them.
    pub invite: bool,
    /// 1-based line of this member's entry.
    pub line: usize,
}

/// Something valid but probably not what was meant, e.g. a title the portal will rewrite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The manifest, as given.
    pub path: PathBuf,
    /// The 1-based line the warning is about.
    pub line: usize,
    /// What to look at.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// One thing wrong with a manifest that parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The 1-based line of the problem.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Why a manifest cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("cannot read manifest `{}`", path.display())]
    Read {
        /// The manifest.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is over [`MAX_MANIFEST_BYTES`].
    #[error("manifest `{}` is {size} bytes; the limit is {limit} bytes", path.display())]
    TooLarge {
        /// The manifest.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// Not YAML, or not the manifest's shape (an unknown key, a wrong type).
    #[error("{}:{line}:{col}: {message}", path.display())]
    Syntax {
        /// The manifest.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The 1-based column.
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// Well-formed, but with semantic problems, all of them.
    #[error("{}", render_problems(path, problems))]
    Invalid {
        /// The manifest.
        path: PathBuf,
        /// Every problem, by line.
        problems: Vec<Problem>,
    },
}

fn render_problems(path: &Path, problems: &[Problem]) -> String {
    let lines: Vec<String> =
        problems.iter().map(|p| format!("{}:{}: {}", path.display(), p.line, p.message)).collect();
    lines.join("\n")
}

/// What happens to folders a room's `folders` does not declare.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum FoldersPolicy {
    /// They are left alone.
    #[default]
    Additive,
    /// Empty ones go to the trash; others are reported and left alone.
    Exact,
}

impl FoldersPolicy {
    /// The manifest spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FoldersPolicy::Additive => "additive",
            FoldersPolicy::Exact => "exact",
        }
    }
}

/// One folder a room must contain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FolderSpec {
    /// The titles from the room down, in stored form.
    pub path: Vec<String>,
    /// 1-based line of the entry that declares it (or of the first path it is a parent of).
    pub line: usize,
}

impl FolderSpec {
    /// The path as written in plans: titles joined by `/`.
    pub(crate) fn display(&self) -> String {
        self.path.join("/")
    }
}

/// How a room's `links` list is applied.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum LinksPolicy {
    /// The room has exactly these additional links: others are removed.
    #[default]
    Exact,
    /// These links are created or updated; others are left alone.
    Additive,
}

impl LinksPolicy {
    /// The manifest spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LinksPolicy::Exact => "exact",
            LinksPolicy::Additive => "additive",
        }
    }
}

/// One external link as the manifest wants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkSpec {
    /// The link's title on the portal; unique within the room.
    pub name: String,
    /// The room's primary link, matched by the portal's `primary` flag.
    pub primary: bool,
    /// The access the link gives.
    pub access: Access,
    /// When it expires, as a Unix time.
    pub expires: Option<i64>,
    /// Where its password comes from.
    pub password: Option<LinkPassword>,
    /// Whether downloads are denied.
    pub deny_download: bool,
    /// Whether only people signed in to the portal can open it.
    pub internal: bool,
    /// 1-based line of the entry.
    pub line: usize,
}

/// A password named by its environment variable; the value is read by [`read_passwords`](super::read_passwords).
#[derive(Debug, Clone, Serialize)]
pub struct LinkPassword {
    /// The variable's name.
    pub env: String,
    /// 1-based line of `password_env` (0 for a link `export` made).
    #[serde(skip)]
    pub line: usize,
    /// The value, once read and trimmed as the portal trims it.
    #[serde(skip)]
    pub value: Option<Password>,
}

/// Two declarations are alike when they name the same variable.
impl PartialEq for LinkPassword {
    fn eq(&self, other: &LinkPassword) -> bool {
        self.env == other.env
    }
}

impl Eq for LinkPassword {}
