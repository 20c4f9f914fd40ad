//! Asynchronous operations: archive, unarchive and delete start one; `GET /files/fileops`
//! advances and reports them (see the module documentation of `emulator` for the rules).

use super::context::{Ctx, room_id};
use super::dto::{self, OpProgress};
use super::envelope::{ApiError, Success};
use super::request::{JsonBody, type_error};
use super::state::{OpAction, Operation, Person, State};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

/// `PUT /api/2.0/files/rooms/{id}/archive`.
pub(crate) async fn archive(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.respond(start(&ctx, &id, &headers, &body, OpAction::Archive))
}

/// `PUT /api/2.0/files/rooms/{id}/unarchive`.
pub(crate) async fn unarchive(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.respond(start(&ctx, &id, &headers, &body, OpAction::Unarchive))
}

/// `DELETE /api/2.0/files/rooms/{id}`: deletes permanently, active or archived.
pub(crate) async fn delete(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.respond(start(&ctx, &id, &headers, &body, OpAction::Delete))
}

/// `deleteAfter`: a boolean; `null` is a 400 for archive and unarchive and means `true` on
/// delete (whose request property is nullable).
fn delete_after(body: &JsonBody, action: OpAction) -> Result<bool, ApiError> {
    match body.get("deleteAfter") {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Null) if action == OpAction::Delete => Ok(true),
        Some(_) => Err(type_error("deleteAfter", "System.Boolean")),
    }
}

fn start(
    ctx: &Ctx,
    raw_id: &str,
    headers: &HeaderMap,
    bytes: &[u8],
    action: OpAction,
) -> Result<Success, ApiError> {
    let id = room_id(raw_id)?;
    let user = ctx.require_user()?;
    let body = JsonBody::parse(headers, bytes)?;
    let delete_after = delete_after(&body, action)?;
    let behaviour = ctx.shared.behaviour();
    let now = ctx.shared.now();
    ctx.shared.mutate(|state| {
        let Some(room) = state.rooms.get(&id) else {
            return Err(match action {
                OpAction::Delete => ApiError::delete_not_found(),
                _ => ApiError::folder_not_found(),
            });
        };
        let owns = user.is_owner || room.owner == user.id;
        let allowed = match action {
            // v3.7.2 deletes an active room as well as an archived one: `DELETE` publishes
            // with `immediately` (`Server/Api/VirtualRoomsController.cs` L420-426), which
            // skips the "archive first" refusal (`DeletePermissionsCheck.cs` L132-136), and a
            // room's creator has full access to it (`FileSecurity.cs` L1747, L3520-3530;
            // OBSERVED-ON-PORTALS §0 item 1, §8). `deny_active_delete` is a portal that
            // refuses it; the room's `security.Delete` tells which (see `dto::room_dto`).
            OpAction::Delete => owns && (room.archived || !behaviour.deny_active_delete),
            _ => state.can_edit(user, room),
        };
        if !allowed {
            return Err(ApiError::access_denied());
        }
        let op = Operation {
            id: uuid::Uuid::new_v4().to_string(),
            user: user.id.clone(),
            action,
            room: id,
            items: Vec::new(),
            reads: 0,
            polls: behaviour.polls_per_operation.max(1),
            fails_with: behaviour.failing_operation.clone(),
            never_finishes: behaviour.operations_never_finish,
        };
        let dto = dto::operation(&op, OpProgress::Created);
        if !delete_after {
            state.operations.push(op);
        } else if !op.never_finishes {
            // Without a held result the task runs unobserved: the change is made now and
            // the operation never shows up in /fileops.
            let _ = state.complete(&op, now);
        }
        Ok(Success::one(dto))
    })
}

/// `GET /api/2.0/files/fileops[?id=]`: the caller's operations; each read advances them, and a
/// finished one is reported once, then forgotten. Envelope `count` is 1 (a streamed list).
pub(crate) async fn fileops(ctx: Ctx) -> Response {
    ctx.respond(Ok(read_operations(&ctx)))
}

fn read_operations(ctx: &Ctx) -> Success {
    let Some(user) = ctx.user.as_ref() else {
        return Success::one(Value::Array(Vec::new()));
    };
    let wanted = ctx.query.first("id").map(str::to_string);
    let now = ctx.shared.now();
    ctx.shared.mutate(|state| {
        let reported = report(ctx, state, user, now, |op| {
            wanted.as_ref().is_none_or(|w| w.eq_ignore_ascii_case(&op.id))
        });
        Success::one(Value::Array(reported))
    })
}

/// One read of `user`'s operations that `wanted` picks, as `FileOperationsManager.GetOperationResults`
/// makes it (FOM L61-100): each read advances them, and one that finishes is reported by that
/// read and dequeued, so it is never reported again.
pub(crate) fn report(
    ctx: &Ctx,
    state: &mut State,
    user: &Person,
    now: i64,
    wanted: impl Fn(&Operation) -> bool,
) -> Vec<Value> {
    let deny_active_delete = ctx.shared.behaviour().deny_active_delete;
    let mut reported = Vec::new();
    let mut index = 0;
    while index < state.operations.len() {
        let op = &mut state.operations[index];
        if op.user != user.id || !wanted(op) {
            index += 1;
            continue;
        }
        op.reads += 1;
        if op.never_finishes || op.reads < op.polls {
            let percent = if op.never_finishes { 50 } else { (op.reads * 100 / op.polls).min(99) };
            reported.push(dto::operation(op, OpProgress::Running(percent)));
            index += 1;
            continue;
        }
        let op = state.operations.remove(index);
        let outcome = state.complete(&op, now);
        let folder = match (&outcome, op.action) {
            (Ok(()), OpAction::Archive | OpAction::Unarchive) => state
                .rooms
                .get(&op.room)
                .map(|room| dto::room(state, room, user, ctx.base(), deny_active_delete)),
            _ => None,
        };
        let error = outcome.err().unwrap_or_default();
        reported.push(dto::operation(&op, OpProgress::Finished { error: &error, folder }));
    }
    reported
}
