//! Rooms: list, create, read, update, and the room tag endpoints.

use super::context::{Ctx, ListingQuery, SubjectRole, room_id};
use super::dto;
use super::envelope::{
    ApiError, CANNOT_EDIT_ROOM, CANNOT_VIEW_FOLDER, FOLDER_NOT_FOUND, Success, html_response,
};
use super::faults::{LoseResponse, PortalVersion};
use super::request::{
    JsonBody, Kind, SORT_ORDER, check_kind, member, not_valid, parse_enum, type_error,
};
use super::state::{
    self, Person, Room, SORT_AUTHOR, SORT_AZ, SORT_CREATED, SORT_DATE_AND_TIME, SORT_ROOM_TYPE,
    SORT_TAGS, SORT_TYPE, SORTED_BY, SortOrder, State,
};
use crate::docspace::{MAX_TAG_UNITS, MAX_TITLE_UNITS, RoomType, stored_title, tag_key, utf16_len};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// `SearchArea`: v3.7.2's 0 to 7 (`SearchArea.cs` L39-63), and Forms as observed on newer
/// portals (see `PortalVersion`).
const SEARCH_AREAS: [(&str, i64); 9] = [
    ("Active", 0),
    ("Archive", 1),
    ("Any", 2),
    ("RecentByLinks", 3),
    ("Templates", 4),
    ("Knowledge", 5),
    ("ResultStorage", 6),
    ("AiAgents", 7),
    ("Forms", 8),
];
const AREA_ACTIVE: i64 = 0;
const AREA_ARCHIVE: i64 = 1;
const AREA_ANY: i64 = 2;
const AREA_AI_AGENTS: i64 = 7;
const AREA_FORMS: i64 = 8;

/// `SubjectFilter` (obsolete, still read).
const SUBJECT_FILTER: [(&str, i64); 2] = [("Owner", 0), ("Member", 1)];
/// `QuotaFilter`: no room here has a custom quota, so `Custom` matches none.
const QUOTA_FILTER: [(&str, i64); 3] = [("All", 0), ("Default", 1), ("Custom", 2)];
/// `StorageFilter`: every room here is stored internally.
const STORAGE_FILTER: [(&str, i64); 3] = [("None", 0), ("Internal", 1), ("ThirdParty", 2)];
/// `ProviderFilter`: no room here is a third-party one, so any provider matches none.
const PROVIDER_FILTER: [(&str, i64); 10] = [
    ("None", 0),
    ("Box", 1),
    ("DropBox", 2),
    ("GoogleDrive", 3),
    ("kDrive", 4),
    ("OneDrive", 5),
    ("SharePoint", 6),
    ("WebDav", 7),
    ("Yandex", 8),
    ("Storage", 9),
];

use super::settings::SettingsRequest;

fn room_type_values() -> Vec<(&'static str, i64)> {
    RoomType::ALL.iter().map(|t| (t.api_name(), t.code())).collect()
}

/// `GET /api/2.0/files/rooms`.
pub(crate) async fn list(ctx: Ctx) -> Response {
    ctx.respond_text(list_rooms(&ctx))
}

fn list_rooms(ctx: &Ctx) -> Result<String, ApiError> {
    let user = ctx.require_user()?;
    let paging = ctx.paging()?;
    let query = listing_query(ctx, user)?;
    let behaviour = ctx.shared.behaviour();
    churn(ctx, paging.start);
    ctx.shared.read(|state| {
        let ids =
            ctx.shared.room_listing(state, &query, |state| matching_rooms(state, user, &query));
        let total = ids.len();
        let page: Vec<&Room> =
            paging.page(ids.iter()).into_iter().filter_map(|id| state.rooms.get(id)).collect();
        let people = dto::People::of(state, &page, ctx.base());
        let folders: Vec<dto::RoomDto> = page
            .iter()
            .map(|r| dto::room_dto(state, r, &people, user, behaviour.deny_active_delete))
            .collect();
        let archive = query.area == AREA_ARCHIVE;
        // A page of rooms is serialised straight into the envelope: building it as a JSON tree
        // first costs more than the rest of the request.
        let page = FolderContent {
            files: [],
            count: folders.len(),
            folders,
            current: dto::system_folder(state, archive, ctx.base()),
            path_parts: dto::path_parts(archive),
            start_index: paging.start,
            total,
            new: 0,
        };
        Ok(ctx.success_text(&page))
    })
}

