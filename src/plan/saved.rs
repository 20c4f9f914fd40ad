//! The saved plan (`plan --out`, `plan --format json`): versioned JSON that `apply PLAN_FILE`
//! applies exactly as reviewed. A checksum over the document refuses accidental edits and
//! corruption (anyone can recompute it); with `DOCSPACE_PLAN_KEY`, an HMAC-SHA-256 signature
//! refuses any edit by someone without the key. The portal URL refuses another portal; the
//! fingerprints let `apply` refuse a plan that has gone stale, and a step for a room the plan
//! never fingerprinted, or a summary that is not its steps', is refused as an edit.
//!
//! Format version 3 adds `signature` (`null`, or `hmac-sha256:` and 64 hex digits over the
//! document without `signature` and `checksum`).
//!
//! Format version 4 (version 1 had no settings, version 2 no signature, version 3 no
//! `requests`): `{format_version, tool_version, portal, manifest: {path, sha256}, summary,
//! requests: {writes, reads, deletes}, plan, signature, checksum}`, where `requests` is what
//! applying sends (checked against the steps like the summary; `apply` does not use it), and
//! `plan` is `{rooms: [{title, target: {kind: existing, id} | {kind: new}, line,
//! steps: [{action, reason, …}]}], unmanaged, portal_rooms, fingerprints: [{id, title,
//! room_type, state, tags}]}` and each step is one of `create {title,
//! room_type, tags, settings?}`, `rename {before, after}`, `set_tags {before, after}`, `set_members`,
//! `set_settings {before, after}` (only the changed settings: `quota`, `deny_download`,
//! `indexing`, `color`, `cover`, `watermark`, `lifetime`), `archive` (active → archived),
//! `unarchive` (archived → active) or `delete` (archived → gone).
//!
//! Since format version 2, for plans made with `plan --base` only: `cause` (`change` | `drift`)
//! on every step and every member change, and `plan.adopted: [{title, target, step, why}]`,
//! the base plan's steps the plan no longer has. `apply` ignores both. There are four more edits:
//! `create_folder {path, parent_id}`, `trash_folder {path, id}`, `set_link {link: {name,
//! primary, link_id, before, after, password_env}}` and `remove_link {name, link_id, before}`,
//! where a link's `before` and `after` are `{title, access, expires, password, deny_download,
//! internal}`.
//!
//! Format version 3: a link's `password` is a verifier (`plan::links::verifier`: Argon2id with
//! a random salt, keyed with `DOCSPACE_PLAN_KEY` when set) in a file `plan --out` writes, and
//! `"set"` in what `plan --format json` prints; `set_link` gains `password_change` (`none`,
//! `set`, `changed`, `removed`).

use super::cost::Requests;
use super::model::{Plan, Target};
use crate::manifest::Manifest;
use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretSlice};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Bump when the document's shape or meaning changes; `apply` refuses other versions.
pub const FORMAT_VERSION: u32 = 5;

/// The variable holding the key that signs saved plans.
pub(crate) const PLAN_KEY_VARIABLE: &str = "DOCSPACE_PLAN_KEY";

/// The fewest bytes a plan key may have: 32 random bytes (`openssl rand -hex 32` gives 64
/// characters) cannot be guessed from a signed plan.
pub(crate) const MIN_PLAN_KEY_BYTES: usize = 32;

/// How a signature starts, naming its algorithm.
const SIGNATURE_PREFIX: &str = "hmac-sha256:";

/// The secret the plan and apply jobs share (`DOCSPACE_PLAN_KEY`); never shown, not even in
/// `Debug`.
pub(crate) struct PlanKey(SecretSlice<u8>);

