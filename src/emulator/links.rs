//! A room's external links as a v3.7.2 portal handles them (`shared/docspace/ROOM-SETTINGS.md`
//! §4, `OBSERVED-ON-PORTALS.md` §14, and the server source, `ONLYOFFICE/DocSpace-server`
//! v3.7.2: `FileStorageService.cs` (FSS), `Utils/FileSharing.cs` (FSH), `ExternalShare.cs`):
//! `GET …/links` (with its `type` filter; envelope `count`, no `total`), `PUT …/links` (create,
//! update by `linkId` replacing the whole link, an unknown id created under that id, `access: 0`
//! deleting), `GET …/link` (which creates a custom room's primary link), the primary links
//! public and form-filling rooms are born with, revoking one making a new one, and
//! `GET /api/2.0/files/share/{key}`, which says whether a share URL still opens anything.
//!
//! `PUT …/links` checks in the server's order (FSS L4337-4353, L5755-5775, FSH L82-368): a title
//! or password over 255 characters (400, model validation) → the room (404) → the portal's
//! external-sharing restriction (a public room's link 403; another room's made internal) → an
//! expiry more than 10 calendar years ahead (400; a past one is dropped) → the right to edit
//! (403; archived rooms too) → the access level for the room type (403 "The role is not
//! available for this user type"; a type without external links has none, not even for a
//! removal) → the silent skip of
//! an update that changes `internal` where the room type fixes it (the stored link comes back
//! unchanged, 200) → `internal` forced by room type → the password policy (trimmed; 400 with
//! the portal's message) → the link-count limit of a create (403).
//!
//! A link's URL is `{portal}/rooms/share?key={key}`, the key a signature of the link's id
//! (`Signature.Create`, common/ASC.Common/Utils/Signature.cs L44-50): a link re-created under
//! its old id opens again at its old URL, one created under a new id gets a new URL.

use super::context::{Ctx, room_id};
use super::envelope::{ApiError, Success};
use super::faults::LoseResponse;
use super::request::{JsonBody, Kind, check_kind, type_error};
use super::state::{DEFAULT_LINK_TITLE, Link, Room, SharingSettings, State, primary_link};
use crate::docspace::{RoomType, file_share_name, utf16_len};
use crate::links::{
    LINK_TYPE_EXTERNAL, MAX_LINK_TITLE_UNITS, MAX_PASSWORD_REQUEST_UNITS, latest_expiry, rules,
};
use crate::time::{api_date, parse_date_time};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The 403 of an access level the room type does not give a link
/// (`FilesCommonResource.ErrorMessage_RoleNotAvailable`, FSH L169-185).
const ROLE_NOT_AVAILABLE: &str = "The role is not available for this user type";

/// `subjectType` of an additional external link.
const SUBJECT_EXTERNAL_LINK: i64 = 1;
/// `subjectType` of a room's primary external link.
const SUBJECT_PRIMARY_LINK: i64 = 4;

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
    /// The URL that opens it.
    pub url: String,
}

/// A room's links as tests see them.
pub(crate) fn snapshot(room: &Room, base: &str, secret: &str) -> Vec<EmulatedLink> {
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
            url: share_url(base, &share_key(&link.id, secret)),
        })
        .collect()
}

/// The share key of a link id: `base64url(base64(SHA256(json + secret)) + "?" + json)` with
/// `json` the id as a JSON string (`Signature.Create`, Signature.cs L44-50; `ExternalShare.
/// CreateShareKeyAsync`, ExternalShare.cs L333-338). Deterministic: no nonce, no time.
pub(crate) fn share_key(link_id: &str, secret: &str) -> String {
    let json = format!("\"{}\"", link_id.to_ascii_lowercase());
    let hash = base64(&Sha256::digest(format!("{json}{secret}").as_bytes()), STANDARD, true);
    base64(format!("{hash}?{json}").as_bytes(), URL_SAFE, false)
}

