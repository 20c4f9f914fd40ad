//! The portal's response envelopes (API-NOTES §2): the success wrapper, the exception envelope of
//! `CustomExceptionHandler`, the wrapped model-validation 400 and the bare statuses with no body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// A successful payload and the envelope's counters.
#[derive(Debug)]
pub(crate) struct Success {
    pub(crate) response: Value,
    /// The envelope's `count` (API-NOTES §2.1: 1 for objects and streamed lists).
    pub(crate) count: usize,
    /// The envelope's `total`, only where the controller sets it.
    pub(crate) total: Option<usize>,
}

impl Success {
    /// A single object (or a streamed list): envelope `count` 1.
    pub(crate) fn one(response: Value) -> Success {
        Success { response, count: 1, total: None }
    }

    /// A streamed list whose controller sets only its count (`apiContext.SetCount`): no `total`.
    pub(crate) fn counted(items: Vec<Value>) -> Success {
        Success { count: items.len(), response: Value::Array(items), total: None }
    }

    /// A materialised page with `count` and `total` set by the controller.
    pub(crate) fn page(items: Vec<Value>, total: usize) -> Success {
        Success { count: items.len(), response: Value::Array(items), total: Some(total) }
    }
}

/// A failure, in one of the three shapes a portal uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// A status with an empty body: the 401 challenge, 415, 429 and the like.
    Bare(StatusCode),
    /// An exception written by `CustomExceptionHandler`; `kind` is the .NET type name, `None` where
    /// the handler clears type, stack and hresult.
    Exception { status: StatusCode, message: String, kind: Option<(&'static str, i64)> },
    /// Model validation: a `ValidationProblemDetails` wrapped in an envelope with `status: 1`.
    Validation(Vec<(String, String)>),
}

pub(crate) const FOLDER_NOT_FOUND: &str = "The required folder was not found";
pub(crate) const CANNOT_EDIT_ROOM: &str = "You don't have permission to edit the room";
pub(crate) const CANNOT_VIEW_FOLDER: &str =
    "You don't have enough permission to view the folder content";

const ITEM_NOT_FOUND: (&str, i64) = ("ASC.Common.Web.ItemNotFoundException", -2_146_233_088);
const FILE_NOT_FOUND: (&str, i64) = ("System.IO.FileNotFoundException", -2_147_024_894);
const INVALID_OPERATION: (&str, i64) = ("System.InvalidOperationException", -2_146_233_079);
const SECURITY: (&str, i64) = ("System.Security.SecurityException", -2_146_233_078);
const ARGUMENT: (&str, i64) = ("System.ArgumentException", -2_147_024_809);
const ARGUMENT_OUT_OF_RANGE: (&str, i64) = ("System.ArgumentOutOfRangeException", -2_146_233_086);

impl ApiError {
    fn exception(
        status: StatusCode,
        message: impl Into<String>,
        kind: (&'static str, i64),
    ) -> ApiError {
        ApiError::Exception { status, message: message.into(), kind: Some(kind) }
    }

    /// 404 `ItemNotFoundException` with the given message.
    pub(crate) fn not_found(message: &str) -> ApiError {
        ApiError::exception(StatusCode::NOT_FOUND, message, ITEM_NOT_FOUND)
    }

    /// 404 `ItemNotFoundException`: the folder lookup of GET, archive, unarchive, tags and share.
    pub(crate) fn folder_not_found() -> ApiError {
        ApiError::not_found(FOLDER_NOT_FOUND)
    }

    /// 404 `FileNotFoundException`: the delete pre-check.
    pub(crate) fn delete_not_found() -> ApiError {
        ApiError::exception(StatusCode::NOT_FOUND, FOLDER_NOT_FOUND, FILE_NOT_FOUND)
    }

    /// 403 `InvalidOperationException` with its own message.
    pub(crate) fn invalid_operation(message: &str) -> ApiError {
        ApiError::exception(StatusCode::FORBIDDEN, message, INVALID_OPERATION)
    }

    /// 403 `SecurityException`, always written as `Access denied`.
    pub(crate) fn access_denied() -> ApiError {
        ApiError::exception(StatusCode::FORBIDDEN, "Access denied", SECURITY)
    }

    /// 400 `ArgumentException`.
    pub(crate) fn argument(message: impl Into<String>) -> ApiError {
        ApiError::exception(StatusCode::BAD_REQUEST, message, ARGUMENT)
    }

    /// 400 `ArgumentOutOfRangeException` for `parameter`.
    pub(crate) fn out_of_range(parameter: &str) -> ApiError {
        let message = format!(
            "Specified argument was out of the range of valid values. (Parameter '{parameter}')"
        );
        ApiError::exception(StatusCode::BAD_REQUEST, message, ARGUMENT_OUT_OF_RANGE)
    }

    /// An `AuthenticationException`-like error: no type, stack or hresult.
    pub(crate) fn plain(status: StatusCode, message: &str) -> ApiError {
        ApiError::Exception { status, message: message.to_string(), kind: None }
    }

    /// One model-validation error.
    pub(crate) fn validation(key: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![(key.into(), message.into())])
    }

    /// The response, with `href`/`method` for the validation envelope's `links`.
    pub(crate) fn into_response(self, href: &str, method: &str) -> Response {
        match self {
            ApiError::Bare(status) => status.into_response(),
            ApiError::Exception { status, message, kind } => {
                let (kind, stack, hresult) = match kind {
                    Some((name, hresult)) => (
                        json!(name),
                        json!(format!(
                            "   at {name}..ctor()\n   at ASC.Web.Files.Services.WCFService.FileStorageService"
                        )),
                        json!(hresult),
                    ),
                    None => (Value::Null, Value::Null, json!(0)),
                };
                let body = json!({
                    "status": 1,
                    "statusCode": status.as_u16(),
                    "error": {"message": message, "type": kind, "stack": stack, "hresult": hresult},
                });
                json_response(status, &body)
            }
            ApiError::Validation(errors) => {
                let mut map = serde_json::Map::new();
                for (key, message) in errors {
                    let entry = map.entry(key).or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(messages) = entry {
                        messages.push(Value::String(message));
                    }
                }
                let problem = json!({
                    "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                    "title": "One or more validation errors occurred.",
                    "status": 400,
                    "errors": map,
                    "traceId": trace_id(),
                });
                let envelope = Envelope {
                    response: problem,
                    count: 1,
                    total: None,
                    links: [Link { href, action: method }],
                    status: 1,
                    status_code: 400,
                };
                text_response(StatusCode::BAD_REQUEST, envelope.to_json())
            }
        }
    }
}

/// The success envelope around `response`, as text: a large room list is serialised straight
/// into it, without a JSON tree.
pub(crate) fn success_body<R: Serialize>(
    response: &R,
    count: usize,
    total: Option<usize>,
    href: &str,
    method: &str,
) -> String {
    Envelope {
        response,
        count,
        total,
        links: [Link { href, action: method }],
        status: 0,
        status_code: 200,
    }
    .to_json()
}

/// The envelope (API-NOTES §2.1), in the field order a portal sends.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a, R> {
    response: R,
    count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<usize>,
    links: [Link<'a>; 1],
    status: u8,
    status_code: u16,
}

#[derive(Serialize)]
struct Link<'a> {
    href: &'a str,
    action: &'a str,
}

impl<R: Serialize> Envelope<'_, R> {
    fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an envelope always serialises")
    }
}

/// A JSON body with the content type ASP.NET sends.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    text_response(status, body.to_string())
}

/// JSON text with the content type ASP.NET sends.
pub(crate) fn text_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

/// An HTML error page, as a proxy in front of a portal sends it.
pub(crate) fn html_response(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let body = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}

fn trace_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("00-{}-{}-00", id, &id[..16])
}
