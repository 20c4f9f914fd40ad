//! The HTTP core: one place that sends a request, paces and bounds it, retries what is safe to
//! retry, and turns the portal's envelope (or whatever a proxy answered) into a value or an
//! [`ApiError`] that names the request.

use super::error::ApiError;
use super::pacing::{Pacer, Tick};
use crate::docspace::{MAX_CONCURRENT_READS, MAX_CONCURRENT_WRITES, RateLimit, WINDOW_LIMIT};
use crate::text::{escape, truncate};
use backon::{BackoffBuilder, ExponentialBuilder};
use futures::{StreamExt, TryStreamExt};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How the client talks to one portal; built once by `config`.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// The portal's address, e.g. `https://example.onlyoffice.com/`.
    pub base_url: Url,
    /// An API key (`sk-…`) or a login token, sent as `Authorization: Bearer`.
    pub token: SecretString,
    /// Requests in flight at once (reads also capped at 50 and writes at 15, the portal's limits).
    pub parallelism: Parallelism,
    /// How long to wait for one asynchronous operation.
    pub operation_timeout: Duration,
    /// The longest a request may spend waiting between retries, in all.
    pub retry_budget: Duration,
    /// The first retry delay; later ones grow exponentially, with jitter.
    pub retry_min_delay: Duration,
    /// How long one attempt may take before it counts as a timeout.
    pub request_timeout: Duration,
    /// After a create whose outcome is unknown (no answer, a 502 or a 504), how long its title
    /// is looked up for before the create is reported as neither done nor failed. A portal may
    /// commit a create seconds after its gateway gave up.
    pub create_lookup_window: Duration,
    /// `--max-rate`: pace every request to this from the first one. Without it requests are
    /// paced only after the portal refuses one (429).
    pub max_rate: Option<RateLimit>,
    /// The window a refusal's `X-RateLimit-Limit` holds for, without `--max-rate`: a cloud
    /// portal's minute (a refusal does not say it).
    pub rate_window: Duration,
}

impl PortalConfig {
    /// The defaults for everything but the portal and the token.
    pub fn new(base_url: Url, token: SecretString) -> Self {
        PortalConfig {
            base_url,
            token,
            parallelism: Parallelism::default(),
            operation_timeout: Duration::from_secs(120),
            retry_budget: Duration::from_secs(60),
            retry_min_delay: Duration::from_millis(200),
            request_timeout: Duration::from_secs(30),
            create_lookup_window: Duration::from_secs(15),
            max_rate: None,
            rate_window: WINDOW_LIMIT.window,
        }
    }
}

/// How many requests (or rooms) may be in flight at once: never zero, so no stream of
/// requests can stall on a limit of none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parallelism(NonZeroUsize);

impl Parallelism {
    /// `n` at a time; `None` for zero.
    pub fn new(n: usize) -> Option<Parallelism> {
        NonZeroUsize::new(n).map(Parallelism)
    }

    /// The number.
    pub fn get(self) -> usize {
        self.0.get()
    }
}

/// `--parallelism`'s default.
impl Default for Parallelism {
    fn default() -> Parallelism {
        Parallelism(NonZeroUsize::new(8).unwrap_or(NonZeroUsize::MIN))
    }
}

/// Whether repeating a request after a failure could do something twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Reads and writes whose repetition leaves the same result.
    Safe,
    /// A create: retried only where the portal certainly did not act on it
    /// ([`ApiError::not_taken`]: a refused connection, a 429 or a 503).
    OnlyIfNotSent,
}

/// A client for one portal. Cheap to clone; clones share limits, pacing and counters.
#[derive(Clone)]
pub struct Portal {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: PortalConfig,
    reads: Semaphore,
    writes: Semaphore,
    /// Pacing to the portal's rate limit, on the clock started with the client.
    pacer: Mutex<Pacer>,
    started: Instant,
    /// The last refusal with a wait longer than the retry budget (a daily limit).
    limit: Mutex<Option<LimitReached>>,
    interrupted: AtomicBool,
    sent: AtomicU64,
    /// Whether the portal has answered anything yet in this run.
    answered: AtomicBool,
}

