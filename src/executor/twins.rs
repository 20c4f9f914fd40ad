//! Two runs at once. Two `apply` runs of one manifest started together both read a portal
//! without the room (or folder), and both create it: two rooms of one title, which every later
//! plan refuses as ambiguous. Nothing central tells the runs apart, so each run, on its own:
//!
//! 1. checks the title again right before it creates, against the rooms created since it read
//!    the portal as its latest look listed them (one before its first create, then one after
//!    each), or against the folder's parent (a run that planned before another created does not
//!    create again: a person at the prompt while CI applies);
//! 2. after its create, looks again for twins: items of that title that did not exist when it
//!    read the portal; and
//! 3. settles them by one rule every run applies alike: the oldest (the lowest id: a portal
//!    numbers rooms and folders in the order it creates them) stays. A run whose item is younger
//!    removes its own, and only its own; a run whose item is the oldest waits for the younger
//!    twins to go, and removes its own after all if they are still there when its window ends
//!    (their run saw no twin, crashed, or found its own in use).
//!
//! A run removes an item only if its create's answer named it (never one it only looked up
//! after an unknown outcome, which may be another run's), and only if it is untouched (see
//! [`in_use_room`] and [`in_use_folder`]); otherwise it stops, naming every twin.
//!
//! Why it holds for two runs A and B whose creates both succeed: each looks after its own
//! create was committed, so whichever committed second sees the other. If both see each other,
//! the younger removes its own and the older keeps its own. If only the older sees the younger,
//! it waits, then removes its own. If only the younger sees the older, it removes its own. No
//! run keeps an item while a twin it saw remains, so at most one stays. At worst (a younger
//! twin's removal outlasting the older run's window) both go, and the next `apply` creates one.
//! The limits are in the README: a run killed between its create and its look, and a create
//! whose outcome was unknown racing another run's.

use super::error::StepError;
use crate::model::RoomState;
use crate::portal::rooms::AREA_ANY;
use crate::portal::{Portal, Whereabouts};
use crate::text::{escape, plural};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Instant;

/// What one look for twins found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sighting<'a> {
    /// The id this run's create answered with; `None` when its outcome was unknown and the item
    /// was only found by its title, so it may be another run's.
    pub(crate) mine: Option<u64>,
    /// Every item now carrying the title that did not exist when this run read the portal.
    pub(crate) seen: &'a [u64],
    /// Whether this run has waited its whole window for younger twins to go.
    pub(crate) waited_out: bool,
    /// Why this run's own item is in use by now, if it is (read only when it would be removed).
    pub(crate) in_use: Option<&'a str>,
}

/// What a run does about the twins it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// No twin: this is the item.
    Keep(u64),
    /// This run's item (the id) is the oldest; the younger twins' runs remove theirs: look
    /// again.
    Wait(u64),
    /// Remove this run's item: `survivor` stays.
    RemoveMine { mine: u64, survivor: u64 },
    /// Twins this run may not settle: stop, naming them all (sorted).
    Conflict { ids: Vec<u64>, why: String },
}

/// The one rule every run applies to the twins it sees: the oldest (lowest id) stays; a run
/// removes only an item its create's answer named and that is not in use.
pub(crate) fn resolve(sighting: &Sighting<'_>) -> Verdict {
    let mut ids: Vec<u64> = sighting.seen.iter().copied().chain(sighting.mine).collect();
    ids.sort_unstable();
    ids.dedup();
    let Some(mine) = sighting.mine else {
        return match ids.as_slice() {
            [only] => Verdict::Keep(*only),
            _ => Verdict::Conflict {
                ids,
                why: "this run's create got no answer, so it cannot tell which one is its own"
                    .to_owned(),
            },
        };
    };
    let Some(&oldest_twin) = ids.iter().find(|id| **id != mine) else {
        return Verdict::Keep(mine);
    };
    if mine < oldest_twin && !sighting.waited_out {
        return Verdict::Wait(mine);
    }
    match sighting.in_use {
        None => Verdict::RemoveMine { mine, survivor: oldest_twin },
        Some(why) => Verdict::Conflict { ids, why: format!("{mine}, this run's, {why}") },
    }
}

/// How a run's twins were settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    /// This is the item, and no twin remains that this run saw.
    Kept(u64),
    /// This run removed its own item; `survivor` stays.
    Removed { mine: u64, survivor: u64 },
}

/// One kind of item that runs create by title: a room, or a folder in one parent.
pub(crate) trait Twins {
    /// `room` or `folder`, for messages.
    const KIND: &'static str;

    /// The title, escaped, for messages.
    fn title(&self) -> String;

