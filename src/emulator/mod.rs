//! An in-process emulator of the DocSpace rooms REST API (v2.0), for the demo and the tests.
//!
//! It imitates a real portal as `shared/docspace/API-NOTES.md` and `OBSERVED-ON-PORTALS.md`
//! describe it, and is never more lenient than one. Nothing outside `emulator` and the `demo` and
//! `emulator` commands depends on it.
//!
//! # Endpoints
//! `POST /api/2.0/authentication`; `GET`/`POST /api/2.0/files/rooms`;
//! `GET`/`PUT`/`DELETE /api/2.0/files/rooms/{id}`; `PUT /api/2.0/files/rooms/{id}/archive` and
//! `/unarchive`; `PUT`/`DELETE /api/2.0/files/rooms/{id}/tags`; `GET`/`PUT
//! /api/2.0/files/rooms/{id}/share`; `GET /api/2.0/files/fileops[?id=]`; `GET /api/2.0/people`,
//! `GET /api/2.0/people/email?email=`, `GET /api/2.0/group`. Any other path is a 404 and a wrong
//! method a 405, both with an empty body, as ASP.NET answers. Paths are case-sensitive here
//! (a portal's routing is not): stricter, never more lenient.
//!
//! # Authentication
//! The API token (`Emulator::token`, a random `sk-…` key unless configured) is accepted as
//! `Authorization: Bearer <key>` and acts as the portal owner. `POST /api/2.0/authentication`
//! with `userName` (an email of the directory) and `password` (the configured password, by
//! default [`DEFAULT_PASSWORD`], the same for everyone) returns a new token at every login; a
//! login token is accepted as `Authorization: Bearer <t>`, `Authorization: <t>` or the cookie
//! `asc_auth_key`. The owner is [`DEFAULT_OWNER_EMAIL`] unless configured. A terminated person's
//! tokens stop working (401).
//!
//! # Asynchronous operations
//! Archive, unarchive and delete answer with a `FileOperationDto` that is not finished; the room
//! changes only when `GET /api/2.0/files/fileops` reports the operation finished, which happens at
//! the `Behaviour::polls_per_operation`-th read that includes it (default 1: the first read
//! reports it finished, with `progress` 100 and `error` ""). Earlier reads report it running. A
//! finished operation is reported once and then forgotten. `?id=` only advances that operation.
//! With `deleteAfter: true` (or `null` on delete) the change is made at once and the operation is
//! never listed. An anonymous caller gets `[]`.
//!
//! # Seed file (`--seed`)
//! ```json
//! {"people": [{"email": "ann@example.com", "displayName": "Ann Lee", "status": 1,
//!              "isAdmin": false, "isRoomAdmin": true, "isVisitor": false}],
//!  "groups": [{"name": "Editors", "members": ["ann@example.com"]}]}
//! ```
//! `status` is 1 (active, the default) or 2 (terminated); the flags default to false. People and
//! groups get stable UUIDs derived from their email and name.
//!
//! # Faults
//! See [`Faults`] and [`Behaviour`]: all off by default.

mod clock;
mod context;
mod dto;
mod envelope;
mod faults;
mod operations;
mod people;
mod request;
mod rooms;
mod state;

use crate::docspace::{RoomType, stored_title};
use context::Shared;
use serde::Deserialize;
use state::{Person, State};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The owner's login when none is configured.
pub const DEFAULT_OWNER_EMAIL: &str = "owner@example.com";
/// Everyone's password when none is configured.
pub const DEFAULT_PASSWORD: &str = "emulator-password";

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The API token to accept; a random `sk-…` key when `None`.
    pub token: Option<String>,
    /// Load state from this file at start and write it atomically after every change.
    pub state_file: Option<PathBuf>,
    /// Address to listen on; `127.0.0.1:0` picks a free port.
    pub listen: SocketAddr,
    pub faults: Faults,
    pub behaviour: Behaviour,
    /// People and groups to add at start (format in the module documentation).
    pub seed_file: Option<PathBuf>,
    /// The portal owner's email (their login name).
    pub owner_email: String,
    /// The password every person of the directory logs in with.
    pub password: String,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            token: None,
            state_file: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            faults: Faults::default(),
            behaviour: Behaviour::default(),
            seed_file: None,
            owner_email: DEFAULT_OWNER_EMAIL.to_string(),
            password: DEFAULT_PASSWORD.to_string(),
        }
    }
}

