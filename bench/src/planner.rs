//! The planner alone, without I/O: a mixed manifest against a portal state built in memory.

use crate::fixture;
use crate::table::{Row, millis};
use anyhow::ensure;
use docspace_rooms::plan::{PlanOptions, plan};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// Timed runs after one warm-up; the median is reported.
const RUNS: usize = 7;
/// The planner over 100,000 rooms must take less than this.
const TARGET: Duration = Duration::from_millis(100);
/// Portal rooms no manifest entry mentions, per 100 managed ones.
const UNMANAGED_PERCENT: usize = 1;

/// Plans `rooms` manifest rooms against as many portal rooms (plus 1% unmanaged), timing the
/// manifest's parsing once and the planner `RUNS` times. The target applies from 100,000 rooms.
pub fn run(rooms: usize) -> anyhow::Result<Vec<Row>> {
    let text = fixture::mixed_manifest(rooms);
    let state = fixture::portal_state(rooms, rooms * UNMANAGED_PERCENT / 100);

    let parse_started = Instant::now();
    let (manifest, _warnings) = docspace_rooms::manifest::parse(Path::new("rooms.yaml"), &text)?;
    let parse = parse_started.elapsed();

    let options = PlanOptions::default();
    let first = plan(&manifest, &state, &options)?;
    let counts = first.counts();
    let per_200 = rooms / 200;
    ensure!(
        counts.create == per_200 && counts.set_tags == 2 * per_200 && counts.rename == 3 * per_200,
        "unexpected plan: {}",
        first.summary()
    );
    drop(first);

    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            black_box(plan(black_box(&manifest), black_box(&state), &options).expect("planned once already"));
            started.elapsed()
        })
        .collect();
    times.sort();
    let median = times[RUNS / 2];
    let targeted = rooms >= 100_000;
    Ok(vec![
        Row {
            scenario: format!("planner, {rooms} rooms"),
            measured: millis(median),
            target: if targeted { format!("< {}", millis(TARGET)) } else { String::new() },
            pass: targeted.then_some(median < TARGET),
            notes: format!(
                "median of {RUNS} (min {}, max {}); {:.2} µs/room; {}",
                millis(times[0]),
                millis(times[RUNS - 1]),
                median.as_secs_f64() * 1e6 / rooms as f64,
                summary_counts(&counts)
            ),
            ..Row::default()
        },
        Row {
            scenario: format!("manifest parse, {rooms} rooms"),
            measured: millis(parse),
            notes: format!("{:.1} MB of YAML; {:.2} µs/room; no target", text.len() as f64 / 1e6, parse.as_secs_f64() * 1e6 / rooms as f64),
            ..Row::default()
        },
    ])
}

fn summary_counts(counts: &docspace_rooms::plan::Counts) -> String {
    format!("{} creates, {} renames, {} retags, {} archives", counts.create, counts.rename, counts.set_tags, counts.archive)
}
