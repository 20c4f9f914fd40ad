//! The manifest checked as a whole: every problem is collected, none stops the others.

use super::raw::{RawManifest, RawMember, RawRoom};
use super::report::{Report, line_of};
use super::spec::{
    DEFAULT_MAX_DESTROY_PERCENT, DEFAULT_MAX_MEMBER_REMOVALS, DesiredState, FolderSpec, Manifest,
    ManifestError, MemberSpec, RoomSpec, Warning,
};
use super::syntax::{closest, shorten};
use super::templates::{self, MergedRoom, Templates};
use crate::docspace::{Access, MAX_TAG_UNITS, MAX_TITLE_UNITS, stored_title, tag_key, utf16_len};
use crate::model::Member;
use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

/// Longest email address the portal accepts (`EmailInvitationDto`).
const MAX_EMAIL_CHARS: usize = 255;

// Absorbing needs the templates, so it stays here rather than in the leaf `report`.
impl Report {
    /// Takes a room's own report; what is about a line of its template also names the room,
    /// since the same template line may be fine for one room and wrong for another.
    fn absorb(
        &mut self,
        own: Report,
        templates: &Templates,
        name: &str,
        title: &str,
        room_line: usize,
    ) {
        let Some(template) = templates.by_name.get(name) else {
            self.problems.extend(own.problems);
            self.warnings.extend(own.warnings);
            return;
        };
        let in_template = |line: usize| (template.line..=template.last_line).contains(&line);
        let note = format!(
            " (in template `{}`, for room `{}` at line {room_line})",
            shorten(name),
            shorten(title)
        );
        for mut problem in own.problems {
            if in_template(problem.line) {
                problem.message.push_str(&note);
            }
            self.problems.push(problem);
        }
        // A warning about a template's value is the same for every room: said once (the
        // duplicates are dropped when the report is sorted).
        self.warnings.extend(own.warnings);
    }
}

/// The `rooms` list, each room checked and converted as soon as it is read, so that only one
/// spanned raw room exists at a time (a spanned value carries two locations of about 100
/// bytes: keeping them all roughly tripled the memory a large manifest needed).
#[derive(Debug, Default)]
pub(super) struct CheckedRooms {
    rooms: Vec<RoomSpec>,
    /// Each room's title line and its `id` with its line, for the checks across rooms.
    lines: Vec<(usize, Option<(u64, usize)>)>,
    report: Report,
    /// The templates some room names.
    used_templates: BTreeSet<String>,
}

/// A room's `template` must name one; the closest name is suggested.
fn check_template_name(templates: &Templates, name: &str, line: usize, checked: &mut CheckedRooms) {
    if templates.by_name.contains_key(name) {
        checked.used_templates.insert(name.to_owned());
        return;
    }
    let mut message = format!("unknown template `{}`", shorten(name));
    let names = templates.names();
    match closest(name, &names) {
        Some(best) => message.push_str(&format!("; did you mean `{best}`?")),
        None if names.is_empty() => message.push_str("; the manifest has no `templates`"),
        None => message.push_str(&format!(
            "; templates: {}",
            names.iter().map(|n| format!("`{}`", shorten(n))).collect::<Vec<_>>().join(", ")
        )),
    }
    checked.report.problem(line, message);
}

impl<'de> Deserialize<'de> for CheckedRooms {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RoomsVisitor;

        impl<'de> Visitor<'de> for RoomsVisitor {
            type Value = CheckedRooms;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence of rooms")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CheckedRooms, A::Error> {
                let mut checked = CheckedRooms::default();
                let templates = templates::current();
                while let Some(merged) = seq.next_element::<Spanned<MergedRoom>>()? {
                    let MergedRoom { room, template } = merged.value;
                    let room = Spanned::new(room, merged.referenced, merged.defined);
                    checked.lines.push((
                        line_of(&room.value.title),
                        room.value.id.as_ref().map(|id| (id.value, line_of(id))),
                    ));
                    let spec = match template {
                        None => check_room(&room, &mut checked.report),
                        Some((name, name_line)) => {
                            let mut own = Report::default();
                            let spec = check_room(&room, &mut own);
                            let title = &room.value.title.value;
                            checked.report.absorb(own, &templates, &name, title, line_of(&room));
                            check_template_name(&templates, &name, name_line, &mut checked);
                            spec
                        }
                    };
                    checked.rooms.push(spec);
                }
                Ok(checked)
            }
        }

        deserializer.deserialize_seq(RoomsVisitor)
    }
}

