//! The JSON a portal sends for rooms (`FolderDto<int>`), system folders, operations
//! (`FileOperationDto`) and people (`EmployeeDto`, `EmployeeFullDto`), with its field names,
//! integer enums, string dates and no null-valued properties.

use super::clock::api_date;
use super::state::{ARCHIVE_FOLDER_ID, Operation, Person, ROOMS_FOLDER_ID, Room, State};
use crate::docspace::{FOLDER_TYPE_ARCHIVE, FOLDER_TYPE_ROOMS};
use serde_json::{Map, Value, json};

/// `EmployeeDto`: a person as `createdBy`, `updatedBy` and `ownedBy` show them.
pub fn employee(person: &Person, base: &str) -> Value {
    let avatar = |size: &str| format!("/static/images/default_user_photo_size_{size}.png?hash=1238743481");
    json!({
        "id": person.id,
        "displayName": person.display_name,
        "avatar": avatar("82-82"),
        "avatarOriginal": avatar("200-200"),
        "avatarMax": avatar("200-200"),
        "avatarMedium": avatar("48-48"),
        "avatarSmall": avatar("32-32"),
        "profileUrl": format!("{base}/accounts/people/filter?search={}", person.email),
        "hasAvatar": false,
        "isAnonim": false,
    })
}

/// `EmployeeFullDto`: a person as the people API and the share list show them.
pub fn employee_full(person: &Person, base: &str) -> Value {
    let mut dto = employee(person, base);
    let (first, last) = person.display_name.split_once(' ').unwrap_or((&person.display_name, ""));
    let extra = json!({
        "firstName": first,
        "lastName": last,
        "userName": person.email.split('@').next().unwrap_or(""),
        "email": person.email,
        "status": person.status,
        "activationStatus": person.activation_status,
        "isAdmin": person.is_admin,
        "isRoomAdmin": person.is_room_admin,
        "isLDAP": false,
        "isOwner": person.is_owner,
        "isVisitor": person.is_visitor,
        "isCollaborator": false,
        "isSSO": false,
    });
    if let (Value::Object(dto), Value::Object(extra)) = (&mut dto, extra) {
        dto.extend(extra);
    }
    dto
}

fn person_or_owner<'a>(state: &'a State, id: &str) -> &'a Person {
    state.person(id).unwrap_or_else(|| state.owner())
}

fn security(pairs: &[(&str, bool)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), Value::Bool(*v))).collect::<Map<_, _>>())
}

/// `FolderDto<int>` of a room as `caller` sees it.
pub fn room(state: &State, room: &Room, caller: &Person, base: &str, deny_active_delete: bool) -> Value {
    let edit = state.can_edit(caller, room) && !room.archived;
    let owns = caller.is_owner || room.owner == caller.id;
    let delete = owns && (room.archived || !deny_active_delete);
    let (parent, root_type) = if room.archived {
        (ARCHIVE_FOLDER_ID, FOLDER_TYPE_ARCHIVE)
    } else {
        (ROOMS_FOLDER_ID, FOLDER_TYPE_ROOMS)
    };
    let owner = employee(person_or_owner(state, &room.owner), base);
    let tags: Vec<String> = room.tags.iter().map(|k| state.tag_name(k)).collect();
    json!({
        "parentId": parent,
        "filesCount": 0,
        "foldersCount": 0,
        "new": 0,
        "mute": false,
        "tags": tags,
        "logo": {"original": "", "large": "", "medium": "", "small": "", "color": room.color},
        "pinned": false,
        "roomType": room.room_type.code(),
        "private": false,
        "indexing": room.indexing,
        "denyDownload": room.deny_download,
        "inRoom": true,
        "fileEntryType": 1,
        "id": room.id,
        "rootFolderId": parent,
        "canShare": edit,
        "security": security(&[
            ("Read", true),
            ("Create", edit),
            ("Delete", delete),
            ("EditRoom", edit),
            ("Rename", edit),
            ("CopyTo", edit),
            ("Copy", true),
            ("MoveTo", edit),
            ("Move", owns),
            ("Pin", !room.archived),
            ("Mute", true),
            ("EditAccess", edit),
            ("Duplicate", edit),
            ("Download", true),
            ("CopySharedLink", edit),
            ("Reconnect", false),
            ("CreateRoomFrom", edit),
            ("CopyLink", true),
            ("Embed", edit),
            ("ChangeOwner", edit && owns),
            ("IndexExport", false),
        ]),
        "title": room.title,
        "access": if room.owner == caller.id { 0 } else { state.access_of(caller, room).unwrap_or(0) },
        "shared": !room.members.is_empty(),
        "ownedBy": owner,
        "created": api_date(room.created),
        "createdBy": owner,
        "updated": api_date(room.updated),
        "rootFolderType": root_type,
        "updatedBy": employee(person_or_owner(state, &room.updated_by), base),
    })
}

