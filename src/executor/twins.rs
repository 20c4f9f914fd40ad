//! Two runs at once. Two `apply` runs of one manifest started together both read a portal
//! without the room (or folder, or a room's link), and both create it: two of one title, which
//! every later plan refuses as ambiguous. Nothing central tells the runs apart, so each run, on
//! its own:
//!
//! 1. checks the title again right before it creates, against the rooms created since it read
//!    the portal as its latest look listed them (one before its first create, then one after
//!    each), or against the folder's parent, or the room's links (a run that planned before
//!    another created does not create again: a person at the prompt while CI applies);
//! 2. after its create, looks again for twins: items of that title that did not exist when it
//!    read the portal; and
//! 3. settles them by one rule every run applies alike: the first by id stays (for rooms and
//!    folders the oldest: a portal numbers them in the order it creates them; a link's id is
//!    random, but every run sees the same ones). A run whose item is not the first removes its
//!    own, and only its own; a run whose item is the first waits for the others to go, and
//!    removes its own after all if they are still there when its window ends (their run saw
//!    no twin, crashed, or found its own in use). A run whose create got no answer waits the
//!    same window for the others to settle and takes the one that remains.
//!
//! A run removes an item only if its create's answer named it (never one it only looked up
//! after an unknown outcome, which may be another run's), and only if it is untouched (see
//! [`in_use_room`] and [`in_use_folder`]); otherwise it stops, naming every twin. Right before
//! removing, it looks once more: if the twin went meanwhile (its run gave way), it keeps its
//! own. Then it renames its room or folder out of the title (the mark: another run's look stops
//! counting it at once, while the removal itself may take a while), checks it untouched again,
//! and removes it (a room by one `DELETE` where the portal allows it, else archived first and
//! checked again once archived); if it turned out in use, it is given back its title (and
//! unarchived) and left. A link is removed by one synchronous request, so it is not marked.
//! After its removal a run reads the item that stays: if that is gone or marked too (both runs
//! gave way at the same moment), the step fails saying so.
//!
//! Why it holds for two runs A and B whose creates both succeed: each looks after its own
//! create was committed, so whichever committed second sees the other. If both see each other,
//! the younger removes its own and the older keeps its own. If only the older sees the younger,
//! it waits, then removes its own. If only the younger sees the older, it removes its own. No
//! run keeps an item while a twin it saw remains, so at most one stays. Both go only if the
//! older run's last look before its removal comes before the younger's mark, that is if the
//! older's window ends within about a round trip of the younger's removal starting; each run
//! then sees the other's item marked or gone when it reads it after its own removal, since
//! each marks its own before removing it. The limits are in the README: a run killed between
//! its create and its look, and a create whose outcome was unknown racing another run's.

use super::error::StepError;
use crate::docspace::{MAX_FOLDER_TITLE_UNITS, MAX_TITLE_UNITS, stored_title, utf16_len};
use crate::model::{PortalLink, RoomState};
use crate::portal::Portal;
use crate::portal::rooms::{AREA_ANY, RoomRead, Tail};
use crate::portal::{ApiError, Whereabouts};
use crate::text::{escape, plural};
use std::collections::{HashMap, HashSet};
use std::fmt::{Debug, Display};
use std::sync::Mutex;
use std::time::Instant;

/// What one look for twins found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sighting<'a, I> {
    /// The id this run's create answered with; `None` when its outcome was unknown and the item
    /// was only found by its title, so it may be another run's.
    pub(crate) mine: Option<&'a I>,
    /// Every item now carrying the title that did not exist when this run read the portal.
    pub(crate) seen: &'a [I],
    /// Whether this run has waited its whole window for the other twins to go.
    pub(crate) waited_out: bool,
    /// Why this run's own item is in use by now, if it is (read only when it would be removed).
    pub(crate) in_use: Option<&'a str>,
}

/// What a run does about the twins it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict<I> {
    /// No twin: this is the item.
    Keep(I),
    /// Look again: this run's item (its id) is the first and the others' runs remove theirs,
    /// or (`None`) this run cannot tell its own and waits for the others to settle.
    Wait(Option<I>),
    /// Remove this run's item: `survivor` stays.
    RemoveMine { mine: I, survivor: I },
    /// Twins this run may not settle: stop, naming them all (sorted). `mine` is this run's
    /// item, which `why` is about; `None`: `why` says why this run cannot tell its own.
    Conflict { ids: Vec<I>, mine: Option<I>, why: String },
}

