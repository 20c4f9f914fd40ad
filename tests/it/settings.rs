//! Room settings end to end against the emulator: each setting set, changed and removed; a data
//! room created with all of them; no write at all on a second apply (an unchanged lifetime is
//! never re-sent, or its clock would restart); the refusals (room quota off, an archived room,
//! a custom logo, an unknown cover, a destructive lifetime, a stale saved plan); `export` then
//! `plan` changes nothing.

use crate::common::{TestPortal, stderr, stdout};
use docspace_rooms::docspace::RoomType;
use serde_json::{Value, json};

/// A portal with room quota on (default 100 MiB) and a data room `Deal`.
fn portal() -> (TestPortal, u64) {
    let portal = TestPortal::start();
    portal.emulator.set_room_quota(true, 100 << 20);
    let id = portal.seed("Deal", RoomType::VirtualData, false, &[]);
    (portal, id)
}

/// The room as `GET /api/2.0/files/rooms/{id}` shows it.
fn room(portal: &TestPortal, id: u64) -> Value {
    portal.room(id).response().clone()
}

const DEAL: &str = "rooms:\n  - title: Deal\n    type: virtual-data\n";

const ALL: &str = "    quota: 10 GB\n    deny_download: true\n    indexing: true\n    color: 4c9aff\n    cover: suitcase\n    watermark:\n      text: Confidential\n      show: [user-name, date]\n      rotate: -45\n    lifetime:\n      older_than: 90 days\n";

fn apply(portal: &TestPortal, args: &[&str]) -> std::process::Output {
    let mut all = vec!["apply", "--auto-approve"];
    all.extend_from_slice(args);
    portal.cmd(&all).output().unwrap()
}

fn plans_nothing(portal: &TestPortal) {
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("No changes"), "{}", stdout(&output));
}

