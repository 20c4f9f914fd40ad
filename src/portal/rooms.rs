//! The rooms endpoints: list, read, create, rename, retag, archive, unarchive and delete, with
//! the wait for the asynchronous ones. Only the fields the tool manages are sent.

use super::client::{Portal, Repeat};
use super::error::ApiError;
use super::paging::READS;
use crate::docspace::{FOLDER_TYPE_ARCHIVE, MAX_PAGE_SIZE, RoomType};
use crate::model::{PortalRoom, PortalRoomType, RoomState};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};

const ROOMS: &str = "/api/2.0/files/rooms";

/// A room as the API sends it; only the fields the tool reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoomDto {
    id: u64,
    title: String,
    room_type: Option<i64>,
    root_folder_type: Option<i64>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    quota_limit: Option<i64>,
    #[serde(default)]
    is_custom_quota: Option<bool>,
    #[serde(default)]
    indexing: Option<bool>,
    #[serde(default)]
    deny_download: Option<bool>,
    #[serde(default)]
    lifetime: Option<super::settings::LifetimeDto>,
    #[serde(default)]
    watermark: Option<super::settings::WatermarkDto>,
    #[serde(default)]
    logo: Option<super::settings::LogoDto>,
    /// Pinned by the caller: a portal lists such rooms first, whatever the sort.
    #[serde(default)]
    pinned: bool,
    /// Files in the room, at any depth.
    #[serde(default)]
    files_count: u64,
    /// Folders in the room, at any depth.
    #[serde(default)]
    folders_count: u64,
    /// When it was created; a portal stores whole seconds.
    #[serde(default)]
    created: Option<String>,
    /// What the caller may do with it.
    #[serde(default)]
    security: Option<SecurityDto>,
}

/// The room's `security` the tool reads.
#[derive(Debug, Deserialize)]
struct SecurityDto {
    /// Whether `DELETE …/rooms/{id}` deletes it as it is: on v3.7.2 its creator may delete an
    /// active room (server `VirtualRoomsController.cs` L420-426, `FileSecurity.cs` L1747,
    /// L3520-3530; OBSERVED-ON-PORTALS §0 item 1); a portal that refuses says `false`.
    #[serde(default, rename = "Delete")]
    delete: bool,
}

#[derive(Debug, Deserialize)]
struct RoomPage {
    folders: Vec<RoomDto>,
    total: usize,
}

/// An asynchronous operation as the API reports it (`FileOperationDto`).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Operation {
    id: String,
    /// `FileOperationType`: 2 is a delete.
    #[serde(default, rename = "Operation")]
    kind: Option<i64>,
    #[serde(default)]
    progress: i64,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    finished: bool,
}

impl Operation {
    fn is_done(&self) -> bool {
        self.finished || self.progress >= 100 || self.failure().is_some()
    }

    fn failure(&self) -> Option<&str> {
        self.error.as_deref().filter(|e| !e.trim().is_empty())
    }
}

/// A room state for [`ApiError::NotConverged`] (`None`: gone).
fn state_name(state: Option<RoomState>) -> &'static str {
    match state {
        None => "deleted",
        Some(RoomState::Archived) => "archived",
        Some(RoomState::Active) => "active",
    }
}

fn room_dto(value: Value, request: &str) -> Result<RoomDto, ApiError> {
    serde_json::from_value(value).map_err(|err| ApiError::Malformed {
        request: request.to_owned(),
        status: 200,
        detail: format!("a room object: {err}"),
    })
}

fn room_from(value: Value, request: &str) -> Result<PortalRoom, ApiError> {
    room_from_dto(room_dto(value, request)?, request)
}

