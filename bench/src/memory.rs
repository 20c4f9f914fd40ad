//! Peak memory of the real `docspace-rooms plan` process over a large portal, read from
//! `/usr/bin/time -v` ("Maximum resident set size").

use crate::fixture;
use crate::server::Server;
use crate::table::Row;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const TIME: &str = "/usr/bin/time";
/// `plan` over 100,000 portal rooms must peak under this many megabytes (10^6 bytes).
const TARGET_MB: f64 = 150.0;

/// The release binary, built first when the bench runs under cargo (so it is never stale).
fn binary() -> anyhow::Result<PathBuf> {
    let workspace =
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("bench/ is inside the workspace");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"));
    let binary = target.join("release").join("docspace-rooms");
    if let Some(cargo) = std::env::var_os("CARGO") {
        eprintln!("building {} (cargo build --release --bin docspace-rooms)", binary.display());
        let mut build = Command::new(cargo);
        build
            .args([
                "build",
                "--release",
                "--quiet",
                "-p",
                "docspace-rooms",
                "--bin",
                "docspace-rooms",
            ])
            .current_dir(workspace);
        // What `cargo run` set for this package: build scripts that watch them (ring watches
        // CARGO_MANIFEST_DIR) would otherwise rebuild here, and again at the next `cargo run`.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            let from_cargo_run = name.starts_with("CARGO_PKG_")
                || [
                    "CARGO_MANIFEST_DIR",
                    "CARGO_MANIFEST_PATH",
                    "CARGO_CRATE_NAME",
                    "CARGO_BIN_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                ]
                .contains(&name.as_ref());
            if from_cargo_run {
                build.env_remove(name.as_ref());
            }
        }
        let status = build.status().context("cannot run cargo")?;
        if !status.success() {
            bail!("`cargo build --release --bin docspace-rooms` failed");
        }
    }
    if !binary.is_file() {
        bail!("{} is missing: run `cargo build --release` first", binary.display());
    }
    Ok(binary)
}

/// What `/usr/bin/time -v` reported.
struct Usage {
    max_rss_kb: u64,
    elapsed: String,
}

fn parse_usage(report: &str) -> Option<Usage> {
    let field = |name: &str| {
        report
            .lines()
            .find_map(|line| line.trim().strip_prefix(name).map(|rest| rest.trim().to_owned()))
    };
    Some(Usage {
        max_rss_kb: field("Maximum resident set size (kbytes):")?.parse().ok()?,
        elapsed: field("Elapsed (wall clock) time (h:mm:ss or m:ss):").unwrap_or_default(),
    })
}

/// Runs `plan` under `/usr/bin/time -v` against `server`; `declared` manifest rooms.
fn measure(binary: &Path, server: &Server, manifest: &str, dir: &Path) -> anyhow::Result<Usage> {
    let path = dir.join("rooms.yaml");
    std::fs::write(&path, manifest)?;
    let output = Command::new(TIME)
        .arg("-v")
        .arg(binary)
        .args(["plan", "-f"])
        .arg(&path)
        .env("DOCSPACE_URL", server.emulator.url())
        .env("DOCSPACE_TOKEN", server.emulator.token())
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {TIME} (GNU time)"))?;
    let report = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("`docspace-rooms plan` failed ({}):\n{report}", output.status);
    }
    parse_usage(&report).with_context(|| format!("no \"Maximum resident set size\" in:\n{report}"))
}

/// Peak memory of `plan` over `rooms` portal rooms (no latency): with a manifest declaring
/// every room (the target's case), and with a 10-room manifest (the portal read alone).
pub fn run(rooms: usize) -> anyhow::Result<Vec<Row>> {
    let binary = binary()?;
    let server = Server::seeded(rooms, Duration::ZERO)?;
    let dir = tempfile::tempdir()?;
    let cases = [
        (
            format!("plan binary, {rooms} portal rooms, all declared"),
            fixture::managed_manifest(rooms),
            true,
        ),
        (
            format!("plan binary, {rooms} portal rooms, 10 declared"),
            fixture::managed_manifest(10),
            false,
        ),
    ];
    let mut rows = Vec::new();
    for (scenario, manifest, targeted) in cases {
        let before = server.requests();
        let usage = measure(&binary, &server, &manifest, dir.path())?;
        let mb = usage.max_rss_kb as f64 * 1024.0 / 1e6;
        rows.push(Row {
            scenario,
            measured: format!("{mb:.1} MB peak RSS"),
            requests: Some((server.requests() - before, None)),
            target: if targeted { format!("< {TARGET_MB:.0} MB") } else { String::new() },
            pass: targeted.then_some(mb < TARGET_MB),
            notes: format!(
                "{:.1} MB manifest; took {} (no latency)",
                manifest.len() as f64 / 1e6,
                usage.elapsed
            ),
            ..Row::default()
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_gnu_time() {
        let report = "\tCommand being timed: \"x\"\n\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:01.25\n\tMaximum resident set size (kbytes): 51234\n";
        let usage = super::parse_usage(report).unwrap();
        assert_eq!(usage.max_rss_kb, 51234);
        assert_eq!(usage.elapsed, "0:01.25");
    }
}