/// Why a run whose create got no answer settles no twins.
const UNCONFIRMED: &str = "this run's create got no answer, so it cannot tell which one is its own";

/// The one rule every run applies to the twins it sees: the first by id stays; a run removes
/// only an item its create's answer named and that is not in use.
pub(crate) fn resolve<I: Ord + Clone>(sighting: &Sighting<'_, I>) -> Verdict<I> {
    let mut ids: Vec<I> = sighting.seen.iter().chain(sighting.mine).cloned().collect();
    ids.sort_unstable();
    ids.dedup();
    let Some(mine) = sighting.mine else {
        return match ids.as_slice() {
            [only] => Verdict::Keep(only.clone()),
            [_, _, ..] if !sighting.waited_out => Verdict::Wait(None),
            _ => Verdict::Conflict { ids, mine: None, why: UNCONFIRMED.to_owned() },
        };
    };
    let Some(first_twin) = ids.iter().find(|id| *id != mine) else {
        return Verdict::Keep(mine.clone());
    };
    if mine < first_twin && !sighting.waited_out {
        return Verdict::Wait(Some(mine.clone()));
    }
    match sighting.in_use {
        None => Verdict::RemoveMine { mine: mine.clone(), survivor: first_twin.clone() },
        Some(why) => Verdict::Conflict { ids, mine: Some(mine.clone()), why: why.to_owned() },
    }
}

/// How a run's twins were settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Settled<I> {
    /// This is the item, and no twin remains that this run saw.
    Kept(I),
    /// This run removed its own item; `survivor` was to stay, and `stays` says whether it was
    /// still there under the title when read after the removal.
    Removed { mine: I, survivor: I, stays: bool },
}

/// One kind of item that runs create by title: a room, a folder in one parent, a link in one
/// room.
pub(crate) trait Twins {
    /// The item's id.
    type Id: Ord + Clone + Display + Debug;

    /// `room`, `folder` or `link`, for messages.
    const KIND: &'static str;

    /// The title, escaped, for messages.
    fn title(&self) -> String;

    /// Every item now carrying the title that did not exist when this run read the portal
    /// (`mine`, this run's, need not be read again).
    async fn look(&self, mine: Option<&Self::Id>) -> Result<Vec<Self::Id>, StepError>;

    /// Why the item is in use, if it is.
    async fn in_use(&self, id: &Self::Id) -> Result<Option<String>, StepError>;

    /// Removes this run's untouched item (see the module's doc): `Ok(Some(why))` when it
    /// turned out in use on the way, and was left as it was.
    async fn remove(&self, id: &Self::Id) -> Result<Option<String>, StepError>;

    /// Whether the item is there, under the title.
    async fn stays(&self, id: &Self::Id) -> Result<bool, StepError>;
}

