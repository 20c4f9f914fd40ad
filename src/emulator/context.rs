//! What every handler shares (the state, the settings, the request log) and what it knows about
//! the request in hand (the caller, the URL for the envelope's `links`, the query).

use super::clock::Clock;
use super::config::EmulatorConfig;
use super::envelope::{ApiError, Success, success_body, text_response};
use super::faults::{Behaviour, FaultState};
use super::keys::{Caller, Keys, api_key_of};
use super::request::{Paging, Query};
use super::snapshot::RequestRecord;
use super::state::{Person, SortOrder, State};
use crate::scopes::Grant;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::uri::PathAndQuery;
use axum::http::{StatusCode, header};
use axum::response::Response;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The emulator's state and settings, shared by every request.
pub(crate) struct Shared {
    state: std::sync::RwLock<State>,
    pub(crate) faults: FaultState,
    pub(crate) behaviour: Mutex<Behaviour>,
    /// The rate limiter's counts, per user (`Behaviour::limiter` says which limits are on).
    pub(crate) limits: super::limiter::LimiterState,
    pub(crate) requests: Mutex<Vec<RequestRecord>>,
    pub(crate) token: String,
    pub(crate) password: String,
    pub(crate) url: String,
    state_file: Option<PathBuf>,
    pub(crate) writes_in_flight: AtomicUsize,
    pub(crate) max_writes: AtomicUsize,
    /// The time everything here is dated and timed by.
    pub(crate) clock: Clock,
    /// Changes the portal makes later, in no order; see [`Shared::schedule`].
    scheduled: Mutex<Vec<Scheduled>>,
    /// Bumped by every change of the state, under its write lock.
    generation: AtomicU64,
    /// The last room listing's matches, for the pages that follow its first.
    listing: Mutex<Option<Listing>>,
    /// The API keys it accepts, the token's included.
    pub(crate) keys: Keys,
}

/// A change to make once the clock reaches `due` (time since the Unix epoch).
struct Scheduled {
    due: Duration,
    change: Change,
}

/// A change of the state, given the time it is made at (Unix seconds).
type Change = Box<dyn FnOnce(&mut State, i64) + Send>;

/// The ids one room query matched, in order, at one generation of the state. A client reads a
/// large portal as many pages of the same query; filtering and sorting every room again for
/// each page made reading a portal quadratic in its size.
struct Listing {
    generation: u64,
    query: ListingQuery,
    ids: Arc<[u64]>,
}

/// What decides which rooms a listing matches and in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListingQuery {
    pub(crate) user: String,
    pub(crate) area: i64,
    /// Form-filling rooms have their own area, out of Active (`PortalVersion::Newer`).
    pub(crate) forms_apart: bool,
    pub(crate) types: Vec<i64>,
    pub(crate) filter: Option<String>,
    pub(crate) without_tags: bool,
    pub(crate) tags: Option<Vec<String>>,
    pub(crate) sort: SortOrder,
    /// `subjectOwnerId`: rooms this person owns.
    pub(crate) owner: Option<String>,
    /// `subjectId` and `subjectFilter`: rooms this person owns (`Owner`) or takes part in.
    pub(crate) subject: Option<(String, SubjectRole)>,
    /// `excludeSubject`: the rooms the subject filters do not match instead.
    pub(crate) exclude_subject: bool,
    /// A filter no room here can match: custom quota, third-party storage or a provider.
    pub(crate) nothing: bool,
    /// With `filter`, only rooms created by then (Unix seconds) are found: the search index's
    /// lag (`Behaviour::search_index_lag`).
    pub(crate) indexed_by: Option<i64>,
}

/// How `subjectId` relates to a room (`SubjectFilter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubjectRole {
    /// The room's owner.
    Owner,
    /// The owner or a member, directly or through a group.
    Member,
}

