//! Typed API errors: a caller can branch on them, and each keeps the server's own message.

use std::time::Duration;

/// A request as it is named in messages: method and path, never the query or the token.
pub(crate) type RequestName = String;

/// `of 10000 writes (POST and PUT)`, or `on writes (POST and PUT)` when the portal named no
/// number.
pub(crate) fn limit_of(limit: Option<u32>, what: &str) -> String {
    match limit {
        Some(limit) => format!("of {limit} {what}"),
        None => format!("on {what}"),
    }
}

/// A duration in seconds as a message says it: `60`, `0.5`.
pub(crate) fn seconds(duration: Duration) -> String {
    format!("{}", duration.as_secs_f64())
}

/// What went wrong talking to the portal. `request` names the request by method and path.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The portal refused the token (401).
    #[error(
        "`{request}` was refused: the portal did not accept the token (401); check `DOCSPACE_TOKEN` or `--token-file`"
    )]
    Unauthorized {
        /// The request refused.
        request: RequestName,
    },

    /// The portal (or a proxy) answered with an error status or an error envelope.
    #[error("`{request}` {}", self.outcome())]
    Status {
        /// The request answered.
        request: RequestName,
        /// The HTTP status, or the envelope's `statusCode` when a 200 carried an error.
        status: u16,
        /// The server's own message, escaped and shortened.
        message: String,
    },

    /// A success status whose body is not the response the request expects.
    #[error("`{request}` {}", self.outcome())]
    Malformed {
        /// The request answered.
        request: RequestName,
        /// The HTTP status.
        status: u16,
        /// What was wrong with the body.
        detail: String,
    },

    /// No complete response: no connection, a cut connection or a timeout.
    #[error("`{request}` {}", self.outcome())]
    Transport {
        /// The request that got no response.
        request: RequestName,
        /// Why, from the HTTP library's error chain.
        detail: String,
        /// True when the request may have reached the server (so a create may have happened).
        maybe_sent: bool,
    },

    /// Retries ran out; `last` is the last attempt's error.
    #[error("`{request}` still failed after {attempts} attempt{} over {:.1}s; the last one {}", crate::text::plural(usize::try_from(*.attempts).unwrap_or(usize::MAX)), .elapsed.as_secs_f64(), .last.outcome())]
    Exhausted {
        /// The request retried.
        request: RequestName,
        /// Attempts sent.
        attempts: u32,
        /// Time from the first attempt to giving up.
        elapsed: Duration,
        /// The last attempt's error.
        last: Box<ApiError>,
    },

    /// A paged list that kept changing between its page reads.
    #[error(
        "`{request}`: the list changed while it was being read, {reads} reads in a row; run again once it settles"
    )]
    ListingChanged {
        /// The list's request.
        request: RequestName,
        /// Whole reads made.
        reads: u32,
    },

    /// A paged list whose pages kept adding up to fewer (or more) items than the `total` they
    /// announce: a portal or a proxy not paging as it says.
    #[error(
        "`{request}`: its pages held {read} items where they announced {total}, {reads} reads in a row; the portal or a proxy in front of it is not paging as announced"
    )]
    ListingIncomplete {
        /// The list's request.
        request: RequestName,
        /// Whole reads made.
        reads: u32,
        /// Items the last read found.
        read: usize,
        /// The `total` the last read's pages announced.
        total: usize,
    },

    /// A paged list announcing more items than the tool reads in one list: a server not paging
    /// as it says (a list that long would never end, nor fit in memory).
    #[error(
        "`{request}`: its first page announced {total} items, more than the {limit} this tool reads in one list; the portal or a proxy in front of it is not paging as announced"
    )]
    ListTooLong {
        /// The list's request.
        request: RequestName,
        /// The `total` announced.
        total: usize,
        /// [`super::paging::MAX_LIST_ITEMS`].
        limit: usize,
    },

    /// The portal refused with a wait longer than the retry budget: on a cloud portal, its
    /// daily limit of POST and PUT requests (`Retry-After` up to a day). Nothing more it would
    /// refuse is sent until it resets.
    #[error("`{request}` {}", self.outcome())]
    LimitReached {
        /// The request refused, or not sent.
        request: RequestName,
        /// The limit the portal named (`X-RateLimit-Limit`).
        limit: Option<u32>,
        /// When the portal said it resets, as a Unix time.
        resets_at: i64,
        /// False when an earlier refusal said this one would be refused: it was not sent.
        sent: bool,
        /// Whether the request invites by email: the limit may be the portal's daily limit of
        /// email invitations (per portal, `EmailInvitationApi`) as well as its writes'.
        invitations: bool,
    },

    /// Pacing to a rate limit would hold the request past its retry budget: it is not sent
    /// (again).
    #[error("`{request}` {}", self.outcome())]
    Paced {
        /// The request held back.
        request: RequestName,
        /// Attempts sent before, each refused or failed.
        attempts: u32,
        /// How much longer the pacing would hold it; `None` when its turn did not come within
        /// the budget.
        wait: Option<Duration>,
        /// The rate paced to.
        rate: Option<crate::docspace::RateLimit>,
        /// The retry budget.
        budget: Duration,
        /// Whether the rate is `--max-rate`'s (or under it).
        max_rate: bool,
        /// The last attempt's error, if one was sent.
        last: Option<Box<ApiError>>,
    },

    /// The run was interrupted while the request waited to be sent (again): it was not.
    #[error("`{request}` {}", self.outcome())]
    Interrupted {
        /// The request not sent.
        request: RequestName,
        /// Whether it waited to be retried (else for the pacing).
        retry: bool,
    },

    /// A create whose outcome is unknown (see [`ApiError::outcome_unknown`]) whose room, folder
    /// or link did not appear within the lookup window. It is never sent again in the same run.
    #[error(
        "the portal did not answer whether `{request}` created {kind} \"{title}\" (it {}); it did not appear within {} s; run `plan` again before retrying",
        .last.outcome(),
        .window.as_secs_f64()
    )]
    CreateOutcomeUnknown {
        /// The create request.
        request: RequestName,
        /// What it creates: `room`, `folder` or `link`.
        kind: &'static str,
        /// The room's, folder's or link's title, escaped.
        title: String,
        /// How long the title was looked up for.
        window: Duration,
        /// The create's own error.
        last: Box<ApiError>,
    },

    /// A move of a folder to the trash whose outcome is unknown (see
    /// [`ApiError::outcome_unknown`]) and whose folder was still in its room when the lookup
    /// window ended. It is never sent again in the same run: on a portal a second delete of a
    /// folder already in the trash erases it. The move may still be queued on the portal; a
    /// later run waits for it before any move to the trash (see [`ApiError::DeleteStillRunning`]).
    #[error(
        "the portal did not answer whether `{request}` moved folder {folder} to the trash (it {}); it was still in its room after {} s, so the move may still be queued, and it was not sent again: a second delete erases a folder already in the trash; apply again once `GET /api/2.0/files/fileops` lists no unfinished delete (a run waits for this account's unfinished deletes before any move to the trash, and takes a folder found in the trash as moved)",
        .last.outcome(),
        .window.as_secs_f64()
    )]
    TrashOutcomeUnknown {
        /// The delete request.
        request: RequestName,
        /// The folder's id.
        folder: u64,
        /// How long the folder was looked up for.
        window: Duration,
        /// The request's own error.
        last: Box<ApiError>,
    },

    /// A delete operation of the caller's that did not end within the operation timeout, waited
    /// for before a folder was to be moved to the trash: nothing was sent. It may be an earlier
    /// move of this very folder, still queued; a second delete would then erase the folder for
    /// good once the first has put it in the trash.
    #[error(
        "folder {folder} was not moved to the trash: delete operation {operation} of this account is still running after {} s, and a second delete sent while an earlier move of the folder is queued would erase it for good; apply again once `GET /api/2.0/files/fileops` lists no unfinished delete",
        .waited.as_secs()
    )]
    DeleteStillRunning {
        /// The folder that was to be moved.
        folder: u64,
        /// The operation still running.
        operation: String,
        /// How long it was waited for.
        waited: Duration,
    },

    /// An asynchronous operation reported an error.
    #[error("operation {operation} for room {room} failed on the portal: {message}")]
    OperationFailed {
        /// The room acted on.
        room: u64,
        /// The operation's id.
        operation: String,
        /// The portal's message, escaped.
        message: String,
    },

    /// An asynchronous operation did not finish within the operation timeout.
    #[error("operation {operation} for room {room} did not finish within {}s", .waited.as_secs())]
    OperationTimeout {
        /// The room acted on.
        room: u64,
        /// The operation's id.
        operation: String,
        /// How long it was polled.
        waited: Duration,
    },

    /// An operation finished but the room is not in the state it should have produced.
    #[error("room {room} is not {expected} after its operation finished")]
    NotConverged {
        /// The room acted on.
        room: u64,
        /// The state expected: `archived`, `active` or `deleted`.
        expected: &'static str,
    },
}