/// The filters and order of a rooms listing, read from the query; a sort that parses becomes
/// the caller's saved order.
fn listing_query(ctx: &Ctx, user: &Person) -> Result<ListingQuery, ApiError> {
    let q = &ctx.query;
    let version = ctx.shared.behaviour().version;
    let areas = match version {
        PortalVersion::V3_7_2 => &SEARCH_AREAS[..SEARCH_AREAS.len() - 1],
        PortalVersion::Newer => &SEARCH_AREAS[..],
    };
    let area = q.enumeration("searcharea", "searchArea", areas)?.unwrap_or(AREA_ACTIVE);
    let type_values = room_type_values();
    let types = q
        .all("type")
        .into_iter()
        .map(|v| parse_enum(v, &type_values).ok_or_else(|| not_valid(v, "type")))
        .collect::<Result<Vec<_>, _>>()?;
    let order = q.enumeration("sortorder", "sortOrder", &SORT_ORDER)?;
    let sort_by = q.first("sortby").and_then(|v| parse_enum(v, &SORTED_BY));
    let without_tags = q.boolean("withouttags", "withoutTags")?.unwrap_or(false);
    let tag_filter: Option<Vec<String>> = match q.first("tags") {
        None | Some("") => None,
        Some(raw) => {
            Some(serde_json::from_str::<Vec<String>>(raw).map_err(|e| ApiError::Exception {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: format!(
                    "'{}' is an invalid start of a value. {e}",
                    raw.chars().next().unwrap_or(' ')
                ),
                kind: Some(("System.Text.Json.JsonException", -2_146_233_088)),
            })?)
        }
    };
    let filter = q.first("filtervalue").map(|f| f.trim().to_lowercase()).filter(|f| !f.is_empty());
    let sort = match sort_by {
        Some(by) => {
            let sort = SortOrder { by, descending: order == Some(1) };
            if ctx.shared.read(|state| state.saved_sort.get(&user.id) != Some(&sort)) {
                ctx.shared.mutate(|state| state.saved_sort.insert(user.id.clone(), sort));
            }
            sort
        }
        None => ctx
            .shared
            .read(|state| state.saved_sort.get(&user.id).copied())
            .unwrap_or(SortOrder { by: SORT_DATE_AND_TIME, descending: true }),
    };
    let owner = q.guid("subjectownerid", "subjectOwnerId")?;
    let role = match q.enumeration("subjectfilter", "subjectFilter", &SUBJECT_FILTER)? {
        Some(0) => SubjectRole::Owner,
        _ => SubjectRole::Member,
    };
    let subject = q.guid("subjectid", "subjectId")?.map(|id| (id, role));
    let exclude_subject = q.boolean("excludesubject", "excludeSubject")?.unwrap_or(false);
    let custom_quota = q.enumeration("quotafilter", "quotaFilter", &QUOTA_FILTER)? == Some(2);
    let third_party = q.enumeration("storagefilter", "storageFilter", &STORAGE_FILTER)? == Some(2);
    let provider = q.enumeration("provider", "provider", &PROVIDER_FILTER)?.is_some_and(|p| p != 0);
    if let Some(group) = q.first("groupid").filter(|g| !g.is_empty()) {
        // Rooms are not grouped here: rejecting the filter beats ignoring it.
        return Err(match group.trim().parse::<i32>() {
            Ok(_) => ApiError::argument("The emulator does not implement groupId"),
            Err(_) => not_valid(group, "groupId"),
        });
    }
    let lag = ctx.shared.behaviour().search_index_lag;
    let indexed_by = (filter.is_some() && !lag.is_zero())
        .then(|| ctx.shared.now() - i64::try_from(lag.as_secs()).unwrap_or(i64::MAX));
    Ok(ListingQuery {
        indexed_by,
        owner,
        subject,
        exclude_subject,
        nothing: custom_quota || third_party || provider,
        user: user.id.clone(),
        area,
        forms_apart: version == PortalVersion::Newer,
        types,
        filter,
        without_tags,
        tags: tag_filter.map(|tags| tags.iter().map(|t| tag_key(t)).collect()),
        sort,
    })
}

