//! `docspace-rooms-bench`: the benchmarks of issue 6, in one run.
//!
//! ```text
//! cargo run --release -p docspace-rooms-bench -- [--latency-ms 20] [--parallelism N] [--only plan|apply|planner|memory|profile|rate]...
//! ```
//!
//! - `plan`: `plan` over 1,000 and 10,000 portal rooms, at `--parallelism 1` and the default,
//!   against an emulated portal that delays every request by the latency.
//! - `apply`: `apply` of 1,000 creates to an empty portal, at both parallelisms.
//! - `planner`: the planner alone over 10,000 and 100,000 rooms (and the manifest's parsing),
//!   and over 1,000 and 10,000 rooms that declare members; per-room cost growth (linearity).
//! - `memory`: peak RSS of the release binary's `plan` over 100,000 portal rooms.
//! - `profile`: what one listing page costs in the emulator and in the client, no latency.
//! - `rate`: `apply` of 200 full-featured rooms and the steady-state `plan` after it against a
//!   cloud portal's rate limits scaled down in time (150 requests per 6 s): the share of 429s
//!   and the time over the floor the rate sets.
//!
//! `--serve ROOMS` instead serves an emulated portal seeded with that many rooms until Ctrl-C
//! (or end of input), printing its `DOCSPACE_URL` and `DOCSPACE_TOKEN`: to profile the real
//! binary against it (`perf`, `heaptrack`, `/usr/bin/time -v`).
//!
//! Each network scenario is compared with its floor: the fewest sequential round trips that
//! parallelism allows, times the latency (formulas in `network.rs` and BENCHMARKS.md). Targets
//! are reported, not enforced: the exit code is 0 unless a scenario could not run.

mod fixture;
mod memory;
mod network;
mod planner;
mod profile;
mod rate;
mod server;
mod table;

use anyhow::{Context, bail};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: docspace-rooms-bench [--latency-ms MS] [--parallelism N] [--only plan|apply|planner|memory|profile|rate]...
       docspace-rooms-bench --serve ROOMS [--latency-ms MS]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Plan,
    Apply,
    Planner,
    Memory,
    Profile,
    Rate,
}

const PARTS: [(&str, Part); 6] = [
    ("plan", Part::Plan),
    ("apply", Part::Apply),
    ("planner", Part::Planner),
    ("memory", Part::Memory),
    ("profile", Part::Profile),
    ("rate", Part::Rate),
];

struct Args {
    latency: Duration,
    parallelism: usize,
    parts: Vec<Part>,
    /// Serve a portal of this many rooms instead of measuring.
    serve: Option<usize>,
    latency_given: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        latency: Duration::from_millis(20),
        parallelism: server::default_parallelism(),
        parts: Vec::new(),
        serve: None,
        latency_given: false,
    };
    let mut raw = std::env::args().skip(1);
    while let Some(flag) = raw.next() {
        let mut value = || raw.next().with_context(|| format!("`{flag}` needs a value\n{USAGE}"));
        match flag.as_str() {
            "--latency-ms" => {
                args.latency =
                    Duration::from_millis(value()?.parse().context("--latency-ms: not a number")?);
                args.latency_given = true;
            }
            "--serve" => {
                args.serve = Some(value()?.parse().context("--serve: not a number of rooms")?)
            }
            "--parallelism" => {
                args.parallelism = value()?.parse().context("--parallelism: not a number")?
            }
            "--only" => {
                let name = value()?;
                for name in name.split(',') {
                    let part = PARTS
                        .iter()
                        .find(|(known, _)| *known == name)
                        .with_context(|| format!("unknown part `{name}`\n{USAGE}"))?;
                    args.parts.push(part.1);
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    if args.parallelism == 0 {
        bail!("--parallelism must be at least 1");
    }
    if args.latency.is_zero() && args.serve.is_none() {
        bail!("--latency-ms must be at least 1 (the floors are multiples of it)");
    }
    if args.parts.is_empty() {
        args.parts = PARTS.iter().map(|(_, part)| *part).collect();
    }
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    if let Some(rooms) = args.serve {
        return serve(rooms, if args.latency_given { args.latency } else { Duration::ZERO });
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let parallelisms = if args.parallelism == 1 { vec![1] } else { vec![1, args.parallelism] };
    let latency = args.latency;
    let started = Instant::now();

    let mut rows = Vec::new();
    for part in &args.parts {
        let part_started = Instant::now();
        let name = PARTS.iter().find(|(_, p)| p == part).map_or("", |(name, _)| name);
        eprintln!("running {name}…");
        match part {
            Part::Plan => {
                for rooms in [1_000, 10_000] {
                    rows.extend(network::plan(
                        &runtime,
                        rooms,
                        latency,
                        &parallelisms,
                        args.parallelism,
                    )?);
                }
            }
            Part::Apply => rows.extend(network::apply(
                &runtime,
                1_000,
                latency,
                &parallelisms,
                args.parallelism,
            )?),
            Part::Planner => rows.extend(planner::run()?),
            Part::Memory => rows.extend(memory::run(100_000)?),
            Part::Profile => {
                for rooms in [10_000, 100_000] {
                    rows.extend(profile::run(&runtime, rooms)?);
                }
            }
            Part::Rate => rows.extend(rate::run(&runtime, latency, args.parallelism)?),
        }
        eprintln!("  {name} took {:.1} s", part_started.elapsed().as_secs_f64());
    }

    println!(
        "latency {} ms per request; default parallelism {}; {} CPUs; release build: {}",
        latency.as_millis(),
        args.parallelism,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        !cfg!(debug_assertions)
    );
    println!();
    print!("{}", table::render(&rows));
    let met = rows.iter().filter(|row| row.pass == Some(true)).count();
    let missed = rows.iter().filter(|row| row.pass == Some(false)).count();
    println!();
    println!(
        "targets: {met} met, {missed} missed; whole run {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Serves a seeded portal until Ctrl-C or end of input.
fn serve(rooms: usize, latency: Duration) -> anyhow::Result<()> {
    let server = server::Server::seeded(rooms, latency)?;
    println!("DOCSPACE_URL={}", server.emulator.url());
    println!("DOCSPACE_TOKEN={}", server.emulator.token());
    eprintln!(
        "serving {rooms} rooms with {} ms latency; Ctrl-C or end of input stops",
        latency.as_millis()
    );
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())?;
    Ok(())
}