/// Attempts at a portal that has never answered over HTTP in this run: a wrong URL, a portal
/// that is down, or something else on that port should fail in about a second, not after the
/// whole retry budget. Once it has answered, a refused connection is a restart, and the budget
/// applies.
const ATTEMPTS_BEFORE_FIRST_ANSWER: u32 = 3;

/// Waits before a retry at least this long are announced without `-v`.
const ANNOUNCED_WAIT: Duration = Duration::from_secs(2);

/// A decoded success: the envelope's `response`, and its `total` where the server set one.
#[derive(Debug, Clone, PartialEq)]
struct Envelope {
    response: Value,
    total: Option<u64>,
}

/// A refusal whose wait outlasts the retry budget: on a cloud portal, the daily limit of POST
/// and PUT requests. Until it resets, nothing it refuses is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitReached {
    /// The limit the portal named (`X-RateLimit-Limit`).
    pub limit: Option<u32>,
    /// When the portal said it resets, as a Unix time.
    pub resets_at: i64,
    /// Whether it refused every request, not only POST and PUT (a refusal of a GET or DELETE
    /// is not the daily limit's).
    pub every_request: bool,
}

impl LimitReached {
    /// `the portal's limit of 10000 writes (POST and PUT) was reached; it resets at …`.
    pub(crate) fn describe(&self) -> String {
        let limit = self.limit.map_or_else(String::new, |limit| format!(" of {limit}"));
        let what = if self.every_request { " requests" } else { " writes (POST and PUT)" };
        format!(
            "the portal's limit{limit}{what} was reached; it resets at {}",
            crate::time::utc_time(self.resets_at)
        )
    }
}

/// What a 429 said.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// The sliding window is full: the pacer decides when the next attempt goes.
    Window,
    /// Too many requests in flight, or a limit that says nothing: a short backoff.
    Other,
    /// Come back after this long (`Retry-After` or `X-RateLimit-Reset`): a fixed window.
    Wait { after: Duration, resets_at: i64, limit: Option<u32> },
}

/// What one attempt learned besides its result.
struct Attempt<R> {
    result: Result<R, ApiError>,
    refusal: Option<Refusal>,
}