impl PlanKey {
    /// The key from the variable's bytes, ASCII whitespace around them trimmed (a secret
    /// stored with a trailing newline in one job and without in the other is one key); `Err`
    /// says what is wrong without showing it.
    pub(crate) fn new(mut bytes: Vec<u8>) -> anyhow::Result<PlanKey> {
        bytes.truncate(bytes.trim_ascii_end().len());
        let start = bytes.len() - bytes.trim_ascii_start().len();
        bytes.drain(..start);
        if bytes.is_empty() {
            bail!(
                "`{PLAN_KEY_VARIABLE}` is blank; a plan key needs at least {MIN_PLAN_KEY_BYTES} bytes (e.g. `openssl rand -hex 32`), or unset it"
            );
        }
        if bytes.len() < MIN_PLAN_KEY_BYTES {
            bail!(
                "`{PLAN_KEY_VARIABLE}` is {} bytes long; a plan key needs at least {MIN_PLAN_KEY_BYTES} (e.g. `openssl rand -hex 32`)",
                bytes.len()
            );
        }
        Ok(PlanKey(SecretSlice::from(bytes)))
    }
}

impl PlanKey {
    /// The key's bytes, for the one MAC or KDF that takes them.
    pub(crate) fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for PlanKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlanKey(hidden)")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SavedPlan {
    pub format_version: u32,
    pub tool_version: String,
    /// The portal the plan was made against, as given.
    pub portal: String,
    pub manifest: ManifestRef,
    pub summary: String,
    /// The requests applying it sends (writes: POST and PUT, what a cloud portal's daily
    /// limit counts).
    pub requests: Requests,
    pub plan: Plan,
    /// `hmac-sha256:` and the HMAC-SHA-256 with the plan key of the document without this
    /// field and `checksum`; `None` for a plan made without a key.
    pub signature: Option<String>,
    /// SHA-256 over the document without this field and `signature`; `apply` refuses a
    /// mismatch.
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
        key: Option<&PlanKey>,
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
            summary: super::cost::summary_line(plan),
            requests: super::cost::requests(plan),
            plan: plan.clone(),
            signature: None,
            checksum: String::new(),
        };
        saved.checksum = hex(&streamed(&saved, Sha256::new())?.finish());
        if let Some(key) = key {
            let signature = streamed(&saved, Hmac::new(key))?.finish();
            saved.signature = Some(format!("{SIGNATURE_PREFIX}{}", hex(&signature)));
        }
        Ok(saved)
    }

    pub(crate) fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a plan always serialises");
        text.push('\n');
        text
    }

    /// The document as `plan --out` writes it (what [`SavedPlan::to_json`] gives, streamed).
    pub(crate) fn write_to(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }

    /// Reads a saved plan, refusing anything that is not one, another version, or an edited one:
    /// a checksum or signature that does not match, a signature missing while `key` is set (or
    /// present while it is not), a step for a room it never fingerprinted, a summary that is not
    /// its steps'.
    pub(crate) fn read(path: &Path, key: Option<&PlanKey>) -> anyhow::Result<SavedPlan> {
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
        let unsigned = unsigned_json(&value);
        if recorded != hex(&Sha256::digest(unsigned.as_bytes())) {
            bail!(
                "`{}` was changed after `plan --out` wrote it (its checksum does not match); make the plan again",
                path.display()
            );
        }
        check_signature(path, &value, &unsigned, key)?;
        let saved: SavedPlan = serde_json::from_value(value).with_context(not_a_plan)?;
        saved.check_consistent(path)?;
        Ok(saved)
    }

    /// A plan whose parts disagree was edited: every room it changes must be one it
    /// fingerprinted (the stale checks compare the portal with the fingerprints), every link
    /// password it records must carry a verifier as this version writes them, and its summary
    /// and `requests` must be its steps'. A printed plan (no verifiers) with a link password is
    /// refused too.
    fn check_consistent(&self, path: &Path) -> anyhow::Result<()> {
        let fingerprinted: std::collections::HashSet<u64> =
            self.plan.fingerprints.iter().map(|room| room.id).collect();
        let unknown: Vec<String> = self
            .plan
            .rooms
            .iter()
            .filter_map(|room| match room.target {
                Target::Existing { id } if !fingerprinted.contains(&id) => {
                    Some(format!("room {id} \"{}\"", crate::text::escape(&room.title)))
                }
                _ => None,
            })
            .collect();
        if !unknown.is_empty() {
            bail!(
                "`{}` was edited: it has steps for {}, which it never fingerprinted (a plan records every room it changes); make the plan again",
                path.display(),
                unknown.join(", ")
            );
        }
        let (missing, unreadable) = super::links::unusable_marks(&self.plan);
        if !unreadable.is_empty() {
            bail!(
                "`{}` was edited: the password verifier of {} is not one this version writes (Argon2id, 19 MiB, two passes, one lane, a 16-byte salt, a 32-byte hash); make the plan again",
                path.display(),
                unreadable.join(", ")
            );
        }
        if !missing.is_empty() {
            bail!(
                "`{}` holds no password verifier for {} (`plan --format json` prints none): save the plan with `plan --out`",
                path.display(),
                missing.join(", ")
            );
        }
        let summary = super::cost::summary_line(&self.plan);
        if self.summary != summary {
            bail!(
                "`{}` was edited: its summary says \"{}\", its steps \"{summary}\"; make the plan again",
                path.display(),
                crate::text::escape(&self.summary)
            );
        }
        let requests = super::cost::requests(&self.plan);
        if self.requests != requests {
            bail!(
                "`{}` was edited: its `requests` are not what its steps send ({}); make the plan again",
                path.display(),
                requests.parts()
            );
        }
        Ok(())
    }
}