/// Injected failures, all off by default. "Every Nth" counts the requests (or successful
/// creates) received since these faults were set, from 1; setting them also empties the
/// rate-limit windows.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Delay before each request is handled.
    pub latency: Duration,
    /// Answer every Nth request with 429: an empty body, `Retry-After`, `X-RateLimit-Limit`
    /// (`rate_limit_per_second`, else the portal's 1500), `X-RateLimit-Remaining` 0 and
    /// `X-RateLimit-Reset` (the `Retry-After` seconds).
    pub rate_limit_every: Option<u32>,
    /// Answer 429 (as above) to a request when this many were accepted in the last second.
    pub rate_limit_per_second: Option<u32>,
    /// The `Retry-After` seconds of the two 429 faults above (default 1).
    pub retry_after_secs: u64,
    /// Answer every Nth request with `server_error_status` and an HTML page (as a proxy does).
    pub server_error_every: Option<u32>,
    /// The status of the fault above (default 502).
    pub server_error_status: u16,
    /// Every Nth successful `POST /files/rooms` creates the room and then drops the connection
    /// without sending the response: a genuinely lost response (the client sees the connection
    /// closed before any status line), not an error status. Only if the server was built without
    /// its own listener would a 504 HTML page stand in for it; `Emulator` always has one.
    pub lose_create_response_every: Option<u32>,
    /// A sliding-window limiter of `limit` requests per `window`: every response carries
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the
    /// oldest request leaves the window); over the limit is a 429 with `Retry-After`.
    pub rate_limit_headers: Option<(u32, Duration)>,
    /// `(start, times)`: someone else deletes the oldest room just before a room listing page
    /// at `startIndex` `start` is built, the first `times` times that page is asked for. Every
    /// later room moves up one place, so pages read before and after it miss one.
    pub delete_oldest_before_page: Option<(usize, u32)>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency: Duration::ZERO,
            rate_limit_every: None,
            rate_limit_per_second: None,
            retry_after_secs: 1,
            server_error_every: None,
            server_error_status: 502,
            lose_create_response_every: None,
            rate_limit_headers: None,
            delete_oldest_before_page: None,
        }
    }
}

/// Portal behaviour that differs between portals or that tests need to control.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// The `/fileops` read that reports an operation finished (1 = the first; 0 counts as 1).
    /// Captured when the operation starts.
    pub polls_per_operation: u32,
    /// Answer 403 `Access denied` to deleting an active room (a role without that right).
    pub deny_active_delete: bool,
    /// Operations finish with this `error` and change nothing.
    pub failing_operation: Option<String>,
    /// Operations are reported running forever and change nothing.
    pub operations_never_finish: bool,
    /// Answer 429 (empty body) to a non-GET request when 15 others are in flight, as a portal's
    /// concurrency limiter does.
    pub enforce_write_concurrency: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            polls_per_operation: 1,
            deny_active_delete: false,
            failing_operation: None,
            operations_never_finish: false,
            enforce_write_concurrency: false,
        }
    }
}

/// A room as the emulator stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedRoom {
    pub id: u64,
    pub title: String,
    pub room_type: RoomType,
    pub archived: bool,
    /// The catalog spellings, in the order they were attached.
    pub tags: Vec<String>,
}

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The status the emulator answered (or would have, for a lost response).
    pub status: u16,
    /// The response was dropped on purpose (`Faults::lose_create_response_every`).
    pub response_lost: bool,
}

/// A person to add to the directory (also the seed file's format).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonSeed {
    pub email: String,
    #[serde(default)]
    pub display_name: String,
    /// 1 active, 2 terminated.
    #[serde(default = "active_status")]
    pub status: u8,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub is_room_admin: bool,
    #[serde(default)]
    pub is_visitor: bool,
}

fn active_status() -> u8 {
    1
}

impl PersonSeed {
    /// An active user with no role flags.
    pub fn new(email: &str, display_name: &str) -> PersonSeed {
        PersonSeed {
            email: email.to_string(),
            display_name: display_name.to_string(),
            status: 1,
            is_admin: false,
            is_room_admin: false,
            is_visitor: false,
        }
    }