impl Portal {
    /// A client for the portal `config` names; sends nothing yet.
    pub fn new(config: PortalConfig) -> anyhow::Result<Portal> {
        // Built once: a token that cannot be a header value is an error before any request,
        // never replaced with something else. `HeaderValue` would take non-ASCII bytes as
        // obsolete text, which no portal reads as the token that was meant.
        let token = config.token.expose_secret();
        let mut auth = token
            .bytes()
            .all(|b| b.is_ascii_graphic())
            .then(|| reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).ok())
            .flatten()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the token cannot be sent in an HTTP header: it holds characters other than printable ASCII; check `DOCSPACE_TOKEN` or the token file"
                )
            })?;
        auth.set_sensitive(true);
        let headers = reqwest::header::HeaderMap::from_iter([
            (reqwest::header::AUTHORIZATION, auth),
            (
                reqwest::header::ACCEPT,
                reqwest::header::HeaderValue::from_static("application/json"),
            ),
        ]);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("docspace-rooms/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(config.request_timeout)
            .https_only(config.base_url.scheme() == "https")
            .build()
            .map_err(|err| anyhow::anyhow!("cannot build the HTTP client: {err}"))?;
        let reads = config.parallelism.get().min(MAX_CONCURRENT_READS);
        let writes = config.parallelism.get().min(MAX_CONCURRENT_WRITES);
        Ok(Portal {
            inner: Arc::new(Inner {
                http,
                reads: Semaphore::new(reads),
                writes: Semaphore::new(writes),
                pacer: Mutex::new(Pacer::new(config.max_rate, config.rate_window, Tick::ZERO)),
                started: Instant::now(),
                limit: Mutex::new(None),
                interrupted: AtomicBool::new(false),
                sent: AtomicU64::new(0),
                answered: AtomicBool::new(false),
                config,
            }),
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &PortalConfig {
        &self.inner.config
    }

    /// The portal's base URL as given, for plans and messages.
    pub(crate) fn base_url(&self) -> &Url {
        &self.inner.config.base_url
    }

    /// Whether `value` is this run's token: the one check callers get, never the token itself
    /// (a manifest must not read it as a link password).
    pub(crate) fn is_token(&self, value: &str) -> bool {
        let token = self.inner.config.token.expose_secret();
        !value.is_empty() && value.trim() == token.trim()
    }

    /// How many HTTP requests this client has sent, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// Marks the run as interrupted: the executor starts no new step (but closes the brackets it
    /// opened) and an unknown create stops looking for its room. Requests in flight still
    /// retry within their budget, so the archive that closes a bracket is not lost to one 429;
    /// a second interrupt stops the process at once.
    pub(crate) fn interrupt(&self) {
        self.inner.interrupted.store(true, Ordering::SeqCst);
    }

    /// Whether [`Portal::interrupt`] was called.
    pub(crate) fn is_interrupted(&self) -> bool {
        self.inner.interrupted.load(Ordering::SeqCst)
    }

    /// The last refusal that outlasted the retry budget in this run, if any, even once its
    /// limit has reset.
    ///
    /// # Panics
    /// If a thread panicked while recording one.
    pub fn limit_reached(&self) -> Option<LimitReached> {
        *self.inner.limit.lock().expect("limit lock")
    }

    /// Whether writes are refused now: a limit was reached and has not reset yet.
    pub(crate) fn writes_refused(&self) -> bool {
        self.limit_reached().is_some_and(|limit| crate::time::now() < limit.resets_at)
    }

    /// The refusal this request would get, when a limit reached earlier covers it: it is not
    /// sent.
    fn refused_before(&self, method: &Method, name: &str) -> Option<ApiError> {
        let limit = self.limit_reached()?;
        let covered = limit.every_request || is_capped(method);
        (covered && crate::time::now() < limit.resets_at).then(|| ApiError::LimitReached {
            request: name.to_owned(),
            limit: limit.limit,
            resets_at: limit.resets_at,
            sent: false,
        })
    }

    /// Reads one thing per key, `--parallelism` at a time, into a map by key; the first error
    /// stops the reads. Every per-room and per-folder read before planning goes through here.
    pub(crate) async fn read_each<K, T, Fut>(
        &self,
        keys: impl IntoIterator<Item = K>,
        read: impl Fn(K) -> Fut,
    ) -> Result<BTreeMap<K, T>, ApiError>
    where
        K: Ord + Clone,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        futures::stream::iter(keys)
            .map(|key| {
                let reading = read(key.clone());
                async move { reading.await.map(|value| (key, value)) }
            })
            .buffer_unordered(self.config().parallelism.get())
            .try_collect()
            .await
    }

    /// A read of `path`: the envelope's `response`, retried while that is safe.
    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ApiError> {
        self.send(Method::GET, path, query, None, Repeat::Safe).await
    }

    /// Sends a request and returns the envelope's `response`, retrying transient failures with
    /// jittered exponential backoff (or the server's `Retry-After`) while the retry budget lasts.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        repeat: Repeat,
    ) -> Result<Value, ApiError> {
        self.send_decoded(method, path, query, body, repeat, decode)
            .await
            .map(|envelope| envelope.response)
    }

    /// A read whose envelope's `response` and `total` are decoded straight into `T` from the
    /// bytes, skipping the fields `T` does not name (no JSON tree is built).
    pub(crate) async fn get_typed<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(T, Option<u64>), ApiError> {
        self.send_decoded(Method::GET, path, query, None, Repeat::Safe, decode_typed::<T>).await
    }

    async fn send_decoded<R>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        repeat: Repeat,
        decoder: fn(&str, StatusCode, &[u8]) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let name = format!("{method} {path}");
        let config = &self.inner.config;
        let started = Instant::now();
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(config.retry_min_delay)
            .with_max_delay(Duration::from_secs(10))
            .with_jitter()
            .without_max_times()
            .build();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let attempt = self.attempt(&method, path, query, body, &name, decoder).await;
            let error = match attempt.result {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if let Some(Refusal::Wait { after, resets_at, limit }) = attempt.refusal
                && started.elapsed() + after > config.retry_budget
            {
                // Longer than retrying may take: nothing more of its kind goes until then.
                let reached = LimitReached { limit, resets_at, every_request: !is_capped(&method) };
                let mut current = self.inner.limit.lock().expect("limit lock");
                let every_request = current.is_some_and(|c| c.every_request);
                *current = Some(LimitReached {
                    every_request: every_request || reached.every_request,
                    ..reached
                });
                tracing::warn!("`{name}`: {}", reached.describe());
                return Err(ApiError::LimitReached { request: name, limit, resets_at, sent: true });
            }
            let retryable = match repeat {
                Repeat::Safe => error.is_transient(),
                Repeat::OnlyIfNotSent => error.not_taken(),
            };
            if !retryable {
                return Err(error);
            }
            let unreachable = matches!(error, ApiError::Transport { .. })
                && !self.inner.answered.load(Ordering::SeqCst);
            let delay = match attempt.refusal {
                // The pacer holds the next attempt back until the window has room.
                Some(Refusal::Window) => Duration::ZERO,
                Some(Refusal::Wait { after, .. }) => after,
                Some(Refusal::Other) | None => delays.next().unwrap_or(Duration::from_secs(10)),
            };
            if started.elapsed() + delay > config.retry_budget
                || unreachable && attempts >= ATTEMPTS_BEFORE_FIRST_ANSWER
            {
                return Err(ApiError::Exhausted {
                    request: name,
                    attempts,
                    elapsed: started.elapsed(),
                    last: Box::new(error),
                });
            }
            if delay >= ANNOUNCED_WAIT {
                // A long silent wait looks like a hang, in a CI log above all.
                tracing::warn!(
                    "`{name}` {}; retrying in {:.0} s (attempt {})",
                    error.outcome(),
                    delay.as_secs_f64(),
                    attempts + 1
                );
            } else {
                tracing::info!(request = %name, attempt = attempts, delay_ms = millis(delay), outcome = %error.outcome(), "retrying");
            }
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt<R>(
        &self,
        method: &Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        name: &str,
        decoder: fn(&str, StatusCode, &[u8]) -> Result<R, ApiError>,
    ) -> Attempt<R> {
        if let Some(error) = self.refused_before(method, name) {
            return Attempt { result: Err(error), refusal: None };
        }
        let limit = if *method == Method::GET { &self.inner.reads } else { &self.inner.writes };
        let _permit = limit.acquire().await.expect("the semaphores are never closed");
        // Paced last, right before it goes: the pacer counts it as sent now.
        let sent_at = self.pace().await;

        let mut url = self.inner.config.base_url.clone();
        url.set_path(&join_path(url.path(), path));
        let mut request = self.inner.http.request(method.clone(), url).query(query);
        if let Some(body) = body {
            request = request.json(body);
        }

        let started = Instant::now();
        self.inner.sent.fetch_add(1, Ordering::Relaxed);
        let response = request.send().await;
        let response = match response {
            Ok(response) => response,
            Err(err) => {
                let maybe_sent = !err.is_connect();
                tracing::debug!(request = name, error = %describe_transport(&err), "no response");
                return Attempt {
                    result: Err(ApiError::Transport {
                        request: name.to_owned(),
                        detail: describe_transport(&err),
                        maybe_sent,
                    }),
                    refusal: None,
                };
            }
        };
        self.inner.answered.store(true, Ordering::SeqCst);
        let status = response.status();
        let refusal = if status == StatusCode::TOO_MANY_REQUESTS {
            Some(self.refused(method, response.headers(), sent_at))
        } else {
            self.inner.pacer.lock().expect("pacer lock").admitted(sent_at);
            None
        };
        let bytes = response.bytes().await;
        tracing::debug!(
            request = name,
            status = status.as_u16(),
            elapsed_ms = millis(started.elapsed()),
            "response"
        );
        let result = match bytes {
            Err(err) => Err(ApiError::Transport {
                request: name.to_owned(),
                detail: format!("the response body was cut off ({})", describe_transport(&err)),
                maybe_sent: true,
            }),
            Ok(bytes) => decoder(name, status, &bytes),
        };
        Attempt { result, refusal }
    }

    /// Waits until the pacer lets a request go, and takes that place: when it was sent.
    async fn pace(&self) -> Tick {
        loop {
            let now = self.inner.started.elapsed();
            let wait = match self.inner.pacer.lock().expect("pacer lock").try_send(now) {
                Ok(()) => return now,
                Err(wait) => wait,
            };
            tracing::debug!(wait_ms = millis(wait), "pacing to the portal's rate limit");
            tokio::time::sleep(wait).await;
        }
    }

    /// What a 429 to a `method` request sent at `sent_at` says (DocSpace-server v3.7.2 with
    /// `RedisRateLimiting` 1.2.1): `Retry-After` (and `X-RateLimit-Reset`, an absolute Unix time)
    /// only from a fixed window, the daily POST and PUT limit; `X-RateLimit-Limit` alone from
    /// the sliding window, or from the concurrency limits (50 GETs, 15 others in flight, which
    /// this client never exceeds itself).
    fn refused(
        &self,
        method: &Method,
        headers: &reqwest::header::HeaderMap,
        sent_at: Tick,
    ) -> Refusal {
        let now = crate::time::now();
        let reset = header_number(headers, "x-ratelimit-reset").map(|reset| {
            let unix = reset_time(reset, now);
            (Duration::from_secs(u64::try_from(unix - now).unwrap_or(0)), unix)
        });
        let limit = header_number(headers, "x-ratelimit-limit").and_then(|l| u32::try_from(l).ok());
        match (header_number(headers, "retry-after"), reset) {
            (Some(seconds), reset) => {
                let after = Duration::from_secs(seconds);
                let resets_at = reset.map_or(
                    now.saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX)),
                    |(_, unix)| unix,
                );
                return Refusal::Wait { after, resets_at, limit };
            }
            (None, Some((after, resets_at))) => return Refusal::Wait { after, resets_at, limit },
            (None, None) => {}
        }
        let concurrency =
            if *method == Method::GET { MAX_CONCURRENT_READS } else { MAX_CONCURRENT_WRITES };
        match limit {
            Some(limit) if usize::try_from(limit).is_ok_and(|l| l != concurrency) => {
                let now = self.inner.started.elapsed();
                let mut pacer = self.inner.pacer.lock().expect("pacer lock");
                if pacer.refused(limit, sent_at, now)
                    && let Some(rate) = pacer.rate()
                {
                    tracing::warn!(
                        "the portal refused a request (429): it admits {} requests per {:.0} s{}; pacing every request to that from now on",
                        rate.limit,
                        rate.window.as_secs_f64(),
                        if self.inner.config.max_rate.is_some() {
                            ""
                        } else {
                            " (a cloud portal's window; `--max-rate` sets another)"
                        }
                    );
                }
                Refusal::Window
            }
            _ => Refusal::Other,
        }
    }
}

