//! Shows a plan to people: one block per room with a mark for what happens to it, one line per
//! step with its reason, and the summary line, as text or as a pull-request comment.
//! Deterministic, so it can be snapshot-tested.

mod parts;
mod sections;

use crate::plan::cost::summary_line;
use crate::plan::model::{Plan, Step};
use parts::{MARKDOWN_BUDGET, Paint, md_code, member_summary, origin, room_block, rows, table};
pub(crate) use parts::{describe, mark, room_label};
use std::fmt::Write;

/// The plan as text, with ANSI colour when `color`.
/// `manifest` names the file in each room's `(file:line)`: escaped like portal text, since a
/// saved plan's path is whatever the file says.
pub(crate) fn text(plan: &Plan, manifest: &str, color: bool) -> String {
    let manifest = &crate::text::escape(manifest);
    let paint = Paint(color);
    let mut out = String::new();
    if plan.adopted.is_some() {
        sections::text(&mut out, plan, manifest, &paint);
    } else if plan.is_empty() {
        let _ = writeln!(out, "No changes: the portal matches `{manifest}`.");
    } else {
        let _ = writeln!(out, "Marks: + create, ~ change, > archive, < unarchive, - delete\n");
        for room in &plan.rooms {
            let heading =
                format!("{}{}", room_label(&room.title, &room.target), origin(room, manifest));
            let steps: Vec<Step> = room.steps().cloned().collect();
            room_block(&mut out, &paint, (&heading, &room.target), &steps, |step| {
                step.reason.clone()
            });
        }
        out.push_str(&member_summary(plan));
    }
    let _ = writeln!(out, "{}", summary_line(plan));
    out
}

/// A pull-request comment: a hidden marker, the summary, a table of actions with destructive
/// ones first, and the full text plan folded in `<details>`, cut to fit with a note saying so.
/// With `--base`, one table per cause and one for what is adopted.
pub(crate) fn markdown(plan: &Plan, manifest: &str, portal: &url::Url) -> String {
    let manifest = &crate::text::escape(manifest);
    let mut out = format!(
        "{}\n### docspace-rooms plan for {}\n\n**{}**\n",
        comment_marker(portal),
        md_code(manifest),
        summary_line(plan)
    );
    if plan.is_empty() && plan.adopted.as_ref().is_none_or(Vec::is_empty) {
        return out;
    }
    let details = text(plan, manifest, false);
    let reserve = details.len().min(MARKDOWN_BUDGET / 2);
    if plan.adopted.is_some() {
        sections::markdown(&mut out, plan, reserve);
    } else {
        let rooms = plan.rooms.iter().map(|room| (room, room.steps().cloned().collect()));
        table(&mut out, "| | Room | Action | Reason |", &rows(rooms), reserve);
    }
    let room = MARKDOWN_BUDGET.saturating_sub(out.len() + 200);
    let (details, cut) = if details.len() > room {
        let mut end = room;
        while !details.is_char_boundary(end) {
            end -= 1;
        }
        (&details[..end], true)
    } else {
        (details.as_str(), false)
    };
    let _ = write!(
        out,
        "\n<details><summary>Full plan</summary>\n\n```\n{}\n```\n",
        details.replace("```", "`\u{200b}``")
    );
    if cut {
        out.push_str("\n> The full plan was cut to fit in a comment.\n");
    }
    out.push_str("</details>\n");
    out
}

/// The markdown plan's first line: a comment hidden when rendered, naming the tool and the
/// portal, so a CI job finds the comment it posted for this portal and updates it instead of
/// adding another. A parsed URL percent-encodes `>`, so it cannot end the comment early.
pub(crate) fn comment_marker(portal: &url::Url) -> String {
    format!("<!-- docspace-rooms plan: {portal} -->")
}
