//! A room's external links as the server (v3.7.2) handles them: `FileStorageService.cs` (FSS),
//! `Utils/FileSharing.cs` (FSH), `ExternalShare.cs`, `PasswordSettings.cs` and the sharing
//! settings of `FilesSettings.cs`. (The basics, create, update and delete, are in `links.rs`.)

use super::*;
use docspace_rooms::emulator::{PasswordPolicy, SharingSettings};

/// `PUT …/links` with `body` (and `linkType` 1): status and response.
fn put_link(portal: &TestPortal, room: u64, mut body: Value) -> (u16, Value) {
    body["linkType"] = json!(1);
    let reply = portal.put(&format!("files/rooms/{room}/links"), body);
    (reply.status, reply.json.clone())
}

fn message(reply: &Value) -> &str {
    reply["error"]["message"].as_str().unwrap_or_default()
}

#[test]
fn a_link_s_url_is_a_signature_of_its_id_and_a_revoked_one_is_dead() {
    // ExternalShare.cs L51, L333-338; Signature.cs L44-50: same id, same key.
    let portal = TestPortal::start();
    let room = portal.seed("Press", RoomType::Public, false, &[]);
    let id = "6f1c0f0e-8a4b-4c55-9d1e-000000000001";
    let (status, link) = put_link(&portal, room, json!({"linkId": id, "title": "P", "access": 2}));
    assert_eq!(status, 200);
    let url = link["response"]["sharedLink"]["shareLink"].as_str().unwrap().to_owned();
    let key = link["response"]["sharedLink"]["requestToken"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("{}/rooms/share?key={key}", portal.emulator.url()));
    let open = |key: &str| {
        let reply = portal.call("GET", &format!("files/share/{key}"), Auth::Anonymous, None);
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.response()["status"].clone()
    };
    assert_eq!(open(&key), 0);
    assert_eq!(put_link(&portal, room, json!({"linkId": id, "access": 0})).0, 200);
    assert_eq!(open(&key), 1, "revoked");
    let (_, again) = put_link(&portal, room, json!({"linkId": id, "title": "P", "access": 2}));
    assert_eq!(again["response"]["sharedLink"]["requestToken"], key.as_str(), "same id, same key");
    assert_eq!(open(&key), 0, "a link made again under its id opens at its old URL");
    assert_eq!(open("bm90LWEta2V5"), 1, "a key that does not verify");
}

#[test]
fn a_link_without_a_title_is_a_shared_link_in_every_room_type() {
    // FSS L5757: `DefaultExternalLinkTitle` for every `PUT …/links`.
    let portal = TestPortal::start();
    let custom = portal.seed("Custom", RoomType::Custom, false, &[]);
    let (status, link) = put_link(&portal, custom, json!({"access": 2}));
    assert_eq!(status, 200, "{link}");
    assert_eq!(link["response"]["sharedLink"]["title"], "Shared link");
    let forms = portal.seed("Forms", RoomType::FormFilling, false, &[]);
    let primary = portal.emulator.links(forms)[0].clone();
    assert_eq!(primary.title, "Link to fill out", "the primary a form-filling room is born with");
    let (status, link) = put_link(&portal, forms, json!({"linkId": primary.id, "access": 7}));
    assert_eq!(status, 200, "{link}");
    assert_eq!(link["response"]["sharedLink"]["title"], "Shared link");
}

#[test]
fn an_expiry_more_than_ten_calendar_years_ahead_is_a_400() {
    // FSS L5759-5765: `DateTime.UtcNow.AddYears(10)`, `ArgumentException(null, "expirationDate")`.
    // 2028-02-29T00:00:00Z: ten years on is 2038-02-28.
    let portal = TestPortal::on_clock(Clock::manual_at(1_835_395_200));
    let room = portal.seed("Press", RoomType::Public, false, &[]);
    let at = |date: &str| json!({"title": "P", "access": 2, "expirationDate": date});
    let (status, ok) = put_link(&portal, room, at("2038-02-28T00:00:00Z"));
    assert_eq!(status, 200, "{ok}");
    let (status, refused) = put_link(&portal, room, at("2038-02-28T00:00:01Z"));
    assert_eq!(status, 400);
    assert_eq!(
        message(&refused),
        "Value does not fall within the expected range. (Parameter 'expirationDate')"
    );
}

