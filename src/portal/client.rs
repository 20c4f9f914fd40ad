//! The HTTP core: one place that sends a request, paces and bounds it, retries what is safe to
//! retry, and turns the portal's envelope (or whatever a proxy answered) into a value or an
//! [`ApiError`] that names the request.

use super::error::{ApiError, limit_of, seconds};
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
use tokio::sync::watch;

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
    /// A client for the step that closes a bracket ([`Portal::closing`]): an interrupt does not
    /// end its waits.
    closing: bool,
}

struct Inner {
    http: reqwest::Client,
    config: PortalConfig,
    reads: Semaphore,
    writes: Semaphore,
    /// Pacing to the portal's rate limit, on the clock started with the client.
    pacer: Mutex<Pacer>,
    /// The requests the pacer holds back wait their turn here, in the order they came (a
    /// `tokio` mutex is fair), so none is passed over until its retry budget runs out.
    turns: tokio::sync::Mutex<()>,
    started: Instant,
    /// When a pacing wait was last announced (milliseconds since `started`, plus one; 0 for
    /// never).
    pacing_announced: AtomicU64,
    /// Whether an absurd limit was raised to the lowest paced to, and said so.
    raised_said: AtomicBool,
    /// The last refusal with a wait longer than the retry budget (a daily limit).
    limit: Mutex<Option<LimitReached>>,
    /// The same for a request that invites by email: the portal's daily limit of email
    /// invitations, or of writes (its 429 does not say which).
    invitations: Mutex<Option<LimitReached>>,
    interrupted: watch::Sender<bool>,
    sent: AtomicU64,
    /// Whether the portal has answered anything yet in this run.
    answered: AtomicBool,
}

/// Attempts at a portal that has never answered over HTTP in this run: a wrong URL, a portal
/// that is down, or something else on that port should fail in about a second, not after the
/// whole retry budget. Once it has answered, a refused connection is a restart, and the budget
/// applies.
const ATTEMPTS_BEFORE_FIRST_ANSWER: u32 = 3;

/// Waits before a retry, or for the pacing, at least this long are announced without `-v`.
const ANNOUNCED_WAIT: Duration = Duration::from_secs(2);

/// At most one pacing wait is announced in this long: every request waits while pacing.
const PACING_ANNOUNCED_EVERY: Duration = Duration::from_secs(10);

/// The longest wait a refusal is taken to name: a DocSpace limiter's longest window, a day
/// (a longer `Retry-After` or `X-RateLimit-Reset` is taken as a day).
const LONGEST_WAIT_SECS: i64 = 86_400;

/// How far ahead an `X-RateLimit-Reset` is taken as the time the limit resets (beyond, it is
/// absurd, and the wait says when): the portal's clock may not be this machine's.
const TRUSTED_RESET_SECS: i64 = 366 * 86_400;

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
        let what = if self.every_request { "requests" } else { "writes (POST and PUT)" };
        format!(
            "the portal's limit {} was reached; it resets at {}",
            limit_of(self.limit, what),
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

/// A request to send.
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    pub(crate) path: &'a str,
    pub(crate) query: &'a [(&'a str, String)],
    pub(crate) body: Option<&'a Value>,
    pub(crate) repeat: Repeat,
    /// Whether it invites people by email (`PUT …/share` with an `email`): a portal may limit
    /// those per day besides its writes (`EmailInvitationApi`).
    pub(crate) invites: bool,
}

