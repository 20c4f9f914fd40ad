//! What an installed binary does away from the source checkout: `--version` names the commit
//! it was built from, `demo` runs anywhere on its built-in example, `emulator --demo` serves
//! the demo's portal for `plan -f examples/rooms.yaml`, and `man` writes only its own pages.
//! And what the ways of installing it promise: the README's checked download, the action's
//! checks, the CI examples' keys.

use crate::common::{stderr, stdout};
use assert_cmd::Command;
use serde_json::json;
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

/// `emulator --demo --listen listen`, running until the `Killed` is dropped, the first line
/// it prints and the URL that line says it serves.
fn demo_emulator(listen: &str) -> (Killed, String, String) {
    let args = ["--demo", "--listen", listen, "--token", "sk-demo"].map(std::ffi::OsStr::new);
    let (child, first, url, _) = crate::common::emulator_command(&args);
    (Killed(child), first, url)
}

/// `plan -f examples/rooms.yaml` against the portal at `url`.
fn plan_the_example_at(url: &str) -> std::process::Output {
    binary()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DOCSPACE_URL", url)
        .env("DOCSPACE_TOKEN", "sk-demo")
        .args(["plan", "-f", "examples/rooms.yaml"])
        .output()
        .unwrap()
}

#[test]
fn emulator_demo_serves_the_portal_the_demo_plans_against() {
    let (emulator, _, url) = demo_emulator("127.0.0.1:0");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let planned = plan_the_example_at(&url);
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

fn man_into(dir: &std::path::Path) -> std::process::Output {
    binary().arg("man").arg(dir).output().unwrap()
}

/// A symlink named like a page is refused, not followed: `man .` in a directory holding
/// `docspace-rooms.1 -> ~/.bashrc` must not replace the link's target.
#[test]
fn man_pages_are_not_written_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("precious.txt");
    std::fs::write(&target, "keep me\n").unwrap();
    let pages = dir.path().join("man");
    std::fs::create_dir(&pages).unwrap();
    std::os::unix::fs::symlink(&target, pages.join("docspace-rooms.1")).unwrap();
    let output = man_into(&pages);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n", "{}", stderr(&output));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let said = stderr(&output);
    assert!(said.contains("docspace-rooms.1`") && said.contains("symbolic link"), "{said}");
    assert!(std::fs::symlink_metadata(pages.join("docspace-rooms.1")).unwrap().is_symlink());
    // Nothing was written: the refusal comes before the first page.
    assert_eq!(std::fs::read_dir(&pages).unwrap().count(), 1, "{said}");
}

/// A file of another's at a page's name is refused (the pages are checked before any is
/// written); the pages of an earlier `man` into the same directory are replaced.
#[test]
fn man_replaces_its_own_pages_and_no_other_file() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let first = man_into(&pages);
    assert!(first.status.success(), "{}", stderr(&first));
    let plan = pages.join("docspace-rooms-plan.1");
    let before = std::fs::read(&plan).unwrap();
    std::fs::write(pages.join("docspace-rooms.1"), "an older page\n").unwrap();
    std::fs::write(pages.join("other.1"), "another tool's page\n").unwrap();
    let count = std::fs::read_dir(&pages).unwrap().count();

    let refused = man_into(&pages);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let said = stderr(&refused);
    assert!(said.contains("docspace-rooms.1`") && said.contains("exists"), "{said}");
    assert_eq!(std::fs::read_to_string(pages.join("docspace-rooms.1")).unwrap(), "an older page\n");

    // Its own pages, an older version's included, are replaced; other files stay.
    let mut older = String::from_utf8(before.clone()).unwrap();
    older.push_str(".\\\" an older version's page\n");
    std::fs::write(&plan, older).unwrap();
    std::fs::remove_file(pages.join("docspace-rooms.1")).unwrap();
    let again = man_into(&pages);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(std::fs::read(&plan).unwrap(), before);
    assert_eq!(std::fs::read_dir(&pages).unwrap().count(), count, "no stray temporary file");
    assert_eq!(std::fs::read_to_string(pages.join("other.1")).unwrap(), "another tool's page\n");
}

/// In a container the emulator must listen on every interface for `docker run -p` to reach it
/// (README, "The container image"): `--listen 0.0.0.0:PORT` serves loopback clients too.
#[test]
fn the_emulator_listens_on_every_interface_when_told() {
    let (emulator, first, url) = demo_emulator("0.0.0.0:0");
    // The address it prints is one to connect to from this machine.
    assert!(first.ends_with(" (on every interface)"), "{first}");
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{first}");
    let planned = plan_the_example_at(&url);
    drop(emulator);
    assert!(planned.status.success(), "{}", stderr(&planned));
}

/// An executable `sh` script at `path`: a stand-in for a command.
fn script_at(path: &std::path::Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn repository_file(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|err| panic!("{}: {err}", full.display()))
}