fn room_from_dto(dto: RoomDto, request: &str) -> Result<PortalRoom, ApiError> {
    let malformed =
        |detail: String| ApiError::Malformed { request: request.to_owned(), status: 200, detail };
    let code =
        dto.room_type.ok_or_else(|| malformed(format!("room {} has no `roomType`", dto.id)))?;
    let room_type =
        RoomType::from_code(code).map_or(PortalRoomType::Unknown(code), PortalRoomType::Known);
    let state = if dto.root_folder_type == Some(FOLDER_TYPE_ARCHIVE) {
        RoomState::Archived
    } else {
        RoomState::Active
    };
    let (settings, custom_logo) = super::settings::observed(
        super::settings::SettingsFields {
            quota_limit: dto.quota_limit,
            is_custom_quota: dto.is_custom_quota,
            indexing: dto.indexing,
            deny_download: dto.deny_download,
            lifetime: dto.lifetime,
            watermark: dto.watermark,
            logo: dto.logo,
        },
        state,
    );
    Ok(PortalRoom {
        id: dto.id,
        title: dto.title,
        room_type,
        state,
        tags: dto.tags.unwrap_or_default(),
        settings,
        custom_logo,
    })
}

/// The `searchArea` that lists every room, active and archived, of every type, on v3.7.2
/// (server `FileSecurity.cs` L2675-2682: the Rooms and Archive folders) and on newer portals,
/// which keep form-filling rooms out of `Active` but list them in `Any` (OBSERVED §9.1). The
/// newer portals' `Forms` area is never asked for: v3.7.2 answers it with a 400.
pub(crate) const AREA_ANY: &str = "Any";

/// The `searchArea` of the AI agents (server `SearchArea.cs` L39-63, value 7): an agent lives
/// in a folder of its own, which `Any` leaves out (`FileSecurity.cs` L2675-2682).
const AREA_AI_AGENTS: &str = "AiAgents";

/// The longest pause between two lookups of a write whose outcome is unknown (a create, a move
/// to the trash), and between two looks for twins (see `executor::twins`).
pub(crate) const MAX_LOOKUP_PAUSE: Duration = Duration::from_secs(4);

/// The page size of a look at the newest rooms: room DTOs are large, and a look after a create
/// usually needs only the few rooms created since the previous look. The first page of a look
/// reads this many before the end it expects and as many after it.
const NEWEST_PAGE: usize = 25;

/// A rooms listing by creation date, oldest first, from `start`. Every listing the tool reads
/// asks the same order: a portal saves the order a listing asks as the caller's default sort of
/// Rooms (server `VirtualRoomsController.cs` L927-931, `FileStorageService.cs` L360-363), so one
/// order changes that setting once, where two would flip it on every run.
fn page_query(
    start: usize,
    count: usize,
    filter: Option<&str>,
    area: &str,
) -> Vec<(&'static str, String)> {
    let mut query = vec![
        ("searchArea", area.to_owned()),
        ("startIndex", start.to_string()),
        ("count", count.to_string()),
        ("sortBy", "DateAndTimeCreation".to_owned()),
        ("sortOrder", "ascending".to_owned()),
    ];
    if let Some(filter) = filter {
        query.push(("filterValue", filter.to_owned()));
    }
    query
}

/// How many rooms each earlier page of a look shares with the one after it: a room created
/// or removed below the part read meanwhile moves the rest by one, and the overlap still meets
/// what was read as long as fewer than this many did.
const OVERLAP: usize = 10;

/// The most pages one look reads (10,000 rooms at its usual 40 a page): far more than are ever
/// created between two looks or in one second, so only a listing that is not what it says
/// reaches it.
const LOOK_PAGES: usize = 250;

/// One look's walk through the listing, newest first.
struct Walk<'a> {
    listed: &'a (dyn Fn(u64) -> bool + Sync),
    /// Every room this look has read.
    read: HashSet<u64>,
    /// The rooms created since, newest first.
    new: Vec<PortalRoom>,
    /// The creation second of the newest listed room met so far.
    newest_listed: Option<i64>,
}

impl Walk<'_> {
    /// Takes a page (oldest first), newest first: where in the page the look ends, at a room
    /// older by a whole second than the newest listed one, if it does.
    fn take(&mut self, page: Vec<Listed>) -> Option<usize> {
        for (at, room) in page.into_iter().enumerate().rev() {
            if !self.read.insert(room.room.id) {
                continue;
            }
            let listed = (self.listed)(room.room.id);
            if !room.pinned {
                let older = |second: i64| room.created.is_none_or(|created| created < second);
                if self.newest_listed.is_some_and(older) {
                    return Some(at);
                }
                if listed {
                    self.newest_listed.get_or_insert(room.created.unwrap_or(i64::MAX));
                }
            }
            if !listed {
                self.new.push(room.room);
            }
        }
        None
    }
}

