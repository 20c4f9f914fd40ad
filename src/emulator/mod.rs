//! An in-process emulator of a portal's rooms REST API (`DocSpace` v2.0), for the demo and the
//! tests.
//!
//! It imitates a real portal as `shared/docspace/API-NOTES.md` and `OBSERVED-ON-PORTALS.md`
//! describe it, and is never more lenient than one. Nothing outside `emulator` and the `demo` and
//! `emulator` commands depends on it.
//!
//! # Endpoints
//! `POST /api/2.0/authentication`; `GET`/`POST /api/2.0/files/rooms`;
//! `GET`/`PUT`/`DELETE /api/2.0/files/rooms/{id}`; `PUT /api/2.0/files/rooms/{id}/archive` and
//! `/unarchive`; `GET /api/2.0/files/rooms/covers`; `GET /api/2.0/portal/payment/quota`;
//! `PUT`/`DELETE /api/2.0/files/rooms/{id}/tags`; `GET`/`PUT
//! /api/2.0/files/rooms/{id}/share`; links (see `links`): `GET`/`PUT
//! /api/2.0/files/rooms/{id}/links`, `GET /api/2.0/files/rooms/{id}/link`, `GET
//! /api/2.0/files/share/{key}`; `GET /api/2.0/files/settings` and `GET
//! /api/2.0/settings/security/password` (see `portal_settings`); `GET
//! /api/2.0/files/fileops[?id=]`; `GET /api/2.0/people`, `GET /api/2.0/people/email?email=`,
//! `GET /api/2.0/group`, `GET /api/2.0/keys/@self` (see `auth`); folders inside rooms (see
//! `folders`): `POST`/`GET`/`PUT`/`DELETE /api/2.0/files/folder/{id}`, `GET
//! /api/2.0/files/{id}/subfolders`, `GET /api/2.0/files/{id}`, `PUT /api/2.0/files/fileops/delete`.
//! Any other path is a 404 and a wrong
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
//! More API keys of the owner's, each limited to its scopes, come from
//! `EmulatorConfig::api_keys` and the seed file's `api_keys` (see `keys` and `auth`): every
//! request is authorised by the server's scope map (`crate::scopes`), a missing scope is an
//! empty 403 before anything is looked up, also on the actions the server serves anonymously.
//! The API token is an unrestricted key (`keys/@self` reads `permissions: []`).
//!
//! # Asynchronous operations
//! Archive, unarchive and delete answer with a `FileOperationDto` that is not finished; the room
//! changes only when `GET /api/2.0/files/fileops` reports the operation finished, which happens at
//! the `Behaviour::polls_per_operation`-th read that includes it (default 1: the first read
//! reports it finished, with `progress` 100 and `error` ""). Earlier reads report it running. A
//! finished operation is reported once and then forgotten. `?id=` only advances that operation.
//! With `deleteAfter: true` (or `null` on delete) the change is made at once and the operation is
//! never listed. An anonymous caller gets `[]`. `PUT /api/2.0/files/fileops/delete` starts one
//! operation for all its ids and answers as the server does (see `folders`: its Trash, and
//! `returnSingleOperation`); its answer, like `DELETE /api/2.0/files/folder/{id}`'s, is also a
//! read of the caller's earlier delete operations that dequeues the finished ones.
//!
//! # Seed file (`--seed`)
//! ```json
//! {"people": [{"email": "ann@example.com", "displayName": "Ann Lee", "status": 1,
//!              "isAdmin": false, "isRoomAdmin": true, "isVisitor": false}],
//!  "groups": [{"name": "Editors", "members": ["ann@example.com"]}]}
//! ```
//! `status` is 1 (active, the default) or 2 (terminated); the flags default to false. An optional
//! `"roomQuota": {"enableQuota": true, "defaultQuota": 104857600}` turns the portal's room quota
//! on (off by default, as on a new portal; also `Emulator::set_room_quota`). An optional
//! `"api_keys": [{"key": "sk-…", "permissions": ["rooms:write"], "expiresAt":
//! "2030-01-01T00:00:00Z", "isActive": true}]` adds API keys ([`ApiKeySeed`]); a permission that
//! is not a scope stops the start. `"filesSettings": {"externalShare",
//! "externalShareApplyToRooms", "defaultShareLinkInternal"}` and `"passwordSettings":
//! {"minLength", "upperCase", "digits", "specSymbols"}` set the portal's sharing settings and
//! password policy (a new portal's by default; also `Emulator::set_sharing` and
//! `Emulator::set_password_policy`). `"maxTotalSize": 10737418240` limits the tariff's total
//! storage in bytes (unlimited by default; also `Emulator::set_max_total_size`): a room quota
//! above it is refused. `"tenantCustomQuota": 10737418240` is a self-hosted portal's storage
//! quota for the whole portal (off by default; also `Emulator::set_tenant_quota`): a room quota
//! above it is refused on update.
//!
//! # Room settings
//! As ROOM-SETTINGS.md records a v3.7.2 portal (see `settings`): create and update store
//! `quota`, `indexing`, `denyDownload`, `color`, `cover`, `watermark` and `lifetime`, and the
//! single GET and list items show them. `usedSpace` shows to whoever may edit the room (or delete it
//! from the archive); `quotaLimit`/`isCustomQuota` besides only while room quota is on, for an
//! active room, and never in the create response. `watermark` and
//! `lifetime` read back without `enabled`, are absent when unset, replaced whole by every
//! update that sends one (`{"enabled": false}` removes it; the lifetime clock restarts at every
//! write) and, on create, stored whatever `enabled` says. Archiving erases the lifetime. Colour
//! is checked by length only. The covers are the server's 56; an unknown one is a 400 once the room
//! was found and may be edited (an archived room's 403 comes first), and nothing of its update
//! is saved. `Emulator::settings_writes` counts the
//! requests that sent each setting of a room, `Emulator::set_custom_logo` gives a room a custom
//! logo. People and
//! groups get stable UUIDs derived from their email and name (and, for a group whose name an
//! earlier group of the file has, from how many came before). Any number of groups may be
//! seeded; `GET /api/2.0/group` pages them.
//!
//! # Server version
//! It follows the `DocSpace` server source at v3.7.2 (tag `v3.7.2-server`, commit `ed2994e7`),
//! and OBSERVED-ON-PORTALS.md where live portals differ. One difference is switchable,
//! `Behaviour::version` (`--portal-version` of the `emulator` command): newer portals (the
//! default, see [`faults::PortalVersion`] for why) keep form-filling rooms in a `Forms` search
//! area of their own, out of `Active`; v3.7.2 has no such area (a 400) and lists them in
//! `Active`.
//!
//! # Faults
//! See [`faults::Faults`] and [`faults::Behaviour`] (test hooks with no stability promise):
//! all off by default. Besides latency, 429s, 5xx pages and lost create responses they cap pages
//! (`page_cap`), commit creates late after a 504 (`create_commits_late`; any chosen request
//! once: `commit_late_once`), fail chosen requests once (`fail_once`), lose the response to
//! chosen requests once, after they took effect (`lose_response_once`), hold the creates of
//! chosen titles until their rivals arrive (`create_rendezvous`: two runs creating one title at
//! the same instant), hold requests until a number of them have arrived (`gather`: requests
//! "at once" whatever the timing), hold the answer to a chosen request until the test lets it
//! go (`hold_response_once`), keep new rooms out of `filterValue` searches for a while
//! (`Behaviour::search_index_lag`) and, on a manual clock, date at most so many rooms a second
//! (`Behaviour::rooms_per_second`).
//!
//! # Rate limits
//! Off by default, as on an on-premises portal. [`Limiter`] (`Behaviour::limiter`, or the
//! `emulator` command's `--rate-limit`, `--concurrency-limit`, `--daily-write-limit` and
//! `--cloud-limits`) turns on a cloud portal's: a sliding window per user (1,500 a minute),
//! 50 GETs and 15 other requests in flight, and 10,000 POST and PUT a day, each refusing with
//! the server's 429 and headers (see `limiter`).
//!
//! # Clock
//! Room, lifetime, link and login dates, link expiry, late commits and the rate-limit windows
//! go by `EmulatorConfig::clock`: the system's by default, or a [`Clock::manual`] that stands
//! still until a test advances it (`Emulator::clock`), so no test sleeps for time to pass.
//! Operations finish by reads, not time. Injected latency stays a real delay.

