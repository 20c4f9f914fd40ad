//! Folders inside rooms, as FOLDERS.md records them and the server source (v3.7.2) confirms:
//! create and rename (the title rewritten like a room's, at most 165 UTF-16 units, duplicates
//! allowed), the direct-subfolders listing, the paged content listing, one folder's info, and delete as one
//! asynchronous operation per request. Counts are recursive. Archived rooms and AI rooms refuse
//! new folders (403); the system folders of form-filling rooms (`type` 25 and 26) are never
//! created into or deleted.
//!
//! The Trash is the server's (server paths under `products/ASC.Files/Core/`): a folder moved to
//! the trash goes, subtree intact, into the caller's own Trash folder (`FolderDao.cs`
//! L959-1011); the caller still reads it, with `rootFolderType` 3 and the Trash as parent
//! (`FileStorageService.cs` L167-201, `FileSecurity.cs` L1471-1481), but may not list its
//! content (L347-350); and deleting it again erases it for good (`FileDeleteOperation.cs` L281,
//! `FolderDao.UseTrashForRemoveAsync` L1377-1380). Anyone else gets a 403.

use super::context::{Ctx, room_id};
use super::dto::{self, OpProgress};
use super::envelope::{ApiError, CANNOT_VIEW_FOLDER, FOLDER_NOT_FOUND, Success};
use super::faults::LoseResponse;
use super::request::{JsonBody, type_error};
use super::state::{
    ARCHIVE_FOLDER_ID, Folder, OpAction, Operation, Person, ROOMS_FOLDER_ID, State,
};
use crate::docspace::{MAX_FOLDER_TITLE_UNITS, RoomType, stored_title, utf16_len};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

/// `FolderType` of a form-filling room's "Complete" folder.
pub(crate) const FOLDER_TYPE_COMPLETE: i64 = 25;
/// `FolderType` of a form-filling room's "In process" folder.
pub(crate) const FOLDER_TYPE_IN_PROCESS: i64 = 26;
/// `rootFolderType` of an active room's content.
const ROOT_ROOMS: i64 = 14;
/// `rootFolderType` of an archived room's content.
const ROOT_ARCHIVE: i64 = 20;
/// `rootFolderType` of the trash (`FolderType.TRASH`, `Folder.cs` L53).
const ROOT_TRASH: i64 = 3;
const CANNOT_CREATE: &str = "You don't have enough permission to create";
const CANNOT_RENAME: &str = "You don't have enough permission to rename the folder";
/// `ErrorMessage_ViewTrashItem` (`FilesCommonResource.resx` L423-424).
const VIEW_TRASH_ITEM: &str = "You are not allowed to preview the elements in the Trash";

/// The `FolderDto` of a folder (`FolderDto.cs`, `FileEntryDto.cs`: no `isFolder`).
fn folder_dto(state: &State, folder: &Folder) -> Value {
    let (files, folders) = state.counts(folder.id);
    let room = state.rooms.get(&folder.room);
    let (root_type, root_id) = match (state.trash_holding(folder.id), room) {
        (Some((_, trash)), _) => (ROOT_TRASH, trash),
        (None, Some(room)) if room.archived => (ROOT_ARCHIVE, ARCHIVE_FOLDER_ID),
        (None, _) => (ROOT_ROOMS, ROOMS_FOLDER_ID),
    };
    let mut dto = json!({
        "id": folder.id,
        "parentId": folder.parent,
        "title": folder.title,
        "filesCount": files,
        "foldersCount": folders,
        "rootFolderId": root_id,
        "rootFolderType": root_type,
        "fileEntryType": 1,
    });
    if let Some(room) = room.filter(|_| root_type == ROOT_ROOMS) {
        dto["parentRoomType"] = json!(room_folder_type(room.room_type));
    }
    // `type` is present for system folders only (FOLDERS.md §1 item 13).
    if let Some(system) = folder.system_type {
        dto["type"] = json!(system);
    }
    dto
}

/// The `FolderType` of a room of this type, as `parentRoomType` carries it.
fn room_folder_type(room_type: RoomType) -> i64 {
    match room_type {
        RoomType::FormFilling => 15,
        RoomType::Collaboration => 16,
        RoomType::Custom => 19,
        RoomType::Public => 22,
        RoomType::VirtualData => 29,
        RoomType::Ai => 31,
    }
}

