//! A room's external links as a v3.7.2 portal handles them (`shared/docspace/ROOM-SETTINGS.md`
//! §4, `OBSERVED-ON-PORTALS.md` §14): `GET …/links` (with its `type` filter), `PUT …/links`
//! (create, update by `linkId` replacing the whole link, an unknown id upserted, `access: 0`
//! deleting, idempotently), `GET …/link` (which creates a custom room's primary link), the
//! primary links public and form-filling rooms are born with, revoking one making a new one,
//! the per-type limits and access levels (403), past expiries dropped, `internal` forced by
//! room type, and passwords returned in plain text.

use super::context::{Ctx, room_id};
use super::envelope::{ApiError, Success};
use super::request::{JsonBody, Kind, check_kind, type_error};
use super::state::{Link, Room, State, default_title, new_id, primary_link};
use crate::docspace::{RoomType, file_share_name, utf16_len};
use crate::links::{LINK_TYPE_EXTERNAL, MAX_EXPIRY_SECS, MAX_LINK_TITLE_UNITS, rules};
use crate::time::{api_date, parse_date_time};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

/// `subjectType` of an additional external link.
const SUBJECT_EXTERNAL_LINK: i64 = 1;
/// `subjectType` of a room's primary external link.
const SUBJECT_PRIMARY_LINK: i64 = 4;
/// The portal's default password policy: at least 8 characters.
const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password the portal takes.
const MAX_PASSWORD_CHARS: usize = 255;

/// A link as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedLink {
    /// The link's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its `FileShare` code.
    pub access: i64,
    /// Its expiry as the portal writes it.
    pub expires: Option<String>,
    /// Its password, in plain text as the portal keeps it.
    pub password: Option<String>,
    /// Whether downloads are denied.
    pub deny_download: bool,
    /// Whether only portal users can open it.
    pub internal: bool,
    /// The room's primary link.
    pub primary: bool,
}

/// A room's links as tests see them.
pub(crate) fn snapshot(room: &Room) -> Vec<EmulatedLink> {
    room.links
        .iter()
        .map(|link| EmulatedLink {
            id: link.id.clone(),
            title: link.title.clone(),
            access: link.access,
            expires: link.expires.map(api_date),
            password: link.password.clone(),
            deny_download: link.deny_download,
            internal: link.internal,
            primary: link.primary,
        })
        .collect()
}

/// A link as `FileShareDto`, at `now`.
fn dto(room: &Room, link: &Link, base: &str, now: i64) -> Value {
    let can_expire = !link.primary || rules(room.room_type).is_some_and(|r| r.primary_expires);
    let mut shared = json!({
        "id": link.id,
        "title": link.title,
        "shareLink": format!("{base}/s/{}", link.key),
        "linkType": LINK_TYPE_EXTERNAL,
        "denyDownload": link.deny_download,
        // `FileShareOptions.IsExpired` (Core/Security/FileShareOptions.cs): strictly before now.
        "isExpired": link.expires.is_some_and(|e| e < now),
        "primary": link.primary,
        "internal": link.internal,
        "requestToken": link.key,
    });
    if let Some(expires) = link.expires {
        shared["expirationDate"] = Value::String(api_date(expires));
    }
    if let Some(password) = &link.password {
        shared["password"] = Value::String(password.clone());
    }
    json!({
        "access": link.access,
        "sharedTo": shared.clone(),
        "sharedLink": shared,
        "isLocked": false,
        "isOwner": false,
        "canEditAccess": true,
        "canEditInternal": room.room_type != RoomType::Public,
        "canEditDenyDownload": true,
        "canEditExpirationDate": can_expire,
        "canRevoke": true,
        "subjectType": if link.primary { SUBJECT_PRIMARY_LINK } else { SUBJECT_EXTERNAL_LINK },
    })
}

/// `GET /api/2.0/files/rooms/{id}/links`: the room's links, `type=1` external only, `type=0`
/// invitation only (none here); an empty list for users who may not see them.
pub(crate) async fn list(ctx: Ctx, Path(id): Path<String>) -> Response {
    ctx.respond(list_links(&ctx, &id))
}

