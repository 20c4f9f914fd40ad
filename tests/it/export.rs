//! `export` round-trips without removing anyone (issue 12): members a manifest cannot list are
//! left out of an `additive` room, with a comment, so `plan` after `export` plans nothing and
//! `apply` of it changes no one's access.
//!
//! The emulator only stores members the API accepts, so a member with an access level this
//! version cannot name, or without an email, comes from a proxy in front of it that adds such
//! entries to `GET …/share` and passes every other request through unchanged.

use crate::common::{TestPortal, stderr, stdout};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::PersonSeed;
use serde_json::{Value, json};
use std::sync::Arc;

/// The emulator's URL, and the share entries added to the listing of room `room`.
struct Proxy {
    emulator: String,
    room: u64,
    extra: Vec<Value>,
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let method = request.method().clone();
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut outgoing =
        reqwest::Client::new().request(method.clone(), proxy.emulator.clone() + &target);
    for name in ["authorization", "content-type"] {
        if let Some(value) = request.headers().get(name) {
            outgoing = outgoing.header(name, value.as_bytes());
        }
    }
    let body = axum::body::to_bytes(request.into_body(), usize::MAX).await.unwrap();
    let answer = outgoing.body(body).send().await.unwrap();
    let status = axum::http::StatusCode::from_u16(answer.status().as_u16()).unwrap();
    let bytes = answer.bytes().await.unwrap();
    let share = format!("/api/2.0/files/rooms/{}/share", proxy.room);
    if method != "GET" || !target.starts_with(&share) || status != 200 {
        return (status, [("content-type", "application/json")], bytes).into_response();
    }
    let mut envelope: Value = serde_json::from_slice(&bytes).unwrap();
    let added = proxy.extra.len() as u64;
    envelope["response"].as_array_mut().unwrap().extend(proxy.extra.iter().cloned());
    for key in ["count", "total"] {
        envelope[key] = json!(envelope[key].as_u64().unwrap_or(0) + added);
    }
    (status, axum::Json(envelope)).into_response()
}

/// A portal whose room `Legal` has `dave` as an editor (a member the API accepts), plus, through
/// the proxy at the returned URL, `ben` with access 12 (a level this version does not know) and
/// a user without an email address.
fn portal_with_unlistable_members() -> (TestPortal, u64, String) {
    let portal = TestPortal::start();
    let legal = portal.seed("Legal", RoomType::Custom, false, &[]);
    let dave = portal.emulator.add_person(PersonSeed::new("dave@example.com", "Dave"));
    let ben = portal.emulator.add_person(PersonSeed::new("ben@example.com", "Ben"));
    let body = json!({"invitations": [{"id": dave, "access": 10}], "notify": false});
    assert_eq!(portal.put(&format!("files/rooms/{legal}/share"), body).status, 200);
    let entry = |user: Value, access: i64| json!({"access": access, "sharedToUser": user, "isOwner": false, "canEditAccess": true, "subjectType": 0});
    let proxy = Arc::new(Proxy {
        emulator: portal.emulator.url(),
        room: legal,
        extra: vec![
            entry(json!({"id": ben, "displayName": "Ben", "email": "ben@example.com"}), 12),
            entry(
                json!({"id": "5d9c2a4e-0000-4000-8000-00000000abcd", "displayName": "No Mail"}),
                2,
            ),
        ],
    });
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let url = portal.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    });
    (portal, legal, url)
}

/// Exports through the proxy to `rooms.yaml` and returns the file.
fn export(portal: &TestPortal, proxy: &str) -> String {
    let output =
        portal.cmd(&["export", "-o", "rooms.yaml"]).env("DOCSPACE_URL", proxy).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    std::fs::read_to_string(portal.dir.path().join("rooms.yaml")).unwrap()
}

#[test]
fn plan_after_exporting_members_without_a_name_or_an_email_plans_nothing() {
    let (portal, _, proxy) = portal_with_unlistable_members();
    let text = export(&portal, &proxy);
    let output =
        portal.cmd(&["plan", "--detailed-exitcode"]).env("DOCSPACE_URL", &proxy).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}{}\n{text}", stdout(&output), stderr(&output));
    assert!(text.contains("    members_policy: additive\n"), "{text}");
    assert!(text.contains("      - user: dave@example.com\n        access: editor\n"), "{text}");
    assert!(
        text.contains(
            "  # `members_policy: additive`: these members are not listed, so applying this file \
             leaves them as they are:\n  \
             # - user `ben@example.com`: access 12, which this version of docspace-rooms does \
             not know\n  \
             # - user id `5d9c2a4e-0000-4000-8000-00000000abcd`: no email address\n  - title: Legal\n"
        ),
        "{text}"
    );
}

#[test]
fn applying_an_export_with_members_left_out_writes_no_member() {
    let (portal, legal, proxy) = portal_with_unlistable_members();
    export(&portal, &proxy);
    let writes_before = portal.writes();
    let output =
        portal.cmd(&["apply", "--auto-approve"]).env("DOCSPACE_URL", &proxy).output().unwrap();
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert_eq!(portal.writes(), writes_before, "{}", stdout(&output));
    let members = portal.emulator.members(legal);
    assert_eq!(members.len(), 2, "the owner and dave: {members:?}");
    assert!(members.iter().any(|m| m.name == "dave@example.com" && m.access == 10), "{members:?}");
}

/// A tag a manifest cannot hold (any room administrator can give one a control character)
/// leaves that room's `tags` out of the export, with a comment and a warning saying why, so the
/// rest of the portal is still exported and applying the file leaves the room's tags as they are.
#[test]
fn a_tag_a_manifest_cannot_hold_leaves_its_room_s_tags_out_not_the_whole_export() {
    // Failed on the old code: the export failed as a whole ("would not read back").
    let portal = TestPortal::start();
    let odd = portal.seed("Odd", RoomType::Custom, false, &["ok", "t\u{1b}[31m\nx"]);
    portal.seed("Plain", RoomType::Custom, false, &["kept"]);
    let output = portal.cmd(&["export", "-o", "rooms.yaml"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let warning = stderr(&output);
    assert!(
        warning.contains(&format!("room {odd}: `tags` left out")) && !warning.contains('\u{1b}'),
        "{warning}"
    );
    let text = std::fs::read_to_string(portal.dir.path().join("rooms.yaml")).unwrap();
    assert!(
        text.contains(
            "  # `tags` left out, so applying this file leaves the room's tags as they are: tag `t\\u{1b}[31m\\nx` contains the control character U+001B\n  - title: Odd\n"
        ),
        "{text}"
    );
    assert!(text.contains("tags:\n    - kept\n") || text.contains("tags: [kept]"), "{text}");
    let output = portal.cmd(&["plan", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
}