/// The ids of the rooms `user` sees that `query` matches, in its order.
fn matching_rooms(state: &State, user: &Person, query: &ListingQuery) -> Vec<u64> {
    let mut rooms: Vec<&Room> = state
        .rooms
        .values()
        .filter(|r| in_area(r, query.area, query.forms_apart))
        .filter(|r| state.can_read(user, r))
        .filter(|r| query.types.is_empty() || query.types.contains(&r.room_type.code()))
        .filter(|r| {
            query.filter.as_ref().is_none_or(|f| r.title.to_lowercase().contains(f.as_str()))
        })
        .filter(|r| query.indexed_by.is_none_or(|by| r.created <= by))
        .filter(|r| !query.without_tags || r.tags.is_empty())
        .filter(|r| query.tags.as_ref().is_none_or(|keys| keys.iter().any(|k| r.tags.contains(k))))
        .filter(|r| subject_matches(state, r, query) != query.exclude_subject)
        .filter(|_| !query.nothing)
        .collect();
    // As `EntryManager.SortEntries` (`products/ASC.Files/Core/Utils/EntryManager.cs`
    // L927-1060): the direction applies to the sort key alone, ties go by title ascending in
    // either direction (`x.Title.EnumerableComparer(y.Title)`, not multiplied by the
    // direction), and nothing breaks a tie by id. A room's `create_on` is a `datetime`, whole
    // seconds (`Core/EF/DbFolder.cs` L116-118), so rooms created in one second come in title
    // order, not in creation order. The sort is stable (`OrderBy`): rooms equal in both keep
    // the order they were read in (here by id; a portal's query has no order of its own).
    let sort = query.sort;
    rooms.sort_by(|a, b| {
        let key = compare(state, a, b, sort.by);
        let key = if sort.descending { key.reverse() } else { key };
        if sort.by == SORT_AZ { key } else { key.then_with(|| natural(&a.title, &b.title)) }
    });
    rooms.iter().map(|r| r.id).collect()
}

/// `FolderContentDto<int>`, in the field order a portal sends.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct FolderContent<'a> {
    files: [(); 0],
    folders: Vec<dto::RoomDto<'a>>,
    current: Value,
    path_parts: Value,
    start_index: usize,
    count: usize,
    total: usize,
    new: u8,
}

/// `Faults::delete_oldest_before_page`: another user deletes the oldest room before this page.
fn churn(ctx: &Ctx, start: usize) {
    if !ctx.shared.faults.churn_before_page(start) {
        return;
    }
    ctx.shared.mutate(|state| {
        if let Some(oldest) =
            state.rooms.values().min_by_key(|room| (room.created, room.id)).map(|room| room.id)
        {
            state.delete_room(oldest);
        }
    });
}

/// Whether the subject filters (`subjectOwnerId`, `subjectId`) match a room; true without them.
fn subject_matches(state: &State, room: &Room, query: &ListingQuery) -> bool {
    let owned = query.owner.as_ref().is_none_or(|owner| room.owner == *owner);
    let subject = query.subject.as_ref().is_none_or(|(id, role)| match role {
        SubjectRole::Owner => room.owner == *id,
        SubjectRole::Member => state.person(id).is_some_and(|p| state.access_of(p, room).is_some()),
    });
    owned && subject
}

