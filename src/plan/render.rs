//! Shows a plan to people: one block per room with a mark for what happens to it, one line per
//! step with its reason, and the summary line. Deterministic, so it can be snapshot-tested.

use super::model::{Action, Plan, RoomPlan, Step, Target};
use crate::text::escape;
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

/// The mark for a step: `+` create, `~` change, `>` archive, `<` unarchive, `-` delete.
pub(crate) fn mark(action: &Action) -> char {
    match action {
        Action::Create { .. } => '+',
        Action::SetSettings { .. } if action.is_destructive() => '-',
        Action::Rename { .. }
        | Action::SetTags { .. }
        | Action::SetMembers { .. }
        | Action::SetSettings { .. } => '~',
        Action::Archive => '>',
        Action::Unarchive => '<',
        Action::Delete => '-',
    }
}

fn style(mark: char) -> Style {
    let color = match mark {
        '+' => AnsiColor::Green,
        '~' => AnsiColor::Yellow,
        '>' | '<' => AnsiColor::Cyan,
        _ => AnsiColor::Red,
    };
    Style::new().fg_color(Some(color.into()))
}

/// The room's mark: that of its most consequential step.
fn room_mark(room: &RoomPlan) -> char {
    const RANK: [char; 5] = ['-', '>', '+', '<', '~'];
    let marks: Vec<char> = room.steps().map(|s| mark(&s.action)).collect();
    RANK.into_iter().find(|m| marks.contains(m)).unwrap_or('~')
}

/// One line describing a step, without its mark.
pub fn describe(action: &Action) -> String {
    let tags = |tags: &[String]| {
        format!("[{}]", tags.iter().map(|t| escape(t)).collect::<Vec<_>>().join(", "))
    };
    match action {
        Action::Create { room_type, tags: t, settings, .. } => {
            let mut text = format!("create {room_type} room");
            if !t.is_empty() {
                text.push_str(&format!(" with tags {}", tags(t)));
            }
            for (name, value) in settings.describe() {
                text.push_str(&format!("; {name} {value}"));
            }
            text
        }
        Action::Rename { before, after } => {
            format!("rename \"{}\" → \"{}\"", escape(before), escape(after))
        }
        Action::SetTags { before, after } => format!("tags {} → {}", tags(before), tags(after)),
        Action::Archive => "archive".into(),
        Action::Unarchive => "unarchive".into(),
        Action::Delete => "delete permanently".into(),
        Action::SetMembers { changes, notify } => {
            let list: Vec<String> = changes.iter().map(member_change).collect();
            let mail = if *notify { ", notifying them by email" } else { "" };
            format!("members: {}{mail}", list.join("; "))
        }
        Action::SetSettings { before, after } => settings_change(before, after),
    }
}

/// `quota default → 10 GB; lifetime none → files older than 90 days go to the trash`; a setting
/// the portal does not show is only given its new value.
fn settings_change(
    before: &crate::settings::Settings,
    after: &crate::settings::Settings,
) -> String {
    let old: std::collections::HashMap<&str, String> = before.describe().into_iter().collect();
    let parts: Vec<String> = after
        .describe()
        .into_iter()
        .map(|(name, new)| match old.get(name) {
            Some(was) => format!("{name} {was} → {new}"),
            None => format!("{name} → {new}"),
        })
        .collect();
    parts.join("; ")
}

/// `+ ben@example.com editor`, `~ anna@example.com viewer → room-manager`, `- carol@example.com (was editor)`.
pub(crate) fn member_change(change: &super::model::MemberChange) -> String {
    let who = escape(&change.member.to_string());
    let invite = if change.portal_id.is_none() { " (email invitation)" } else { "" };
    match (change.before, change.after) {
        (None, Some(after)) => format!("+ {who} {after}{invite}"),
        (Some(before), Some(after)) => format!("~ {who} {before} → {after}"),
        (Some(before), None) => format!("- {who} (was {before})"),
        (None, None) => format!("- {who}"),
    }
}

/// How a room is named in output: `"Title" (id 12)` or `"Title" (new)`.
pub(crate) fn room_label(title: &str, target: &Target) -> String {
    match target {
        Target::Existing { id } => format!("\"{}\" (id {id})", escape(title)),
        Target::New => format!("\"{}\" (new)", escape(title)),
    }
}

