//! A plan made with `plan --base`, shown to people: its steps in one section per cause, then
//! the manual changes it adopts, which are listed but never done.

use super::parts::{self as render, Paint};
use crate::plan::model::{Adopted, Cause, Plan, RoomPlan, Step};
use std::fmt::Write;

/// Each section's heading and the sentence that says what it means in a pull-request comment.
const CHANGES: (&str, &str) = (
    "Changes in this pull request",
    "The pull request's manifest asks for these; without it, an apply would not make them.",
);
const DRIFT: (&str, &str) = (
    "Drift: the portal differs from the base manifest",
    "The portal no longer matches what the target branch already declares (a manual change, or an apply that failed): an apply makes these whether this pull request is merged or not.",
);
const ADOPTED: (&str, &str) = (
    "Adopted: manual changes this pull request accepts",
    "The portal has these changes the base manifest undoes; this pull request writes them down instead, so nothing is done about them.",
);

/// A section of the comment is folded under `<details>` past this many rows.
const LONG: usize = 5;

/// The rooms with steps of this cause, each with just those steps.
fn rooms_of(plan: &Plan, cause: Cause) -> Vec<(&RoomPlan, Vec<Step>)> {
    plan.rooms
        .iter()
        .map(|room| (room, room.steps_of(cause)))
        .filter(|(_, steps)| !steps.is_empty())
        .collect()
}

/// The adopted entries grouped by room, in the order they come (the base plan's room order).
fn adopted_rooms(plan: &Plan) -> Vec<(String, Vec<&Adopted>)> {
    let mut rooms: Vec<(String, Vec<&Adopted>)> = Vec::new();
    for entry in plan.adopted.iter().flatten() {
        let label = render::room_label(&entry.title, &entry.target);
        match rooms.last_mut() {
            Some((last, entries)) if *last == label => entries.push(entry),
            _ => rooms.push((label, vec![entry])),
        }
    }
    rooms
}

/// The body of the text plan: the sections, the access changes by person.
pub(super) fn text(out: &mut String, plan: &Plan, manifest: &str, paint: &Paint) {
    if plan.is_empty() {
        let _ = writeln!(out, "No changes: the portal matches `{manifest}`.\n");
    } else {
        let _ = writeln!(out, "Marks: + create, ~ change, > archive, < unarchive, - delete\n");
    }
    for (cause, (heading, _)) in [(Cause::Change, CHANGES), (Cause::Drift, DRIFT)] {
        let rooms = rooms_of(plan, cause);
        if rooms.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{heading}:\n");
        for (room, steps) in rooms {
            let heading = format!(
                "{}{}",
                render::room_label(&room.title, &room.target),
                render::origin(room, manifest)
            );
            render::room_block(out, paint, (&heading, &room.target), &steps, |step| {
                step.reason.clone()
            });
        }
    }
    let adopted = adopted_rooms(plan);
    if !adopted.is_empty() {
        let _ = writeln!(out, "{} (listed, not done):\n", ADOPTED.0);
        for (label, entries) in adopted {
            let steps: Vec<Step> = entries.iter().map(|entry| entry.step.clone()).collect();
            let why = |step: &Step| {
                entries
                    .iter()
                    .find(|entry| entry.step == *step)
                    .map_or_else(String::new, |e| e.why.clone())
            };
            let target = &entries[0].target;
            render::room_block(out, paint, (&label, target), &steps, why);
        }
    }
    out.push_str(&render::member_summary(plan));
}

/// The tables of the pull-request comment: one section per cause and one for what is adopted,
/// each with its sentence; drift and adopted folded when long.
pub(super) fn markdown(out: &mut String, plan: &Plan, reserve: usize) {
    let adopted: Vec<String> = adopted_rooms(plan)
        .iter()
        .flat_map(|(label, entries)| {
            entries.iter().map(move |entry| {
                let step = &entry.step;
                let mark = render::mark(&step.action, &entry.target);
                render::row(mark, label, &step.action, &entry.why)
            })
        })
        .collect();
    let steps = "| | Room | Action | Reason |";
    let sections = [
        (CHANGES, steps, render::rows(rooms_of(plan, Cause::Change).into_iter()), false),
        (DRIFT, steps, render::rows(rooms_of(plan, Cause::Drift).into_iter()), true),
        (ADOPTED, "| | Room | Not done | Accepted instead |", adopted, true),
    ];
    for ((heading, meaning), header, rows, folds) in sections {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n#### {heading}\n\n{meaning}");
        let folded = folds && rows.len() > LONG;
        if folded {
            let _ = writeln!(
                out,
                "\n<details><summary>{} step{}</summary>",
                rows.len(),
                crate::text::plural(rows.len())
            );
        }
        render::table(out, header, &rows, reserve);
        if folded {
            out.push_str("\n</details>\n");
        }
    }
}