/// The rooms an area lists, as `FileSecurity.cs` L2675-2682 (server
/// `products/ASC.Files/Core/Core/Security/`) picks their root folders for an administrator:
/// `Active` the Rooms folder, `Archive` the Archive folder, `AiAgents` the AI agents' own
/// folder, `Any` the Rooms and Archive folders. So an AI room made by `POST files/rooms`
/// (`roomType` 9: `FileStorageService.CreateRoomAsync` L603-619 puts it in Rooms,
/// `DocSpaceHelper.MapToFolderType` makes it an `AiRoom`) is listed like any room, and an AI
/// agent ([`super::state::Room::agent`]) only in `AiAgents`. Form-filling rooms are in their own
/// Forms area on newer portals (`forms_apart`, OBSERVED §9.1) and in Active on v3.7.2. Recent
/// links, templates, knowledge and result storage hold no rooms here.
fn in_area(room: &Room, area: i64, forms_apart: bool) -> bool {
    let form = room.room_type == RoomType::FormFilling;
    match area {
        AREA_ACTIVE => !(room.archived || room.agent || form && forms_apart),
        AREA_ARCHIVE => room.archived && !room.agent,
        AREA_ANY => !room.agent,
        AREA_FORMS => !room.archived && form,
        AREA_AI_AGENTS => room.agent,
        _ => false,
    }
}

fn compare(state: &State, a: &Room, b: &Room, by: i64) -> Ordering {
    match by {
        SORT_DATE_AND_TIME => a.updated.cmp(&b.updated),
        SORT_CREATED => a.created.cmp(&b.created),
        SORT_AZ => natural(&a.title, &b.title),
        SORT_TYPE | SORT_ROOM_TYPE => a.room_type.code().cmp(&b.room_type.code()),
        SORT_AUTHOR => {
            let author = |r: &Room| {
                state.person(&r.owner).map(|p| p.display_name.to_lowercase()).unwrap_or_default()
            };
            author(a).cmp(&author(b))
        }
        SORT_TAGS => {
            let first = |r: &Room| r.tags.first().map(|k| state.tag_name(k).to_lowercase());
            first(a).cmp(&first(b))
        }
        _ => Ordering::Equal,
    }
}

/// Titles compared as a portal compares them (`StringExtension.EnumerableComparer`,
/// `common/ASC.Core.Common/Core/StringExtension.cs` L99-170): runs of digits by their value,
/// anything else one character at a time, ignoring case.
fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        let (Some(&x), Some(&y)) = (a.peek(), b.peek()) else {
            return a.peek().is_some().cmp(&b.peek().is_some());
        };
        let ordering = if x.is_ascii_digit() && y.is_ascii_digit() {
            let number = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                let mut value: u64 = 0;
                while let Some(digit) = chars.peek().and_then(|c| c.to_digit(10)) {
                    value = value.saturating_mul(10).saturating_add(u64::from(digit));
                    chars.next();
                }
                value
            };
            number(&mut a).cmp(&number(&mut b))
        } else {
            a.next();
            b.next();
            x.to_lowercase().cmp(y.to_lowercase())
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
}

/// `GET /api/2.0/files/rooms/{id}`: anonymous is allowed in, so a missing room is a 404 before
/// a missing token is a 401 (with a JSON body).
pub(crate) async fn get(ctx: Ctx, Path(id): Path<String>) -> Response {
    ctx.respond(get_room(&ctx, &id))
}

fn get_room(ctx: &Ctx, raw_id: &str) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let behaviour = ctx.shared.behaviour();
    ctx.shared.read(|state| {
        let room = state.rooms.get(&id).ok_or_else(ApiError::folder_not_found)?;
        let user = ctx
            .user
            .as_ref()
            .ok_or_else(|| ApiError::plain(StatusCode::UNAUTHORIZED, CANNOT_VIEW_FOLDER))?;
        if !state.can_read(user, room) {
            return Err(ApiError::invalid_operation(CANNOT_VIEW_FOLDER));
        }
        Ok(Success::one(dto::room(state, room, user, ctx.base(), behaviour.deny_active_delete)))
    })
}

/// Model validation of a title: a string of at most 170 UTF-16 units.
fn title_field(body: &JsonBody) -> Result<Option<String>, ApiError> {
    let title = body.opt_string("title")?;
    if title.as_ref().is_some_and(|t| utf16_len(t) > MAX_TITLE_UNITS) {
        return Err(ApiError::validation(
            "Title",
            "The field Title must be a string with a maximum length of 170.",
        ));
    }
    Ok(title)
}

/// Model validation of a colour: a string of at most 6 characters.
fn color_field(body: &JsonBody) -> Result<Option<String>, ApiError> {
    let color = body.opt_string("color")?;
    if color.as_ref().is_some_and(|c| utf16_len(c) > 6) {
        return Err(ApiError::validation(
            "Color",
            "The field Color must be a string with a maximum length of 6.",
        ));
    }
    Ok(color)
}