impl Shared {
    pub(crate) fn new(
        state: State,
        config: &EmulatorConfig,
        token: String,
        url: String,
        keys: Keys,
    ) -> Shared {
        Shared {
            state: std::sync::RwLock::new(state),
            faults: FaultState::new(config.faults.clone()),
            behaviour: Mutex::new(config.behaviour.clone()),
            limits: super::limiter::LimiterState::default(),
            requests: Mutex::new(Vec::new()),
            token,
            password: config.password.clone(),
            url,
            state_file: config.state_file.clone(),
            writes_in_flight: AtomicUsize::new(0),
            max_writes: AtomicUsize::new(0),
            clock: config.clock.clone(),
            scheduled: Mutex::new(Vec::new()),
            generation: AtomicU64::new(0),
            listing: Mutex::new(None),
            keys,
        }
    }

    /// Seconds since the Unix epoch on the emulator's clock.
    pub(crate) fn now(&self) -> i64 {
        self.clock.now()
    }

    /// After a room was created at `now`: moves a manual clock a second forward once
    /// `per_second` rooms date from that second (`Behaviour::rooms_per_second`).
    pub(crate) fn count_room_created(
        &self,
        state: &State,
        now: i64,
        per_second: Option<std::num::NonZeroUsize>,
    ) {
        let Some(per_second) = per_second else { return };
        if self.clock.is_manual()
            && state.rooms.values().filter(|room| room.created == now).count() >= per_second.get()
        {
            self.clock.advance(Duration::from_secs(1));
        }
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        self.make_due_changes();
        f(&self.state.read().expect("state lock"))
    }

    /// The ids of the rooms `query` matches in `state` (which the caller holds read-locked), in
    /// order: from the last listing when the same query ran on the same state, else computed.
    pub(crate) fn room_listing(
        &self,
        state: &State,
        query: &ListingQuery,
        compute: impl FnOnce(&State) -> Vec<u64>,
    ) -> Arc<[u64]> {
        // Changes happen under the write lock, which the caller's read lock keeps out.
        let generation = self.generation.load(Ordering::SeqCst);
        let mut listing = self.listing.lock().expect("listing lock");
        if let Some(last) = listing.as_ref()
            && last.generation == generation
            && last.query == *query
        {
            return Arc::clone(&last.ids);
        }
        let ids: Arc<[u64]> = compute(state).into();
        *listing = Some(Listing { generation, query: query.clone(), ids: Arc::clone(&ids) });
        ids
    }

    /// Change the state, then write the state file (if any) atomically.
    pub(crate) fn mutate<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        self.make_due_changes();
        self.write(f)
    }

    /// Makes `change` `after` this long on the emulator's clock. It is made at the first look
    /// at the state from then on, which no one can tell from its being made on time, and a
    /// manual clock needs no task to wake.
    pub(crate) fn schedule(
        &self,
        after: Duration,
        change: impl FnOnce(&mut State, i64) + Send + 'static,
    ) {
        let due = self.clock.since_epoch() + after;
        self.scheduled
            .lock()
            .expect("scheduled lock")
            .push(Scheduled { due, change: Box::new(change) });
    }

    /// Makes the scheduled changes whose time has come, earliest first.
    fn make_due_changes(&self) {
        let mut scheduled = self.scheduled.lock().expect("scheduled lock");
        // Almost always nothing is scheduled: every read passes here, the clock need not.
        if scheduled.is_empty() {
            return;
        }
        let now = self.clock.since_epoch();
        if !scheduled.iter().any(|s| s.due <= now) {
            return;
        }
        scheduled.sort_by_key(|s| s.due);
        let first_later = scheduled.partition_point(|s| s.due <= now);
        let later = scheduled.split_off(first_later);
        let due = std::mem::replace(&mut *scheduled, later);
        // Still holding `scheduled`, so no one looks at the state between taking these and
        // making them.
        self.write(|state| {
            for Scheduled { due, change } in due {
                change(state, crate::time::whole_seconds(due));
            }
        });
    }

    fn write<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self.state.write().expect("state lock");
        let result = f(&mut state);
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(path) = &self.state_file
            && let Err(err) = state.save(path)
        {
            tracing::warn!("cannot write the emulator state to {}: {err}", path.display());
        }
        result
    }

    pub(crate) fn behaviour(&self) -> Behaviour {
        self.behaviour.lock().expect("behaviour lock").clone()
    }

    /// Who a request's credentials stand for (an active person) and what they may call.
    pub(crate) fn authenticate(&self, parts: &Parts) -> Caller {
        let header_value =
            parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::trim);
        let cookie = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| c.trim().strip_prefix("asc_auth_key="))
            .map(str::to_string);
        let api_key = api_key_of(parts);
        let grant = api_key.and_then(|key| self.keys.validate(key, self.now()));
        let person = self.read(|state| {
            let person_of_session =
                |token: &str| state.sessions.get(token).and_then(|id| state.person(id));
            let person = match header_value.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim) {
                // The API-key scheme: `Bearer sk-…`, the owner's keys.
                Some(key) if key.starts_with("sk-") => grant.is_some().then(|| state.owner()),
                // The cookie scheme: the cookie, else the header with or without `Bearer `.
                bearer => {
                    let header_token = bearer.or(header_value);
                    [cookie.as_deref(), header_token].into_iter().flatten().find_map(|token| {
                        if token == self.token && !token.starts_with("sk-") {
                            Some(state.owner())
                        } else {
                            person_of_session(token)
                        }
                    })
                }
            };
            person.filter(|p| p.active()).cloned()
        });
        // A login token holds `*:write` (`SecurityContext.cs` L143-148): everything.
        let grant = person.as_ref().map(|_| grant.unwrap_or(Grant::All));
        Caller { person, grant, api_key_request: api_key.is_some() }
    }
}

