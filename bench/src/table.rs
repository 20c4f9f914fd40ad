//! One row per measurement, printed as an aligned Markdown table (pasteable into BENCHMARKS.md).

use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct Row {
    pub scenario: String,
    /// `--parallelism`, where it applies.
    pub parallelism: Option<usize>,
    /// What was measured: a wall time, a peak memory.
    pub measured: String,
    /// Requests the emulator received, and those the client counted sending (when it can tell).
    pub requests: Option<(usize, Option<u64>)>,
    /// Round trips of the floor, and the floor's time.
    pub floor: Option<(u64, Duration)>,
    /// A floor that is not round trips (requests ÷ a rate), as shown; wins over `floor`.
    pub floor_text: Option<String>,
    /// Measured over the floor (or another comparison the target names).
    pub ratio: Option<f64>,
    pub target: String,
    /// Whether the target was met; `None` where there is no target.
    pub pass: Option<bool>,
    pub notes: String,
}

pub fn millis(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1000.0;
    if ms >= 100.0 { format!("{ms:.0} ms") } else { format!("{ms:.1} ms") }
}

impl Row {
    fn cells(&self) -> [String; 9] {
        [
            self.scenario.clone(),
            self.parallelism.map_or("-".into(), |p| p.to_string()),
            self.measured.clone(),
            self.requests.map_or("-".into(), |(server, client)| match client {
                Some(client) if client != server as u64 => format!("{server} (client {client})"),
                _ => server.to_string(),
            }),
            match (&self.floor_text, self.floor) {
                (Some(text), _) => text.clone(),
                (None, Some((trips, time))) => format!("{trips} × lat = {}", millis(time)),
                (None, None) => "-".into(),
            },
            self.ratio.map_or("-".into(), |r| format!("{r:.2}×")),
            if self.target.is_empty() { "-".into() } else { self.target.clone() },
            match self.pass {
                Some(true) => "pass".into(),
                Some(false) => "FAIL".into(),
                None => "-".into(),
            },
            self.notes.clone(),
        ]
    }
}

const HEADERS: [&str; 9] =
    ["scenario", "P", "measured", "requests", "floor", "ratio", "target", "result", "notes"];

pub fn render(rows: &[Row]) -> String {
    let cells: Vec<[String; 9]> = rows.iter().map(Row::cells).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |row: &[String]| {
        let padded: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out = line(&HEADERS.map(String::from));
    out.push_str(&line(&widths.map(|w| "-".repeat(w))));
    for row in &cells {
        out.push_str(&line(row));
    }
    out
}
