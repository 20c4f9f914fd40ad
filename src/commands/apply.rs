//! `apply`: plan afresh (or load a reviewed plan), show it, confirm, execute, report.

use super::Exit;
use super::read::{Scope, options, read_and_plan, read_portal, read_room_members};
use crate::apply::{Report, execute};
use crate::cli::{ApplyArgs, ReportFormat};
use crate::config::{self, Output};
use crate::docspace::Access;
use crate::model::{MemberSubject, PortalRoom, PortalState, RoomMember};
use crate::plan::{Action, Member, MemberChange, Plan, Target, render, saved::SavedPlan};
use crate::portal::Portal;
use crate::progress::{Progress, outcome_line};
use crate::text::escape;
use anyhow::{Context, bail};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};

pub async fn run(args: &ApplyArgs, output: Output) -> anyhow::Result<Exit> {
    let portal = Portal::new(config::portal(&args.portal)?)?;
    let progress = Progress::new(output.stderr_terminal);
    let (plan, known) = match &args.plan_file {
        Some(path) => {
            let saved = SavedPlan::read(path)?;
            check_portal(&saved, &portal)?;
            let mut state = read_portal(&portal, Scope::Rooms, &progress).await?;
            state.members =
                read_room_members(&portal, saved.plan.member_rooms()).await.with_context(|| {
                    format!("cannot read the room members of `{}`", portal.base_url())
                })?;
            check_fresh(&saved.plan, &state)?;
            (saved.plan, state.rooms.iter().map(|room| room.id).collect())
        }
        None => {
            let planned =
                read_and_plan(&args.manifest.manifest, &portal, &options(&args.select), &progress)
                    .await?;
            (planned.plan, planned.state.rooms.iter().map(|room| room.id).collect())
        }
    };
    progress.finish();

    let manifest_name = args.manifest.manifest.display().to_string();
    let json = args.format == ReportFormat::Json;
    let shown = render::text(
        &plan,
        &manifest_name,
        if json { output.stderr_color } else { output.stdout_color },
    );
    if json {
        eprint!("{shown}");
    } else {
        crate::out!("{shown}")?;
    }
    if plan.is_empty() {
        if json {
            crate::outln!("{}", serde_json::to_string_pretty(&Report::default())?)?;
        }
        return Ok(Exit::Success);
    }
    check_deletes(&plan, args.allow_delete)?;
    if args.plan_file.is_none() && !args.auto_approve {
        confirm(output)?;
    }

    let (report, interrupted) = apply_plan(&portal, &plan, &known, &progress).await;
    print_report(&report, args.format)?;
    if interrupted {
        eprintln!(
            "error: interrupted; the summary above is what happened. Run `apply` again to converge."
        );
    }
    Ok(if report.is_success() && !interrupted { Exit::Success } else { Exit::Failure })
}

