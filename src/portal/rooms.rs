//! The rooms endpoints: list, read, create, rename, retag, archive, unarchive and delete, with
//! the wait for the asynchronous ones. Only the fields the tool manages are sent.

use super::client::{Portal, Repeat};
use super::error::ApiError;
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

/// The order of a rooms listing by creation date.
#[derive(Debug, Clone, Copy)]
enum Order {
    /// Every room, a full page at a time.
    OldestFirst,
    /// The newest rooms, [`NEWEST_PAGE`] at a time.
    NewestFirst,
}

/// The page size of a look at the newest rooms: room DTOs are large, and a look after a create
/// usually needs only the few rooms created since the previous look.
const NEWEST_PAGE: usize = 25;

fn page_query(
    start: usize,
    filter: Option<&str>,
    area: &str,
    order: Order,
) -> Vec<(&'static str, String)> {
    let (order, count) = match order {
        Order::OldestFirst => ("ascending", MAX_PAGE_SIZE),
        Order::NewestFirst => ("descending", NEWEST_PAGE),
    };
    let mut query = vec![
        ("searchArea", area.to_owned()),
        ("startIndex", start.to_string()),
        ("count", count.to_string()),
        ("sortBy", "DateAndTimeCreation".to_owned()),
        ("sortOrder", order.to_owned()),
    ];
    if let Some(filter) = filter {
        query.push(("filterValue", filter.to_owned()));
    }
    query
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
    /// One page of rooms, each with whether the caller pinned it, and the list's `total`.
    async fn room_page(
        &self,
        start: usize,
        filter: Option<&str>,
        area: &str,
        order: Order,
    ) -> Result<(Vec<(PortalRoom, bool)>, usize), ApiError> {
        let request = format!("GET {ROOMS}");
        let (page, _): (RoomPage, _) =
            self.get_typed(ROOMS, &page_query(start, filter, area, order)).await?;
        let rooms = page
            .folders
            .into_iter()
            .map(|room| {
                let pinned = room.pinned;
                room_from_dto(room, &request).map(|room| (room, pinned))
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
            let (rooms, total) = self.room_page(start, filter, area, Order::OldestFirst).await?;
            Ok((rooms.into_iter().map(|(room, _)| room).collect(), total))
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
        Ok(self.get_room_counted(id).await?.map(|(room, _)| room))
    }

    /// One room and how many files and folders it holds at any depth (its `filesCount` and
    /// `foldersCount`), or `None` when the portal says it does not exist.
    pub(crate) async fn get_room_counted(
        &self,
        id: u64,
    ) -> Result<Option<(PortalRoom, u64)>, ApiError> {
        let path = format!("{ROOMS}/{id}");
        let request = format!("GET {path}");
        let value = match self.get(&path, &[]).await {
            Ok(value) => value,
            Err(err) if err.status() == Some(404) => return Ok(None),
            Err(err) => return Err(err),
        };
        let dto = room_dto(value, &request)?;
        let items = dto.files_count + dto.folders_count;
        Ok(Some((room_from_dto(dto, &request)?, items)))
    }

    /// The rooms of `area` listed newest first, whatever their title, down to the first one that
    /// `listed` holds (a room read while planning, or one an earlier look returned) and that is
    /// not pinned (a portal lists the caller's pinned rooms first, whatever the sort), or to the
    /// end: the rooms created since, and usually one request. Never by `filterValue`: on a
    /// portal with full-text search a filtered listing takes its ids from the search index
    /// (`FolderDao.GetRoomsAsync`), which a create only asks to update, without waiting
    /// (`FolderDao.InternalSaveFolderToDbAsync`), so a room just created may be missing from
    /// it for a while; this listing reads the database.
    pub(crate) async fn rooms_created_since(
        &self,
        listed: &(dyn Fn(u64) -> bool + Sync),
        area: &str,
    ) -> Result<Vec<PortalRoom>, ApiError> {
        let mut new: Vec<PortalRoom> = Vec::new();
        let mut start = 0;
        loop {
            let (page, total) = self.room_page(start, None, area, Order::NewestFirst).await?;
            let read = page.len();
            let mut reached = false;
            for (room, pinned) in page {
                if listed(room.id) {
                    reached |= !pinned;
                } else if new.iter().all(|seen| seen.id != room.id) {
                    new.push(room);
                }
            }
            start += read;
            if reached || read == 0 || start >= total {
                return Ok(new);
            }
        }
    }

    /// A room whose stored title is `title` (stored form) and whose id is not in `known`,
    /// among the rooms created since (see [`Portal::rooms_created_since`]).
    async fn find_new_room(
        &self,
        title: &str,
        known: &HashSet<u64>,
    ) -> Result<Option<PortalRoom>, ApiError> {
        let rooms = self.rooms_created_since(&|id| known.contains(&id), AREA_ANY).await?;
        Ok(rooms.into_iter().find(|room| room.title == title))
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

    /// Removes a room this run just created: archives it, then deletes it (a portal deletes
    /// only archived rooms). Each operation is followed by reading the room until it shows the
    /// operation done, within the operation timeout, not by polling `/fileops`, which a key with
    /// only `rooms:write` may not read; `deleteAfter: true`, so the portal keeps no finished
    /// operation for a read that never comes.
    pub(crate) async fn remove_room(&self, id: u64) -> Result<(), ApiError> {
        let body = json!({ "deleteAfter": true });
        let archive = format!("{ROOMS}/{id}/archive");
        self.send(Method::PUT, &archive, &[], Some(&body), Repeat::Safe).await?;
        self.await_room(id, Some(RoomState::Archived)).await?;
        let path = format!("{ROOMS}/{id}");
        match self.send(Method::DELETE, &path, &[], Some(&body), Repeat::Safe).await {
            // A repeated delete whose first attempt went through finds nothing to delete.
            Err(err) if err.status() == Some(404) => {}
            other => drop(other?),
        }
        self.await_room(id, None).await
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
                let expected = if expected.is_some() { "archived" } else { "deleted" };
                return Err(ApiError::NotConverged { room: id, expected });
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
            let expected = match expected {
                None => "deleted",
                Some(RoomState::Archived) => "archived",
                Some(RoomState::Active) => "active",
            };
            Err(ApiError::NotConverged { room, expected })
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
