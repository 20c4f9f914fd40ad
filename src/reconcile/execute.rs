//! Executing a plan as a job does: Ctrl-C and SIGTERM, and the report.

use super::read::Planned;
use crate::executor::{Report, Status, Stopped, execute};
use crate::plan::Plan;
use crate::portal::Portal;
use crate::progress::{Progress, outcome_line};
use std::collections::HashSet;

/// A plan ready to execute, with the ids of the rooms read to make it (so an ambiguous create
/// can tell its own room from one that existed before).
pub struct Ready {
    /// The plan to execute.
    pub plan: Plan,
    /// The ids of every portal room read while planning.
    pub known: HashSet<u64>,
    /// The manifest the plan was made from, as its rooms' lines name it (a saved plan's own).
    pub manifest: String,
    /// The API key's scopes (`None` for a login token), checked before the first write.
    pub(crate) scopes: Option<super::preflight::KeyScopes>,
}

impl From<Planned> for Ready {
    fn from(planned: Planned) -> Ready {
        let known = planned.state.rooms.iter().map(|room| room.id).collect();
        let manifest = planned.manifest.source.display().to_string();
        Ready { plan: planned.plan, known, manifest, scopes: planned.scopes }
    }
}

/// Executes with Ctrl-C and SIGTERM handled: the first starts nothing new but lets what is in
/// flight finish (a write still waiting after a refusal or for the pacing is dropped: nothing
/// was done) and still archives again every room it unarchived for an edit; a second stops at
/// once.
pub async fn apply_plan(portal: &Portal, ready: &Ready, progress: &Progress) -> (Report, bool) {
    let Ready { plan, known, .. } = ready;
    let watcher = {
        let portal = portal.clone();
        tokio::spawn(async move {
            crate::signal::shutdown().await;
            portal.interrupt();
            eprintln!(
                "interrupted: finishing the actions in flight (a write still waiting after a refusal or for the pacing is not sent) and archiving again every room unarchived for an edit, starting nothing else (interrupt again to stop now)"
            );
            crate::signal::shutdown().await;
            eprintln!("error: stopped at once; actions in flight may or may not have happened");
            std::process::exit(1);
        })
    };
    progress.start_actions(plan.steps().count());
    let report = execute(portal, plan, known, &|outcome| progress.outcome(outcome)).await;
    progress.finish();
    watcher.abort();
    (report, portal.is_interrupted())
}

/// The report as text: the steps not applied, the links created, and the summary line.
pub(crate) fn report_text(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    let unfinished: Vec<String> = report
        .outcomes
        .iter()
        .filter(|o| !matches!(o.status, Status::Applied))
        .map(outcome_line)
        .collect();
    if !unfinished.is_empty() {
        text.push_str("\nNot applied:\n");
        for line in unfinished {
            let _ = writeln!(text, "  {line}");
        }
    }
    text.push_str(&report.new_links());
    let _ = writeln!(text, "\n{}", report.summary());
    if let Some(stopped) = &report.limit_reached {
        text.push_str(&stopped_text(stopped));
    }
    text
}

/// What a limit the portal reached left undone, and when `apply` can go on.
fn stopped_text(stopped: &Stopped) -> String {
    use std::fmt::Write as _;
    let what = if stopped.writes_only {
        "writes (POST and PUT; a cloud portal allows 10,000 a day per user)"
    } else {
        "requests"
    };
    let mut text = format!(
        "\nStopped: the portal's limit {} was reached; it resets at {}. No write was started after that.\n",
        crate::portal::limit_of(stopped.limit, what),
        stopped.resets_at
    );
    if !stopped.left_active.is_empty() {
        let rooms: Vec<String> = stopped
            .left_active
            .iter()
            .map(|room| format!("\"{}\" (id {})", crate::text::escape(&room.title), room.id))
            .collect();
        // Archiving them is part of the next plan: past `max_destroy_percent` (3 rooms or more),
        // it is refused unless forced, so say how to do only that.
        let targets: Vec<String> = stopped
            .left_active
            .iter()
            .map(|room| format!("--target {}", crate::text::shell_word(&room.title)))
            .collect();
        let _ = writeln!(
            text,
            "Left active until then (the portal refused to archive them): {}. The next `apply` archives them; where that is over `max_destroy_percent`, `apply {} --force` applies only these rooms first.",
            rooms.join(", "),
            targets.join(" ")
        );
    }
    let _ = writeln!(
        text,
        "Run `apply` again after {}: it reads the portal afresh and goes on where this run stopped; what was done is not done again.",
        stopped.resets_at
    );
    text
}