/// Executes with Ctrl-C and SIGTERM handled: the first starts nothing new and lets what is in
/// flight finish; a second stops at once.
pub async fn apply_plan(
    portal: &Portal,
    plan: &Plan,
    known: &HashSet<u64>,
    progress: &Progress,
) -> (Report, bool) {
    let watcher = {
        let portal = portal.clone();
        tokio::spawn(async move {
            crate::signal::shutdown().await;
            portal.interrupt();
            eprintln!(
                "interrupted: finishing the actions in flight, starting nothing new (interrupt again to stop now)"
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

fn print_report(report: &Report, format: ReportFormat) -> anyhow::Result<()> {
    match format {
        ReportFormat::Json => crate::outln!("{}", serde_json::to_string_pretty(report)?)?,
        ReportFormat::Text => {
            let unfinished: Vec<String> = report
                .outcomes
                .iter()
                .filter(|o| !matches!(o.status, crate::apply::Status::Applied))
                .map(outcome_line)
                .collect();
            if !unfinished.is_empty() {
                crate::outln!("\nNot applied:")?;
                for line in unfinished {
                    crate::outln!("  {line}")?;
                }
            }
            crate::outln!("\n{}", report.summary())?;
        }
    }
    Ok(())
}

/// Deleting a room on DocSpace is permanent: a plan with a delete needs `--allow-delete`.
fn check_deletes(plan: &Plan, allowed: bool) -> anyhow::Result<()> {
    if allowed || !plan.has_delete() {
        return Ok(());
    }
    let rooms: Vec<String> = plan
        .rooms
        .iter()
        .filter(|room| room.steps.iter().any(|step| step.action == Action::Delete))
        .map(|room| render::room_label(&room.title, &room.target))
        .collect();
    bail!(
        "the plan deletes {} room{} permanently ({}); pass `--allow-delete` to apply it",
        rooms.len(),
        crate::plan::plural(rooms.len()),
        rooms.join(", ")
    )
}

fn confirm(output: Output) -> anyhow::Result<()> {
    if !output.interactive {
        bail!(
            "refusing to apply without confirmation: no terminal to ask on; pass `--auto-approve` to apply"
        );
    }
    eprint!("Apply these changes? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES") {
        Ok(())
    } else {
        bail!("not applied: the answer was not `y`")
    }
}

fn check_portal(saved: &SavedPlan, portal: &Portal) -> anyhow::Result<()> {
    let here = portal.base_url().to_string();
    if saved.portal.trim_end_matches('/') != here.trim_end_matches('/') {
        bail!(
            "the plan was made for `{}`, not `{here}`; make a plan against this portal",
            saved.portal
        );
    }
    Ok(())
}

/// Refuses a saved plan when a room it read or touches has changed since, when a room it
/// would create now exists, or when a member it changes no longer has the access the plan
/// started from (`now.members` holds the rooms of [`Plan::member_rooms`]).
pub fn check_fresh(plan: &Plan, now: &PortalState) -> anyhow::Result<()> {
    let by_id: HashMap<u64, &PortalRoom> = now.rooms.iter().map(|room| (room.id, room)).collect();
    let mut changes = Vec::new();
    for before in &plan.fingerprints {
        let label = format!("room {} \"{}\"", before.id, escape(&before.title));
        let Some(after) = by_id.get(&before.id) else {
            changes.push(format!("{label} was deleted"));
            continue;
        };
        if after.title != before.title {
            changes.push(format!("{label} was renamed to \"{}\"", escape(&after.title)));
        }
        if after.state != before.state {
            changes.push(format!("{label} is now {}", after.state));
        }
        let sorted = |tags: &[String]| {
            let mut tags = tags.to_vec();
            tags.sort();
            tags
        };
        if sorted(&after.tags) != sorted(&before.tags) {
            changes.push(format!(
                "{label} was retagged: [{}] → [{}]",
                before.tags.join(", "),
                after.tags.join(", ")
            ));
        }
    }
    for (room, step) in plan.steps() {
        match (&step.action, &room.target) {
            (Action::Create { title, .. }, _) => {
                for room in now.rooms.iter().filter(|room| &room.title == title) {
                    changes.push(format!(
                        "room {} \"{}\", which the plan would create, now exists",
                        room.id,
                        escape(title)
                    ));
                }
            }
            (Action::SetMembers { changes: planned, .. }, Target::Existing { id }) => {
                let label = format!("room {id} \"{}\"", escape(&room.title));
                let members = now.members.get(id).map(Vec::as_slice).unwrap_or_default();
                changes.extend(stale_members(&label, planned, members));
            }
            _ => {}
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    bail!(
        "the portal changed since the plan was made, so it was not applied; make a new plan:\n  {}",
        changes.join("\n  ")
    )
}

/// The planned member changes whose starting point no longer holds: each member must still
/// have the access the plan saw (or still be absent, for an addition).
fn stale_members(label: &str, planned: &[MemberChange], members: &[RoomMember]) -> Vec<String> {
    let mut stale = Vec::new();
    for change in planned {
        let current = members.iter().filter(|member| !member.is_owner).find(|member| match (&change.portal_id, &member.subject) {
            (Some(wanted), MemberSubject::User { id, .. } | MemberSubject::Group { id, .. }) => id == wanted,
            // An invitation by email: the address may have joined since.
            (None, MemberSubject::User { email, .. }) => matches!(&change.member, Member::User(invited) if invited.eq_ignore_ascii_case(email)),
            (None, MemberSubject::Group { .. }) => false,
        });
        // The planner names access the same way, so an access it cannot name compares as absent.
        let now = current.and_then(|member| Access::from_code(member.access));
        if now == change.before {
            continue;
        }
        let who = escape(&change.member.to_string());
        stale.push(match (change.before, now) {
            (Some(before), Some(now)) => {
                format!("{label}: {who}'s access changed from `{before}` to `{now}`")
            }
            (Some(before), None) => format!("{label}: {who} no longer has `{before}` access"),
            (None, Some(now)) => format!("{label}: {who} was given `{now}` access"),
            (None, None) => continue,
        });
    }
    stale
}