/// Whether a cloud portal's daily limit counts requests of this method: POST and PUT.
fn is_capped(method: &Method) -> bool {
    *method == Method::POST || *method == Method::PUT
}

/// `X-RateLimit-Reset` as a Unix time: a portal sends one (`RedisFixedWindowRateLimiter`); a
/// small number is taken as seconds from `now`, as some other limiters send.
fn reset_time(reset: u64, now: i64) -> i64 {
    const UNIX_TIME_THRESHOLD: i64 = 1_000_000_000;
    let reset = i64::try_from(reset).unwrap_or(i64::MAX);
    if reset >= UNIX_TIME_THRESHOLD { reset } else { now.saturating_add(reset) }
}

/// A header's value as a whole number, if it is one.
fn header_number(headers: &reqwest::header::HeaderMap, name: &str) -> Option<u64> {
    headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok())
}

/// A duration in whole milliseconds for logs; saturates rather than wraps (a log field needs
/// no `u128`).
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn join_path(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

fn describe_transport(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "the body could not be read"
    } else {
        "the connection failed"
    };
    // The source chain says why (refused, reset, certificate); the URL is left out on purpose.
    let mut cause = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() { kind.to_owned() } else { format!("{kind}: {}", escape(&cause)) }
}

/// A success envelope decoded into `T` directly.
#[derive(serde::Deserialize)]
struct TypedEnvelope<T> {
    #[serde(default)]
    status: Option<i64>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
    response: Option<T>,
    #[serde(default)]
    total: Option<u64>,
}