/// The plan as text, with ANSI colour when `color`.
pub fn text(plan: &Plan, manifest: &str, color: bool) -> String {
    let paint = |mark: char, text: &str| {
        if color {
            let s = style(mark);
            format!("{s}{text}{s:#}")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    if plan.is_empty() {
        let _ = writeln!(out, "No changes: the portal matches `{manifest}`.");
    } else {
        let _ = writeln!(out, "Marks: + create, ~ change, > archive, < unarchive, - delete\n");
        for room in &plan.rooms {
            let room_mark = room_mark(room);
            let origin = room.line.map_or_else(
                || "  (not in the manifest)".into(),
                |line| format!("  ({manifest}:{line})"),
            );
            let _ = writeln!(
                out,
                "{} {}{origin}",
                paint(room_mark, &room_mark.to_string()),
                room_label(&room.title, &room.target)
            );
            for Step { action, reason } in room.steps() {
                let step_mark = mark(action);
                let _ = writeln!(
                    out,
                    "    {} {}  # {reason}",
                    paint(step_mark, &step_mark.to_string()),
                    describe(action)
                );
            }
            out.push('\n');
        }
        out.push_str(&member_summary(plan));
    }
    let _ = writeln!(out, "{}", plan.summary());
    out
}

/// Below the plan: per person (or group), across all rooms, what they gain, lose or change.
pub(crate) fn member_summary(plan: &Plan) -> String {
    let mut by_member: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::default();
    for (room, step) in plan.steps() {
        let Action::SetMembers { changes, .. } = &step.action else { continue };
        for change in changes {
            let what = match (change.before, change.after) {
                (None, Some(after)) => format!("gains {after}"),
                (Some(before), Some(after)) => format!("{before} → {after}"),
                (_, None) => {
                    format!("loses {}", change.before.map_or("access".into(), |b| b.to_string()))
                }
            };
            by_member
                .entry(escape(&change.member.to_string()))
                .or_default()
                .push(format!("{what} in \"{}\"", escape(&room.title)));
        }
    }
    if by_member.is_empty() {
        return String::new();
    }
    let mut out = String::from("Access changes by person:\n");
    for (member, changes) in by_member {
        let _ = writeln!(out, "  {member}: {}", changes.join("; "));
    }
    out.push('\n');
    out
}

/// The longest comment a code host accepts is 65,536 characters; stay well inside it.
const MARKDOWN_BUDGET: usize = 60_000;

/// A pull-request comment: the summary, a table of actions with destructive ones first, and
/// the full text plan folded in `<details>`, cut to fit with a note saying so.
pub fn markdown(plan: &Plan, manifest: &str) -> String {
    let mut out =
        format!("### docspace-rooms plan for `{}`\n\n**{}**\n", md(manifest), plan.summary());
    if plan.is_empty() {
        return out;
    }
    // Rooms that lose something come first (deletes, then archives, then member removals),
    // each room's steps together and in order.
    let mut rooms: Vec<&RoomPlan> = plan.rooms.iter().collect();
    rooms.sort_by_key(|room| destruction_rank(room));
    let rows: Vec<String> = rooms
        .iter()
        .flat_map(|room| room.steps().map(move |step| (room, step)))
        .map(|(room, step)| {
            format!(
                "| `{}` | {} | {} | {} |\n",
                mark(&step.action),
                md(&room_label(&room.title, &room.target)),
                md(&describe(&step.action)),
                md(&step.reason)
            )
        })
        .collect();

    out.push_str("\n| | Room | Action | Reason |\n|---|---|---|---|\n");
    let details = text(plan, manifest, false);
    let mut shown = 0;
    for row in &rows {
        if out.len() + row.len() + details.len().min(MARKDOWN_BUDGET / 2) > MARKDOWN_BUDGET {
            break;
        }
        out.push_str(row);
        shown += 1;
    }
    if shown < rows.len() {
        let _ = writeln!(
            out,
            "\n> {} more action{} not shown: the plan is too long for a comment. Run `docspace-rooms plan` for all of it.",
            rows.len() - shown,
            crate::text::plural(rows.len() - shown)
        );
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

/// 0 for a room that is deleted, 1 for an existing room that is archived, 2 for one that loses
/// members, 3 for the rest.
fn destruction_rank(room: &RoomPlan) -> u8 {
    if room.change.deletes() {
        0
    } else if room.change.removes_room() {
        1
    } else if room.edits.iter().any(|step| step.action.is_destructive()) {
        2
    } else {
        3
    }
}

/// Escapes text for a Markdown table cell.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '|' | '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
