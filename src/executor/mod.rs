//! The executor: runs a plan's rooms concurrently (bounded by the client's limits), each room's
//! steps in order, and `report`s truthfully what was applied, what failed and why, and what was
//! skipped. When a step fails the room's later steps are skipped and the other rooms go on;
//! after an interrupt nothing new starts. The one exception to both: an archived room that was
//! unarchived for an edit is always archived again.
//!
//! The rooms whose run opens what it must close (an archived room unarchived for an edit, a new
//! room the plan archives) run one at a time, beside the others: when the portal's daily write
//! limit refuses the closing archive, at most one room is left active.

mod error;
mod links;
mod report;
mod twins;

use crate::model::RoomMember;
use crate::plan::{Action, Member, MemberChange, Plan, RoomPlan, StateChange, Step, Target};
use crate::portal::members::Invitation;
use crate::portal::{Portal, Whereabouts};
use crate::settings::Settings;
use crate::text::escape;
use error::StepError;
use futures::StreamExt;
pub(crate) use report::{Outcome, Report, Status, Stopped};
use std::collections::{HashMap, HashSet};
use twins::{FolderTwins, RoomTwins, Settled, Twins as _};

/// Applies `plan`, calling `on_outcome` as each step ends, and returns every step's outcome in
/// plan order. `known` holds the ids of the rooms read while planning, so an ambiguous create
/// can tell its own room from one that existed before, and a create from another run's twin.
pub(crate) async fn execute<'a>(
    portal: &Portal,
    plan: &'a Plan,
    known: &HashSet<u64>,
    on_outcome: &(dyn Fn(&Outcome) + Sync),
) -> Report {
    let parallelism = portal.config().parallelism.get();
    let new_rooms = twins::NewRooms::new(known);
    let new_rooms = &new_rooms;
    let run = |(index, room): (usize, &'a RoomPlan)| async move {
        (index, run_room(portal, room, known, new_rooms, on_outcome).await)
    };
    let rooms = plan.rooms.iter().enumerate();
    let mut rooms: Vec<(usize, Vec<Outcome>)> = if parallelism == 1 {
        futures::stream::iter(rooms).then(run).collect().await
    } else {
        // One bracket open at a time, in its own lane; the other rooms in the rest.
        let (brackets, others): (Vec<_>, Vec<_>) =
            rooms.partition(|(_, room)| opens_what_it_closes(&room.change));
        let lanes = if brackets.is_empty() { parallelism } else { parallelism - 1 };
        let brackets = futures::stream::iter(brackets).then(run).collect::<Vec<_>>();
        let others =
            futures::stream::iter(others).map(run).buffer_unordered(lanes).collect::<Vec<_>>();
        let (mut brackets, others) = futures::join!(brackets, others);
        brackets.extend(others);
        brackets
    };
    rooms.sort_by_key(|(index, _)| *index);
    let outcomes = rooms.into_iter().flat_map(|(_, outcomes)| outcomes).collect();
    let mut report = Report { outcomes, limit_reached: None };
    report.limit_reached = portal.limit_reached().map(|limit| report.stopped_by(limit));
    report
}

/// Whether a room's run opens what it then closes: an archived room unarchived for its edits,
/// or a new room the plan archives. Left halfway (the portal's daily limit refusing the archive)
/// the room stays active, and the next plan archives it like any active room.
fn opens_what_it_closes(change: &StateChange) -> bool {
    matches!(change, StateChange::Reopen { .. } | StateChange::Create { archive: Some(_), .. })
}

/// One room's steps: the opening step, the edits, then the closing step. A failure, an
/// interrupt or a limit the portal reached skips what has not started, except the closing
/// archive of a reopened room: once an archived room has been unarchived for an edit, it is
/// archived again whatever became of the edit, so no run leaves it open (unless the portal
/// refuses that archive too: its daily write limit refuses it as any write).
async fn run_room(
    portal: &Portal,
    room: &RoomPlan,
    known: &HashSet<u64>,
    new_rooms: &twins::NewRooms<'_>,
    on_outcome: &(dyn Fn(&Outcome) + Sync),
) -> Vec<Outcome> {
    let mut run = RoomRun {
        portal,
        room,
        known,
        new_rooms,
        on_outcome,
        id: match room.target {
            Target::Existing { id } => Some(id),
            Target::New => None,
        },
        failed: false,
        outcomes: Vec::with_capacity(room.step_count()),
        folders: HashMap::new(),
    };
    let opened = match room.change.opening() {
        Some(step) => run.step(step, false).await,
        None => false,
    };
    for step in &room.edits {
        run.step(step, false).await;
    }
    // An interrupt does not cut the closing archive's waits.
    let closing = portal.closing();
    if let Some(step) = room.change.closing() {
        let closes = opened && room.change.always_closes();
        if closes {
            run.portal = &closing;
        }
        run.step(step, closes).await;
    }
    run.outcomes
}