/// `FolderDto<int>` of the Rooms (or Archive) system folder, as `current` in a list.
pub fn system_folder(state: &State, archive: bool, base: &str) -> Value {
    let (id, title, folder_type) = if archive {
        (ARCHIVE_FOLDER_ID, "Archive", FOLDER_TYPE_ARCHIVE)
    } else {
        (ROOMS_FOLDER_ID, "Rooms", FOLDER_TYPE_ROOMS)
    };
    let owner = employee(state.owner(), base);
    let read_only = security(&[("Read", true), ("Create", !archive), ("Delete", false), ("EditRoom", false), ("MoveTo", true)]);
    json!({
        "parentId": 0,
        "filesCount": 0,
        "foldersCount": 0,
        "new": 0,
        "mute": false,
        "pinned": false,
        "private": false,
        "indexing": false,
        "denyDownload": false,
        "fileEntryType": 1,
        "id": id,
        "rootFolderId": id,
        "canShare": false,
        "security": read_only,
        "title": title,
        "access": 0,
        "shared": false,
        "created": api_date(0),
        "createdBy": owner,
        "updated": api_date(0),
        "rootFolderType": folder_type,
        "parentRoomType": folder_type,
        "updatedBy": owner,
    })
}

/// The breadcrumbs of a system folder.
pub fn path_parts(archive: bool) -> Value {
    if archive {
        json!([{"id": ARCHIVE_FOLDER_ID, "title": "Archive", "folderType": FOLDER_TYPE_ARCHIVE}])
    } else {
        json!([{"id": ROOMS_FOLDER_ID, "title": "Rooms", "folderType": FOLDER_TYPE_ROOMS}])
    }
}

/// How far an operation has got, for its `FileOperationDto`.
pub enum OpProgress<'a> {
    /// Just published: `status` 0 Created.
    Created,
    /// Read while running: `status` 1 Running.
    Running(u32),
    /// Finished (`status` 2 Completed); `error` is `""` on success. A successful move lists the
    /// moved room in `folders`.
    Finished { error: &'a str, folder: Option<Value> },
}

/// `FileOperationDto` (note the capital `Operation`).
pub fn operation(op: &Operation, progress: OpProgress<'_>) -> Value {
    let (percent, error, finished, status, folder) = match progress {
        OpProgress::Created => (0, "", false, 0, None),
        OpProgress::Running(percent) => (percent, "", false, 1, None),
        OpProgress::Finished { error, folder } => (100, error, true, 2, folder),
    };
    let mut dto = json!({
        "id": op.id,
        "Operation": op.action.operation_type(),
        "progress": percent,
        "error": error,
        "processed": if finished && error.is_empty() { "1" } else { "0" },
        "finished": finished,
        "status": status,
    });
    if let (Some(folder), Value::Object(map)) = (folder, &mut dto) {
        map.insert("folders".into(), Value::Array(vec![folder]));
    }
    dto
}
