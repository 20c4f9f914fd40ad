//! Executing a plan as a job does: the delete rail, Ctrl-C and SIGTERM, and the report.

use super::Ready;
use crate::cli::ReportFormat;
use crate::executor::{Report, Status, execute};
use crate::plan::{Plan, render};
use crate::portal::Portal;
use crate::progress::{Progress, outcome_line};
use anyhow::bail;

/// Executes with Ctrl-C and SIGTERM handled: the first starts nothing new but lets what is in
/// flight finish and still archives again every room it unarchived for an edit; a second stops
/// at once.
pub async fn apply_plan(portal: &Portal, ready: &Ready, progress: &Progress) -> (Report, bool) {
    let Ready { plan, known } = ready;
    let watcher = {
        let portal = portal.clone();
        tokio::spawn(async move {
            crate::signal::shutdown().await;
            portal.interrupt();
            eprintln!(
                "interrupted: finishing the actions in flight and archiving again every room unarchived for an edit, starting nothing else (interrupt again to stop now)"
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

/// Deleting a room on DocSpace is permanent: a plan with a delete needs `--allow-delete`, and
/// so does one that moves folders to the trash or gives a room a lifetime that deletes files
/// permanently or sooner than before.
pub(crate) fn check_deletes(plan: &Plan, allowed: bool) -> anyhow::Result<()> {
    if allowed {
        return Ok(());
    }
    let lifetimes: Vec<String> = plan
        .destructive_settings()
        .into_iter()
        .map(|room| render::room_label(&room.title, &room.target))
        .collect();
    if !lifetimes.is_empty() {
        bail!(
            "the plan sets a lifetime that deletes files permanently or sooner than before in {} room{} ({}); pass `--allow-delete` to apply it",
            lifetimes.len(),
            crate::text::plural(lifetimes.len()),
            lifetimes.join(", ")
        );
    }
    if !plan.has_delete() {
        return Ok(());
    }
    let rooms: Vec<String> = plan
        .rooms
        .iter()
        .filter(|room| room.change.deletes())
        .map(|room| render::room_label(&room.title, &room.target))
        .collect();
    let mut parts = Vec::new();
    if !rooms.is_empty() {
        parts.push(format!(
            "deletes {} room{} permanently ({})",
            rooms.len(),
            crate::text::plural(rooms.len()),
            rooms.join(", ")
        ));
    }
    // Folders go to the trash, not away for good, but their deletion is guarded alike.
    let folders: Vec<String> = plan
        .trashed_folders()
        .into_iter()
        .map(|(room, path)| {
            format!(
                "\"{}\" in {}",
                crate::text::escape(&path.join("/")),
                render::room_label(&room.title, &room.target)
            )
        })
        .collect();
    if !folders.is_empty() {
        parts.push(format!(
            "moves {} folder{} to the trash ({})",
            folders.len(),
            crate::text::plural(folders.len()),
            folders.join(", ")
        ));
    }
    bail!("the plan {}; pass `--allow-delete` to apply it", parts.join(" and "))
}

/// The report as the job prints it: JSON, or the steps not applied and the summary line.
pub(crate) fn report_text(report: &Report, format: ReportFormat) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    Ok(match format {
        ReportFormat::Json => format!("{}\n", serde_json::to_string_pretty(report)?),
        ReportFormat::Text => {
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
            text.push_str(&crate::executor::new_links(report));
            let _ = writeln!(text, "\n{}", report.summary());
            text
        }
    })
}