/// The link id a share key signs, when its signature holds (`Signature.Read`).
fn read_share_key(key: &str, secret: &str) -> Option<String> {
    let payload = String::from_utf8(unbase64_url(key)?).ok()?;
    let (hash, json) = payload.split_once('?')?;
    let expected = base64(&Sha256::digest(format!("{json}{secret}").as_bytes()), STANDARD, true);
    (hash == expected).then(|| json.trim_matches('"').to_owned())
}

/// `rooms/share?key={key}` made absolute (ExternalShare.cs L51, L76-77).
fn share_url(base: &str, key: &str) -> String {
    format!("{base}/rooms/share?key={key}")
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64 of `bytes` in `alphabet`, padded or not (.NET's `Convert.ToBase64String` pads,
/// `WebEncoders.Base64UrlEncode` does not).
fn base64(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0_u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            text.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
        }
        if pad {
            text.push_str(&"=="[..3 - chunk.len()]);
        }
    }
    text
}

/// The bytes of unpadded URL-safe base64, or `None` for anything else.
fn unbase64_url(text: &str) -> Option<Vec<u8>> {
    let sextets: Vec<u32> = text
        .bytes()
        .map(|b| URL_SAFE.iter().position(|a| *a == b).and_then(|p| u32::try_from(p).ok()))
        .collect::<Option<_>>()?;
    let mut bytes = Vec::with_capacity(sextets.len() * 3 / 4);
    for chunk in sextets.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let n = chunk.iter().enumerate().fold(0_u32, |n, (i, s)| n | s << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            bytes.push(u8::try_from(n >> (16 - 8 * i) & 0xff).ok()?);
        }
    }
    Some(bytes)
}

/// A link as `FileShareDto`, at `now`.
fn dto(room: &Room, link: &Link, base: &str, secret: &str, now: i64) -> Value {
    let can_expire = !link.primary || rules(room.room_type).is_some_and(|r| r.primary_expires);
    let key = share_key(&link.id, secret);
    let mut shared = json!({
        "id": link.id,
        "title": link.title,
        "shareLink": share_url(base, &key),
        "linkType": LINK_TYPE_EXTERNAL,
        "denyDownload": link.deny_download,
        // `FileShareOptions.IsExpired` (Core/Security/FileShareOptions.cs): strictly before now.
        "isExpired": link.expires.is_some_and(|e| e < now),
        "primary": link.primary,
        "internal": link.internal,
        "requestToken": key,
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
        "canEditInternal": !fixes_internal(room.room_type),
        "canEditDenyDownload": true,
        "canEditExpirationDate": can_expire,
        "canRevoke": true,
        "subjectType": if link.primary { SUBJECT_PRIMARY_LINK } else { SUBJECT_EXTERNAL_LINK },
    })
}

/// Room types whose links' `internal` nobody may change (`FileSecurity` `EditInternal`,
/// FileSecurity.cs L1377-1380): public rooms' are never internal, data rooms' always.
fn fixes_internal(room_type: RoomType) -> bool {
    matches!(room_type, RoomType::Public | RoomType::VirtualData)
}

/// `GET /api/2.0/files/rooms/{id}/links`: the room's links, `type=1` external only, `type=0`
/// invitation only (none here); an empty list for users who may not see them. The controller
/// sets only the count (VirtualRoomsController.cs L639-660): no `total`.
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
            room.links
                .iter()
                .map(|link| dto(room, link, ctx.base(), &state.share_secret, now))
                .collect()
        } else {
            Vec::new()
        };
        Ok(Success::counted(items))
    })
}

/// `GET /api/2.0/files/rooms/{id}/link`: the primary external link, created in a custom room
/// that has none: "Shared link", internal when sharing is restricted or the portal's default
/// says so (FSS L3985-4023). Not a read.
pub(crate) async fn primary(ctx: Ctx, Path(id): Path<String>) -> Response {
    ctx.respond(primary_of(&ctx, &id))
}