pub(super) fn validate(
    path: &Path,
    raw: RawManifest<CheckedRooms>,
) -> Result<(Manifest, Vec<Warning>), ManifestError> {
    // The rooms were checked as they were read; the rest of the report follows theirs (it is
    // sorted by line at the end).
    let CheckedRooms { rooms, lines, mut report, used_templates } = raw.rooms;

    for (name, template) in &templates::current().by_name {
        if !used_templates.contains(name) {
            report.warn(
                template.line,
                format!("template `{}` is not used by any room", shorten(name)),
            );
        }
    }

    for pattern in &raw.ignore {
        if pattern.value.trim().is_empty() {
            report.problem(line_of(pattern), "empty `ignore` pattern".to_owned());
        }
    }
    let max_destroy_percent = match &raw.max_destroy_percent {
        None => DEFAULT_MAX_DESTROY_PERCENT,
        Some(percent) => match u8::try_from(percent.value) {
            Ok(value) if value <= 100 => value,
            _ => {
                report.problem(
                    line_of(percent),
                    format!("`max_destroy_percent` is {}; it must be from 0 to 100", percent.value),
                );
                DEFAULT_MAX_DESTROY_PERCENT
            }
        },
    };

    check_across_rooms(&lines, &rooms, &mut report);
    super::links::check_password_variables(&raw.password_env_allow, &rooms, &mut report);

    if !report.problems.is_empty() {
        report.problems.sort_by_key(|p| p.line);
        return Err(ManifestError::Invalid { path: path.to_path_buf(), problems: report.problems });
    }
    report.warnings.sort();
    report.warnings.dedup();
    let warnings = report
        .warnings
        .into_iter()
        .map(|(line, message)| Warning { path: path.to_path_buf(), line, message })
        .collect();
    let manifest = Manifest {
        source: path.to_path_buf(),
        rooms,
        prune: raw.prune,
        ignore: raw.ignore.into_iter().map(|p| p.value).collect(),
        max_destroy_percent,
        max_member_removals: raw.max_member_removals.unwrap_or(DEFAULT_MAX_MEMBER_REMOVALS),
    };
    Ok((manifest, warnings))
}

/// The title's own problems: empty, control characters, too long; and a warning when the
/// portal will store it differently.
fn check_title(title: &str, stored: &str, title_line: usize, report: &mut Report) {
    if stored.is_empty() {
        report.problem(title_line, "empty title".to_owned());
    } else {
        if let Some(c) = title.chars().find(|c| c.is_control() && *c != '\t') {
            report.problem(
                title_line,
                format!(
                    "title `{}` contains the control character U+{:04X}",
                    shorten(title),
                    c as u32
                ),
            );
        }
        let units = utf16_len(title);
        if units > MAX_TITLE_UNITS {
            report.problem(
                title_line,
                format!(
                    "title `{}` is {units} UTF-16 units long; the portal allows at most {MAX_TITLE_UNITS}",
                    shorten(title)
                ),
            );
        }
        if stored != title {
            report.warn(
                title_line,
                format!("title `{}` will be stored as `{}`", shorten(title), shorten(stored)),
            );
        }
    }
}

