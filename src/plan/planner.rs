//! The planner: a pure function of the manifest, the portal's rooms and the options.
//!
//! No I/O, no printing, no clock. It resolves which portal room each manifest entry means,
//! decides the steps for each in an order the API accepts (archived rooms are read-only, so
//! they are unarchived around an edit), and applies the safety rails (`protect`, the
//! destruction threshold, `--target`/`--exclude`).

use super::folders;
use super::model::{Action, Plan, RoomPlan, StateChange, Step, Target};
use super::rails::{self, PlanOptions, Refusal};
use super::{links, members};
use crate::docspace::tag_key;
use crate::manifest::{DesiredState, Manifest, Pattern, Prune, RoomSpec};
use crate::model::{PortalRoom, PortalRoomType, PortalState, RoomState};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

/// Why no plan could be made. Every variant lists all its problems at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Entries that cannot be matched or planned (ambiguous titles, unknown people, …).
    #[error("the manifest does not match the portal:\n{}", lines(.problems, .manifest))]
    Conflicts {
        /// The manifest.
        manifest: PathBuf,
        /// Each problem with its manifest line.
        problems: Vec<(usize, String)>,
    },
    /// A rail refused the plan (see [`super::rails`]).
    #[error(transparent)]
    Refused(#[from] Refusal),
}