/// Where an id points: a room, a folder in a room (with its room), or a folder in someone's
/// Trash (with that person's id).
enum Place {
    Room(u64),
    Folder(u64, u64),
    Trashed(String),
}

fn place(state: &State, id: u64) -> Option<Place> {
    if state.rooms.contains_key(&id) {
        return Some(Place::Room(id));
    }
    let folder = state.folders.get(&id)?;
    if let Some((owner, _)) = state.trash_holding(id) {
        return Some(Place::Trashed(owner.to_owned()));
    }
    // A folder of a deleted room went with it.
    state.rooms.contains_key(&folder.room).then_some(Place::Folder(id, folder.room))
}

/// Where an id points, when the caller may read it; 404 when unknown, 403 otherwise. Only the
/// owner of a Trash reads what is in it, admins included (`FileSecurity.cs` L1471-1481).
fn readable(ctx: &Ctx, state: &State, id: u64) -> Result<Place, ApiError> {
    let user = ctx.require_user()?;
    let place = place(state, id).ok_or_else(ApiError::folder_not_found)?;
    let readable = match &place {
        Place::Room(room) | Place::Folder(_, room) => {
            state.rooms.get(room).is_some_and(|r| state.can_read(user, r))
        }
        Place::Trashed(owner) => *owner == user.id,
    };
    if readable { Ok(place) } else { Err(ApiError::invalid_operation(CANNOT_VIEW_FOLDER)) }
}

/// `POST /api/2.0/files/folder/{parentId}` `{"title": …}`.
pub(crate) async fn create(
    ctx: Ctx,
    Path(parent): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // `Faults::create_rendezvous`; the turn is given up once the folder is committed, and the
    // answer waits for the rivals' commits.
    let title = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|body| body.get("title").and_then(Value::as_str).map(str::to_owned));
    let key = title.as_deref().map(|t| format!("folder:{parent}:{}", stored_title(t)));
    let turn = match (&key, &title) {
        (Some(key), Some(title)) => ctx.shared.faults.meet(key, title).await,
        _ => None,
    };
    let created = create_folder(&ctx, &parent, &headers, &body);
    if let Some(turn) = turn {
        turn.leave().await;
    }
    let lose = created.is_ok() && ctx.shared.faults.lose_folder_create_response();
    let mut response = ctx.respond(created);
    if lose {
        response.extensions_mut().insert(LoseResponse);
    }
    response
}

