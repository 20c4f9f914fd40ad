//! Where one page of the rooms listing spends its time, with no injected latency: in the
//! emulator and HTTP (a raw GET), in the client's envelope decode (`Portal::get`), and in the
//! conversion to rooms (`Portal::list_rooms`). The `plan` floor counts latency only, so this
//! is what a ratio above 1 is made of.

use crate::server::Server;
use crate::table::Row;
use docspace_rooms::docspace::MAX_PAGE_SIZE;
use std::time::{Duration, Instant};

const ROOMS_PATH: &str = "/api/2.0/files/rooms";

/// The query `Portal::list_rooms` sends for the page starting at `start`.
fn page_query(start: usize) -> Vec<(&'static str, String)> {
    vec![
        ("searchArea", "Any".into()),
        ("startIndex", start.to_string()),
        ("count", MAX_PAGE_SIZE.to_string()),
        ("sortBy", "DateAndTimeCreation".into()),
        ("sortOrder", "ascending".into()),
    ]
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms/page", duration.as_secs_f64() * 1000.0)
}

/// Pages timed per measurement, spread evenly over the listing.
const SAMPLED_PAGES: usize = 100;
/// Above this many rooms the whole listing is not timed (the emulator's per-page cost grows
/// with the room count, so reading every page of a large portal takes long).
const LISTED_ROOMS: usize = 10_000;

/// Per-page costs over a portal of `rooms` rooms, one request at a time.
pub fn run(runtime: &tokio::runtime::Runtime, rooms: usize) -> anyhow::Result<Vec<Row>> {
    let server = Server::seeded(rooms, Duration::ZERO)?;
    let pages = rooms.div_ceil(MAX_PAGE_SIZE);
    let stride = pages.div_ceil(SAMPLED_PAGES);
    let sampled: Vec<usize> = (0..pages).step_by(stride).map(|page| page * MAX_PAGE_SIZE).collect();
    let url = format!("{}{ROOMS_PATH}", server.emulator.url());
    let token = server.emulator.token().to_owned();
    let portal = server.portal(1)?;

    let (raw, bytes, envelope, listed) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let mut raw = Vec::with_capacity(sampled.len());
        let mut bytes = 0;
        for &start in &sampled {
            let started = Instant::now();
            let body = http
                .get(&url)
                .query(&page_query(start))
                .bearer_auth(&token)
                .send()
                .await?
                .bytes()
                .await?;
            raw.push(started.elapsed());
            bytes += body.len();
        }
        let mut envelope = Vec::with_capacity(sampled.len());
        for &start in &sampled {
            let started = Instant::now();
            portal.get(ROOMS_PATH, &page_query(start)).await?;
            envelope.push(started.elapsed());
        }
        let mut listed = None;
        if rooms <= LISTED_ROOMS {
            let started = Instant::now();
            let read = portal.list_rooms(&|_, _| {}).await?;
            anyhow::ensure!(read.len() == rooms, "listed {} rooms of {rooms}", read.len());
            listed = Some(started.elapsed() / pages as u32);
        }
        anyhow::Ok((median(raw), bytes / sampled.len(), median(envelope), listed))
    })?;
    let sample = format!("median of {} pages", sampled.len());

    let row = |scenario: &str, measured: Duration, notes: String| Row {
        scenario: format!("{scenario} ({rooms} rooms)"),
        parallelism: Some(1),
        measured: ms(measured),
        notes,
        ..Row::default()
    };
    let mut rows = vec![row(
        "page: emulator + HTTP, raw GET",
        raw,
        format!("{sample}; {:.0} KB per page", bytes as f64 / 1e3),
    )];
    // The client's share is a difference of medians: only worth showing where the emulator's
    // own cost is small and steady.
    if let Some(listed) = listed {
        rows.push(row(
            "page: + envelope decode, Portal::get",
            envelope,
            format!(
                "{sample}; client decode ≈ {:.2} ms",
                envelope.saturating_sub(raw).as_secs_f64() * 1000.0
            ),
        ));
        rows.push(row(
            "page: + rooms, Portal::list_rooms",
            listed,
            format!(
                "mean over {pages} pages; room conversion ≈ {:.2} ms",
                listed.saturating_sub(envelope).as_secs_f64() * 1000.0
            ),
        ));
    }
    Ok(rows)
}
