//! The JSON a portal sends for rooms (`FolderDto<int>`), system folders, operations
//! (`FileOperationDto`) and people (`EmployeeDto`, `EmployeeFullDto`), with its field names,
//! integer enums, string dates and no null-valued properties.

use super::state::{
    AI_AGENTS_FOLDER_ID, ARCHIVE_FOLDER_ID, Operation, Person, ROOMS_FOLDER_ID, Room, State,
};
use crate::docspace::{FOLDER_TYPE_ARCHIVE, FOLDER_TYPE_ROOMS};
use crate::time::api_date;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// `EmployeeDto`: a person as `createdBy`, `updatedBy` and `ownedBy` show them.
pub(crate) fn employee(person: &Person, base: &str) -> Value {
    let avatar =
        |size: &str| format!("/static/images/default_user_photo_size_{size}.png?hash=1238743481");
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
pub(crate) fn employee_full(person: &Person, base: &str) -> Value {
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
    Value::Object(
        pairs.iter().map(|(k, v)| (k.to_string(), Value::Bool(*v))).collect::<Map<_, _>>(),
    )
}

/// `EmployeeDto` as a typed value: a room list repeats it three times per room, so it is
/// serialised straight to text rather than built as a JSON tree.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmployeeRef<'a> {
    id: &'a str,
    display_name: &'a str,
    avatar: &'static str,
    avatar_original: &'static str,
    avatar_max: &'static str,
    avatar_medium: &'static str,
    avatar_small: &'static str,
    profile_url: String,
    has_avatar: bool,
    is_anonim: bool,
}

fn employee_ref<'a>(person: &'a Person, base: &str) -> EmployeeRef<'a> {
    const AVATAR: &str = "/static/images/default_user_photo_size_82-82.png?hash=1238743481";
    const LARGE: &str = "/static/images/default_user_photo_size_200-200.png?hash=1238743481";
    const MEDIUM: &str = "/static/images/default_user_photo_size_48-48.png?hash=1238743481";
    const SMALL: &str = "/static/images/default_user_photo_size_32-32.png?hash=1238743481";
    EmployeeRef {
        id: &person.id,
        display_name: &person.display_name,
        avatar: AVATAR,
        avatar_original: LARGE,
        avatar_max: LARGE,
        avatar_medium: MEDIUM,
        avatar_small: SMALL,
        profile_url: format!("{base}/accounts/people/filter?search={}", person.email),
        has_avatar: false,
        is_anonim: false,
    }
}

/// A room's `security`: .NET names as dictionary keys.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RoomSecurity {
    read: bool,
    create: bool,
    delete: bool,
    edit_room: bool,
    rename: bool,
    copy_to: bool,
    copy: bool,
    move_to: bool,
    #[serde(rename = "Move")]
    move_: bool,
    pin: bool,
    mute: bool,
    edit_access: bool,
    duplicate: bool,
    download: bool,
    copy_shared_link: bool,
    reconnect: bool,
    create_room_from: bool,
    copy_link: bool,
    embed: bool,
    change_owner: bool,
    index_export: bool,
}

/// `FolderDto<int>` of a room, typed, in the field order a portal sends.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoomDto<'a> {
    parent_id: u64,
    /// Recursive, for rooms as for folders (`FolderDto.cs` L640-644).
    files_count: u64,
    folders_count: u64,
    new: u8,
    mute: bool,
    tags: Vec<String>,
    logo: super::settings::Logo<'a>,
    pinned: bool,
    room_type: i64,
    private: bool,
    indexing: bool,
    deny_download: bool,
    in_room: bool,
    file_entry_type: u8,
    id: u64,
    root_folder_id: u64,
    can_share: bool,
    security: RoomSecurity,
    title: &'a str,
    access: i64,
    shared: bool,
    owned_by: &'a EmployeeRef<'a>,
    created: String,
    created_by: &'a EmployeeRef<'a>,
    updated: String,
    root_folder_type: i64,
    updated_by: &'a EmployeeRef<'a>,
    // The settings fields, when the room shows them (`settings::room_fields`).
    #[serde(skip_serializing_if = "Option::is_none")]
    used_space: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quota_limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_custom_quota: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lifetime: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    watermark: Option<Value>,
}

/// The people some rooms show (`ownedBy`, `createdBy`, `updatedBy`), each person's
/// `EmployeeDto` made once: a page of rooms usually shows one or two people.
pub(crate) struct People<'a>(BTreeMap<&'a str, EmployeeRef<'a>>);

impl<'a> People<'a> {
    pub(crate) fn of(state: &'a State, rooms: &[&Room], base: &str) -> People<'a> {
        let mut made = BTreeMap::new();
        for room in rooms {
            for id in [&room.owner, &room.updated_by] {
                let person = person_or_owner(state, id);
                made.entry(person.id.as_str()).or_insert_with(|| employee_ref(person, base));
            }
        }
        People(made)
    }

    /// The person `id` names (the owner for someone deleted), as [`People::of`] made them.
    fn get(&self, state: &State, id: &str) -> &EmployeeRef<'a> {
        let person = person_or_owner(state, id);
        self.0.get(person.id.as_str()).expect("People::of made everyone its rooms show")
    }
}

