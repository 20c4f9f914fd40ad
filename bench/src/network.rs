//! `plan` and `apply` against an emulated portal that delays every request: wall time,
//! requests, and the ratio to the floor (the fewest sequential round trips times the latency).

use crate::fixture;
use crate::server::Server;
use crate::table::{Row, millis};
use anyhow::{Context, ensure};
use docspace_rooms::docspace::{MAX_CONCURRENT_READS, MAX_CONCURRENT_WRITES, MAX_PAGE_SIZE};
use docspace_rooms::plan::PlanOptions;
use docspace_rooms::progress::Progress;
use docspace_rooms::reconcile::{Ready, apply_plan, read_and_plan};
use std::path::Path;
use std::time::{Duration, Instant};

/// The `plan` scenarios are quick: each is timed this many times and the median reported.
const PLAN_RUNS: usize = 3;
/// `plan` at the default parallelism may take at most this many times its floor.
const PLAN_TARGET: f64 = 1.3;
/// `apply` at the default parallelism may take at most this many times its floor…
const APPLY_TARGET: f64 = 1.3;
/// …and must be at least this many times faster than `--parallelism 1`.
const APPLY_SPEEDUP_TARGET: f64 = 6.0;

/// The round trip before any other of a run with an API key (the bench's, as a CI job's): the
/// key's scopes (`GET keys/@self`), which decide whether the run may read what it needs.
const KEY_READ: u64 = 1;

/// Round trips `plan` over `rooms` rooms needs at least: the key's scopes, then the listing's
/// first page, which gives `total`, then the other pages `min(P, 50)` at a time.
pub fn plan_floor(rooms: usize, parallelism: usize) -> u64 {
    let pages = rooms.div_ceil(MAX_PAGE_SIZE).max(1) as u64;
    let reads = parallelism.clamp(1, MAX_CONCURRENT_READS) as u64;
    KEY_READ + 1 + (pages - 1).div_ceil(reads)
}

/// Round trips `creates` creates need at least: the key's scopes, the listing (an empty
/// portal: one page) and the first look for rooms created since, then each room's create and
/// the look for its twins after it, `P` rooms at a time; creates go at most `min(P, 15)` at a
/// time, and a look overlaps other rooms' creates.
pub fn apply_floor(creates: usize, parallelism: usize) -> u64 {
    let rooms = parallelism.max(1) as u64;
    let writes = parallelism.clamp(1, MAX_CONCURRENT_WRITES) as u64;
    let creates = creates as u64;
    KEY_READ + 2 + (2 * creates.div_ceil(rooms)).max(creates.div_ceil(writes) + 1)
}

fn ratio(wall: Duration, floor: Duration) -> f64 {
    wall.as_secs_f64() / floor.as_secs_f64()
}

/// `plan` over a portal of `rooms` rooms whose manifest declares every one (1% retagged), at
/// each parallelism.
pub fn plan(
    runtime: &tokio::runtime::Runtime,
    rooms: usize,
    latency: Duration,
    parallelisms: &[usize],
    default: usize,
) -> anyhow::Result<Vec<Row>> {
    let server = Server::seeded(rooms, latency)?;
    let dir = tempfile::tempdir()?;
    let manifest = dir.path().join("rooms.yaml");
    std::fs::write(&manifest, fixture::managed_manifest(rooms))?;
    let parse_started = Instant::now();
    docspace_rooms::manifest::load(&manifest)?;
    let parse = parse_started.elapsed();

    let mut rows = Vec::new();
    for &parallelism in parallelisms {
        let mut walls = Vec::with_capacity(PLAN_RUNS);
        let mut requests = (0, None);
        for _ in 0..PLAN_RUNS {
            let portal = server.portal(parallelism)?;
            let before = server.requests();
            let started = Instant::now();
            let planned = runtime.block_on(read_and_plan(
                &manifest,
                &portal,
                &PlanOptions::default(),
                &Progress::hidden(),
            ))?;
            walls.push(started.elapsed());
            requests = (server.requests() - before, Some(portal.requests_sent()));
            ensure!(
                planned.state.rooms.len() == rooms,
                "read {} rooms of {rooms}",
                planned.state.rooms.len()
            );
            ensure!(
                planned.plan.counts().set_tags == rooms.div_ceil(100),
                "unexpected plan: {}",
                planned.plan.summary()
            );
        }
        walls.sort();
        let wall = walls[walls.len() / 2];
        let trips = plan_floor(rooms, parallelism);
        let floor = latency * trips as u32;
        let ratio = ratio(wall, floor);
        let targeted = parallelism == default && rooms >= 10_000;
        rows.push(Row {
            scenario: format!("plan, {rooms} portal rooms"),
            parallelism: Some(parallelism),
            measured: millis(wall),
            requests: Some(requests),
            floor: Some((trips, floor)),
            ratio: Some(ratio),
            target: if targeted { format!("≤ {PLAN_TARGET}× floor") } else { String::new() },
            pass: targeted.then_some(ratio <= PLAN_TARGET),
            notes: format!(
                "median of {PLAN_RUNS}; manifest of {rooms} rooms parses in {}",
                millis(parse)
            ),
            ..Row::default()
        });
    }
    Ok(rows)
}