/// The request in hand.
pub(crate) struct Ctx {
    pub(crate) shared: Arc<Shared>,
    pub(crate) user: Option<Person>,
    pub(crate) query: Query,
    href: String,
    method: String,
}

impl FromRequestParts<Arc<Shared>> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Ctx, Self::Rejection> {
        let host = parts.headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let base = host.map_or_else(|| shared.url.clone(), |h| format!("http://{h}"));
        let path_and_query = parts.uri.path_and_query().map_or("/", PathAndQuery::as_str);
        Ok(Ctx {
            // The route layer (`keys::authorize`) authenticated the caller already.
            user: match parts.extensions.get::<Caller>() {
                Some(caller) => caller.person.clone(),
                None => shared.authenticate(parts).person,
            },
            query: Query::parse(parts.uri.query()),
            href: format!("{base}{path_and_query}"),
            method: parts.method.to_string(),
            shared: shared.clone(),
        })
    }
}

impl Ctx {
    /// The caller, or the 401 challenge (empty body).
    pub(crate) fn require_user(&self) -> Result<&Person, ApiError> {
        self.user.as_ref().ok_or(ApiError::Bare(StatusCode::UNAUTHORIZED))
    }

    /// `startIndex` and `count` of a paged list, validated, with `Faults::page_cap` applied.
    pub(crate) fn paging(&self) -> Result<Paging, ApiError> {
        let mut paging = self.query.paging()?;
        if let Some(cap) = self.shared.faults.page_cap() {
            paging.count = paging.count.min(cap);
        }
        Ok(paging)
    }

    /// The base URL for links inside DTOs.
    pub(crate) fn base(&self) -> &str {
        &self.shared.url
    }

    pub(crate) fn respond(&self, result: Result<Success, ApiError>) -> Response {
        self.respond_text(result.map(|success| {
            success_body(&success.response, success.count, success.total, &self.href, &self.method)
        }))
    }

    /// The success envelope around a typed `response` (envelope `count` 1, no `total`), as text.
    pub(crate) fn success_text<R: serde::Serialize>(&self, response: &R) -> String {
        success_body(response, 1, None, &self.href, &self.method)
    }

    /// A success envelope made by [`Ctx::success_text`] or `success_body` as a 200, or the error's response.
    pub(crate) fn respond_text(&self, result: Result<String, ApiError>) -> Response {
        match result {
            Ok(body) => text_response(StatusCode::OK, body),
            Err(error) => error.into_response(&self.href, &self.method),
        }
    }
}

/// A room id from the path: an `int` route constraint, so anything else is no route at all.
pub(crate) fn room_id(raw: &str) -> Result<u64, ApiError> {
    match raw.parse::<i32>() {
        // A negative or zero id matches the route and is simply not found.
        Ok(id) => Ok(u64::try_from(id).unwrap_or(0)),
        Err(_) => Err(ApiError::Bare(StatusCode::NOT_FOUND)),
    }
}
