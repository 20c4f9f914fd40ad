//! Members in the reconcile flow: the people, groups and room members a plan needs, a saved
//! plan's member changes checked against the portal, and the members `export` lists.

use crate::docspace::{Access, file_share_name};
use crate::manifest::{DesiredState, Member, MemberSpec, RoomSpec};
use crate::model::{Group, Person, PortalRoom, PortalState, RoomMember, email_key};
use crate::plan::{Action, MemberChange, Plan, Target};
use crate::portal::{ApiError, Portal};
use crate::text::escape;
use anyhow::Context;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// What to read about members: the rooms whose member lists a plan compares, and the declared
/// addresses the people list may lack (it holds active people only).
#[derive(Debug, Default)]
pub(crate) struct Wanted {
    rooms: Vec<u64>,
    emails: BTreeSet<String>,
}

impl Wanted {
    /// For the entries that declare `members` (and are not to be deleted), the rooms they mean.
    pub(crate) fn of(meant: &[(&RoomSpec, &PortalRoom)], specs: &[&RoomSpec]) -> Option<Wanted> {
        let declares =
            |spec: &RoomSpec| spec.members.is_some() && spec.state != DesiredState::Deleted;
        if !specs.iter().any(|spec| declares(spec)) {
            return None;
        }
        let rooms: BTreeSet<u64> =
            meant.iter().filter(|(spec, _)| declares(spec)).map(|(_, room)| room.id).collect();
        let emails = specs
            .iter()
            .filter(|spec| declares(spec))
            .flat_map(|spec| spec.members.iter().flatten())
            .filter_map(|member| match &member.subject {
                Member::User(email) => Some(email_key(email)),
                Member::Group(_) => None,
            })
            .collect();
        Some(Wanted { rooms: rooms.into_iter().collect(), emails })
    }

    /// Every room's members (for `export`).
    pub(crate) fn every_room(rooms: &[PortalRoom]) -> Wanted {
        Wanted { rooms: rooms.iter().map(|room| room.id).collect(), emails: BTreeSet::new() }
    }
}

/// The people, groups and room members read for a plan.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    people: Vec<Person>,
    groups: Vec<Group>,
    members: BTreeMap<u64, Vec<RoomMember>>,
}

impl Directory {
    /// Puts what was read into the portal state the planner reads.
    pub(crate) fn into_state(self, state: &mut PortalState) {
        state.people = self.people;
        state.groups = self.groups;
        state.members = self.members;
    }
}

/// Reads the people and groups, looks up the declared addresses the people list lacks (so a
/// terminated account is known as such, not as unknown), and reads the rooms' members.
pub(crate) async fn read(portal: &Portal, wanted: Option<Wanted>) -> anyhow::Result<Directory> {
    let Some(wanted) = wanted else { return Ok(Directory::default()) };
    let context =
        || format!("cannot read the people, groups and room members of `{}`", portal.base_url());
    let (mut people, groups) =
        tokio::try_join!(portal.list_people(), portal.list_groups()).with_context(context)?;
    let known: HashSet<String> = people.iter().map(|person| email_key(&person.email)).collect();
    let missing = wanted.emails.into_iter().filter(|email| !known.contains(email));
    let found = portal
        .read_each(missing, |email| async move { portal.find_person(&email).await })
        .await
        .with_context(context)?;
    people.extend(found.into_values().flatten());
    let members = read_room_members(portal, wanted.rooms).await.with_context(context)?;
    Ok(Directory { people, groups, members })
}

/// The members of each of these rooms.
pub(crate) async fn read_room_members(
    portal: &Portal,
    rooms: impl IntoIterator<Item = u64>,
) -> Result<BTreeMap<u64, Vec<RoomMember>>, ApiError> {
    portal.read_each(rooms, |id| portal.room_members(id)).await
}

/// A line per planned member change whose starting point no longer holds: each member must
/// still have the access the plan saw, or still be absent for an addition (`now.members` holds
/// the rooms of [`Plan::member_rooms`]).
pub(crate) fn stale(plan: &Plan, now: &PortalState) -> Vec<String> {
    let mut stale = Vec::new();
    for (room, step) in plan.steps() {
        let (Action::SetMembers { changes, .. }, Target::Existing { id }) =
            (&step.action, &room.target)
        else {
            continue;
        };
        let label = format!("room {id} \"{}\"", escape(&room.title));
        let members = now.members.get(id).map(Vec::as_slice).unwrap_or_default();
        stale.extend(changes.iter().filter_map(|change| stale_member(&label, change, members)));
    }
    stale
}