/// A range error of model validation (`[Range]`) at `path`.
fn range_error(path: &str, low: i64, high: i64) -> ApiError {
    ApiError::validation(path, format!("The field {path} must be between {low} and {high}."))
}

/// An optional integer member of `object` that must lie in `low..=high`.
fn ranged(
    object: &Map<String, Value>,
    name: &str,
    parent: &str,
    (low, high): (i64, i64),
) -> Result<Option<i64>, ApiError> {
    let path = format!("{parent}.{name}");
    let value = check_kind(member(object, name), &path, Kind::Int)?;
    match value {
        Some(v) if !(low..=high).contains(&v) => Err(range_error(&path, low, high)),
        _ => Ok(value),
    }
}

/// Check each member of `object` against its kind.
fn check_members(
    object: &Map<String, Value>,
    parent: &str,
    kinds: &[(&str, Kind)],
) -> Result<(), ApiError> {
    for (name, kind) in kinds {
        check_kind(member(object, name), &format!("{parent}.{name}"), *kind)?;
    }
    Ok(())
}

/// An optional object property: `null` and absence are `None`, any other type a 400.
fn object_field<'a>(
    body: &'a JsonBody,
    name: &str,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    check_kind(body.get(name), name, Kind::Object)?;
    Ok(body.get(name).and_then(Value::as_object))
}

/// Model binding and validation of the settings besides title, tags, colour and the flags, so
/// that a request a portal rejects is rejected here too (ROOM-SETTINGS §2.3, OBSERVED §4.3 and
/// §6.3); `settings::SettingsRequest` then reads what passed.
fn check_settings(body: &JsonBody, creating: bool) -> Result<(), ApiError> {
    check_kind(body.get("quota"), "quota", Kind::Int)?;
    for flag in ["sendFormToExternalDB", "saveFormAsXLSX"] {
        body.opt_bool(flag)?;
    }
    object_field(body, "chatSettings")?;
    if let Some(lifetime) = object_field(body, "lifetime")? {
        check_members(
            lifetime,
            "lifetime",
            &[("deletePermanently", Kind::Bool), ("enabled", Kind::Bool)],
        )?;
        // `period` is a `RoomDataLifetimePeriod` (Day, Month, Year) read only as a number.
        ranged(lifetime, "period", "lifetime", (0, 2))?;
        let value = ranged(lifetime, "value", "lifetime", (1, 999))?;
        let disabling = !creating && member(lifetime, "enabled") == Some(&Value::Bool(false));
        if value.is_none() && !disabling {
            return Err(ApiError::argument("Value cannot be null. (Parameter 'Value')"));
        }
    }
    if let Some(watermark) = object_field(body, "watermark")? {
        check_members(
            watermark,
            "watermark",
            &[
                ("enabled", Kind::Bool),
                ("additions", Kind::Int),
                ("text", Kind::Text),
                ("rotate", Kind::Int),
                ("imageScale", Kind::Int),
                ("imageUrl", Kind::Text),
                ("imageHeight", Kind::Number),
                ("imageWidth", Kind::Number),
            ],
        )?;
        if member(watermark, "text").and_then(Value::as_str).is_some_and(|t| utf16_len(t) > 255) {
            return Err(ApiError::validation(
                "Watermark.Text",
                "The field Text must be a string with a maximum length of 255.",
            ));
        }
    }
    if let Some(logo) = object_field(body, "logo")? {
        if member(logo, "tmpFile").is_none_or(Value::is_null) {
            return Err(ApiError::validation("Logo.TmpFile", "The TmpFile field is required."));
        }
        check_kind(member(logo, "tmpFile"), "logo.tmpFile", Kind::Text)?;
        for (name, low) in [("x", 0), ("y", 0), ("width", 1), ("height", 1)] {
            ranged(logo, name, "logo", (low, 1280))?;
        }
    }
    // Only the length here; whether the portal has that cover is checked later, after the room.
    if body.opt_string("cover")?.is_some_and(|cover| utf16_len(&cover) > 50) {
        return Err(ApiError::validation(
            "Cover",
            "The field Cover must be a string with a maximum length of 50.",
        ));
    }
    if creating {
        check_share(body)?;
    }
    Ok(())
}

