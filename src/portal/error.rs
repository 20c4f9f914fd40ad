//! Typed API errors: a caller can branch on them, and each keeps the server's own message.

use std::time::Duration;

/// A request as it is named in messages: method and path, never the query or the token.
pub type RequestName = String;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error(
        "`{request}` was refused: the portal did not accept the token (401); check `DOCSPACE_TOKEN` or `--token-file`"
    )]
    Unauthorized { request: RequestName },

    #[error("`{request}` {}", self.outcome())]
    Status { request: RequestName, status: u16, message: String },

    #[error("`{request}` {}", self.outcome())]
    Malformed { request: RequestName, status: u16, detail: String },

    #[error("`{request}` {}", self.outcome())]
    Transport {
        request: RequestName,
        detail: String,
        /// True when the request may have reached the server (so a create may have happened).
        maybe_sent: bool,
    },

    #[error("`{request}` still failed after {attempts} attempt{} over {:.1}s; the last one {}", if *.attempts == 1 { "" } else { "s" }, .elapsed.as_secs_f64(), .last.outcome())]
    Exhausted { request: RequestName, attempts: u32, elapsed: Duration, last: Box<ApiError> },

    #[error(
        "`{request}`: the list changed while it was being read, {reads} reads in a row; run again once it settles"
    )]
    ListingChanged { request: RequestName, reads: u32 },

    #[error("operation {operation} for room {room} failed on the portal: {message}")]
    OperationFailed { room: u64, operation: String, message: String },

    #[error("operation {operation} for room {room} did not finish within {}s", .waited.as_secs())]
    OperationTimeout { room: u64, operation: String, waited: Duration },

    #[error("room {room} is not {expected} after its operation finished")]
    NotConverged { room: u64, expected: &'static str },

    #[error("room {room}: the portal did not apply every member change: {}", .problems.join("; "))]
    MembersNotApplied { room: u64, problems: Vec<String> },

    #[error("the plan acts on a room it never created or named")]
    NoRoomId,
}

impl ApiError {
    /// What happened to the request, without naming it: the message of a status, malformed or
    /// transport error after its request, and the last attempt's in [`ApiError::Exhausted`].
    pub fn outcome(&self) -> String {
        match self {
            ApiError::Unauthorized { .. } => {
                "was refused: the portal did not accept the token (401)".to_owned()
            }
            ApiError::Status { status, message, .. } => format!("answered {status}: {message}"),
            ApiError::Malformed { status, detail, .. } => {
                format!("answered {status} with a body that is not a DocSpace response ({detail})")
            }
            ApiError::Transport { detail, .. } => format!("failed: {detail}"),
            ApiError::Exhausted { last, .. } => last.outcome(),
            other => other.to_string(),
        }
    }

    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized { .. } => Some(401),
            ApiError::Status { status, .. } | ApiError::Malformed { status, .. } => Some(*status),
            ApiError::Exhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Whether repeating a request that is safe to repeat may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Transport { .. } => true,
            ApiError::Status { status, .. } | ApiError::Malformed { status, .. } => {
                matches!(status, 429 | 502 | 503 | 504)
            }
            _ => false,
        }
    }

    /// Whether a non-idempotent request may have taken effect despite the error.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            ApiError::Transport { maybe_sent, .. } => *maybe_sent,
            ApiError::Status { status, .. } | ApiError::Malformed { status, .. } => *status >= 500,
            ApiError::Exhausted { last, .. } => last.is_ambiguous(),
            _ => false,
        }
    }
}
