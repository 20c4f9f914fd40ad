//! Every refusal rail in one place, as cargo-release keeps its `verify_*` steps together: what
//! a plan may not do without a flag, or at all. The planner runs the selection and the
//! thresholds; `apply` runs the delete check before it asks or writes anything. Each rail is a
//! pure function of the plan (and the manifest it came from) and says everything it refuses at
//! once.

use super::model::{Action, Plan, RoomPlan, Step, Target};
use super::render::room_label;
use crate::docspace::{RoomType, stored_title};
use crate::manifest::Manifest;
use crate::model::{PortalRoom, RoomState};
use crate::text::escape;
use std::collections::{HashMap, HashSet};

/// Choices that narrow or permit a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Only plan rooms with these titles (as written or stored); empty means every room.
    pub targets: Vec<String>,
    /// Leave rooms with these titles out.
    pub excludes: Vec<String>,
    /// Accept a plan over the destruction or member-removal threshold.
    pub force: bool,
    /// Now, as a Unix time: what link expiries are compared with (the planner reads no clock).
    pub now: i64,
}

/// What a rail refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The plan would archive or delete rooms declared `protect: true`.
    #[error("refusing to archive or delete protected room{}: {}", crate::text::plural(.rooms.len()), .rooms.join(", "))]
    Protected {
        /// The protected rooms, quoted.
        rooms: Vec<String>,
    },
    /// The plan archives or deletes more than `max_destroy_percent` of the portal's rooms.
    #[error(
        "refusing to archive or delete {count} of the portal's {total} rooms ({percent}%, over `max_destroy_percent` {limit}%): {}; pass `--force` to accept",
        .rooms.join(", ")
    )]
    TooDestructive {
        /// Rooms the plan archives or deletes.
        count: usize,
        /// Rooms on the portal.
        total: usize,
        /// `count` as a share of `total`.
        percent: usize,
        /// `max_destroy_percent`.
        limit: u8,
        /// The rooms, quoted.
        rooms: Vec<String>,
    },
    /// The plan removes more people from rooms than `max_member_removals`.
    #[error(
        "refusing to remove {count} people from rooms (over `max_member_removals` {limit}): {}; pass `--force` to accept",
        .people.join(", ")
    )]
    TooManyRemovals {
        /// Member removals in the plan.
        count: usize,
        /// `max_member_removals`.
        limit: u32,
        /// Who from which room.
        people: Vec<String>,
    },
    /// A `--target` or `--exclude` title that names no room.
    #[error("no room matches `--{flag} {title}`")]
    UnknownSelection {
        /// `target` or `exclude`.
        flag: &'static str,
        /// The title as given.
        title: String,
    },
    /// The plan deletes something for good (or may), and `--allow-delete` was not given.
    #[error("the plan {0}; pass `--allow-delete` to apply it")]
    NeedsAllowDelete(String),
}

/// Whether `--target` and `--exclude` keep the room with this stored title (a title naming no
/// room is [`select`]'s to refuse).
pub(super) fn selects(options: &PlanOptions, title: &str) -> bool {
    let names = |titles: &[String]| titles.iter().any(|given| stored_title(given) == title);
    (options.targets.is_empty() || names(&options.targets)) && !names(&options.excludes)
}

/// Keeps the rooms `--target` names and drops those `--exclude` names. A title that names no
/// room is an error, so a typo cannot silently plan nothing (or everything).
pub(super) fn select(
    rooms: Vec<RoomPlan>,
    manifest: &Manifest,
    options: &PlanOptions,
) -> Result<Vec<RoomPlan>, Refusal> {
    if options.targets.is_empty() && options.excludes.is_empty() {
        return Ok(rooms);
    }
    let known: HashSet<String> = manifest
        .rooms
        .iter()
        .map(|spec| spec.stored_title.clone())
        .chain(rooms.iter().map(|room| room.title.clone()))
        .collect();
    let normalise = |titles: &[String], flag: &'static str| -> Result<HashSet<String>, Refusal> {
        titles
            .iter()
            .map(|title| {
                let stored = stored_title(title);
                if known.contains(&stored) {
                    Ok(stored)
                } else {
                    Err(Refusal::UnknownSelection { flag, title: title.clone() })
                }
            })
            .collect()
    };
    let targets = normalise(&options.targets, "target")?;
    let excludes = normalise(&options.excludes, "exclude")?;
    Ok(rooms
        .into_iter()
        .filter(|room| targets.is_empty() || targets.contains(&room.title))
        .filter(|room| !excludes.contains(&room.title))
        .collect())
}