impl ApiError {
    /// What happened to the request, without naming it: the message of a status, malformed or
    /// transport error after its request, and the last attempt's in [`ApiError::Exhausted`].
    pub(crate) fn outcome(&self) -> String {
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
            ApiError::LimitReached { request, limit, resets_at, sent, invitations } => {
                let resets = crate::time::utc_time(*resets_at);
                let done = if *sent { "was refused (429)" } else { "was not sent" };
                if *invitations {
                    let limit = limit.map_or_else(String::new, |limit| format!(" of {limit}"));
                    return format!(
                        "{done}: a daily limit{limit} is reached until {resets}: the portal's limit on email invitations (per portal), or on writes (POST and PUT)"
                    );
                }
                let what = if request.starts_with("POST ") || request.starts_with("PUT ") {
                    "writes (POST and PUT)"
                } else {
                    "requests"
                };
                format!(
                    "{done}: the portal's limit {} is reached until {resets}",
                    limit_of(*limit, what)
                )
            }
            ApiError::Paced { attempts, wait, rate, budget, max_rate, last, .. } => {
                let before = match last {
                    Some(last) => format!(
                        " again after {attempts} attempt{} (the last one {})",
                        crate::text::plural(usize::try_from(*attempts).unwrap_or(usize::MAX)),
                        last.outcome()
                    ),
                    None => String::new(),
                };
                let rate = rate.map_or_else(String::new, |rate| {
                    format!(" to {} requests per {} s", rate.limit, seconds(rate.window))
                });
                let held = match wait {
                    Some(wait) => format!("would hold it {:.0} s", wait.as_secs_f64()),
                    None => "held it".to_owned(),
                };
                let raise =
                    if *max_rate { "`--retry-budget` or the rate" } else { "`--retry-budget`" };
                format!(
                    "was not sent{before}: pacing{rate} {held}, past its retry budget ({} s); raise {raise}",
                    seconds(*budget)
                )
            }
            ApiError::Interrupted { retry, .. } => {
                let waited = if *retry { "to be retried" } else { "for the pacing" };
                format!("was not sent: interrupted while it waited {waited}")
            }
            other => other.to_string(),
        }
    }

    /// The HTTP status, when the server answered with one.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized { .. } => Some(401),
            ApiError::Status { status, .. } | ApiError::Malformed { status, .. } => Some(*status),
            ApiError::Exhausted { last, .. } => last.status(),
            ApiError::Paced { last, .. } => last.as_ref().and_then(|last| last.status()),
            ApiError::LimitReached { sent: true, .. } => Some(429),
            _ => None,
        }
    }

    /// Whether repeating a request that is safe to repeat may succeed: the portal did not take
    /// it, or may not have.
    pub(crate) fn is_transient(&self) -> bool {
        !matches!(
            self,
            ApiError::Exhausted { .. } | ApiError::Paced { .. } | ApiError::Interrupted { .. }
        ) && (self.not_taken() || self.outcome_unknown())
    }

    /// Whether the portal certainly did not act on the request: no connection was made, or it
    /// answered 429 (rate limited) or 503 (not serving). Only then is a create sent again.
    pub(crate) fn not_taken(&self) -> bool {
        match self {
            ApiError::Transport { maybe_sent, .. } => !maybe_sent,
            ApiError::Status { status, .. } | ApiError::Malformed { status, .. } => {
                matches!(status, 429 | 503)
            }
            ApiError::Interrupted { .. } => true,
            ApiError::Paced { last, .. } => last.as_ref().is_none_or(|last| last.not_taken()),
            _ => false,
        }
    }

    /// Whether the request may have taken effect although nothing says it did: no response
    /// after it went out (a cut connection, a timeout), or a gateway's 502 or 504 (the portal
    /// behind it may still finish the work). Any other answer is the portal's own verdict.
    pub(crate) fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Transport { maybe_sent, .. } => *maybe_sent,
            ApiError::Status { status, .. } | ApiError::Malformed { status, .. } => {
                matches!(status, 502 | 504)
            }
            ApiError::Exhausted { last, .. } => last.outcome_unknown(),
            ApiError::Paced { last, .. } => {
                last.as_ref().is_some_and(|last| last.outcome_unknown())
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> ApiError {
        ApiError::Status { request: "POST /x".into(), status, message: String::new() }
    }

    fn transport(maybe_sent: bool) -> ApiError {
        ApiError::Transport { request: "POST /x".into(), detail: String::new(), maybe_sent }
    }

    /// (error, not taken, outcome unknown, transient)
    fn table() -> Vec<(ApiError, bool, bool, bool)> {
        vec![
            (transport(false), true, false, true),
            (transport(true), false, true, true),
            (status(429), true, false, true),
            (status(503), true, false, true),
            (status(502), false, true, true),
            (status(504), false, true, true),
            (status(500), false, false, false),
            (status(400), false, false, false),
            (ApiError::Unauthorized { request: "POST /x".into() }, false, false, false),
        ]
    }

    #[test]
    fn each_failure_is_classified_exactly() {
        for (error, not_taken, unknown, transient) in table() {
            assert_eq!(error.not_taken(), not_taken, "not taken: {error:?}");
            assert_eq!(error.outcome_unknown(), unknown, "outcome unknown: {error:?}");
            assert_eq!(error.is_transient(), transient, "transient: {error:?}");
        }
    }

    #[test]
    fn retries_that_ran_out_keep_an_unknown_outcome_but_are_not_retried_again() {
        let exhausted = |last| ApiError::Exhausted {
            request: "POST /x".into(),
            attempts: 2,
            elapsed: Duration::from_secs(1),
            last: Box::new(last),
        };
        assert!(exhausted(status(504)).outcome_unknown());
        assert!(!exhausted(status(503)).outcome_unknown());
        assert!(!exhausted(status(504)).is_transient());
    }
}