/// `share` on create: `[{shareTo: Guid, email, access}]`; accepted and ignored, as on portals.
fn check_share(body: &JsonBody) -> Result<(), ApiError> {
    check_kind(body.get("share"), "share", Kind::Array)?;
    let entries = body.get("share").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    for (index, entry) in entries.iter().enumerate() {
        let path = format!("share[{index}]");
        let entry = entry
            .as_object()
            .ok_or_else(|| type_error(&path, "ASC.Files.Core.ApiModels.FileShareParams"))?;
        check_members(entry, &path, &[("email", Kind::Text)])?;
        match member(entry, "shareTo") {
            None | Some(Value::Null) => {}
            Some(Value::String(id)) if uuid::Uuid::parse_str(id).is_ok() => {}
            Some(_) => return Err(type_error(&format!("{path}.shareTo"), "System.Guid")),
        }
        match member(entry, "access") {
            None | Some(Value::Null | Value::String(_)) => {}
            Some(Value::Number(n)) if n.is_i64() => {}
            Some(_) => {
                return Err(type_error(
                    &format!("{path}.access"),
                    "ASC.Files.Core.Security.FileShare",
                ));
            }
        }
    }
    Ok(())
}

/// A tag list's names must each fit in 255 units.
fn check_tag_lengths(tags: &[String]) -> Result<(), ApiError> {
    match tags.iter().find(|t| utf16_len(t) > MAX_TAG_UNITS) {
        Some(_) => Err(ApiError::argument(format!(
            "The tag name must not be longer than {MAX_TAG_UNITS} characters"
        ))),
        None => Ok(()),
    }
}

/// `roomType` as model binding reads it: a name or a number; `Ok(None)` is a number that is not
/// a defined room type (the action rejects it).
fn room_type_field(body: &JsonBody) -> Result<Option<RoomType>, ApiError> {
    let invalid = || type_error("roomType", "ASC.Files.Core.ApiModels.RequestDto.RoomType");
    match body.get("roomType") {
        Some(Value::Number(n)) => n.as_i64().map(RoomType::from_code).ok_or_else(invalid),
        Some(Value::String(s)) => {
            match RoomType::ALL.into_iter().find(|t| t.api_name().eq_ignore_ascii_case(s.trim())) {
                Some(t) => Ok(Some(t)),
                None => s.trim().parse::<i64>().map(RoomType::from_code).map_err(|_| invalid()),
            }
        }
        _ => Err(invalid()),
    }
}

/// `POST /api/2.0/files/rooms`.
pub(crate) async fn create(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    let room = match new_room(&ctx, &headers, &body) {
        Ok(room) => room,
        Err(error) => return ctx.respond(Err(error)),
    };
    // `Faults::create_rendezvous`; the turn is given up once the room is committed, and the
    // answer waits for the rivals' commits.
    let key = format!("room:{}", stored_title(&room.title));
    let turn = ctx.shared.faults.meet(&key, &room.title).await;
    if let Some(delay) = ctx.shared.faults.create_commit_delay() {
        // `Faults::create_commits_late`: the gateway gives up; the portal commits later, when
        // the emulator's clock says so.
        ctx.shared.schedule(delay, move |state, now| {
            room.commit(state, now);
        });
        return html_response(StatusCode::GATEWAY_TIMEOUT);
    }
    let user = ctx.user.as_ref().expect("a new room has an owner");
    let behaviour = ctx.shared.behaviour();
    let deny_active_delete = behaviour.deny_active_delete;
    let success = ctx.shared.mutate(|state| {
        // Read under the state's lock, so creates date their rooms in the order they commit.
        let now = ctx.shared.now();
        let id = room.commit(state, now);
        ctx.shared.count_room_created(state, now, behaviour.rooms_per_second);
        let mut dto = dto::room(state, &state.rooms[&id], user, ctx.base(), deny_active_delete);
        // The create response omits the quota even when one was set (OBSERVED §4.5).
        if let Value::Object(map) = &mut dto {
            for field in ["usedSpace", "quotaLimit", "isCustomQuota"] {
                map.remove(field);
            }
        }
        Success::one(dto)
    });
    if let Some(turn) = turn {
        turn.leave().await;
    }
    let mut response = ctx.respond(Ok(success));
    if ctx.shared.faults.lose_create_response() {
        response.extensions_mut().insert(LoseResponse);
    }
    response
}