/// Refuses a plan that takes a `protect: true` room from active to archived, or deletes it.
pub(super) fn check_protected(
    manifest: &Manifest,
    rooms: &[RoomPlan],
    matches: &[Option<u64>],
) -> Result<(), Refusal> {
    let protected: HashSet<u64> = manifest
        .rooms
        .iter()
        .zip(matches)
        .filter(|(spec, _)| spec.protect)
        .filter_map(|(_, found)| *found)
        .collect();
    let mut named: Vec<String> = rooms
        .iter()
        .filter(|room| matches!(room.target, Target::Existing { id } if protected.contains(&id)))
        .filter(|room| room.change.removes_room())
        .map(|room| format!("`{}`", escape(&room.title)))
        .collect();
    named.sort();
    if named.is_empty() { Ok(()) } else { Err(Refusal::Protected { rooms: named }) }
}

/// The title a step gives its room (a rename's new title, a create's) and how to say so.
fn given_title<'a>(action: &'a Action, target: &Target) -> Option<(&'a str, String)> {
    match (action, target) {
        (Action::Rename { before, after }, Target::Existing { id }) => Some((
            after,
            format!("room `{}` (id {id}) cannot be renamed to `{}`", escape(before), escape(after)),
        )),
        (Action::Create { title, .. }, _) => {
            Some((title, format!("room `{}` cannot be created", escape(title))))
        }
        _ => None,
    }
}

/// Refuses a rename (or a create) into a title another portal room has, in any state, managed
/// or not: the portal keeps both (`FileStorageService.UpdateRoomAsync` checks no uniqueness), and every later plan fails as ambiguous.
/// That room giving the title up in the same plan does not help: rooms are changed
/// concurrently and either change may fail, so it gives the title up in an apply of its own.
/// One problem per step, with its entry's line, naming the other room.
///
/// An AI room to create is refused as well when an AI agent (`agents`) has its title: agents
/// live apart from the rooms (`searchArea=AiAgents`, which `Any` leaves out), so the room would
/// be made in Rooms beside the agent the entry most likely means, two AI entities of one title.
pub(super) fn check_titles(
    rooms: &[RoomPlan],
    portal: &[PortalRoom],
    agents: &[PortalRoom],
) -> Vec<(usize, String)> {
    let mut by_title: HashMap<&str, Vec<&PortalRoom>> = HashMap::new();
    for room in portal {
        by_title.entry(room.title.as_str()).or_default().push(room);
    }
    let planned: HashMap<u64, &RoomPlan> = rooms
        .iter()
        .filter_map(|room| match room.target {
            Target::Existing { id } => Some((id, room)),
            Target::New => None,
        })
        .collect();
    let mut problems = Vec::new();
    for room in rooms {
        let own = match room.target {
            Target::Existing { id } => Some(id),
            Target::New => None,
        };
        for (title, what) in room.steps().filter_map(|step| given_title(&step.action, &room.target))
        {
            let others = by_title.get(title).into_iter().flatten().filter(|r| Some(r.id) != own);
            for other in others {
                let state = if other.state == RoomState::Archived { " (archived)" } else { "" };
                let then = planned.get(&other.id).and_then(|plan| {
                    if plan.change.deletes() {
                        return Some("this plan deletes it too, but rooms are changed at once and either change may fail: delete it in an apply of its own first".to_owned());
                    }
                    plan.edits.iter().find_map(|step| match &step.action {
                        Action::Rename { after, .. } => Some(format!(
                            "this plan renames it to `{after}` too, but rooms are changed at once and either rename may fail: rename it in an apply of its own first"
                        )),
                        _ => None,
                    })
                });
                let then = then.unwrap_or_else(|| {
                    "two rooms of one title would make every later plan ambiguous: rename or delete that room first, or choose another title".to_owned()
                });
                problems.push((
                    room.line.unwrap_or_default(),
                    format!(
                        "{what}: portal room {} \"{}\"{state} has that title; {then}",
                        other.id,
                        escape(&other.title)
                    ),
                ));
            }
        }
        if let Some(Step {
            action: Action::Create { title, room_type: RoomType::Ai, .. }, ..
        }) = room.change.opening()
        {
            for agent in agents.iter().filter(|agent| agent.title == *title) {
                problems.push((
                    room.line.unwrap_or_default(),
                    format!(
                        "room `{title}` cannot be created: AI agent {} \"{}\" has that title; this tool manages rooms, not agents, and would make an AI room in Rooms beside it: rename the entry, or the agent",
                        agent.id,
                        crate::text::escape(&agent.title)
                    ),
                ));
            }
        }
    }
    problems
}

