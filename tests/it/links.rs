//! Shared links as code: a room's external links, end to end against the emulator.

use crate::common::{TestPortal, dated, stderr, stdout};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::EmulatedLink;
use serde_json::json;

const SECRET: &str = "press-kit-2030!";
const NEW_SECRET: &str = "rotated-pass-77";

/// A portal with the public room `Press Kit` (and its primary link).
fn press_portal() -> (TestPortal, u64) {
    let portal = TestPortal::start();
    let room = portal.seed("Press Kit", RoomType::Public, false, &[]);
    (portal, room)
}

fn additional(portal: &TestPortal, room: u64) -> Vec<EmulatedLink> {
    portal.emulator.links(room).into_iter().filter(|l| !l.primary).collect()
}

/// Adds a link as another administrator would.
fn add_link(portal: &TestPortal, room: u64, body: serde_json::Value) {
    let mut body = body;
    body["linkType"] = json!(1);
    assert_eq!(portal.put(&format!("files/rooms/{room}/links"), body).status, 200);
}

fn manifest_with(links: &str) -> String {
    format!("rooms:\n  - title: Press Kit\n    type: public\n    links:\n{links}")
}

const PRESS: &str = "      - name: Press\n        access: viewer\n        expires: 2030-03-31\n        password_env: LINK_PASSWORD_PRESS\n";

fn link_writes(portal: &TestPortal) -> usize {
    portal.writes().iter().filter(|w| w.ends_with("/links")).count()
}

#[test]
fn a_link_is_created_with_its_password_and_its_url_is_printed_then_nothing_is_planned() {
    let (portal, room) = press_portal();
    portal.manifest(&manifest_with(&dated(PRESS)));
    let output = portal.cmd(&["plan"]).env("LINK_PASSWORD_PRESS", SECRET).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let line =
        dated("+ link \"Press\" viewer, expires 2030-03-31, password from LINK_PASSWORD_PRESS");
    assert!(text.contains(&line), "{text}");
    assert!(!text.contains(SECRET));
    assert_eq!(portal.writes(), Vec::<String>::new(), "plan never writes");

    let output = portal
        .cmd(&["apply", "--auto-approve"])
        .env("LINK_PASSWORD_PRESS", SECRET)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    let links = additional(&portal, room);
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].title, "Press");
    assert_eq!(links[0].password.as_deref(), Some(SECRET));
    assert_eq!(links[0].expires, Some(dated("2030-03-31T23:59:59.0000000+00:00")));
    let text = stdout(&output);
    assert!(text.contains("New links:\n  \"Press\" in \"Press Kit\": http"), "{text}");

    let output = portal.cmd(&["plan"]).env("LINK_PASSWORD_PRESS", SECRET).output().unwrap();
    assert!(stdout(&output).contains("No changes"), "{}", stdout(&output));
    let before = link_writes(&portal);
    let output = portal
        .cmd(&["apply", "--auto-approve"])
        .env("LINK_PASSWORD_PRESS", SECRET)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(link_writes(&portal), before, "a second apply sends no link write");
}

