//! `apply` of full-featured rooms and the steady-state `plan` after it, against a portal that
//! limits requests as a cloud portal does, scaled down in time: 150 requests per sliding 6 s
//! (a cloud portal's 1,500 per 60 s, at the same 25 requests a second), 50 GETs and 15 other
//! requests in flight, 10,000 POST and PUT a day. Each request also takes the latency.
//!
//! The client is told the scaled window in place of a cloud portal's minute (a refusal does not
//! say it), so both sides are the cloud's scaled alike. It runs twice: pacing from the first
//! refusal, as by default, and from the first request, as with `--max-rate 150/6s`.
//!
//! The floor is the requests the portal admitted divided by its rate: no client can go faster
//! without being refused. Targets (issue 22): at most 1% of the requests refused with 429, and
//! at most 1.15× the floor.

use crate::fixture;
use crate::server::Server;
use crate::table::{Row, millis};
use docspace_rooms::docspace::{DAILY_WRITE_LIMIT, RateLimit};
use docspace_rooms::emulator::{Limiter, PersonSeed};
use docspace_rooms::plan::PlanOptions;
use docspace_rooms::portal::Portal;
use docspace_rooms::progress::Progress;
use docspace_rooms::reconcile::{Ready, apply_plan, read_and_plan};
use std::path::Path;
use std::time::{Duration, Instant};

/// Rooms in the scenario, as in issue 22's measurement.
pub const ROOMS: usize = 200;
/// The portal's sliding window: a cloud portal's 1,500 per 60 s, ten times shorter.
pub const WINDOW: RateLimit = RateLimit { limit: 150, window: Duration::from_secs(6) };
/// At most this share of the requests may be refused…
const REFUSED_TARGET: f64 = 0.01;
/// …and the run may take at most this many times the floor.
const RATIO_TARGET: f64 = 1.15;

/// What one phase (the apply, the plan) sent and how long it took.
struct Phase {
    wall: Duration,
    received: usize,
    refused: usize,
    /// Where in the phase's requests the refused ones came (1 the first).
    refused_at: Vec<usize>,
    client: u64,
}

impl Phase {
    fn admitted(&self) -> usize {
        self.received - self.refused
    }

    /// The admitted requests at the portal's rate.
    fn floor(&self) -> Duration {
        WINDOW.window.mul_f64(self.admitted() as f64 / f64::from(WINDOW.limit))
    }

    fn row(&self, scenario: String, parallelism: usize, problem: Option<String>) -> Row {
        let floor = self.floor();
        let ratio = self.wall.as_secs_f64() / floor.as_secs_f64();
        let share = self.refused as f64 / self.received as f64;
        Row {
            scenario,
            parallelism: Some(parallelism),
            measured: millis(self.wall),
            requests: Some((self.received, Some(self.client))),
            floor_text: Some(format!("{} ÷ 25/s = {}", self.admitted(), millis(floor))),
            ratio: Some(ratio),
            target: format!("≤ 1% 429, ≤ {RATIO_TARGET}× floor"),
            pass: Some(share <= REFUSED_TARGET && ratio <= RATIO_TARGET && problem.is_none()),
            notes: format!(
                "{} refused with 429 ({:.1}%){}; {:.2} requests per room{}",
                self.refused,
                share * 100.0,
                positions(&self.refused_at),
                self.received as f64 / ROOMS as f64,
                problem.map_or_else(String::new, |problem| format!("; {problem}"))
            ),
            ..Row::default()
        }
    }
}

/// ` (requests #1, #2, …)`: where the refusals came, the first eight.
fn positions(at: &[usize]) -> String {
    if at.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = at.iter().take(8).map(|n| format!("#{n}")).collect();
    let more = if at.len() > 8 { ", …" } else { "" };
    format!(" (requests {}{more})", shown.join(", "))
}

/// Runs `work` with a fresh client, paced from the first request when `max_rate`, and
/// measures what the portal received meanwhile.
fn measure<T>(
    server: &Server,
    parallelism: usize,
    max_rate: bool,
    work: impl FnOnce(&Portal) -> anyhow::Result<T>,
) -> anyhow::Result<(Phase, T)> {
    let portal = server.portal_with(parallelism, |config| {
        config.rate_window = WINDOW.window;
        config.max_rate = max_rate.then_some(WINDOW);
    })?;
    let before = server.emulator.requests().len();
    let started = Instant::now();
    let result = work(&portal)?;
    let wall = started.elapsed();
    let requests = server.emulator.requests();
    let phase = &requests[before..];
    let refused_at: Vec<usize> =
        phase.iter().enumerate().filter(|(_, r)| r.status == 429).map(|(n, _)| n + 1).collect();
    let phase = Phase {
        wall,
        received: phase.len(),
        refused: refused_at.len(),
        refused_at,
        client: portal.requests_sent(),
    };
    Ok((phase, result))
}

/// The apply of [`ROOMS`] full-featured rooms to an empty portal, then the plan after it,
/// which must plan nothing: paced from the first refusal, then from the first request.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    latency: Duration,
    parallelism: usize,
) -> anyhow::Result<Vec<Row>> {
    let mut rows = scenario(runtime, latency, parallelism, false)?;
    rows.extend(scenario(runtime, latency, parallelism, true)?);
    Ok(rows)
}

fn scenario(
    runtime: &tokio::runtime::Runtime,
    latency: Duration,
    parallelism: usize,
    max_rate: bool,
) -> anyhow::Result<Vec<Row>> {
    let limiter = Limiter {
        window: Some(WINDOW),
        concurrency: true,
        daily_writes: Some(DAILY_WRITE_LIMIT),
        ..Limiter::default()
    };
    let server = Server::limited(latency, limiter)?;
    server.emulator.set_room_quota(true, -1);
    for k in 0..fixture::FULL_PEOPLE {
        server.emulator.add_person(PersonSeed::new(&fixture::full_email(k), "Bench person"));
    }
    let dir = tempfile::tempdir()?;
    let manifest = dir.path().join("rooms.yaml");
    std::fs::write(&manifest, fixture::full_manifest(ROOMS))?;

    let (apply, applied) =
        measure(&server, parallelism, max_rate, |portal| apply(runtime, portal, &manifest))?;
    let (plan, changes) = measure(&server, parallelism, max_rate, |portal| {
        let planned = runtime.block_on(read_and_plan(
            &manifest,
            portal,
            &PlanOptions::default(),
            &Progress::hidden(),
        ))?;
        Ok((!planned.plan.is_empty()).then(|| format!("not steady: {}", planned.plan.summary())))
    })?;
    let paced = if max_rate { format!(", --max-rate {WINDOW}") } else { String::new() };
    Ok(vec![
        apply.row(
            format!("apply, {ROOMS} full rooms, limit {WINDOW}{paced}"),
            parallelism,
            applied,
        ),
        plan.row(format!("plan after it (steady state){paced}"), parallelism, changes),
    ])
}

/// Plans and applies `manifest`; what went wrong, if anything (a failed action is measured,
/// not an error: the client's retries ran out against the limiter).
fn apply(
    runtime: &tokio::runtime::Runtime,
    portal: &Portal,
    manifest: &Path,
) -> anyhow::Result<Option<String>> {
    let report = runtime.block_on(async {
        let progress = Progress::hidden();
        let planned = read_and_plan(manifest, portal, &PlanOptions::default(), &progress).await?;
        anyhow::Ok(apply_plan(portal, &Ready::from(planned), &progress).await.0)
    })?;
    Ok((!report.is_success()).then(|| report.summary()))
}
