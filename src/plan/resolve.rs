//! Which portal room each manifest entry means: one rule, used by the planner and by every read
//! that fetches a room's members, links or folders before planning, so a read asks for exactly
//! the rooms the plan will compare.
//!
//! An entry means the room its `id` pins; else the room whose title equals its title in stored
//! form (rooms pinned by another entry excluded); else the room one of its `renamed_from` titles
//! names, among the rooms no entry claims by id or current title. Never for a room declared
//! `deleted` by an earlier title. Ambiguity and missing ids are problems, all reported at once.

use crate::manifest::{DesiredState, Manifest, RoomSpec};
use crate::model::PortalRoom;
use std::collections::{HashMap, HashSet};

/// What each manifest entry resolved to: a portal room, none (to be created), or a problem
/// already recorded.
pub(crate) type Resolved = Result<Option<u64>, ()>;

/// Finds the portal room each manifest entry means: its pinned `id`, else its stored title,
/// else one of its `renamed_from` titles. Ambiguity and missing ids are problems, all at once.
pub(crate) fn resolve(
    manifest: &Manifest,
    rooms: &[PortalRoom],
) -> (Vec<Resolved>, Vec<(usize, String)>) {
    let pinned: HashSet<u64> = manifest.rooms.iter().filter_map(|spec| spec.id).collect();
    // The pinned ids the portal has, and every other room by its stored title.
    let mut present: HashSet<u64> = HashSet::with_capacity(pinned.len());
    let mut by_title: HashMap<&str, Titled> = HashMap::with_capacity(rooms.len());
    for room in rooms {
        if pinned.contains(&room.id) {
            present.insert(room.id);
            continue;
        }
        by_title
            .entry(room.title.as_str())
            .and_modify(|titled| titled.add(room.id))
            .or_insert(Titled::One([room.id]));
    }

    // First the pinned ids and the current titles; `None` is still open.
    let mut problems = Vec::new();
    let mut found: Vec<Option<Resolved>> = manifest
        .rooms
        .iter()
        .map(|spec| match spec.id {
            Some(id) if present.contains(&id) => Some(Ok(Some(id))),
            Some(_) if spec.state == DesiredState::Deleted => Some(Ok(None)),
            Some(id) => {
                problems.push((
                    spec.line,
                    format!("room `{}` pins id {id}, which is not on the portal", spec.title),
                ));
                Some(Err(()))
            }
            None => {
                match by_title.get(spec.stored_title.as_str()).map(Titled::ids).unwrap_or_default()
                {
                    [] => None,
                    [id] => Some(Ok(Some(*id))),
                    ids => {
                        problems.push((spec.line, ambiguous(&spec.stored_title, ids)));
                        Some(Err(()))
                    }
                }
            }
        })
        .collect();

    // Then earlier titles, among the rooms no entry claimed by id or current title: a room that
    // another entry names as it is now cannot be this entry's past.
    let claimed: HashSet<u64> = found.iter().flatten().filter_map(|r| r.ok().flatten()).collect();
    let matches: Vec<Resolved> = manifest
        .rooms
        .iter()
        .zip(found.iter_mut())
        .map(|(spec, resolved)| match resolved.take() {
            Some(resolved) => resolved,
            None => match_renamed(spec, &by_title, &claimed)
                .map_err(|message| problems.push((spec.line, message))),
        })
        .collect();

    let mut owners: HashMap<u64, &RoomSpec> = HashMap::new();
    for (spec, found) in manifest.rooms.iter().zip(&matches) {
        if let Ok(Some(id)) = found
            && let Some(first) = owners.insert(*id, spec)
        {
            problems.push((
                spec.line,
                format!(
                    "room `{}` and room `{}` (line {}) both match portal room {id}",
                    spec.title, first.title, first.line
                ),
            ));
        }
    }

    (matches, problems)
}

fn ambiguous(title: &str, ids: &[u64]) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    format!(
        "title `{title}` matches portal rooms {}; pin the one you mean with `id`",
        ids.join(" and ")
    )
}

/// The portal rooms with one title: almost always one, without an allocation.
enum Titled {
    One([u64; 1]),
    Many(Vec<u64>),
}

impl Titled {
    fn add(&mut self, id: u64) {
        match self {
            Titled::One([first]) => *self = Titled::Many(vec![*first, id]),
            Titled::Many(ids) => ids.push(id),
        }
    }

    fn ids(&self) -> &[u64] {
        match self {
            Titled::One(id) => id,
            Titled::Many(ids) => ids,
        }
    }
}