#[test]
fn the_links_envelope_has_a_count_and_no_total() {
    // VirtualRoomsController.cs L639-660: `SetCount` only.
    let portal = TestPortal::start();
    let room = portal.seed("Press", RoomType::Public, false, &[]);
    let reply = portal.get(&format!("files/rooms/{room}/links"));
    assert_eq!(reply.json["count"], 1);
    assert_eq!(reply.json.get("total"), None, "{}", reply.text);
}

#[test]
fn a_password_is_trimmed_and_checked_against_the_portal_s_policy() {
    // VirtualRoomsController.cs L610 trims; FSH L243-252 → PasswordSettings.cs L128-202.
    let portal = TestPortal::start();
    let room = portal.seed("Press", RoomType::Public, false, &[]);
    let (status, link) =
        put_link(&portal, room, json!({"title": "A", "access": 2, "password": " long-enough\n"}));
    assert_eq!((status, &link["response"]["sharedLink"]["password"]), (200, &json!("long-enough")));
    let (_, blank) = put_link(&portal, room, json!({"title": "B", "access": 2, "password": "   "}));
    assert_eq!(blank["response"]["sharedLink"].get("password"), None, "whitespace is no password");
    for bad in ["short", "with a space", "pässwörter", &"x".repeat(31)] {
        let (status, refused) =
            put_link(&portal, room, json!({"title": "C", "access": 2, "password": bad}));
        assert_eq!(status, 400, "{bad}");
        assert_eq!(
            message(&refused),
            "Password must contain from 8 to 30 characters, only latin letters, no spaces"
        );
    }
    let (status, _) =
        put_link(&portal, room, json!({"title": "C", "access": 2, "password": "x".repeat(256)}));
    assert_eq!(status, 400, "model validation: more than 255 characters");
    portal.emulator.set_password_policy(PasswordPolicy {
        min_length: 10,
        upper_case: true,
        digits: true,
        spec_symbols: false,
        ascii_cut: false,
    });
    let reply = portal.get("settings/security/password");
    assert_eq!(reply.response()["minLength"], 10);
    assert_eq!(reply.response()["upperCase"], true);
    let (status, refused) =
        put_link(&portal, room, json!({"title": "C", "access": 2, "password": "long-enough"}));
    assert_eq!(status, 400);
    assert_eq!(
        message(&refused),
        "Password must contain from 10 to 30 characters, only latin letters, no spaces, capital letters, digits"
    );
}

#[test]
fn an_update_changing_internal_in_a_public_room_is_dropped_whole_and_silently() {
    // FSH L204-209: the whole ace is skipped; the stored link comes back with a 200.
    let portal = TestPortal::start();
    let room = portal.seed("Press", RoomType::Public, false, &[]);
    let (_, link) = put_link(&portal, room, json!({"title": "P", "access": 2}));
    let id = link["response"]["sharedLink"]["id"].as_str().unwrap().to_owned();
    let (status, same) = put_link(
        &portal,
        room,
        json!({"linkId": id, "title": "Renamed", "access": 6, "internal": true}),
    );
    assert_eq!(status, 200);
    assert_eq!(same["response"]["sharedLink"]["title"], "P", "nothing of it was applied");
    assert_eq!(portal.emulator.links(room)[1].access, 2);
    let (_, created) =
        put_link(&portal, room, json!({"title": "New", "access": 2, "internal": true}));
    assert_eq!(created["response"]["sharedLink"]["internal"], false, "a new one is forced public");
}