/// The state of one room's run: the room's id once known and whether a step has failed.
struct RoomRun<'a> {
    portal: &'a Portal,
    room: &'a RoomPlan,
    known: &'a HashSet<u64>,
    /// The rooms created since the plan read, as this run's looks listed them.
    new_rooms: &'a twins::NewRooms<'a>,
    on_outcome: &'a (dyn Fn(&Outcome) + Sync),
    id: Option<u64>,
    failed: bool,
    outcomes: Vec<Outcome>,
    /// The folders created in this run, by path, so a child finds its new parent.
    folders: HashMap<Vec<String>, u64>,
}

impl RoomRun<'_> {
    /// Runs `step` unless an earlier step failed or the run was interrupted (`closes` runs it
    /// regardless), records its outcome, and says whether it was applied.
    async fn step(&mut self, step: &Step, closes: bool) -> bool {
        let mut link_url = None;
        let status = if self.failed && !closes {
            Status::Skipped("an earlier action for this room failed".into())
        } else if self.portal.is_interrupted() && !closes {
            Status::Skipped("interrupted before it started".into())
        } else if let Some(limit) = self.portal.limit_reached()
            && self.portal.writes_refused()
            && !closes
        {
            Status::Skipped(format!("not started: {}", limit.describe()))
        } else {
            match self.run(&step.action).await {
                Ok(url) => {
                    link_url = url;
                    Status::Applied
                }
                // Not sent because of an interrupt: nothing was done.
                Err(err) if err.interrupted() => {
                    self.failed = true;
                    Status::Skipped(err.to_string())
                }
                Err(err) => {
                    self.failed = true;
                    Status::Failed(err.to_string())
                }
            }
        };
        let applied = status == Status::Applied;
        // A report says of a password only that it is set: a saved plan's verifiers stay in it.
        let mut action = step.action.clone();
        for mark in action.password_marks_mut() {
            mark.verifier = None;
        }
        let outcome = Outcome {
            title: self.room.title.clone(),
            room_id: self.id,
            action,
            status,
            link_url,
            new_room: self.room.target == Target::New,
        };
        (self.on_outcome)(&outcome);
        self.outcomes.push(outcome);
        applied
    }

    /// The one dispatch: each action to the requests that make it, then the read-back that
    /// confirms it where a success status proves nothing. A link created returns its URL.
    async fn run(&mut self, action: &Action) -> Result<Option<String>, StepError> {
        let portal = self.portal;
        match action {
            Action::Create { title, room_type, tags, settings } => {
                let room = self.create_room(title, *room_type, tags, settings).await?;
                self.id = Some(room.id);
                let problems = crate::portal::settings::unapplied(settings, &room);
                if !problems.is_empty() {
                    return Err(StepError::SettingsNotApplied { room: room.id, problems });
                }
            }
            Action::Rename { after, .. } => drop(portal.rename_room(self.room()?, after).await?),
            Action::SetTags { after, .. } => {
                drop(portal.set_room_tags(self.room()?, after).await?);
            }
            Action::Archive => portal.archive_room(self.room()?).await?,
            Action::Unarchive => portal.unarchive_room(self.room()?).await?,
            Action::Delete => portal.delete_room(self.room()?).await?,
            Action::SetMembers { notify, changes, .. } => {
                set_members(portal, self.room()?, *notify, changes).await?;
            }
            Action::SetSettings { after, .. } => set_settings(portal, self.room()?, after).await?,
            Action::CreateFolder { path, parent_id } => {
                self.create_folder(path, *parent_id).await?;
            }
            Action::TrashFolder { path, id } => trash_folder(portal, *id, path).await?,
            Action::SetLink { link } => {
                return links::set_link(portal, self.room()?, link).await;
            }
            Action::RemoveLink { link_id, name, .. } => {
                links::remove_link(portal, self.room()?, link_id, name).await?;
            }
        }
        Ok(None)
    }

    /// Creates the room unless another run made it since this run read the portal, then settles
    /// any twin another run created at the same time (see `twins`).
    async fn create_room(
        &self,
        title: &str,
        room_type: crate::docspace::RoomType,
        tags: &[String],
        settings: &Settings,
    ) -> Result<crate::model::PortalRoom, StepError> {
        let stored = crate::docspace::stored_title(title);
        let twins = RoomTwins { portal: self.portal, title: &stored, new_rooms: self.new_rooms };
        let appeared = twins.appeared().await?;
        if !appeared.is_empty() {
            return Err(StepError::Appeared {
                title: escape(&stored),
                ids: twins::list(&appeared),
            });
        }
        let made =
            self.portal.create_room_with(title, room_type, tags, settings, self.known).await?;
        let mine = made.confirmed.then_some(made.item.id);
        match twins::settle(self.portal, &twins, mine).await? {
            Settled::Kept(id) if id == made.item.id => Ok(made.item),
            // Found after an unknown outcome, gone since, and another the one left: that one.
            Settled::Kept(id) => self.portal.get_room(id).await?.ok_or_else(|| {
                let ids = [made.item.id.min(id), made.item.id.max(id)];
                let why = format!("room {id}, the one left, is gone too");
                twins::twins_error("room", escape(&stored), &ids, why)
            }),
            Settled::Removed { mine, survivor, stays: true } => {
                Err(StepError::TwinRemoved { title: escape(&stored), mine, survivor })
            }
            Settled::Removed { mine, survivor, stays: false } => {
                Err(twins::gone_error("room", escape(&stored), &mine, &survivor))
            }
        }
    }

    /// The room's id: the plan's, or the one its create returned.
    fn room(&self) -> Result<u64, StepError> {
        self.id.ok_or_else(|| StepError::NoRoomId { title: escape(&self.room.title) })
    }

    /// Creates a folder in the room, in a folder that existed, or in one created earlier in
    /// this run.
    async fn create_folder(
        &mut self,
        path: &[String],
        parent_id: Option<u64>,
    ) -> Result<(), StepError> {
        let room = self.room()?;
        let missing = || StepError::MissingParent { path: escape(&path.join("/")) };
        let (title, parent_path) = path.split_last().ok_or_else(missing)?;
        let parent = match parent_id {
            Some(id) => id,
            None if parent_path.is_empty() => room,
            // Not reached after a failed parent: the room's later steps are skipped.
            None => *self.folders.get(parent_path).ok_or_else(missing)?,
        };
        let id = self.folder_in(parent, title).await?;
        self.folders.insert(path.to_vec(), id);
        Ok(())
    }

    /// The folder titled `title` in `parent`: one another run made since this run read the
    /// portal, or this run's; a twin another run created at the same time is settled (see
    /// `twins`), and the run goes on in the folder that stays, if it is still there.
    async fn folder_in(&self, parent: u64, title: &str) -> Result<u64, StepError> {
        let stored = crate::docspace::stored_title(title);
        let twins = FolderTwins { portal: self.portal, parent, title: &stored };
        if let Some(oldest) = twins.look(None).await?.into_iter().min() {
            tracing::info!(parent, id = oldest, title = stored, "another run made the folder");
            return Ok(oldest);
        }
        let made = self.portal.create_folder(parent, title).await?;
        match twins::settle(self.portal, &twins, made.confirmed.then_some(made.item.id)).await? {
            Settled::Kept(id) | Settled::Removed { survivor: id, stays: true, .. } => Ok(id),
            Settled::Removed { mine, survivor, stays: false } => {
                Err(twins::gone_error("folder", escape(&stored), &mine, &survivor))
            }
        }
    }
}

