//! The parts both renderings of a plan are made of: marks, step descriptions, room labels and
//! blocks, table rows. A leaf: the text and markdown of [`super`] and the `--base` sections of
//! [`super::sections`] share them.

use crate::plan::model::{Action, LinkChange, MemberChange, Plan, RoomPlan, Step, Target};
use crate::text::escape;
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

/// The mark for a step in the room `target` names: `+` create, `~` change, `>` archive, `<`
/// unarchive, `-` delete (a link removed is marked like a delete: whoever holds it loses
/// access; so is a lifetime that may remove files an existing room keeps).
pub(crate) fn mark(action: &Action, target: &Target) -> char {
    match action {
        Action::Create { .. } | Action::CreateFolder { .. } => '+',
        Action::SetLink { link } if link.before.is_none() => '+',
        Action::SetSettings { .. } if action.takes_away(target) => '-',
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
fn room_mark<'a>(steps: impl IntoIterator<Item = &'a Step>, target: &Target) -> char {
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
            _ => mark(&s.action, target),
        })
        .collect();
    RANK.into_iter().find(|m| marks.contains(m)).unwrap_or('~')
}

/// One line describing a step, without its mark.
pub(crate) fn describe(action: &Action) -> String {
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
        Action::SetMembers { changes, notify, .. } => {
            let list: Vec<String> = changes.iter().map(member_change).collect();
            let mail = if *notify { ", notifying them by email" } else { "" };
            format!("members: {}{mail}", list.join("; "))
        }
        Action::SetLink { link } => link_change(link),
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
pub(crate) fn member_change(change: &MemberChange) -> String {
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
pub(crate) struct Paint(pub(crate) bool);

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
pub(crate) fn origin(room: &RoomPlan, manifest: &str) -> String {
    room.line
        .map_or_else(|| "  (not in the manifest)".into(), |line| format!("  ({manifest}:{line})"))
}

/// A room's block: its mark and label, then one line per step with `# comment`.
pub(crate) fn room_block(
    out: &mut String,
    paint: &Paint,
    (heading, target): (&str, &Target),
    steps: &[Step],
    comment: impl Fn(&Step) -> String,
) {
    let _ = writeln!(out, "{} {heading}", paint.mark(room_mark(steps, target)));
    for step in steps {
        let _ = writeln!(
            out,
            "    {} {}  # {}",
            paint.mark(mark(&step.action, target)),
            describe(&step.action),
            comment(step)
        );
    }
    out.push('\n');
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
pub(crate) const MARKDOWN_BUDGET: usize = 60_000;

/// Table rows for these rooms' steps: rooms that lose something first (deletes, then
/// archives, then member removals), each room's steps together and in order.
pub(crate) fn rows<'a>(rooms: impl Iterator<Item = (&'a RoomPlan, Vec<Step>)>) -> Vec<String> {
    let mut rooms: Vec<(&RoomPlan, Vec<Step>)> = rooms.collect();
    rooms.sort_by_key(|(room, _)| destruction_rank(room));
    rooms
        .iter()
        .flat_map(|(room, steps)| {
            let label = room_label(&room.title, &room.target);
            steps.iter().map(move |step| {
                row(mark(&step.action, &room.target), &label, &step.action, &step.reason)
            })
        })
        .collect()
}

/// One table row: mark, room, action and why.
pub(crate) fn row(mark: char, room: &str, action: &Action, why: &str) -> String {
    format!("| `{mark}` | {} | {} | {} |\n", md(room), md(&describe(action)), md(why))
}

/// The table under `header` with as many rows as fit the comment (keeping `reserve` for what follows), and a
/// note saying how many were left out.
pub(crate) fn table(out: &mut String, header: &str, rows: &[String], reserve: usize) {
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
    } else if room.edits.iter().any(|step| step.action.takes_away(&room.target)) {
        2
    } else {
        3
    }
}

/// Escapes text for a Markdown table cell, and keeps the code host from acting on what portal
/// users wrote: an invisible word joiner (U+2060) after `@`, `#`, `!` and `&`, inside `gh-N`,
/// `www.` and `://` stops mentions (`@octocat`, `@org/team`), references (`#12`, `GH-4`, GitLab's
/// `!3` and `&5`) and bare links, none of which a backslash stops. A reader sees the text as it is.
pub(crate) fn md(text: &str) -> String {
    const JOINER: char = '\u{2060}';
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &ch) in chars.iter().enumerate() {
        match ch {
            '|' | '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '#' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
        let (before, after) = (&chars[..=i], &chars[i + 1..]);
        let ends = |word: &str| {
            before.len() >= word.len()
                && before[before.len() - word.len()..]
                    .iter()
                    .zip(word.chars())
                    .all(|(a, b)| a.eq_ignore_ascii_case(&b))
        };
        let defused = match ch {
            '@' | '#' | '!' | '&' => true,
            '-' => ends("gh-") && after.first().is_some_and(char::is_ascii_digit),
            'w' | 'W' => ends("www") && after.first() == Some(&'.'),
            ':' => after.starts_with(&['/', '/']),
            _ => false,
        };
        if defused {
            out.push(JOINER);
        }
    }
    out
}

