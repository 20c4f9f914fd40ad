//! What every handler shares (the state, the settings, the request log) and what it knows about
//! the request in hand (the caller, the URL for the envelope's `links`, the query).

use super::envelope::{ApiError, Success, success_body, text_response};
use super::request::Query;
use super::state::{Person, State};
use super::{Behaviour, EmulatorConfig, Faults, RequestRecord};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub struct Shared {
    state: std::sync::RwLock<State>,
    pub faults: Mutex<Faults>,
    pub behaviour: Mutex<Behaviour>,
    pub requests: Mutex<Vec<RequestRecord>>,
    pub token: String,
    pub password: String,
    pub url: String,
    state_file: Option<PathBuf>,
    /// Requests received so far.
    pub sequence: AtomicU64,
    /// Rooms created through the API so far.
    pub creates: AtomicU64,
    /// Rooms deleted by `Faults::delete_oldest_before_page` so far.
    pub churned: AtomicU64,
    pub writes_in_flight: AtomicUsize,
    pub max_writes: AtomicUsize,
    /// Accepted requests of the last second (`Faults::rate_limit_per_second`).
    pub last_second: Mutex<VecDeque<Instant>>,
    /// Accepted requests of the sliding window (`Faults::rate_limit_headers`).
    pub window: Mutex<VecDeque<Instant>>,
    /// Bumped by every change of the state, under its write lock.
    generation: AtomicU64,
    /// The last room listing's matches, for the pages that follow its first.
    listing: Mutex<Option<Listing>>,
}

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
pub struct ListingQuery {
    pub user: String,
    pub area: i64,
    pub types: Vec<i64>,
    pub filter: Option<String>,
    pub without_tags: bool,
    pub tags: Option<Vec<String>>,
    pub sort: super::state::SortOrder,
}

impl Shared {
    pub fn new(state: State, config: &EmulatorConfig, token: String, url: String) -> Shared {
        Shared {
            state: std::sync::RwLock::new(state),
            faults: Mutex::new(config.faults.clone()),
            behaviour: Mutex::new(config.behaviour.clone()),
            requests: Mutex::new(Vec::new()),
            token,
            password: config.password.clone(),
            url,
            state_file: config.state_file.clone(),
            sequence: AtomicU64::new(0),
            creates: AtomicU64::new(0),
            churned: AtomicU64::new(0),
            writes_in_flight: AtomicUsize::new(0),
            max_writes: AtomicUsize::new(0),
            last_second: Mutex::new(VecDeque::new()),
            window: Mutex::new(VecDeque::new()),
            generation: AtomicU64::new(0),
            listing: Mutex::new(None),
        }
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.read().expect("state lock"))
    }

    /// The ids of the rooms `query` matches in `state` (which the caller holds read-locked), in
    /// order: from the last listing when the same query ran on the same state, else computed.
    pub fn room_listing(
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
    pub fn mutate<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
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

    /// New faults, with their counters and windows started afresh.
    pub fn set_faults(&self, faults: Faults) {
        let mut current = self.faults.lock().expect("faults lock");
        self.sequence.store(0, Ordering::SeqCst);
        self.creates.store(0, Ordering::SeqCst);
        self.churned.store(0, Ordering::SeqCst);
        self.last_second.lock().expect("rate lock").clear();
        self.window.lock().expect("window lock").clear();
        *current = faults;
    }

    pub fn behaviour(&self) -> Behaviour {
        self.behaviour.lock().expect("behaviour lock").clone()
    }

    /// The active person a request's credentials stand for, if any.
    fn authenticate(&self, parts: &Parts) -> Option<Person> {
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
        self.read(|state| {
            let person_of_session =
                |token: &str| state.sessions.get(token).and_then(|id| state.person(id));
            let person = match header_value.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim) {
                // The API-key scheme: `Bearer sk-…`.
                Some(key) if key.starts_with("sk-") => (key == self.token).then(|| state.owner()),
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
        })
    }
}

/// The request in hand.
pub struct Ctx {
    pub shared: Arc<Shared>,
    pub user: Option<Person>,
    pub query: Query,
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
        let base = host.map(|h| format!("http://{h}")).unwrap_or_else(|| shared.url.clone());
        let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        Ok(Ctx {
            user: shared.authenticate(parts),
            query: Query::parse(parts.uri.query()),
            href: format!("{base}{path_and_query}"),
            method: parts.method.to_string(),
            shared: shared.clone(),
        })
    }
}

impl Ctx {
    /// The caller, or the 401 challenge (empty body).
    pub fn require_user(&self) -> Result<&Person, ApiError> {
        self.user.as_ref().ok_or(ApiError::Bare(StatusCode::UNAUTHORIZED))
    }

    /// The base URL for links inside DTOs.
    pub fn base(&self) -> &str {
        &self.shared.url
    }

    pub fn respond(&self, result: Result<Success, ApiError>) -> Response {
        self.respond_text(result.map(|success| {
            success_body(&success.response, success.count, success.total, &self.href, &self.method)
        }))
    }

    /// The success envelope around a typed `response` (envelope `count` 1, no `total`), as text.
    pub fn success_text<R: serde::Serialize>(&self, response: &R) -> String {
        success_body(response, 1, None, &self.href, &self.method)
    }

    /// A success envelope made by [`Ctx::success_text`] or `success_body` as a 200, or the error's response.
    pub fn respond_text(&self, result: Result<String, ApiError>) -> Response {
        match result {
            Ok(body) => text_response(StatusCode::OK, body),
            Err(error) => error.into_response(&self.href, &self.method),
        }
    }
}

/// A room id from the path: an `int` route constraint, so anything else is no route at all.
pub fn room_id(raw: &str) -> Result<u64, ApiError> {
    match raw.parse::<i32>() {
        // A negative or zero id matches the route and is simply not found.
        Ok(id) => Ok(u64::try_from(id).unwrap_or(0)),
        Err(_) => Err(ApiError::Bare(StatusCode::NOT_FOUND)),
    }
}
