//! The planner alone, without I/O: generated manifests against portal states built in memory.

use crate::fixture;
use crate::table::{Row, millis};
use anyhow::ensure;
use docspace_rooms::manifest::Manifest;
use docspace_rooms::model::PortalState;
use docspace_rooms::plan::{Counts, PlanOptions, plan};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// Timed runs after one warm-up; the median is reported (this VM's timings vary by ±20%).
const RUNS: usize = 15;
/// The planner over 100,000 rooms must take less than this.
const TARGET: Duration = Duration::from_millis(100);
/// Ten times the rooms may cost at most this many times more per room: "linear" up to cache
/// effects (a quadratic step shows as about 10×).
const LINEARITY_TARGET: f64 = 3.0;

/// What timing one planner case measured.
struct Timed {
    rooms: usize,
    median: Duration,
    min: Duration,
    max: Duration,
    counts: Counts,
    parse: Duration,
    yaml_bytes: usize,
}

impl Timed {
    fn per_room_us(&self) -> f64 {
        self.median.as_secs_f64() * 1e6 / self.rooms as f64
    }
}

/// Parses `yaml` (timed once), plans it against `state` once to warm up, then `RUNS` times.
fn time_plan(rooms: usize, yaml: &str, state: &PortalState) -> anyhow::Result<Timed> {
    let parse_started = Instant::now();
    let (manifest, _warnings): (Manifest, _) =
        docspace_rooms::manifest::parse(Path::new("rooms.yaml"), yaml)?;
    let parse = parse_started.elapsed();
    let options = PlanOptions::default();
    let counts = plan(&manifest, state, &options)?.counts();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            black_box(
                plan(black_box(&manifest), black_box(state), &options)
                    .expect("planned once already"),
            );
            started.elapsed()
        })
        .collect();
    times.sort();
    Ok(Timed {
        rooms,
        median: times[RUNS / 2],
        min: times[0],
        max: times[RUNS - 1],
        counts,
        parse,
        yaml_bytes: yaml.len(),
    })
}

fn describe(timed: &Timed) -> String {
    let c = &timed.counts;
    format!(
        "median of {RUNS} (min {}, max {}); {:.2} µs/room; {} creates, {} renames, {} retags, {} archives, {} member changes",
        millis(timed.min),
        millis(timed.max),
        timed.per_room_us(),
        c.create,
        c.rename,
        c.set_tags,
        c.archive,
        c.set_members
    )
}

/// `larger` against `smaller` (ten times the rooms): the growth of the per-room cost.
fn linearity(scenario: &str, smaller: &Timed, larger: &Timed) -> Row {
    let growth = larger.per_room_us() / smaller.per_room_us();
    Row {
        scenario: format!("{scenario}: per room, {} vs {} rooms", larger.rooms, smaller.rooms),
        measured: format!("{:.2} / {:.2} µs", larger.per_room_us(), smaller.per_room_us()),
        ratio: Some(growth),
        target: format!("≤ {LINEARITY_TARGET}× (linear)"),
        pass: Some(growth <= LINEARITY_TARGET),
        ..Row::default()
    }
}

/// A mixed manifest (every kind of decision, no members) of `rooms` rooms against as many
/// portal rooms plus 1% unmanaged.
fn mixed(rooms: usize) -> anyhow::Result<Timed> {
    let timed = time_plan(
        rooms,
        &fixture::mixed_manifest(rooms),
        &fixture::portal_state(rooms, rooms / 100),
    )?;
    let per_200 = rooms / 200;
    let c = &timed.counts;
    ensure!(
        c.create == per_200 && c.set_tags == 2 * per_200 && c.rename == 3 * per_200,
        "unexpected plan: {c:?}"
    );
    Ok(timed)
}

/// Every room declares two members, from a directory of a tenth as many people.
fn with_members(rooms: usize) -> anyhow::Result<Timed> {
    let people = rooms / 10;
    let timed = time_plan(
        rooms,
        &fixture::members_manifest(rooms, people),
        &fixture::members_state(rooms, people),
    )?;
    ensure!(timed.counts.set_members == rooms.div_ceil(100), "unexpected plan: {:?}", timed.counts);
    Ok(timed)
}

pub fn run() -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let small = mixed(10_000)?;
    let large = mixed(100_000)?;
    for timed in [&small, &large] {
        let targeted = timed.rooms >= 100_000;
        rows.push(Row {
            scenario: format!("planner, {} rooms", timed.rooms),
            measured: millis(timed.median),
            target: if targeted { format!("< {}", millis(TARGET)) } else { String::new() },
            pass: targeted.then_some(timed.median < TARGET),
            notes: describe(timed),
            ..Row::default()
        });
    }
    rows.push(linearity("planner", &small, &large));
    rows.push(Row {
        scenario: format!("manifest parse, {} rooms", large.rooms),
        measured: millis(large.parse),
        notes: format!(
            "{:.1} MB of YAML; {:.2} µs/room (10,000 rooms: {}); no target",
            large.yaml_bytes as f64 / 1e6,
            large.parse.as_secs_f64() * 1e6 / large.rooms as f64,
            millis(small.parse)
        ),
        ..Row::default()
    });

    let small = with_members(1_000)?;
    let large = with_members(10_000)?;
    for timed in [&small, &large] {
        rows.push(Row {
            scenario: format!(
                "planner with members, {} rooms, {} people",
                timed.rooms,
                timed.rooms / 10
            ),
            measured: millis(timed.median),
            notes: describe(timed),
            ..Row::default()
        });
    }
    rows.push(linearity("planner with members", &small, &large));
    Ok(rows)
}
