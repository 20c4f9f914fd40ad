//! A room's stored settings and the portal's room quota switch: plain data of the state file,
//! kept apart from the `settings` handlers so that `state` needs nothing of them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `quota` when none was set: the portal's default (`-2`).
pub(crate) const DEFAULT_QUOTA: i64 = -2;

/// The settings a room stores besides colour, indexing and `denyDownload`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredSettings {
    /// -2 default, -1 unlimited, otherwise bytes.
    pub(crate) quota: i64,
    pub(crate) cover: Option<String>,
    pub(crate) watermark: Option<Map<String, Value>>,
    pub(crate) lifetime: Option<StoredLifetime>,
    /// A custom logo hides the colour and the cover.
    pub(crate) custom_logo: bool,
}

impl Default for StoredSettings {
    fn default() -> Self {
        StoredSettings {
            quota: DEFAULT_QUOTA,
            cover: None,
            watermark: None,
            lifetime: None,
            custom_logo: false,
        }
    }
}

/// `DbRoomDataLifetime`: `enabled` is not stored; `start` restarts at every write.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredLifetime {
    pub(crate) delete_permanently: bool,
    pub(crate) period: i64,
    pub(crate) value: i64,
    pub(crate) start: i64,
}

/// The portal's room quota (`TenantRoomQuotaSettings`), off by default as on a new portal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoomQuotaSeed {
    /// Whether room quotas are shown and enforced.
    pub enable_quota: bool,
    /// The default room quota in bytes.
    #[serde(default)]
    pub default_quota: i64,
}