/// Looks for `twins` after a create and settles them (see the module's doc): looks again, with
/// growing pauses, while this run's item is the first and other twins remain (or while it
/// cannot tell its own), for at most `--create-lookup-window`. An interrupt ends the wait
/// keeping this run's item.
pub(crate) async fn settle<T: Twins>(
    portal: &Portal,
    twins: &T,
    mine: Option<T::Id>,
) -> Result<Settled<T::Id>, StepError> {
    let window = portal.config().create_lookup_window;
    let started = Instant::now();
    let mut pause = portal.config().retry_min_delay;
    // Whether this run's item was found untouched since the verdict last said to wait: the
    // look after that check decides the removal.
    let mut checked = false;
    loop {
        let seen = twins.look(mine.as_ref()).await?;
        let waited_out = started.elapsed() >= window;
        let sighting = Sighting { mine: mine.as_ref(), seen: &seen, waited_out, in_use: None };
        let all = || {
            let mut ids: Vec<T::Id> = seen.iter().chain(mine.as_ref()).cloned().collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        match resolve(&sighting) {
            Verdict::Keep(id) => return Ok(Settled::Kept(id)),
            Verdict::Wait(Some(mine)) if portal.is_interrupted() => {
                return Ok(Settled::Kept(mine));
            }
            Verdict::Wait(None) if portal.is_interrupted() => {
                return Err(conflict(twins, &all(), None, UNCONFIRMED));
            }
            Verdict::Wait(_) => {
                checked = false;
                tracing::info!(
                    kind = T::KIND,
                    title = twins.title(),
                    ?seen,
                    "another run created a twin; waiting for the twins to settle"
                );
                tokio::time::sleep(pause.min(window.saturating_sub(started.elapsed()))).await;
                pause = (pause * 2).min(crate::portal::rooms::MAX_LOOKUP_PAUSE);
            }
            // Untouched? Then one more look, right before removing.
            Verdict::RemoveMine { mine, .. } if !checked => {
                if let Some(why) = twins.in_use(&mine).await? {
                    return Err(conflict(twins, &all(), Some(&mine), &why));
                }
                checked = true;
            }
            Verdict::RemoveMine { mine, survivor } => {
                tracing::info!(
                    kind = T::KIND,
                    title = twins.title(),
                    %mine,
                    %survivor,
                    "another run created a twin; removing this run's"
                );
                match twins.remove(&mine).await {
                    Ok(None) => {}
                    Ok(Some(why)) => return Err(conflict(twins, &all(), Some(&mine), &why)),
                    Err(err) => {
                        let why = format!("could not be removed: {err}");
                        return Err(conflict(twins, &all(), Some(&mine), &why));
                    }
                }
                // A failed read cannot confirm it stays: said as not confirmed.
                let stays = twins.stays(&survivor).await.unwrap_or(false);
                return Ok(Settled::Removed { mine, survivor, stays });
            }
            Verdict::Conflict { ids, mine, why } => {
                return Err(conflict(twins, &ids, mine.as_ref(), &why));
            }
        }
    }
}

/// [`StepError::Twins`]: `why` is about `mine`, this run's item, when it is named.
fn conflict<T: Twins>(twins: &T, ids: &[T::Id], mine: Option<&T::Id>, why: &str) -> StepError {
    let why = match mine {
        Some(mine) => format!("{} {mine}, this run's, {why}", T::KIND),
        None => why.to_owned(),
    };
    twins_error(T::KIND, twins.title(), ids, why)
}

/// [`StepError::Twins`] for these ids; `why` is a whole clause.
pub(crate) fn twins_error<I: Display>(
    kind: &'static str,
    title: String,
    ids: &[I],
    why: String,
) -> StepError {
    let all = if ids.len() == 2 { "both" } else { "all" };
    StepError::Twins { kind, title, ids: list(ids), all, why }
}

/// [`StepError::TwinsGone`]: this run removed `mine`, and `survivor` was not there after.
pub(crate) fn gone_error<I: Display>(
    kind: &'static str,
    title: String,
    mine: &I,
    survivor: &I,
) -> StepError {
    StepError::TwinsGone { kind, title, mine: mine.to_string(), survivor: survivor.to_string() }
}

/// `12 and 13`, `12, 13 and 14`.
pub(crate) fn list<I: Display>(ids: &[I]) -> String {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    match ids.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => ids.concat(),
    }
}

/// The title a run gives its own twin right before removing it, within `max_units` UTF-16
/// units: the title, cut if need be, then ` (duplicate 13, being removed)`. Another run's look
/// stops counting the item as a twin from that moment, and a copy that is left (its removal
/// failed) says what it is.
fn marked_title(title: &str, id: u64, max_units: usize) -> String {
    let suffix = format!(" (duplicate {id}, being removed)");
    let room = max_units.saturating_sub(utf16_len(&suffix));
    let mut units = 0;
    let kept: String = title
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= room
        })
        .collect();
    format!("{}{suffix}", kept.trim_end())
}

/// The rooms created since this run read the portal, as its looks have listed them (id and
/// stored title). Each look reads the listing from its end back only to the rooms it lists
/// already (and the rooms created in the same second), so looking after each of a thousand
/// creates stays about one request each.
pub(crate) struct NewRooms<'a> {
    known: &'a HashSet<u64>,
    listed: Mutex<HashMap<u64, String>>,
    /// Where the last look found the listing's end, and how far back it read.
    tail: Mutex<Tail>,
    /// The first look, made once, before the first create needs it.
    first: tokio::sync::OnceCell<()>,
}

