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

/// As `check`, and refuses whatever at `path` is not a regular file (a symlink above all, which
/// a write would follow).
pub(crate) fn check_regular(
    path: &Path,
    what: &str,
    ours: impl Fn(&[u8]) -> bool,
) -> anyhow::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_symlink() => {
            bail!("refusing to write {what} to `{}`: it is a symlink", path.display())
        }
        Ok(meta) if !meta.is_file() => {
            bail!("refusing to write {what} to `{}`: it is not a regular file", path.display())
        }
        _ => check(path, what, ours, "this command did not write it; move it away first"),
    }
}

/// Writes `bytes` to a new file beside `path` and renames it over `path`: whatever is at `path`
/// (a link included) is replaced, never written through, and a reader never sees half a file.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let name = path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.new", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| std::fs::rename(&temporary, path));
    written.or_else(|err| {
        // The new file only: `create_new` failed before anything was made if it was there.
        if err.kind() != std::io::ErrorKind::AlreadyExists {
            let _ = std::fs::remove_file(&temporary);
        }
        Err(err).with_context(|| format!("cannot write `{}`", path.display()))
    })
}