#[test]
fn the_json_report_carries_the_new_link_s_url() {
    let (portal, room) = press_portal();
    portal.manifest(&manifest_with("      - name: Partners\n        access: reviewer\n"));
    let output = portal.cmd(&["apply", "--auto-approve", "--format", "json"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let url = report["outcomes"][0]["link_url"].as_str().unwrap();
    assert!(url.starts_with(&portal.emulator.url()), "{url}");
    assert_eq!(additional(&portal, room)[0].access, 5);
}

#[test]
fn a_changed_expiry_updates_the_same_link() {
    let (portal, room) = press_portal();
    add_link(
        &portal,
        room,
        json!({"title": "Press", "access": 2, "expirationDate": dated("2030-03-31T23:59:59Z")}),
    );
    let id = additional(&portal, room)[0].id.clone();
    portal.manifest(&manifest_with(&dated(
        "      - name: Press\n        access: viewer\n        expires: 2030-06-30\n",
    )));
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert!(
        stdout(&output).contains(&dated("~ link \"Press\" expires 2030-03-31 → 2030-06-30")),
        "{}",
        stdout(&output)
    );
    let links = additional(&portal, room);
    assert_eq!((links.len(), links[0].id.as_str()), (1, id.as_str()));
    assert_eq!(links[0].expires, Some(dated("2030-06-30T23:59:59.0000000+00:00")));
}

#[test]
fn a_changed_password_is_planned_without_showing_it_and_no_secret_reaches_any_output() {
    let (portal, room) = press_portal();
    add_link(
        &portal,
        room,
        json!({"title": "Press", "access": 2, "expirationDate": dated("2030-03-31T23:59:59Z"), "password": SECRET}),
    );
    portal.manifest(&manifest_with(&dated(PRESS)));
    let output = portal
        .cmd(&["plan", "-vv", "--out", "plan.json"])
        .env("LINK_PASSWORD_PRESS", NEW_SECRET)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("~ link \"Press\" password changed"), "{}", stdout(&output));
    let saved = std::fs::read_to_string(portal.dir.path().join("plan.json")).unwrap();
    let output_apply = portal
        .cmd(&["apply", "plan.json", "-vv", "--format", "json"])
        .env("LINK_PASSWORD_PRESS", NEW_SECRET)
        .output()
        .unwrap();
    assert!(output_apply.status.success(), "{}", stderr(&output_apply));
    assert_eq!(additional(&portal, room)[0].password.as_deref(), Some(NEW_SECRET));
    let everything =
        [stdout(&output), stderr(&output), saved, stdout(&output_apply), stderr(&output_apply)];
    assert!(stderr(&output_apply).contains("debug:"), "-vv logs requests");
    for (i, text) in everything.iter().enumerate() {
        for secret in [SECRET, NEW_SECRET, portal.emulator.token()] {
            assert!(!text.contains(secret), "output {i} holds a secret:\n{text}");
        }
    }
}

#[test]
fn an_undeclared_link_is_removed_like_a_delete_only_with_allow_delete() {
    // Failed on the old code: removed without `--allow-delete`, though a removed link cannot
    // be brought back (declared again, it gets a new URL) and cuts off everyone holding it.
    let (portal, room) = press_portal();
    add_link(&portal, room, json!({"title": "Old partner", "access": 2}));
    portal.manifest(&manifest_with(
        "      - primary: true\n        name: Shared link\n        access: viewer\n",
    ));
    let writes = portal.writes().len();
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stderr(&output)
            .contains("the plan removes 1 link for good (\"Old partner\" in \"Press Kit\" (id "),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("pass `--allow-delete` to apply it"), "{}", stderr(&output));
    assert_eq!(portal.writes().len(), writes, "nothing written");
    assert_eq!(additional(&portal, room).len(), 1);
    let output = portal.cmd(&["apply", "--auto-approve", "--allow-delete"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("    - link \"Old partner\""), "{}", stdout(&output));
    assert_eq!(additional(&portal, room), []);
    assert_eq!(portal.emulator.links(room).len(), 1, "the primary link stays");
}

#[test]
fn the_primary_link_is_updated_in_place() {
    let (portal, room) = press_portal();
    let primary = portal.emulator.links(room)[0].clone();
    portal.manifest(&manifest_with(
        "      - primary: true\n        name: Launch\n        access: viewer\n        deny_download: true\n",
    ));
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let links = portal.emulator.links(room);
    assert_eq!(links.len(), 1);
    assert_eq!((links[0].id.as_str(), links[0].title.as_str()), (primary.id.as_str(), "Launch"));
    assert!(links[0].deny_download && links[0].primary);
}

#[test]
fn an_archived_room_is_unarchived_for_its_link_change_and_archived_again() {
    let portal = TestPortal::start();
    let room = portal.seed("Press Kit", RoomType::Public, true, &[]);
    portal.manifest(
        "rooms:\n  - title: Press Kit\n    type: public\n    state: archived\n    links:\n      - name: Press\n        access: viewer\n",
    );
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(additional(&portal, room).len(), 1);
    assert!(portal.emulator.rooms()[0].archived);
}

#[test]
fn more_links_than_the_type_allows_fail_validation_with_the_line() {
    let portal = TestPortal::start();
    let links: String =
        (1..=6).map(|i| format!("      - name: L{i}\n        access: viewer\n")).collect();
    portal.manifest(&manifest_with(&links));
    let output = portal.cmd(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output)
            .contains("rooms.yaml:15: a `public` room has at most 5 links besides its primary one"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_missing_password_variable_is_an_error_naming_it_and_the_room_with_no_write() {
    let (portal, _) = press_portal();
    portal.manifest(&manifest_with(&dated(PRESS)));
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(
            "rooms.yaml:8: `LINK_PASSWORD_PRESS` is not set (room `Press Kit`, link `Press`)"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(portal.writes(), Vec::<String>::new());
}

#[test]
fn a_saved_plan_is_refused_when_the_links_changed_since() {
    let (portal, room) = press_portal();
    add_link(&portal, room, json!({"title": "Press", "access": 2}));
    portal.manifest(&manifest_with("      - name: Press\n        access: editor\n"));
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    let id = additional(&portal, room)[0].id.clone();
    add_link(&portal, room, json!({"linkId": id, "title": "Press", "access": 6}));
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("link \"Press\" changed since"), "{}", stderr(&output));
    assert_eq!(additional(&portal, room)[0].access, 6);
}

#[test]
fn a_stale_room_and_a_stale_link_are_both_named_by_one_refusal() {
    // Links were checked after the rooms, in a separate error: a plan stale on both counts
    // needed two runs to show everything that changed.
    let (portal, room) = press_portal();
    add_link(&portal, room, json!({"title": "Press", "access": 2}));
    portal.manifest(&format!(
        "{}    tags: [press]\n",
        manifest_with("      - name: Press\n        access: editor\n")
    ));
    portal.cmd(&["plan", "--out", "plan.json"]).assert().success();
    let id = additional(&portal, room)[0].id.clone();
    add_link(&portal, room, json!({"linkId": id, "title": "Press", "access": 6}));
    let renamed = json!({"title": "Press Kit (old)"});
    assert_eq!(portal.put(&format!("files/rooms/{room}"), renamed).status, 200);
    let before = portal.writes().len();
    let output = portal.cmd(&["apply", "plan.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains(&format!("room {room} \"Press Kit\" was renamed to \"Press Kit (old)\"")),
        "{err}"
    );
    assert!(err.contains("link \"Press\" changed since"), "{err}");
    assert_eq!(portal.writes().len(), before, "nothing is sent: {:?}", portal.writes());
}

#[test]
fn an_internal_link_in_a_public_room_is_refused_before_any_request() {
    // The portal skips such an update silently (FileSharing.cs L204-209): refused up front.
    let (portal, _) = press_portal();
    portal.manifest(&manifest_with(
        "      - name: Staff\n        access: viewer\n        internal: true\n",
    ));
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("rooms.yaml:7: a link in a `public` room cannot be `internal`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(portal.writes(), Vec::<String>::new());
}

#[test]
fn a_field_the_portal_ignores_is_a_failed_action_with_the_reason() {
    // A room whose type the manifest does not declare: the planner learns it is public.
    let (portal, room) = press_portal();
    portal.manifest(
        "rooms:\n  - title: Press Kit\n    links:\n      - name: Staff\n        access: viewer\n        internal: true\n",
    );
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("rooms.yaml:4: a link in a `public` room cannot be `internal`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(additional(&portal, room), []);
}

#[test]
fn export_writes_links_without_passwords_and_plan_then_asks_only_for_the_variables() {
    let (portal, room) = press_portal();
    add_link(
        &portal,
        room,
        json!({"title": "Press", "access": 6, "expirationDate": dated("2030-03-31T12:00:00Z"), "password": SECRET, "denyDownload": true}),
    );
    let output = portal.cmd(&["export", "--output", "rooms.yaml"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let yaml = std::fs::read_to_string(portal.dir.path().join("rooms.yaml")).unwrap();
    assert!(!yaml.contains(SECRET), "{yaml}");
    let env = format!("LINK_PASSWORD_{room}_2");
    assert!(yaml.contains(&format!("# - `{env}`: the password of link `Press`")), "{yaml}");
    assert!(
        yaml.contains(&dated(&format!(
            "    links:\n      - primary: true\n        name: Shared link\n        access: viewer\n      - name: Press\n        access: commenter\n        expires: \"2030-03-31T12:00:00Z\"\n        password_env: {env}\n        deny_download: true\n"
        ))),
        "{yaml}"
    );

    let output = portal.cmd(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(&format!("`{env}` is not set (room `Press Kit`, link `Press`)")),
        "{}",
        stderr(&output)
    );
    let output = portal.cmd(&["plan"]).env(&env, SECRET).output().unwrap();
    assert!(stdout(&output).contains("No changes"), "{}{}", stdout(&output), stderr(&output));
}

/// The emulator's link endpoints, as the notes record a portal's (ROOM-SETTINGS §4).
mod contract {
    use super::*;

    /// The status and the link a `PUT …/links` answers.
    fn put(portal: &TestPortal, room: u64, body: serde_json::Value) -> (u16, serde_json::Value) {
        let reply = portal.put(&format!("files/rooms/{room}/links"), body);
        (reply.status, reply.response().clone())
    }

    const ID: &str = "6f1c0f0e-8a4b-4c55-9d1e-000000000001";

    #[test]
    fn an_unknown_link_id_is_upserted_and_an_update_replaces_the_whole_link() {
        let (portal, room) = press_portal();
        let (status, link) = put(
            &portal,
            room,
            json!({"linkId": ID, "title": "Press", "access": 2, "linkType": 1, "password": SECRET, "denyDownload": true}),
        );
        assert_eq!(status, 200);
        assert_eq!(link["sharedLink"]["id"], ID);
        assert_eq!(link["sharedLink"]["password"], SECRET, "passwords come back in plain text");
        assert_eq!(link["subjectType"], 1);
        crate::common::schema::check_schema("FileShareDto", &link);
        let (_, link) = put(&portal, room, json!({"linkId": ID, "title": "Press", "access": 6}));
        assert_eq!(link["access"], 6);
        assert_eq!(link["sharedLink"].get("password"), None, "an update without it removes it");
        assert_eq!(link["sharedLink"]["denyDownload"], false);
        assert_eq!(additional(&portal, room).len(), 1);
    }

    #[test]
    fn access_zero_deletes_and_deleting_twice_is_fine() {
        let (portal, room) = press_portal();
        put(&portal, room, json!({"linkId": ID, "title": "Press", "access": 2, "linkType": 1}));
        for _ in 0..2 {
            let (status, _) = put(&portal, room, json!({"linkId": ID, "access": 0}));
            assert_eq!(status, 200);
        }
        assert_eq!(additional(&portal, room), []);
    }

    #[test]
    fn revoking_a_public_room_s_primary_link_makes_a_new_one() {
        let (portal, room) = press_portal();
        let old = portal.emulator.links(room)[0].clone();
        let (status, fresh) = put(&portal, room, json!({"linkId": old.id, "access": 0}));
        assert_eq!(status, 200);
        let links = portal.emulator.links(room);
        assert_eq!(links.len(), 1);
        assert!(links[0].primary && links[0].id != old.id);
        assert_eq!(fresh["sharedLink"]["id"], links[0].id.as_str());
        assert_eq!(fresh["subjectType"], 4);
        crate::common::schema::check_schema("FileShareDto", &fresh);
    }

    #[test]
    fn limits_types_and_access_levels_are_refused_with_403() {
        let (portal, room) = press_portal();
        for i in 0..5 {
            let (status, _) =
                put(&portal, room, json!({"title": format!("L{i}"), "access": 2, "linkType": 1}));
            assert_eq!(status, 200);
        }
        assert_eq!(put(&portal, room, json!({"title": "L5", "access": 2, "linkType": 1})).0, 403);
        let forms = portal.seed("Forms", RoomType::FormFilling, false, &[]);
        assert_eq!(put(&portal, forms, json!({"title": "X", "access": 7, "linkType": 1})).0, 403);
        let team = portal.seed("Team", RoomType::Collaboration, false, &[]);
        assert_eq!(put(&portal, team, json!({"title": "X", "access": 2, "linkType": 1})).0, 403);
        let custom = portal.seed("Custom", RoomType::Custom, false, &[]);
        assert_eq!(put(&portal, custom, json!({"title": "X", "access": 11, "linkType": 1})).0, 403);
        let archived = portal.seed("Old", RoomType::Public, true, &[]);
        assert_eq!(
            put(&portal, archived, json!({"title": "X", "access": 2, "linkType": 1})).0,
            403
        );
        let long = "x".repeat(256);
        assert_eq!(put(&portal, custom, json!({"title": long, "access": 2, "linkType": 1})).0, 400);
    }

    #[test]
    fn past_expiries_are_dropped_and_internal_is_forced_by_room_type() {
        let (portal, room) = press_portal();
        let (_, link) = put(
            &portal,
            room,
            json!({"title": "P", "access": 2, "linkType": 1, "expirationDate": "2001-01-01T00:00:00Z", "internal": true}),
        );
        assert_eq!(link["sharedLink"].get("expirationDate"), None);
        assert_eq!(link["sharedLink"]["internal"], false, "public rooms' links are never internal");
        let (_, primary) = put(
            &portal,
            room,
            json!({"linkId": portal.emulator.links(room)[0].id, "title": "Shared link", "access": 2, "expirationDate": "2030-01-01T00:00:00Z"}),
        );
        assert_eq!(
            primary["sharedLink"].get("expirationDate"),
            None,
            "a public primary cannot expire"
        );
    }

    #[test]
    fn a_link_is_expired_once_the_emulator_s_clock_is_past_its_date() {
        // 2030-01-01T00:00:00Z: an hour before the link expires.
        let portal =
            TestPortal::on_clock(docspace_rooms::emulator::Clock::manual_at(1_893_456_000));
        let room = portal.seed("Press room", RoomType::Public, false, &[]);
        let body = json!({"title": "P", "access": 2, "linkType": 1, "expirationDate": "2030-01-01T01:00:00Z"});
        let (status, link) = put(&portal, room, body);
        assert_eq!((status, &link["sharedLink"]["isExpired"]), (200, &json!(false)));
        let expired = || {
            let list = portal.get(&format!("files/rooms/{room}/links"));
            list.response()
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["sharedLink"]["title"] == "P")
                .unwrap()["sharedLink"]["isExpired"]
                .clone()
        };
        portal.emulator.clock().advance(std::time::Duration::from_secs(3600));
        assert_eq!(expired(), false, "expired only once the date is past");
        portal.emulator.clock().advance(std::time::Duration::from_secs(1));
        assert_eq!(expired(), true);
    }

    #[test]
    fn get_link_creates_a_custom_room_s_primary_link_and_get_links_filters_by_type() {
        let portal = TestPortal::start();
        let custom = portal.seed("Custom", RoomType::Custom, false, &[]);
        let path = format!("files/rooms/{custom}/links?type=1");
        assert_eq!(portal.get(&path).response(), &json!([]));
        let primary = portal.get(&format!("files/rooms/{custom}/link"));
        assert_eq!(primary.status, 200);
        assert_eq!(primary.response()["sharedLink"]["primary"], true);
        assert_eq!(portal.get(&path).response().as_array().unwrap().len(), 1);
        let invitations = format!("files/rooms/{custom}/links?type=0");
        assert_eq!(portal.get(&invitations).response(), &json!([]));
    }
}

#[test]
fn a_custom_room_s_declared_primary_link_is_made_when_it_has_none() {
    let portal = TestPortal::start();
    let room = portal.seed("Custom", RoomType::Custom, false, &[]);
    portal.manifest(
        &dated("rooms:\n  - title: Custom\n    type: custom\n    links:\n      - primary: true\n        name: Everyone\n        access: commenter\n        expires: 2030-01-01\n"),
    );
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    let links = portal.emulator.links(room);
    assert_eq!(links.len(), 1);
    assert!(links[0].primary);
    assert_eq!((links[0].title.as_str(), links[0].access), ("Everyone", 6));
    let output = portal.cmd(&["plan"]).output().unwrap();
    assert!(stdout(&output).contains("No changes"), "{}", stdout(&output));
}

#[test]
fn a_revoked_link_stays_revoked_when_the_manifest_declares_it_again() {
    // Failed on the old code: the link came back under its old id, so its old URL, the one
    // revoked because it leaked, opened the room again.
    let (portal, room) = press_portal();
    portal.manifest(&manifest_with("      - name: Press\n        access: viewer\n"));
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    let first = additional(&portal, room)[0].clone();
    assert_eq!(share_status(&portal, &first.url), 0, "the new link opens");
    // An admin revokes the leaked link; a scheduled drift fix runs.
    add_link(&portal, room, json!({"linkId": first.id, "access": 0}));
    assert_eq!(share_status(&portal, &first.url), 1, "a revoked link's URL is dead");
    portal.cmd(&["apply", "--auto-approve"]).assert().success();
    let again = additional(&portal, room);
    assert_eq!(again.len(), 1);
    assert_ne!(again[0].id, first.id);
    assert_ne!(again[0].url, first.url);
    assert_eq!(share_status(&portal, &first.url), 1, "the revoked URL stays dead");
    assert_eq!(share_status(&portal, &again[0].url), 0);
}

/// What `GET /api/2.0/files/share/{key}` says of a share URL: 0 opens, 1 invalid.
fn share_status(portal: &TestPortal, url: &str) -> i64 {
    let key = url.split_once("key=").expect("a share URL has a key").1;
    let reply =
        portal.call("GET", &format!("files/share/{key}"), crate::common::Auth::Anonymous, None);
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.response()["status"].as_i64().unwrap()
}

#[test]
fn a_create_whose_answer_is_lost_is_found_by_its_id_and_not_sent_again() {
    let (portal, room) = press_portal();
    portal.manifest(&manifest_with("      - name: Press\n        access: viewer\n"));
    portal.emulator.set_faults(docspace_rooms::emulator::faults::Faults {
        lose_link_write_response_every: Some(1),
        ..Default::default()
    });
    let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert_eq!(additional(&portal, room).len(), 1);
    assert_eq!(link_writes(&portal), 1, "{:?}", portal.writes());
}

/// `PUT …/links` commits inside the request (`FileStorageService.SetExternalLinkAsync`,
/// L5755-5787), so a proxy's 504 can come before the commit: one read of the links right after
/// it misses the new link.
#[test]
fn a_link_create_committed_seconds_after_a_504_is_found_by_its_id_and_sent_once() {
    let portal = TestPortal::committing_late("PUT /api/2.0/files/rooms/*/links");
    let room = portal.seed("Team", RoomType::Custom, false, &[]);
    portal.manifest(
        "rooms:\n  - title: Team\n    links:\n      - name: Partners\n        access: viewer\n",
    );
    let output =
        portal.run_committed_late(&["apply", "--auto-approve"], &|path| path.ends_with("/links"));
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert_eq!(link_writes(&portal), 1, "one create, never two");
    let links = additional(&portal, room);
    assert!(links.len() == 1 && links[0].title == "Partners", "{links:?}");
    let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

/// Issue 21: link passwords at the edges, each refused before any write.
mod passwords {
    use super::*;

    const PRESS_WITH_PASSWORD: &str =
        "      - name: Press\n        access: viewer\n        password_env: LINK_PASSWORD_PRESS\n";

    /// `Press Kit` with the link `Press` protected by `SECRET`.
    fn protected() -> (TestPortal, u64) {
        let (portal, room) = press_portal();
        add_link(&portal, room, json!({"title": "Press", "access": 2, "password": SECRET}));
        portal.manifest(&manifest_with(PRESS_WITH_PASSWORD));
        (portal, room)
    }

    #[test]
    fn a_variable_holding_only_spaces_never_removes_the_password() {
        // Failed on the old code: planned as "password changed", and applying it removed it.
        let (portal, room) = protected();
        let before = portal.writes().len();
        let output = portal
            .cmd(&["apply", "--auto-approve"])
            .env("LINK_PASSWORD_PRESS", "   ")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains("rooms.yaml:7: `LINK_PASSWORD_PRESS` holds only whitespace"),
            "{}",
            stderr(&output)
        );
        assert_eq!(portal.writes().len(), before, "no write");
        assert_eq!(additional(&portal, room)[0].password.as_deref(), Some(SECRET));
    }

    #[test]
    fn a_trailing_newline_converges() {
        // Failed on the old code: every plan showed a change and every apply failed.
        let (portal, _) = protected();
        let output = portal
            .cmd(&["plan"])
            .env("LINK_PASSWORD_PRESS", format!("{SECRET}\n"))
            .output()
            .unwrap();
        assert!(stdout(&output).contains("No changes"), "{}{}", stdout(&output), stderr(&output));
    }

    #[test]
    fn a_password_the_portal_would_refuse_fails_the_plan_naming_the_variable_not_the_value() {
        // Failed on the old code: `plan` passed, `apply` created the room and failed on the link.
        let portal = TestPortal::start();
        portal.manifest(&manifest_with(PRESS_WITH_PASSWORD));
        let long = "x".repeat(100_000);
        for (value, _) in [(long.as_str(), "long"), ("pass word", "space"), ("short", "short")] {
            let output = portal
                .cmd(&["apply", "--auto-approve"])
                .env("LINK_PASSWORD_PRESS", value)
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(1));
            let err = stderr(&output);
            assert!(
                err.contains("rooms.yaml:7: link `Press`: the password in `LINK_PASSWORD_PRESS` does not meet the portal's password policy: Password must contain from 8 to 30 characters"),
                "{err}"
            );
            assert!(!err.contains(value) && !stdout(&output).contains(value));
        }
        assert_eq!(portal.writes(), Vec::<String>::new());
        assert_eq!(portal.emulator.rooms(), []);
    }

    #[test]
    fn the_portal_s_own_password_settings_are_read_and_applied() {
        let portal = TestPortal::start();
        portal.emulator.set_password_policy(docspace_rooms::emulator::PasswordPolicy {
            min_length: 12,
            upper_case: true,
            digits: true,
            spec_symbols: true,
            ascii_cut: false,
        });
        portal.manifest(&manifest_with(PRESS_WITH_PASSWORD));
        let output =
            portal.cmd(&["plan"]).env("LINK_PASSWORD_PRESS", "Summer2026!").output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains("from 12 to 30 characters, only latin letters, no spaces, capital letters, digits, special characters"),
            "{}",
            stderr(&output)
        );
        let output =
            portal.cmd(&["plan"]).env("LINK_PASSWORD_PRESS", "Summer2026!xy").output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }

    #[test]
    fn a_manifest_cannot_read_the_token_or_a_variable_it_was_not_allowed() {
        // Failed on the old code: the token became the link's password, shown in plain text on
        // the portal, while the plan said only "password set".
        let portal = TestPortal::start();
        portal.manifest(&manifest_with(
            "      - name: Press\n        access: viewer\n        password_env: DOCSPACE_TOKEN\n",
        ));
        let output = portal.cmd(&["plan"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains("`DOCSPACE_*` variables are never read"),
            "{}",
            stderr(&output)
        );
        portal.manifest(&manifest_with(PRESS_WITH_PASSWORD));
        let token = portal.emulator.token().to_owned();
        let output = portal.cmd(&["plan"]).env("LINK_PASSWORD_PRESS", &token).output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(stderr(&output).contains("holds the API token"), "{}", stderr(&output));
        assert_eq!(portal.writes(), Vec::<String>::new());
        portal.manifest(&format!(
            "password_env_allow: [PRESS_*]\n{}",
            manifest_with(
                "      - name: Press\n        access: viewer\n        password_env: PRESS_SECRET\n"
            )
        ));
        let output = portal.cmd(&["plan"]).env("PRESS_SECRET", SECRET).output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }

    /// A pull request can widen `password_env_allow` (it lives in the file it edits): the plan
    /// names each password's variable, so a reviewer of the plan sees which one is read, and
    /// the variables CI systems keep their secrets in are never read, whatever it allows.
    #[test]
    fn plan_lines_name_the_password_variable_and_ci_secrets_are_never_read() {
        // Failed on the old code: the plan said only "password set", and `GITHUB_TOKEN`,
        // allowed by `password_env_allow: ["*OKEN"]`, became the link's password.
        let (portal, room) = press_portal();
        portal.manifest(&manifest_with(PRESS_WITH_PASSWORD));
        let output = portal.cmd(&["plan"]).env("LINK_PASSWORD_PRESS", SECRET).output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        assert!(
            text.contains("+ link \"Press\" viewer, password from LINK_PASSWORD_PRESS"),
            "{text}"
        );
        assert!(!text.contains(SECRET), "{text}");

        for (allow, env) in [
            ("\"*OKEN\"", "GITHUB_TOKEN"),
            ("\"*_TOKEN\"", "DEPLOY_TOKEN"),
            ("GITHUB_*", "GITHUB_TOKEN"),
            ("ACTIONS_*", "ACTIONS_RUNTIME_TOKEN"),
            ("\"CI_*\"", "CI_REGISTRY_PASSWORD"),
            ("\"*_PASSWORD\"", "CI_DEPLOY_PASSWORD"),
        ] {
            portal.manifest(&format!(
                "password_env_allow: [{allow}]\n{}",
                manifest_with(&format!(
                    "      - name: Press\n        access: viewer\n        password_env: {env}\n"
                ))
            ));
            for command in ["validate", "plan"] {
                let output = portal.cmd(&[command]).env(env, SECRET).output().unwrap();
                assert_eq!(output.status.code(), Some(1), "{env}: {}", stdout(&output));
                let text = stderr(&output);
                assert!(
                    text.contains(&format!("`password_env` `{env}`"))
                        && text.contains("variables are never read as link passwords"),
                    "{text}"
                );
                assert!(!text.contains(SECRET) && !stdout(&output).contains(SECRET), "{text}");
            }
        }
        assert_eq!(portal.writes(), Vec::<String>::new());
        assert!(additional(&portal, room).is_empty());
    }

    #[test]
    fn a_saved_plan_never_sends_the_token_apply_runs_with_as_a_link_password() {
        // Failed on the old code: the plan job (a read-only key) checked its own token, and
        // `apply plan.json` with the write key published that key as the link's password.
        use docspace_rooms::emulator::{ApiKeySeed, EmulatorConfig};
        const READER: &str = "sk-plan-job-reader";
        const WRITER: &str = "sk-writer-2026"; // 14 characters: a password the policy takes
        let portal = TestPortal::with(EmulatorConfig {
            api_keys: vec![ApiKeySeed::new(READER, &["*:read"]), ApiKeySeed::new(WRITER, &[])],
            ..EmulatorConfig::default()
        });
        let room = portal.seed("Press Kit", RoomType::Public, false, &[]);
        portal.manifest(&manifest_with(PRESS_WITH_PASSWORD));
        let plan = portal
            .cmd(&["plan", "--out", "plan.json"])
            .env("DOCSPACE_TOKEN", READER)
            .env("LINK_PASSWORD_PRESS", WRITER)
            .output()
            .unwrap();
        assert!(plan.status.success(), "the plan job's token is another: {}", stderr(&plan));

        let apply = portal
            .cmd(&["apply", "plan.json"])
            .env("DOCSPACE_TOKEN", WRITER)
            .env("LINK_PASSWORD_PRESS", format!(" {WRITER}\n"))
            .output()
            .unwrap();
        assert_eq!(apply.status.code(), Some(1), "{}", stdout(&apply));
        let text = stderr(&apply);
        assert!(
            text.contains(
                "room \"Press Kit\", link \"Press\": the password variable `LINK_PASSWORD_PRESS` holds the API token, which is never a link password"
            ),
            "{text}"
        );
        assert!(!text.contains(WRITER) && !stdout(&apply).contains(WRITER), "{text}");
        assert_eq!(link_writes(&portal), 0);
        assert!(additional(&portal, room).is_empty());
    }

    #[test]
    fn no_password_derived_value_reaches_stdout_and_a_saved_plan_holds_a_memory_hard_verifier() {
        // Failed on the old code: `--format json` printed the salted SHA-256 of the password.
        let (portal, _) = protected();
        let output = portal
            .cmd(&["plan", "--format", "json", "--out", "plan.json"])
            .env("LINK_PASSWORD_PRESS", NEW_SECRET)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let printed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        let link = &printed["plan"]["rooms"][0]["steps"][0]["link"];
        assert_eq!(link["password_change"], "changed");
        assert_eq!(
            (&link["before"]["password"], &link["after"]["password"]),
            (&json!("set"), &json!("set"))
        );
        let saved: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(portal.dir.path().join("plan.json")).unwrap(),
        )
        .unwrap();
        let verifier =
            saved["plan"]["rooms"][0]["steps"][0]["link"]["after"]["password"].as_str().unwrap();
        assert!(verifier.starts_with("argon2id$m=19456,t=2$"), "{verifier}");
        // What stdout printed is no plan to apply: it holds no verifier.
        portal.file("printed.json", &stdout(&output));
        let output = portal
            .cmd(&["apply", "printed.json"])
            .env("LINK_PASSWORD_PRESS", NEW_SECRET)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let text = stderr(&output);
        assert!(
            text.contains(
                "`printed.json` holds no password verifier for room \"Press Kit\", link \"Press\""
            ) && text.contains("save the plan with `plan --out`"),
            "{text}"
        );
        assert!(!text.contains("changed since"), "nothing changed: {text}");
        // The file applies, and is refused with another password in the variable.
        let output = portal
            .cmd(&["apply", "plan.json"])
            .env("LINK_PASSWORD_PRESS", SECRET)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains("holds another password than when the plan was made"),
            "{}",
            stderr(&output)
        );
        let output = portal
            .cmd(&["apply", "plan.json"])
            .env("LINK_PASSWORD_PRESS", NEW_SECRET)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }

    #[test]
    fn a_plan_keyed_with_the_plan_key_needs_it_to_apply() {
        let (portal, room) = protected();
        let output = portal
            .cmd(&["plan", "--out", "plan.json"])
            .env("LINK_PASSWORD_PRESS", NEW_SECRET)
            .env("DOCSPACE_PLAN_KEY", "shared-between-the-plan-and-apply-jobs")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let text = std::fs::read_to_string(portal.dir.path().join("plan.json")).unwrap();
        assert!(text.contains("\"argon2id-keyed$"), "{text}");
        let output = portal
            .cmd(&["apply", "plan.json"])
            .env("LINK_PASSWORD_PRESS", NEW_SECRET)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(stderr(&output).contains("`DOCSPACE_PLAN_KEY` is not set"), "{}", stderr(&output));
        let output = portal
            .cmd(&["apply", "plan.json"])
            .env("LINK_PASSWORD_PRESS", NEW_SECRET)
            .env("DOCSPACE_PLAN_KEY", "shared-between-the-plan-and-apply-jobs")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(additional(&portal, room)[0].password.as_deref(), Some(NEW_SECRET));
    }
}

/// Issue 21: a link whose date has passed, on a portal whose clock the test sets.
mod expiry {
    use super::*;
    use docspace_rooms::emulator::Clock;

    /// 2000-06-01: the portal's clock, before the link's 2001 expiry; the tool's clock (the
    /// real one) is past it, whatever the real date.
    const JUNE_2000: u64 = 959_817_600;

    #[test]
    fn a_declared_link_that_expired_as_declared_is_a_warning_not_an_error() {
        // Failed on the old code: `validate`, `plan` and `apply` refused the whole manifest.
        let portal = TestPortal::on_clock(Clock::manual_at(JUNE_2000));
        let room = portal.seed("Press Kit", RoomType::Public, false, &[]);
        add_link(
            &portal,
            room,
            json!({"title": "Press", "access": 2, "expirationDate": "2001-01-01T23:59:59Z"}),
        );
        portal.manifest(&format!(
            "{}  - title: Other\n    type: custom\n",
            manifest_with(
                "      - name: Press\n        access: viewer\n        expires: 2001-01-01\n"
            )
        ));
        let output = portal.cmd(&["validate"]).output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let before = link_writes(&portal);
        let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
        assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
        assert!(
            stderr(&output)
                .contains("room `Press Kit`, link `Press` expired 2001-01-01; nothing to do"),
            "{}",
            stderr(&output)
        );
        assert_eq!(portal.emulator.rooms().len(), 2, "the other room was created");
        assert_eq!(link_writes(&portal), before);
    }

    #[test]
    fn a_link_to_create_with_a_past_date_fails_its_room_only() {
        let portal = TestPortal::on_clock(Clock::manual_at(JUNE_2000));
        portal.seed("Press Kit", RoomType::Public, false, &[]);
        portal.manifest(&format!(
            "{}  - title: Other\n    type: custom\n",
            manifest_with(
                "      - name: Press\n        access: viewer\n        expires: 2001-01-01\n"
            )
        ));
        let output = portal.cmd(&["plan"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains(
                "rooms.yaml:5: room `Press Kit`, link `Press`: `expires` 2001-01-01 has passed"
            ),
            "{}",
            stderr(&output)
        );
        let output =
            portal.cmd(&["apply", "--auto-approve", "--target", "Other"]).output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(portal.emulator.rooms().len(), 2);
    }
}

/// Issue 20: the portal's sharing settings, read when links are declared.
mod sharing {
    use super::*;
    use docspace_rooms::emulator::SharingSettings;

    #[test]
    fn a_new_form_filling_room_s_primary_link_converges_on_the_first_apply() {
        let portal = TestPortal::start();
        portal.emulator.set_sharing(SharingSettings {
            default_share_link_internal: true,
            ..SharingSettings::default()
        });
        portal.manifest(
            "rooms:\n  - title: Forms\n    type: form-filling\n    links:\n      - primary: true\n        name: Link to fill out\n        access: form-filler\n        internal: true\n",
        );
        let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
        assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
        assert_eq!(link_writes(&portal), 0, "the portal made it as declared");
        let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    }

    #[test]
    fn a_public_room_s_links_are_refused_at_plan_time_while_sharing_is_restricted() {
        let (portal, _) = press_portal();
        portal
            .emulator
            .set_sharing(SharingSettings { external_share: false, ..SharingSettings::default() });
        portal.manifest(&manifest_with("      - name: Partners\n        access: viewer\n"));
        let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains("the portal restricts external sharing for rooms"),
            "{}",
            stderr(&output)
        );
        assert_eq!(portal.writes(), Vec::<String>::new());
    }

    /// Review evidence F2 (`review-src` 782ac1e), with the fix: under the restriction, a custom
    /// room's new link and a form-filling room's primary link, declared not internal (the
    /// default), are refused before any write; the portal would make them internal, the
    /// read-back would fail and every run would write them again.
    #[test]
    fn under_a_sharing_restriction_a_custom_room_s_link_is_refused_before_any_write() {
        let portal = TestPortal::start();
        portal.seed("Team", RoomType::Custom, false, &[]);
        portal.seed("Forms", RoomType::FormFilling, false, &[]);
        portal
            .emulator
            .set_sharing(SharingSettings { external_share: false, ..SharingSettings::default() });
        portal.manifest(
            "rooms:\n  - title: Team\n    type: custom\n    links:\n      - name: Partners\n        access: viewer\n  - title: Forms\n    type: form-filling\n    links:\n      - primary: true\n        name: Fill in\n        access: form-filler\n",
        );
        let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        let said = stderr(&output);
        assert!(said.contains("room `Team`, link `Partners`: the portal restricts"), "{said}");
        assert!(said.contains("room `Forms`, link `Fill in`: the portal restricts"), "{said}");
        assert_eq!(portal.writes(), Vec::<String>::new());
    }

    /// A custom room `Team` on a portal that restricts external sharing for rooms, with the
    /// manifest declaring `links`.
    fn restricted_team(links: &str) -> (TestPortal, u64) {
        let portal = TestPortal::start();
        let room = portal.seed("Team", RoomType::Custom, false, &[]);
        portal
            .emulator
            .set_sharing(SharingSettings { external_share: false, ..SharingSettings::default() });
        portal.manifest(&format!("rooms:\n  - title: Team\n    type: custom\n    links:\n{links}"));
        (portal, room)
    }

    /// Under the restriction a portal makes every link it creates or changes in a room that is
    /// not public internal (`FileStorageService.ResolveRequiredAuthAsync` L5967-5997 `return
    /// true`; `FileSharing.cs` L204-209 does not skip it: `CanEditInternalAsync` is true for
    /// custom and form-filling rooms, `FileSecurity.cs` L1377-1380). A link declared public
    /// would be written, read back internal and fail, on every run.
    #[test]
    fn a_custom_room_s_public_link_is_refused_at_plan_time_while_sharing_is_restricted() {
        let (portal, _) = restricted_team("      - name: Partners\n        access: viewer\n");
        let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        let said = stderr(&output);
        assert!(
            said.contains("room `Team`, link `Partners`: the portal restricts external sharing for rooms (Settings → Sharing: `externalShare` off, `externalShareApplyToRooms` on), so it makes every link it creates or changes in a `custom` room internal; declare `internal: true`"),
            "{said}"
        );
        assert_eq!(portal.writes(), Vec::<String>::new());
    }

    #[test]
    fn a_custom_room_s_existing_link_is_not_changed_to_public_while_sharing_is_restricted() {
        let (portal, room) = restricted_team(
            "      - name: Partners\n        access: editor\n        internal: false\n",
        );
        add_link(&portal, room, json!({"title": "Partners", "access": 2, "internal": true}));
        let output = portal.cmd(&["plan"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        assert!(stderr(&output).contains("link `Partners`"), "{}", stderr(&output));
        // Declared internal, the same change goes through and converges.
        portal.manifest(
            "rooms:\n  - title: Team\n    type: custom\n    links:\n      - name: Partners\n        access: editor\n        internal: true\n",
        );
        let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
        assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
        let links = additional(&portal, room);
        assert!(links.len() == 1 && links[0].access == 10 && links[0].internal, "{links:?}");
        let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    }
}
