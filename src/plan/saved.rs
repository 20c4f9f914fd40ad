//! The saved plan (`plan --out`, `plan --format json`): versioned JSON that `apply PLAN_FILE`
//! applies exactly as reviewed. A checksum over the document refuses hand edits; the portal URL
//! refuses another portal; the fingerprints let `apply` refuse a plan that has gone stale.
//!
//! Format version 2 (version 1 had no settings):
//! `{format_version, tool_version, portal, manifest: {path, sha256}, summary, plan, checksum}`
//! where `plan` is `{rooms: [{title, target: {kind: existing, id} | {kind: new}, line,
//! steps: [{action, reason, …}]}], unmanaged, portal_rooms, fingerprints: [{id, title,
//! room_type, state, tags}]}` and each step is one of `create {title,
//! room_type, tags, settings?}`, `rename {before, after}`, `set_tags {before, after}`, `set_members`,
//! `set_settings {before, after}` (only the changed settings: `quota`, `deny_download`,
//! `indexing`, `color`, `cover`, `watermark`, `lifetime`), `archive` (active → archived),
//! `unarchive` (archived → active) or `delete` (archived → gone).
//!
//! Format version 2 adds, for plans made with `plan --base` only: `cause` (`change` | `drift`)
//! on every step and every member change, and `plan.adopted: [{title, target, step, why}]`,
//! the base plan's steps the plan no longer has. `apply` ignores both. It adds four edits:
//! `create_folder {path, parent_id}`, `trash_folder {path, id}`, `set_link {link: {name,
//! primary, link_id, before, after, password_env}}` and `remove_link {name, link_id, before}`,
//! where a link's `before` and `after` are `{title, access, expires, password, deny_download,
//! internal}`.
//!
//! Format version 3: a link's `password` is a verifier (`plan::links::verifier`: Argon2id with
//! a random salt, keyed with `DOCSPACE_PLAN_KEY` when set) in a file `plan --out` writes, and
//! `"set"` in what `plan --format json` prints; `set_link` gains `password_change` (`none`,
//! `set`, `changed`, `removed`).

use super::model::Plan;
use crate::manifest::Manifest;
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Bump when the document's shape or meaning changes; `apply` refuses other versions.
pub const FORMAT_VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SavedPlan {
    pub format_version: u32,
    pub tool_version: String,
    /// The portal the plan was made against, as given.
    pub portal: String,
    pub manifest: ManifestRef,
    pub summary: String,
    pub plan: Plan,
    /// SHA-256 over the document without this field; `apply` refuses a mismatch.
    pub checksum: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ManifestRef {
    pub path: String,
    pub sha256: String,
}

impl SavedPlan {
    pub(crate) fn new(
        portal: &reqwest::Url,
        manifest: &Manifest,
        plan: &Plan,
    ) -> anyhow::Result<SavedPlan> {
        let text = std::fs::read(&manifest.source)
            .with_context(|| format!("cannot read `{}`", manifest.source.display()))?;
        let sha256 = hex(&Sha256::digest(&text));
        drop(text);
        let mut saved = SavedPlan {
            format_version: FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            portal: portal.to_string(),
            manifest: ManifestRef { path: manifest.source.display().to_string(), sha256 },
            summary: plan.summary(),
            plan: plan.clone(),
            checksum: String::new(),
        };
        saved.checksum = streamed_checksum(&saved)?;
        Ok(saved)
    }

    pub(crate) fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a plan always serialises");
        text.push('\n');
        text
    }

    pub(crate) fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        serde_json::to_writer_pretty(&mut file, self)?;
        std::io::Write::write_all(&mut file, b"\n")?;
        std::io::Write::flush(&mut file)
    }

    /// Reads a saved plan, refusing anything that is not one, another version, or an edited one.
    pub(crate) fn read(path: &Path) -> anyhow::Result<SavedPlan> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the plan `{}`", path.display()))?;
        let not_a_plan =
            || format!("`{}` is not a plan saved by `docspace-rooms plan --out`", path.display());
        let value: Value = serde_json::from_str(&text).with_context(not_a_plan)?;
        let version =
            value.get("format_version").and_then(Value::as_u64).with_context(not_a_plan)?;
        if version != u64::from(FORMAT_VERSION) {
            bail!(
                "`{}` has plan format version {version}; this docspace-rooms reads version {FORMAT_VERSION}: make the plan again",
                path.display()
            );
        }
        let recorded = value.get("checksum").and_then(Value::as_str).unwrap_or_default();
        if recorded != checksum(&value) {
            bail!(
                "`{}` was changed after `plan --out` wrote it (its checksum does not match); make the plan again",
                path.display()
            );
        }
        serde_json::from_value(value).with_context(not_a_plan)
    }
}

/// The document without its checksum, in the same field order, to hash as it streams out.
#[derive(Serialize)]
struct Unsigned<'a> {
    format_version: u32,
    tool_version: &'a str,
    portal: &'a str,
    manifest: &'a ManifestRef,
    summary: &'a str,
    plan: &'a Plan,
}

struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// [`checksum`] of `saved`, without building its JSON tree.
fn streamed_checksum(saved: &SavedPlan) -> anyhow::Result<String> {
    let unsigned = Unsigned {
        format_version: saved.format_version,
        tool_version: &saved.tool_version,
        portal: &saved.portal,
        manifest: &saved.manifest,
        summary: &saved.summary,
        plan: &saved.plan,
    };
    let mut hasher = HashWriter(Sha256::new());
    serde_json::to_writer(&mut hasher, &unsigned)?;
    Ok(hex(&hasher.0.finalize()))
}

/// SHA-256 of the compact JSON of `document` with its `checksum` field removed.
fn checksum(document: &Value) -> String {
    let mut document = document.clone();
    if let Some(object) = document.as_object_mut() {
        object.remove("checksum");
    }
    hex(&Sha256::digest(document.to_string().as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
