//! Room settings on the wire (ROOM-SETTINGS §2): how a room shows them, the one update that
//! changes them, the portal's room quota switch and its covers.

use super::client::Portal;
use super::error::ApiError;
use crate::model::{PortalRoom, RoomState, StorageLimit};
use crate::settings::{Lifetime, Period, Quota, Settings, Switch, Watermark};
use serde::Deserialize;
use serde_json::{Value, json};

/// `lifetime` as a room shows it (no `enabled`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LifetimeDto {
    #[serde(default)]
    delete_permanently: bool,
    #[serde(default)]
    period: i64,
    #[serde(default)]
    value: Option<i64>,
}

/// `watermark` as a room shows it (no `enabled`; `text` absent when none).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WatermarkDto {
    #[serde(default)]
    additions: i64,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    rotate: i64,
}

/// `logo`: image URLs, and the colour and cover unless a custom logo hides them.
#[derive(Debug, Deserialize)]
pub(crate) struct LogoDto {
    #[serde(default)]
    original: Option<String>,
    #[serde(default)]
    color: Option<String>,
    #[serde(default)]
    cover: Option<CoverDto>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CoverDto {
    id: String,
}

/// The settings fields of a room object.
pub(crate) struct SettingsFields {
    pub(crate) quota_limit: Option<i64>,
    pub(crate) is_custom_quota: Option<bool>,
    pub(crate) indexing: Option<bool>,
    pub(crate) deny_download: Option<bool>,
    pub(crate) lifetime: Option<LifetimeDto>,
    pub(crate) watermark: Option<WatermarkDto>,
    pub(crate) logo: Option<LogoDto>,
}

/// The settings a room shows, and whether it has a custom logo. A quota is known only when
/// the portal reports it (room quota on, room active); a lifetime the portal cannot have
/// (an archived room's was erased) reads as none.
pub(crate) fn observed(fields: SettingsFields, state: RoomState) -> (Settings, bool) {
    let quota = match (fields.is_custom_quota, fields.quota_limit) {
        _ if state == RoomState::Archived => None,
        (Some(false), _) => Some(Quota::Default),
        (Some(true), Some(-1)) => Some(Quota::Unlimited),
        (Some(true), Some(bytes)) => u64::try_from(bytes).ok().map(Quota::Bytes),
        _ => None,
    };
    let lifetime = match fields.lifetime {
        Some(dto) => {
            match (Period::from_code(dto.period), dto.value.and_then(|v| u16::try_from(v).ok())) {
                (Some(period), Some(value)) if value > 0 => Switch::On(Lifetime {
                    value,
                    period,
                    delete_permanently: dto.delete_permanently,
                }),
                _ => Switch::Off,
            }
        }
        None => Switch::Off,
    };
    let watermark = fields.watermark.map_or(Switch::Off, |dto| {
        Switch::On(Watermark {
            text: dto.text.unwrap_or_default(),
            show: Watermark::items_of(dto.additions),
            rotate: dto.rotate,
        })
    });
    let logo = fields.logo;
    let custom_logo = logo
        .as_ref()
        .is_some_and(|logo| logo.original.as_deref().is_some_and(|url| !url.is_empty()));
    let (color, cover) = match logo {
        Some(logo) if !custom_logo => (
            logo.color.map(|c| c.to_ascii_uppercase().into()),
            Some(logo.cover.map_or(Switch::Off, |cover| Switch::On(cover.id))),
        ),
        _ => (None, None),
    };
    let settings = Settings {
        quota,
        deny_download: fields.deny_download,
        indexing: fields.indexing,
        color,
        cover,
        watermark: Some(watermark),
        lifetime: Some(lifetime),
    };
    (settings, custom_logo)
}

/// The update body for `after`: each given setting, sub-objects whole (they replace what was
/// there; `{"enabled": false}` removes one). Integers only: the portal reads no enum names here.
pub(crate) fn update_body(after: &Settings) -> Value {
    let mut body = serde_json::Map::new();
    if let Some(quota) = after.quota {
        body.insert("quota".into(), json!(quota.api_value()));
    }
    if let Some(deny) = after.deny_download {
        body.insert("denyDownload".into(), json!(deny));
    }
    if let Some(indexing) = after.indexing {
        body.insert("indexing".into(), json!(indexing));
    }
    if let Some(color) = &after.color {
        body.insert("color".into(), json!(color));
    }
    if let Some(cover) = &after.cover {
        body.insert("cover".into(), json!(cover.on().map_or("", String::as_str)));
    }
    if let Some(watermark) = &after.watermark {
        let value = match watermark.on() {
            None => json!({ "enabled": false }),
            Some(w) => json!({
                "enabled": true,
                "additions": w.additions(),
                "text": w.text,
                "rotate": w.rotate,
            }),
        };
        body.insert("watermark".into(), value);
    }
    if let Some(lifetime) = &after.lifetime {
        let value = match lifetime.on() {
            None => json!({ "enabled": false }),
            Some(l) => json!({
                "enabled": true,
                "deletePermanently": l.delete_permanently,
                "period": l.period.code(),
                "value": l.value,
            }),
        };
        body.insert("lifetime".into(), value);
    }
    Value::Object(body)
}

/// What of `after` the room does not show: one line per setting.
pub(crate) fn unapplied(after: &Settings, room: &PortalRoom) -> Vec<String> {
    let now: std::collections::HashMap<&str, String> =
        room.settings.describe().into_iter().collect();
    after
        .describe()
        .into_iter()
        .filter(|(name, wanted)| now.get(name) != Some(wanted))
        .map(|(name, wanted)| match now.get(name) {
            Some(shown) => format!("`{name}` is {shown}, not {wanted}"),
            None => format!("`{name}` is not shown, so {wanted} cannot be confirmed"),
        })
        .collect()
}

/// `GET /api/2.0/portal/payment/quota`: the parts a room quota depends on.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentQuota {
    #[serde(default)]
    rooms_quota: Option<RoomsQuota>,
    #[serde(default)]
    features: Vec<Feature>,
    /// A self-hosted portal's storage quota (`TenantQuotaSettings`; shown when the portal is
    /// self-hosted or its tariff has statistics, server `QuotaHelper.cs` L146-159).
    #[serde(default)]
    tenant_custom_quota: Option<TenantCustomQuota>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TenantCustomQuota {
    #[serde(default)]
    enable_quota: bool,
    #[serde(default)]
    quota: Option<serde_json::Number>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoomsQuota {
    #[serde(default)]
    enable_quota: bool,
}

/// One of the tariff's features; `total_size` is its total storage in bytes, -1 when unlimited
/// (server `QuotaHelper.cs` L210-214, `MaxTotalSizeFeature.cs`).
#[derive(Debug, Deserialize)]
struct Feature {
    id: String,
    #[serde(default)]
    value: Option<serde_json::Number>,
}

/// What the portal's quota endpoint says about room quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PortalQuota {
    /// Whether the portal's room quota is on (`roomsQuota.enableQuota`; absent when the tariff
    /// has no statistics, which means off).
    pub(crate) room_quota: bool,
    /// The most a room quota may be; `None` when unlimited or not said. A portal refuses a room
    /// quota above the tariff's total storage (server `FileStorageService.cs` L1169-1179) and,
    /// self-hosted, above the storage quota its admin set for the whole portal (L1181-1191;
    /// settable only there, `SettingsController.cs` L536-539, so a cloud portal shows it off).
    pub(crate) storage_limit: Option<StorageLimit>,
}

#[derive(Debug, Deserialize)]
struct Cover {
    id: String,
}

impl Portal {
    /// The portal's room quota switch and its total storage.
    pub(crate) async fn portal_quota(&self) -> Result<PortalQuota, ApiError> {
        let (quota, _): (PaymentQuota, _) =
            self.get_typed("/api/2.0/portal/payment/quota", &[]).await?;
        let storage_total = quota
            .features
            .iter()
            .find(|feature| feature.id == "total_size")
            .and_then(|feature| feature.value.as_ref()?.as_u64());
        let portal_quota = quota
            .tenant_custom_quota
            .filter(|custom| custom.enable_quota)
            .and_then(|custom| custom.quota?.as_u64());
        Ok(PortalQuota {
            room_quota: quota.rooms_quota.is_some_and(|q| q.enable_quota),
            storage_limit: StorageLimit::of(storage_total, portal_quota),
        })
    }

    /// The cover ids the portal offers, sorted.
    pub(crate) async fn room_covers(&self) -> Result<Vec<String>, ApiError> {
        let (covers, _): (Vec<Cover>, _) =
            self.get_typed("/api/2.0/files/rooms/covers", &[]).await?;
        let mut ids: Vec<String> = covers.into_iter().map(|c| c.id).collect();
        ids.sort();
        Ok(ids)
    }

    /// One update carrying `after` (only those settings, watermark and lifetime whole).
    pub(crate) async fn update_room_settings(
        &self,
        id: u64,
        after: &Settings,
    ) -> Result<(), ApiError> {
        self.update_room(id, update_body(after)).await.map(drop)
    }
}