fn primary_of(ctx: &Ctx, raw_id: &str) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let user = ctx.require_user()?;
    let now = ctx.shared.now();
    ctx.shared.mutate(|state| {
        let can_edit = state.rooms.get(&id).is_some_and(|room| state.can_edit(user, room));
        let sharing = state.sharing;
        let room = state.rooms.get_mut(&id).ok_or_else(ApiError::folder_not_found)?;
        if rules(room.room_type).is_none() || !can_edit {
            return Err(ApiError::access_denied());
        }
        if !room.links.iter().any(|l| l.primary) {
            if room.archived || room.room_type != RoomType::Custom {
                return Err(ApiError::access_denied());
            }
            let mut link = primary_link(RoomType::Public, sharing).expect("public rooms have one");
            DEFAULT_LINK_TITLE.clone_into(&mut link.title);
            link.internal = sharing.restricts(room.archived) || sharing.default_share_link_internal;
            room.links.insert(0, link);
        }
        let room = &state.rooms[&id];
        let link = room.links.iter().find(|l| l.primary).expect("made above");
        Ok(Success::one(dto(room, link, ctx.base(), &state.share_secret, now)))
    })
}

/// The `RoomLinkRequest` fields, read as model binding reads them.
struct LinkRequest {
    link_id: Option<String>,
    access: i64,
    link_type: i64,
    title: Option<String>,
    expiration: Option<String>,
    /// Trimmed by the controller (VirtualRoomsController.cs L610); empty is none.
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
    let too_long = |field: &str, limit: usize| {
        ApiError::validation(
            field,
            format!("The field {field} must be a string with a maximum length of {limit}."),
        )
    };
    let title = body.opt_string("title")?;
    if title.as_deref().is_some_and(|t| utf16_len(t) > MAX_LINK_TITLE_UNITS) {
        return Err(too_long("Title", MAX_LINK_TITLE_UNITS));
    }
    // `[StringLength(255)]` holds the value as sent, before the trim.
    let password = body.opt_string("password")?;
    if password.as_deref().is_some_and(|p| utf16_len(p) > MAX_PASSWORD_REQUEST_UNITS) {
        return Err(too_long("Password", MAX_PASSWORD_REQUEST_UNITS));
    }
    Ok(LinkRequest {
        link_id,
        access,
        link_type,
        title,
        expiration: body.opt_string("expirationDate")?,
        password: password.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()),
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
    let set = set_link(&ctx, &id, &headers, &body);
    let lose = set.is_ok() && ctx.shared.faults.lose_link_write_response();
    let mut response = ctx.respond(set);
    if lose {
        response.extensions_mut().insert(LoseResponse);
    }
    response
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
    let mut request = read_request(&body)?;
    let now = ctx.shared.now();
    let base = ctx.base();
    ctx.shared.mutate(|state| {
        let room = state.rooms.get(&id).ok_or_else(ApiError::folder_not_found)?;
        let existing = request
            .link_id
            .as_deref()
            .and_then(|wanted| room.links.iter().position(|l| l.id.eq_ignore_ascii_case(wanted)));
        resolve_internal(state.sharing, room, existing, &mut request)?;
        // A past or malformed expiry is dropped; one more than 10 years ahead is a 400
        // (FSS L5759-5768).
        let mut expires = match request.expiration.as_deref().map(parse_date_time) {
            Some(Some(at)) if at > now && at > latest_expiry(now) => {
                return Err(ApiError::argument(
                    "Value does not fall within the expected range. (Parameter 'expirationDate')",
                ));
            }
            Some(Some(at)) if at > now => Some(at),
            _ => None,
        };
        if room.archived || !state.can_edit(user, room) {
            return Err(ApiError::access_denied());
        }
        // A room type without external links (collaboration, virtual data, AI) has no access
        // level for one, `None` included, so a removal is refused too (FSH L178-184:
        // `AvailableRoomAccesses` lists no `ExternalLink` for it).
        let Some(rules) = rules(room.room_type) else {
            return Err(ApiError::invalid_operation(ROLE_NOT_AVAILABLE));
        };
        if request.access == 0 {
            return remove(state, id, existing, rules.additional, base, now);
        }
        // `linkType` counts for a new link only; this emulator keeps no invitation links.
        if existing.is_none() && request.link_type != LINK_TYPE_EXTERNAL {
            return Err(ApiError::access_denied());
        }
        if !rules.access.iter().any(|a| a.code() == request.access) {
            return Err(ApiError::invalid_operation(ROLE_NOT_AVAILABLE));
        }
        let primary = existing.is_some_and(|at| room.links[at].primary);
        if primary && !rules.primary_expires {
            // A public or form-filling room's primary link never expires (FSH L187-192).
            expires = None;
        }
        // An update that changes `internal` where the room type fixes it is skipped whole,
        // silently: the stored link comes back (FSH L204-209, FSS L5775-5779).
        if let Some(at) = existing
            && room.links[at].internal != request.internal
            && fixes_internal(room.room_type)
        {
            return Ok(Success::one(dto(room, &room.links[at], base, &state.share_secret, now)));
        }
        let internal = match room.room_type {
            RoomType::Public => false,
            RoomType::VirtualData => true,
            _ => request.internal,
        };
        if let Some(password) = &request.password
            && !state.password_policy.allows(password)
        {
            return Err(ApiError::argument(state.password_policy.help()));
        }
        if existing.is_none() {
            check_room_for_another(room, rules.additional)?;
        }
        let title = request
            .title
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| DEFAULT_LINK_TITLE.to_owned());
        let room = state.rooms.get_mut(&id).expect("room");
        let at = if let Some(at) = existing {
            at
        } else {
            room.links.push(Link {
                id: request.link_id.clone().unwrap_or_else(super::state::new_id),
                title: String::new(),
                access: 0,
                expires: None,
                password: None,
                deny_download: false,
                internal: false,
                primary: false,
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
        Ok(Success::one(dto(room, &link, base, &state.share_secret, now)))
    })
}

/// The portal's sharing settings applied to a request. `CheckPrimaryLinkRevokeAsync` (FSS
/// L6005-6032): under the restriction a public room's primary cannot be revoked, nor a
/// form-filling room's that is not internal. `ResolveRequiredAuthAsync` (FSS L5967-5997):
/// `internal: true` is kept as sent; under the restriction a public room's link is refused and
/// another room's made internal; without it, a request without `linkId` outside a public room
/// takes the portal's default.
fn resolve_internal(
    sharing: SharingSettings,
    room: &Room,
    existing: Option<usize>,
    request: &mut LinkRequest,
) -> Result<(), ApiError> {
    let restricted = sharing.restricts(room.archived);
    if request.access == 0 {
        if restricted
            && let Some(link) = existing.map(|at| &room.links[at]).filter(|l| l.primary)
            && (room.room_type == RoomType::Public
                || room.room_type == RoomType::FormFilling && !link.internal)
        {
            return Err(ApiError::access_denied());
        }
    } else if !request.internal {
        if restricted {
            if room.room_type == RoomType::Public {
                return Err(ApiError::access_denied());
            }
            request.internal = true;
        } else if request.link_id.is_none() && room.room_type != RoomType::Public {
            request.internal = sharing.default_share_link_internal;
        }
    }
    Ok(())
}

/// A link made under a new id counts against the room type's limit (FSH L340-368).
fn check_room_for_another(room: &Room, additional: usize) -> Result<(), ApiError> {
    if room.links.iter().filter(|l| !l.primary).count() >= additional {
        return Err(ApiError::invalid_operation(&format!(
            "The maximum number of links may not exceed {additional}"
        )));
    }
    Ok(())
}

/// `access: 0`: a link removed, or a primary link of a public or form-filling room revoked,
/// which makes a new one (FSS L5794-5812). An unknown id is a create of nothing: it counts
/// against the limit of `additional` links (FSH L132, L340-368), and is otherwise fine.
fn remove(
    state: &mut State,
    id: u64,
    existing: Option<usize>,
    additional: usize,
    base: &str,
    now: i64,
) -> Result<Success, ApiError> {
    let sharing = state.sharing;
    let room = state.rooms.get_mut(&id).expect("room");
    let Some(at) = existing else {
        check_room_for_another(room, additional)?;
        return Ok(Success::one(Value::Null));
    };
    let removed = room.links.remove(at);
    if removed.primary
        && let Some(fresh) = primary_link(room.room_type, sharing)
    {
        room.links.insert(0, fresh);
        let room = &state.rooms[&id];
        return Ok(Success::one(dto(room, &room.links[0], base, &state.share_secret, now)));
    }
    Ok(Success::one(Value::Null))
}

/// `GET /api/2.0/files/share/{key}` (anonymous; SecurityController.cs L416-422,
/// `ExternalLinkHelper.ValidateAsync`): `status` 0 Ok, 1 Invalid (a key that does not verify, a
/// link that is gone, a room in the archive), 2 Expired, 3 Required password; `linkId` once
/// the link is found.
pub(crate) async fn share_data(ctx: Ctx, Path(key): Path<String>) -> Response {
    let now = ctx.shared.now();
    let found = ctx.shared.read(|state| {
        let id = read_share_key(&key, &state.share_secret)?;
        state.rooms.values().find_map(|room| {
            let link = room.links.iter().find(|l| l.id.eq_ignore_ascii_case(&id))?;
            let status = match link {
                _ if room.archived => 1,
                Link { expires: Some(at), .. } if *at < now => 2,
                Link { password: Some(_), .. } => 3,
                _ => 0,
            };
            Some((status, link.id.clone(), room.id, room.title.clone()))
        })
    });
    let authenticated = ctx.user.is_some();
    let data = match found {
        Some((status, link_id, room, title)) => json!({
            "status": status, "id": room.to_string(), "title": title, "linkId": link_id,
            "shared": status == 0, "isAuthenticated": authenticated,
        }),
        None => json!({
            "status": 1, "linkId": "00000000-0000-0000-0000-000000000000", "shared": false,
            "isAuthenticated": authenticated,
        }),
    };
    ctx.respond(Ok(Success::one(data)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_key_signs_the_link_id_and_reads_back_only_with_the_secret() {
        let id = "6f1c0f0e-8a4b-4c55-9d1e-000000000001";
        let key = share_key(id, "secret");
        assert_eq!(key, share_key(id, "secret"), "no nonce, no time");
        assert_ne!(key, share_key("6f1c0f0e-8a4b-4c55-9d1e-000000000002", "secret"));
        assert_eq!(read_share_key(&key, "secret").as_deref(), Some(id));
        assert_eq!(read_share_key(&key, "another"), None);
        // The payload is readable: the signature, `?`, and the id as JSON.
        let payload = String::from_utf8(unbase64_url(&key).unwrap()).unwrap();
        assert!(payload.ends_with(&format!("?\"{id}\"")), "{payload}");
    }

    #[test]
    fn base64_is_net_s() {
        assert_eq!(base64(b"", STANDARD, true), "");
        assert_eq!(base64(b"f", STANDARD, true), "Zg==");
        assert_eq!(base64(b"fo", STANDARD, true), "Zm8=");
        assert_eq!(base64(b"foo", STANDARD, true), "Zm9v");
        assert_eq!(base64(&[0xfb, 0xff], URL_SAFE, false), "-_8");
        assert_eq!(unbase64_url("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(unbase64_url("a"), None);
        assert_eq!(unbase64_url("a+b"), None);
    }
}
