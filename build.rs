//! Names the commit the binary is built from, for `--version`: `DOCSPACE_ROOMS_COMMIT` if set
//! (a build from a source tarball), else the `.cargo_vcs_info.json` that `cargo package` writes
//! (a build of the crates.io package, which has no `.git`), else the checkout's `HEAD`, else
//! "unknown". Only a repository whose top level is this crate counts: a package unpacked inside
//! some other repository (a home directory kept in git) must not take that repository's commit.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DOCSPACE_ROOMS_COMMIT");
    let commit = std::env::var("DOCSPACE_ROOMS_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_owned())
        .or_else(|| packaged(&dir))
        .or_else(|| checkout(&dir))
        .map_or_else(|| "unknown".to_owned(), |c| c.chars().take(12).collect());
    let version = std::env::var("CARGO_PKG_VERSION").expect("set by cargo");
    println!("cargo:rustc-env=DOCSPACE_ROOMS_VERSION={version} (commit {commit})");
}

/// The commit `cargo package` recorded, from `{"git": {"sha1": "…"}, …}`.
fn packaged(dir: &Path) -> Option<String> {
    let info = dir.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&info).ok()?;
    println!("cargo:rerun-if-changed={}", info.display());
    let rest = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let sha: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    (sha.len() >= 12).then_some(sha)
}

/// The checkout's `HEAD`, when this crate is the top level of a git work tree. Reruns when
/// `HEAD` moves: a checkout, a commit, a reset.
fn checkout(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(&top).ok()? != std::fs::canonicalize(dir).ok()? {
        return None;
    }
    let sha = git(dir, &["rev-parse", "HEAD"])?;
    let git_dir = PathBuf::from(git(dir, &["rev-parse", "--absolute-git-dir"])?);
    let common =
        PathBuf::from(git(dir, &["rev-parse", "--path-format=absolute", "--git-common-dir"])?);
    let mut watched = vec![git_dir.join("HEAD"), common.join("packed-refs")];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(common.join(branch));
    }
    // A path that does not exist would make cargo rerun this script on every build.
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    Some(sha)
}

/// What `git -C dir args…` prints, trimmed, if it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}