mod auth;
mod clock;
mod config;
mod context;
pub mod demo;
mod dto;
mod envelope;
#[doc(hidden)]
pub mod faults;
mod folders;
mod keys;
mod limiter;
mod links;
mod operations;
mod people;
mod portal_settings;
mod request;
mod rooms;
mod server;
mod settings;
mod snapshot;
mod state;

pub use crate::links::PasswordPolicy;
pub use clock::Clock;
pub use config::{DEFAULT_OWNER_EMAIL, DEFAULT_PASSWORD, EmulatorConfig, PersonSeed};
pub use folders::EmulatedFolder;
pub use keys::ApiKeySeed;
pub use limiter::Limiter;
pub use links::EmulatedLink;
pub use snapshot::{EmulatedMember, EmulatedRoom, RequestRecord};
pub use state::{RoomQuotaSeed, SharingSettings};

use crate::docspace::{RoomType, stored_title};
use config::Seed;
use context::Shared;
use faults::{Behaviour, Faults};
use folders::{FOLDER_TYPE_COMPLETE, FOLDER_TYPE_IN_PROCESS};
use state::State;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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
        let mut api_keys = config.api_keys.clone();
        if let Some(path) = &config.seed_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!("cannot read the seed file {}: {e}", path.display())
            })?;
            let seed: Seed = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("invalid seed file {}: {e}", path.display()))?;
            for person in seed.people {
                state.add_person(person.into_person());
            }
            keys::Keys::check(&seed.api_keys)
                .map_err(|e| anyhow::anyhow!("invalid seed file {}: {e}", path.display()))?;
            api_keys.extend(seed.api_keys);
            if let Some(quota) = seed.room_quota {
                state.room_quota = quota;
            }
            if let Some(sharing) = seed.sharing {
                state.sharing = sharing;
            }
            if let Some(policy) = seed.password_policy {
                state.password_policy = policy;
            }
            if seed.max_total_size.is_some() {
                state.max_total_size = seed.max_total_size;
            }
            if seed.tenant_quota.is_some() {
                state.tenant_quota = seed.tenant_quota;
            }
            let mut earlier: Vec<&str> = Vec::new();
            for group in &seed.groups {
                let occurrence = earlier.iter().filter(|name| **name == group.name).count();
                state.add_group(&group.name, occurrence, &group.members);
                earlier.push(&group.name);
            }
        }
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        // Every interface (`0.0.0.0`, `::`) is no address to connect to: from this machine, the
        // loopback one is.
        let mut bound = listener.local_addr()?;
        if bound.ip().is_unspecified() {
            bound.set_ip(match bound.ip() {
                std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        let url = format!("http://{bound}");
        let token = config.token.clone().unwrap_or_else(random_api_key);
        let keys = keys::Keys::new(&token, &api_keys, config.clock.now())
            .map_err(|e| anyhow::anyhow!("invalid API keys: {e}"))?;
        let shared = Arc::new(Shared::new(state, &config, token, url, keys));
        if let Some(path) = &config.state_file {
            shared.read(|s| s.save(path)).map_err(|e| {
                anyhow::anyhow!("cannot write the state file {}: {e}", path.display())
            })?;
        }
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, shared.clone(), stopped));
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

    /// The clock it runs on: a test advances a manual one (see [`Clock`]).
    pub fn clock(&self) -> Clock {
        self.shared.clock.clone()
    }

    /// The portal owner's email.
    pub(crate) fn owner_email(&self) -> String {
        self.shared.read(|s| s.owner().email.clone())
    }

    /// Makes the next room id at least `next`, as on a portal that has held many rooms.
    pub(crate) fn advance_room_ids(&self, next: u64) {
        self.shared.mutate(|s| s.next_room_id = s.next_room_id.max(next));
    }

    /// Add a room directly (no HTTP, no faults), owned by the portal owner; the title is
    /// normalised as a portal stores it.
    pub fn seed_room(
        &self,
        title: &str,
        room_type: RoomType,
        archived: bool,
        tags: &[&str],
    ) -> u64 {
        let tags: Vec<String> = tags.iter().map(ToString::to_string).collect();
        let now = self.shared.now();
        self.shared.mutate(|s| {
            let owner = s.owner().id.clone();
            let id = s.create_room(stored_title(title), room_type, &owner, &tags, now);
            if let Some(room) = s.rooms.get_mut(&id) {
                room.archived = archived;
            }
            id
        })
    }

    /// Adds an AI agent directly, as `POST /api/2.0/ai/agents` would make it (see
    /// `state::Room::agent`): listed by `searchArea=AiAgents` only. A room of type `ai` from
    /// [`Emulator::seed_room`] is an AI room in Rooms, as `POST files/rooms` makes it.
    pub fn seed_agent(&self, title: &str) -> u64 {
        let id = self.seed_room(title, RoomType::Ai, false, &[]);
        self.shared.mutate(|s| {
            if let Some(room) = s.rooms.get_mut(&id) {
                room.agent = true;
            }
        });
        id
    }

    /// Turns the portal's room quota on or off (Settings → Storage management), with its
    /// default room quota in bytes.
    pub fn set_room_quota(&self, enable_quota: bool, default_quota: i64) {
        self.shared.mutate(|s| s.room_quota = RoomQuotaSeed { enable_quota, default_quota });
    }

    /// Sets the portal's sharing settings (Settings → Sharing), as its admin would.
    pub fn set_sharing(&self, sharing: SharingSettings) {
        self.shared.mutate(|s| s.sharing = sharing);
    }

    /// Sets the portal's password policy (Settings → Security → Password strength).
    pub fn set_password_policy(&self, policy: PasswordPolicy) {
        self.shared.mutate(|s| s.password_policy = policy);
    }

    /// Sets the tariff's total storage in bytes (`None`: unlimited, the default).
    pub fn set_max_total_size(&self, bytes: Option<u64>) {
        self.shared.mutate(|s| s.max_total_size = bytes);
    }

    /// Sets the storage quota a self-hosted portal's admin sets for the whole portal, in bytes
    /// (`None`: off, the default), as `PUT settings/tenantquotasettings` does there.
    pub fn set_tenant_quota(&self, bytes: Option<u64>) {
        self.shared.mutate(|s| s.tenant_quota = bytes);
    }

    /// Gives a room a custom logo (which hides its colour and cover) or takes it away; false
    /// for an unknown room.
    pub fn set_custom_logo(&self, room_id: u64, custom: bool) -> bool {
        self.shared.mutate(|s| match s.rooms.get_mut(&room_id) {
            Some(room) => {
                room.settings.custom_logo = custom;
                true
            }
            None => false,
        })
    }

    /// How many requests have sent `setting` (`quota`, `cover`, `watermark`, `lifetime`,
    /// `color`, `indexing` or `denyDownload`)
    /// of a room, by create or update; every write of a lifetime restarts its clock.
    pub fn settings_writes(&self, room_id: u64, setting: &str) -> u32 {
        self.shared.read(|s| {
            s.settings_writes.get(&room_id).and_then(|m| m.get(setting)).copied().unwrap_or(0)
        })
    }

    /// When a room's lifetime clock last restarted (Unix seconds), if it has a lifetime.
    pub fn lifetime_started(&self, room_id: u64) -> Option<i64> {
        self.shared.read(|s| s.rooms.get(&room_id)?.settings.lifetime.as_ref().map(|l| l.start))
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

    /// A room's external links, the primary one first; empty for an unknown room.
    pub fn links(&self, room_id: u64) -> Vec<EmulatedLink> {
        let base = self.url();
        self.shared.read(|s| {
            s.rooms
                .get(&room_id)
                .map(|room| links::snapshot(room, &base, &s.share_secret))
                .unwrap_or_default()
        })
    }

    /// The tag catalog, sorted case-insensitively.
    pub fn tags(&self) -> Vec<String> {
        self.shared.read(|s| s.tag_catalog.values().cloned().collect())
    }

    /// Every request received so far, in order.
    ///
    /// # Panics
    /// If a handler panicked while holding the request log.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.requests.lock().expect("requests lock").clone()
    }

    /// Replace the injected faults (a test hook); their counters start afresh.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    /// How many responses `Faults::hold_response_once` holds now (a test hook).
    pub fn held_responses(&self) -> u64 {
        self.shared.faults.holding()
    }

    /// Lets every response `Faults::hold_response_once` holds go, and any it holds later until
    /// the faults are set again (a test hook).
    pub fn release_responses(&self) {
        self.shared.faults.release_responses();
    }

    /// How many creates have come to a `Faults::create_rendezvous` so far (a test hook).
    pub fn rendezvous_arrivals(&self) -> usize {
        self.shared.faults.rendezvous_arrivals()
    }

    /// Replace the behaviour switches (a test hook). The rate limiter's counts go on.
    ///
    /// # Panics
    /// If a handler panicked while holding the behaviour.
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
        let emails: Vec<String> = member_emails.iter().map(ToString::to_string).collect();
        self.shared.mutate(|s| s.add_group(name, 0, &emails))
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
    pub(crate) async fn run_until_signal(mut self) -> anyhow::Result<()> {
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

/// Test hooks: folders seen and changed without HTTP.
impl Emulator {
    /// Every folder of `room` (trashed ones included), sorted by id.
    pub fn folders(&self, room: u64) -> Vec<EmulatedFolder> {
        self.shared.read(|s| {
            s.folders
                .values()
                .filter(|f| f.room == room)
                .map(|f| EmulatedFolder {
                    id: f.id,
                    parent: f.parent,
                    title: f.title.clone(),
                    files: f.files,
                    system_type: f.system_type,
                    trashed: s.trash_holding(f.id).is_some(),
                })
                .collect()
        })
    }

    /// Adds a folder directly (no HTTP, no checks) in `parent` (a room or a folder of `room`);
    /// the title is stored as a portal stores it.
    pub fn seed_folder(&self, room: u64, parent: u64, title: &str) -> u64 {
        self.shared.mutate(|s| s.add_folder(parent, room, stored_title(title), None))
    }

    /// Renames a folder and moves it under `parent` (a room or a folder, in any room), as a
    /// person in the web interface would (`PUT files/folder/{id}`, `PUT files/fileops/move`).
    /// `false` when there is no such folder.
    pub fn move_folder(&self, id: u64, parent: u64, title: &str) -> bool {
        self.shared.mutate(|s| {
            let room = s.folders.get(&parent).map_or(parent, |f| f.room);
            let Some(folder) = s.folders.get_mut(&id) else { return false };
            folder.parent = parent;
            folder.title = stored_title(title);
            // The folder and everything below it now belong to `room`.
            let mut moved = vec![id];
            let mut seen = std::collections::HashSet::new();
            while let Some(next) = moved.pop() {
                if !seen.insert(next) {
                    continue;
                }
                moved.extend(s.folders.values().filter(|f| f.parent == next).map(|f| f.id));
                if let Some(folder) = s.folders.get_mut(&next) {
                    folder.room = room;
                }
            }
            true
        })
    }

    /// Puts a file in a folder or a room, as a person uploading one would.
    pub fn add_file(&self, folder: u64) {
        self.shared.mutate(|s| {
            if let Some(folder) = s.folders.get_mut(&folder) {
                folder.files += 1;
            } else if let Some(room) = s.rooms.get_mut(&folder) {
                room.files += 1;
            }
        });
    }

    /// Lets every queued or running operation finish at its `reads`-th next `/fileops` read (1:
    /// the next), as a busy portal's queue finally runs them; their outcome is as configured
    /// when they started. Returns how many there were.
    pub fn finish_operations_within(&self, reads: u32) -> usize {
        self.shared.mutate(|s| {
            for op in &mut s.operations {
                op.never_finishes = false;
                op.polls = op.reads + reads.max(1);
            }
            s.operations.len()
        })
    }

    /// Gives a form-filling room the system folders the portal adds on first form use:
    /// "Complete" (`type` 25) and "In process" (`type` 26).
    pub fn add_form_system_folders(&self, room: u64) {
        self.shared.mutate(|s| {
            s.add_folder(room, room, "Complete".to_owned(), Some(FOLDER_TYPE_COMPLETE));
            s.add_folder(room, room, "In process".to_owned(), Some(FOLDER_TYPE_IN_PROCESS));
        });
    }
}
