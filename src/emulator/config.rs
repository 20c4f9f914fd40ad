//! How an emulator starts: its settings, and the people and groups of a seed file.

use super::clock::Clock;
use super::faults::{Behaviour, Faults};
use super::keys::ApiKeySeed;
use super::state::Person;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// Injected failures (a test hook).
    pub faults: Faults,
    /// Portal behaviour switches (a test hook).
    pub behaviour: Behaviour,
    /// The time it runs on: the system's, or a manual clock a test advances (a test hook).
    pub clock: Clock,
    /// People and groups to add at start (format in the module documentation).
    pub seed_file: Option<PathBuf>,
    /// The portal owner's email (their login name).
    pub owner_email: String,
    /// The password every person of the directory logs in with.
    pub password: String,
    /// API keys of the owner's besides `token`, each with its scopes (also the seed file's
    /// `api_keys`).
    pub api_keys: Vec<ApiKeySeed>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            token: None,
            state_file: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            faults: Faults::default(),
            behaviour: Behaviour::default(),
            clock: Clock::system(),
            seed_file: None,
            owner_email: DEFAULT_OWNER_EMAIL.to_string(),
            password: DEFAULT_PASSWORD.to_string(),
            api_keys: Vec::new(),
        }
    }
}

/// A person to add to the directory (also the seed file's format).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonSeed {
    /// Their email, also their login name.
    pub email: String,
    /// The name shown; the email when empty.
    #[serde(default)]
    pub display_name: String,
    /// 1 active, 2 terminated.
    #[serde(default = "active_status")]
    pub status: u8,
    /// A portal admin.
    #[serde(default)]
    pub is_admin: bool,
    /// A room admin (may create rooms and be a room manager).
    #[serde(default)]
    pub is_room_admin: bool,
    /// A guest.
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

    pub(crate) fn into_person(self) -> Person {
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

/// A group of the seed file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupSeed {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) members: Vec<String>,
}

/// The seed file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Seed {
    #[serde(default)]
    pub(crate) people: Vec<PersonSeed>,
    #[serde(default)]
    pub(crate) groups: Vec<GroupSeed>,
    /// The portal's room quota switch.
    #[serde(default, rename = "roomQuota")]
    pub(crate) room_quota: Option<super::state::RoomQuotaSeed>,
    /// API keys with their scopes.
    #[serde(default)]
    pub(crate) api_keys: Vec<ApiKeySeed>,
    /// The portal's sharing settings.
    #[serde(default, rename = "filesSettings")]
    pub(crate) sharing: Option<super::state::SharingSettings>,
    /// The portal's password policy.
    #[serde(default, rename = "passwordSettings")]
    pub(crate) password_policy: Option<crate::links::PasswordPolicy>,
    /// The tariff's total storage in bytes; unlimited when absent.
    #[serde(default, rename = "maxTotalSize")]
    pub(crate) max_total_size: Option<u64>,
    /// A self-hosted portal's storage quota for the whole portal, in bytes; off when absent.
    #[serde(default, rename = "tenantCustomQuota")]
    pub(crate) tenant_quota: Option<u64>,
}