/// Where a look at the newest rooms expects what it reads: from the last look.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tail {
    /// The list's `total`: where it ends.
    pub(crate) total: usize,
    /// How many rooms before the end the look read (rooms created in one second all are:
    /// in a burst of creates, more than a page).
    pub(crate) depth: usize,
}

/// What a look at the newest rooms found.
pub(crate) struct Since {
    /// The rooms created since, newest first.
    pub(crate) rooms: Vec<PortalRoom>,
    /// Where this look found the list's end, and how far back it read.
    pub(crate) tail: Tail,
}

/// One room as the listing gave it, with what a look needs besides.
struct Listed {
    room: PortalRoom,
    /// Pinned by the caller: a portal lists such rooms first, whatever the sort.
    pinned: bool,
    /// Its creation time (Unix seconds), if the portal sent one that reads.
    created: Option<i64>,
}

/// One room read by id, with what a run needs to tell whether it may remove it.
pub(crate) struct RoomRead {
    pub(crate) room: PortalRoom,
    /// Files and folders in it, at any depth (its `filesCount` plus `foldersCount`).
    pub(crate) items: u64,
    /// Whether the caller may delete it as it is (`security.Delete`): on v3.7.2 the room's
    /// creator may delete it active; a portal that says `false` deletes only archived rooms.
    pub(crate) deletable: bool,
}

/// What a create made: named by the create's own answer (`confirmed`), or looked up by its title
/// after a create whose outcome was unknown, when it may as well be another run's.
#[derive(Debug, Clone)]
pub(crate) struct Made<T> {
    /// The room or folder.
    pub(crate) item: T,
    /// Whether the create's answer named it, so this run certainly made it.
    pub(crate) confirmed: bool,
}

impl Portal {
    /// One page of rooms, oldest first, and the list's `total`.
    async fn room_page(
        &self,
        start: usize,
        count: usize,
        filter: Option<&str>,
        area: &str,
    ) -> Result<(Vec<Listed>, usize), ApiError> {
        let request = format!("GET {ROOMS}");
        let (page, _): (RoomPage, _) =
            self.get_typed(ROOMS, &page_query(start, count, filter, area)).await?;
        let rooms = page
            .folders
            .into_iter()
            .map(|room| {
                let pinned = room.pinned;
                let created = room.created.as_deref().and_then(crate::time::parse_date_time);
                room_from_dto(room, &request).map(|room| Listed { room, pinned, created })
            })
            .collect::<Result<_, _>>()?;
        Ok((rooms, page.total))
    }