/// A room a create request asks for, validated and allowed, not yet stored.
struct NewRoom {
    owner: String,
    title: String,
    room_type: RoomType,
    tags: Vec<String>,
    color: Option<String>,
    indexing: bool,
    deny_download: bool,
    settings: SettingsRequest,
}

impl NewRoom {
    /// Store the room, created at `now`; its id.
    fn commit(&self, state: &mut State, now: i64) -> u64 {
        let id = state.create_room(
            stored_title(&self.title),
            self.room_type,
            &self.owner,
            &self.tags,
            now,
        );
        let room = state.rooms.get_mut(&id).expect("the room was just created");
        if let Some(color) = self.color.clone().filter(|c| !c.is_empty()) {
            room.color = color;
        }
        room.indexing = self.indexing;
        room.deny_download = self.deny_download;
        self.settings.clone().apply_create(state, id, now);
        id
    }
}

fn new_room(ctx: &Ctx, headers: &HeaderMap, bytes: &[u8]) -> Result<NewRoom, ApiError> {
    let user = ctx.require_user()?;
    let body = JsonBody::parse(headers, bytes)?;
    let missing: Vec<&str> = ["title", "roomType"].into_iter().filter(|f| !body.has(f)).collect();
    if !missing.is_empty() {
        let names = missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ");
        return Err(ApiError::validation(
            "$",
            format!(
                "JSON deserialization for type 'ASC.Files.Core.ApiModels.RequestDto.CreateRoomRequestDto' was missing required properties including: {names}."
            ),
        ));
    }
    let title = title_field(&body)?;
    let room_type = room_type_field(&body)?;
    let tags = body.opt_strings("tags")?.unwrap_or_default();
    let color = color_field(&body)?;
    let indexing = body.opt_bool("indexing")?.unwrap_or(false);
    let deny_download = body.opt_bool("denyDownload")?.unwrap_or(false);
    let private = body.opt_bool("private")?.unwrap_or(false);
    check_settings(&body, true)?;
    let settings = SettingsRequest::read(&body);

    if !user.is_manager_type() || user.is_visitor {
        return Err(ApiError::invalid_operation("You don't have enough permission to create"));
    }
    let title = title.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let title = title
        .ok_or_else(|| ApiError::argument("Value cannot be null or empty. (Parameter 'title')"))?;
    let room_type = room_type.ok_or_else(|| ApiError::out_of_range("roomType"))?;
    if private {
        return Err(match room_type {
            RoomType::Public | RoomType::FormFilling => {
                ApiError::invalid_operation("A private room cannot be of this type")
            }
            _ => ApiError::invalid_operation("You need an encryption key to create a private room"),
        });
    }
    check_tag_lengths(&tags)?;
    ctx.shared.read(|state| settings.check_storage(state, true))?;
    settings.check_cover(None)?;
    Ok(NewRoom {
        owner: user.id.clone(),
        title,
        room_type,
        tags,
        color,
        indexing,
        deny_download,
        settings,
    })
}

/// `PUT /api/2.0/files/rooms/{id}`: every failure to find or edit the room is a 403.
pub(crate) async fn update(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.respond(update_room(&ctx, &id, &headers, &body))
}