/// Refuses a plan that archives or deletes more than `max_destroy_percent` of the portal's
/// rooms, when that is at least three rooms, unless forced.
pub(super) fn check_destruction(
    manifest: &Manifest,
    rooms: &[RoomPlan],
    total: usize,
    force: bool,
) -> Result<(), Refusal> {
    let destroyed: Vec<&RoomPlan> =
        rooms.iter().filter(|room| room.change.removes_room()).collect();
    let count = destroyed.len();
    let limit = manifest.max_destroy_percent;
    if force || count < 3 || total == 0 || count * 100 <= total * usize::from(limit) {
        return Ok(());
    }
    let mut names: Vec<String> =
        destroyed.iter().map(|room| format!("`{}`", escape(&room.title))).collect();
    names.sort();
    Err(Refusal::TooDestructive { count, total, percent: count * 100 / total, limit, rooms: names })
}

/// Refuses a plan that removes more than `max_member_removals` people from rooms, unless forced.
pub(super) fn check_member_removals(
    manifest: &Manifest,
    rooms: &[RoomPlan],
    force: bool,
) -> Result<(), Refusal> {
    let mut removed: Vec<String> = rooms
        .iter()
        .flat_map(|room| room.edits.iter().map(move |step| (room, step)))
        .filter_map(|(room, step)| match &step.action {
            Action::SetMembers { changes, .. } => Some((room, changes)),
            _ => None,
        })
        .flat_map(|(room, changes)| {
            changes.iter().filter(|c| c.after.is_none()).map(move |c| {
                format!("`{}` from `{}`", escape(&c.member.to_string()), escape(&room.title))
            })
        })
        .collect();
    let limit = manifest.max_member_removals;
    if force || removed.len() <= limit as usize {
        return Ok(());
    }
    removed.sort();
    Err(Refusal::TooManyRemovals { count: removed.len(), limit, people: removed })
}