/// Why an attempt was not sent.
enum NotSent {
    /// A limit reached earlier covers it.
    Limit(ApiError),
    /// Pacing would hold it past its retry budget: how much longer (`None` when its turn did
    /// not come in time), at this rate.
    Paced(Option<Duration>, Option<RateLimit>),
    /// The run was interrupted while it waited.
    Interrupted,
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
                turns: tokio::sync::Mutex::new(()),
                started: Instant::now(),
                pacing_announced: AtomicU64::new(0),
                raised_said: AtomicBool::new(false),
                limit: Mutex::new(None),
                invitations: Mutex::new(None),
                interrupted: watch::Sender::new(false),
                sent: AtomicU64::new(0),
                answered: AtomicBool::new(false),
                config,
            }),
            closing: false,
        })
    }

    /// This client for a step that closes a bracket (the archive after a room was unarchived
    /// for an edit): an interrupt does not end its waits, so that archive is not lost to a 429.
    pub(crate) fn closing(&self) -> Portal {
        Portal { inner: Arc::clone(&self.inner), closing: true }
    }

    /// The configuration this client was built with.
    pub(crate) fn config(&self) -> &PortalConfig {
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
    /// opened) and an unknown create stops looking for its room. A write waiting to be retried
    /// after the portal did not take it (a 429), or waiting for the pacing, is not sent: it
    /// fails as interrupted, and nothing was done. Reads, and the requests of a step that
    /// closes a bracket ([`Portal::closing`]), still retry within their budget, so that archive
    /// is not lost to one 429; a second interrupt stops the process at once.
    pub(crate) fn interrupt(&self) {
        self.inner.interrupted.send_replace(true);
    }

    /// Whether [`Portal::interrupt`] was called.
    pub(crate) fn is_interrupted(&self) -> bool {
        *self.inner.interrupted.borrow()
    }

    /// Sleeps `wait`; false when an interrupt ended it first (only if `cut`).
    async fn sleep(&self, wait: Duration, cut: bool) -> bool {
        if !cut {
            tokio::time::sleep(wait).await;
            return true;
        }
        let mut interrupted = self.inner.interrupted.subscribe();
        // An interrupt already there wins, even over a wait of nothing.
        tokio::select! {
            biased;
            _ = interrupted.wait_for(|interrupted| *interrupted) => false,
            () = tokio::time::sleep(wait) => true,
        }
    }

    /// Whether an interrupt ends the waits of a `method` request before it is sent (again): a
    /// write, not a closing step's.
    fn cut_by_interrupt(&self, method: &Method) -> bool {
        !self.closing && *method != Method::GET
    }

    /// The last refusal that outlasted the retry budget in this run, if any, even once its
    /// limit has reset.
    ///
    /// # Panics
    /// If a thread panicked while recording one.
    pub(crate) fn limit_reached(&self) -> Option<LimitReached> {
        *self.inner.limit.lock().expect("limit lock")
    }

    /// Whether writes are refused now: a limit was reached and has not reset yet.
    pub(crate) fn writes_refused(&self) -> bool {
        self.limit_reached().is_some_and(|limit| crate::time::now() < limit.resets_at)
    }

    /// The refusal this request would get, when a limit reached earlier covers it: it is not
    /// sent.
    fn refused_before(&self, call: &Call<'_>, name: &str) -> Option<ApiError> {
        let now = crate::time::now();
        let refusal = |limit: LimitReached, invitations: bool| ApiError::LimitReached {
            request: name.to_owned(),
            limit: limit.limit,
            resets_at: limit.resets_at,
            sent: false,
            invitations,
        };
        if let Some(limit) = self.limit_reached()
            && (limit.every_request || is_capped(&call.method))
            && now < limit.resets_at
        {
            return Some(refusal(limit, false));
        }
        let invitations = *self.inner.invitations.lock().expect("limit lock");
        invitations
            .filter(|limit| call.invites && now < limit.resets_at)
            .map(|limit| refusal(limit, true))
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
        let call = Call { method, path, query, body, repeat, invites: false };
        self.send_call(call).await
    }

    /// [`Portal::send`] of a request described whole.
    pub(crate) async fn send_call(&self, call: Call<'_>) -> Result<Value, ApiError> {
        self.send_decoded(call, decode).await.map(|envelope| envelope.response)
    }

    /// A read whose envelope's `response` and `total` are decoded straight into `T` from the
    /// bytes, skipping the fields `T` does not name (no JSON tree is built).
    pub(crate) async fn get_typed<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(T, Option<u64>), ApiError> {
        let call = Call {
            method: Method::GET,
            path,
            query,
            body: None,
            repeat: Repeat::Safe,
            invites: false,
        };
        self.send_decoded(call, decode_typed::<T>).await
    }

    async fn send_decoded<R>(
        &self,
        call: Call<'_>,
        decoder: fn(&str, StatusCode, &[u8]) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let name = format!("{} {}", call.method, call.path);
        let config = &self.inner.config;
        let started = Instant::now();
        // Every wait counts, the pacing's included; `None` for a budget too long to add.
        let deadline = started.checked_add(config.retry_budget);
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(config.retry_min_delay)
            .with_max_delay(Duration::from_secs(10))
            .with_jitter()
            .without_max_times()
            .build();
        let mut attempts = 0;
        let mut last: Option<ApiError> = None;
        loop {
            let attempt = match self.attempt(&call, &name, decoder, deadline).await {
                Ok(attempt) => attempt,
                Err(NotSent::Limit(error)) => return Err(error),
                Err(NotSent::Paced(wait, rate)) => {
                    return Err(ApiError::Paced {
                        request: name,
                        attempts,
                        wait,
                        rate,
                        budget: config.retry_budget,
                        max_rate: config.max_rate.is_some(),
                        last: last.map(Box::new),
                    });
                }
                Err(NotSent::Interrupted) => {
                    return Err(ApiError::Interrupted { request: name, retry: attempts > 0 });
                }
            };
            attempts += 1;
            let error = match attempt.result {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if let Some(Refusal::Wait { after, resets_at, limit }) = attempt.refusal
                && started.elapsed().saturating_add(after) > config.retry_budget
            {
                return Err(self.reached(&call, name, limit, resets_at));
            }
            let retryable = match call.repeat {
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
            if started.elapsed().saturating_add(delay) > config.retry_budget
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
            } else if !delay.is_zero() {
                tracing::info!(request = %name, attempt = attempts, delay_ms = millis(delay), outcome = %error.outcome(), "retrying");
            }
            // A write the portal did not take is dropped on an interrupt: nothing was done.
            let cut = self.cut_by_interrupt(&call.method) && error.not_taken();
            if !self.sleep(delay, cut).await {
                return Err(ApiError::Interrupted { request: name, retry: true });
            }
            last = Some(error);
        }
    }

    /// Records a refusal longer than retrying may take, of `call` named `name`: nothing more of
    /// its kind goes until then.
    fn reached(
        &self,
        call: &Call<'_>,
        name: String,
        limit: Option<u32>,
        resets_at: i64,
    ) -> ApiError {
        let reached = LimitReached { limit, resets_at, every_request: !is_capped(&call.method) };
        if call.invites {
            // Maybe the portal's daily limit of email invitations: only the requests that
            // invite wait for it (if it was the writes' limit, the next write is refused with
            // it anyway).
            *self.inner.invitations.lock().expect("limit lock") = Some(reached);
        } else {
            let mut current = self.inner.limit.lock().expect("limit lock");
            let every_request = current.is_some_and(|c| c.every_request);
            *current = Some(LimitReached {
                every_request: every_request || reached.every_request,
                ..reached
            });
        }
        let error = ApiError::LimitReached {
            request: name,
            limit,
            resets_at,
            sent: true,
            invitations: call.invites,
        };
        tracing::warn!("{error}");
        error
    }

    async fn attempt<R>(
        &self,
        call: &Call<'_>,
        name: &str,
        decoder: fn(&str, StatusCode, &[u8]) -> Result<R, ApiError>,
        deadline: Option<Instant>,
    ) -> Result<Attempt<R>, NotSent> {
        if let Some(error) = self.refused_before(call, name) {
            return Err(NotSent::Limit(error));
        }
        let method = &call.method;
        let limit = if *method == Method::GET { &self.inner.reads } else { &self.inner.writes };
        let _permit = limit.acquire().await.expect("the semaphores are never closed");
        // Paced last, right before it goes: the pacer counts it as sent now.
        let sent_at = self.pace(name, deadline, self.cut_by_interrupt(method)).await?;
        // A limit reached while it waited covers it too.
        if let Some(error) = self.refused_before(call, name) {
            return Err(NotSent::Limit(error));
        }

        let mut url = self.inner.config.base_url.clone();
        url.set_path(&join_path(url.path(), call.path));
        let mut request = self.inner.http.request(method.clone(), url).query(call.query);
        if let Some(body) = call.body {
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
                return Ok(Attempt {
                    result: Err(ApiError::Transport {
                        request: name.to_owned(),
                        detail: describe_transport(&err),
                        maybe_sent,
                    }),
                    refusal: None,
                });
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
        Ok(Attempt { result, refusal })
    }

    /// Waits until the pacer lets a request go, and takes that place: when it was sent. Not
    /// past `deadline` (the request's retry budget): a request the pacing would hold longer is
    /// not sent. An interrupt ends the wait when `cut`.
    async fn pace(
        &self,
        name: &str,
        deadline: Option<Instant>,
        cut: bool,
    ) -> Result<Tick, NotSent> {
        let rate = || self.inner.pacer.lock().expect("pacer lock").rate();
        let turn = self.inner.turns.lock();
        let _turn = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline.into(), turn).await {
                Ok(turn) => turn,
                Err(_) => return Err(NotSent::Paced(None, rate())),
            },
            None => turn.await,
        };
        loop {
            let now = self.inner.started.elapsed();
            let (wait, rate) = {
                let mut pacer = self.inner.pacer.lock().expect("pacer lock");
                match pacer.try_send(now) {
                    Ok(()) => return Ok(now),
                    Err(wait) => (wait, pacer.rate()),
                }
            };
            if deadline.is_some_and(|deadline| {
                Instant::now().checked_add(wait).is_none_or(|until| until > deadline)
            }) {
                return Err(NotSent::Paced(Some(wait), rate));
            }
            if wait >= ANNOUNCED_WAIT && self.may_announce_pacing() {
                let rate = rate.map_or_else(String::new, |rate| {
                    format!(" to {} requests per {} s", rate.limit, seconds(rate.window))
                });
                tracing::warn!("pacing{rate}: `{name}` waits {:.0} s", wait.as_secs_f64());
            } else {
                tracing::debug!(wait_ms = millis(wait), "pacing to the portal's rate limit");
            }
            if !self.sleep(wait, cut).await {
                return Err(NotSent::Interrupted);
            }
        }
    }

    /// Whether a pacing wait may be announced now: none was in the last
    /// [`PACING_ANNOUNCED_EVERY`].
    fn may_announce_pacing(&self) -> bool {
        let now = millis(self.inner.started.elapsed()).saturating_add(1);
        let every = millis(PACING_ANNOUNCED_EVERY);
        let last = self.inner.pacing_announced.load(Ordering::SeqCst);
        (last == 0 || now.saturating_sub(last) >= every)
            && self
                .inner
                .pacing_announced
                .compare_exchange(last, now, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
    }

    /// What a 429 to a `method` request sent at `sent_at` says (DocSpace-server v3.7.2 with
    /// `RedisRateLimiting` 1.2.1): `Retry-After` (and `X-RateLimit-Reset`, an absolute Unix time)
    /// only from a fixed window, the daily POST and PUT limit; `X-RateLimit-Limit` alone from
    /// the sliding window, or from the concurrency limits (50 GETs, 15 others in flight, which
    /// this client does not exceed itself). A limit that says nothing usable (0, or more than
    /// any limiter names) is backed off from; one below [`Pacer::lowest_limit`] is paced to
    /// that.
    fn refused(
        &self,
        method: &Method,
        headers: &reqwest::header::HeaderMap,
        sent_at: Tick,
    ) -> Refusal {
        let now = crate::time::now();
        let limit = header_number(headers, "x-ratelimit-limit").and_then(|l| u32::try_from(l).ok());
        let retry_after = retry_after(headers, now);
        let reset = header_number(headers, "x-ratelimit-reset").map(|reset| reset_time(reset, now));
        if retry_after.is_some() || reset.is_some() {
            return fixed_window(now, retry_after, reset, limit);
        }
        let concurrency =
            if *method == Method::GET { MAX_CONCURRENT_READS } else { MAX_CONCURRENT_WRITES };
        let Some(named) = limit.filter(|limit| {
            (1..=RateLimit::MAX_LIMIT).contains(limit)
                && usize::try_from(*limit).is_ok_and(|l| l != concurrency)
        }) else {
            return Refusal::Other;
        };
        let now = self.inner.started.elapsed();
        let mut pacer = self.inner.pacer.lock().expect("pacer lock");
        let raised = named.max(pacer.lowest_limit());
        let starts = pacer.refused(raised, sent_at, now);
        let window = seconds(pacer.window());
        if raised != named && !self.inner.raised_said.swap(true, Ordering::SeqCst) {
            tracing::warn!(
                "the portal's 429 named a limit of {named} request{} per window; pacing to {raised} requests per {window} s instead (the lowest this client paces to; `--max-rate` sets a lower one)",
                crate::text::plural(usize::try_from(named).unwrap_or(usize::MAX)),
            );
        }
        if starts && let Some(rate) = pacer.rate() {
            tracing::warn!(
                "the portal refused a request (429): it admits {} requests per {window} s; pacing every request to that from now on{}",
                rate.limit,
                if self.inner.config.max_rate.is_some() {
                    ""
                } else {
                    " (a cloud portal's window; `--max-rate` sets another)"
                }
            );
        }
        Refusal::Window
    }
}

/// A fixed window's refusal at `now` (a Unix time): wait `Retry-After` (else until
/// `X-RateLimit-Reset`), at most [`LONGEST_WAIT_SECS`], and one second more: the window reopens
/// only once its last whole second has passed (`RedisFixedWindowManager` L19: a new window when
/// `expires_at < now`, in seconds), so a retry after exactly `Retry-After` is refused again,
/// with `Retry-After: 0`. A wait of 0 or a reset in the past is thus a second, never a loop.
fn fixed_window(
    now: i64,
    retry_after: Option<i64>,
    reset: Option<i64>,
    limit: Option<u32>,
) -> Refusal {
    let secs = retry_after
        .or_else(|| reset.map(|reset| reset.saturating_sub(now)))
        .unwrap_or(0)
        .clamp(0, LONGEST_WAIT_SECS);
    // The portal's own reset where it is one (its clock may differ from this one, so it is
    // trusted up to a year ahead); else now plus the wait.
    let resets_at = reset
        .filter(|reset| *reset > now && *reset <= now.saturating_add(TRUSTED_RESET_SECS))
        .unwrap_or(now + secs)
        + 1;
    Refusal::Wait {
        after: Duration::from_secs(u64::try_from(secs + 1).unwrap_or(1)),
        resets_at,
        limit,
    }
}

/// `Retry-After` in seconds from `now` (a Unix time): a whole number, or an HTTP date (RFC 9110;
/// DocSpace sends the number).
fn retry_after(headers: &reqwest::header::HeaderMap, now: i64) -> Option<i64> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(i64::try_from(seconds).unwrap_or(i64::MAX));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    let unix = date.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(i64::try_from(unix).unwrap_or(i64::MAX).saturating_sub(now))
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