/// Whether `head`, the first bytes of a file, starts as a saved plan does (`plan --out`, or
/// `plan --format json` redirected; of any version): `{`, then `"format_version"` and a number,
/// then `"tool_version"`, the order every version writes them in. Only such a file may be
/// replaced by a plan, and no more of it is read to tell.
pub(crate) fn starts_as_saved_plan(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let after_version = || {
        let rest = text.trim_start().strip_prefix('{')?.trim_start();
        let rest = rest.strip_prefix("\"format_version\"")?.trim_start().strip_prefix(':')?;
        let rest = rest.trim_start();
        let number = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        (number.len() < rest.len()).then_some(number)?.trim_start().strip_prefix(',')
    };
    after_version().is_some_and(|rest| rest.trim_start().starts_with("\"tool_version\""))
}

/// Checks the signature against `key`: with a key, a plan must carry the matching signature;
/// without one, a signed plan is refused too (its signature could not be checked, and the
/// job that applies it was meant to have the key).
fn check_signature(
    path: &Path,
    document: &Value,
    unsigned: &str,
    key: Option<&PlanKey>,
) -> anyhow::Result<()> {
    let signature = document.get("signature").filter(|s| !s.is_null());
    match (key, signature) {
        (None, None) => Ok(()),
        (None, Some(_)) => bail!(
            "`{}` is signed, but `{PLAN_KEY_VARIABLE}` is not set: set it to the key the plan was made with, so the signature is checked",
            path.display()
        ),
        (Some(_), None) => bail!(
            "`{}` is not signed, and `{PLAN_KEY_VARIABLE}` is set: only plans signed with that key are applied; make the plan again with the key",
            path.display()
        ),
        (Some(key), Some(signature)) => {
            let mut mac = Hmac::new(key);
            std::io::Write::write_all(&mut mac, unsigned.as_bytes())?;
            let expected = format!("{SIGNATURE_PREFIX}{}", hex(&mac.finish()));
            let given = signature.as_str().unwrap_or_default();
            if same(given.as_bytes(), expected.as_bytes()) {
                Ok(())
            } else {
                bail!(
                    "`{}` does not carry a signature made with `{PLAN_KEY_VARIABLE}`: it was changed after it was made, or made with another key; make the plan again",
                    path.display()
                )
            }
        }
    }
}

/// Whether two byte strings are equal, in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The document without its signature and checksum, in the same field order, to hash as it
/// streams out.
#[derive(Serialize)]
struct Unsigned<'a> {
    format_version: u32,
    tool_version: &'a str,
    portal: &'a str,
    manifest: &'a ManifestRef,
    summary: &'a str,
    requests: &'a Requests,
    plan: &'a Plan,
}

/// Something that takes the unsigned document as it streams out and gives a digest.
trait Digesting: std::io::Write {
    fn finish(self) -> [u8; 32];
}

