//! Progress on stderr: a bar on a terminal; off a terminal, one line per completed action and
//! nothing for reads, so CI logs stay readable.

use crate::executor::{Outcome, Status};
use crate::plan::Target;
use crate::plan::render::{describe, mark, room_label};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Rooms read and actions done: a bar on a terminal, one line per action off one, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
    failures: AtomicUsize,
    /// Print a line per action when there is no bar.
    lines: bool,
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub(crate) fn new(terminal: bool) -> Progress {
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {pos}/{len}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress { bar, failures: AtomicUsize::new(0), lines: true }
    }

    /// Silent: for the demo, which prints its own lines.
    pub fn hidden() -> Progress {
        Progress { bar: None, failures: AtomicUsize::new(0), lines: false }
    }

    /// Rooms read so far, of `total`.
    pub(crate) fn rooms_read(&self, read: usize, total: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_message("reading rooms");
            bar.inc(read as u64);
        }
    }

    /// Starts counting `total` actions.
    pub(crate) fn start_actions(&self, total: usize) {
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_length(total as u64);
            bar.set_position(0);
            bar.set_message("applying");
        }
    }

    /// One action ended.
    pub(crate) fn outcome(&self, outcome: &Outcome) {
        if matches!(outcome.status, Status::Failed(_)) {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        let line = outcome_line(outcome);
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                let failures = self.failures.load(Ordering::Relaxed);
                if failures > 0 {
                    bar.set_message(format!("applying ({failures} failed)"));
                }
                bar.println(line);
            }
            None if self.lines => eprintln!("{line}"),
            None => {}
        }
    }

    /// Clears the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `+ "Marketing" (id 12): create collaboration room ... done`
pub(crate) fn outcome_line(outcome: &Outcome) -> String {
    let target = match outcome.room_id {
        Some(id) => Target::Existing { id },
        None => Target::New,
    };
    // A room this run created is labelled with its id, and marked as new: it had no files.
    let planned = if outcome.new_room { Target::New } else { target.clone() };
    let what = format!(
        "{} {}: {}",
        mark(&outcome.action, &planned),
        room_label(&outcome.title, &target),
        describe(&outcome.action)
    );
    match &outcome.status {
        Status::Applied => format!("{what}: done"),
        Status::Failed(message) => format!("{what}: failed: {message}"),
        Status::Skipped(reason) => format!("{what}: skipped ({reason})"),
    }
}
