//! Folders inside rooms, as FOLDERS.md records them: create (the title rewritten like a room's,
//! at most 165 UTF-16 units, duplicates allowed), the direct-subfolders listing, the paged
//! content listing, one folder's info, and delete as an asynchronous operation that moves the
//! folder with everything in it to the trash. Counts are recursive. Archived rooms and AI rooms
//! refuse new folders (403); the system folders of form-filling rooms (`type` 25 and 26) are
//! never created into or deleted.

use super::context::{Ctx, room_id};
use super::dto::{self, OpProgress};
use super::envelope::{ApiError, FOLDER_NOT_FOUND, Success};
use super::faults::LoseResponse;
use super::request::{JsonBody, type_error};
use super::state::{Folder, OpAction, Operation, State};
use crate::docspace::{RoomType, stored_title, utf16_len};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

/// The longest folder title the portal takes (`[StringLength(165)]`).
pub(crate) const MAX_FOLDER_TITLE_UNITS: usize = 165;
/// `FolderType` of a form-filling room's "Complete" folder.
pub(crate) const FOLDER_TYPE_COMPLETE: i64 = 25;
/// `FolderType` of a form-filling room's "In process" folder.
pub(crate) const FOLDER_TYPE_IN_PROCESS: i64 = 26;
/// `rootFolderType` of an active room's content.
const ROOT_ROOMS: i64 = 14;
/// `rootFolderType` of an archived room's content.
const ROOT_ARCHIVE: i64 = 20;
/// `rootFolderType` of the trash.
const ROOT_TRASH: i64 = 3;
const CANNOT_CREATE: &str = "You don't have enough permission to create";