    /// Every item now carrying the title that did not exist when this run read the portal
    /// (`mine`, this run's, need not be read again).
    async fn look(&self, mine: Option<u64>) -> Result<Vec<u64>, StepError>;

    /// Why the item is in use, if it is.
    async fn in_use(&self, id: u64) -> Result<Option<String>, StepError>;

    /// Removes the item (an untouched one this run created).
    async fn remove(&self, id: u64) -> Result<(), StepError>;
}

/// Looks for `twins` after a create and settles them (see the module's doc): looks again, with
/// growing pauses, while this run's item is the oldest and younger twins remain, for at most
/// `--create-lookup-window`. An interrupt ends the wait keeping this run's item.
pub(crate) async fn settle<T: Twins>(
    portal: &Portal,
    twins: &T,
    mine: Option<u64>,
) -> Result<Settled, StepError> {
    let window = portal.config().create_lookup_window;
    let started = Instant::now();
    let mut pause = portal.config().retry_min_delay;
    loop {
        let seen = twins.look(mine).await?;
        let waited_out = started.elapsed() >= window;
        let sighting = Sighting { mine, seen: &seen, waited_out, in_use: None };
        let mut verdict = resolve(&sighting);
        // Whether this run's item is in use matters only once the rule would remove it.
        let in_use = match verdict {
            Verdict::RemoveMine { mine, .. } => twins.in_use(mine).await?,
            _ => None,
        };
        if in_use.is_some() {
            verdict = resolve(&Sighting { in_use: in_use.as_deref(), ..sighting });
        }
        match verdict {
            Verdict::Keep(id) => return Ok(Settled::Kept(id)),
            Verdict::Wait(mine) if portal.is_interrupted() => return Ok(Settled::Kept(mine)),
            Verdict::Wait(_) => {
                tracing::info!(
                    kind = T::KIND,
                    title = twins.title(),
                    ?seen,
                    "another run created a twin; waiting for it to remove its own"
                );
                tokio::time::sleep(pause.min(window.saturating_sub(started.elapsed()))).await;
                pause = (pause * 2).min(crate::portal::rooms::MAX_LOOKUP_PAUSE);
            }
            Verdict::RemoveMine { mine, survivor } => {
                tracing::info!(
                    kind = T::KIND,
                    title = twins.title(),
                    mine,
                    survivor,
                    "another run created a twin; removing this run's"
                );
                if let Err(err) = twins.remove(mine).await {
                    let mut ids = seen.clone();
                    ids.push(mine);
                    ids.sort_unstable();
                    ids.dedup();
                    let why = format!("{mine}, this run's, could not be removed: {err}");
                    return Err(conflict::<T>(twins, &ids, why));
                }
                return Ok(Settled::Removed { mine, survivor });
            }
            Verdict::Conflict { ids, why } => return Err(conflict::<T>(twins, &ids, why)),
        }
    }
}

fn conflict<T: Twins>(twins: &T, ids: &[u64], why: String) -> StepError {
    twins_error(T::KIND, twins.title(), ids, why)
}

/// [`StepError::Twins`] for these ids.
pub(crate) fn twins_error(
    kind: &'static str,
    title: String,
    ids: &[u64],
    why: String,
) -> StepError {
    let all = if ids.len() == 2 { "both" } else { "all" };
    StepError::Twins { kind, title, ids: list(ids), all, why }
}

/// `12 and 13`, `12, 13 and 14`.
pub(crate) fn list(ids: &[u64]) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    match ids.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => ids.concat(),
    }
}

/// The rooms created since this run read the portal, as its looks have listed them (id and
/// stored title). Each look reads the listing newest first only down to a room it lists
/// already, so looking after each of a thousand creates stays about one request each.
pub(crate) struct NewRooms<'a> {
    known: &'a HashSet<u64>,
    listed: Mutex<HashMap<u64, String>>,
    /// The first look, made once, before the first create needs it.
    first: tokio::sync::OnceCell<()>,
}

