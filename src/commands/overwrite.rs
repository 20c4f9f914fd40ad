//! Files a job writes (`plan --out`, `export -o`) never replace a file the job did not write: a
//! mistyped path must not turn a manifest into JSON or a hand-written manifest into an export.
//! What is at the path is never followed, never anything but a regular file, and never read
//! past its first bytes (a FIFO, `/dev/stdout` on a pipe, `/dev/zero` or `/dev/full` must not
//! hang the job or fill its memory); the file is replaced whole, by a rename, or not at all.

use anyhow::{Context, bail};
use std::io::{Read, Write};
use std::path::Path;

/// How much of an existing file is read to tell whether this job wrote it: a saved plan and an
/// export say so in their first line.
const HEAD_BYTES: u64 = 64 * 1024;

/// What is at a path.
enum Found {
    Nothing,
    /// A regular file, and its first [`HEAD_BYTES`] at most.
    File(Vec<u8>),
    Symlink,
    Directory,
    /// A FIFO, a device, a socket.
    Special,
}

/// Refuses to write `what` to `path` when something is there that is not a regular file, or a
/// file whose first bytes `ours` does not recognise as one this job wrote; `hint` says what to
/// do instead. A missing file is fine.
pub(crate) fn check(
    path: &Path,
    what: &str,
    ours: impl Fn(&[u8]) -> bool,
    hint: &str,
) -> anyhow::Result<()> {
    let found =
        find(path).with_context(|| format!("cannot write {what} to `{}`", path.display()))?;
    let why = match found {
        Found::Nothing => return Ok(()),
        Found::File(head) if ours(&head) => return Ok(()),
        Found::File(_) => format!("the file exists and {hint}"),
        Found::Symlink => {
            "it is a symbolic link, which a job never writes through; name the file itself".into()
        }
        Found::Directory => "it is a directory; name a file".into(),
        Found::Special => {
            "it is not a regular file (a pipe, a device or a socket); name a file".into()
        }
    };
    bail!("refusing to write {what} to `{}`: {why}", path.display())
}

/// Looks at `path` without following it, and reads the head of a regular file, never waiting on
/// what was swapped in meanwhile.
fn find(path: &Path) -> std::io::Result<Found> {
    let kind = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta.file_type(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(err) => return Err(err),
    };
    if kind.is_symlink() {
        return Ok(Found::Symlink);
    }
    if kind.is_dir() {
        return Ok(Found::Directory);
    }
    if !kind.is_file() {
        return Ok(Found::Special);
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A FIFO swapped in since the look above opens at once instead of waiting for a writer,
        // and a symbolic link fails to open.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Ok(Found::Special);
    }
    let mut head = Vec::new();
    file.take(HEAD_BYTES).read_to_end(&mut head)?;
    Ok(Found::File(head))
}

/// Who may read a file a job writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Readers {
    /// Its owner only (`0600` on Unix): a saved plan holds password verifiers.
    Owner,
    /// As the umask allows, like any file the user makes.
    Anyone,
}

/// Writes `path` whole: `write` fills a new file beside it, which then replaces whatever is at
/// `path` by a rename (a symbolic link planted meanwhile is replaced, never followed), so a
/// failure or an interrupt leaves the old file as it was.
pub(crate) fn replace(
    path: &Path,
    readers: Readers,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let name = path.file_name().ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
    let temporary = path.with_file_name(temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if readers == Readers::Owner { 0o600 } else { 0o666 });
    }
    #[cfg(not(unix))]
    let _ = readers;
    let file = options.open(&temporary)?;
    let written = (|| {
        let mut out = std::io::BufWriter::new(file);
        write(&mut out)?;
        out.into_inner().map_err(std::io::IntoInnerError::into_error)?.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Whether two paths name one existing file (through links and `..` alike).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