/// [`decode`] into `T`: only a 2xx success envelope is decoded typed; anything else (an error
/// status, an error envelope, a body that is not the envelope) goes through [`decode`] for its
/// message.
fn decode_typed<T: serde::de::DeserializeOwned>(
    name: &str,
    status: StatusCode,
    bytes: &[u8],
) -> Result<(T, Option<u64>), ApiError> {
    if status.is_success() && status != StatusCode::UNAUTHORIZED {
        match serde_json::from_slice::<TypedEnvelope<T>>(bytes) {
            Ok(TypedEnvelope {
                status: Some(0) | None,
                error: None,
                response: Some(response),
                total,
            }) => return Ok((response, total)),
            Err(err) if err.is_data() => {
                return Err(ApiError::Malformed {
                    request: name.to_owned(),
                    status: status.as_u16(),
                    detail: format!("unexpected shape: {err}"),
                });
            }
            // An error envelope, or not JSON at all: `decode` finds the message.
            Ok(_) | Err(_) => {}
        }
    }
    let envelope = decode(name, status, bytes)?;
    let response =
        serde_json::from_value(envelope.response).map_err(|err| ApiError::Malformed {
            request: name.to_owned(),
            status: status.as_u16(),
            detail: format!("unexpected shape: {err}"),
        })?;
    Ok((response, envelope.total))
}

