//! Room settings as a v3.7.2 portal keeps them (ROOM-SETTINGS §2): what create and update
//! store, how a room shows them, the covers, the portal's room quota switch
//! (`GET /api/2.0/portal/payment/quota`), and a count of the writes of each setting per room,
//! so that tests can prove what a client re-sent.

use super::context::Ctx;
use super::envelope::{ApiError, Success};
use super::request::{JsonBody, member};
use super::state::{DEFAULT_QUOTA, Room, State, StoredLifetime};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The built-in covers: the server's whole catalogue, the embedded
/// `products/ASC.Files/Core/Covers/default/*.svg` (`ASC.Files.Core.csproj` L156,
/// `RoomLogoManager.cs` L342-355), each id the file name without `.svg` (one has a space). Their
/// drawings are not copied: each is served as a placeholder SVG, as the tool reads only ids.
pub(crate) const COVERS: [&str; 56] = [
    "anchor",
    "archive",
    "bell",
    "book_open",
    "bookmark",
    "calendar",
    "camera",
    "cart",
    "check mark",
    "clipboard",
    "cloud",
    "comment_1",
    "comment_2",
    "dollar",
    "face_1",
    "face_2",
    "face_3",
    "feather",
    "file_1",
    "file_2",
    "file_3",
    "file_empty",
    "film",
    "flag",
    "folder",
    "gift",
    "hash",
    "headphones",
    "heart",
    "house",
    "human",
    "img",
    "label",
    "layers",
    "life_buoy",
    "lock_security",
    "loupe",
    "mail",
    "map",
    "medal",
    "package",
    "pen",
    "percent",
    "planet",
    "schedule",
    "share",
    "shield",
    "sliders",
    "star",
    "suitcase",
    "telephone",
    "truck",
    "umbrella",
    "video_camera",
    "watch",
    "zap",
];

/// `Resource.RoomQuotaGreaterPortalError` (`web/ASC.Web.Core/PublicResources/Resource.resx`
/// L1125-1126).
const ROOM_QUOTA_GREATER_PORTAL: &str =
    "Failed to set quota per room. The entered value is greater than the total DocSpace storage.";

/// The settings in a create or update body, already checked by model validation.
#[derive(Clone)]
pub(crate) struct SettingsRequest {
    quota: Option<i64>,
    cover: Option<String>,
    watermark: Option<Map<String, Value>>,
    lifetime: Option<Map<String, Value>>,
    /// The simple settings the request sends (`rooms` stores them), for the write counts.
    simple: Vec<&'static str>,
}

