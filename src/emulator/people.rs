//! The directory (people and groups), logging in, and room members (`/files/rooms/{id}/share`).

use super::context::{Ctx, room_id};
use super::dto;
use super::envelope::{ApiError, CANNOT_VIEW_FOLDER, Success};
use super::request::{JsonBody, SORT_ORDER};
use super::snapshot::EmulatedMember;
use super::state::{Group, Member, OWNER_ACCESS, Person, Room, State};
use crate::docspace::Access;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

/// `ShareFilterType`, a `[Flags]` enum (`Link` is the three external-link flags together).
const SHARE_FILTER: [(&str, i64); 8] = [
    ("UserOrGroup", 0),
    ("InvitationLink", 1),
    ("ExternalLink", 2),
    ("AdditionalExternalLink", 4),
    ("PrimaryExternalLink", 8),
    ("Link", 15),
    ("User", 16),
    ("Group", 32),
];
const SHARE_USERS: i64 = 16;
const SHARE_GROUPS: i64 = 32;

const NIL_UUID: &str = "00000000-0000-0000-0000-000000000000";
const AUTH_FAILED: &str = "User authentication failed";

/// `FileShare` names, which the API also reads (an unknown name reads as `None`).
const FILE_SHARE: [(&str, i64); 12] = [
    ("None", 0),
    ("ReadWrite", 1),
    ("Read", 2),
    ("Restrict", 3),
    ("Varies", 4),
    ("Review", 5),
    ("Comment", 6),
    ("FillForms", 7),
    ("CustomFilter", 8),
    ("RoomManager", 9),
    ("Editing", 10),
    ("ContentCreator", 11),
];

/// `POST /api/2.0/authentication`: a new token at every login.
pub(crate) async fn login(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    ctx.respond(log_in(&ctx, &headers, &body))
}

fn log_in(ctx: &Ctx, headers: &HeaderMap, bytes: &[u8]) -> Result<Success, ApiError> {
    let failed = || ApiError::plain(StatusCode::UNAUTHORIZED, AUTH_FAILED);
    let body = JsonBody::parse(headers, bytes).map_err(|_| failed())?;
    let user_name = body.opt_string("userName").map_err(|_| failed())?.unwrap_or_default();
    let password = body.opt_string("password").map_err(|_| failed())?.unwrap_or_default();
    if user_name.is_empty() || password != ctx.shared.password {
        return Err(failed());
    }
    ctx.shared.mutate(|state| {
        let person = state.person_by_email(user_name.trim()).ok_or_else(failed)?;
        if !person.active() {
            return Err(ApiError::invalid_operation("The user is not active"));
        }
        let token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let person_id = person.id.clone();
        state.sessions.insert(token.clone(), person_id);
        Ok(Success::one(json!({
            "token": token,
            "expires": crate::time::api_date(ctx.shared.now() + 365 * 86_400),
            "sms": false,
            "tfa": false,
        })))
    })
}

fn filter_value(ctx: &Ctx) -> Option<String> {
    ctx.query.first("filtervalue").map(|f| f.trim().to_lowercase()).filter(|f| !f.is_empty())
}

/// `GET /api/2.0/people`: active people, paged, with `count` and `total`.
pub(crate) async fn list(ctx: Ctx) -> Response {
    ctx.respond(list_people(&ctx))
}

fn list_people(ctx: &Ctx) -> Result<Success, ApiError> {
    ctx.require_user()?;
    // `count` is `[Range(1, 100)]` on the request DTO, as on every paged list.
    let paging = ctx.paging()?;
    let filter = filter_value(ctx);
    Ok(ctx.shared.read(|state| {
        let matching: Vec<&Person> = state
            .people
            .iter()
            .filter(|p| p.active())
            .filter(|p| {
                filter.as_ref().is_none_or(|f| {
                    p.display_name.to_lowercase().contains(f) || p.email.to_lowercase().contains(f)
                })
            })
            .collect();
        let page = paging.page(matching.iter().map(|p| dto::employee_full(p, ctx.base())));
        Success::page(page, matching.len())
    }))
}

/// `GET /api/2.0/people/email?email=`: any status; 404 when unknown, 400 when `email` is missing
/// or not an address (`[EmailAddress]`, `[StringLength(255)]`).
pub(crate) async fn by_email(ctx: Ctx) -> Response {
    ctx.respond(person_by_email(&ctx))
}