/// The earlier titles, in stored form, with their problems.
fn check_renamed_from(
    renamed: &[Spanned<String>],
    stored: &str,
    report: &mut Report,
) -> Vec<String> {
    let mut renamed_from = Vec::with_capacity(renamed.len());
    let mut seen_old: HashMap<String, usize> = HashMap::new();
    for old in renamed {
        let old_line = line_of(old);
        let old_stored = stored_title(&old.value);
        if old_stored.is_empty() {
            report.problem(old_line, "empty `renamed_from` title".to_owned());
            continue;
        }
        if old_stored != old.value {
            report.warn(
                old_line,
                format!(
                    "`renamed_from` title `{}` will be compared as `{}`",
                    shorten(&old.value),
                    shorten(&old_stored)
                ),
            );
        }
        if old_stored == stored {
            report.problem(
                old_line,
                format!("`renamed_from` lists the room's own title `{}`", shorten(&old.value)),
            );
        } else if let Some(first) = seen_old.get(&old_stored) {
            report.problem(
                old_line,
                format!(
                    "`renamed_from` title `{}` is also listed at line {first}",
                    shorten(&old.value)
                ),
            );
        } else {
            seen_old.insert(old_stored.clone(), old_line);
        }
        renamed_from.push(old_stored);
    }

    renamed_from
}

/// Checks one room on its own and converts it.
fn check_room(spanned: &Spanned<RawRoom>, report: &mut Report) -> RoomSpec {
    let room = &spanned.value;
    let line = line_of(spanned);
    let title = &room.title.value;
    let title_line = line_of(&room.title);
    let stored = stored_title(title);

    check_title(title, &stored, title_line, report);

    if let Some(id) = &room.id
        && id.value == 0
    {
        report.problem(line_of(id), "`id` must be a positive integer".to_owned());
    }

    // A room without `type` is fine while it exists on the portal; whether it must be created
    // depends on the portal, so the planner refuses a create without a type.

    if room.protect && room.state == DesiredState::Deleted {
        report.problem(
            line,
            format!("room `{}` has `protect: true` and `state: deleted`", shorten(title)),
        );
    }

    if let Some(tags) = &room.tags {
        check_tags(tags, report);
    }

    let renamed_from = check_renamed_from(&room.renamed_from, &stored, report);

    let settings = super::settings::check_settings(room, line, report);

    let members = room.members.as_ref().map(|members| check_members(room, members, report));
    let folders = room_folders(room, report);
    if room.members.is_none() {
        if let Some(policy) = &room.members_policy {
            report.warn(
                line_of(policy),
                "`members_policy` has no effect without `members`".to_owned(),
            );
        }
        if let Some(notify) = &room.notify {
            report.warn(line_of(notify), "`notify` has no effect without `members`".to_owned());
        }
    }
    let links = room.links.as_ref().map(|links| {
        super::links::check_links(
            room.room_type,
            &links.value,
            line_of(links),
            crate::time::now(),
            report,
        )
    });
    if room.links.is_none()
        && let Some(policy) = &room.links_policy
    {
        report.warn(line_of(policy), "`links_policy` has no effect without `links`".to_owned());
    }
    if room.state == DesiredState::Deleted {
        let ignored = match (room.tags.is_some(), room.members.is_some()) {
            (true, true) => Some("`tags` and `members` are"),
            (true, false) => Some("`tags` are"),
            (false, true) => Some("`members` are"),
            (false, false) => None,
        };
        if let Some(ignored) = ignored {
            report.warn(
                line,
                format!("room `{}` is to be deleted; its {ignored} ignored", shorten(title)),
            );
        }
    }

    RoomSpec {
        title: title.clone(),
        stored_title: stored,
        line,
        id: room.id.as_ref().map(|id| id.value),
        room_type: room.room_type,
        state: room.state,
        tags: room.tags.as_ref().map(|tags| tags.iter().map(|t| t.value.clone()).collect()),
        renamed_from,
        protect: room.protect,
        members,
        members_policy: room.members_policy.as_ref().map(|p| p.value).unwrap_or_default(),
        notify: room.notify.as_ref().is_some_and(|n| n.value),
        folders,
        folders_policy: room.folders_policy.as_ref().map(|p| p.value).unwrap_or_default(),
        links,
        links_policy: room.links_policy.as_ref().map(|p| p.value).unwrap_or_default(),
        settings,
    }
}