impl<'a> NewRooms<'a> {
    /// No room listed yet; `known` holds the ids read while planning (every room then).
    pub(crate) fn new(known: &'a HashSet<u64>) -> NewRooms<'a> {
        NewRooms {
            known,
            listed: Mutex::new(HashMap::new()),
            tail: Mutex::new(Tail { total: known.len(), depth: 0 }),
            first: tokio::sync::OnceCell::new(),
        }
    }

    /// Lists the rooms created since the last look.
    async fn look(&self, portal: &Portal) -> Result<(), StepError> {
        let listed = |id: u64| self.known.contains(&id) || self.lock().contains_key(&id);
        let hint = *self.tail.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let since = portal.rooms_created_since(&listed, AREA_ANY, hint).await?;
        *self.tail.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = since.tail;
        self.lock().extend(since.rooms.into_iter().map(|room| (room.id, room.title)));
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

    /// Marked, checked again, then deleted (archived first and checked again where the portal
    /// deletes only archived rooms, noting in `archived` that it did); `Ok(Some(why))` when
    /// found in use on the way.
    async fn remove_marked(
        &self,
        id: u64,
        marked: &str,
        archived: &mut bool,
    ) -> Result<Option<String>, StepError> {
        let portal = self.portal;
        let read = match untouched_room(portal, id, marked, RoomState::Active).await? {
            Ok(read) => read,
            Err(why) => return Ok(Some(why)),
        };
        if !read.deletable {
            *archived = true;
            portal.archive_new_room(id).await?;
            // An archived room takes no new content (server `FileSecurity.cs` L1752-1764).
            if let Err(why) = untouched_room(portal, id, marked, RoomState::Archived).await? {
                return Ok(Some(why));
            }
        }
        portal.delete_new_room(id).await?;
        Ok(None)
    }

    /// Gives a room whose removal was called off back what this run changed: its state, if
    /// this run `archived` it, and its title, if it still carries the mark (an archived room
    /// cannot be renamed, so in that order).
    async fn restore(&self, id: u64, marked: &str, archived: bool) -> Result<(), StepError> {
        let Some(room) = self.portal.get_room(id).await? else { return Ok(()) };
        if archived && room.state == RoomState::Archived {
            self.portal.unarchive_new_room(id).await?;
        }
        if room.title == marked && marked != self.title {
            self.portal.rename_room(id, self.title).await?;
        }
        Ok(())
    }
}

impl Twins for RoomTwins<'_> {
    type Id = u64;
    const KIND: &'static str = "room";

    fn title(&self) -> String {
        escape(self.title)
    }

    async fn look(&self, mine: Option<&u64>) -> Result<Vec<u64>, StepError> {
        self.new_rooms.look(self.portal).await?;
        self.new_rooms.titled(self.portal, self.title, mine.copied()).await
    }

    async fn in_use(&self, id: &u64) -> Result<Option<String>, StepError> {
        Ok(untouched_room(self.portal, *id, self.title, RoomState::Active).await?.err())
    }

    async fn remove(&self, id: &u64) -> Result<Option<String>, StepError> {
        let marked = stored_title(&marked_title(self.title, *id, MAX_TITLE_UNITS));
        let marked = match self.portal.rename_room(*id, &marked).await {
            Ok(_) => marked,
            // Past a portal's daily limit of writes the rename (a PUT) is not sent; the room is
            // removed unmarked, a `DELETE` being outside that limit.
            Err(ApiError::LimitReached { .. }) => self.title.to_owned(),
            Err(err) => return Err(err.into()),
        };
        let mut archived = false;
        let outcome = self.remove_marked(*id, &marked, &mut archived).await;
        if !matches!(outcome, Ok(None))
            && let Err(err) = self.restore(*id, &marked, archived).await
        {
            tracing::warn!(room = id, error = %err, "could not give the room its title back");
        }
        outcome
    }

    async fn stays(&self, id: &u64) -> Result<bool, StepError> {
        let room = self.portal.get_room(*id).await?;
        Ok(room.is_some_and(|room| room.title == self.title && room.state == RoomState::Active))
    }
}

/// Why a room this run created moments ago is in use, if it is: it is gone, renamed (from
/// `title`) or not `state`, it has a member besides its owner, or it holds a folder or a file
/// (its counts, at any depth: read last, right before what the caller does next). Only rooms
/// endpoints, which a key with `rooms:write` may read. Links are not read: a room a create just
/// made has only the links the portal gives every new room.
pub(crate) async fn untouched_room(
    portal: &Portal,
    id: u64,
    title: &str,
    state: RoomState,
) -> Result<Result<RoomRead, String>, StepError> {
    let gone = || Ok(Err("is gone".to_owned()));
    let members = match portal.room_members(id).await {
        Ok(members) => members,
        Err(err) if err.status() == Some(404) => return gone(),
        Err(err) => return Err(err.into()),
    };
    let Some(read) = portal.read_room(id).await? else { return gone() };
    if read.room.title != title {
        return Ok(Err(format!("was renamed to \"{}\"", escape(&read.room.title))));
    }
    if read.room.state != state {
        return Ok(Err(match state {
            RoomState::Active => "was archived".to_owned(),
            RoomState::Archived => "was unarchived".to_owned(),
        }));
    }
    let others = members.iter().filter(|member| !member.is_owner).count();
    if others > 0 {
        return Ok(Err(format!("has {others} member{} besides its owner", plural(others))));
    }
    if read.items > 0 {
        return Ok(Err("is not empty".to_owned()));
    }
    Ok(Ok(read))
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
    type Id = u64;
    const KIND: &'static str = "folder";

    fn title(&self) -> String {
        escape(self.title)
    }

    async fn look(&self, _mine: Option<&u64>) -> Result<Vec<u64>, StepError> {
        let folders = self.portal.subfolders(self.parent).await?;
        let same = folders.into_iter().filter(|f| !f.system && f.title == self.title);
        Ok(same.map(|folder| folder.id).collect())
    }

    async fn in_use(&self, id: &u64) -> Result<Option<String>, StepError> {
        in_use_folder(self.portal, *id, self.title).await
    }

    /// Marked, checked again, then to the trash, as every folder the tool removes, once this
    /// account's unfinished deletes have ended (see `Portal::before_trash`); one already in the
    /// trash or gone is not in the parent any more either.
    async fn remove(&self, id: &u64) -> Result<Option<String>, StepError> {
        let marked = stored_title(&marked_title(self.title, *id, MAX_FOLDER_TITLE_UNITS));
        self.portal.rename_folder(*id, &marked).await?;
        if let Some(why) = in_use_folder(self.portal, *id, &marked).await? {
            // Given its title back, unless someone renamed it since.
            if self.portal.folder(*id).await?.is_some_and(|folder| folder.title == marked) {
                self.portal.rename_folder(*id, self.title).await?;
            }
            return Ok(Some(why));
        }
        match self.portal.before_trash(*id).await? {
            Whereabouts::Live(folder) => self.portal.trash_folder(folder).await?,
            Whereabouts::Trashed | Whereabouts::Gone => {
                tracing::info!(id, "this run's twin folder left its parent already");
            }
        }
        Ok(None)
    }

    async fn stays(&self, id: &u64) -> Result<bool, StepError> {
        Ok(match self.portal.whereabouts(*id).await? {
            Whereabouts::Live(folder) => folder.title == self.title,
            Whereabouts::Trashed | Whereabouts::Gone => false,
        })
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

/// A new link's name in one room: every link there carrying it is new, since the plan saw none
/// (it would not create one otherwise).
pub(crate) struct LinkTwins<'a> {
    pub(crate) portal: &'a Portal,
    pub(crate) room: u64,
    pub(crate) name: &'a str,
}

impl LinkTwins<'_> {
    async fn read(&self) -> Result<Vec<PortalLink>, ApiError> {
        self.portal.room_links(self.room).await
    }

    /// The links of this name now, by id.
    pub(crate) async fn named(&self) -> Result<Vec<PortalLink>, ApiError> {
        let mut named: Vec<PortalLink> =
            self.read().await?.into_iter().filter(|l| l.is_named(false, self.name)).collect();
        named.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        Ok(named)
    }
}

impl Twins for LinkTwins<'_> {
    type Id = String;
    const KIND: &'static str = "link";