/// The `FolderDto` of a folder.
fn folder_dto(state: &State, folder: &Folder) -> Value {
    let (files, folders) = state.counts(folder.id);
    let room = state.rooms.get(&folder.room);
    let root_type = match (folder.trashed, room.is_some_and(|r| r.archived)) {
        (true, _) => ROOT_TRASH,
        (false, true) => ROOT_ARCHIVE,
        (false, false) => ROOT_ROOMS,
    };
    let mut dto = json!({
        "id": folder.id,
        "parentId": folder.parent,
        "title": folder.title,
        "filesCount": files,
        "foldersCount": folders,
        "rootFolderType": root_type,
        "fileEntryType": 1,
        "isFolder": true,
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

/// Where an id points: a room, or a live folder (with its room).
enum Place {
    Room(u64),
    Folder(u64, u64),
}

fn place(state: &State, id: u64) -> Option<Place> {
    if state.rooms.contains_key(&id) {
        return Some(Place::Room(id));
    }
    // A folder of a deleted room went with it.
    state
        .folders
        .get(&id)
        .filter(|f| !f.trashed && state.rooms.contains_key(&f.room))
        .map(|f| Place::Folder(f.id, f.room))
}

/// The room an id is in, and whether the caller may read it; 404 when unknown, 403 otherwise.
fn readable(ctx: &Ctx, state: &State, id: u64) -> Result<u64, ApiError> {
    let user = ctx.require_user()?;
    let room = match place(state, id).ok_or_else(ApiError::folder_not_found)? {
        Place::Room(room) | Place::Folder(_, room) => room,
    };
    let readable = state.rooms.get(&room).is_some_and(|r| state.can_read(user, r));
    if readable {
        Ok(room)
    } else {
        Err(ApiError::invalid_operation(super::envelope::CANNOT_VIEW_FOLDER))
    }
}

/// `POST /api/2.0/files/folder/{parentId}` `{"title": …}`.
pub(crate) async fn create(
    ctx: Ctx,
    Path(parent): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // `Faults::create_rendezvous`; the turn is given up once the folder is committed.
    let title = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|body| body.get("title").and_then(Value::as_str).map(str::to_owned));
    let key = title.as_deref().map(|t| format!("folder:{parent}:{}", stored_title(t)));
    let _turn = match (&key, &title) {
        (Some(key), Some(title)) => ctx.shared.faults.meet(key, title).await,
        _ => None,
    };
    let created = create_folder(&ctx, &parent, &headers, &body);
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
    ctx.shared.mutate(|state| {
        let (room_id, system) = match place(state, parent) {
            Some(Place::Room(room)) => (room, None),
            Some(Place::Folder(folder, room)) => {
                (room, state.folders.get(&folder).and_then(|f| f.system_type))
            }
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

/// `GET /api/2.0/files/folder/{folderId}`: one folder.
pub(crate) async fn info(ctx: Ctx, Path(id): Path<String>) -> Response {
    let result = room_id(&id).and_then(|id| {
        ctx.shared.read(|state| {
            readable(&ctx, state, id)?;
            let folder = state.folders.get(&id).ok_or_else(ApiError::folder_not_found)?;
            Ok(Success::one(folder_dto(state, folder)))
        })
    });
    ctx.respond(result)
}

/// `GET /api/2.0/files/{folderId}`: the content, paged, folders first, then files.
pub(crate) async fn content(ctx: Ctx, Path(id): Path<String>) -> Response {
    let result = room_id(&id).and_then(|id| {
        let paging = ctx.paging()?;
        ctx.shared.read(|state| {
            readable(&ctx, state, id)?;
            let folders: Vec<Value> =
                state.children(id).into_iter().map(|f| folder_dto(state, f)).collect();
            let files = state.folders.get(&id).map_or(0, |f| f.files);
            let file_entries: Vec<Value> = (1..=files)
                .map(|n| json!({"id": id * 1000 + u64::from(n), "title": format!("file {n}.docx"), "fileEntryType": 2}))
                .collect();
            let total = folders.len() + file_entries.len();
            let start = paging.start;
            let page: Vec<Value> = paging.page(folders.into_iter().chain(file_entries));
            let (page_folders, page_files): (Vec<Value>, Vec<Value>) =
                page.into_iter().partition(|v| v["fileEntryType"] == 1);
            let current = match state.folders.get(&id) {
                Some(folder) => folder_dto(state, folder),
                None => json!({"id": id}),
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

/// `PUT /api/2.0/files/fileops/delete`: folders only here. Every id is checked before anything
/// starts; the operation then moves them to the trash (or deletes them, `immediately`).
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
    let immediately = body.opt_bool("immediately")?.unwrap_or(false);
    let delete_after = body.opt_bool("deleteAfter")?.unwrap_or(false);
    let started = start_deletes(ctx, &user, &ids, immediately, delete_after)?;
    Ok(Success::one(Value::Array(started)))
}

/// `DELETE /api/2.0/files/folder/{id}` `{"deleteAfter", "immediately"}`: starts the delete and
/// answers every delete operation the caller has held, not only this one (FOLDERS.md §1 item 8).
pub(crate) async fn delete_one(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = room_id(&id).and_then(|id| {
        let user = ctx.require_user()?.clone();
        let body = JsonBody::parse(&headers, &body)?;
        let immediately = body.opt_bool("immediately")?.unwrap_or(false);
        let delete_after = body.opt_bool("deleteAfter")?.unwrap_or(false);
        start_deletes(&ctx, &user, &[id], immediately, delete_after)?;
        let held = ctx.shared.read(|state| {
            state
                .operations
                .iter()
                .filter(|op| op.user == user.id && op.action.operation_type() == 2)
                .map(|op| dto::operation(op, OpProgress::Created))
                .collect()
        });
        Ok(Success::one(Value::Array(held)))
    });
    ctx.respond(result)
}

/// Checks every id, then starts one operation per folder; their DTOs as just published.
fn start_deletes(
    ctx: &Ctx,
    user: &super::state::Person,
    ids: &[u64],
    immediately: bool,
    delete_after: bool,
) -> Result<Vec<Value>, ApiError> {
    let behaviour = ctx.shared.behaviour();
    let now = ctx.shared.now();
    ctx.shared.mutate(|state| {
        for &id in ids {
            match place(state, id) {
                None => return Err(ApiError::delete_not_found()),
                // A room with `immediately:false` is refused (DPC L100-104).
                Some(Place::Room(_)) if !immediately => return Err(ApiError::access_denied()),
                Some(Place::Room(_)) => {
                    return Err(ApiError::plain(StatusCode::FORBIDDEN, "not emulated"));
                }
                Some(Place::Folder(folder, room)) => {
                    let room = &state.rooms[&room];
                    let system = state.folders[&folder].system_type;
                    if room.archived
                        || matches!(system, Some(FOLDER_TYPE_COMPLETE | FOLDER_TYPE_IN_PROCESS))
                        || !state.can_edit(user, room)
                    {
                        return Err(ApiError::access_denied());
                    }
                }
            }
        }
        let mut operations = Vec::new();
        for &id in ids {
            let op = Operation {
                id: uuid::Uuid::new_v4().to_string(),
                user: user.id.clone(),
                action: if immediately { OpAction::DeleteFolder } else { OpAction::TrashFolder },
                room: id,
                reads: 0,
                polls: behaviour.polls_per_operation.max(1),
                fails_with: behaviour.failing_operation.clone(),
                never_finishes: behaviour.operations_never_finish,
            };
            operations.push(dto::operation(&op, OpProgress::Created));
            if !delete_after {
                state.operations.push(op);
            } else if !op.never_finishes {
                let _ = state.complete(&op, now);
            }
        }
        Ok(operations)
    })
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