/// `rootFolderType` of an AI agent (`FolderType.AiAgents`, server `Folder.cs` L125).
const FOLDER_TYPE_AI_AGENTS: i64 = 34;

/// `FolderDto<int>` of a room as `caller` sees it, typed; `people` from [`People::of`] rooms
/// that include this one.
pub(crate) fn room_dto<'a>(
    state: &'a State,
    room: &'a Room,
    people: &'a People<'a>,
    caller: &Person,
    deny_active_delete: bool,
) -> RoomDto<'a> {
    let edit = state.can_edit(caller, room) && !room.archived;
    let owns = caller.is_owner || room.owner == caller.id;
    // What `DELETE …/rooms/{id}` allows (see `operations::start`): its creator deletes an
    // active room too on v3.7.2 (`FileSecurity.cs` L1747, L3520-3530).
    let delete = owns && (room.archived || !deny_active_delete);
    let (parent, root_type) = if room.agent {
        (AI_AGENTS_FOLDER_ID, FOLDER_TYPE_AI_AGENTS)
    } else if room.archived {
        (ARCHIVE_FOLDER_ID, FOLDER_TYPE_ARCHIVE)
    } else {
        (ROOMS_FOLDER_ID, FOLDER_TYPE_ROOMS)
    };
    let (files_count, folders_count) = state.counts(room.id);
    let owner = people.get(state, &room.owner);
    let settings = super::settings::room_fields(state, room, edit, delete);
    RoomDto {
        parent_id: parent,
        files_count,
        folders_count,
        new: 0,
        mute: false,
        tags: room.tags.iter().map(|k| state.tag_name(k)).collect(),
        logo: super::settings::logo(room),
        pinned: false,
        room_type: room.room_type.code(),
        private: false,
        indexing: room.indexing,
        deny_download: room.deny_download,
        in_room: true,
        file_entry_type: 1,
        id: room.id,
        root_folder_id: parent,
        can_share: edit,
        security: RoomSecurity {
            read: true,
            create: edit,
            delete,
            edit_room: edit,
            rename: edit,
            copy_to: edit,
            copy: true,
            move_to: edit,
            move_: owns,
            pin: !room.archived,
            mute: true,
            edit_access: edit,
            duplicate: edit,
            download: true,
            copy_shared_link: edit,
            reconnect: false,
            create_room_from: edit,
            copy_link: true,
            embed: edit,
            change_owner: edit && owns,
            index_export: false,
        },
        title: &room.title,
        access: if room.owner == caller.id {
            0
        } else {
            state.access_of(caller, room).unwrap_or(0)
        },
        shared: !room.members.is_empty(),
        owned_by: owner,
        created: api_date(room.created),
        created_by: owner,
        updated: api_date(room.updated),
        root_folder_type: root_type,
        updated_by: people.get(state, &room.updated_by),
        used_space: settings.used_space,
        quota_limit: settings.quota_limit,
        is_custom_quota: settings.is_custom_quota,
        lifetime: settings.lifetime,
        watermark: settings.watermark,
    }
}

/// `FolderDto<int>` of a room as `caller` sees it.
pub(crate) fn room(
    state: &State,
    room: &Room,
    caller: &Person,
    base: &str,
    deny_active_delete: bool,
) -> Value {
    let people = People::of(state, &[room], base);
    serde_json::to_value(room_dto(state, room, &people, caller, deny_active_delete))
        .expect("a room always serialises")
}

/// `FolderDto<int>` of the Rooms (or Archive) system folder, as `current` in a list.
pub(crate) fn system_folder(state: &State, archive: bool, base: &str) -> Value {
    let (id, title, folder_type) = if archive {
        (ARCHIVE_FOLDER_ID, "Archive", FOLDER_TYPE_ARCHIVE)
    } else {
        (ROOMS_FOLDER_ID, "Rooms", FOLDER_TYPE_ROOMS)
    };
    let owner = employee(state.owner(), base);
    let read_only = security(&[
        ("Read", true),
        ("Create", !archive),
        ("Delete", false),
        ("EditRoom", false),
        ("MoveTo", true),
    ]);
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
pub(crate) fn path_parts(archive: bool) -> Value {
    if archive {
        json!([{"id": ARCHIVE_FOLDER_ID, "title": "Archive", "folderType": FOLDER_TYPE_ARCHIVE}])
    } else {
        json!([{"id": ROOMS_FOLDER_ID, "title": "Rooms", "folderType": FOLDER_TYPE_ROOMS}])
    }
}

/// How far an operation has got, for its `FileOperationDto`.
pub(crate) enum OpProgress<'a> {
    /// Just published: `status` 0 Created.
    Created,
    /// Read while running: `status` 1 Running.
    Running(u32),
    /// Finished (`status` 2 Completed); `error` is `""` on success. A successful move lists the
    /// moved room in `folders`.
    Finished { error: &'a str, folder: Option<Value> },
}

/// `FileOperationDto` (note the capital `Operation`).
pub(crate) fn operation(op: &Operation, progress: OpProgress<'_>) -> Value {
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