/// The room one of the entry's `renamed_from` titles names, among the unclaimed ones.
/// A room declared `deleted` is never found by an earlier title: once it is gone, a room that
/// still carries that title would be deleted on the next run.
fn match_renamed(
    spec: &RoomSpec,
    by_title: &HashMap<&str, Titled>,
    claimed: &HashSet<u64>,
) -> Result<Option<u64>, String> {
    if spec.state == DesiredState::Deleted {
        return Ok(None);
    }
    let mut earlier: Vec<(&str, u64)> = Vec::new();
    for title in &spec.renamed_from {
        let candidates: Vec<u64> = by_title
            .get(title.as_str())
            .map(Titled::ids)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|id| !claimed.contains(id))
            .collect();
        match candidates.as_slice() {
            [] => {}
            [id] => earlier.push((title, *id)),
            ids => return Err(ambiguous(title, ids)),
        }
    }
    match earlier.as_slice() {
        [] => Ok(None),
        [(_, id)] => Ok(Some(*id)),
        [(first, a), (second, b), ..] => Err(format!(
            "earlier titles `{first}` and `{second}` match portal rooms {a} and {b}; pin the one you mean with `id`"
        )),
    }
}

/// Each entry of these manifests paired with the portal room it means, for the entries that
/// resolve to one; entries with problems are left out (planning reports them).
pub(crate) fn meant_rooms<'a, 'r>(
    manifests: &[&'a Manifest],
    rooms: &'r [PortalRoom],
) -> Vec<(&'a RoomSpec, &'r PortalRoom)> {
    let mut meant: Vec<(&RoomSpec, u64)> = Vec::new();
    for manifest in manifests {
        let (matches, _) = resolve(manifest, rooms);
        let found = manifest.rooms.iter().zip(matches);
        meant.extend(found.filter_map(|(spec, found)| Some((spec, found.ok().flatten()?))));
    }
    let ids: HashSet<u64> = meant.iter().map(|(_, id)| *id).collect();
    let by_id: HashMap<u64, &PortalRoom> =
        rooms.iter().filter(|room| ids.contains(&room.id)).map(|room| (room.id, room)).collect();
    meant.into_iter().map(|(spec, id)| (spec, by_id[&id])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docspace::RoomType;
    use crate::model::RoomState;

    fn room(id: u64, title: &str) -> PortalRoom {
        PortalRoom {
            id,
            title: title.into(),
            room_type: RoomType::Custom.into(),
            state: RoomState::Active,
            tags: vec![],
            settings: crate::settings::Settings::default(),
            custom_logo: false,
        }
    }

    fn meant(yaml: &str, rooms: &[PortalRoom]) -> Vec<(String, u64)> {
        let manifest = crate::manifest::parse(std::path::Path::new("rooms.yaml"), yaml).unwrap().0;
        meant_rooms(&[&manifest], rooms)
            .into_iter()
            .map(|(spec, room)| (spec.title.clone(), room.id))
            .collect()
    }

    #[test]
    fn a_pinned_entry_means_its_id_only_never_a_room_with_its_title() {
        // The reads once took every room carrying a pinned entry's title too, and read members
        // and links of a room the plan never compares.
        let rooms = [room(7, "Legal (old)"), room(9, "Legal")];
        let yaml = "rooms:\n  - title: Legal\n    id: 7\n    members: []\n";
        assert_eq!(meant(yaml, &rooms), [("Legal".to_owned(), 7)]);
    }

    #[test]
    fn an_earlier_title_another_entry_claims_is_not_read_for_this_one() {
        let rooms = [room(1, "Sales"), room(2, "Sales EMEA")];
        let yaml = "rooms:\n  - title: Sales\n  - title: Sales Europe\n    renamed_from: [Sales]\n";
        assert_eq!(meant(yaml, &rooms), [("Sales".to_owned(), 1)]);
    }

    #[test]
    fn an_ambiguous_title_means_no_room_and_is_a_problem() {
        let rooms = [room(1, "Ops"), room(2, "Ops")];
        let manifest =
            crate::manifest::parse(std::path::Path::new("r.yaml"), "rooms:\n  - title: Ops\n")
                .unwrap()
                .0;
        let (matches, problems) = resolve(&manifest, &rooms);
        assert_eq!(matches, [Err(())]);
        assert_eq!(
            problems[0].1,
            "title `Ops` matches portal rooms 1 and 2; pin the one you mean with `id`"
        );
        assert!(meant_rooms(&[&manifest], &rooms).is_empty());
    }
}
