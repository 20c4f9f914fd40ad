//! The manifest: `rooms.yaml` parsed strictly, then checked as a whole.
//!
//! Reading happens in two stages. [`parse`] first deserializes the YAML into the raw document
//! types of `raw` (strict: unknown keys, wrong types and bad values stop it with one error that
//! names the key and its `FILE:LINE:COL`), then `validate` checks the document as a whole and
//! reports every problem it finds at once, plus warnings for titles the portal would rewrite.
//! [`to_yaml`] writes a manifest back out for `export`, and [`json_schema`] describes the format
//! for editors.
//!
//! Sibling modules depend on each other one way only. Leaves: `spec` (the data types, re-exported
//! here), `keys`, `glob`, `yaml_text`, `report`. Above them `raw` (every serde shape) and
//! `syntax` (error messages); then the per-key checks `folders`, `links`, `settings` and
//! `templates`; then `validate` and `emit`. This module drives the read and imports them all.

mod emit;
mod folders;
mod glob;
mod keys;
mod links;
mod raw;
mod report;
mod settings;
mod spec;
mod syntax;
mod templates;
mod validate;
mod yaml_text;

#[cfg(test)]
mod folders_tests;
#[cfg(test)]
mod templates_tests;
#[cfg(test)]
mod tests;

pub(crate) use crate::model::Member;
use raw::RawManifest;
use std::io::Read as _;
use std::path::Path;
use validate::CheckedRooms;

pub use emit::to_yaml;
pub(crate) use glob::Pattern;
#[cfg(test)]
pub(crate) use glob::glob_match;
pub(crate) use links::{internal_problem, read_password, read_passwords};
pub use spec::{
    DesiredState, FolderSpec, FoldersPolicy, LinkPassword, LinkSpec, LinksPolicy,
    MAX_MANIFEST_BYTES, Manifest, ManifestError, MemberSpec, MembersPolicy, Problem, Prune,
    RoomSpec, Warning,
};
pub(crate) use syntax::closest;
pub(crate) use validate::tag_problems;

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
    let (raw, _templates) = deserialize(source_name, text)?;
    validate::validate(source_name, raw)
}

/// Reads the document: templates first (they may follow the rooms), then everything, each room
/// resolved against its template as it is read. The templates stay installed for `validate`,
/// which runs on this thread while the returned guard lives.
fn deserialize(
    path: &Path,
    text: &str,
) -> Result<(RawManifest<CheckedRooms>, templates::InstallGuard), ManifestError> {
    let options = || syntax::options(syntax::MAX_REPLAYED_EVENTS);
    // A YAML error here is reported by the full read below, with the context it has there.
    // A document that cannot have a `templates` key skips the first pass, which would find none.
    let templates =
        match may_have_templates(text).then(|| templates::read_templates(text, options())) {
            Some(Ok(Ok(templates))) => templates,
            Some(Ok(Err(err))) => {
                return Err(ManifestError::Syntax {
                    path: path.to_path_buf(),
                    line: err.line,
                    col: 1,
                    message: err.message,
                });
            }
            None | Some(Err(_)) => templates::Templates::default(),
        };
    let guard = templates::install(templates);
    let raw = serde_saphyr::from_str_with_options::<RawManifest<CheckedRooms>>(text, options())
        .map_err(|err| syntax::translate(path, text, &err))?;
    Ok((raw, guard))
}

/// Whether `text` may have a `templates` key anywhere. No key can spell the word without
/// containing it, except a double-quoted one through escapes (`"\x74emplates"`), hence the
/// backslash. A manifest without templates (most, and every large one seen) is read once, not
/// twice.
fn may_have_templates(text: &str) -> bool {
    text.contains("templates") || text.contains('\\')
}

/// The manifest format as a JSON Schema (draft 2020-12), for `docspace-rooms schema` and for
/// editors (`# yaml-language-server: $schema=rooms.schema.json`).
///
/// # Panics
/// Never: a schema derived by `schemars` always serializes to JSON.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(RawManifest<Vec<raw::RawRoom>>);
    serde_json::to_value(schema).expect("a JSON Schema serializes to JSON")
}