/// One update carrying `after`, then the room read back: a setting that did not take (a
/// watermark the portal dropped, a quota it does not show) fails the step.
async fn set_settings(portal: &Portal, room: u64, after: &Settings) -> Result<(), StepError> {
    portal.update_room_settings(room, after).await?;
    let problems = match portal.get_room(room).await? {
        Some(now) => crate::portal::settings::unapplied(after, &now),
        None => vec!["the room is gone".to_owned()],
    };
    if problems.is_empty() { Ok(()) } else { Err(StepError::SettingsNotApplied { room, problems }) }
}

/// Moves an empty folder to the trash (never deletes permanently), after checking again, right
/// before, that it is still there and empty by its counts and by a listing: the portal deletes
/// a folder with all its content. That check is made once every unfinished delete operation of
/// this account has ended (see `Portal::before_trash`): a folder then in the trash was moved
/// there by an earlier move (one whose outcome an earlier run could not learn, or another
/// run's), and is done. Done is in the trash (recoverable), as a portal shows it.
async fn trash_folder(portal: &Portal, id: u64, path: &[String]) -> Result<(), StepError> {
    let changed = |what: &str| StepError::FolderChanged {
        id,
        title: escape(path.last().map_or("", String::as_str)),
        what: what.to_owned(),
    };
    let folder = match portal.before_trash(id).await? {
        Whereabouts::Live(folder) => folder,
        Whereabouts::Trashed => {
            tracing::info!(id, "an earlier move put the folder in the trash");
            return Ok(());
        }
        Whereabouts::Gone => return Err(changed("is gone")),
    };
    if !folder.folder().is_empty() || portal.listing_total(id).await? != 0 {
        return Err(changed("is not empty any more: left alone"));
    }
    portal.trash_folder(folder).await?;
    match portal.whereabouts(id).await? {
        Whereabouts::Trashed => Ok(()),
        Whereabouts::Gone => Err(changed("was deleted for good, not moved to the trash")),
        Whereabouts::Live(_) => Err(changed("is not in the trash after its operation finished")),
    }
}