impl SettingsRequest {
    pub(crate) fn read(body: &JsonBody) -> SettingsRequest {
        let int = |value: Option<&Value>| match value {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        SettingsRequest {
            quota: int(body.get("quota")),
            cover: body.get("cover").and_then(Value::as_str).map(ToOwned::to_owned),
            watermark: body.get("watermark").and_then(Value::as_object).cloned(),
            lifetime: body.get("lifetime").and_then(Value::as_object).cloned(),
            simple: ["color", "indexing", "denyDownload"]
                .into_iter()
                .filter(|name| body.get(name).is_some_and(|v| !v.is_null()))
                .collect(),
        }
    }

    /// Stores the settings of a create: the quota verbatim, `enabled` ignored (FSS L989-1047).
    pub(crate) fn apply_create(self, state: &mut State, id: u64, now: i64) {
        let fields = self.fields();
        let Some(room) = state.rooms.get_mut(&id) else { return };
        if let Some(quota) = self.quota {
            room.settings.quota = quota;
        }
        if let Some(cover) = self.cover.filter(|c| !c.is_empty()) {
            room.settings.cover = Some(cover);
        }
        if let Some(watermark) = &self.watermark {
            // Create keeps text, additions and rotate; image fields only with an image.
            let mut stored = Map::new();
            for name in ["additions", "text", "rotate"] {
                if let Some(value) = member(watermark, name).filter(|v| !v.is_null()) {
                    stored.insert(name.into(), value.clone());
                }
            }
            room.settings.watermark = Some(stored);
        }
        if let Some(lifetime) = &self.lifetime {
            room.settings.lifetime = Some(lifetime_of(lifetime, now));
        }
        count_writes(state, id, fields);
    }

    /// Stores the settings of an update: `lifetime` and `watermark` are rewritten whenever
    /// sent (the lifetime clock restarts), `{"enabled": false}` removes one, a quota below -1
    /// is the default (FSS L1169-1300).
    pub(crate) fn apply_update(self, state: &mut State, id: u64, now: i64) -> bool {
        let fields = self.fields();
        let Some(room) = state.rooms.get_mut(&id) else { return false };
        let before = serde_json::to_value(&room.settings).ok();
        if let Some(quota) = self.quota {
            room.settings.quota = if quota >= -1 { quota } else { DEFAULT_QUOTA };
        }
        if let Some(cover) = self.cover {
            room.settings.cover = (!cover.is_empty()).then_some(cover);
        }
        if let Some(watermark) = self.watermark {
            room.settings.watermark = enabled(&watermark).then(|| {
                let mut stored = watermark.clone();
                stored.retain(|k, v| !k.eq_ignore_ascii_case("enabled") && !v.is_null());
                stored
            });
        }
        if let Some(lifetime) = self.lifetime {
            room.settings.lifetime = enabled(&lifetime).then(|| lifetime_of(&lifetime, now));
        }
        let changed = serde_json::to_value(&room.settings).ok() != before;
        count_writes(state, id, fields);
        changed
    }

    /// The 400 of an unknown cover (`RoomLogoManager.ValidateRoomCover`, L357-364: an
    /// `ArgumentException` for `icon`), checked only when it differs from `stored`
    /// (`CoverChanged`, L477-490) and, on update, only once the room was found, may be edited
    /// and is not archived (`FileStorageService.cs` L1196-1216 come before
    /// `FolderDao.UpdateFolderAsync` L1288-1294). `""` clears the cover.
    pub(crate) fn check_cover(&self, stored: Option<&str>) -> Result<(), ApiError> {
        match self.cover.as_deref() {
            Some(cover)
                if !cover.is_empty() && Some(cover) != stored && !COVERS.contains(&cover) =>
            {
                Err(ApiError::argument(
                    "Value does not fall within the expected range. (Parameter 'icon')",
                ))
            }
            _ => Ok(()),
        }
    }

    /// The 403 of a quota above the tariff's total storage (`FileStorageService.cs` L1169-1179
    /// on update, before the room is looked up; L958-966 on create, after the permission
    /// checks) and, on update only, above a self-hosted portal's storage quota (L1181-1191: a
    /// portal where it can be set is a Standalone one). Strictly greater: an equal quota passes,
    /// and -1 and -2 never trip it.
    pub(crate) fn check_storage(&self, state: &State, creating: bool) -> Result<(), ApiError> {
        let bytes =
            |limit: Option<u64>| limit.map_or(i64::MAX, |b| i64::try_from(b).unwrap_or(i64::MAX));
        let mut limit = bytes(state.max_total_size);
        if !creating {
            limit = limit.min(bytes(state.tenant_quota));
        }
        match self.quota {
            Some(quota) if quota > limit => {
                Err(ApiError::invalid_operation(ROOM_QUOTA_GREATER_PORTAL))
            }
            _ => Ok(()),
        }
    }

    fn fields(&self) -> Vec<&'static str> {
        [
            ("quota", self.quota.is_some()),
            ("cover", self.cover.is_some()),
            ("watermark", self.watermark.is_some()),
            ("lifetime", self.lifetime.is_some()),
        ]
        .into_iter()
        .filter(|(_, sent)| *sent)
        .map(|(name, _)| name)
        .chain(self.simple.iter().copied())
        .collect()
    }
}

fn enabled(object: &Map<String, Value>) -> bool {
    member(object, "enabled") != Some(&Value::Bool(false))
}

fn lifetime_of(object: &Map<String, Value>, now: i64) -> StoredLifetime {
    let int = |name: &str| member(object, name).and_then(Value::as_i64).unwrap_or(0);
    StoredLifetime {
        delete_permanently: member(object, "deletePermanently")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        period: int("period"),
        value: int("value"),
        start: now,
    }
}

fn count_writes(state: &mut State, id: u64, fields: Vec<&'static str>) {
    let counts = state.settings_writes.entry(id).or_default();
    for field in fields {
        *counts.entry(field.to_owned()).or_default() += 1;
    }
}

/// The settings fields of a room's `FolderDto`, in the order a portal sends them: `lifetime`
/// and `watermark` (absent when unset, no `enabled`), and the usage fields as `FolderDto.cs`
/// L335-351 shows them on a tariff with statistics (the emulator's): `usedSpace` when the caller
/// may edit the room or create in it (`edits`), or delete it from the archive (`deletes`),
/// whatever the room quota switch says; `quotaLimit` and `isCustomQuota` besides only while room
/// quota is on and the room is not archived. Typed: a room list shows them for every room.
pub(crate) struct RoomFields {
    pub(crate) used_space: Option<u64>,
    pub(crate) quota_limit: Option<i64>,
    pub(crate) is_custom_quota: Option<bool>,
    pub(crate) lifetime: Option<Value>,
    pub(crate) watermark: Option<Value>,
}

