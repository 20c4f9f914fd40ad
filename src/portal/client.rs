//! The HTTP core: one place that sends a request, paces and bounds it, retries what is safe to
//! retry, and turns the portal's envelope (or whatever a proxy answered) into a value or an
//! [`ApiError`] that names the request.

use super::error::ApiError;
use crate::docspace::{MAX_CONCURRENT_READS, MAX_CONCURRENT_WRITES};
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
    /// What the portal's rate limiter still allows, from `X-RateLimit-*`.
    pacing: Mutex<Option<Allowance>>,
    /// Requests sent whose responses have not arrived: they use allowance the server has not
    /// counted yet.
    in_flight: AtomicU64,
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

/// How many more requests may start before `until`, as the last rate-limit headers said.
#[derive(Debug, Clone, Copy)]
struct Allowance {
    left: u64,
    until: Instant,
    /// The window has passed and one request is out to learn the new allowance.
    probing: bool,
}

/// What one attempt learned besides its result.
struct Attempt<R> {
    result: Result<R, ApiError>,
    retry_after: Option<Duration>,
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
                pacing: Mutex::new(None),
                in_flight: AtomicU64::new(0),
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
            let retryable = match repeat {
                Repeat::Safe => error.is_transient(),
                Repeat::OnlyIfNotSent => error.not_taken(),
            };
            if !retryable {
                return Err(error);
            }
            let unreachable = matches!(error, ApiError::Transport { .. })
                && !self.inner.answered.load(Ordering::SeqCst);
            let delay = attempt
                .retry_after
                .unwrap_or_else(|| delays.next().unwrap_or(Duration::from_secs(10)));
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
        self.wait_for_pacing().await;
        let limit = if *method == Method::GET { &self.inner.reads } else { &self.inner.writes };
        let _permit = limit.acquire().await.expect("the semaphores are never closed");

        let mut url = self.inner.config.base_url.clone();
        url.set_path(&join_path(url.path(), path));
        let mut request = self.inner.http.request(method.clone(), url).query(query);
        if let Some(body) = body {
            request = request.json(body);
        }

        let started = Instant::now();
        self.inner.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.in_flight.fetch_add(1, Ordering::SeqCst);
        let response = request.send().await;
        self.inner.in_flight.fetch_sub(1, Ordering::SeqCst);
        let response = match response {
            Ok(response) => response,
            Err(err) => {
                // No headers came back; a probe that got none must not hold the others forever.
                if let Some(allowance) = self.inner.pacing.lock().expect("pacing lock").as_mut() {
                    allowance.probing = false;
                }
                let maybe_sent = !err.is_connect();
                tracing::debug!(request = name, error = %describe_transport(&err), "no response");
                return Attempt {
                    result: Err(ApiError::Transport {
                        request: name.to_owned(),
                        detail: describe_transport(&err),
                        maybe_sent,
                    }),
                    retry_after: None,
                };
            }
        };
        self.inner.answered.store(true, Ordering::SeqCst);
        let status = response.status();
        let headers = response.headers().clone();
        self.record_rate_limit(&headers);
        let retry_after =
            (status == StatusCode::TOO_MANY_REQUESTS).then(|| retry_after(&headers)).flatten();
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
        Attempt { result, retry_after }
    }

    /// Waits until the portal's rate limiter allows another request, and takes that slot.
    async fn wait_for_pacing(&self) {
        loop {
            let wait = {
                let mut pacing = self.inner.pacing.lock().expect("pacing lock");
                let now = Instant::now();
                match pacing.as_mut() {
                    Some(allowance) if allowance.left > 0 => {
                        allowance.left -= 1;
                        return;
                    }
                    // The window has moved on: one request goes out to learn the new allowance.
                    Some(allowance) if allowance.until <= now && !allowance.probing => {
                        allowance.probing = true;
                        return;
                    }
                    Some(allowance) if allowance.probing => Duration::from_millis(10),
                    Some(allowance) => allowance.until - now,
                    None => return,
                }
            };
            tracing::debug!(wait_ms = millis(wait), "pacing to the portal's rate limit");
            tokio::time::sleep(wait).await;
        }
    }

    /// Records what the portal's limiter still allows. Requests already in flight will use some
    /// of it before the server counts them.
    fn record_rate_limit(&self, headers: &reqwest::header::HeaderMap) {
        let mut pacing = self.inner.pacing.lock().expect("pacing lock");
        match (
            header_number(headers, "x-ratelimit-remaining"),
            header_number(headers, "x-ratelimit-reset"),
        ) {
            (Some(remaining), Some(reset)) => {
                let in_flight = self.inner.in_flight.load(Ordering::SeqCst);
                let now = Instant::now();
                let fresh = Allowance {
                    left: remaining.saturating_sub(in_flight),
                    until: now + reset_delay(reset).min(Duration::from_secs(120)),
                    probing: false,
                };
                // Responses overtake each other: within a window, an older (larger) count is stale.
                let stale = pacing.is_some_and(|current| {
                    !current.probing && current.until > now && current.left <= fresh.left
                });
                if !stale {
                    *pacing = Some(fresh);
                }
            }
            _ => *pacing = None,
        }
    }
}

/// `X-RateLimit-Reset` is seconds from now, or a Unix time on some limiters.
fn reset_delay(reset: u64) -> Duration {
    const UNIX_TIME_THRESHOLD: u64 = 1_000_000_000;
    if reset >= UNIX_TIME_THRESHOLD {
        let now = crate::time::since_epoch().as_secs();
        Duration::from_secs(reset.saturating_sub(now))
    } else {
        Duration::from_secs(reset)
    }
}

/// A header's value as a whole number, if it is one.
fn header_number(headers: &reqwest::header::HeaderMap, name: &str) -> Option<u64> {
    headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok())
}

/// The wait a 429 asks for: `Retry-After` in seconds, else `X-RateLimit-Reset`.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    header_number(headers, "retry-after")
        .map(Duration::from_secs)
        .or_else(|| header_number(headers, "x-ratelimit-reset").map(reset_delay))
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
    fn reset_accepts_seconds_and_unix_times() {
        assert_eq!(reset_delay(5), Duration::from_secs(5));
        assert_eq!(reset_delay(1_000_000_000), Duration::ZERO);
    }
}