    fn title(&self) -> String {
        escape(self.name)
    }

    async fn look(&self, _mine: Option<&String>) -> Result<Vec<String>, StepError> {
        Ok(self.named().await?.into_iter().map(|link| link.id).collect())
    }

    /// A link shows no use; it is in use only if it is gone or was renamed.
    async fn in_use(&self, id: &String) -> Result<Option<String>, StepError> {
        let links = self.read().await?;
        Ok(match links.iter().find(|l| &l.id == id) {
            None => Some("is gone".to_owned()),
            Some(link) if !link.is_named(false, self.name) => {
                Some(format!("was renamed to \"{}\"", escape(&link.title)))
            }
            Some(_) => None,
        })
    }

    /// One synchronous request: nothing to mark.
    async fn remove(&self, id: &String) -> Result<Option<String>, StepError> {
        self.portal.remove_room_link(self.room, id).await?;
        Ok(None)
    }

    async fn stays(&self, id: &String) -> Result<bool, StepError> {
        let links = self.read().await?;
        Ok(links.iter().any(|l| &l.id == id && l.is_named(false, self.name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(
        mine: Option<u64>,
        seen: &[u64],
        waited_out: bool,
        in_use: Option<&str>,
    ) -> Verdict<u64> {
        resolve(&Sighting { mine: mine.as_ref(), seen, waited_out, in_use })
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
        assert_eq!(verdict(Some(12), &[12, 13], false, None), Verdict::Wait(Some(12)));
        assert_eq!(
            verdict(Some(12), &[13, 14], false, Some("is not empty")),
            Verdict::Wait(Some(12))
        );
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
            Verdict::Conflict { ids: vec![12, 13], mine: Some(13), why: "is not empty".into() }
        );
        let oldest = verdict(Some(12), &[13], true, Some("has 1 member besides its owner"));
        assert_eq!(
            oldest,
            Verdict::Conflict {
                ids: vec![12, 13],
                mine: Some(12),
                why: "has 1 member besides its owner".into()
            }
        );
    }

    #[test]
    fn an_item_only_looked_up_waits_for_its_twins_to_settle_and_is_never_removed() {
        assert_eq!(verdict(None, &[12], false, None), Verdict::Keep(12));
        assert_eq!(verdict(None, &[13, 12], false, None), Verdict::Wait(None));
        let Verdict::Conflict { ids, mine, why } = verdict(None, &[13, 12], true, None) else {
            panic!("an unconfirmed create never settles twins");
        };
        assert_eq!((ids, mine), (vec![12, 13], None));
        assert!(why.contains("cannot tell which one is its own"), "{why}");
        assert!(matches!(verdict(None, &[], false, None), Verdict::Conflict { .. }));
    }

    #[test]
    fn both_runs_reach_the_same_survivor_from_either_side() {
        // Run A made 12, run B made 13; each sees both.
        let a = verdict(Some(12), &[12, 13], false, None);
        let b = verdict(Some(13), &[12, 13], false, None);
        assert_eq!(a, Verdict::Wait(Some(12)));
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
    fn links_are_settled_by_their_ids_as_text() {
        let (first, second) = ("0b9c".to_owned(), "7f3e".to_owned());
        let seen = [second.clone(), first.clone()];
        let sighting =
            Sighting { mine: Some(&second), seen: &seen, waited_out: false, in_use: None };
        assert_eq!(
            resolve(&sighting),
            Verdict::RemoveMine { mine: second.clone(), survivor: first.clone() }
        );
        let sighting = Sighting { mine: Some(&first), ..sighting };
        assert_eq!(resolve(&sighting), Verdict::Wait(Some(first)));
    }

    #[test]
    fn ids_are_listed_for_messages() {
        assert_eq!(list(&[12]), "12");
        assert_eq!(list(&[12, 13]), "12 and 13");
        assert_eq!(list(&[12, 13, 14]), "12, 13 and 14");
    }

    #[test]
    fn a_marked_title_fits_the_portals_limit_and_keeps_what_it_can_of_the_title() {
        assert_eq!(marked_title("Inbox", 1004, 165), "Inbox (duplicate 1004, being removed)");
        let long = "é".repeat(170);
        let marked = marked_title(&long, 12, MAX_TITLE_UNITS);
        assert_eq!(utf16_len(&marked), MAX_TITLE_UNITS);
        assert!(marked.ends_with(" (duplicate 12, being removed)"), "{marked}");
        let emoji = "🎉".repeat(100);
        let marked = marked_title(&emoji, 12, MAX_FOLDER_TITLE_UNITS);
        assert!(utf16_len(&marked) <= MAX_FOLDER_TITLE_UNITS, "a pair is never split: {marked}");
    }
}