pub(crate) fn room_fields(state: &State, room: &Room, edits: bool, deletes: bool) -> RoomFields {
    let mut fields = RoomFields {
        used_space: None,
        quota_limit: None,
        is_custom_quota: None,
        lifetime: None,
        watermark: None,
    };
    let stored = &room.settings;
    if edits || (room.archived && deletes) {
        // No file has a size here.
        fields.used_space = Some(0);
        if state.room_quota.enable_quota && !room.archived {
            let custom = stored.quota > DEFAULT_QUOTA;
            fields.quota_limit =
                Some(if custom { stored.quota } else { state.room_quota.default_quota });
            fields.is_custom_quota = Some(custom);
        }
    }
    if let Some(lifetime) = &stored.lifetime {
        fields.lifetime = Some(json!({
            "deletePermanently": lifetime.delete_permanently,
            "period": lifetime.period,
            "value": lifetime.value,
        }));
    }
    if let Some(watermark) = &stored.watermark {
        let mut shown = Map::new();
        let get = |name: &str| member(watermark, name).cloned();
        shown.insert("additions".into(), get("additions").unwrap_or(json!(0)));
        if let Some(text) = get("text").filter(|t| t.as_str().is_some_and(|t| !t.is_empty())) {
            shown.insert("text".into(), text);
        }
        shown.insert("rotate".into(), get("rotate").unwrap_or(json!(0)));
        shown.insert("imageScale".into(), get("imageScale").unwrap_or(json!(0)));
        if let Some(url) = get("imageUrl") {
            shown.insert("imageUrl".into(), url);
        }
        shown.insert("imageHeight".into(), get("imageHeight").unwrap_or(json!(0.0)));
        shown.insert("imageWidth".into(), get("imageWidth").unwrap_or(json!(0.0)));
        fields.watermark = Some(Value::Object(shown));
    }
    fields
}

/// A room's `logo`: the custom logo's URLs, or empty URLs with the colour and the cover. Typed:
/// a room list shows one for every room.
#[derive(Serialize)]
pub(crate) struct Logo<'a> {
    original: String,
    large: String,
    medium: String,
    small: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cover: Option<Cover<'a>>,
}

#[derive(Serialize)]
struct Cover<'a> {
    id: &'a str,
    data: String,
}

pub(crate) fn logo(room: &Room) -> Logo<'_> {
    if room.settings.custom_logo {
        let url = |size: &str| format!("/storage/room_logos/root/{}_{size}.png", room.id);
        return Logo {
            original: url("orig"),
            large: url("large"),
            medium: url("medium"),
            small: url("small"),
            color: None,
            cover: None,
        };
    }
    Logo {
        original: String::new(),
        large: String::new(),
        medium: String::new(),
        small: String::new(),
        color: Some(&room.color),
        cover: room.settings.cover.as_deref().map(|id| Cover { id, data: cover_svg(id) }),
    }
}

fn cover_svg(id: &str) -> String {
    format!("<svg xmlns=\"http://www.w3.org/2000/svg\" data-cover=\"{id}\"/>")
}

/// `GET /api/2.0/files/rooms/covers` (`VirtualRoomsController.cs` L760-772): guests are
/// refused; a streamed list, so the envelope's `count` is 1.
pub(crate) async fn covers(ctx: Ctx) -> Response {
    let result = ctx.require_user().and_then(|user| {
        if user.is_visitor {
            return Err(ApiError::access_denied());
        }
        Ok(Success::one(Value::Array(
            COVERS.iter().map(|id| json!({"id": id, "data": cover_svg(id)})).collect(),
        )))
    });
    ctx.respond(result)
}

/// `GET /api/2.0/portal/payment/quota` (`web/ASC.Web.Api/Api/PaymentsController.cs` L590-599,
/// `QuotaHelper.cs` L122-214): guests are refused; `features` holds the tariff's total storage
/// as `total_size` (bytes, -1 when unlimited), and `roomsQuota` and `tenantCustomQuota` (the
/// portal's storage quota: `TenantQuotaSettings`, L146-159) are there as on a portal whose
/// tariff has statistics, or a self-hosted one.
pub(crate) async fn payment_quota(ctx: Ctx) -> Response {
    let result: Result<Success, ApiError> = ctx.require_user().and_then(|user| {
        if user.is_visitor {
            return Err(ApiError::access_denied());
        }
        let (quota, total, custom) = ctx
            .shared
            .read(|state| (state.room_quota.clone(), state.max_total_size, state.tenant_quota));
        let total = total.map_or(-1, |bytes| i64::try_from(bytes).unwrap_or(i64::MAX));
        Ok(Success::one(json!({
            "id": -1,
            "title": "emulator",
            "nonProfit": false,
            "free": false,
            "trial": false,
            "features": [{
                "id": "total_size",
                "title": "Storage",
                "type": "size",
                "value": total,
                "used": {"value": 0, "title": "Storage used"},
            }],
            "roomsQuota": {
                "enableQuota": quota.enable_quota,
                "defaultQuota": quota.default_quota,
                "lastRecalculateDate": "0001-01-01T00:00:00.0000000Z",
            },
            "tenantCustomQuota": {
                "enableQuota": custom.is_some(),
                "quota": custom.map_or(-1, |bytes| i64::try_from(bytes).unwrap_or(i64::MAX)),
                "lastRecalculateDate": "0001-01-01T00:00:00.0000000Z",
            },
        })))
    });
    ctx.respond(result)
}