/// `text` as a Markdown code span: shown exactly as it is, since a backslash escapes nothing
/// inside one (`md` would show `rooms\_prod.yaml`), and a code host links no mention or
/// reference there. The fence is one backtick longer than any run of them in `text`, padded
/// with a space where `text` starts or ends with one, or with a space at both ends; line breaks
/// become spaces.
pub(crate) fn md_code(text: &str) -> String {
    let text: String =
        text.chars().map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c }).collect();
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A span's one space at each end is stripped when both are there (and the text is not
    // all spaces): the padding is then the stripped one.
    let spaced = text.starts_with(' ') && text.ends_with(' ') && text.trim() != "";
    let pad = if text.starts_with('`') || text.ends_with('`') || spaced { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// `+ link "Press" viewer, expires 2027-03-31, password from LINK_PASSWORD_PRESS`; `~ link
/// "Press" expires 2027-03-31 → 2027-06-30`; without the mark. A password is named by its
/// variable, never shown: a reviewer sees which variable a change reads.
fn link_change(change: &LinkChange) -> String {
    let what = if change.primary { "primary link" } else { "link" };
    let name = crate::text::escape(&change.name);
    let after = &change.after;
    let from = |what: &str| match &change.password_env {
        Some(env) => format!("{what} from {}", crate::text::escape(env)),
        None => what.to_owned(),
    };
    let Some(before) = &change.before else {
        let mut parts = vec![crate::docspace::access_name(after.access)];
        if let Some(expires) = after.expires {
            parts.push(format!("expires {}", crate::time::format_expiry(expires)));
        }
        if after.password.is_some() {
            parts.push(from("password"));
        }
        if after.deny_download {
            parts.push("downloads denied".to_owned());
        }
        if after.internal {
            parts.push("portal users only".to_owned());
        }
        return format!("{what} \"{name}\" {}", parts.join(", "));
    };
    let mut parts = Vec::new();
    if before.title != after.title {
        parts.push(format!(
            "title \"{}\" → \"{}\"",
            crate::text::escape(&before.title),
            crate::text::escape(&after.title)
        ));
    }
    if before.access != after.access {
        parts.push(format!(
            "{} → {}",
            crate::docspace::access_name(before.access),
            crate::docspace::access_name(after.access)
        ));
    }
    if before.expires != after.expires {
        let show =
            |e: Option<i64>| e.map_or_else(|| "never".to_owned(), crate::time::format_expiry);
        parts.push(format!("expires {} → {}", show(before.expires), show(after.expires)));
    }
    match (&before.password, &after.password) {
        (None, Some(_)) => parts.push(from("password set")),
        (Some(_), None) => parts.push("password removed".to_owned()),
        (Some(a), Some(b)) if a != b => parts.push(from("password changed")),
        _ => {}
    }
    if before.deny_download != after.deny_download {
        parts.push(
            if after.deny_download { "downloads denied" } else { "downloads allowed" }.to_owned(),
        );
    }
    if before.internal != after.internal {
        parts.push(
            if after.internal { "portal users only" } else { "anyone with the link" }.to_owned(),
        );
    }
    format!("{what} \"{name}\" {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::{md, md_code};

    /// What a reader sees: the cell without its escapes and word joiners.
    fn seen(cell: &str) -> String {
        let mut out = String::new();
        let mut chars = cell.chars();
        while let Some(ch) = chars.next() {
            match ch {
                '\\' => out.extend(chars.next()),
                '\u{2060}' => {}
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn mentions_references_and_links_are_defused_and_read_the_same() {
        for text in [
            "@octocat and @org/team",
            "see #12, GH-4, gh-5, !3 and &5",
            "www.example.com and https://example.com/x and mail a@b.example",
        ] {
            let cell = md(text);
            for live in ["@o", "#1", "GH-4", "gh-5", "!3", "&5", "www.", "://", "@b"] {
                assert!(!cell.contains(live), "{live:?} is live in {cell:?}");
            }
            assert_eq!(seen(&cell), text);
        }
        // Words that only look like them are left alone, apart from the joiner.
        assert_eq!(md("ugh-x gh- wwwx."), "ugh-x gh- wwwx.");
    }

    #[test]
    fn html_and_table_syntax_stay_text() {
        let text = "--> <!-- docspace-rooms plan: https://elsewhere/ --> | `x` [a](b) \\ *_";
        let cell = md(text);
        assert!(!cell.replace("\\<", "").contains("<!"), "{cell}");
        assert!(!cell.replace("\\>", "").contains("->"), "{cell}");
        assert!(!cell.replace("\\|", "").contains('|'), "{cell}");
        assert_eq!(seen(&cell), text);
        assert_eq!(md("a\nb\rc"), "a b c");
    }

    #[test]
    fn a_code_span_shows_its_text_as_it_is() {
        assert_eq!(md_code("plans/rooms_prod.yaml"), "`plans/rooms_prod.yaml`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("``x"), "``` ``x ```");
        assert_eq!(md_code("a\nb"), "`a b`");
        assert_eq!(md_code(" a.yaml "), "`  a.yaml  `");
        assert_eq!(md_code(" a.yaml"), "` a.yaml`");
    }
}