impl<'a> NewRooms<'a> {
    /// No room listed yet; `known` holds the ids read while planning.
    pub(crate) fn new(known: &'a HashSet<u64>) -> NewRooms<'a> {
        NewRooms { known, listed: Mutex::new(HashMap::new()), first: tokio::sync::OnceCell::new() }
    }

    /// Lists the rooms created since the last look.
    async fn look(&self, portal: &Portal) -> Result<(), StepError> {
        let listed = |id: u64| self.known.contains(&id) || self.lock().contains_key(&id);
        let fresh = portal.rooms_created_since(&listed, AREA_ANY).await?;
        self.lock().extend(fresh.into_iter().map(|room| (room.id, room.title)));
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, String>> {
        self.listed.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The rooms listed with this stored title, sorted: `mine`, and the others each read again
    /// (one gone or renamed since is forgotten).
    async fn titled(
        &self,
        portal: &Portal,
        title: &str,
        mine: Option<u64>,
    ) -> Result<Vec<u64>, StepError> {
        let listed: Vec<u64> = {
            let rooms = self.lock();
            rooms.iter().filter(|(_, t)| *t == title).map(|(id, _)| *id).collect()
        };
        let mut now = Vec::new();
        for id in listed.into_iter().filter(|id| Some(*id) != mine) {
            match portal.get_room(id).await? {
                Some(room) if room.title == title => now.push(id),
                Some(room) => drop(self.lock().insert(id, room.title)),
                None => drop(self.lock().remove(&id)),
            }
        }
        now.extend(mine);
        now.sort_unstable();
        Ok(now)
    }
}

/// A new room's title, looked for among the rooms created since this run read the portal.
pub(crate) struct RoomTwins<'a> {
    pub(crate) portal: &'a Portal,
    /// The title in stored form.
    pub(crate) title: &'a str,
    pub(crate) new_rooms: &'a NewRooms<'a>,
}

impl RoomTwins<'_> {
    /// The rooms of this title created since this run read the portal, as of the last look
    /// (the first made now if none was): right before a create.
    pub(crate) async fn appeared(&self) -> Result<Vec<u64>, StepError> {
        self.new_rooms.first.get_or_try_init(|| self.new_rooms.look(self.portal)).await?;
        self.new_rooms.titled(self.portal, self.title, None).await
    }
}

impl Twins for RoomTwins<'_> {
    const KIND: &'static str = "room";

    fn title(&self) -> String {
        escape(self.title)
    }

    async fn look(&self, mine: Option<u64>) -> Result<Vec<u64>, StepError> {
        self.new_rooms.look(self.portal).await?;
        self.new_rooms.titled(self.portal, self.title, mine).await
    }

    async fn in_use(&self, id: u64) -> Result<Option<String>, StepError> {
        in_use_room(self.portal, id, self.title).await
    }

    /// Archive, then delete (see `Portal::remove_room`).
    async fn remove(&self, id: u64) -> Result<(), StepError> {
        Ok(self.portal.remove_room(id).await?)
    }
}

/// Why a room this run created moments ago is in use, if it is: it is gone, renamed or
/// archived, it holds a folder or a file (its counts, at any depth), or it has a member besides
/// its owner. Only rooms endpoints, which a key with `rooms:write` may read. Links are not
/// read: a room a create just made has only the links the portal gives every new room.
pub(crate) async fn in_use_room(
    portal: &Portal,
    id: u64,
    title: &str,
) -> Result<Option<String>, StepError> {
    let Some((room, items)) = portal.get_room_counted(id).await? else {
        return Ok(Some("is gone".to_owned()));
    };
    if room.title != title {
        return Ok(Some(format!("was renamed to \"{}\"", escape(&room.title))));
    }
    if room.state != RoomState::Active {
        return Ok(Some("was archived".to_owned()));
    }
    if items > 0 {
        return Ok(Some("is not empty".to_owned()));
    }
    let members = portal.room_members(id).await?;
    let others = members.iter().filter(|member| !member.is_owner).count();
    if others > 0 {
        return Ok(Some(format!("has {others} member{} besides its owner", plural(others))));
    }
    Ok(None)
}

/// A new folder's title in one parent: every folder there carrying it is new, since the plan
/// saw none (it would not create one otherwise).
pub(crate) struct FolderTwins<'a> {
    pub(crate) portal: &'a Portal,
    pub(crate) parent: u64,
    /// The title in stored form.
    pub(crate) title: &'a str,
}

impl Twins for FolderTwins<'_> {
    const KIND: &'static str = "folder";

    fn title(&self) -> String {
        escape(self.title)
    }

    async fn look(&self, _mine: Option<u64>) -> Result<Vec<u64>, StepError> {
        let folders = self.portal.subfolders(self.parent).await?;
        let same = folders.into_iter().filter(|f| !f.system && f.title == self.title);
        Ok(same.map(|folder| folder.id).collect())
    }

    async fn in_use(&self, id: u64) -> Result<Option<String>, StepError> {
        in_use_folder(self.portal, id, self.title).await
    }

    /// To the trash, as every folder the tool removes, once this account's unfinished deletes
    /// have ended (see `Portal::before_trash`); one already in the trash or gone is not in the
    /// parent any more either.
    async fn remove(&self, id: u64) -> Result<(), StepError> {
        match self.portal.before_trash(id).await? {
            Whereabouts::Live(folder) => self.portal.trash_folder(folder).await?,
            Whereabouts::Trashed | Whereabouts::Gone => {
                tracing::info!(id, "this run's twin folder left its parent already");
            }
        }
        Ok(())
    }
}