#[test]
fn each_setting_is_set_changed_and_removed() {
    let (portal, id) = portal();
    portal.manifest(&format!("{DEAL}{ALL}"));
    let output = portal.cmd(&["plan"]).output().unwrap();
    let text = stdout(&output);
    assert!(text.contains("quota default → 10 GB"), "{text}");
    assert!(
        text.contains("watermark none → \"Confidential\" with user name and date, rotated -45°"),
        "{text}"
    );
    assert!(text.contains("lifetime none → files older than 90 days go to the trash"), "{text}");
    assert!(portal.writes().is_empty(), "plan reads covers and the quota switch, writes nothing");
    // A first lifetime on a room with files: it may remove some.
    let output = apply(&portal, &["--allow-delete"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let shown = room(&portal, id);
    assert_eq!(shown["quotaLimit"], 10_000_000_000_i64);
    assert_eq!(shown["isCustomQuota"], true);
    assert_eq!(shown["denyDownload"], true);
    assert_eq!(shown["indexing"], true);
    assert_eq!(shown["logo"]["color"], "4C9AFF");
    assert_eq!(shown["logo"]["cover"]["id"], "suitcase");
    assert_eq!(shown["watermark"]["text"], "Confidential");
    assert_eq!(shown["watermark"]["additions"], 9);
    assert_eq!(shown["watermark"]["rotate"], -45);
    assert_eq!(shown["lifetime"], json!({"deletePermanently": false, "period": 0, "value": 90}));
    plans_nothing(&portal);

    // One update per room, with only the changed settings.
    let before = portal.writes().len();
    portal.manifest(&format!(
        "{DEAL}    quota: 2 GiB\n    deny_download: true\n    cover: anchor\n    watermark:\n      text: Secret\n    lifetime:\n      older_than: 1 year\n"
    ));
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(portal.writes()[before..], [format!("PUT /api/2.0/files/rooms/{id}")]);
    let shown = room(&portal, id);
    assert_eq!(shown["quotaLimit"], 2_147_483_648_i64);
    assert_eq!(shown["logo"]["cover"]["id"], "anchor");
    assert_eq!(
        shown["watermark"],
        json!({"additions": 0, "text": "Secret", "rotate": 0, "imageScale": 0, "imageHeight": 0.0, "imageWidth": 0.0})
    );
    assert_eq!(shown["lifetime"]["period"], 2);
    assert_eq!(portal.emulator.settings_writes(id, "denyDownload"), 1, "unchanged, not re-sent");
    plans_nothing(&portal);

    portal.manifest(&format!(
        "{DEAL}    quota: default\n    cover: none\n    watermark: off\n    lifetime: off\n    deny_download: false\n"
    ));
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let shown = room(&portal, id);
    assert_eq!(shown["isCustomQuota"], false);
    assert_eq!(shown["quotaLimit"], 100 << 20);
    assert_eq!(shown["denyDownload"], false);
    for absent in ["watermark", "lifetime"] {
        assert!(shown.get(absent).is_none(), "{absent}: {shown}");
    }
    assert!(shown["logo"].get("cover").is_none(), "{shown}");
    plans_nothing(&portal);
}

#[test]
fn a_data_room_is_created_with_every_setting_and_a_second_apply_writes_nothing() {
    let portal = TestPortal::start();
    portal.emulator.set_room_quota(true, 0);
    portal.manifest(&format!("{DEAL}{ALL}"));
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rooms = portal.emulator.rooms();
    let id = rooms[0].id;
    // Created, then every setting in one follow-up update.
    assert_eq!(
        portal.writes(),
        ["POST /api/2.0/files/rooms".to_owned(), format!("PUT /api/2.0/files/rooms/{id}")]
    );
    let shown = room(&portal, id);
    assert_eq!(shown["watermark"]["text"], "Confidential");
    assert_eq!(shown["quotaLimit"], 10_000_000_000_i64);
    let started = portal.emulator.lifetime_started(id).expect("a lifetime");

    let writes = portal.writes().len();
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(portal.writes().len(), writes, "a second apply sends no write");
    assert_eq!(portal.emulator.settings_writes(id, "lifetime"), 1);
    assert_eq!(portal.emulator.lifetime_started(id), Some(started), "the lifetime clock runs on");
    plans_nothing(&portal);
}

#[test]
fn a_quota_while_room_quota_is_off_fails_before_any_write() {
    let portal = TestPortal::start();
    portal.seed("Deal", RoomType::VirtualData, false, &[]);
    portal.manifest(&format!("{DEAL}    quota: 1 GB\n    deny_download: true\n"));
    let output = apply(&portal, &[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("room `Deal` declares `quota`"), "{text}");
    assert!(text.contains("Settings → Storage management"), "{text}");
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());
}

#[test]
fn a_quota_above_the_portals_total_storage_is_refused_by_plan_naming_the_room_and_the_total() {
    let (portal, id) = portal();
    portal.emulator.set_max_total_size(Some(1 << 30));
    portal.manifest(&format!("{DEAL}    quota: 2 GiB\n"));
    let plan = portal.cmd(&["plan"]).output().unwrap();
    assert_eq!(plan.status.code(), Some(1), "{}", stdout(&plan));
    assert!(
        stderr(&plan).contains(
            "room `Deal`: `quota` 2 GiB is more than the portal's total storage of 1 GiB"
        ),
        "{}",
        stderr(&plan)
    );
    let output = apply(&portal, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());
    // Within the total, it applies.
    portal.manifest(&format!("{DEAL}    quota: 1 GiB\n"));
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(room(&portal, id)["quotaLimit"], 1 << 30);
}

/// `FileStorageService.cs` L1169-1179: a quota above the tariff's `MaxTotalSize` is a 403
/// before the room is looked up; L958-966 on create. `QuotaHelper.cs` L210-214: `total_size`
/// is -1 when unlimited. `PaymentsController.cs` L590-599: guests are refused.
#[test]
fn emulator_refuses_a_room_quota_above_the_total_storage_before_looking_the_room_up() {
    let (portal, id) = portal();
    let total = |portal: &TestPortal| {
        let quota = portal.get("portal/payment/quota");
        let features = quota.response()["features"].as_array().unwrap().clone();
        let size = features.iter().find(|f| f["id"] == "total_size").unwrap().clone();
        assert_eq!(size["type"], "size");
        size["value"].clone()
    };
    assert_eq!(total(&portal), json!(-1), "unlimited");
    portal.emulator.set_max_total_size(Some(1000));
    assert_eq!(total(&portal), json!(1000));
    let message = "Failed to set quota per room. The entered value is greater than the total DocSpace storage.";
    let archived = portal.seed("Old", RoomType::Custom, true, &[]);
    for target in [id, archived, 999_999] {
        let reply = portal.put(&format!("files/rooms/{target}"), json!({"quota": 1001}));
        assert_eq!((reply.status, reply.error_message()), (403, message), "{target}");
    }
    for fits in [1000, -1, -2] {
        assert_eq!(portal.put(&format!("files/rooms/{id}"), json!({"quota": fits})).status, 200);
    }
    let create = portal.post("files/rooms", json!({"title": "Big", "roomType": 6, "quota": 1001}));
    assert_eq!((create.status, create.error_message()), (403, message));
    assert!(portal.emulator.rooms().iter().all(|r| r.title != "Big"));
    portal.emulator.add_person(docspace_rooms::emulator::PersonSeed {
        is_visitor: true,
        ..docspace_rooms::emulator::PersonSeed::new("gus@example.com", "Gus")
    });
    let guest = format!("Bearer {}", portal.login("gus@example.com"));
    let refused =
        portal.call("GET", "portal/payment/quota", crate::common::Auth::Header(&guest), None);
    assert_eq!((refused.status, refused.error_message()), (403, "Access denied"));
}

/// A self-hosted portal's admin may set a storage quota for the whole portal
/// (`SettingsController.SetTenantQuotaSettings`, server `web/ASC.Web.Api/Api/Settings/`
/// L536-556: Standalone only), and a room quota above it is a 403 on update
/// (`FileStorageService.cs` L1181-1191) while the tariff's total is usually unlimited there.
#[test]
fn a_quota_above_a_self_hosted_portal_s_storage_quota_is_refused_by_plan_naming_that_limit() {
    let (portal, id) = portal();
    portal.emulator.set_tenant_quota(Some(1 << 30));
    portal.manifest(&format!("{DEAL}    quota: 2 GiB\n"));
    let output = apply(&portal, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stderr(&output).contains(
            "room `Deal`: `quota` 2 GiB is more than the storage quota of 1 GiB that the portal's admin set for the whole portal (`tenantCustomQuota`), and the portal refuses a room quota above it"
        ),
        "{}",
        stderr(&output)
    );
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());
    // The smaller limit is the one named: a tariff below the portal's quota.
    portal.emulator.set_max_total_size(Some(1 << 29));
    let plan = portal.cmd(&["plan"]).output().unwrap();
    assert!(
        stderr(&plan).contains("more than the portal's total storage of 512 MiB"),
        "{}",
        stderr(&plan)
    );
    // Within both, it applies.
    portal.emulator.set_max_total_size(None);
    portal.manifest(&format!("{DEAL}    quota: 1 GiB\n"));
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(room(&portal, id)["quotaLimit"], 1 << 30);
}

/// `QuotaHelper.cs` L146-159 (server `web/ASC.Web.Api/Core/`): `tenantCustomQuota` is the
/// portal's `TenantQuotaSettings` (`common/ASC.Core.Common/Tenants/TenantQuotaSettings.cs`:
/// `enableQuota`, `quota`, -1 when off). `FileStorageService.cs` L1181-1191: on update, a quota
/// above it is the same 403 as above the tariff's total, before the room is looked up; a create
/// checks only the tariff's (L958-966).
#[test]
fn emulator_refuses_a_room_quota_above_the_portal_s_storage_quota_on_update() {
    let (portal, id) = portal();
    let custom = |portal: &TestPortal| {
        portal.get("portal/payment/quota").response()["tenantCustomQuota"].clone()
    };
    assert_eq!(
        (custom(&portal)["enableQuota"].clone(), custom(&portal)["quota"].clone()),
        (json!(false), json!(-1))
    );
    portal.emulator.set_tenant_quota(Some(1000));
    assert_eq!(
        (custom(&portal)["enableQuota"].clone(), custom(&portal)["quota"].clone()),
        (json!(true), json!(1000))
    );
    let message = "Failed to set quota per room. The entered value is greater than the total DocSpace storage.";
    for target in [id, 999_999] {
        let reply = portal.put(&format!("files/rooms/{target}"), json!({"quota": 1001}));
        assert_eq!((reply.status, reply.error_message()), (403, message), "{target}");
    }
    for fits in [1000, -1, -2] {
        assert_eq!(portal.put(&format!("files/rooms/{id}"), json!({"quota": fits})).status, 200);
    }
    let create = portal.post("files/rooms", json!({"title": "Big", "roomType": 6, "quota": 1001}));
    assert_eq!(create.status, 200, "{}", create.text);
}

#[test]
fn settings_on_a_room_declared_archived_are_refused() {
    let (portal, _) = portal();
    portal.seed("Vault", RoomType::VirtualData, true, &[]);
    portal.manifest(
        "rooms:\n  - title: Vault\n    state: archived\n    lifetime:\n      older_than: 30 days\n",
    );
    let output = apply(&portal, &[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("rooms.yaml:2: room `Vault` is declared `archived` and sets `lifetime`"),
        "{text}"
    );
    assert!(portal.writes().is_empty());
}

#[test]
fn an_archived_room_made_active_gets_its_lifetime_back() {
    let (portal, id) = portal();
    portal.manifest(&format!("{DEAL}    lifetime:\n      older_than: 30 days\n"));
    assert!(apply(&portal, &["--allow-delete"]).status.success());
    // Someone archives the room: that erases its lifetime.
    assert_eq!(
        portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": true})).status,
        200
    );
    assert!(portal.emulator.lifetime_started(id).is_none());
    let output = apply(&portal, &["--allow-delete"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(room(&portal, id)["lifetime"]["value"], 30);
    assert_eq!(room(&portal, id)["rootFolderType"], 14);
}

#[test]
fn a_room_with_a_custom_logo_refuses_a_colour() {
    let (portal, id) = portal();
    assert!(portal.emulator.set_custom_logo(id, true));
    portal.manifest(&format!("{DEAL}    color: AABBCC\n"));
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("room `Deal` has a custom logo"), "{}", stderr(&output));
    // Its other settings are still managed.
    portal.manifest(&format!("{DEAL}    indexing: true\n"));
    assert!(apply(&portal, &[]).status.success());
    assert_eq!(room(&portal, id)["indexing"], true);
}

#[test]
fn an_unknown_cover_is_refused_with_the_closest() {
    let (portal, _) = portal();
    portal.manifest(&format!("{DEAL}    cover: suitcas\n"));
    let output = apply(&portal, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no cover `suitcas`; did you mean `suitcase`?"),
        "{}",
        stderr(&output)
    );
    assert!(portal.writes().is_empty());
}

#[test]
fn any_cover_of_the_servers_catalogue_applies_the_one_with_a_space_included() {
    let (portal, id) = portal();
    portal.manifest(&format!("{DEAL}    cover: check mark\n"));
    let output = apply(&portal, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(room(&portal, id)["logo"]["cover"]["id"], "check mark");
    plans_nothing(&portal);
    // A close miss names it.
    portal.manifest(&format!("{DEAL}    cover: checkmark\n"));
    let output = apply(&portal, &[]);
    assert!(stderr(&output).contains("did you mean `check mark`?"), "{}", stderr(&output));
}

#[test]
fn a_permanent_lifetime_needs_allow_delete() {
    let (portal, id) = portal();
    portal.manifest(&format!(
        "{DEAL}    lifetime:\n      older_than: 1 year\n      action: delete\n"
    ));
    let plan = stdout(&portal.cmd(&["plan"]).output().unwrap());
    assert!(
        plan.contains("- lifetime none → files older than 1 year are deleted permanently"),
        "{plan}"
    );
    let output = apply(&portal, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("pass `--allow-delete`"), "{}", stderr(&output));
    assert!(portal.writes().is_empty());
    assert!(apply(&portal, &["--allow-delete"]).status.success());
    assert_eq!(room(&portal, id)["lifetime"]["deletePermanently"], true);
}

#[test]
fn a_saved_plan_is_refused_when_a_setting_it_changes_changed_since() {
    let (portal, id) = portal();
    portal.manifest(&format!("{DEAL}    watermark:\n      text: Mine\n"));
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    let path = format!("files/rooms/{id}");
    assert_eq!(
        portal.put(&path, json!({"watermark": {"enabled": true, "text": "Theirs"}})).status,
        200
    );
    let writes = portal.writes().len();
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("`watermark` changed from none to \"Theirs\""), "{text}");
    assert_eq!(portal.writes().len(), writes);
}

#[test]
fn export_writes_the_settings_and_plan_then_changes_nothing() {
    let (portal, id) = portal();
    portal.manifest(&format!("{DEAL}{ALL}"));
    assert!(apply(&portal, &["--allow-delete"]).status.success());
    // The export replaces the hand-written manifest: only with `--force`.
    let output = portal.cmd(&["export", "-o", "rooms.yaml", "--force"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let yaml = std::fs::read_to_string(portal.dir.path().join("rooms.yaml")).unwrap();
    for line in [
        "quota: 10 GB",
        "deny_download: true",
        "indexing: true",
        "cover: suitcase",
        "text: Confidential",
        "older_than: 90 days",
    ] {
        assert!(yaml.contains(line), "{line}: {yaml}");
    }
    assert!(!yaml.contains("color:"), "the random colour is not exported: {yaml}");
    let writes = portal.writes().len();
    plans_nothing(&portal);
    assert!(apply(&portal, &[]).status.success());
    assert_eq!(portal.writes().len(), writes);
    assert_eq!(room(&portal, id)["lifetime"]["value"], 90);
}

#[test]
fn a_manifest_without_settings_reads_and_writes_none() {
    let (portal, id) = portal();
    let path = format!("files/rooms/{id}");
    assert_eq!(portal.put(&path, json!({"watermark": {"text": "Kept"}, "quota": 5})).status, 200);
    portal.manifest("rooms:\n  - title: Deal\n    tags: [x]\n");
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(!stdout(&output).contains("watermark"), "{}", stdout(&output));
    assert!(apply(&portal, &[]).status.success());
    let requests: Vec<String> = portal.emulator.requests().into_iter().map(|r| r.path).collect();
    assert!(
        !requests.iter().any(|p| p.contains("payment/quota") || p.contains("covers")),
        "{requests:?}"
    );
    assert_eq!(room(&portal, id)["watermark"]["text"], "Kept");
    assert_eq!(room(&portal, id)["quotaLimit"], 5);
}

#[test]
fn emulator_quota_shows_only_while_room_quota_is_on_and_never_in_the_create_response() {
    let portal = TestPortal::start();
    let body = json!({"title": "Q", "roomType": 8, "quota": 10_485_760});
    let created = portal.post("files/rooms", body.clone());
    assert_eq!(created.status, 200);
    let id = created.response()["id"].as_u64().unwrap();
    assert!(room(&portal, id).get("quotaLimit").is_none(), "room quota is off");
    portal.emulator.set_room_quota(true, 1000);
    let created = portal.post("files/rooms", body).response().clone();
    assert!(created.get("quotaLimit").is_none(), "{created}");
    let other = created["id"].as_u64().unwrap();
    assert_eq!(room(&portal, other)["quotaLimit"], 10_485_760);
    // Stored while off, shown once on; a quota below -1 on update is the default.
    assert_eq!(room(&portal, id)["isCustomQuota"], true);
    let path = format!("files/rooms/{id}");
    assert_eq!(portal.put(&path, json!({"quota": -100})).status, 200);
    assert_eq!(room(&portal, id)["isCustomQuota"], false);
    assert_eq!(room(&portal, id)["quotaLimit"], 1000);
    let list = portal.get("files/rooms?searchArea=Any");
    assert!(
        list.response()["folders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("quotaLimit").is_some())
    );
    assert_eq!(portal.put(&format!("{path}/archive"), json!({"deleteAfter": true})).status, 200);
    assert!(room(&portal, id).get("quotaLimit").is_none(), "not for an archived room");
    let quota = portal.get("portal/payment/quota");
    assert_eq!(quota.status, 200);
    assert_eq!(quota.response()["roomsQuota"]["enableQuota"], true);
    assert_eq!(quota.response()["roomsQuota"]["defaultQuota"], 1000);
}

#[test]
fn emulator_watermark_and_lifetime_are_replaced_whole_and_rewritten_on_every_write() {
    let portal = TestPortal::start();
    let id = portal.seed("W", RoomType::VirtualData, false, &[]);
    let path = format!("files/rooms/{id}");
    let watermark = json!({"enabled": true, "additions": 3, "text": "A", "rotate": -45});
    let lifetime = json!({"enabled": true, "deletePermanently": false, "period": 1, "value": 6});
    let both = json!({"watermark": watermark, "lifetime": lifetime});
    assert_eq!(portal.put(&path, both.clone()).status, 200);
    let shown = room(&portal, id);
    assert_eq!(shown["lifetime"], json!({"deletePermanently": false, "period": 1, "value": 6}));
    assert!(
        shown["watermark"].get("enabled").is_none() && shown["lifetime"].get("enabled").is_none()
    );
    assert_eq!(portal.put(&path, both).status, 200);
    assert_eq!(
        portal.emulator.settings_writes(id, "lifetime"),
        2,
        "the same lifetime written again"
    );
    // A partial object replaces the whole one.
    assert_eq!(portal.put(&path, json!({"watermark": {"text": "B"}})).status, 200);
    assert_eq!(room(&portal, id)["watermark"]["additions"], 0);
    assert_eq!(room(&portal, id)["watermark"]["rotate"], 0);
    let off = json!({"watermark": {"enabled": false}, "lifetime": {"enabled": false}});
    assert_eq!(portal.put(&path, off).status, 200);
    let shown = room(&portal, id);
    assert!(shown.get("watermark").is_none() && shown.get("lifetime").is_none(), "{shown}");
    // A create ignores `enabled`: the portal applies any watermark or lifetime object it gets.
    let body = json!({"title": "N", "roomType": 8, "watermark": {"enabled": false, "text": "Still"}, "lifetime": {"enabled": false, "value": 3, "period": 0}});
    let created = portal.post("files/rooms", body);
    assert_eq!(created.status, 200);
    assert_eq!(created.response()["watermark"]["text"], "Still");
    assert_eq!(created.response()["lifetime"]["value"], 3);
    // Model validation.
    for bad in [
        json!({"lifetime": {"value": -5, "period": 0}}),
        json!({"lifetime": {"value": 5, "period": 999}}),
    ] {
        assert_eq!(portal.put(&path, bad).status, 400);
    }
}

#[test]
fn emulator_colour_is_checked_by_length_only_and_covers_by_the_list() {
    let portal = TestPortal::start();
    let id = portal.seed("C", RoomType::Custom, false, &[]);
    let path = format!("files/rooms/{id}");
    assert_eq!(portal.put(&path, json!({"color": "#FF5733"})).status, 400);
    assert_eq!(portal.put(&path, json!({"color": "ZZZZZZ"})).status, 200);
    assert_eq!(room(&portal, id)["logo"]["color"], "ZZZZZZ");
    assert_eq!(portal.put(&path, json!({"cover": "nope"})).status, 400);
    let covers = portal.get("files/rooms/covers");
    assert_eq!(covers.status, 200);
    let covers = covers.response();
    let first = covers[0]["id"].as_str().unwrap().to_owned();
    assert!(covers[0]["data"].as_str().unwrap().starts_with("<svg"));
    assert_eq!(portal.put(&path, json!({"cover": first})).status, 200);
    assert_eq!(room(&portal, id)["logo"]["cover"]["id"], first.as_str());
    portal.emulator.set_custom_logo(id, true);
    let logo = &room(&portal, id)["logo"];
    assert!(logo.get("color").is_none() && logo.get("cover").is_none(), "{logo}");
    assert!(!logo["original"].as_str().unwrap().is_empty());
}

/// `products/ASC.Files/Core/Covers/default/*.svg` (56 files, embedded by
/// `ASC.Files.Core.csproj` L156) and `VirtualRoomsController.cs` L760-772 (guests refused).
#[test]
fn emulator_serves_the_servers_56_covers_and_refuses_guests() {
    let portal = TestPortal::start();
    let covers = portal.get("files/rooms/covers");
    assert_eq!((covers.status, covers.json["count"].clone()), (200, json!(1)));
    let mut ids: Vec<&str> =
        covers.response().as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids.len(), 56);
    for id in ["anchor", "check mark", "lock_security", "video_camera", "zap"] {
        assert!(ids.contains(&id), "{id}: {ids:?}");
    }
    let id = portal.seed("C", RoomType::Custom, false, &[]);
    let set = portal.put(&format!("files/rooms/{id}"), json!({"cover": "check mark"}));
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(room(&portal, id)["logo"]["cover"]["id"], "check mark");
    portal.emulator.add_person(docspace_rooms::emulator::PersonSeed {
        is_visitor: true,
        ..docspace_rooms::emulator::PersonSeed::new("gus@example.com", "Gus")
    });
    let guest = format!("Bearer {}", portal.login("gus@example.com"));
    let refused =
        portal.call("GET", "files/rooms/covers", crate::common::Auth::Header(&guest), None);
    assert_eq!((refused.status, refused.error_message()), (403, "Access denied"));
}

/// An unknown cover is checked only after the room was found, may be edited and is not
/// archived (`FileStorageService.cs` L1196-1216 before `FolderDao.UpdateFolderAsync`
/// L1288-1294), and only when it differs from the stored one (`RoomLogoManager.cs` L477-490);
/// its 400 aborts the whole update (the save is at FDAO L1306-1308). On create it comes after
/// the permission checks (FSS L1012).
#[test]
fn emulator_checks_an_unknown_cover_after_the_room_and_saves_nothing_of_its_update() {
    let portal = TestPortal::start();
    let active = portal.seed("Active", RoomType::Custom, false, &[]);
    let archived = portal.seed("Archived", RoomType::Custom, true, &[]);
    let unknown = json!({"title": "Renamed", "cover": "nope"});
    let reply = portal.put(&format!("files/rooms/{active}"), unknown.clone());
    assert_eq!(
        (reply.status, reply.error_message()),
        (400, "Value does not fall within the expected range. (Parameter 'icon')")
    );
    assert_eq!(room(&portal, active)["title"], "Active", "nothing of it was saved");
    let reply = portal.put(&format!("files/rooms/{archived}"), unknown.clone());
    assert_eq!(
        (reply.status, reply.error_message()),
        (403, "You don't have permission to edit the room")
    );
    let reply = portal.put("files/rooms/999999", unknown);
    assert_eq!((reply.status, reply.error_message()), (403, "The required folder was not found"));
    let reply = portal.post("files/rooms", json!({"title": "New", "roomType": 6, "cover": "nope"}));
    assert_eq!(reply.status, 400, "{}", reply.text);
    // The stored cover sent again is not checked; "" clears it.
    assert_eq!(portal.put(&format!("files/rooms/{active}"), json!({"cover": "zap"})).status, 200);
    assert_eq!(portal.put(&format!("files/rooms/{active}"), json!({"cover": "zap"})).status, 200);
    assert_eq!(portal.put(&format!("files/rooms/{active}"), json!({"cover": ""})).status, 200);
    assert!(room(&portal, active)["logo"].get("cover").is_none());
}

/// `FolderDto.cs` L335-351 (a tariff with statistics): `usedSpace` for whoever may edit the room
/// or delete it from the archive, whatever the room quota switch; `quotaLimit` and
/// `isCustomQuota` only while room quota is on and the room is not archived.
#[test]
fn emulator_shows_used_space_to_editors_and_archive_deleters_and_the_quota_only_while_on() {
    let portal = TestPortal::start();
    let bob = portal
        .emulator
        .add_person(docspace_rooms::emulator::PersonSeed::new("bob@example.com", "Bob"));
    let active = portal.seed("Active", RoomType::Custom, false, &[]);
    let archived = portal.seed("Archived", RoomType::Custom, false, &[]);
    for id in [active, archived] {
        let body = json!({"invitations": [{"id": bob, "access": 2}], "notify": false});
        assert_eq!(portal.put(&format!("files/rooms/{id}/share"), body).status, 200);
    }
    let archive =
        portal.put(&format!("files/rooms/{archived}/archive"), json!({"deleteAfter": true}));
    assert_eq!(archive.status, 200);
    let fields = |shown: &Value| {
        ["usedSpace", "quotaLimit", "isCustomQuota"].map(|field| shown.get(field).is_some())
    };
    // Room quota off: the owner sees the usage of both rooms, and no quota.
    assert_eq!(fields(&room(&portal, active)), [true, false, false]);
    assert_eq!(fields(&room(&portal, archived)), [true, false, false]);
    portal.emulator.set_room_quota(true, 1000);
    assert_eq!(fields(&room(&portal, active)), [true, true, true]);
    assert_eq!(fields(&room(&portal, archived)), [true, false, false]);
    // A viewer sees neither.
    let auth = format!("Bearer {}", portal.login("bob@example.com"));
    for id in [active, archived] {
        let shown = portal.call(
            "GET",
            &format!("files/rooms/{id}"),
            crate::common::Auth::Header(&auth),
            None,
        );
        assert_eq!(fields(shown.response()), [false, false, false], "{}", shown.text);
    }
}

#[test]
fn emulator_seed_turns_room_quota_on() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"roomQuota": {"enableQuota": true, "defaultQuota": 5}, "maxTotalSize": 10737418240, "tenantCustomQuota": 5368709120}"#,
    )
    .unwrap();
    let config = docspace_rooms::emulator::EmulatorConfig {
        seed_file: Some(seed),
        ..docspace_rooms::emulator::EmulatorConfig::default()
    };
    let portal = TestPortal::with(config);
    let id = portal.seed("S", RoomType::Custom, false, &[]);
    assert_eq!(room(&portal, id)["quotaLimit"], 5);
    let quota = portal.get("portal/payment/quota");
    assert_eq!(quota.response()["features"][0]["value"], 10_737_418_240_u64);
    let custom = &quota.response()["tenantCustomQuota"];
    assert_eq!(
        (custom["enableQuota"].clone(), custom["quota"].clone()),
        (json!(true), json!(5_368_709_120_u64))
    );
}

/// A first lifetime on a room that has files trashes every file older than it, about 6 h after
/// the write (`CleanupLifetimeExpiredService.cs`): as destructive as a shorter one, so it needs `--allow-delete`.
/// A room the same plan creates has no files and needs no flag, whatever its lifetime.
#[test]
fn a_first_lifetime_on_an_existing_room_needs_allow_delete_a_new_room_does_not() {
    let (portal, id) = portal();
    portal.manifest(&format!("{DEAL}    lifetime:\n      older_than: 30 days\n"));
    let plan = stdout(&portal.cmd(&["plan"]).output().unwrap());
    assert!(plan.contains("- lifetime none → files older than 30 days go to the trash"), "{plan}");
    let output = apply(&portal, &[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("\"Deal\" (id "), "{text}");
    assert!(text.contains("pass `--allow-delete`"), "{text}");
    assert!(portal.writes().is_empty(), "{:?}", portal.writes());

    // A room created by the plan: no flag, even for permanent deletion.
    portal.manifest(&format!(
        "{DEAL}    lifetime:\n      older_than: 30 days\n  - title: Fresh\n    type: virtual-data\n    lifetime:\n      older_than: 1 day\n      action: delete\n"
    ));
    let plan = stdout(&portal.cmd(&["plan", "--target", "Fresh"]).output().unwrap());
    assert!(plan.contains("~ lifetime none → files older than 1 day are deleted"), "{plan}");
    let output = apply(&portal, &["--target", "Fresh"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(apply(&portal, &["--allow-delete"]).status.success());
    assert_eq!(room(&portal, id)["lifetime"]["value"], 30);
}

/// Archiving erases a lifetime and unarchiving does not restore it (`FileMoveCopyOperation.cs`, `FolderDao.cs`): the
/// room coming back has none, so setting it again is a first lifetime.
#[test]
fn a_lifetime_set_again_after_the_archive_needs_allow_delete() {
    let (portal, id) = portal();
    portal.manifest(&format!("{DEAL}    lifetime:\n      older_than: 30 days\n"));
    assert!(apply(&portal, &["--allow-delete"]).status.success());
    let archive = portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": true}));
    assert_eq!(archive.status, 200);
    let writes = portal.writes().len();
    let output = apply(&portal, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("pass `--allow-delete`"), "{}", stderr(&output));
    assert_eq!(portal.writes().len(), writes, "nothing is sent, not even the unarchive");
}