fn update_room(
    ctx: &Ctx,
    raw_id: &str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let user = ctx.require_user()?;
    let body = JsonBody::parse(headers, bytes)?;
    let title = title_field(&body)?;
    let tags = body.opt_strings("tags")?;
    let color = color_field(&body)?;
    let indexing = body.opt_bool("indexing")?;
    let deny_download = body.opt_bool("denyDownload")?;
    check_settings(&body, false)?;
    let settings = SettingsRequest::read(&body);
    let behaviour = ctx.shared.behaviour();
    let now = ctx.shared.now();
    ctx.shared.mutate(|state| {
        settings.check_storage(state, false)?;
        let room =
            state.rooms.get(&id).ok_or_else(|| ApiError::invalid_operation(FOLDER_NOT_FOUND))?;
        if room.archived || !state.can_edit(user, room) {
            return Err(ApiError::invalid_operation(CANNOT_EDIT_ROOM));
        }
        if let Some(tags) = &tags {
            check_tag_lengths(tags)?;
        }
        // Nothing of the update is saved when its cover is refused (FDAO L1306-1308).
        settings.check_cover(room.settings.cover.as_deref())?;
        let before = room.clone();
        if let Some(tags) = &tags {
            state.rooms.get_mut(&id).expect("room").tags.clear();
            state.attach_tags(id, tags);
        }
        let settings_changed = settings.apply_update(state, id, now);
        let room = state.rooms.get_mut(&id).expect("room");
        if let Some(title) = title.map(|t| stored_title(&t)).filter(|t| !t.is_empty()) {
            room.title = title;
        }
        match color.as_deref() {
            // An empty colour asks for a new random one.
            Some("") => room.color = next_color(room),
            Some(c) => room.color = c.to_string(),
            None => {}
        }
        if let Some(indexing) = indexing {
            room.indexing = indexing;
        }
        if let Some(deny) = deny_download {
            room.deny_download = deny;
        }
        touch_if_changed(room, &before, &user.id, now);
        if settings_changed {
            room.updated = now;
            room.updated_by.clone_from(&user.id);
        }
        let room = &state.rooms[&id];
        Ok(Success::one(dto::room(state, room, user, ctx.base(), behaviour.deny_active_delete)))
    })
}

fn next_color(room: &Room) -> String {
    (1..=u64::try_from(state::PALETTE.len()).expect("a small palette"))
        .map(|salt| state::random_color(room.id, salt))
        .find(|c| *c != room.color)
        .expect("the palette has several colours")
}

/// Bump `updated` when a change altered the room.
fn touch_if_changed(room: &mut Room, before: &Room, user: &str, now: i64) {
    let changed = room.title != before.title
        || room.tags != before.tags
        || room.color != before.color
        || room.indexing != before.indexing
        || room.deny_download != before.deny_download;
    if changed {
        room.updated = now;
        room.updated_by = user.to_string();
    }
}

/// `PUT /api/2.0/files/rooms/{id}/tags`: adds tags (creating missing ones in the catalog).
pub(crate) async fn add_tags(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.respond(change_tags(&ctx, &id, &headers, &body, true))
}

/// `DELETE /api/2.0/files/rooms/{id}/tags`: detaches tags, case-insensitively.
pub(crate) async fn remove_tags(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.respond(change_tags(&ctx, &id, &headers, &body, false))
}

fn change_tags(
    ctx: &Ctx,
    raw_id: &str,
    headers: &HeaderMap,
    bytes: &[u8],
    add: bool,
) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let user = ctx.require_user()?;
    let body = JsonBody::parse(headers, bytes)?;
    let names = body
        .opt_strings("names")?
        .ok_or_else(|| ApiError::validation("Names", "The Names field is required."))?;
    let behaviour = ctx.shared.behaviour();
    let now = ctx.shared.now();
    ctx.shared.mutate(|state| {
        let room = state.rooms.get(&id).ok_or_else(ApiError::folder_not_found)?;
        if room.archived || !state.can_edit(user, room) {
            return Err(ApiError::access_denied());
        }
        check_tag_lengths(&names)?;
        let before = room.clone();
        if add {
            state.attach_tags(id, &names);
        } else {
            let keys: Vec<String> =
                names.iter().filter(|n| !n.trim().is_empty()).map(|n| tag_key(n)).collect();
            state.rooms.get_mut(&id).expect("room").tags.retain(|k| !keys.contains(k));
        }
        let room = state.rooms.get_mut(&id).expect("room");
        touch_if_changed(room, &before, &user.id, now);
        let room = &state.rooms[&id];
        Ok(Success::one(dto::room(state, room, user, ctx.base(), behaviour.deny_active_delete)))
    })
}