fn stale_member(label: &str, change: &MemberChange, members: &[RoomMember]) -> Option<String> {
    let current = members.iter().filter(|member| !member.is_owner).find(|member| {
        match &change.portal_id {
            Some(wanted) => &member.id == wanted,
            // An invitation by email: the address may have joined since.
            None => !change.member.is_group() && change.member.is(&member.member),
        }
    });
    // The planner names access the same way, so an access it cannot name compares as absent.
    let now = current.and_then(|member| Access::from_code(member.access));
    if now == change.before {
        return None;
    }
    let who = escape(&change.member.to_string());
    Some(match (change.before, now) {
        (Some(before), Some(now)) => {
            format!("{label}: {who}'s access changed from `{before}` to `{now}`")
        }
        (Some(before), None) => format!("{label}: {who} no longer has `{before}` access"),
        (None, Some(now)) => format!("{label}: {who} was given `{now}` access"),
        (None, None) => return None,
    })
}

/// The room's members a manifest can list (sorted, users first), and a line for each other
/// member saying who it is and why it is not listed. The owner is neither.
pub(crate) fn exported(
    room: &PortalRoom,
    members: &[RoomMember],
    state: &PortalState,
) -> (Vec<MemberSpec>, Vec<String>) {
    let mut listed: Vec<MemberSpec> = Vec::new();
    let mut skipped = Vec::new();
    for member in members.iter().filter(|member| !member.is_owner) {
        match member_spec(room, member, state) {
            Ok(spec) if listed.iter().any(|other| other.subject.is(&spec.subject)) => {
                skipped.push(format!("{}: listed twice by the portal", describe(member, state)));
            }
            Ok(spec) => listed.push(spec),
            Err(why) => skipped.push(format!("{}: {why}", describe(member, state))),
        }
    }
    listed.sort_by_key(|member| (member.subject.is_group(), member.subject.key()));
    (listed, skipped)
}

/// `member` as a manifest entry that the planner resolves back to this very member, or why
/// there is none.
fn member_spec(
    room: &PortalRoom,
    member: &RoomMember,
    state: &PortalState,
) -> Result<MemberSpec, String> {
    let Some(access) = Access::from_code(member.access) else {
        return Err(match file_share_name(member.access) {
            Some(name) => {
                format!("access {} (`{name}`), which a manifest cannot set", member.access)
            }
            None => format!(
                "access {}, which this version of docspace-rooms does not know",
                member.access
            ),
        });
    };
    if let Some(room_type) = room.room_type.known()
        && !room_type.allowed_access().contains(&access)
    {
        return Err(format!("access `{access}`, which a `{room_type}` room does not allow"));
    }
    let id = &member.id;
    let subject = match &member.member {
        Member::User(email) => {
            let email = if email.is_empty() { email_of(id, state) } else { email.as_str() };
            if email.is_empty() {
                return Err("no email address".to_owned());
            }
            // The planner finds a user by email in the people list: it must lead back here.
            let key = email_key(email);
            let mut people = state.people.iter().filter(|person| email_key(&person.email) == key);
            match (people.next(), people.next()) {
                (Some(person), None) if person.id == *id => {
                    if access == Access::RoomManager && !person.can_manage_rooms {
                        return Err(
                            "`room-manager`, which their account type no longer allows".to_owned()
                        );
                    }
                }
                (None, _) => return Err("not in the portal's list of active people".to_owned()),
                (Some(_), None) => {
                    return Err("the people list gives that email to another account".to_owned());
                }
                (Some(_), Some(_)) => {
                    return Err("more than one account has that email address".to_owned());
                }
            }
            Member::User(email.to_owned())
        }
        Member::Group(name) => {
            if name.trim().is_empty() {
                return Err("a group without a name".to_owned());
            }
            if access == Access::RoomManager {
                return Err("`room-manager`, which a manifest cannot give a group".to_owned());
            }
            // The planner finds a group by name: it must be the only one with that name.
            let mut groups = state.groups.iter().filter(|group| group.name == *name);
            match (groups.next(), groups.next()) {
                (Some(group), None) if group.id == *id => {}
                (None, _) => return Err("not in the portal's list of groups".to_owned()),
                (Some(_), None) => {
                    return Err("the group list gives that name to another group".to_owned());
                }
                (Some(_), Some(_)) => return Err("another group has the same name".to_owned()),
            }
            Member::Group(name.clone())
        }
    };
    Ok(MemberSpec { subject, access, invite: false, line: 0 })
}

/// A person's email by portal id, or `""`.
fn email_of<'a>(id: &str, state: &'a PortalState) -> &'a str {
    state.people.iter().find(|person| person.id == id).map_or("", |person| person.email.as_str())
}

/// Who a member is, for the comment: the email or group name, else the portal id.
fn describe(member: &RoomMember, state: &PortalState) -> String {
    let id = &member.id;
    match &member.member {
        Member::User(email) => {
            let email = if email.is_empty() { email_of(id, state) } else { email.as_str() };
            if email.is_empty() {
                format!("user id `{}`", escape(id))
            } else {
                format!("user `{}`", escape(email))
            }
        }
        Member::Group(name) if name.trim().is_empty() => format!("group id `{}`", escape(id)),
        Member::Group(name) => format!("group `{}`", escape(name)),
    }
}