/// What one `apply` run measured.
struct Applied {
    wall: Duration,
    requests: (usize, Option<u64>),
    max_writes: usize,
}

/// `apply` of `creates` new rooms to an empty portal: plan (one listing read), then execute.
fn apply_once(
    runtime: &tokio::runtime::Runtime,
    manifest: &Path,
    creates: usize,
    latency: Duration,
    parallelism: usize,
) -> anyhow::Result<Applied> {
    let server = Server::start(latency)?;
    let portal = server.portal(parallelism)?;
    let before = server.requests();
    let started = Instant::now();
    let report = runtime.block_on(async {
        let progress = Progress::hidden();
        let planned = read_and_plan(manifest, &portal, &PlanOptions::default(), &progress).await?;
        anyhow::Ok(apply_plan(&portal, &Ready::from(planned), &progress).await.0)
    })?;
    let wall = started.elapsed();
    ensure!(report.is_success() && report.applied() == creates, "{}", report.summary());
    let on_portal = server.emulator.rooms().len();
    ensure!(on_portal == creates, "the portal has {on_portal} rooms after creating {creates}");
    Ok(Applied {
        wall,
        requests: (server.requests() - before, Some(portal.requests_sent())),
        max_writes: server.emulator.max_concurrent_writes(),
    })
}

/// `apply` of `creates` creates at each parallelism, plus the speed-up of the default over 1.
pub fn apply(
    runtime: &tokio::runtime::Runtime,
    creates: usize,
    latency: Duration,
    parallelisms: &[usize],
    default: usize,
) -> anyhow::Result<Vec<Row>> {
    let dir = tempfile::tempdir()?;
    let manifest = dir.path().join("rooms.yaml");
    std::fs::write(&manifest, fixture::create_manifest(creates))?;

    let mut rows = Vec::new();
    let mut walls = Vec::new();
    for &parallelism in parallelisms {
        let run =
            apply_once(runtime, &manifest, creates, latency, parallelism).with_context(|| {
                format!("apply of {creates} creates with --parallelism {parallelism}")
            })?;
        let trips = apply_floor(creates, parallelism);
        let floor = latency * trips as u32;
        let ratio = ratio(run.wall, floor);
        let targeted = parallelism == default;
        walls.push((parallelism, run.wall));
        rows.push(Row {
            scenario: format!("apply, {creates} creates"),
            parallelism: Some(parallelism),
            measured: millis(run.wall),
            requests: Some(run.requests),
            floor: Some((trips, floor)),
            ratio: Some(ratio),
            target: if targeted { format!("≤ {APPLY_TARGET}× floor") } else { String::new() },
            pass: targeted.then_some(ratio <= APPLY_TARGET),
            notes: format!("at most {} writes in flight", run.max_writes),
            ..Row::default()
        });
    }
    let wall_of = |p: usize| walls.iter().find(|(q, _)| *q == p).map(|(_, wall)| *wall);
    if let (Some(one), Some(default_wall)) = (wall_of(1), wall_of(default))
        && default != 1
    {
        let speedup = ratio(one, default_wall);
        rows.push(Row {
            scenario: format!("apply, {creates} creates: P=1 / P={default}"),
            parallelism: Some(default),
            measured: format!("{} / {}", millis(one), millis(default_wall)),
            ratio: Some(speedup),
            target: format!("≥ {APPLY_SPEEDUP_TARGET}× faster"),
            pass: Some(speedup >= APPLY_SPEEDUP_TARGET),
            notes: format!(
                "ideal {:.2}×",
                apply_floor(creates, 1) as f64 / apply_floor(creates, default) as f64
            ),
            ..Row::default()
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors() {
        assert_eq!(plan_floor(0, 8), 2);
        assert_eq!(plan_floor(100, 8), 2);
        assert_eq!(plan_floor(1_000, 1), 11);
        assert_eq!(plan_floor(1_000, 8), 4);
        assert_eq!(plan_floor(10_000, 8), 15);
        assert_eq!(plan_floor(10_000, 1), 101);
        assert_eq!(apply_floor(1_000, 1), 2_003);
        assert_eq!(apply_floor(1_000, 8), 253);
        assert_eq!(apply_floor(1_000, 50), 71);
    }
}
