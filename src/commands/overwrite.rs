//! Files a job writes (`plan --out`, `export -o`) never replace a file the job did not write: a
//! mistyped path must not turn a manifest into JSON or a hand-written manifest into an export.

use anyhow::{Context, bail};
use std::path::Path;

/// Refuses to write `what` to `path` when a file is there that `ours` does not recognise as
/// one this job wrote; `hint` says what to do instead. A missing file is fine.
pub(crate) fn check(
    path: &Path,
    what: &str,
    ours: impl Fn(&[u8]) -> bool,
    hint: &str,
) -> anyhow::Result<()> {
    match std::fs::read(path) {
        Ok(bytes) if ours(&bytes) => Ok(()),
        Ok(_) => {
            bail!("refusing to write {what} to `{}`: the file exists and {hint}", path.display())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => {
            Err(err).with_context(|| format!("cannot write {what} to `{}`", path.display()))
        }
    }
}

/// Whether two paths name one existing file (through links and `..` alike).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
