//! A manifest written back as YAML, for `export`: written by hand so that the layout is stable
//! (rooms sorted by title, keys in a fixed order, defaults left out) and every string is quoted
//! exactly when YAML would otherwise read it as something else.

use super::{
    DEFAULT_MAX_DESTROY_PERCENT, DEFAULT_MAX_MEMBER_REMOVALS, Manifest, RoomSpec, Subject,
};
use std::fmt::Write as _;

/// `manifest` as a YAML document that [`super::parse`] reads back to the same rooms and settings
/// (rooms sorted by title; `source` and the line numbers are not part of it). Each line of
/// `header` becomes a comment at the top (a `# ` is added where missing); `prune` is always
/// written, other settings and room fields only when they differ from their defaults.
pub fn to_yaml(manifest: &Manifest, header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        let line = line.trim_end();
        if line.starts_with('#') {
            out.push_str(line);
        } else if line.is_empty() {
            out.push('#');
        } else {
            out.push_str("# ");
            out.push_str(line);
        }
        out.push('\n');
    }

    let _ = writeln!(out, "prune: {}", manifest.prune);
    if !manifest.ignore.is_empty() {
        let _ = writeln!(out, "ignore: {}", flow_list(&manifest.ignore));
    }
    if manifest.max_destroy_percent != DEFAULT_MAX_DESTROY_PERCENT {
        let _ = writeln!(out, "max_destroy_percent: {}", manifest.max_destroy_percent);
    }
    if manifest.max_member_removals != DEFAULT_MAX_MEMBER_REMOVALS {
        let _ = writeln!(out, "max_member_removals: {}", manifest.max_member_removals);
    }

    let mut rooms: Vec<&RoomSpec> = manifest.rooms.iter().collect();
    rooms.sort_by(|a, b| {
        (a.stored_title.as_str(), a.title.as_str(), a.id).cmp(&(
            b.stored_title.as_str(),
            b.title.as_str(),
            b.id,
        ))
    });
    if rooms.is_empty() {
        out.push_str("rooms: []\n");
        return out;
    }
    out.push_str("rooms:\n");
    for room in rooms {
        write_room(&mut out, room);
    }
    out
}

fn write_room(out: &mut String, room: &RoomSpec) {
    let _ = writeln!(out, "  - title: {}", scalar(&room.title));
    if let Some(id) = room.id {
        let _ = writeln!(out, "    id: {id}");
    }
    if let Some(room_type) = room.room_type {
        let _ = writeln!(out, "    type: {room_type}");
    }
    if room.state != super::DesiredState::Active {
        let _ = writeln!(out, "    state: {}", room.state);
    }
    if room.protect {
        out.push_str("    protect: true\n");
    }
    if let Some(tags) = &room.tags {
        let _ = writeln!(out, "    tags: {}", flow_list(tags));
    }
    if !room.renamed_from.is_empty() {
        let _ = writeln!(out, "    renamed_from: {}", flow_list(&room.renamed_from));
    }
    if room.members_policy != super::MembersPolicy::Exact {
        let _ = writeln!(out, "    members_policy: {}", room.members_policy);
    }
    if room.notify {
        out.push_str("    notify: true\n");
    }
    let Some(members) = &room.members else { return };
    if members.is_empty() {
        out.push_str("    members: []\n");
        return;
    }
    out.push_str("    members:\n");
    for member in members {
        match &member.subject {
            Subject::User(email) => writeln!(out, "      - user: {}", scalar(email)),
            Subject::Group(name) => writeln!(out, "      - group: {}", scalar(name)),
        }
        .ok();
        let _ = writeln!(out, "        access: {}", member.access);
        if member.invite {
            out.push_str("        invite: true\n");
        }
    }
}

fn flow_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| scalar(i)).collect();
    format!("[{}]", items.join(", "))
}

/// `text` as a YAML scalar that reads back as this exact string: plain when that is safe in
/// block and flow context alike, double-quoted otherwise.
pub(super) fn scalar(text: &str) -> String {
    if is_plain_safe(text) { text.to_owned() } else { double_quoted(text) }
}

fn is_plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if text.trim() != text {
        return false;
    }
    // Indicators that may not start a plain scalar (`-`, `?`, `:` followed by a space are
    // allowed by YAML, but quoting them costs nothing).
    if "-?:,[]{}#&*!|>'\"%@`~".contains(first) {
        return false;
    }
    // Only printable characters other than the flow indicators; no `:` (which needs care in flow lists) or ` #`.
    let printable = text
        .chars()
        .all(|c| !c.is_control() && !matches!(c, ',' | '[' | ']' | '{' | '}') && !needs_escape(c));
    if !printable || text.contains(':') || text.contains(" #") {
        return false;
    }
    !looks_like_non_string(text)
}

/// Plain scalars YAML 1.1 or 1.2 may resolve to null, a boolean or a number.
fn looks_like_non_string(text: &str) -> bool {
    let lower = text.to_lowercase();
    if matches!(
        lower.as_str(),
        "null"
            | "~"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
    ) {
        return true;
    }
    // Anything that starts like a number (`12`, `-3`, `.5`, `0x1F`, `1_000`, `1e3`, `12:30`)
    // is quoted: cheaper than deciding exactly which of them YAML would call a number.
    let mut chars = lower.chars();
    let first = chars.next().unwrap_or(' ');
    let second = chars.next().unwrap_or(' ');
    first.is_ascii_digit()
        || (matches!(first, '+' | '-' | '.') && (second.is_ascii_digit() || second == '.'))
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters YAML cannot hold literally (or that readers treat specially): write them escaped.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}')
}
