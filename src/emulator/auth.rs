//! Authorization of each request, as DocSpace-server v3.7.2 does it, and the key's own
//! endpoint.
//!
//! - What a caller may call: `crate::scopes` (the server's `ScopesMap`). On an action without
//!   `[AllowAnonymous]` the policy is endpoint metadata
//!   (`common/ASC.Api.Core/Auth/AuthorizationExtension.cs` L121-142): an unauthenticated
//!   caller gets the 401 challenge, a key without the scope a bare 403, both before the action
//!   binds or looks anything up. On an `[AllowAnonymous]` action
//!   `common/ASC.Api.Core/Middleware/ApiKeyScopesFilter.cs` L42-87 runs the same check, for
//!   API-key requests only: an invalid, expired or inactive `sk-` key has no scope claims
//!   there, so it is a 403 too.
//! - `GET /api/2.0/keys/@self` (`products/ASC.People/Server/Api/ApiKeysController.cs`
//!   L163-173): no scope policy (map entry `*`); the key's `ApiKeyResponseDto`
//!   (`products/ASC.People/Server/ApiModels/ResponseDto/ApiKeyResponseDto.cs` L45-120), null
//!   members omitted. It looks the header's token up as a key, so a login token finds none and
//!   the mapper fails on it: a 500.

use super::context::{Ctx, Shared};
use super::dto::employee;
use super::envelope::{ApiError, Success};
use crate::scopes;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The `[AllowAnonymous]` actions the emulator serves, by method and route:
/// `VirtualRoomsController.cs` L326, `OperationController.cs` L165, `FoldersController.cs`
/// L292 and L269, `AuthenticationController.cs` L217, `products/ASC.Files/Server/Api/
/// SettingsController.cs` L216 and `SecurityController.cs` L415.
const ANONYMOUS: [(&str, &str); 7] = [
    ("GET", "/api/2.0/files/rooms/{id}"),
    ("GET", "/api/2.0/files/fileops"),
    ("GET", "/api/2.0/files/folder/{id}"),
    ("GET", "/api/2.0/files/{id}"),
    ("POST", "/api/2.0/authentication"),
    ("GET", "/api/2.0/files/settings"),
    ("GET", "/api/2.0/files/share/{key}"),
];

/// The route layer: authenticates the caller once, applies the scope policy of the matched
/// route as the server does, and hands the caller to the handler.
pub(crate) async fn authorize(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let caller = shared.authenticate(&parts);
    let route = parts.extensions.get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let route = route.unwrap_or_else(|| parts.uri.path().to_owned());
    let method = parts.method.as_str();
    // The server matches its route template, `api/{version:apiVersion}/…`.
    let template = route.trim_start_matches('/').replacen("/2.0/", "/{version:apiVersion}/", 1);
    let policy = scopes::required(method, &template);
    let anonymous = ANONYMOUS.contains(&(method, route.as_str()));
    let refused = match (&caller.grant, anonymous) {
        // The filter on anonymous actions looks at API-key requests only; an invalid key
        // brings no scope claims.
        (None, true) => caller.api_key_request && policy.is_some(),
        (Some(grant), true) => caller.api_key_request && !grant.allows(policy.as_ref()),
        // The 401 challenge; without a policy the action's own check answers it.
        (None, false) if policy.is_some() => return StatusCode::UNAUTHORIZED.into_response(),
        (None, false) => false,
        (Some(grant), false) => !grant.allows(policy.as_ref()),
    };
    if refused {
        return StatusCode::FORBIDDEN.into_response();
    }
    parts.extensions.insert(caller);
    next.run(Request::from_parts(parts, body)).await
}

/// `GET /api/2.0/keys/@self`.
pub(crate) async fn own(ctx: Ctx, headers: HeaderMap) -> Response {
    let result = (|| {
        ctx.require_user()?;
        // The action slices the header after `Bearer ` and looks that up as a key.
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.get("Bearer ".len()..))
            .unwrap_or_default();
        let owner = employee(&ctx.shared.read(|s| s.owner().clone()), ctx.base());
        ctx.shared.keys.dto(token, owner).map(Success::one).ok_or_else(|| ApiError::Exception {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Object reference not set to an instance of an object.".to_owned(),
            kind: Some(("System.NullReferenceException", -2_147_467_261)),
        })
    })();
    ctx.respond(result)
}