fn yaml(path: &str) -> serde_json::Value {
    serde_saphyr::from_str(&repository_file(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// The action's steps by name, from `action.yml`.
fn action_steps() -> Vec<serde_json::Value> {
    yaml("action.yml")["runs"]["steps"].as_array().unwrap().clone()
}

/// What the cache holds is checked like a download: the SHA-256 against the release's
/// `SHA256SUMS` runs on every run, a hit included; the key names the repository, the version
/// and the target, so a fork's release never stands in for the real one's.
#[test]
fn the_action_checks_what_it_restores_from_its_cache() {
    let steps = action_steps();
    let cache =
        steps.iter().find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("actions/cache@")));
    let cache = cache.expect("a cache step");
    let key = cache["with"]["key"].as_str().unwrap();
    for part in ["steps.locate.outputs.repository", "inputs.version", "steps.locate.outputs.target"]
    {
        assert!(key.contains(part), "the cache key {key:?} leaves out {part}");
    }
    let verify = steps
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|run| run.contains("sha256sum")))
        .expect("the step that checks the SHA-256");
    assert!(verify.get("if").is_none(), "the SHA-256 check is conditional: {verify}");
    let run = verify["run"].as_str().unwrap();
    assert!(run.contains("SHA256SUMS") && run.contains("gh attestation verify"), "{run}");
    // It unpacks what it verified, afresh: the binary on PATH never comes from the cache as is.
    assert!(!cache["with"]["path"].as_str().unwrap().contains("outputs.dir"), "{cache}");
    let provenance = &yaml("action.yml")["inputs"]["verify-provenance"]["default"];
    assert_eq!(provenance, "true", "provenance is checked unless turned off");
}

/// The GitLab example updates its own note only (the token's user's), and finds it among all
/// the merge request's notes: anyone can post a note that starts with the marker, and a long
/// merge request has more than one page of them.
#[test]
fn the_gitlab_example_updates_only_its_own_note() {
    let gitlab = repository_file("examples/ci/gitlab-ci.yml");
    let lookup = gitlab.lines().find(|l| l.contains("startswith($marker)")).unwrap();
    assert!(
        lookup.contains(".author.username == $me"),
        "the note is chosen by its marker alone: {lookup}"
    );
    assert!(gitlab.contains("\"$CI_API_V4_URL/user\""), "the token's user is not looked up");
    assert!(gitlab.contains("x-next-page"), "one page of notes is read, no more");
}

/// The CI examples give a pull request's plan a read-only key and keep the write key for the
/// job that applies on the default branch, behind a GitHub environment or a protected GitLab
/// variable.
#[test]
fn the_ci_examples_give_pull_requests_a_read_only_key() {
    for path in ["examples/ci/github-actions.yml", "examples/ci/github-actions-matrix.yml"] {
        let workflow = yaml(path);
        assert!(
            workflow.get("env").is_none_or(|env| env.get("DOCSPACE_TOKEN").is_none()),
            "{path}: a workflow-wide token"
        );
        for (name, job) in workflow["jobs"].as_object().unwrap() {
            let text = job.to_string();
            let condition = job["if"].as_str().unwrap_or_default();
            if text.contains("secrets.DOCSPACE_APPLY_TOKEN") {
                assert_eq!(
                    condition, "github.event_name == 'push'",
                    "{path}: job {name} has the write key"
                );
                assert!(
                    job.get("environment").is_some(),
                    "{path}: job {name}'s write key is not in an environment"
                );
            } else {
                assert!(text.contains("secrets.DOCSPACE_PLAN_TOKEN"), "{path}: job {name}: {text}");
            }
        }
    }
    let gitlab = yaml("examples/ci/gitlab-ci.yml");
    for (name, job) in gitlab.as_object().unwrap() {
        let text = job.to_string();
        if text.contains("DOCSPACE_APPLY_TOKEN") {
            assert_eq!(name, "apply", "job {name} has the write key");
        } else if text.contains("docspace-rooms plan") {
            assert!(text.contains("DOCSPACE_PLAN_TOKEN"), "job {name}: {text}");
        }
    }
    // The read-only key's scope (the scopes of the others: `scopes.rs`).
    for (name, text) in crate::common::ci_examples() {
        let words = text.lines().map(|line| line.trim_start().trim_start_matches('#'));
        let words = words.flat_map(str::split_whitespace).collect::<Vec<_>>().join(" ");
        assert!(words.contains("the `*:read` scope only"), "{name}: the plan key's scope");
    }
}