/// Turns a response into the envelope's `response`, or an error naming the request.
fn decode(name: &str, status: StatusCode, bytes: &[u8]) -> Result<Envelope, ApiError> {
    let code = status.as_u16();
    if status == StatusCode::UNAUTHORIZED {
        return Err(ApiError::Unauthorized { request: name.to_owned() });
    }
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    if !status.is_success() {
        let message =
            parsed.as_ref().and_then(error_message).unwrap_or_else(|| describe_body(status, bytes));
        return Err(ApiError::Status { request: name.to_owned(), status: code, message });
    }
    let Some(Value::Object(mut envelope)) = parsed else {
        return Err(ApiError::Malformed {
            request: name.to_owned(),
            status: code,
            detail: describe_body(status, bytes),
        });
    };
    if envelope.get("status").and_then(Value::as_i64) == Some(1) || envelope.contains_key("error") {
        let message = error_message(&Value::Object(envelope.clone()))
            .unwrap_or_else(|| "the envelope reports an error".into());
        let reported =
            envelope.get("statusCode").and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok());
        return Err(ApiError::Status {
            request: name.to_owned(),
            status: reported.unwrap_or(code),
            message,
        });
    }
    if !envelope.contains_key("status") && !envelope.contains_key("response") {
        return Err(ApiError::Malformed {
            request: name.to_owned(),
            status: code,
            detail: "JSON without the `response`/`status` envelope".into(),
        });
    }
    let total = envelope.get("total").and_then(Value::as_u64);
    Ok(Envelope { response: envelope.remove("response").unwrap_or(Value::Null), total })
}

