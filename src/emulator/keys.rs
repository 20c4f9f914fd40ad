//! API keys as DocSpace-server v3.7.2 stores and authenticates them.
//!
//! - Which scheme a request uses (`common/ASC.Api.Core/Core/BaseStartup.cs` L523-557): only
//!   `Authorization: Bearer sk-…` is the API-key scheme. A key is valid while it is active and
//!   not expired (`common/ASC.Core.Common/EF/Context/ApiKeysDbContext.cs` L103-107); a valid
//!   use updates its `lastUsed` (`web/ASC.Web.Core/Users/ApiKeyManager.cs` L119-141). A key
//!   created with `*` is stored with no permissions (`ApiKeyManager.cs` L72-75).
//! - Its claims (`common/ASC.Api.Core/Auth/ApiKeyBearerAuthHandler.cs` L72-80): see
//!   `crate::scopes::Grant`. `auth` applies them to each request.

use crate::scopes::{self, Grant};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Mutex;

/// An API key to accept (the seed file's `api_keys` and `EmulatorConfig::api_keys`): the
/// portal owner's, with these permissions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiKeySeed {
    /// The key itself, `sk-…`.
    pub key: String,
    /// Its name in the portal's list; a default when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Its scopes (see `crate::scopes::ALL`); none, or `*`, grants everything.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// When it stops working (RFC 3339, e.g. `2030-01-01T00:00:00Z`); never when absent.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// An inactive key is refused like an unknown one.
    #[serde(default = "active")]
    pub is_active: bool,
}

fn active() -> bool {
    true
}

impl ApiKeySeed {
    /// An active key with these permissions, no expiry.
    pub fn new(key: &str, permissions: &[&str]) -> ApiKeySeed {
        ApiKeySeed {
            key: key.to_owned(),
            name: None,
            permissions: permissions.iter().map(ToString::to_string).collect(),
            expires_at: None,
            is_active: true,
        }
    }
}

/// A key as the portal stores it.
#[derive(Debug, Clone)]
struct StoredKey {
    key: String,
    name: String,
    /// As stored: a key created with `*` has none (`ApiKeyManager.cs` L72-75).
    permissions: Vec<String>,
    expires_at: Option<i64>,
    is_active: bool,
    created_on: i64,
    last_used: Option<i64>,
}

impl StoredKey {
    fn from_seed(seed: &ApiKeySeed, created_on: i64) -> anyhow::Result<StoredKey> {
        let key = &seed.key;
        let shown = shown(key);
        if !key.starts_with("sk-") || key.len() < 7 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            anyhow::bail!(
                "api key `{shown}`: a key is `sk-` and at least four more printable characters"
            );
        }
        if let Some(unknown) = seed.permissions.iter().find(|p| !scopes::ALL.contains(&p.as_str()))
        {
            anyhow::bail!(
                "api key `{shown}`: `{}` is not a scope a key may hold; the scopes are {}",
                crate::text::escape(unknown),
                scopes::ALL.map(|s| format!("`{s}`")).join(", ")
            );
        }
        let expires_at = match &seed.expires_at {
            None => None,
            Some(text) => Some(crate::time::parse_date_time(text).ok_or_else(|| {
                anyhow::anyhow!(
                    "api key `{shown}`: `expiresAt` `{}` is not an RFC 3339 date-time",
                    crate::text::escape(text)
                )
            })?),
        };
        let permissions = if seed.permissions.iter().any(|p| p == "*") {
            Vec::new()
        } else {
            seed.permissions.clone()
        };
        Ok(StoredKey {
            key: key.clone(),
            name: seed.name.clone().unwrap_or_else(|| "emulator key".to_owned()),
            permissions,
            expires_at,
            is_active: seed.is_active,
            created_on,
            last_used: None,
        })
    }

    fn valid(&self, now: i64) -> bool {
        self.is_active && self.expires_at.is_none_or(|at| at > now)
    }

    fn postfix(&self) -> &str {
        &self.key[self.key.len() - 4..]
    }
}

/// `sk-***` and the last four characters, as the portal shows a key.
fn shown(key: &str) -> String {
    let tail = key.char_indices().rev().nth(3).map_or(key, |(at, _)| &key[at..]);
    format!("sk-***{tail}")
}

/// The portal's API keys: the configured token (unrestricted) and the seeded ones.
pub(crate) struct Keys(Mutex<Vec<StoredKey>>);

impl Keys {
    /// Whether these keys could be on a portal: `sk-` keys with scopes a key may hold, each
    /// once.
    pub(crate) fn check(seeds: &[ApiKeySeed]) -> anyhow::Result<()> {
        Keys::new("", seeds, 0).map(drop)
    }

    /// The keys: `token` (when it is an `sk-` key, with every scope) and `seeds`.
    pub(crate) fn new(token: &str, seeds: &[ApiKeySeed], now: i64) -> anyhow::Result<Keys> {
        let mut keys: Vec<StoredKey> = Vec::new();
        if token.starts_with("sk-") {
            let mut seed = ApiKeySeed::new(token, &[]);
            seed.name = Some("emulator token".to_owned());
            keys.push(StoredKey::from_seed(&seed, now)?);
        }
        for seed in seeds {
            let stored = StoredKey::from_seed(seed, now)?;
            if keys.iter().any(|k| k.key == stored.key) {
                anyhow::bail!("api key `{}` is given twice", shown(&stored.key));
            }
            keys.push(stored);
        }
        Ok(Keys(Mutex::new(keys)))
    }

    /// The grant of `key` when it is valid now, marking it used.
    pub(crate) fn validate(&self, key: &str, now: i64) -> Option<Grant> {
        let mut keys = self.0.lock().expect("keys lock");
        let stored = keys.iter_mut().find(|k| k.key == key && k.valid(now))?;
        stored.last_used = Some(now);
        Some(Grant::of(&stored.permissions))
    }

    /// `ApiKeyResponseDto` of `key`, valid or not (`GetApiKeyAsync` looks by hash only), made
    /// by `create_by` (an `EmployeeDto`).
    pub(crate) fn dto(&self, key: &str, create_by: Value) -> Option<Value> {
        let stored = self.0.lock().expect("keys lock").iter().find(|k| k.key == key).cloned()?;
        let mut dto = json!({
            "id": super::state::stable_uuid(&format!("key:{}", stored.key)),
            "name": stored.name,
            "key": shown(&stored.key),
            "keyPostfix": stored.postfix(),
            "permissions": stored.permissions,
        });
        let fields = [
            ("lastUsed", stored.last_used.map(|at| json!(crate::time::api_date(at)))),
            ("createOn", Some(json!(crate::time::api_date(stored.created_on)))),
            ("createBy", Some(create_by)),
            ("expiresAt", stored.expires_at.map(|at| json!(crate::time::api_date(at)))),
            ("isActive", Some(json!(stored.is_active))),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                dto[name] = value;
            }
        }
        Some(dto)
    }
}

/// Who sent a request and what their credentials may call.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The active person the credentials stand for.
    pub(crate) person: Option<super::state::Person>,
    /// Their scope claims; `None` when not authenticated.
    pub(crate) grant: Option<Grant>,
    /// `Authorization: Bearer sk-…`, valid or not (`ApiKeyScopesFilter.IsApiKeyRequest`).
    pub(crate) api_key_request: bool,
}

/// The token of an API-key request: `Bearer ` exactly, then (trimmed) `sk-…`.
pub(crate) fn api_key_of(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    Some(value.strip_prefix("Bearer ")?.trim()).filter(|token| token.starts_with("sk-"))
}