fn create_folder(
    ctx: &Ctx,
    raw_parent: &str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Success, ApiError> {
    let parent = room_id(raw_parent)?;
    let user = ctx.require_user()?.clone();
    let body = JsonBody::parse(headers, bytes)?;
    let title = valid_title(&body)?;
    ctx.shared.mutate(|state| {
        let (room_id, system) = match place(state, parent) {
            Some(Place::Room(room)) => (room, None),
            Some(Place::Folder(folder, room)) => {
                (room, state.folders.get(&folder).and_then(|f| f.system_type))
            }
            // Nothing is created in the Trash: only read, delete and move are allowed there.
            Some(Place::Trashed(_)) => return Err(ApiError::invalid_operation(CANNOT_CREATE)),
            None => return Err(ApiError::invalid_operation(FOLDER_NOT_FOUND)),
        };
        let room = &state.rooms[&room_id];
        let refused = room.archived
            || system.is_some()
            || (room.room_type == RoomType::Ai && parent == room_id)
            || !state.can_edit(&user, room);
        if refused {
            return Err(ApiError::invalid_operation(CANNOT_CREATE));
        }
        let id = state.add_folder(parent, room_id, stored_title(&title), None);
        Ok(Success::one(folder_dto(state, &state.folders[&id])))
    })
}

/// `PUT /api/2.0/files/folder/{folderId}` `{"title": …}`: renames a folder in a room
/// (`FoldersController.RenameFolder` → `FileStorageService.FolderRenameAsync`, L1446-1481):
/// 404 for an unknown id, 403 without the right to rename, in the Trash, or in an archived
/// room; the title validated and rewritten as on create. A room's id is refused here: the tool
/// renames rooms with `PUT files/rooms/{id}`, which the emulator models.
pub(crate) async fn rename(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.respond(rename_folder(&ctx, &id, &headers, &body))
}

fn rename_folder(
    ctx: &Ctx,
    raw_id: &str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let user = ctx.require_user()?.clone();
    let body = JsonBody::parse(headers, bytes)?;
    let title = valid_title(&body)?;
    ctx.shared.mutate(|state| {
        let (folder, room) = match place(state, id).ok_or_else(ApiError::folder_not_found)? {
            Place::Folder(folder, room) => (folder, room),
            Place::Room(_) => {
                return Err(ApiError::argument(
                    "The emulator renames rooms with PUT /api/2.0/files/rooms/{id}",
                ));
            }
            Place::Trashed(_) => return Err(ApiError::invalid_operation(VIEW_TRASH_ITEM)),
        };
        let room = &state.rooms[&room];
        let system = state.folders[&folder].system_type.is_some();
        if room.archived || system || !state.can_edit(&user, room) {
            return Err(ApiError::invalid_operation(CANNOT_RENAME));
        }
        let entry = state.folders.get_mut(&folder).ok_or_else(ApiError::folder_not_found)?;
        entry.title = stored_title(&title);
        Ok(Success::one(folder_dto(state, &state.folders[&folder])))
    })
}

/// A folder's `title` as create and rename take it: required, at most 165 UTF-16 units, not
/// blank.
fn valid_title(body: &JsonBody) -> Result<String, ApiError> {
    // `title` is a required member: missing or null is a model-binding 400.
    let Some(title) = body.opt_string("title")? else {
        return Err(ApiError::validation("title", "The title field is required."));
    };
    if utf16_len(&title) > MAX_FOLDER_TITLE_UNITS {
        return Err(ApiError::validation(
            "Title",
            "The field Title must be a string with a maximum length of 165.",
        ));
    }
    if title.trim().is_empty() {
        return Err(ApiError::argument("The value cannot be an empty string. (Parameter 'title')"));
    }
    Ok(title)
}

/// `GET /api/2.0/files/{folderId}/subfolders`: the direct children, unpaged.
pub(crate) async fn subfolders(ctx: Ctx, Path(id): Path<String>) -> Response {
    let result = room_id(&id).and_then(|id| {
        ctx.shared.read(|state| {
            readable(&ctx, state, id)?;
            let list: Vec<Value> =
                state.children(id).into_iter().map(|f| folder_dto(state, f)).collect();
            Ok(Success::one(Value::Array(list)))
        })
    });
    ctx.respond(result)
}

/// `GET /api/2.0/files/folder/{folderId}`: one folder, or a room: a room is a folder to it, and
/// its answer is the room's `FolderDto`, as `GET files/rooms/{id}` gives it (server
/// `FoldersController.cs` L292-299 and `VirtualRoomsController.cs` L327-333 both read
/// `FileStorageService.GetFolderAsync` into `FolderDtoHelper.GetAsync`).
pub(crate) async fn info(ctx: Ctx, Path(id): Path<String>) -> Response {
    let deny_active_delete = ctx.shared.behaviour().deny_active_delete;
    let result = room_id(&id).and_then(|id| {
        ctx.shared.read(|state| {
            if let Place::Room(_) = readable(&ctx, state, id)? {
                let user = ctx.require_user()?;
                let room = &state.rooms[&id];
                let dto = dto::room(state, room, user, ctx.base(), deny_active_delete);
                return Ok(Success::one(dto));
            }
            let folder = state.folders.get(&id).ok_or_else(ApiError::folder_not_found)?;
            Ok(Success::one(folder_dto(state, folder)))
        })
    });
    ctx.respond(result)
}

/// `filterType` values known here (`FilterType`, `products/ASC.Files/Core/Core/FilterTypeEnum.cs`
/// L39-49): the files here have no kind, so the kinds of file are not emulated (a 400).
const FILTER_TYPES: &[(&str, i64)] = &[("None", 0), ("FilesOnly", 1), ("FoldersOnly", 2)];

/// `GET /api/2.0/files/{folderId}`: the content, paged, folders first, then files.
/// `filterType` `FoldersOnly` (2) or `FilesOnly` (1) keeps one side. With a filter and
/// `withSubFolders` (true unless given, `FoldersController.cs` L280), the folders (or files) of
/// every level below are listed, not only the direct ones (`FolderDao.cs` L2173-2179): each
/// folder with its `parentId`.
pub(crate) async fn content(ctx: Ctx, Path(id): Path<String>) -> Response {
    let result = room_id(&id).and_then(|id| {
        let paging = ctx.paging()?;
        let filter =
            ctx.query.enumeration("filtertype", "filterType", FILTER_TYPES)?.unwrap_or(0);
        let with_subfolders =
            ctx.query.boolean("withsubfolders", "withSubFolders")?.unwrap_or(true);
        let every_level = with_subfolders && filter != 0;
        ctx.shared.read(|state| {
            if let Place::Trashed(_) = readable(&ctx, state, id)? {
                return Err(ApiError::invalid_operation(VIEW_TRASH_ITEM));
            }
            let listed: Vec<&Folder> =
                if every_level { descendants(state, id) } else { state.children(id) };
            let folders: Vec<Value> = if filter == 1 {
                Vec::new()
            } else {
                listed.iter().map(|f| folder_dto(state, f)).collect()
            };
            // The files of the folder itself, and of every level below when listed so.
            let holders = std::iter::once(id)
                .chain(listed.iter().map(|f| f.id).filter(|_| every_level))
                .collect::<Vec<u64>>();
            let file_entries: Vec<Value> = if filter == 2 {
                Vec::new()
            } else {
                holders
                    .iter()
                    .flat_map(|holder| {
                        let files = state.files_in(*holder);
                        (1..=files).map(move |n| json!({"id": holder * 1000 + u64::from(n), "title": format!("file {n}.docx"), "fileEntryType": 2}))
                    })
                    .collect()
            };
            let total = folders.len() + file_entries.len();
            let start = paging.start;
            let page: Vec<Value> = paging.page(folders.into_iter().chain(file_entries));
            let (page_folders, page_files): (Vec<Value>, Vec<Value>) =
                page.into_iter().partition(|v| v["fileEntryType"] == 1);
            let current = if let Some(folder) = state.folders.get(&id) {
                folder_dto(state, folder)
            } else {
                let (files, folders) = state.counts(id);
                json!({"id": id, "filesCount": files, "foldersCount": folders})
            };
            let count = page_folders.len() + page_files.len();
            Ok(Success {
                response: json!({
                    "files": page_files,
                    "folders": page_folders,
                    "current": current,
                    "startIndex": start,
                    "count": count,
                    "total": total,
                }),
                count: 1,
                total: None,
            })
        })
    });
    ctx.respond(result)
}

/// Every live folder below `id`, level by level.
fn descendants(state: &State, id: u64) -> Vec<&Folder> {
    let mut all = state.children(id);
    let mut next = 0;
    while next < all.len() {
        let children = state.children(all[next].id);
        all.extend(children);
        next += 1;
    }
    all
}

/// `PUT /api/2.0/files/fileops/delete` (`OperationController.cs` L105-114): folders, and rooms
/// with `immediately`. Every id is checked before anything starts; one operation then does
/// them all. The answer is that operation alone with `returnSingleOperation`, else every
/// delete operation the caller has (each reported as `/fileops` would).
pub(crate) async fn delete(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    ctx.respond(delete_folders(&ctx, &headers, &body))
}

fn delete_folders(ctx: &Ctx, headers: &HeaderMap, bytes: &[u8]) -> Result<Success, ApiError> {
    let user = ctx.require_user()?.clone();
    let body = JsonBody::parse(headers, bytes)?;
    let ids: Vec<u64> = match body.get("folderIds") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::Number(n) => n.as_u64().ok_or_else(|| type_error("folderIds", "Int32")),
                Value::String(s) => s.parse().map_err(|_| type_error("folderIds", "Int32")),
                _ => Err(type_error("folderIds", "Int32")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => Err(type_error("folderIds", "System.Collections.Generic.IEnumerable"))?,
    };
    let request = DeleteRequest {
        immediately: body.opt_bool("immediately")?.unwrap_or(false),
        delete_after: body.opt_bool("deleteAfter")?.unwrap_or(false),
        single: body.opt_bool("returnSingleOperation")?.unwrap_or(false),
    };
    start_delete(ctx, &user, &ids, &request).map(|ops| Success::one(Value::Array(ops)))
}

/// `DELETE /api/2.0/files/folder/{id}` `{"deleteAfter", "immediately"}`: starts the delete and
/// answers every delete operation the caller has, not only this one (`FoldersController.cs`
/// L229-238; FOLDERS.md §1 item 8).
pub(crate) async fn delete_one(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = room_id(&id).and_then(|id| {
        let user = ctx.require_user()?.clone();
        let body = JsonBody::parse(&headers, &body)?;
        let request = DeleteRequest {
            immediately: body.opt_bool("immediately")?.unwrap_or(false),
            delete_after: body.opt_bool("deleteAfter")?.unwrap_or(false),
            single: false,
        };
        start_delete(&ctx, &user, &[id], &request).map(|ops| Success::one(Value::Array(ops)))
    });
    ctx.respond(result)
}

/// What a delete request asks besides its ids.
struct DeleteRequest {
    immediately: bool,
    delete_after: bool,
    /// `returnSingleOperation`.
    single: bool,
}

/// The pre-check of every id (`DeletePermissionsCheck.cs` L116-146: a missing one is a 404, a
/// room without `immediately` or anything the caller may not delete a 403, and any failure
/// fails the whole request), then one operation for all of them (`FileOperationsManager.cs`
/// L603-637; none for no ids). Returns the operations to answer with: the caller's earlier
/// delete operations as a `/fileops` read reports them (finished ones are dequeued by it,
/// FOM L61-100), unless `single`, then the new one as just published.
fn start_delete(
    ctx: &Ctx,
    user: &Person,
    ids: &[u64],
    request: &DeleteRequest,
) -> Result<Vec<Value>, ApiError> {
    let behaviour = ctx.shared.behaviour();
    let now = ctx.shared.now();
    ctx.shared.mutate(|state| {
        for &id in ids {
            may_delete(state, user, id, request.immediately, behaviour.deny_active_delete)?;
        }
        let op = (!ids.is_empty()).then(|| Operation {
            id: uuid::Uuid::new_v4().to_string(),
            user: user.id.clone(),
            action: OpAction::DeleteItems { immediately: request.immediately },
            room: 0,
            items: ids.to_vec(),
            reads: 0,
            polls: behaviour.polls_per_operation.max(1),
            fails_with: behaviour.failing_operation.clone(),
            never_finishes: behaviour.operations_never_finish,
        });
        // With no ids there is no operation, and even `returnSingleOperation` lists them all.
        let mut answer = match &op {
            Some(_) if request.single => Vec::new(),
            _ => super::operations::report(ctx, state, user, now, |op| {
                op.action.operation_type() == 2
            }),
        };
        if let Some(op) = op {
            answer.push(dto::operation(&op, OpProgress::Created));
            if !request.delete_after {
                state.operations.push(op);
            } else if !op.never_finishes {
                // No held result: the job runs unobserved and is never listed.
                let _ = state.complete(&op, now);
            }
        }
        Ok(answer)
    })
}

/// The pre-check of one id.
fn may_delete(
    state: &State,
    user: &Person,
    id: u64,
    immediately: bool,
    deny_active_delete: bool,
) -> Result<(), ApiError> {
    let allowed = match place(state, id).ok_or_else(ApiError::delete_not_found)? {
        // A room only with `immediately`, and only by who may delete it (DPC L132-142).
        Place::Room(room) => {
            let room = &state.rooms[&room];
            let owns = user.is_owner || room.owner == user.id;
            immediately && owns && (room.archived || !deny_active_delete)
        }
        Place::Folder(folder, room) => {
            let room = &state.rooms[&room];
            let system = state.folders[&folder].system_type;
            !room.archived
                && !matches!(system, Some(FOLDER_TYPE_COMPLETE | FOLDER_TYPE_IN_PROCESS))
                && state.can_edit(user, room)
        }
        // In the caller's own Trash, deleting is allowed: the job then erases it for good.
        Place::Trashed(owner) => owner == user.id,
    };
    if allowed { Ok(()) } else { Err(ApiError::access_denied()) }
}

/// A folder as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedFolder {
    /// Its id.
    pub id: u64,
    /// The room or folder it is in.
    pub parent: u64,
    /// Its stored title.
    pub title: String,
    /// Files directly inside.
    pub files: u32,
    /// `FolderType` of a system folder.
    pub system_type: Option<i64>,
    /// In the trash.
    pub trashed: bool,
}