    fn into_person(self) -> Person {
        let display_name =
            if self.display_name.is_empty() { self.email.clone() } else { self.display_name };
        Person {
            id: String::new(),
            email: self.email,
            display_name,
            status: self.status,
            activation_status: 1,
            is_admin: self.is_admin,
            is_room_admin: self.is_room_admin,
            is_visitor: self.is_visitor,
            is_owner: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSeed {
    name: String,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    #[serde(default)]
    people: Vec<PersonSeed>,
    #[serde(default)]
    groups: Vec<GroupSeed>,
}

/// A member of a room, as the emulator stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedMember {
    /// The person's or group's id.
    pub id: String,
    pub is_group: bool,
    /// The person's email or the group's name.
    pub name: String,
    /// `FileShare` code (the owner is listed with 1, ReadWrite).
    pub access: i64,
    pub is_owner: bool,
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Bind, load state and seed, and serve in the background.
    pub async fn start(config: EmulatorConfig) -> anyhow::Result<Emulator> {
        let mut state = match &config.state_file {
            Some(path) => State::load(path)?.unwrap_or_else(|| State::new(&config.owner_email)),
            None => State::new(&config.owner_email),
        };
        if let Some(path) = &config.seed_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!("cannot read the seed file {}: {e}", path.display())
            })?;
            let seed: Seed = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("invalid seed file {}: {e}", path.display()))?;
            for person in seed.people {
                state.add_person(person.into_person());
            }
            for group in seed.groups {
                state.add_group(&group.name, &group.members);
            }
        }
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        let url = format!("http://{}", listener.local_addr()?);
        let token = config.token.clone().unwrap_or_else(random_api_key);
        let shared = Arc::new(Shared::new(state, &config, token, url));
        if let Some(path) = &config.state_file {
            shared.read(|s| s.save(path)).map_err(|e| {
                anyhow::anyhow!("cannot write the state file {}: {e}", path.display())
            })?;
        }
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(faults::serve(listener, shared.clone(), stopped));
        Ok(Emulator { shared, stop: Some(stop), task: Some(task) })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// The API token that acts as the portal owner.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The password every person logs in with.
    pub fn password(&self) -> &str {
        &self.shared.password
    }

    /// The portal owner's email.
    pub fn owner_email(&self) -> String {
        self.shared.read(|s| s.owner().email.clone())
    }

    /// Add a room directly (no HTTP, no faults), owned by the portal owner; the title is
    /// normalised as a portal stores it.
    /// Makes the next room id at least `next`, as on a portal that has held many rooms.
    pub fn advance_room_ids(&self, next: u64) {
        self.shared.mutate(|s| s.next_room_id = s.next_room_id.max(next));
    }

    pub fn seed_room(
        &self,
        title: &str,
        room_type: RoomType,
        archived: bool,
        tags: &[&str],
    ) -> u64 {
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        self.shared.mutate(|s| {
            let owner = s.owner().id.clone();
            let id = s.create_room(stored_title(title), room_type, &owner, &tags, clock::now());
            if let Some(room) = s.rooms.get_mut(&id) {
                room.archived = archived;
            }
            id
        })
    }

    /// Every room, sorted by id.
    pub fn rooms(&self) -> Vec<EmulatedRoom> {
        self.shared.read(|s| {
            s.rooms
                .values()
                .map(|r| EmulatedRoom {
                    id: r.id,
                    title: r.title.clone(),
                    room_type: r.room_type,
                    archived: r.archived,
                    tags: r.tags.iter().map(|k| s.tag_name(k)).collect(),
                })
                .collect()
        })
    }

    /// The tag catalog, sorted case-insensitively.
    pub fn tags(&self) -> Vec<String> {
        self.shared.read(|s| s.tag_catalog.values().cloned().collect())
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.requests.lock().expect("requests lock").clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().expect("behaviour lock") = behaviour;
    }

    /// Add a person to the directory (or find the one with that email); returns their id.
    pub fn add_person(&self, person: PersonSeed) -> String {
        self.shared.mutate(|s| s.add_person(person.into_person()))
    }

    /// Set a person's status (1 active, 2 terminated); false if the email is unknown.
    pub fn set_person_status(&self, email: &str, status: u8) -> bool {
        self.shared.mutate(|s| {
            match s.people.iter_mut().find(|p| p.email.eq_ignore_ascii_case(email)) {
                Some(person) => {
                    person.status = status;
                    true
                }
                None => false,
            }
        })
    }

    /// Add (or replace) a group of the people with these emails; returns its id.
    pub fn add_group(&self, name: &str, member_emails: &[&str]) -> String {
        let emails: Vec<String> = member_emails.iter().map(|e| e.to_string()).collect();
        self.shared.mutate(|s| s.add_group(name, &emails))
    }

    /// A room's members, owner first; empty for an unknown room.
    pub fn members(&self, room_id: u64) -> Vec<EmulatedMember> {
        self.shared.read(|s| people::member_list(s, room_id))
    }

    /// The most non-GET requests that were in flight at once.
    pub fn max_concurrent_writes(&self) -> usize {
        self.shared.max_writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Stop serving and wait for the server to finish.
    pub async fn shutdown(mut self) {
        self.stop_and_wait().await;
    }

    async fn stop_and_wait(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task).await.is_err()
        {
            task.abort();
        }
    }

    /// Serve until Ctrl-C (or SIGTERM), then stop cleanly.
    pub async fn run_until_signal(mut self) -> anyhow::Result<()> {
        crate::signal::shutdown().await;
        self.stop_and_wait().await;
        Ok(())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A random API key in the portal's `sk-` format.
fn random_api_key() -> String {
    format!(
        "sk-{}{}",
        uuid::Uuid::new_v4().simple(),
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    )
}