/// Sends a room's member changes in one request, then reads the members back: a 200 does not
/// prove an invitation took effect (a portal silently drops terminated users, some guests).
async fn set_members(
    portal: &Portal,
    room: u64,
    notify: bool,
    changes: &[MemberChange],
) -> Result<(), StepError> {
    let invitations: Vec<Invitation> = changes
        .iter()
        .map(|change| Invitation {
            portal_id: change.portal_id.clone(),
            email: match &change.member {
                Member::User(email) => Some(email.clone()),
                Member::Group(_) => None,
            },
            access: change.after.map_or(0, super::docspace::Access::code),
        })
        .collect();
    portal.set_room_members(room, &invitations, notify).await?;
    let now = portal.room_members(room).await?;
    let problems: Vec<String> =
        changes.iter().filter_map(|change| unapplied(change, &now)).collect();
    if problems.is_empty() { Ok(()) } else { Err(StepError::MembersNotApplied { room, problems }) }
}

/// Why `change` is not reflected in `now`, if it is not.
fn unapplied(change: &MemberChange, now: &[RoomMember]) -> Option<String> {
    let found = now.iter().find(|member| {
        let same_id = change.portal_id.as_deref() == Some(member.id.as_str());
        let same_kind = member.member.is_group() == change.member.is_group();
        // A group is known by its id only; a person also by address (an invitation has none).
        same_kind && (same_id || (!change.member.is_group() && member.member.is(&change.member)))
    });
    let who = escape(&change.member.to_string());
    match (change.after, found) {
        (Some(access), Some(member)) if member.access == access.code() => None,
        (Some(access), Some(_)) => Some(format!("`{who}` does not have {access} access")),
        (Some(_), None) => Some(format!(
            "`{who}` was not added: the portal dropped the invitation (a terminated account, or a guest it does not allow)"
        )),
        (None, Some(_)) => Some(format!("`{who}` was not removed")),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docspace::Access;

    #[test]
    fn an_invitation_read_back_matches_its_address_in_any_case_non_ascii_included() {
        let change = MemberChange {
            member: Member::User("ÄNNE@example.com".into()),
            portal_id: None,
            before: None,
            after: Some(Access::Viewer),
            cause: None,
        };
        let now = [RoomMember {
            id: "u1".into(),
            member: Member::User("änne@example.com".into()),
            access: Access::Viewer.code(),
            is_owner: false,
        }];
        assert_eq!(unapplied(&change, &now), None);
        let group =
            RoomMember { member: Member::Group("änne@example.com".into()), ..now[0].clone() };
        assert!(unapplied(&change, &[group]).is_some(), "a group is never the invited person");
    }
}
