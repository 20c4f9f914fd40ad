//! What an installed binary does away from the source checkout: `--version` names the commit
//! it was built from, `demo` runs anywhere on its built-in example, and `emulator --demo`
//! serves the demo's portal for `plan -f examples/rooms.yaml`.

use crate::common::{stderr, stdout};
use assert_cmd::Command;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

fn binary() -> Command {
    let mut cmd = Command::cargo_bin("docspace-rooms").unwrap();
    cmd.env("NO_COLOR", "1").timeout(Duration::from_secs(120));
    cmd
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let output = binary().arg("--version").output().unwrap();
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

/// The demo's first plan: what it prints between its first command line and its apply.
fn first_plan(demo: &str) -> &str {
    const COMMAND: &str = "$ docspace-rooms plan -f examples/rooms.yaml\n\n";
    let start = demo.find(COMMAND).expect(demo) + COMMAND.len();
    let end = demo.find("\n$ docspace-rooms apply").expect(demo);
    &demo[start..end]
}

fn demo_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    binary().current_dir(dir).arg("demo").args(args).output().unwrap()
}

#[test]
fn the_demo_runs_outside_the_checkout_on_its_built_in_example() {
    let dir = tempfile::tempdir().unwrap();
    let output = demo_in(dir.path(), &[]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    assert!(stderr(&output).contains("the built-in examples/rooms.yaml"), "{}", stderr(&output));
    assert!(text.contains("Apply: 34 applied, 0 failed, 0 skipped."), "{text}");
    assert!(text.contains("No changes: the portal matches `examples/rooms.yaml`."), "{text}");

    // The built-in example is the repository's, and it plans like the file does.
    let printed = binary().current_dir(dir.path()).args(["demo", "--print-manifest"]).output();
    let printed = stdout(&printed.unwrap());
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rooms.yaml"));
    assert_eq!(printed, file.unwrap());
    std::fs::create_dir(dir.path().join("examples")).unwrap();
    std::fs::write(dir.path().join("examples/rooms.yaml"), &printed).unwrap();
    let from_file = demo_in(dir.path(), &["-f", "examples/rooms.yaml"]);
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    assert_eq!(first_plan(&stdout(&from_file)), first_plan(&text));
}

#[test]
fn the_demo_plans_the_manifest_f_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.yaml"),
        "rooms:\n  - title: Marketing\n    tags: [brand, 2027]\n",
    )
    .unwrap();
    let output = demo_in(dir.path(), &["-f", "mine.yaml"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    assert!(text.contains("$ docspace-rooms plan -f mine.yaml"), "{text}");
    assert!(text.contains("tags [brand] → [2027, brand]"), "{text}");
    assert!(text.contains("Apply: 1 applied, 0 failed, 0 skipped."), "{text}");
}

/// A child process, killed when the test ends however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn emulator_demo_serves_the_portal_the_demo_plans_against() {
    let mut emulator = Killed(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("docspace-rooms"))
            .args(["emulator", "--demo", "--listen", "127.0.0.1:0", "--token", "sk-demo"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(emulator.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");

    let planned = binary()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DOCSPACE_URL", &url)
        .env("DOCSPACE_TOKEN", "sk-demo")
        .args(["plan", "-f", "examples/rooms.yaml"])
        .output()
        .unwrap();
    drop(emulator);
    assert!(planned.status.success(), "{}", stderr(&planned));
    let demo = demo_in(env!("CARGO_MANIFEST_DIR").as_ref(), &[]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    assert_eq!(stdout(&planned), first_plan(&stdout(&demo)));
}

#[test]
fn emulator_demo_starts_afresh_so_takes_no_state_or_seed_file() {
    for flag in ["--state", "--seed"] {
        let output = binary().args(["emulator", "--demo", flag, "x.json"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{flag}");
        assert!(stderr(&output).contains("cannot be used with"), "{}", stderr(&output));
    }
}

#[test]
fn man_pages_are_generated_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    let output = binary().arg("man").arg(&out).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let mut pages: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert!(pages.contains(&"docspace-rooms.1".to_owned()), "{pages:?}");
    assert!(!pages.iter().any(|p| p.contains("-help")), "{pages:?}");
    let plan = std::fs::read_to_string(out.join("docspace-rooms-plan.1")).unwrap();
    assert!(plan.contains("detailed\\-exitcode"), "{plan}");
}