/// Deleting a room on DocSpace is permanent: a plan with a delete needs `--allow-delete`, and
/// so does one that removes a link (its URL is gone for good: a link declared again gets a new
/// one), moves folders to the trash or gives an existing room a lifetime that may
/// remove files it keeps now: a first one (no lifetime keeps files forever, and the portal
/// trashes every older file about 6 h after the write), one that may be shorter, or one that
/// deletes permanently (`Settings::removes_files`). A room the plan creates has no files.
pub(crate) fn check_deletes(plan: &Plan, allowed: bool) -> Result<(), Refusal> {
    if allowed {
        return Ok(());
    }
    let lifetimes: Vec<String> = plan
        .destructive_settings()
        .into_iter()
        .map(|room| room_label(&room.title, &room.target))
        .collect();
    if !lifetimes.is_empty() {
        return Err(Refusal::NeedsAllowDelete(format!(
            "sets a lifetime that removes files the room keeps now (a first lifetime, a shorter one, or one that deletes permanently) in {} room{} ({})",
            lifetimes.len(),
            crate::text::plural(lifetimes.len()),
            lifetimes.join(", ")
        )));
    }
    let rooms: Vec<String> = plan
        .rooms
        .iter()
        .filter(|room| room.change.deletes())
        .map(|room| room_label(&room.title, &room.target))
        .collect();
    // Folders go to the trash, not away for good, but their deletion is guarded alike. A
    // removed link is gone for good: declared again, a link gets a new URL.
    let inside = |name: &str, room: &RoomPlan| {
        format!("\"{}\" in {}", escape(name), room_label(&room.title, &room.target))
    };
    let folders: Vec<String> = plan
        .trashed_folders()
        .into_iter()
        .map(|(room, path)| inside(&path.join("/"), room))
        .collect();
    let links: Vec<String> = plan
        .steps()
        .filter_map(|(room, step)| match &step.action {
            Action::RemoveLink { name, .. } => Some(inside(name, room)),
            _ => None,
        })
        .collect();
    let parts: Vec<String> = [
        ("deletes", &rooms, "room", "permanently", ""),
        ("moves", &folders, "folder", "to the trash", ""),
        ("removes", &links, "link", "for good", "; declared again, a link gets a new URL"),
    ]
    .into_iter()
    .filter(|(_, items, ..)| !items.is_empty())
    .map(|(verb, items, noun, how, note)| {
        let (n, s, list) = (items.len(), crate::text::plural(items.len()), items.join(", "));
        format!("{verb} {n} {noun}{s} {how} ({list}{note})")
    })
    .collect();
    if parts.is_empty() {
        return Ok(());
    }
    Err(Refusal::NeedsAllowDelete(parts.join(" and ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{StateChange, Step};
    use crate::settings::{Lifetime, Period, Settings, Switch};

    fn room(title: &str, change: StateChange, edits: Vec<Step>) -> RoomPlan {
        RoomPlan {
            title: title.into(),
            target: Target::Existing { id: 3 },
            line: None,
            change,
            edits,
        }
    }

    fn no_lifetime() -> Settings {
        Settings { lifetime: Some(Switch::Off), ..Settings::default() }
    }

    fn plan(rooms: Vec<RoomPlan>) -> Plan {
        Plan {
            rooms,
            unmanaged: 0,
            portal_rooms: 1,
            fingerprints: vec![],
            warnings: vec![],
            adopted: None,
        }
    }

    fn lifetime(days: u16, delete_permanently: bool) -> Settings {
        Settings {
            lifetime: Some(Switch::On(Lifetime {
                value: days,
                period: Period::Days,
                delete_permanently,
            })),
            ..Settings::default()
        }
    }

    fn settings(before: Settings, after: Settings) -> Step {
        Step::new(Action::SetSettings { before: Box::new(before), after: Box::new(after) }, "")
    }

    fn refused(plan: &Plan) -> String {
        check_deletes(plan, false).unwrap_err().to_string()
    }

    #[test]
    fn a_room_delete_needs_allow_delete_and_passes_with_it() {
        let delete = StateChange::Delete { archive: None, delete: Step::new(Action::Delete, "") };
        let plan = plan(vec![room("Old", delete, vec![])]);
        assert_eq!(
            refused(&plan),
            "the plan deletes 1 room permanently (\"Old\" (id 3)); pass `--allow-delete` to apply it"
        );
        assert_eq!(check_deletes(&plan, true), Ok(()));
    }

    #[test]
    fn a_folder_to_the_trash_needs_allow_delete() {
        let trash = Step::new(Action::TrashFolder { path: vec!["Scratch".into()], id: 9 }, "");
        let plan = plan(vec![room("Legal", StateChange::Keep, vec![trash])]);
        assert_eq!(
            refused(&plan),
            "the plan moves 1 folder to the trash (\"Scratch\" in \"Legal\" (id 3)); pass `--allow-delete` to apply it"
        );
    }

    #[test]
    fn a_shorter_or_permanent_lifetime_needs_allow_delete_a_longer_one_does_not() {
        let shorter = settings(lifetime(90, false), lifetime(30, false));
        assert!(refused(&plan(vec![room("R", StateChange::Keep, vec![shorter])])).starts_with(
            "the plan sets a lifetime that removes files the room keeps now (a first lifetime, a shorter one, or one that deletes permanently) in 1 room"
        ));
        let permanent = settings(lifetime(90, false), lifetime(90, true));
        assert!(
            check_deletes(&plan(vec![room("R", StateChange::Keep, vec![permanent])]), false)
                .is_err()
        );
        let longer = settings(lifetime(30, false), lifetime(90, false));
        assert_eq!(
            check_deletes(&plan(vec![room("R", StateChange::Keep, vec![longer])]), false),
            Ok(())
        );
    }

    #[test]
    fn a_first_lifetime_on_an_existing_room_needs_allow_delete() {
        // No lifetime keeps files forever: any lifetime removes some, as does one not known.
        for before in [no_lifetime(), Settings::default()] {
            let first = settings(before, lifetime(999, false));
            let refusal = refused(&plan(vec![room("R", StateChange::Keep, vec![first])]));
            assert!(refusal.contains("in 1 room (\"R\" (id 3))"), "{refusal}");
        }
        // Switching it off removes nothing.
        let off = settings(lifetime(30, true), no_lifetime());
        assert_eq!(
            check_deletes(&plan(vec![room("R", StateChange::Keep, vec![off])]), false),
            Ok(())
        );
    }

    #[test]
    fn a_room_the_plan_creates_has_no_files_to_lose() {
        let create = Step::new(
            Action::Create {
                title: "R".into(),
                room_type: crate::docspace::RoomType::VirtualData,
                tags: vec![],
                settings: Box::default(),
            },
            "",
        );
        let permanent = settings(no_lifetime(), lifetime(1, true));
        let mut new = room("R", StateChange::Create { create, archive: None }, vec![permanent]);
        new.target = Target::New;
        assert_eq!(check_deletes(&plan(vec![new]), false), Ok(()));
    }

    #[test]
    fn another_unit_needs_the_flag_unless_it_is_longer_on_every_date() {
        let of = |value, period| Lifetime { value, period, delete_permanently: false };
        // Three calendar months span 89 to 92 days; a year, 365 or 366.
        assert!(of(91, Period::Days).may_be_shorter_than(of(3, Period::Months)));
        assert!(!of(93, Period::Days).may_be_shorter_than(of(3, Period::Months)));
        assert!(of(12, Period::Months).may_be_shorter_than(of(1, Period::Years)));
        assert!(!of(1, Period::Years).may_be_shorter_than(of(11, Period::Months)));
        assert!(of(30, Period::Days).may_be_shorter_than(of(31, Period::Days)));
        assert!(!of(31, Period::Days).may_be_shorter_than(of(31, Period::Days)));
    }

    #[test]
    fn a_removed_link_needs_allow_delete() {
        let before = crate::plan::model::LinkFields {
            title: "Old \u{1b}partner".into(),
            access: 2,
            expires: None,
            password: None,
            deny_download: false,
            internal: false,
        };
        let remove = Step::new(
            Action::RemoveLink {
                name: "Old \u{1b}partner".into(),
                link_id: "l1".into(),
                before: Box::new(before),
            },
            "",
        );
        let plan = plan(vec![room("Press", StateChange::Keep, vec![remove])]);
        assert_eq!(
            refused(&plan),
            "the plan removes 1 link for good (\"Old \\u{1b}partner\" in \"Press\" (id 3); declared again, a link gets a new URL); pass `--allow-delete` to apply it"
        );
        assert_eq!(check_deletes(&plan, true), Ok(()));
    }

    #[test]
    fn a_plan_that_deletes_nothing_passes_without_the_flag() {
        let archive = StateChange::Archive(Step::new(Action::Archive, ""));
        assert_eq!(check_deletes(&plan(vec![room("R", archive, vec![])]), false), Ok(()));
    }
}
