//! What an installed binary does away from the source checkout: `--version` names the commit
//! it was built from.

use crate::common::stdout;
use assert_cmd::Command;

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let output = Command::cargo_bin("docspace-rooms").unwrap().arg("--version").output().unwrap();
    assert!(output.status.success());
    let text = stdout(&output);
    let prefix = concat!("docspace-rooms ", env!("CARGO_PKG_VERSION"), " (commit ");
    let commit = text.trim_end().strip_prefix(prefix).and_then(|rest| rest.strip_suffix(')'));
    let commit = commit.unwrap_or_else(|| panic!("no commit in {text:?}"));
    assert!(
        commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
        "twelve hex digits of the commit, not {commit:?}"
    );
    // The tests run in the checkout the binary was built from: it is `HEAD`.
    let head = std::process::Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|head| head.status.success());
    if let Some(head) = head {
        assert!(stdout(&head).starts_with(commit), "{commit} is not HEAD {}", stdout(&head));
    }
}