fn person_by_email(ctx: &Ctx) -> Result<Success, ApiError> {
    ctx.require_user()?;
    let email = ctx.query.first("email").unwrap_or("").trim().to_string();
    if email.is_empty() {
        return Err(ApiError::validation("Email", "The Email field is required."));
    }
    if !is_email(&email) {
        return Err(ApiError::validation(
            "Email",
            "The Email field is not a valid e-mail address.",
        ));
    }
    ctx.shared.read(|state| match state.person_by_email(&email) {
        Some(person) => Ok(Success::one(dto::employee_full(person, ctx.base()))),
        None => Err(ApiError::not_found("User not found")),
    })
}

/// `GET /api/2.0/group`.
pub(crate) async fn groups(ctx: Ctx) -> Response {
    ctx.respond(list_groups(&ctx))
}

/// Paged (`count` and `total` set), filtered by name, member (`userId`, as `manager` when
/// `manager=true`: nobody manages a group here) and sorted by name, as
/// `GroupsController.GetGroupsAsync` does.
fn list_groups(ctx: &Ctx) -> Result<Success, ApiError> {
    ctx.require_user()?;
    let q = &ctx.query;
    let paging = ctx.paging()?;
    let member = q.guid("userid", "userId")?;
    let manager = q.boolean("manager", "manager")?.unwrap_or(false);
    let descending = q.enumeration("sortorder", "sortOrder", &SORT_ORDER)? == Some(1);
    let filter = filter_value(ctx);
    Ok(ctx.shared.read(|state| {
        let mut matching: Vec<&Group> = state
            .groups
            .iter()
            .filter(|g| filter.as_ref().is_none_or(|f| g.name.to_lowercase().contains(f)))
            .filter(|g| member.as_ref().is_none_or(|m| !manager && g.members.contains(m)))
            .collect();
        matching.sort_by(|a, b| {
            a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id))
        });
        if descending {
            matching.reverse();
        }
        Success::page(paging.page(matching.iter().map(|g| group_dto(g))), matching.len())
    }))
}

fn group_dto(group: &Group) -> Value {
    json!({"name": group.name, "category": NIL_UUID, "id": group.id, "isLDAP": false, "isSystem": false, "shared": false, "membersCount": group.members.len()})
}

/// One `FileShareDto` of a room's member list.
fn share_dto(
    state: &State,
    subject: &str,
    group: bool,
    access: i64,
    is_owner: bool,
    base: &str,
) -> Option<Value> {
    let subject_dto = if group {
        let g = state.group(subject)?;
        ("sharedToGroup", json!({"id": g.id, "name": g.name}))
    } else {
        ("sharedToUser", dto::employee_full(state.person(subject)?, base))
    };
    let mut entry = serde_json::Map::new();
    entry.insert("access".into(), json!(access));
    entry.insert(subject_dto.0.into(), subject_dto.1);
    for (key, value) in [
        ("isLocked", false),
        ("isOwner", is_owner),
        ("canEditAccess", !is_owner),
        ("canEditInternal", false),
        ("canEditDenyDownload", false),
        ("canEditExpirationDate", false),
        ("canRevoke", !is_owner),
    ] {
        entry.insert(key.into(), json!(value));
    }
    entry.insert("subjectType".into(), json!(if group { 2 } else { 0 }));
    Some(Value::Object(entry))
}

/// A room's entries, owner first: (subject, is group, access, is owner).
fn entries(room: &Room) -> Vec<(String, bool, i64, bool)> {
    std::iter::once((room.owner.clone(), false, OWNER_ACCESS, true))
        .chain(room.members.iter().map(|m| (m.subject.clone(), m.group, m.access, false)))
        .collect()
}

/// A room's members for [`super::Emulator::members`].
pub(crate) fn member_list(state: &State, room_id: u64) -> Vec<EmulatedMember> {
    let Some(room) = state.rooms.get(&room_id) else {
        return Vec::new();
    };
    entries(room)
        .into_iter()
        .map(|(id, is_group, access, is_owner)| {
            let name = if is_group {
                state.group(&id).map(|g| g.name.clone())
            } else {
                state.person(&id).map(|p| p.email.clone())
            };
            EmulatedMember { name: name.unwrap_or_default(), id, is_group, access, is_owner }
        })
        .collect()
}