/// The README's "A download, checked", run as pasted (one block, no `set -e`) against a stand-in
/// release: with an archive that is not the one SHA256SUMS names, nothing is installed.
#[test]
fn the_readmes_checked_download_installs_nothing_when_the_checksum_fails() {
    let readme = repository_file("README.md");
    let section = readme.split("### A download, checked\n").nth(1).unwrap();
    let block = section.split("```sh\n").nth(1).unwrap().split("```").next().unwrap();
    let name = "docspace-rooms-v0.1.0-x86_64-unknown-linux-musl";
    assert!(block.contains("version=0.1.0 target=x86_64-unknown-linux-musl"), "{block}");

    let dir = tempfile::tempdir().unwrap();
    let (release, bin, work) =
        (dir.path().join("release"), dir.path().join("bin"), dir.path().join("work"));
    for made in [&release, &bin, &work, &release.join(name).join("man/man1")] {
        std::fs::create_dir_all(made).unwrap();
    }
    std::fs::write(release.join(name).join("docspace-rooms"), "a binary").unwrap();
    std::fs::write(release.join(name).join("man/man1/docspace-rooms.1"), "a page").unwrap();
    let archive = format!("{name}.tar.gz");
    let packed = std::process::Command::new("tar")
        .current_dir(&release)
        .args(["-czf", &archive, name])
        .status()
        .unwrap();
    assert!(packed.success());
    // `curl` copies the release's files, `sudo` only says what it was asked to do.
    script_at(
        &bin.join("curl"),
        "for a in \"$@\"; do case \"$a\" in http*) cp \"$RELEASE/${a##*/}\" . || exit 22;; esac; done",
    );
    script_at(&bin.join("sudo"), "echo \"$*\" >> \"$SUDO_LOG\"");
    let sudo_log = dir.path().join("sudo.log");
    let run = |sums: String| {
        std::fs::write(release.join("SHA256SUMS"), sums).unwrap();
        let _ = std::fs::remove_file(&sudo_log);
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
        let output = std::process::Command::new("bash")
            .current_dir(&work)
            .args(["-c", block])
            .env("PATH", path)
            .env("RELEASE", &release)
            .env("SUDO_LOG", &sudo_log)
            .output()
            .unwrap();
        (output.status.success(), std::fs::read_to_string(&sudo_log).unwrap_or_default())
    };
    let digest = std::process::Command::new("sha256sum").arg(release.join(&archive)).output();
    let digest = stdout(&digest.unwrap()).split_whitespace().next().unwrap().to_owned();

    let (ok, installed) = run(format!("{digest}  {archive}\n"));
    assert!(ok && installed.lines().count() == 2, "the good archive: {installed}");
    let (ok, installed) = run(format!("{}  {archive}\n", "0".repeat(64)));
    assert!(!ok && installed.is_empty(), "installed after a failed check: {installed}");
}

/// The release workflow's channels, its own step run against a stand-in `gh`: a pre-release tag
/// is a pre-release and never "latest"; a release is "latest" (the GitHub release and the
/// image's `:latest`) only from the default branch's line and when no higher release exists.
/// The image is pushed only after the release job, with `:latest` only when it says so.
#[test]
fn the_release_moves_latest_only_for_the_highest_release_on_the_default_branch() {
    let workflow = yaml(".github/workflows/release.yml");
    let steps = workflow["jobs"]["release"]["steps"].as_array().unwrap();
    let channel = steps.iter().find(|step| step["id"] == "channel").expect("the channel step");
    let script = channel["run"].as_str().unwrap();
    let image = &workflow["jobs"]["image"];
    assert!(image["needs"].as_array().unwrap().contains(&json!("release")), "{image}");
    let push = image["steps"].as_array().unwrap().iter().find(|s| s["id"] == "push").unwrap();
    assert!(
        push["run"]
            .as_str()
            .unwrap()
            .contains("if [ \"$LATEST\" = true ]; then tags+=(--tag \"$image:latest\"); fi")
    );
    assert_eq!(push["env"]["LATEST"], "${{ needs.release.outputs.latest }}");

    let dir = tempfile::tempdir().unwrap();
    // `compare` answers $COMPARE; `release view` the current latest release's tag, if any.
    script_at(
        &dir.path().join("gh"),
        "case \"$1\" in api) echo \"$COMPARE\";; release) [ -n \"$CURRENT\" ] && echo \"$CURRENT\" || exit 1;; esac",
    );
    let channels = |tag: &str, compare: &str, current: &str| {
        let output = dir.path().join("output");
        std::fs::write(&output, "").unwrap();
        let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap());
        let ran = std::process::Command::new("bash")
            .args(["-c", script])
            .env("PATH", path)
            .envs([("TAG", tag), ("COMPARE", compare), ("CURRENT", current)])
            .env("DEFAULT_BRANCH", "main")
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_SHA", "abc")
            .env("GITHUB_OUTPUT", &output)
            .output()
            .unwrap();
        assert!(ran.status.success(), "{tag}: {}", stderr(&ran));
        std::fs::read_to_string(&output).unwrap().replace('\n', " ")
    };
    for (tag, compare, current, expected) in [
        ("v0.2.0-rc.1", "identical", "v0.1.0", "prerelease=true latest=false "),
        ("v0.2.0", "identical", "v0.1.0", "prerelease=false latest=true "),
        ("v0.2.0", "behind", "", "prerelease=false latest=true "),
        ("v0.10.0", "behind", "v0.9.0", "prerelease=false latest=true "),
        ("v0.2.0+build.1", "identical", "v0.1.0", "prerelease=false latest=true "),
        ("v0.1.5", "diverged", "v0.2.0", "prerelease=false latest=false "),
        ("v0.1.5", "behind", "v0.2.0", "prerelease=false latest=false "),
        ("v0.3.0", "ahead", "v0.2.0", "prerelease=false latest=false "),
    ] {
        assert_eq!(
            channels(tag, compare, current),
            expected,
            "{tag} ({compare}, after {current:?})"
        );
    }
}