/// The server's message from an error envelope or a wrapped validation problem.
fn error_message(body: &Value) -> Option<String> {
    if let Some(message) = body.pointer("/error/message").and_then(Value::as_str) {
        return Some(escape(&truncate(message, 500)));
    }
    let problem = body.get("response").unwrap_or(body);
    if let Some(errors) = problem.get("errors").and_then(Value::as_object) {
        let details: Vec<String> = errors
            .iter()
            .flat_map(|(field, messages)| {
                let messages = messages.as_array().cloned().unwrap_or_default();
                messages
                    .into_iter()
                    .filter_map(move |m| m.as_str().map(|m| format!("{field}: {m}")))
            })
            .collect();
        if !details.is_empty() {
            return Some(escape(&truncate(&details.join("; "), 500)));
        }
    }
    problem.get("title").and_then(Value::as_str).map(|title| escape(&truncate(title, 500)))
}

fn describe_body(status: StatusCode, bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        return format!("empty body ({})", status.canonical_reason().unwrap_or("no reason"));
    }
    let kind = if text.starts_with('<') {
        "HTML, likely from a proxy"
    } else if text.starts_with('{') || text.starts_with('[') {
        "truncated or invalid JSON"
    } else {
        "not JSON"
    };
    let first_line: String = text.lines().next().unwrap_or_default().chars().take(80).collect();
    format!("{kind}: `{}`", escape(&first_line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_returns_the_response_of_a_success_envelope() {
        let body = br#"{"response": {"id": 7}, "count": 1, "status": 0, "statusCode": 200}"#;
        let envelope = decode("GET /x", StatusCode::OK, body).unwrap();
        assert_eq!(envelope.response, serde_json::json!({"id": 7}));
        assert_eq!(envelope.total, None);
    }

    #[test]
    fn decode_reports_a_200_whose_envelope_says_error() {
        let body = br#"{"status": 1, "statusCode": 403, "error": {"message": "Access denied"}}"#;
        let err = decode("PUT /x", StatusCode::OK, body).unwrap_err();
        assert_eq!(err.to_string(), "`PUT /x` answered 403: Access denied");
    }

    #[test]
    fn decode_names_html_from_a_proxy() {
        let err =
            decode("GET /x", StatusCode::BAD_GATEWAY, b"<html><body>Bad gateway</body></html>")
                .unwrap_err();
        assert!(err.to_string().contains("HTML, likely from a proxy"), "{err}");
        assert!(err.is_transient());
    }

    #[test]
    fn decode_rejects_truncated_json() {
        let err = decode("GET /x", StatusCode::OK, br#"{"response": {"folders": ["#).unwrap_err();
        assert!(matches!(err, ApiError::Malformed { .. }), "{err}");
        assert!(err.to_string().contains("truncated or invalid JSON"), "{err}");
    }

    #[test]
    fn decode_reads_validation_problems() {
        let body = br#"{"response": {"title": "One or more validation errors occurred.", "errors": {"Title": ["too long"]}}, "status": 1, "statusCode": 400}"#;
        let err = decode("POST /x", StatusCode::BAD_REQUEST, body).unwrap_err();
        assert_eq!(err.to_string(), "`POST /x` answered 400: Title: too long");
    }

    #[test]
    fn unauthorized_says_to_check_the_token() {
        let err = decode("GET /x", StatusCode::UNAUTHORIZED, b"").unwrap_err();
        assert!(err.to_string().contains("check `DOCSPACE_TOKEN`"));
    }

    #[test]
    fn reset_is_a_unix_time_or_seconds_from_now() {
        assert_eq!(reset_time(5, 1_800_000_000), 1_800_000_005);
        assert_eq!(reset_time(1_800_000_300, 1_800_000_000), 1_800_000_300);
    }
}
