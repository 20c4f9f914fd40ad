//! Member planning for rooms whose entry declares `members`: resolve emails and group names in
//! the portal's directory, then diff against the room's member list. The owner is never
//! changed and never appears; `additive` rooms only gain and change members.

use super::model::{Action, Member, MemberChange, Step};
use crate::docspace::Access;
use crate::manifest::{MembersPolicy, RoomSpec};
use crate::model::{PortalRoom, PortalState, email_key};
use std::collections::{BTreeMap, HashMap};

/// A member key on the portal: the user's or group's id.
type PortalId = String;

/// The portal's directory by lowercased email and by group name, built once per plan.
pub(super) struct Directory<'a> {
    people: HashMap<String, &'a crate::model::Person>,
    /// Group names are not unique on a portal: every group with each name.
    groups: HashMap<&'a str, Vec<&'a crate::model::Group>>,
}

impl<'a> Directory<'a> {
    pub(super) fn new(portal: &'a PortalState) -> Directory<'a> {
        Directory {
            people: portal.people.iter().map(|person| (email_key(&person.email), person)).collect(),
            groups: portal.groups.iter().fold(HashMap::new(), |mut groups, group| {
                groups.entry(group.name.as_str()).or_insert_with(Vec::new).push(group);
                groups
            }),
        }
    }
}

/// What the room has now: its owner's id, and the other members by portal id.
fn current_members(
    room: Option<&PortalRoom>,
    portal: &PortalState,
) -> (Option<PortalId>, BTreeMap<PortalId, (Member, i64)>) {
    let mut owner: Option<PortalId> = None;
    let mut current: BTreeMap<PortalId, (Member, i64)> = BTreeMap::new();
    for member in room.and_then(|room| portal.members.get(&room.id)).into_iter().flatten() {
        if member.is_owner {
            owner = Some(member.id.clone());
        } else {
            current.insert(member.id.clone(), (member.member.clone(), member.access));
        }
    }
    (owner, current)
}

/// How many the room's member list holds after `changes`: the list now (a new room's: its owner,
/// who creates it), those added, less those removed.
fn listed_after(exists: bool, owner: bool, members: usize, changes: &[MemberChange]) -> usize {
    let listed = if exists { usize::from(owner) + members } else { 1 };
    let added = changes.iter().filter(|c| c.after.is_some() && c.before.is_none()).count();
    let removed = changes.iter().filter(|c| c.after.is_none()).count();
    (listed + added).saturating_sub(removed)
}

/// The room's owner declared with less than `room-manager`: the declaration has no effect.
fn owner_warning(spec: &RoomSpec, entry: &crate::manifest::MemberSpec) -> Option<String> {
    (entry.access != Access::RoomManager).then(|| {
        format!(
            "room `{}`: `{}` owns the room, whose access is never changed; `{}` (line {}) has no effect",
            spec.title,
            entry.subject.name(),
            entry.access,
            entry.line
        )
    })
}

/// The member step for one room, or the problems (with their manifest lines) that prevent it.
/// Declared people whose accounts are terminated are added to `terminated`: the portal refuses
/// them access, so they are never sent; one who is a member already is left as they are. The
/// room's owner declared with less than `room-manager` is a warning in `warnings`: the owner's
/// access is never changed.
pub(super) fn member_step(
    spec: &RoomSpec,
    room: Option<&PortalRoom>,
    portal: &PortalState,
    directory: &Directory<'_>,
    terminated: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> Result<Option<Step>, Vec<(usize, String)>> {
    let Some(wanted) = &spec.members else {
        return Ok(None);
    };
    let (people, groups) = (&directory.people, &directory.groups);

    let (owner, current) = current_members(room, portal);

    let mut problems = Vec::new();
    let mut changes = Vec::new();
    let mut declared: Vec<PortalId> = Vec::new();
    for entry in wanted {
        let (portal_id, member) = match &entry.subject {
            Member::User(email) => match people.get(&email_key(email)) {
                Some(person) if entry.access == Access::RoomManager && !person.can_manage_rooms => {
                    problems.push((
                        entry.line,
                        format!("`{email}` cannot be `room-manager`: only DocSpace admins and room admins can manage a room"),
                    ));
                    continue;
                }
                Some(person) if !person.active => {
                    terminated.push(person.email.clone());
                    declared.push(person.id.clone());
                    continue;
                }
                Some(person) => (Some(person.id.clone()), Member::User(email.clone())),
                // An invitation already sent shows as a member the directory does not list.
                None if entry.invite => {
                    let invited = current.iter().find(|(_, (member, _))| member.is(&entry.subject));
                    (invited.map(|(id, _)| id.clone()), Member::User(email.clone()))
                }
                None => {
                    problems.push((
                        entry.line,
                        format!("`{email}` has no account on the portal; add `invite: true` to send an invitation"),
                    ));
                    continue;
                }
            },
            Member::Group(name) => match groups.get(name.as_str()).map(Vec::as_slice) {
                Some([group]) => (Some(group.id.clone()), Member::Group(name.clone())),
                Some(same_name) if !same_name.is_empty() => {
                    let ids: Vec<&str> = same_name.iter().map(|group| group.id.as_str()).collect();
                    problems.push((
                        entry.line,
                        format!(
                            "group `{name}` is ambiguous: the portal has {} groups with that name (ids {}); rename one on the portal",
                            ids.len(),
                            ids.join(" and ")
                        ),
                    ));
                    continue;
                }
                _ => {
                    problems.push((entry.line, format!("group `{name}` is not on the portal")));
                    continue;
                }
            },
        };
        if portal_id.is_some() && portal_id == owner {
            // The owner's access is not the manifest's to change.
            warnings.extend(owner_warning(spec, entry));
            continue;
        }
        if let Some(id) = &portal_id {
            declared.push(id.clone());
        }
        let before = portal_id.as_ref().and_then(|id| current.get(id)).map(|(_, access)| *access);
        if before == Some(entry.access.code()) {
            continue;
        }
        changes.push(MemberChange {
            member,
            portal_id,
            before: before.and_then(Access::from_code),
            after: Some(entry.access),
            cause: None,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if spec.members_policy == MembersPolicy::Exact {
        for (id, (member, access)) in &current {
            if !declared.contains(id) {
                changes.push(MemberChange {
                    member: member.clone(),
                    portal_id: Some(id.clone()),
                    before: Access::from_code(*access),
                    after: None,
                    cause: None,
                });
            }
        }
    }
    if changes.is_empty() {
        return Ok(None);
    }
    changes.sort_by(|a, b| a.member.cmp(&b.member));
    let members_after = listed_after(room.is_some(), owner.is_some(), current.len(), &changes);
    let action = Action::SetMembers { notify: spec.notify, changes, members_after };
    Ok(Some(Step::new(action, "the declared members differ from the room's")))
}