/// `GET /api/2.0/files/rooms/{id}/share`.
pub(crate) async fn get_share(ctx: Ctx, Path(id): Path<String>) -> Response {
    ctx.respond(read_share(&ctx, &id))
}

fn read_share(ctx: &Ctx, raw_id: &str) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let user = ctx.require_user()?;
    let filter_type = ctx.query.flags("filtertype", "filterType", &SHARE_FILTER)?.unwrap_or(0);
    let paging = ctx.paging()?;
    let filter = filter_value(ctx);
    ctx.shared.read(|state| {
        let room = state.rooms.get(&id).ok_or_else(ApiError::folder_not_found)?;
        if !state.can_read(user, room) {
            return Err(ApiError::invalid_operation(CANNOT_VIEW_FOLDER));
        }
        // 0 users and groups; the User and Group flags select them; links are no members.
        let wanted = |group: bool| {
            filter_type == 0 || filter_type & if group { SHARE_GROUPS } else { SHARE_USERS } != 0
        };
        let items: Vec<Value> = entries(room)
            .into_iter()
            .filter(|(_, group, _, _)| wanted(*group))
            .filter(|(subject, group, _, _)| {
                filter.as_ref().is_none_or(|f| {
                    let names = if *group {
                        state.group(subject).map(|g| vec![g.name.to_lowercase()])
                    } else {
                        state
                            .person(subject)
                            .map(|p| vec![p.display_name.to_lowercase(), p.email.to_lowercase()])
                    };
                    names.unwrap_or_default().iter().any(|n| n.contains(f.as_str()))
                })
            })
            .filter_map(|(subject, group, access, owner)| {
                share_dto(state, &subject, group, access, owner, ctx.base())
            })
            .collect();
        let total = items.len();
        let page = paging.page(items);
        Ok(Success::page(page, total))
    })
}

/// One invitation after model binding.
struct Invitation {
    id: Option<String>,
    email: Option<String>,
    access: Option<i64>,
}

fn invitation_error(index: usize, field: &str, type_name: &str) -> ApiError {
    ApiError::validation(
        format!("$.invitations[{index}].{field}"),
        format!(
            "The JSON value could not be converted to {type_name}. Path: $.invitations[{index}].{field} | LineNumber: 0 | BytePositionInLine: 0."
        ),
    )
}

fn parse_invitations(body: &JsonBody) -> Result<Vec<Invitation>, ApiError> {
    let items = match body.get("invitations") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(super::request::type_error(
                "invitations",
                "System.Collections.Generic.IEnumerable`1[ASC.Files.Core.ApiModels.RequestDto.RoomInvitation]",
            ));
        }
    };
    for flag in ["notify", "force"] {
        body.opt_bool(flag)?;
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let Value::Object(item) = item else {
                return Err(invitation_error(
                    index,
                    "",
                    "ASC.Files.Core.ApiModels.RequestDto.RoomInvitation",
                ));
            };
            let field = |name: &str| {
                item.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
            };
            let id = match field("id") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if uuid::Uuid::parse_str(s).is_ok_and(|u| !u.is_nil()) => {
                    Some(s.to_lowercase())
                }
                Some(_) => return Err(invitation_error(index, "id", "System.Guid")),
            };
            let email = match field("email") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if is_email(s) => Some(s.trim().to_string()),
                Some(Value::String(_)) => {
                    return Err(ApiError::validation(
                        format!("Invitations[{index}].Email"),
                        "The Email field is not a valid e-mail address.",
                    ));
                }
                Some(_) => return Err(invitation_error(index, "email", "System.String")),
            };
            let access = match field("access") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(|| {
                    invitation_error(index, "access", "ASC.Files.Core.Security.FileShare")
                })?),
                // The FileShare converter reads an unknown name as None (0).
                Some(Value::String(s)) => {
                    Some(super::request::parse_enum(s, &FILE_SHARE).unwrap_or(0))
                }
                Some(_) => {
                    return Err(invitation_error(
                        index,
                        "access",
                        "ASC.Files.Core.Security.FileShare",
                    ));
                }
            };
            Ok(Invitation { id, email, access })
        })
        .collect()
}

