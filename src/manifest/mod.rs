//! The manifest: `rooms.yaml` parsed strictly, then checked as a whole.
//!
//! Reading happens in two stages. [`parse`] first deserializes the YAML into the raw document
//! types of `raw` (strict: unknown keys, wrong types and bad values stop it with one error that
//! names the key and its `FILE:LINE:COL`), then `validate` checks the document as a whole and
//! reports every problem it finds at once, plus warnings for titles the portal would rewrite.
//! [`to_yaml`] writes a manifest back out for `export`, and [`json_schema`] describes the format
//! for editors.

mod emit;
mod folders;
mod glob;
mod links;
mod raw;
mod settings;
mod syntax;
mod templates;
mod validate;

#[cfg(test)]
mod folders_tests;
#[cfg(test)]
mod templates_tests;
#[cfg(test)]
mod tests;

use crate::docspace::{Access, RoomType};
pub use crate::model::Member;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

pub use emit::to_yaml;
pub use folders::{FolderSpec, FoldersPolicy, MAX_FOLDER_TITLE_UNITS};
pub(crate) use glob::Pattern;
#[cfg(test)]
pub(crate) use glob::glob_match;
pub use links::{LinkPassword, LinkSpec, LinksPolicy, MissingPasswords, read_passwords};
pub(crate) use syntax::closest;

/// The largest manifest [`load`] and [`parse`] accept, in bytes (10 MiB).
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
    pub fn as_str(self) -> &'static str {
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
    pub fn as_str(self) -> &'static str {
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
    pub fn as_str(self) -> &'static str {
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

/// Read and check the manifest at `path`.
pub fn load(path: &Path) -> Result<(Manifest, Vec<Warning>), ManifestError> {
    let read_error = |source| ManifestError::Read { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    if size > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: MAX_MANIFEST_BYTES,
        });
    }
    // The file may grow between the two calls: read at most one byte past the limit.
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut bytes).map_err(read_error)?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit: MAX_MANIFEST_BYTES,
        });
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let (line, col) = syntax::line_col_of(std::str::from_utf8(valid).unwrap_or_default());
            return Err(ManifestError::Syntax {
                path: path.to_path_buf(),
                line,
                col,
                message: "the manifest is not UTF-8 text".to_owned(),
            });
        }
    };
    parse(path, &text)
}

/// Parse and check manifest text; `source_name` only names it in messages and in
/// [`Manifest::source`].
pub fn parse(source_name: &Path, text: &str) -> Result<(Manifest, Vec<Warning>), ManifestError> {
    if text.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge {
            path: source_name.to_path_buf(),
            size: text.len() as u64,
            limit: MAX_MANIFEST_BYTES,
        });
    }
    let (raw, _templates) = syntax::deserialize(source_name, text)?;
    validate::validate(source_name, raw)
}

/// The manifest format as a JSON Schema (draft 2020-12), for `docspace-rooms schema` and for
/// editors (`# yaml-language-server: $schema=rooms.schema.json`).
///
/// # Panics
/// Never: a schema derived by `schemars` always serializes to JSON.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(raw::RawManifest);
    serde_json::to_value(schema).expect("a JSON Schema serializes to JSON")
}
