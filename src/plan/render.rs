//! Shows a plan to people: one block per room with a mark for what happens to it, one line per
//! step with its reason, and the summary line. Deterministic, so it can be snapshot-tested.

use super::model::{Action, Plan, RoomPlan, Step, Target};
use crate::text::escape;
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

/// The mark for a step: `+` create, `~` change, `>` archive, `<` unarchive, `-` delete (a link
/// removed is marked like a delete: whoever holds it loses access).
pub(crate) fn mark(action: &Action) -> char {
    match action {
        Action::Create { .. } | Action::CreateFolder { .. } => '+',
        Action::SetLink { link } if link.before.is_none() => '+',
        Action::SetSettings { .. } if action.is_destructive() => '-',
        Action::Rename { .. }
        | Action::SetTags { .. }
        | Action::SetMembers { .. }
        | Action::SetLink { .. }
        | Action::SetSettings { .. } => '~',
        Action::Archive => '>',
        Action::Unarchive => '<',
        Action::Delete | Action::TrashFolder { .. } | Action::RemoveLink { .. } => '-',
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
fn room_mark<'a>(steps: impl IntoIterator<Item = &'a Step>) -> char {
    const RANK: [char; 5] = ['-', '>', '+', '<', '~'];
    // Folder and link steps change what is inside the room, not the room: a `+` or `-` of
    // theirs marks the room as a change.
    let marks: Vec<char> = steps
        .into_iter()
        .map(|s| match s.action {
            Action::CreateFolder { .. }
            | Action::TrashFolder { .. }
            | Action::SetLink { .. }
            | Action::RemoveLink { .. } => '~',
            _ => mark(&s.action),
        })
        .collect();
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
        Action::CreateFolder { path, .. } => format!("folder \"{}\"", escape(&path.join("/"))),
        Action::TrashFolder { path, .. } => {
            format!("folder \"{}\" (empty, to the trash)", escape(&path.join("/")))
        }
        Action::SetMembers { changes, notify } => {
            let list: Vec<String> = changes.iter().map(member_change).collect();
            let mail = if *notify { ", notifying them by email" } else { "" };
            format!("members: {}{mail}", list.join("; "))
        }
        Action::SetLink { link } => super::links::describe_change(link),
        Action::RemoveLink { name, .. } => format!("link \"{}\"", escape(name)),
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

/// Colours marks, or leaves them plain.
pub(super) struct Paint(pub(super) bool);

impl Paint {
    fn mark(&self, mark: char) -> String {
        if self.0 {
            let s = style(mark);
            format!("{s}{mark}{s:#}")
        } else {
            mark.to_string()
        }
    }
}

/// Where a room's entry is: `  (rooms.yaml:4)`, or a note that the manifest does not name it.
pub(super) fn origin(room: &RoomPlan, manifest: &str) -> String {
    room.line
        .map_or_else(|| "  (not in the manifest)".into(), |line| format!("  ({manifest}:{line})"))
}

/// A room's block: its mark and label, then one line per step with `# comment`.
pub(super) fn room_block(
    out: &mut String,
    paint: &Paint,
    heading: &str,
    steps: &[Step],
    comment: impl Fn(&Step) -> String,
) {
    let _ = writeln!(out, "{} {heading}", paint.mark(room_mark(steps)));
    for step in steps {
        let _ = writeln!(
            out,
            "    {} {}  # {}",
            paint.mark(mark(&step.action)),
            describe(&step.action),
            comment(step)
        );
    }
    out.push('\n');
}

/// The plan as text, with ANSI colour when `color`.
pub fn text(plan: &Plan, manifest: &str, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    if plan.adopted.is_some() {
        super::compare_render::text(&mut out, plan, manifest, &paint);
    } else if plan.is_empty() {
        let _ = writeln!(out, "No changes: the portal matches `{manifest}`.");
    } else {
        let _ = writeln!(out, "Marks: + create, ~ change, > archive, < unarchive, - delete\n");
        for room in &plan.rooms {
            let heading =
                format!("{}{}", room_label(&room.title, &room.target), origin(room, manifest));
            let steps: Vec<Step> = room.steps().cloned().collect();
            room_block(&mut out, &paint, &heading, &steps, |step| step.reason.clone());
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

/// A pull-request comment: a hidden marker, the summary, a table of actions with destructive
/// ones first, and the full text plan folded in `<details>`, cut to fit with a note saying so.
/// With `--base`, one table per cause and one for what is adopted.
pub fn markdown(plan: &Plan, manifest: &str, portal: &url::Url) -> String {
    let mut out = format!(
        "{}\n### docspace-rooms plan for `{}`\n\n**{}**\n",
        comment_marker(portal),
        md(manifest),
        plan.summary()
    );
    if plan.is_empty() && plan.adopted.as_ref().is_none_or(Vec::is_empty) {
        return out;
    }
    let details = text(plan, manifest, false);
    let reserve = details.len().min(MARKDOWN_BUDGET / 2);
    if plan.adopted.is_some() {
        super::compare_render::markdown(&mut out, plan, reserve);
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
pub fn comment_marker(portal: &url::Url) -> String {
    format!("<!-- docspace-rooms plan: {portal} -->")
}

/// Table rows for these rooms' steps: rooms that lose something first (deletes, then
/// archives, then member removals), each room's steps together and in order.
pub(super) fn rows<'a>(rooms: impl Iterator<Item = (&'a RoomPlan, Vec<Step>)>) -> Vec<String> {
    let mut rooms: Vec<(&RoomPlan, Vec<Step>)> = rooms.collect();
    rooms.sort_by_key(|(room, _)| destruction_rank(room));
    rooms
        .iter()
        .flat_map(|(room, steps)| {
            let label = room_label(&room.title, &room.target);
            steps
                .iter()
                .map(move |step| row(mark(&step.action), &label, &step.action, &step.reason))
        })
        .collect()
}

/// One table row: mark, room, action and why.
pub(super) fn row(mark: char, room: &str, action: &Action, why: &str) -> String {
    format!("| `{mark}` | {} | {} | {} |\n", md(room), md(&describe(action)), md(why))
}

/// The table under `header` with as many rows as fit the comment (keeping `reserve` for what follows), and a
/// note saying how many were left out.
pub(super) fn table(out: &mut String, header: &str, rows: &[String], reserve: usize) {
    let _ = write!(out, "\n{header}\n|---|---|---|---|\n");
    let mut shown = 0;
    for row in rows {
        if out.len() + row.len() + reserve > MARKDOWN_BUDGET {
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
pub(super) fn md(text: &str) -> String {
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