fn list_links(ctx: &Ctx, raw_id: &str) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let user = ctx.require_user()?;
    let link_type = ctx.query.int("type", "type")?;
    let now = ctx.shared.now();
    ctx.shared.read(|state| {
        let room = state.rooms.get(&id).ok_or_else(ApiError::folder_not_found)?;
        let items: Vec<Value> = if state.can_edit(user, room) && link_type != Some(0) {
            room.links.iter().map(|link| dto(room, link, ctx.base(), now)).collect()
        } else {
            Vec::new()
        };
        let total = items.len();
        Ok(Success::page(items, total))
    })
}

/// `GET /api/2.0/files/rooms/{id}/link`: the primary external link, created in a custom room
/// that has none. Not a read.
pub(crate) async fn primary(ctx: Ctx, Path(id): Path<String>) -> Response {
    ctx.respond(primary_of(&ctx, &id))
}

fn primary_of(ctx: &Ctx, raw_id: &str) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let user = ctx.require_user()?;
    let now = ctx.shared.now();
    ctx.shared.mutate(|state| {
        let can_edit = state.rooms.get(&id).is_some_and(|room| state.can_edit(user, room));
        let room = state.rooms.get_mut(&id).ok_or_else(ApiError::folder_not_found)?;
        if rules(room.room_type).is_none() || !can_edit {
            return Err(ApiError::access_denied());
        }
        if !room.links.iter().any(|l| l.primary) {
            if room.archived || room.room_type != RoomType::Custom {
                return Err(ApiError::access_denied());
            }
            let mut link = primary_link(RoomType::Public).expect("public rooms have a primary");
            default_title(room.room_type).clone_into(&mut link.title);
            room.links.insert(0, link);
        }
        let room = &state.rooms[&id];
        let link = room.links.iter().find(|l| l.primary).expect("made above");
        Ok(Success::one(dto(room, link, ctx.base(), now)))
    })
}

/// The `RoomLinkRequest` fields, read as model binding reads them.
struct LinkRequest {
    link_id: Option<String>,
    access: i64,
    link_type: i64,
    title: Option<String>,
    expiration: Option<String>,
    password: Option<String>,
    deny_download: bool,
    internal: bool,
}