/// Why a folder this run created moments ago is in use, if it is: it is gone, renamed, or
/// holds anything (by its counts or its own listing).
pub(crate) async fn in_use_folder(
    portal: &Portal,
    id: u64,
    title: &str,
) -> Result<Option<String>, StepError> {
    let Some(folder) = portal.folder(id).await? else {
        return Ok(Some("is gone".to_owned()));
    };
    if folder.title != title {
        return Ok(Some(format!("was renamed to \"{}\"", escape(&folder.title))));
    }
    let items = portal.listing_total(id).await?;
    if !folder.is_empty() || items > 0 {
        return Ok(Some("is not empty".to_owned()));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(mine: Option<u64>, seen: &[u64], waited_out: bool, in_use: Option<&str>) -> Verdict {
        resolve(&Sighting { mine, seen, waited_out, in_use })
    }

    #[test]
    fn no_twin_keeps_this_runs_item_whether_or_not_the_listing_shows_it_yet() {
        assert_eq!(verdict(Some(12), &[12], false, None), Verdict::Keep(12));
        assert_eq!(verdict(Some(12), &[], false, None), Verdict::Keep(12));
    }

    #[test]
    fn the_younger_item_is_removed_when_untouched_and_the_oldest_survives() {
        assert_eq!(
            verdict(Some(13), &[12, 13], false, None),
            Verdict::RemoveMine { mine: 13, survivor: 12 }
        );
        assert_eq!(
            verdict(Some(14), &[13, 12, 14], false, None),
            Verdict::RemoveMine { mine: 14, survivor: 12 }
        );
    }

    #[test]
    fn the_oldest_item_waits_for_the_younger_twins_to_go() {
        assert_eq!(verdict(Some(12), &[12, 13], false, None), Verdict::Wait(12));
        assert_eq!(verdict(Some(12), &[13, 14], false, Some("is not empty")), Verdict::Wait(12));
    }

    #[test]
    fn the_oldest_item_is_removed_after_all_when_its_twins_outlast_the_window() {
        assert_eq!(
            verdict(Some(12), &[12, 13, 14], true, None),
            Verdict::RemoveMine { mine: 12, survivor: 13 }
        );
    }

    #[test]
    fn an_item_in_use_is_never_removed_and_the_conflict_names_every_twin() {
        let younger = verdict(Some(13), &[12, 13], false, Some("is not empty"));
        assert_eq!(
            younger,
            Verdict::Conflict { ids: vec![12, 13], why: "13, this run's, is not empty".into() }
        );
        let oldest = verdict(Some(12), &[13], true, Some("has 1 member besides its owner"));
        assert_eq!(
            oldest,
            Verdict::Conflict {
                ids: vec![12, 13],
                why: "12, this run's, has 1 member besides its owner".into()
            }
        );
    }

    #[test]
    fn an_item_only_looked_up_is_kept_alone_and_never_removed_among_twins() {
        assert_eq!(verdict(None, &[12], false, None), Verdict::Keep(12));
        for waited_out in [false, true] {
            let Verdict::Conflict { ids, why } = verdict(None, &[13, 12], waited_out, None) else {
                panic!("an unconfirmed create never settles twins");
            };
            assert_eq!(ids, [12, 13]);
            assert!(why.contains("cannot tell which one is its own"), "{why}");
        }
        assert!(matches!(verdict(None, &[], false, None), Verdict::Conflict { .. }));
    }

    #[test]
    fn both_runs_reach_the_same_survivor_from_either_side() {
        // Run A made 12, run B made 13; each sees both.
        let a = verdict(Some(12), &[12, 13], false, None);
        let b = verdict(Some(13), &[12, 13], false, None);
        assert_eq!(a, Verdict::Wait(12));
        assert_eq!(b, Verdict::RemoveMine { mine: 13, survivor: 12 });
        // B's twin is gone: A keeps its own.
        assert_eq!(verdict(Some(12), &[12], false, None), Verdict::Keep(12));
        // B never saw A (A's commit became visible late): B keeps its own, A gives way.
        assert_eq!(verdict(Some(13), &[13], false, None), Verdict::Keep(13));
        assert_eq!(
            verdict(Some(12), &[12, 13], true, None),
            Verdict::RemoveMine { mine: 12, survivor: 13 }
        );
    }

    #[test]
    fn ids_are_listed_for_messages() {
        assert_eq!(list(&[12]), "12");
        assert_eq!(list(&[12, 13]), "12 and 13");
        assert_eq!(list(&[12, 13, 14]), "12, 13 and 14");
    }
}