impl Digesting for Sha256 {
    fn finish(self) -> [u8; 32] {
        Digest::finalize(self).into()
    }
}

/// HMAC-SHA-256 (RFC 2104) over what is written to it.
struct Hmac {
    inner: Sha256,
    outer: Sha256,
}

impl Hmac {
    const BLOCK: usize = 64;

    fn new(key: &PlanKey) -> Hmac {
        let key = key.0.expose_secret();
        let mut block = [0_u8; Self::BLOCK];
        if key.len() > Self::BLOCK {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let pad = |byte: u8| block.map(|b| b ^ byte);
        let mut inner = Sha256::new();
        inner.update(pad(0x36));
        let mut outer = Sha256::new();
        outer.update(pad(0x5c));
        Hmac { inner, outer }
    }
}

impl std::io::Write for Hmac {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.inner.update(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Digesting for Hmac {
    fn finish(mut self) -> [u8; 32] {
        self.outer.update(Digest::finalize(self.inner));
        Digest::finalize(self.outer).into()
    }
}

/// `digest` fed the unsigned document of `saved` as compact JSON, without building its tree.
fn streamed<D: Digesting>(saved: &SavedPlan, mut digest: D) -> anyhow::Result<D> {
    let unsigned = Unsigned {
        format_version: saved.format_version,
        tool_version: &saved.tool_version,
        portal: &saved.portal,
        manifest: &saved.manifest,
        summary: &saved.summary,
        requests: &saved.requests,
        plan: &saved.plan,
    };
    serde_json::to_writer(&mut digest, &unsigned)?;
    Ok(digest)
}

/// The compact JSON of `document` without its `signature` and `checksum` fields: what both
/// are computed over.
fn unsigned_json(document: &Value) -> String {
    let mut document = document.clone();
    if let Some(object) = document.as_object_mut() {
        object.remove("signature");
        object.remove("checksum");
    }
    document.to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(key: &[u8], data: &[u8]) -> String {
        let mut mac = Hmac::new(&PlanKey(SecretSlice::from(key.to_vec())));
        std::io::Write::write_all(&mut mac, data).unwrap();
        hex(&mac.finish())
    }

    #[test]
    fn the_signature_is_hmac_sha256_as_rfc_4231_gives_it() {
        // RFC 4231 test cases 2 (a short key) and 6 (a key longer than a block).
        assert_eq!(
            mac(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            mac(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_short_key_is_refused_without_showing_it() {
        let err = PlanKey::new(b"hunter2".to_vec()).unwrap_err().to_string();
        assert!(err.contains("is 7 bytes long; a plan key needs at least 32"), "{err}");
        assert!(!err.contains("hunter2"));
        let key = PlanKey::new(vec![b'k'; 32]).unwrap();
        assert_eq!(format!("{key:?}"), "PlanKey(hidden)");
        let key = PlanKey::new(b" \tkey of thirty-two bytes, or more\r\n".to_vec()).unwrap();
        assert_eq!(key.expose(), b"key of thirty-two bytes, or more");
        let err = PlanKey::new(b" \n".repeat(20)).unwrap_err().to_string();
        assert!(err.contains("is blank"), "{err}");
    }

    #[test]
    fn a_saved_plan_is_told_by_its_first_bytes() {
        let pretty =
            "{\n  \"format_version\": 3,\n  \"tool_version\": \"0.1.0\",\n  \"portal\": \"";
        assert!(starts_as_saved_plan(pretty.as_bytes()));
        assert!(starts_as_saved_plan(b"{\"format_version\":1,\"tool_version\""));
        for other in [
            &b"{\"plan\": {}, \"format_version\": 3, \"tool_version\": \"\"}"[..],
            b"{\"format_version\": \"3\", \"tool_version\": \"\"}",
            b"{\"format_version\": , \"tool_version\"",
            b"{\"format_version\": 3",
            b"rooms: []\n",
            b"",
            &[0xff, 0xfe, 0x7b],
        ] {
            assert!(!starts_as_saved_plan(other), "{}", String::from_utf8_lossy(other));
        }
    }

    #[test]
    fn equal_bytes_are_the_same_and_any_difference_is_not() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}
