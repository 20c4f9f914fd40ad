//! Authentication and routing as a portal has them: who may call and how, and what an unknown
//! path or method answers.

use super::*;

// ---------------------------------------------------------------------------------------------
// Authentication

#[test]
fn login_returns_a_token_with_expiry_and_no_two_factor() {
    // 2025-03-06T11:31:16Z.
    let portal = TestPortal::on_clock(Clock::manual_at(1_741_260_676));
    let body = json!({"userName": "owner@example.com", "password": portal.emulator.password()});
    let reply = portal.call("POST", "authentication", Auth::Anonymous, Some(body));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["count"], 1);
    assert_eq!(reply.json["links"][0]["action"], "POST");
    assert_eq!(reply.response()["sms"], false);
    assert_eq!(reply.response()["tfa"], false);
    assert_eq!(reply.response()["expires"], "2026-03-06T11:31:16.0000000+00:00");
    check_schema("AuthenticationTokenDto", reply.response());
}

#[test]
fn every_login_issues_a_new_token() {
    let portal = TestPortal::start();
    let first = portal.login("owner@example.com");
    let second = portal.login("OWNER@example.com");
    assert_ne!(first, second);
    for token in [&first, &second] {
        assert_eq!(
            portal
                .call("GET", "files/rooms", Auth::Header(&format!("Bearer {token}")), None)
                .status,
            200
        );
    }
}

#[test]
fn failed_login_is_401_user_authentication_failed() {
    let portal = TestPortal::start();
    let wrong_password = json!({"userName": "owner@example.com", "password": "nope"});
    let unknown_user =
        json!({"userName": "nobody@example.com", "password": portal.emulator.password()});
    for body in [Some(wrong_password), Some(unknown_user), None] {
        let reply = portal.call("POST", "authentication", Auth::Anonymous, body);
        assert_eq!(reply.status, 401, "{}", reply.text);
        assert_eq!(reply.error_message(), "User authentication failed");
        assert_eq!(reply.json["error"]["type"], Value::Null);
        assert_eq!(reply.json["error"]["hresult"], 0);
    }
}

#[test]
fn missing_or_wrong_token_is_401_with_an_empty_body() {
    let portal = TestPortal::start();
    assert_empty_body(&portal.call("GET", "files/rooms", Auth::Anonymous, None), 401);
    assert_empty_body(
        &portal.call("GET", "files/rooms", Auth::Header("Bearer sk-wrong"), None),
        401,
    );
    assert_empty_body(
        &portal.call("GET", "files/rooms", Auth::Header("Bearer not-a-session"), None),
        401,
    );
    let create = json!({"title": "x", "roomType": 2});
    assert_empty_body(&portal.call("POST", "files/rooms", Auth::Anonymous, Some(create)), 401);
    assert!(portal.emulator.rooms().is_empty());
}

#[test]
fn login_token_works_with_or_without_bearer_and_as_the_cookie() {
    let portal = TestPortal::start();
    let token = portal.login("owner@example.com");
    for auth in
        [Auth::Header(&format!("Bearer {token}")), Auth::Header(&token), Auth::Cookie(&token)]
    {
        assert_eq!(portal.call("GET", "files/rooms", auth, None).status, 200);
    }
}

#[test]
fn api_key_is_accepted_only_as_a_bearer_token() {
    let portal = TestPortal::start();
    let key = portal.emulator.token().to_string();
    assert!(key.starts_with("sk-"));
    assert_eq!(
        portal.call("GET", "files/rooms", Auth::Header(&format!("Bearer {key}")), None).status,
        200
    );
    assert_empty_body(&portal.call("GET", "files/rooms", Auth::Header(&key), None), 401);
}

#[test]
fn a_terminated_users_token_is_401() {
    let portal = TestPortal::start();
    portal.emulator.add_person(PersonSeed {
        is_room_admin: true,
        ..PersonSeed::new("ann@example.com", "Ann Lee")
    });
    let token = portal.login("ann@example.com");
    let auth = format!("Bearer {token}");
    assert_eq!(portal.call("GET", "files/rooms", Auth::Header(&auth), None).status, 200);
    portal.emulator.set_person_status("ann@example.com", 2);
    assert_empty_body(&portal.call("GET", "files/rooms", Auth::Header(&auth), None), 401);
}

// ---------------------------------------------------------------------------------------------
// Routing

#[test]
fn unknown_route_is_404_with_an_empty_body() {
    let portal = TestPortal::start();
    assert_empty_body(&portal.get("files/room"), 404);
    assert_empty_body(&portal.put("files/room/1002/rename", json!({})), 404);
    assert_empty_body(&portal.call("GET", "files/tags", Auth::Anonymous, None), 404);
}

#[test]
fn wrong_method_is_405_with_an_empty_body() {
    let portal = TestPortal::start();
    assert_empty_body(&portal.post("files/fileops", json!({})), 405);
    assert_empty_body(&portal.call("PATCH", "files/rooms", Auth::Owner, None), 405);
}

#[test]
fn non_numeric_room_id_is_404_with_an_empty_body() {
    let portal = TestPortal::start();
    assert_empty_body(&portal.get("files/rooms/abc"), 404);
    assert_empty_body(&portal.get("files/rooms/1.5"), 404);
    assert_empty_body(&portal.put("files/rooms/abc", json!({"title": "x"})), 404);
    assert_empty_body(&portal.delete("files/rooms/abc", json!({"deleteAfter": false})), 404);
}
