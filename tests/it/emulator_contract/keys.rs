//! API keys and their scopes, as DocSpace-server v3.7.2 enforces them: the scope map
//! (`common/ASC.Api.Core/Auth/AuthorizationExtension.cs` L39-91, any one scope of the set
//! suffices), the same check on `[AllowAnonymous]` actions
//! (`common/ASC.Api.Core/Middleware/ApiKeyScopesFilter.cs` L42-87), a key's claims
//! (`common/ASC.Api.Core/Auth/ApiKeyBearerAuthHandler.cs` L72-80) and the key's own endpoint
//! (`products/ASC.People/Server/Api/ApiKeysController.cs` L163-173).

use super::*;
use docspace_rooms::emulator::ApiKeySeed;

const ROOMS_READ: &str = "sk-rooms-read-0001";
const ROOMS_WRITE: &str = "sk-rooms-write-0002";
const ACCOUNTS_WRITE: &str = "sk-accounts-write-0003";
const ACCOUNTS_READ: &str = "sk-accounts-read-0004";
const GLOBAL_READ: &str = "sk-global-read-0005";
const FILES_READ: &str = "sk-files-read-0006";
const STAR: &str = "sk-star-0007";
const NARROW_READS: &str = "sk-narrow-reads-0008";

/// A portal whose owner holds keys of one scope each (and a few more), and one room.
fn portal_with_keys() -> (TestPortal, u64) {
    let key = ApiKeySeed::new;
    let portal = TestPortal::with(EmulatorConfig {
        api_keys: vec![
            key(ROOMS_READ, &["rooms:read"]),
            key(ROOMS_WRITE, &["rooms:write"]),
            key(ACCOUNTS_WRITE, &["accounts:write"]),
            key(ACCOUNTS_READ, &["accounts:read"]),
            key(GLOBAL_READ, &["*:read"]),
            key(FILES_READ, &["files:read"]),
            key(STAR, &["*"]),
            key(NARROW_READS, &["rooms:read", "files:read", "accounts:read"]),
        ],
        ..EmulatorConfig::default()
    });
    let room = portal.seed("Finance", RoomType::Custom, false, &[]);
    (portal, room)
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// `method path` sent with `key`.
fn with_key(
    portal: &TestPortal,
    key: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Reply {
    portal.call(method, path, Auth::Header(&bearer(key)), body)
}

fn status(portal: &TestPortal, key: &str, method: &str, path: &str) -> u16 {
    let body = (method != "GET").then(|| json!({}));
    with_key(portal, key, method, path, body).status
}

#[test]
fn a_key_without_the_scope_gets_an_empty_403_before_anything_is_looked_up() {
    let (portal, room) = portal_with_keys();
    assert_eq!(status(&portal, ROOMS_READ, "GET", "files/rooms"), 200);
    assert_eq!(status(&portal, ROOMS_READ, "GET", &format!("files/rooms/{room}/share")), 200);
    let archive = with_key(
        &portal,
        ROOMS_READ,
        "PUT",
        &format!("files/rooms/{room}/archive"),
        Some(json!({})),
    );
    assert_empty_body(&archive, 403);
    // A room that does not exist is refused the same way: the policy runs before the action.
    assert_empty_body(
        &with_key(&portal, ROOMS_READ, "PUT", "files/rooms/999999", Some(json!({"title": "X"}))),
        403,
    );
    let create = json!({"title": "New", "roomType": 6});
    assert_empty_body(&with_key(&portal, ROOMS_READ, "POST", "files/rooms", Some(create)), 403);
    assert_eq!(portal.rooms(), [("Finance".to_owned(), false, vec![])], "nothing changed");
}

#[test]
fn rooms_write_can_start_an_archive_but_not_poll_it_nor_touch_folders() {
    let (portal, room) = portal_with_keys();
    // `:write` implies `:read` where the map lists both (rooms).
    assert_eq!(status(&portal, ROOMS_WRITE, "GET", &format!("files/rooms/{room}")), 200);
    let archive = with_key(
        &portal,
        ROOMS_WRITE,
        "PUT",
        &format!("files/rooms/{room}/archive"),
        Some(json!({"deleteAfter": false})),
    );
    assert_eq!(archive.status, 200, "{}", archive.text);
    // `GET files/fileops` and `GET files/folder/{id}` are anonymous actions: the filter refuses
    // them all the same.
    assert_empty_body(&with_key(&portal, ROOMS_WRITE, "GET", "files/fileops", None), 403);
    assert_empty_body(
        &with_key(&portal, ROOMS_WRITE, "GET", &format!("files/folder/{room}"), None),
        403,
    );
    assert_empty_body(&with_key(&portal, ROOMS_WRITE, "GET", &format!("files/{room}"), None), 403);
    assert_empty_body(
        &with_key(&portal, ROOMS_WRITE, "GET", &format!("files/{room}/subfolders"), None),
        403,
    );
    assert_empty_body(
        &with_key(
            &portal,
            ROOMS_WRITE,
            "POST",
            &format!("files/folder/{room}"),
            Some(json!({"title": "X"})),
        ),
        403,
    );
    assert!(portal.emulator.folders(room).is_empty());
    // `files:read` polls the operation.
    assert_eq!(status(&portal, FILES_READ, "GET", "files/fileops"), 200);
}

#[test]
fn the_group_list_accepts_accounts_read_and_not_accounts_write() {
    let (portal, _) = portal_with_keys();
    assert_eq!(status(&portal, ACCOUNTS_WRITE, "GET", "people"), 200);
    assert_eq!(status(&portal, ACCOUNTS_WRITE, "GET", "people/email?email=owner@example.com"), 200);
    assert_empty_body(&with_key(&portal, ACCOUNTS_WRITE, "GET", "group", None), 403);
    assert_eq!(status(&portal, ACCOUNTS_READ, "GET", "group"), 200);
    assert_eq!(status(&portal, ACCOUNTS_READ, "GET", "people"), 200);
    // An `accounts` key reads no rooms (OBSERVED §3.2, BUG 81239).
    assert_empty_body(&with_key(&portal, ACCOUNTS_READ, "GET", "files/rooms/1", None), 403);
}

#[test]
fn a_path_in_no_entry_needs_a_global_scope_and_global_read_writes_nothing() {
    let (portal, room) = portal_with_keys();
    assert_empty_body(&with_key(&portal, NARROW_READS, "GET", "portal/payment/quota", None), 403);
    assert_eq!(status(&portal, GLOBAL_READ, "GET", "portal/payment/quota"), 200);
    for path in ["files/rooms", "files/fileops", "people", "group", "files/rooms/covers"] {
        assert_eq!(status(&portal, GLOBAL_READ, "GET", path), 200, "{path}");
    }
    assert_empty_body(
        &with_key(
            &portal,
            GLOBAL_READ,
            "PUT",
            &format!("files/rooms/{room}"),
            Some(json!({"title": "X"})),
        ),
        403,
    );
}

#[test]
fn the_token_and_a_key_made_with_a_star_are_unrestricted_and_read_no_permissions() {
    let (portal, room) = portal_with_keys();
    for key in [portal.emulator.token().to_owned(), STAR.to_owned()] {
        let own = with_key(&portal, &key, "GET", "keys/@self", None);
        assert_eq!(own.status, 200, "{}", own.text);
        assert_eq!(own.response()["permissions"], json!([]), "{key}");
        assert_eq!(status(&portal, &key, "GET", "portal/payment/quota"), 200);
        assert_eq!(status(&portal, &key, "GET", "files/fileops"), 200);
    }
    let renamed = with_key(
        &portal,
        STAR,
        "PUT",
        &format!("files/rooms/{room}"),
        Some(json!({"title": "Renamed"})),
    );
    assert_eq!(renamed.status, 200, "{}", renamed.text);
}

#[test]
fn keys_self_describes_the_key_to_any_valid_key() {
    // 2030-01-01T00:00:00Z.
    let now = 1_893_456_000;
    let portal = TestPortal::with(EmulatorConfig {
        clock: Clock::manual_at(now),
        api_keys: vec![
            ApiKeySeed {
                name: Some("CI plan".into()),
                expires_at: Some("2030-01-02T12:00:00Z".into()),
                ..ApiKeySeed::new("sk-abcdefgh1234", &["rooms:read", "files:read"])
            },
            ApiKeySeed::new("sk-accounts-only", &["accounts:read"]),
        ],
        ..EmulatorConfig::default()
    });
    let own = with_key(&portal, "sk-abcdefgh1234", "GET", "keys/@self", None);
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.json["count"], 1);
    let key = own.response();
    check_schema("ApiKeyResponseDto", key);
    assert_eq!(key["name"], "CI plan");
    assert_eq!(key["key"], "sk-***1234");
    assert_eq!(key["keyPostfix"], "1234");
    assert_eq!(key["permissions"], json!(["rooms:read", "files:read"]));
    assert_eq!(key["expiresAt"], "2030-01-02T12:00:00.0000000+00:00");
    assert_eq!(key["isActive"], true);
    assert_eq!(key["lastUsed"], "2030-01-01T00:00:00.0000000+00:00");
    assert_eq!(key["createBy"]["id"], person_id(&portal, "owner@example.com"));
    // No scope policy: a key without any `rooms` or `files` scope reads its own, and a key that
    // never expires has no `expiresAt` at all.
    let other = with_key(&portal, "sk-accounts-only", "GET", "keys/@self", None);
    assert_eq!(other.status, 200, "{}", other.text);
    assert!(other.response().get("expiresAt").is_none(), "{}", other.text);
    assert_eq!(other.response()["permissions"], json!(["accounts:read"]));
}

#[test]
fn keys_self_is_a_500_for_a_login_token_and_a_401_for_no_one() {
    let portal = TestPortal::start();
    let token = portal.login("owner@example.com");
    let reply = portal.call("GET", "keys/@self", Auth::Header(&bearer(&token)), None);
    assert_eq!(reply.status, 500, "{}", reply.text);
    assert_empty_body(&portal.call("GET", "keys/@self", Auth::Anonymous, None), 401);
}

#[test]
fn an_invalid_key_is_401_on_a_protected_action_and_403_on_an_anonymous_one() {
    // 2030-01-01T00:00:00Z; one key expires a minute later, one is switched off.
    let now = 1_893_456_000;
    let portal = TestPortal::with(EmulatorConfig {
        clock: Clock::manual_at(now),
        api_keys: vec![
            ApiKeySeed {
                expires_at: Some("2030-01-01T00:01:00Z".into()),
                ..ApiKeySeed::new("sk-expiring", &["rooms:write", "files:write"])
            },
            ApiKeySeed { is_active: false, ..ApiKeySeed::new("sk-inactive", &[]) },
        ],
        ..EmulatorConfig::default()
    });
    let room = portal.seed("Finance", RoomType::Custom, false, &[]);
    assert_eq!(status(&portal, "sk-expiring", "GET", "files/fileops"), 200);
    portal.emulator.clock().advance(Duration::from_secs(60));
    for key in ["sk-expiring", "sk-inactive", "sk-never-seeded"] {
        assert_empty_body(&with_key(&portal, key, "GET", "files/rooms", None), 401);
        assert_empty_body(&with_key(&portal, key, "GET", "keys/@self", None), 401);
        for path in [
            "files/fileops".to_owned(),
            format!("files/rooms/{room}"),
            format!("files/folder/{room}"),
        ] {
            assert_empty_body(&with_key(&portal, key, "GET", &path, None), 403);
        }
    }
    // The filter looks at API-key requests only: no credentials, or a login token, on an
    // anonymous action is the action's own business.
    assert_eq!(portal.call("GET", "files/fileops", Auth::Anonymous, None).status, 200);
    let token = portal.login("owner@example.com");
    assert_eq!(
        portal.call("GET", "files/fileops", Auth::Header(&bearer(&token)), None).status,
        200
    );
}

#[test]
fn the_seed_file_takes_api_keys_and_refuses_a_scope_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"api_keys": [{"key": "sk-from-the-seed", "permissions": ["rooms:write", "files:write", "accounts:read"],
                          "expiresAt": "2999-01-01T00:00:00Z", "isActive": true}]}"#,
    )
    .unwrap();
    let portal = TestPortal::with(EmulatorConfig {
        seed_file: Some(seed.clone()),
        ..EmulatorConfig::default()
    });
    let own = with_key(&portal, "sk-from-the-seed", "GET", "keys/@self", None);
    assert_eq!(
        own.response()["permissions"],
        json!(["rooms:write", "files:write", "accounts:read"])
    );
    assert_empty_body(
        &with_key(&portal, "sk-from-the-seed", "GET", "portal/payment/quota", None),
        403,
    );

    // `people:read` is no scope: the server refuses to create such a key (400 "Permissions are
    // not valid.", ApiKeysController.cs L79-82), so no portal holds one.
    std::fs::write(
        &seed,
        r#"{"api_keys": [{"key": "sk-bad-scope", "permissions": ["people:read"]}]}"#,
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let config = EmulatorConfig { seed_file: Some(seed), ..EmulatorConfig::default() };
    let err = runtime.block_on(Emulator::start(config)).err().expect("the seed is refused");
    assert!(err.to_string().contains("`people:read` is not a scope"), "{err}");
}