fn read_request(body: &JsonBody) -> Result<LinkRequest, ApiError> {
    let link_id = body.opt_string("linkId")?;
    if let Some(id) = &link_id
        && uuid::Uuid::parse_str(id).is_err()
    {
        return Err(type_error("linkId", "System.Guid"));
    }
    // `FileShare` by number or by name; an unknown name is `None` (0).
    let access = match body.get("access") {
        Some(Value::String(name)) if name.parse::<i64>().is_err() => (0..12)
            .find(|code| file_share_name(*code).is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .unwrap_or(0),
        value => check_kind(value, "access", Kind::Int)?.unwrap_or(0),
    };
    let link_type = check_kind(body.get("linkType"), "linkType", Kind::Int)?.unwrap_or(0);
    let title = body.opt_string("title")?;
    if title.as_deref().is_some_and(|t| utf16_len(t) > MAX_LINK_TITLE_UNITS) {
        return Err(ApiError::validation(
            "Title",
            format!(
                "The field Title must be a string with a maximum length of {MAX_LINK_TITLE_UNITS}."
            ),
        ));
    }
    let password = body.opt_string("password")?.map(|p| p.trim().to_owned());
    if password.as_deref().is_some_and(|p| p.chars().count() > MAX_PASSWORD_CHARS) {
        return Err(ApiError::validation(
            "Password",
            format!(
                "The field Password must be a string with a maximum length of {MAX_PASSWORD_CHARS}."
            ),
        ));
    }
    Ok(LinkRequest {
        link_id,
        access,
        link_type,
        title,
        expiration: body.opt_string("expirationDate")?,
        password: password.filter(|p| !p.is_empty()),
        deny_download: body.opt_bool("denyDownload")?.unwrap_or(false),
        internal: body.opt_bool("internal")?.unwrap_or(false),
    })
}

/// `PUT /api/2.0/files/rooms/{id}/links`.
pub(crate) async fn set(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.respond(set_link(&ctx, &id, &headers, &body))
}

fn set_link(
    ctx: &Ctx,
    raw_id: &str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let user = ctx.require_user()?;
    let body = JsonBody::parse(headers, bytes)?;
    let request = read_request(&body)?;
    let now = ctx.shared.now();
    ctx.shared.mutate(|state| {
        let room = state.rooms.get(&id).ok_or_else(ApiError::folder_not_found)?;
        if room.archived || !state.can_edit(user, room) {
            return Err(ApiError::access_denied());
        }
        let existing = request
            .link_id
            .as_deref()
            .and_then(|wanted| room.links.iter().position(|l| l.id.eq_ignore_ascii_case(wanted)));
        if request.access == 0 {
            return Ok(remove(state, id, existing, ctx.base(), now));
        }
        // `linkType` counts for a new link only; this emulator keeps no invitation links.
        if existing.is_none() && request.link_type != LINK_TYPE_EXTERNAL {
            return Err(ApiError::access_denied());
        }
        let Some(rules) = rules(room.room_type) else {
            return Err(ApiError::access_denied());
        };
        if !rules.access.iter().any(|a| a.code() == request.access) {
            return Err(ApiError::invalid_operation(
                "The role is not available for this user type",
            ));
        }
        let primary = existing.is_some_and(|at| room.links[at].primary);
        if existing.is_none() {
            let additional = room.links.iter().filter(|l| !l.primary).count();
            if additional >= rules.additional {
                return Err(ApiError::invalid_operation(&format!(
                    "The maximum number of links may not exceed {}",
                    rules.additional
                )));
            }
        }
        // A past or malformed expiry is dropped; one more than 10 years ahead is a 400; a
        // primary link that cannot expire keeps none.
        let expires = match request.expiration.as_deref().map(parse_date_time) {
            Some(Some(at)) if at - now > MAX_EXPIRY_SECS => {
                return Err(ApiError::argument("The expiration date is too far in the future"));
            }
            Some(Some(at)) if at > now && (!primary || rules.primary_expires) => Some(at),
            _ => None,
        };
        if request.password.as_deref().is_some_and(|p| p.chars().count() < MIN_PASSWORD_CHARS) {
            return Err(ApiError::argument(format!(
                "The password must be at least {MIN_PASSWORD_CHARS} characters long"
            )));
        }
        let internal = match room.room_type {
            RoomType::Public => false,
            RoomType::VirtualData => true,
            _ => request.internal,
        };
        let title = request
            .title
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| default_title(room.room_type).to_owned());
        let room = state.rooms.get_mut(&id).expect("room");
        let at = if let Some(at) = existing {
            at
        } else {
            room.links.push(Link {
                id: request.link_id.clone().unwrap_or_else(new_id),
                title: String::new(),
                access: 0,
                expires: None,
                password: None,
                deny_download: false,
                internal: false,
                primary: false,
                key: new_id().replace('-', ""),
            });
            room.links.len() - 1
        };
        let link = &mut room.links[at];
        // The whole link is rebuilt from the request.
        link.title = title;
        link.access = request.access;
        link.expires = expires;
        link.password.clone_from(&request.password);
        link.deny_download = request.deny_download;
        link.internal = internal;
        let link = link.clone();
        let room = &state.rooms[&id];
        Ok(Success::one(dto(room, &link, ctx.base(), now)))
    })
}

/// `access: 0`: a link removed (again: fine), or a primary link of a public or form-filling
/// room revoked, which makes a new one.
fn remove(state: &mut State, id: u64, existing: Option<usize>, base: &str, now: i64) -> Success {
    let room = state.rooms.get_mut(&id).expect("room");
    let Some(at) = existing else {
        return Success::one(Value::Null);
    };
    let removed = room.links.remove(at);
    if removed.primary
        && let Some(fresh) = primary_link(room.room_type)
    {
        room.links.insert(0, fresh);
        let room = &state.rooms[&id];
        return Success::one(dto(room, &room.links[0], base, now));
    }
    Success::one(Value::Null)
}