#[test]
fn sharing_settings_are_served_and_decide_links() {
    // FilesSettingsDto; FSS L846-850, L5967-5997, L6005-6032; ExternalShare.cs L372-387.
    let portal = TestPortal::start();
    let reply = portal.call("GET", "files/settings", Auth::Anonymous, None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()["externalShare"], true);
    assert_eq!(reply.response()["externalShareApplyToRooms"], true);
    assert_eq!(reply.response()["defaultShareLinkInternal"], false);
    portal.emulator.set_sharing(SharingSettings {
        external_share: true,
        external_share_apply_to_rooms: true,
        default_share_link_internal: true,
    });
    let forms = portal.seed("Forms", RoomType::FormFilling, false, &[]);
    assert!(
        portal.emulator.links(forms)[0].internal,
        "a new form-filling primary follows the default"
    );
    let custom = portal.seed("Custom", RoomType::Custom, false, &[]);
    let (_, link) = put_link(&portal, custom, json!({"title": "A", "access": 2}));
    assert_eq!(link["response"]["sharedLink"]["internal"], true, "no `linkId`: the default");
    portal.emulator.set_sharing(SharingSettings {
        external_share: false,
        external_share_apply_to_rooms: true,
        default_share_link_internal: true,
    });
    let public = portal.seed("Press", RoomType::Public, false, &[]);
    assert_eq!(put_link(&portal, public, json!({"title": "P", "access": 2})).0, 403);
    let primary = portal.emulator.links(public)[0].id.clone();
    assert_eq!(put_link(&portal, public, json!({"linkId": primary, "access": 0})).0, 403);
    let (status, link) =
        put_link(&portal, custom, json!({"linkId": uuid(), "title": "B", "access": 2}));
    assert_eq!((status, &link["response"]["sharedLink"]["internal"]), (200, &json!(true)));
}

fn uuid() -> String {
    "6f1c0f0e-8a4b-4c55-9d1e-0000000000aa".to_owned()
}

#[test]
fn an_unknown_link_removed_counts_as_a_create() {
    // FSH L132, L340-368: an unknown id is a create, so a full room refuses it.
    let portal = TestPortal::start();
    let forms = portal.seed("Forms", RoomType::FormFilling, false, &[]);
    let (status, _) = put_link(&portal, forms, json!({"linkId": uuid(), "access": 0}));
    assert_eq!(status, 403);
    let public = portal.seed("Press", RoomType::Public, false, &[]);
    assert_eq!(put_link(&portal, public, json!({"linkId": uuid(), "access": 0})).0, 200);
}

#[test]
fn the_seed_file_sets_the_sharing_settings_and_the_password_policy() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"filesSettings": {"externalShare": false, "defaultShareLinkInternal": true},
            "passwordSettings": {"minLength": 12, "digits": true}}"#,
    )
    .unwrap();
    let portal =
        TestPortal::with(EmulatorConfig { seed_file: Some(seed), ..EmulatorConfig::default() });
    let sharing = portal.get("files/settings");
    assert_eq!(sharing.response()["externalShare"], false);
    assert_eq!(sharing.response()["externalShareApplyToRooms"], true, "the default");
    assert_eq!(sharing.response()["defaultShareLinkInternal"], true);
    let password = portal.get("settings/security/password");
    assert_eq!(
        (password.response()["minLength"].clone(), password.response()["digits"].clone()),
        (json!(12), json!(true))
    );
    assert_eq!(password.response()["upperCase"], false);
    let anonymous = portal.call("GET", "settings/security/password", Auth::Anonymous, None);
    assert_eq!(anonymous.status, 401);
}

#[test]
fn a_far_expiry_is_refused_before_the_right_to_edit_is_checked() {
    // FSS L5759-5765 run before FSH L82-99 (`CanSetAccessAsync`): an archived room answers 400.
    let portal = TestPortal::on_clock(Clock::manual_at(1_835_395_200));
    let room = portal.seed("Old", RoomType::Public, true, &[]);
    let body = json!({"title": "P", "access": 2, "expirationDate": "2099-01-01T00:00:00Z"});
    assert_eq!(put_link(&portal, room, body).0, 400);
    let body = json!({"title": "P", "access": 2});
    assert_eq!(put_link(&portal, room, body).0, 403);
}

#[test]
fn a_link_write_in_a_room_type_without_external_links_is_a_role_not_available() {
    // FSH L178-184: `AvailableRoomAccesses` has no `ExternalLink` for these types, so every
    // access level is refused, `None` (a removal) included, with `ErrorMessage_RoleNotAvailable`.
    let portal = TestPortal::start();
    for room_type in [RoomType::Collaboration, RoomType::VirtualData] {
        let room = portal.seed(&format!("{room_type:?}"), room_type, false, &[]);
        for access in [2, 0] {
            let (status, reply) =
                put_link(&portal, room, json!({"linkId": uuid(), "title": "P", "access": access}));
            assert_eq!(status, 403, "{room_type:?} {access}: {reply}");
            assert_eq!(message(&reply), "The role is not available for this user type");
        }
        assert!(portal.emulator.links(room).is_empty());
    }
}