/// `[EmailAddress]` and `[StringLength(255)]`, roughly: one `@` between non-empty parts.
fn is_email(email: &str) -> bool {
    let email = email.trim();
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    email.len() <= 255
        && !local.is_empty()
        && !domain.is_empty()
        && !email.contains(char::is_whitespace)
}

/// A resolved invitation: who, and the access to give (0 removes).
enum Subject {
    Person(String),
    Group(String),
    NewGuest(String),
}

/// `PUT /api/2.0/files/rooms/{id}/share`.
pub(crate) async fn put_share(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.respond(set_share(&ctx, &id, &headers, &body))
}

fn set_share(
    ctx: &Ctx,
    raw_id: &str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let user = ctx.require_user()?;
    let body = JsonBody::parse(headers, bytes)?;
    let invitations = parse_invitations(&body)?;
    if invitations.is_empty() {
        // The portal answers an empty `RoomSecurityDto` before it looks the room up.
        return Ok(Success::one(json!({"error": 0})));
    }
    ctx.shared.mutate(|state| {
        let room = state.rooms.get(&id).ok_or_else(ApiError::folder_not_found)?;
        if room.archived || !state.can_edit(user, room) {
            return Err(ApiError::access_denied());
        }
        // Resolve every invitation first: one that is not allowed fails the whole request.
        let mut resolved: Vec<(Subject, i64)> = Vec::new();
        for invitation in &invitations {
            let Some(access) = invitation.access else { continue };
            let subject = match (&invitation.id, &invitation.email) {
                (Some(id), _) if state.group(id).is_some() => Subject::Group(id.clone()),
                (Some(id), _) => match state.person(id) {
                    Some(p) => Subject::Person(p.id.clone()),
                    None => continue,
                },
                (None, Some(email)) => match state.person_by_email(email) {
                    Some(p) => Subject::Person(p.id.clone()),
                    None => Subject::NewGuest(email.clone()),
                },
                (None, None) => continue,
            };
            if access != 0 {
                check_access(state, room, &subject, access)?;
            }
            let skipped = match &subject {
                Subject::Person(pid) => {
                    pid == &room.owner || state.person(pid).is_some_and(|p| !p.active())
                }
                _ => false,
            };
            if !skipped {
                resolved.push((subject, access));
            }
        }
        let mut touched: Vec<(String, bool)> = Vec::new();
        for (subject, access) in resolved {
            let (subject_id, group) = match subject {
                Subject::Person(id) => (id, false),
                Subject::Group(id) => (id, true),
                Subject::NewGuest(email) => (state.add_person(invited_person(&email)), false),
            };
            let room = state.rooms.get_mut(&id).expect("room");
            room.members.retain(|m| m.subject != subject_id);
            if access != 0 {
                room.members.push(Member { subject: subject_id.clone(), group, access });
            }
            if !touched.contains(&(subject_id.clone(), group)) {
                touched.push((subject_id, group));
            }
        }
        let room = &state.rooms[&id];
        let members: Vec<Value> = touched
            .iter()
            .filter_map(|(subject, group)| {
                let member =
                    room.members.iter().find(|m| &m.subject == subject && m.group == *group)?;
                share_dto(state, subject, *group, member.access, false, ctx.base())
            })
            .collect();
        Ok(Success::one(json!({"members": members, "error": 0})))
    })
}

/// The room type's allowed levels (groups without `RoomManager`); `RoomManager` only for people
/// who may manage rooms.
fn check_access(
    state: &State,
    room: &Room,
    subject: &Subject,
    access: i64,
) -> Result<(), ApiError> {
    let level = Access::from_code(access).filter(|a| room.room_type.allowed_access().contains(a));
    let allowed = match (level, subject) {
        (None, _) | (Some(Access::RoomManager), Subject::Group(_) | Subject::NewGuest(_)) => false,
        (Some(Access::RoomManager), Subject::Person(id)) => {
            state.person(id).is_some_and(Person::is_manager_type)
        }
        (Some(_), _) => true,
    };
    if allowed { Ok(()) } else { Err(ApiError::access_denied()) }
}

/// A person invited by an email the directory does not know: a guest whose activation is
/// pending.
fn invited_person(email: &str) -> Person {
    Person {
        id: String::new(),
        email: email.to_string(),
        display_name: email.to_string(),
        status: 1,
        activation_status: 2,
        is_admin: false,
        is_room_admin: false,
        is_visitor: true,
        is_owner: false,
    }
}