    /// Every room, active and archived, of every type (see [`AREA_ANY`]): the first page gives
    /// `total`, the rest are read concurrently.
    pub async fn list_rooms(
        &self,
        on_page: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<PortalRoom>, ApiError> {
        self.list_rooms_matching(None, AREA_ANY, on_page).await
    }

    /// Every AI agent (see [`AREA_AI_AGENTS`]): not rooms to this tool, but a `type: ai`
    /// entry's title is checked against them.
    pub(crate) async fn list_agents(&self) -> Result<Vec<PortalRoom>, ApiError> {
        self.list_rooms_matching(None, AREA_AI_AGENTS, &|_, _| {}).await
    }

    /// Every matching room of `area`, read again while the list changes under the read (see
    /// `paging`).
    async fn list_rooms_matching(
        &self,
        filter: Option<&str>,
        area: &str,
        on_page: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<PortalRoom>, ApiError> {
        let page = |start: usize| async move {
            let (rooms, total) = self.room_page(start, MAX_PAGE_SIZE, filter, area).await?;
            Ok((rooms.into_iter().map(|listed| listed.room).collect(), total))
        };
        // The same room twice also means the pages shifted. Sorted in place, so a large
        // portal's rooms are held once.
        let distinct = |rooms: &mut Vec<PortalRoom>| {
            let listed = rooms.len();
            rooms.sort_unstable_by_key(|room| room.id);
            rooms.dedup_by_key(|room| room.id);
            rooms.len() == listed
        };
        self.read_list(&format!("GET {ROOMS}"), page, distinct, on_page).await
    }

    /// One room, or `None` when the portal says it does not exist.
    pub(crate) async fn get_room(&self, id: u64) -> Result<Option<PortalRoom>, ApiError> {
        Ok(self.read_room(id).await?.map(|read| read.room))
    }

    /// One room, how many files and folders it holds at any depth, and whether the caller may
    /// delete it as it is; `None` when the portal says it does not exist.
    pub(crate) async fn read_room(&self, id: u64) -> Result<Option<RoomRead>, ApiError> {
        let path = format!("{ROOMS}/{id}");
        let request = format!("GET {path}");
        let value = match self.get(&path, &[]).await {
            Ok(value) => value,
            Err(err) if err.status() == Some(404) => return Ok(None),
            Err(err) => return Err(err),
        };
        let dto = room_dto(value, &request)?;
        let items = dto.files_count + dto.folders_count;
        let deletable = dto.security.as_ref().is_some_and(|security| security.delete);
        Ok(Some(RoomRead { room: room_from_dto(dto, &request)?, items, deletable }))
    }

    /// The rooms of `area` created since the last look, whatever their title: the tail of the
    /// listing (oldest first, as every listing here), read from its end back, down to the
    /// first room older by a whole second than the newest room that `listed` holds (a room
    /// read while planning, or one an earlier look returned). `hint` is where the last look
    /// found the list's end and how far back it read: usually one request.
    ///
    /// Why a whole second: a portal stores `create_on` in whole seconds and breaks ties by
    /// title (server `DbFolder.cs` L116-118, `EntryManager.cs` L1012-1017), so a room created
    /// in the same second as a listed one may be listed on either side of it; rooms are
    /// created one at a time per portal (`FileStorageService.cs` L613-617), so none created
    /// since is older than that second. Pages are offsets, and a room created or removed
    /// between two page reads moves the later ones: each earlier page overlaps the one read
    /// before it, and must meet it there, or the look starts again (at most [`READS`] times).
    /// The caller's pinned rooms come first whatever the sort, so they are
    /// read only when the look reaches the head. Never by `filterValue`: on a portal with
    /// full-text search a filtered listing takes its ids from the search index
    /// (`FolderDao.GetRoomsAsync`), which a create only asks to update, without waiting
    /// (`FolderDao.InternalSaveFolderToDbAsync`), so a room just created may be missing from it
    /// for a while; this listing reads the database.
    pub(crate) async fn rooms_created_since(
        &self,
        listed: &(dyn Fn(u64) -> bool + Sync),
        area: &str,
        hint: Tail,
    ) -> Result<Since, ApiError> {
        let request = format!("GET {ROOMS}");
        // Back as far as the last look had to read, and as far again ahead: usually one page.
        let back = hint.depth.clamp(NEWEST_PAGE, MAX_PAGE_SIZE - NEWEST_PAGE);
        // Where the last look read further back than one page reaches (a burst of creates
        // filling one second), this one will too: the page before is read with the first, as
        // far back as the last look went and a little more, instead of after it.
        let before = (hint.depth > back)
            .then(|| (hint.depth - back + NEWEST_PAGE).min(MAX_PAGE_SIZE - OVERLAP));
        let mut start = hint.total.saturating_sub(back);
        for read in 1..=READS {
            // Only the first attempt reads ahead: a restart starts where the list now ends, and
            // a portal serving shorter pages than asked would waste the page on every one.
            let before = before.filter(|_| read == 1);
            match self.read_newest(listed, area, start, before).await? {
                Ok(since) => return Ok(since),
                Err(next) => {
                    tracing::info!(request, read, "the rooms changed while they were read; again");
                    start = next;
                }
            }
        }
        Err(ApiError::ListingChanged { request, reads: READS })
    }

    /// One look (see [`Portal::rooms_created_since`]) whose first page starts at `start`, and
    /// whose second, if `before` says how many older rooms it holds, is read at the same time;
    /// `Err` with where the next should start when that page did not reach the list's end, or
    /// when an earlier page no longer meets what was read (the list shifted further than the
    /// overlap between pages).
    async fn read_newest(
        &self,
        listed: &(dyn Fn(u64) -> bool + Sync),
        area: &str,
        mut start: usize,
        before: Option<usize>,
    ) -> Result<Result<Since, usize>, ApiError> {
        // How many older rooms to ask for per earlier page: fewer once a portal served fewer.
        let mut stride = before.unwrap_or(2 * NEWEST_PAGE - OVERLAP);
        let newest = self.room_page(start, MAX_PAGE_SIZE, None, area);
        let ((mut page, total), mut ahead) = match before {
            Some(_) if start > 0 => {
                let from = start.saturating_sub(stride);
                let earlier = self.room_page(from, start - from + OVERLAP, None, area);
                let (newest, earlier) = futures::future::join(newest, earlier).await;
                // The page read ahead fails the look only if the look comes to need it.
                (newest?, Some((from, earlier)))
            }
            _ => (newest.await?, None),
        };
        if start >= total && start > 0 {
            return Ok(Err(total.saturating_sub(NEWEST_PAGE)));
        }
        if start.saturating_add(page.len()) < total {
            // The list grew past the hint, or the portal serves shorter pages than asked.
            return Ok(Err(total - page.len().max(1)));
        }
        let mut walk = Walk { listed, read: HashSet::new(), new: Vec::new(), newest_listed: None };
        let mut pages = 1;
        loop {
            let end = walk.take(page);
            if end.is_some() || start == 0 {
                let depth = total.saturating_sub(start.saturating_add(end.unwrap_or(0)));
                return Ok(Ok(Since { rooms: walk.new, tail: Tail { total, depth } }));
            }
            pages += 1;
            if pages > LOOK_PAGES {
                // Never so many rooms created since the last look: a listing that does not
                // page as it says (a `total` far beyond its rooms) would be read for ever.
                let request = format!("GET {ROOMS}");
                let read = walk.read.len();
                return Err(ApiError::ListingIncomplete { request, reads: 1, read, total });
            }
            page = loop {
                let from = start.saturating_sub(stride);
                let count = start - from + OVERLAP;
                // The page read ahead is this one: `start` and `stride` are as they were then
                // (the guard only keeps that true if the code above changes).
                let (earlier, now) = match ahead.take() {
                    Some((read_from, read)) if read_from == from => read?,
                    _ => self.room_page(from, count, None, area).await?,
                };
                // A room read already ties this page to the last: whatever the list did in
                // between (a room created or removed below moves the rest by one), what
                // comes before it is older, and nothing between was skipped.
                if earlier.iter().any(|room| walk.read.contains(&room.room.id)) {
                    if earlier.iter().all(|room| walk.read.contains(&room.room.id)) {
                        // Nothing older than what was read: the list moved by a page or more
                        // (or a portal serves the same rooms whatever `startIndex` asks).
                        return Ok(Err(now.saturating_sub(NEWEST_PAGE)));
                    }
                    start = from;
                    break earlier;
                }
                match earlier.len() {
                    // Cut short: the portal's page size.
                    served if served < count && served > OVERLAP => stride = served - OVERLAP,
                    _ => return Ok(Err(now.saturating_sub(NEWEST_PAGE))),
                }
            };
        }
    }

    /// A room whose stored title is `title` (stored form) and whose id is not in `known`,
    /// among the rooms created since (see [`Portal::rooms_created_since`]).
    async fn find_new_room(
        &self,
        title: &str,
        known: &HashSet<u64>,
    ) -> Result<Option<PortalRoom>, ApiError> {
        let listed = |id| known.contains(&id);
        let hint = Tail { total: known.len(), depth: 0 };
        let since = self.rooms_created_since(&listed, AREA_ANY, hint).await?;
        Ok(since.rooms.into_iter().find(|room| room.title == title))
    }

    /// Creates a room. A create is not safe to repeat: it is sent again only when the portal
    /// certainly did not take it (a refused connection, a 429, a 503). When its outcome is
    /// unknown it is never sent again; the room is looked for instead (see
    /// `await_create`). `known` holds the ids read while planning.
    pub async fn create_room(
        &self,
        title: &str,
        room_type: RoomType,
        tags: &[String],
        known: &HashSet<u64>,
    ) -> Result<PortalRoom, ApiError> {
        self.create_room_with(title, room_type, tags, &crate::settings::Settings::default(), known)
            .await
            .map(|made| made.item)
    }

    /// [`Portal::create_room`], also sending `settings` (the simple ones: flags, colour,
    /// cover; quota, watermark and lifetime belong in an update after the create), and saying
    /// whether the room came from the create's answer or from a lookup after an unknown outcome.
    pub(crate) async fn create_room_with(
        &self,
        title: &str,
        room_type: RoomType,
        tags: &[String],
        settings: &crate::settings::Settings,
        known: &HashSet<u64>,
    ) -> Result<Made<PortalRoom>, ApiError> {
        let mut body = super::settings::update_body(settings);
        body["title"] = json!(title);
        body["roomType"] = json!(room_type.code());
        if !tags.is_empty() {
            body["tags"] = json!(tags);
        }
        let request = format!("POST {ROOMS}");
        match self.send(Method::POST, ROOMS, &[], Some(&body), Repeat::OnlyIfNotSent).await {
            Ok(value) => room_from(value, &request).map(|item| Made { item, confirmed: true }),
            Err(err) if err.outcome_unknown() => {
                let item = self.await_create(title, known, request, err).await?;
                Ok(Made { item, confirmed: false })
            }
            Err(err) => Err(err),
        }
    }

    /// After a create whose outcome is unknown: looks its title up (see [`Portal::look_up`])
    /// until a room that was not there while planning appears.
    async fn await_create(
        &self,
        title: &str,
        known: &HashSet<u64>,
        request: String,
        cause: ApiError,
    ) -> Result<PortalRoom, ApiError> {
        let stored = crate::docspace::stored_title(title);
        let what = format!("room \"{stored}\"");
        let lookup = || self.find_new_room(&stored, known);
        let found = self.look_up(&what, lookup).await;
        found.ok_or_else(|| self.create_outcome_unknown(request, "room", title, cause))
    }

    /// What a create whose outcome stayed unknown for the whole lookup window fails with.
    pub(super) fn create_outcome_unknown(
        &self,
        request: String,
        kind: &'static str,
        title: &str,
        cause: ApiError,
    ) -> ApiError {
        ApiError::CreateOutcomeUnknown {
            request,
            kind,
            title: crate::text::escape(title),
            window: self.config().create_lookup_window,
            last: Box::new(cause),
        }
    }

    /// Looks for what a write whose outcome is unknown did (`what` names it in the log):
    /// `lookup`, again and again with growing pauses, until it finds it or
    /// `--create-lookup-window` has passed (an interrupt ends it sooner). A portal may commit a
    /// write seconds after its gateway gave up, so one look right after is not enough. A lookup
    /// that fails tells nothing either way, so the next one is still made. The one loop of every
    /// such lookup: a room's, a folder's and a link's create, a folder's move to the trash.
    pub(super) async fn look_up<T, F, Fut>(&self, what: &str, mut lookup: F) -> Option<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, ApiError>>,
    {
        let window = self.config().create_lookup_window;
        let started = Instant::now();
        let mut pause = self.config().retry_min_delay;
        for attempt in 1.. {
            match lookup().await {
                Ok(Some(found)) => {
                    tracing::info!(what, attempt, "the write went through after all");
                    return Some(found);
                }
                Ok(None) => tracing::info!(what, attempt, "the write has not shown yet"),
                Err(err) => tracing::info!(what, attempt, error = %err, "the lookup failed"),
            }
            let left = window.saturating_sub(started.elapsed());
            if left.is_zero() || self.is_interrupted() {
                break;
            }
            tokio::time::sleep(pause.min(left)).await;
            pause = (pause * 2).min(MAX_LOOKUP_PAUSE);
        }
        None
    }

    /// Renames the room; the portal stores the title normalised (see `docspace::stored_title`).
    pub(crate) async fn rename_room(&self, id: u64, title: &str) -> Result<PortalRoom, ApiError> {
        self.update_room(id, json!({ "title": title })).await
    }

    /// Replaces the room's tags (`tags` in the update replaces the set).
    pub(crate) async fn set_room_tags(
        &self,
        id: u64,
        tags: &[String],
    ) -> Result<PortalRoom, ApiError> {
        self.update_room(id, json!({ "tags": tags })).await
    }

    pub(super) async fn update_room(&self, id: u64, body: Value) -> Result<PortalRoom, ApiError> {
        let path = format!("{ROOMS}/{id}");
        let value = self.send(Method::PUT, &path, &[], Some(&body), Repeat::Safe).await?;
        room_from(value, &format!("PUT {path}"))
    }

    /// Archives the room and waits until the portal shows it archived.
    pub(crate) async fn archive_room(&self, id: u64) -> Result<(), ApiError> {
        let path = format!("{ROOMS}/{id}/archive");
        self.run_operation(Method::PUT, &path, id, Some(RoomState::Archived)).await
    }

    /// Unarchives the room and waits until the portal shows it active.
    pub(crate) async fn unarchive_room(&self, id: u64) -> Result<(), ApiError> {
        let path = format!("{ROOMS}/{id}/unarchive");
        self.run_operation(Method::PUT, &path, id, Some(RoomState::Active)).await
    }

    /// Deletes the room permanently and waits until the portal no longer has it.
    pub(crate) async fn delete_room(&self, id: u64) -> Result<(), ApiError> {
        let path = format!("{ROOMS}/{id}");
        match self.run_operation(Method::DELETE, &path, id, None).await {
            // A retried delete whose first attempt went through finds nothing to delete.
            Err(err) if err.status() == Some(404) && self.get_room(id).await?.is_none() => Ok(()),
            other => other,
        }
    }

    /// Deletes a room this run just created, as it is (active, where the portal allows it:
    /// see [`RoomRead::deletable`]), and waits until the portal no longer has it. `DELETE` is
    /// not counted by a portal's daily limit of writes (server `BaseStartup.cs` L295-299).
    pub(crate) async fn delete_new_room(&self, id: u64) -> Result<(), ApiError> {
        self.unobserved(Method::DELETE, &format!("{ROOMS}/{id}"), id, None).await
    }

    /// Archives a room this run just created and waits until it shows archived: the way to
    /// delete it on a portal that deletes only archived rooms.
    pub(crate) async fn archive_new_room(&self, id: u64) -> Result<(), ApiError> {
        let path = format!("{ROOMS}/{id}/archive");
        self.unobserved(Method::PUT, &path, id, Some(RoomState::Archived)).await
    }

    /// Unarchives a room this run archived for a removal it called off.
    pub(crate) async fn unarchive_new_room(&self, id: u64) -> Result<(), ApiError> {
        let path = format!("{ROOMS}/{id}/unarchive");
        self.unobserved(Method::PUT, &path, id, Some(RoomState::Active)).await
    }

    /// Starts an operation on a room with `deleteAfter: true`, so the portal keeps no finished
    /// operation for a read that never comes, and waits by reading the room until it is in
    /// `expected` (`None`: gone), within the operation timeout, not by polling `/fileops`,
    /// which a key with only `rooms:write` may not read.
    async fn unobserved(
        &self,
        method: Method,
        path: &str,
        id: u64,
        expected: Option<RoomState>,
    ) -> Result<(), ApiError> {
        let body = json!({ "deleteAfter": true });
        match self.send(method, path, &[], Some(&body), Repeat::Safe).await {
            // A repeated delete whose first attempt went through finds nothing to delete.
            Err(err) if expected.is_none() && err.status() == Some(404) => {}
            other => drop(other?),
        }
        self.await_room(id, expected).await
    }

    /// Reads the room, with growing pauses, until it is in `expected` (`None`: gone).
    async fn await_room(&self, id: u64, expected: Option<RoomState>) -> Result<(), ApiError> {
        let timeout = self.config().operation_timeout;
        let started = Instant::now();
        let mut delay = Duration::from_millis(50);
        loop {
            let now = self.get_room(id).await?;
            let done = match expected {
                None => now.is_none(),
                Some(state) => now.is_some_and(|room| room.state == state),
            };
            if done {
                return Ok(());
            }
            if started.elapsed() >= timeout {
                return Err(ApiError::NotConverged { room: id, expected: state_name(expected) });
            }
            tokio::time::sleep(delay.min(timeout.saturating_sub(started.elapsed()))).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    /// Starts an operation (always with `deleteAfter: false`, so its result can be polled),
    /// waits for it, then reads the room back: a finished operation vanishes from `/fileops`.
    async fn run_operation(
        &self,
        method: Method,
        path: &str,
        room: u64,
        expected: Option<RoomState>,
    ) -> Result<(), ApiError> {
        let request = format!("{method} {path}");
        let value = self
            .send(method, path, &[], Some(&json!({ "deleteAfter": false })), Repeat::Safe)
            .await?;
        if !value.is_null() {
            let operation: Operation =
                serde_json::from_value(value).map_err(|err| ApiError::Malformed {
                    request: request.clone(),
                    status: 200,
                    detail: format!("not a file operation: {err}"),
                })?;
            self.wait_for(&operation, room).await?;
        }
        let now = self.get_room(room).await?;
        let converged = match expected {
            None => now.is_none(),
            Some(state) => now.is_some_and(|r| r.state == state),
        };
        if converged {
            Ok(())
        } else {
            Err(ApiError::NotConverged { room, expected: state_name(expected) })
        }
    }

    /// The caller's operations as `/fileops` reports them now (a portal dequeues the finished
    /// ones it reports).
    async fn operations(&self, query: &[(&str, String)]) -> Result<Vec<Operation>, ApiError> {
        let value = self.get("/api/2.0/files/fileops", query).await?;
        serde_json::from_value(value).map_err(|err| ApiError::Malformed {
            request: "GET /api/2.0/files/fileops".into(),
            status: 200,
            detail: format!("not a list of operations: {err}"),
        })
    }

    /// Waits for every unfinished delete operation the caller has (`GET /fileops`, no id);
    /// whether there was any. One that fails has ended too (what it did shows on the folder);
    /// one that outlasts the operation timeout is [`ApiError::DeleteStillRunning`]. `folder`
    /// names the folder acted on in errors.
    pub(super) async fn wait_for_running_deletes(&self, folder: u64) -> Result<bool, ApiError> {
        const DELETE: i64 = 2;
        let operations = self.operations(&[]).await?;
        let running: Vec<Operation> =
            operations.into_iter().filter(|op| op.kind == Some(DELETE) && !op.is_done()).collect();
        for operation in &running {
            match self.wait_for(operation, folder).await {
                Ok(()) => {}
                Err(ApiError::OperationFailed { operation, message, .. }) => {
                    tracing::info!(folder, operation, message, "a running delete failed");
                }
                Err(ApiError::OperationTimeout { operation, waited, .. }) => {
                    return Err(ApiError::DeleteStillRunning { folder, operation, waited });
                }
                Err(err) => return Err(err),
            }
        }
        Ok(!running.is_empty())
    }

    /// Polls `/fileops?id=` until the operation is done or gone, within the operation timeout.
    pub(super) async fn wait_for(&self, operation: &Operation, room: u64) -> Result<(), ApiError> {
        let timeout = self.config().operation_timeout;
        let started = Instant::now();
        let mut current = operation.clone();
        let mut delay = Duration::from_millis(50);
        loop {
            if let Some(message) = current.failure() {
                return Err(ApiError::OperationFailed {
                    room,
                    operation: current.id.clone(),
                    message: crate::text::escape(message),
                });
            }
            if current.is_done() {
                return Ok(());
            }
            if started.elapsed() >= timeout {
                return Err(ApiError::OperationTimeout {
                    room,
                    operation: current.id.clone(),
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(delay.min(timeout.saturating_sub(started.elapsed()))).await;
            delay = (delay * 2).min(Duration::from_secs(2));
            let operations = self.operations(&[("id", operation.id.clone())]).await?;
            match operations.into_iter().find(|op| op.id == operation.id) {
                Some(op) => current = op,
                // A finished operation is reported once and then forgotten: gone means done.
                None => return Ok(()),
            }
        }
    }
}