fn lines(problems: &[(usize, String)], manifest: &std::path::Path) -> String {
    problems
        .iter()
        .map(|(line, message)| format!("  {}:{line}: {message}", manifest.display()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Computes the plan that makes `portal` match `manifest`.
pub fn plan(
    manifest: &Manifest,
    portal: &PortalState,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let by_id: HashMap<u64, &PortalRoom> =
        portal.rooms.iter().map(|room| (room.id, room)).collect();
    let (matches, mut problems) = super::resolve::resolve(manifest, &portal.rooms);
    let claimed: HashSet<u64> = matches.iter().filter_map(|found| found.ok().flatten()).collect();

    let directory = members::Directory::new(portal);
    let mut rooms = Vec::new();
    // Terminated accounts declared as members, with the rooms that declare them.
    let mut terminated: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Undeclared folders left alone because they are not empty.
    let mut folder_warnings: Vec<String> = Vec::new();
    let mut link_warnings: Vec<String> = Vec::new();
    let context = links::LinkContext {
        policy: portal.password_policy.unwrap_or_default(),
        sharing: portal.sharing.as_ref(),
        now: options.now,
    };
    for (spec, found) in manifest.rooms.iter().zip(&matches) {
        let Ok(found) = found else { continue };
        // A room `--target`/`--exclude` leaves out is not planned: its problems (a link that
        // expired since the merge) must not block a change to another room.
        let selected = rails::selects(options, &spec.stored_title);
        let current = found.map(|id| by_id[&id]);
        let mut left_out = Vec::new();
        let folder_steps = match folders::plan_folders(spec, current, portal) {
            Ok(folder_plan) => {
                folder_warnings.extend(folder_plan.warnings);
                folder_plan.steps
            }
            Err(folder_problems) => {
                if selected {
                    problems.extend(folder_problems);
                }
                continue;
            }
        };
        let mut room_warnings = Vec::new();
        let room = Room { spec, current, portal, context: &context };
        let planned = plan_room(&room, &directory, &mut left_out, &mut room_warnings, folder_steps);
        if selected {
            link_warnings.extend(room_warnings);
        }
        for email in left_out {
            terminated.entry(email).or_default().push(format!("`{}`", spec.stored_title));
        }
        match planned {
            Ok(Some(room_plan)) => rooms.push(room_plan),
            Err(room_problems) if selected => problems.extend(room_problems),
            Ok(None) | Err(_) => {}
        }
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(PlanError::Conflicts { manifest: manifest.source.clone(), problems });
    }
    let matches: Vec<Option<u64>> =
        matches.into_iter().map(|found| found.unwrap_or(None)).collect();

    let mut unmanaged = 0;
    let ignored = manifest.ignore_patterns();
    for room in portal.rooms.iter().filter(|room| !claimed.contains(&room.id)) {
        match prune_room(manifest, &ignored, room) {
            Some(room_plan) => rooms.push(room_plan),
            None => unmanaged += 1,
        }
    }

    let rooms = rails::select(rooms, manifest, options)?;
    let mut problems = rails::check_titles(&rooms, &portal.rooms, &portal.agents);
    if !problems.is_empty() {
        problems.sort();
        return Err(PlanError::Conflicts { manifest: manifest.source.clone(), problems });
    }
    rails::check_protected(manifest, &rooms, &matches)?;
    rails::check_destruction(manifest, &rooms, portal.rooms.len(), options.force)?;
    rails::check_member_removals(manifest, &rooms, options.force)?;

    let mut rooms = rooms;
    rooms.sort_by(|a, b| {
        a.title.cmp(&b.title).then_with(|| target_order(&a.target).cmp(&target_order(&b.target)))
    });
    let fingerprints = fingerprints(&rooms, &matches, &by_id);
    let mut warnings: Vec<String> = terminated
        .into_iter()
        .map(|(email, rooms)| {
            format!(
                "`{email}` is a terminated account: left out of room{} {} (the portal refuses it access)",
                crate::text::plural(rooms.len()),
                rooms.join(", ")
            )
        })
        .collect();
    folder_warnings.sort();
    warnings.extend(folder_warnings);
    warnings.extend(link_warnings);
    warnings.extend(super::settings::type_warnings(manifest, &matches, &by_id));
    let mut plan = Plan {
        rooms,
        unmanaged,
        portal_rooms: portal.rooms.len(),
        fingerprints,
        warnings,
        adopted: None,
    };
    plan.warnings.extend(super::cost::daily_limit_warning(&super::cost::requests(&plan)));
    plan.warnings.sort();
    Ok(plan)
}

fn target_order(target: &Target) -> u64 {
    match target {
        Target::Existing { id } => *id,
        Target::New => u64::MAX,
    }
}

/// One manifest room with what planning it reads.
struct Room<'a> {
    spec: &'a RoomSpec,
    current: Option<&'a PortalRoom>,
    portal: &'a PortalState,
    context: &'a links::LinkContext<'a>,
}

/// The steps for one manifest room, or the problems (with their lines) that prevent them.
fn plan_room(
    room: &Room<'_>,
    directory: &members::Directory<'_>,
    terminated: &mut Vec<String>,
    warnings: &mut Vec<String>,
    folder_steps: Vec<Step>,
) -> Result<Option<RoomPlan>, Vec<(usize, String)>> {
    let Room { spec, current, portal, context } = *room;
    let (members, link_steps) = if spec.state == DesiredState::Deleted {
        (None, Vec::new())
    } else {
        let members = members::member_step(spec, current, portal, directory, terminated, warnings);
        let link_steps = links::link_steps(spec, current, portal, context, warnings);
        match (members, link_steps) {
            (Ok(members), Ok(link_steps)) => (members, link_steps),
            (members, link_steps) => {
                let mut problems = members.err().unwrap_or_default();
                problems.extend(link_steps.err().unwrap_or_default());
                return Err(problems);
            }
        }
    };
    let (on_create, settings) = if spec.state == DesiredState::Deleted {
        (crate::settings::Settings::default(), None)
    } else {
        super::settings::settings_step(spec, current, portal)?
    };
    let Some(room) = current else {
        let edits = settings.into_iter().chain(members).chain(folder_steps).chain(link_steps);
        return plan_missing_room(spec, on_create, edits.collect())
            .map_err(|message| vec![(spec.line, message)]);
    };
    if let Some(wanted) = spec.room_type
        && room.room_type != wanted.into()
    {
        let message = match room.room_type {
            PortalRoomType::Known(actual) => format!(
                "room `{}` (id {}) is a {actual} room on the portal, not {wanted}; DocSpace cannot change a room's type",
                spec.title, room.id
            ),
            PortalRoomType::Unknown(code) => format!(
                "room `{}` (id {}) has a type this version does not know (`roomType` {code}), so it cannot be {wanted}; remove `type` to manage it as it is",
                spec.title, room.id
            ),
        };
        return Err(vec![(spec.line, message)]);
    }

    if spec.state == DesiredState::Deleted {
        let change = delete(room.state, "declared `state: deleted`");
        return Ok(Some(existing(spec.stored_title.clone(), room.id, Some(spec.line), change)));
    }

    let mut edits = Vec::new();
    if room.title != spec.stored_title {
        let reason = if spec.renamed_from.contains(&room.title) {
            "the manifest lists the current title under `renamed_from`"
        } else {
            "the room is pinned by `id` and its title differs"
        };
        edits.push(Step::new(
            Action::Rename { before: room.title.clone(), after: spec.stored_title.clone() },
            reason,
        ));
    }
    if let Some(tags) = &spec.tags
        && !same_tags(&room.tags, tags)
    {
        edits.push(Step::new(
            Action::SetTags { before: sorted_tags(&room.tags), after: sorted_tags(tags) },
            "the declared tags differ from the room's",
        ));
    }
    edits.extend(settings);
    edits.extend(members);
    // Folders after members: an archived room is reopened around both in one bracket.
    edits.extend(folder_steps);
    edits.extend(link_steps);

    let wanted = match spec.state {
        DesiredState::Archived => RoomState::Archived,
        _ => RoomState::Active,
    };
    let change = match (room.state, wanted) {
        (RoomState::Archived, RoomState::Active) => {
            StateChange::Unarchive(Step::new(Action::Unarchive, "declared `state: active`"))
        }
        (RoomState::Archived, RoomState::Archived) if !edits.is_empty() => StateChange::Reopen {
            unarchive: Step::new(
                Action::Unarchive,
                "archived rooms are read-only; unarchived to edit",
            ),
            archive: Step::new(
                Action::Archive,
                "declared `state: archived`; archived again after the edit",
            ),
        },
        (RoomState::Active, RoomState::Archived) => {
            StateChange::Archive(Step::new(Action::Archive, "declared `state: archived`"))
        }
        _ if edits.is_empty() => return Ok(None),
        _ => StateChange::Keep,
    };
    let mut plan = existing(spec.stored_title.clone(), room.id, Some(spec.line), change);
    plan.edits = edits;
    Ok(Some(plan))
}

/// A declared room the portal does not have: created (and archived) unless declared deleted.
fn plan_missing_room(
    spec: &RoomSpec,
    on_create: crate::settings::Settings,
    edits: Vec<Step>,
) -> Result<Option<RoomPlan>, String> {
    if spec.state == DesiredState::Deleted {
        return Ok(None);
    }
    let Some(room_type) = spec.room_type else {
        return Err(format!(
            "room `{}` is not on the portal and has no `type` to create it with",
            spec.title
        ));
    };
    let create = Step::new(
        Action::Create {
            title: spec.stored_title.clone(),
            room_type,
            tags: spec.tags.clone().unwrap_or_default(),
            settings: Box::new(on_create),
        },
        "declared in the manifest and not on the portal",
    );
    let archive = (spec.state == DesiredState::Archived)
        .then(|| Step::new(Action::Archive, "declared `state: archived`"));
    Ok(Some(RoomPlan {
        title: spec.stored_title.clone(),
        target: Target::New,
        line: Some(spec.line),
        change: StateChange::Create { create, archive },
        edits,
    }))
}

/// What `prune` does to a portal room the manifest does not list.
fn prune_room(manifest: &Manifest, ignored: &[Pattern], room: &PortalRoom) -> Option<RoomPlan> {
    if ignored.iter().any(|pattern| pattern.matches(&room.title)) {
        return None;
    }
    let change = match (manifest.prune, room.state) {
        (Prune::None, _) | (Prune::Archive, RoomState::Archived) => return None,
        (Prune::Archive, RoomState::Active) => StateChange::Archive(Step::new(
            Action::Archive,
            "not in the manifest and `prune: archive`",
        )),
        (Prune::Delete, state) => delete(state, "not in the manifest and `prune: delete`"),
    };
    Some(existing(room.title.clone(), room.id, None, change))
}

/// A delete, after an archive when the room is active.
fn delete(current: RoomState, reason: &str) -> StateChange {
    let archive = (current == RoomState::Active).then(|| {
        Step::new(Action::Archive, "rooms are archived before they are deleted, as the web UI does")
    });
    StateChange::Delete { archive, delete: Step::new(Action::Delete, reason) }
}

/// An existing room's plan with no edits yet.
fn existing(title: String, id: u64, line: Option<usize>, change: StateChange) -> RoomPlan {
    RoomPlan { title, target: Target::Existing { id }, line, change, edits: Vec::new() }
}

/// Tags compare as the portal's case-insensitive catalog does.
fn same_tags(current: &[String], wanted: &[String]) -> bool {
    // The common case, tags spelt and ordered alike, needs no allocation.
    if current == wanted {
        return true;
    }
    let keys = |tags: &[String]| tags.iter().map(|tag| tag_key(tag)).collect::<BTreeSet<_>>();
    keys(current) == keys(wanted)
}

fn sorted_tags(tags: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut sorted: Vec<String> =
        tags.iter().filter(|tag| seen.insert(tag_key(tag))).cloned().collect();
    sorted.sort_by_key(|tag| tag_key(tag));
    sorted
}

/// The portal rooms the plan read to decide and touches, as they were.
fn fingerprints(
    rooms: &[RoomPlan],
    matches: &[Option<u64>],
    by_id: &HashMap<u64, &PortalRoom>,
) -> Vec<PortalRoom> {
    let mut ids: Vec<u64> = matches.iter().flatten().copied().collect();
    ids.extend(rooms.iter().filter_map(|room| match room.target {
        Target::Existing { id } => Some(id),
        Target::New => None,
    }));
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().filter_map(|id| by_id.get(&id).map(|room| (*room).clone())).collect()
}

#[cfg(test)]
#[path = "planner_tests.rs"]
mod tests;