/// The room's folders checked (see `folders`), and the settings that need them.
fn room_folders(room: &RawRoom, report: &mut Report) -> Option<Vec<FolderSpec>> {
    if room.folders.is_none()
        && let Some(policy) = &room.folders_policy
    {
        report.warn(line_of(policy), "`folders_policy` has no effect without `folders`".to_owned());
    }
    let entries = room.folders.as_ref()?;
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let specs = super::folders::check_folders(
        room.room_type,
        entries,
        line_of,
        &mut problems,
        &mut warnings,
    );
    for (line, message) in problems {
        report.problem(line, message);
    }
    for (line, message) in warnings {
        report.warn(line, message);
    }
    if room.state == DesiredState::Deleted {
        report.warn(
            line_of(&room.title),
            format!(
                "room `{}` is to be deleted; its `folders` are ignored",
                shorten(&room.title.value)
            ),
        );
    }
    Some(specs)
}

/// Why a manifest cannot hold the tag `name` (empty, too long, beyond U+FFFF, a control
/// character), each problem once; empty when it can. `export` leaves a room's tags out for it.
pub(crate) fn tag_problems(name: &str) -> Vec<String> {
    if name.trim().is_empty() {
        return vec!["empty tag".to_owned()];
    }
    let mut problems = Vec::new();
    let units = utf16_len(name);
    if units > MAX_TAG_UNITS {
        problems.push(format!(
            "tag `{}` is {units} UTF-16 units long; the portal allows at most {MAX_TAG_UNITS}",
            shorten(name)
        ));
    }
    if name.chars().any(|c| c.len_utf16() == 2) {
        problems.push(format!(
            "tag `{}` contains an emoji or another character beyond U+FFFF, which the portal rejects",
            shorten(name)
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        problems.push(format!(
            "tag `{}` contains the control character U+{:04X}",
            shorten(name),
            c as u32
        ));
    }
    problems
}

fn check_tags(tags: &[Spanned<String>], report: &mut Report) {
    let mut seen: HashMap<String, (usize, &str)> = HashMap::new();
    for tag in tags {
        let tag_line = line_of(tag);
        let name = tag.value.as_str();
        for problem in tag_problems(name) {
            report.problem(tag_line, problem);
        }
        if name.trim().is_empty() {
            continue;
        }
        if name.trim() != name {
            report
                .warn(tag_line, format!("tag `{}` has leading or trailing spaces", shorten(name)));
        }
        match seen.get(&tag_key(name)) {
            Some((first_line, first)) if *first == name => report.problem(
                tag_line,
                format!("tag `{}` is also listed at line {first_line}", shorten(name)),
            ),
            Some((first_line, first)) => report.problem(
                tag_line,
                format!(
                    "tag `{}` duplicates `{}` at line {first_line} (tags ignore case)",
                    shorten(name),
                    shorten(first)
                ),
            ),
            None => {
                seen.insert(tag_key(name), (tag_line, name));
            }
        }
    }
}

fn check_members(
    room: &RawRoom,
    members: &[Spanned<RawMember>],
    report: &mut Report,
) -> Vec<MemberSpec> {
    let room_type = room.room_type;
    let mut seen: HashMap<(bool, String), usize> = HashMap::new();
    let mut specs = Vec::with_capacity(members.len());
    for spanned in members {
        let member = &spanned.value;
        let line = line_of(spanned);
        let access = member.access.value;
        let access_line = line_of(&member.access);
        let subject = match (&member.user, &member.group) {
            (Some(_), Some(_)) => {
                report.problem(line, "a member has either `user` or `group`, not both".to_owned());
                continue;
            }
            (None, None) => {
                report.problem(
                    line,
                    "a member needs `user` (an email address) or `group` (a name)".to_owned(),
                );
                continue;
            }
            (Some(user), None) => {
                if !is_email(&user.value) {
                    report.problem(
                        line_of(user),
                        format!("`{}` is not an email address", shorten(&user.value)),
                    );
                }
                Member::User(user.value.clone())
            }
            (None, Some(group)) => {
                if group.value.trim().is_empty() {
                    report.problem(line_of(group), "empty group name".to_owned());
                }
                if let Some(invite) = &member.invite
                    && invite.value
                {
                    report.problem(
                        line_of(invite),
                        "`invite` applies to users only, not groups".to_owned(),
                    );
                }
                if access == Access::RoomManager {
                    report.problem(access_line, "a group cannot be `room-manager`".to_owned());
                }
                Member::Group(group.value.clone())
            }
        };

        if let Some(room_type) = room_type
            && !room_type.allowed_access().contains(&access)
        {
            let allowed: Vec<String> = room_type
                .allowed_access()
                .iter()
                .filter(|a| !(subject.is_group() && **a == Access::RoomManager))
                .map(|a| format!("`{a}`"))
                .collect();
            report.problem(
                access_line,
                format!(
                    "access `{access}` is not allowed in a `{room_type}` room; allowed: {}",
                    allowed.join(", ")
                ),
            );
        }

        let key = (subject.is_group(), subject.key());
        if let Some(first) = seen.get(&key) {
            report.problem(
                line,
                format!("{} is also listed at line {first}", describe_subject(&subject)),
            );
        } else {
            seen.insert(key, line);
        }

        specs.push(MemberSpec {
            subject,
            access,
            invite: member.invite.as_ref().is_some_and(|i| i.value),
            line,
        });
    }
    specs
}

fn describe_subject(subject: &Member) -> String {
    match subject {
        Member::User(email) => format!("user `{}`", shorten(email)),
        Member::Group(name) => format!("group `{}`", shorten(name)),
    }
}

/// Checks that need every room: duplicate titles and ids. Titles may repeat when `id` tells the
/// rooms apart (a portal allows duplicate titles, and `export` pins them). Whether a
/// `renamed_from` title leads to the right portal room (it may also be another entry's title
/// when ids tell the rooms apart) depends on the portal, so the planner decides that.
fn check_across_rooms(
    lines: &[(usize, Option<(u64, usize)>)],
    rooms: &[RoomSpec],
    report: &mut Report,
) {
    let mut titles: HashMap<&str, (usize, &str)> = HashMap::new();
    let mut ids: HashMap<u64, usize> = HashMap::new();
    let mut unpinned: HashMap<&str, usize> = HashMap::new();
    for room in rooms.iter().filter(|room| room.id.is_none()) {
        *unpinned.entry(room.stored_title.as_str()).or_default() += 1;
    }
    for (&(title_line, id), room) in lines.iter().zip(rooms) {
        let pinned_apart = !unpinned.contains_key(room.stored_title.as_str());
        if !room.stored_title.is_empty() && !pinned_apart {
            match titles.get(room.stored_title.as_str()) {
                Some((first_line, first)) if *first == room.title => report.problem(
                    title_line,
                    format!("title `{}` is also used at line {first_line}", shorten(&room.title)),
                ),
                Some((first_line, first)) => report.problem(
                    title_line,
                    format!(
                        "title `{}` and the title `{}` at line {first_line} are both stored as `{}`",
                        shorten(&room.title),
                        shorten(first),
                        shorten(&room.stored_title)
                    ),
                ),
                None => {
                    titles.insert(&room.stored_title, (title_line, &room.title));
                }
            }
        }
        if let Some((id, id_line)) = id
            && id != 0
        {
            match ids.get(&id) {
                Some(first) => {
                    report.problem(id_line, format!("id {id} is also used at line {first}"));
                }
                None => {
                    ids.insert(id, id_line);
                }
            }
        }
    }
}

/// A syntactically plausible email address: `local@domain.tld`, as the portal's
/// `[EmailAddress]` and mail servers would take it (unquoted local parts only).
pub(super) fn is_email(text: &str) -> bool {
    if text.chars().count() > MAX_EMAIL_CHARS {
        return false;
    }
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()));
    local_ok && domain_ok
}
