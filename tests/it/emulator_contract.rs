//! The emulator's contract: each test drives it over HTTP and pins one rule of a real portal, as
//! `shared/docspace/API-NOTES.md` and `OBSERVED-ON-PORTALS.md` describe it. Expected values are
//! literal, never computed with the crate's own helpers. JSON shapes are checked against the
//! spec's schemas kept in `tests/schemas/docspace.json`.

use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::faults::{Behaviour, Faults};
use docspace_rooms::emulator::{Clock, Emulator, EmulatorConfig, PersonSeed};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Harness

struct Portal {
    emu: Emulator,
    http: reqwest::Client,
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HeaderMap,
    text: String,
    json: Value,
}

impl Reply {
    fn response(&self) -> &Value {
        &self.json["response"]
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn error_message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or_default()
    }
}

#[derive(Clone, Copy)]
enum Auth<'a> {
    Owner,
    Anonymous,
    /// `Authorization: <value>` verbatim.
    Header(&'a str),
    /// `Cookie: asc_auth_key=<value>`.
    Cookie(&'a str),
}

impl Portal {
    async fn start() -> Portal {
        Portal::with(EmulatorConfig::default()).await
    }

    /// A portal on a manual clock, and the clock.
    async fn on_clock(clock: Clock) -> Portal {
        Portal::with(EmulatorConfig { clock, ..EmulatorConfig::default() }).await
    }

    async fn with(config: EmulatorConfig) -> Portal {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let emu = Emulator::start(config).await.expect("the emulator starts");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
        Portal { emu, http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/2.0/{}", self.emu.url(), path)
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        body: Option<&str>,
        content_type: Option<&str>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, self.url(path));
        request = match auth {
            Auth::Owner => request.header("Authorization", format!("Bearer {}", self.emu.token())),
            Auth::Anonymous => request,
            Auth::Header(value) => request.header("Authorization", value),
            Auth::Cookie(value) => request.header("Cookie", format!("asc_auth_key={value}")),
        };
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await.expect("the emulator answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, text, json }
    }

    async fn call(&self, method: &str, path: &str, auth: Auth<'_>, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        let content_type = body.as_ref().map(|_| "application/json");
        self.raw(method, path, auth, body.as_deref(), content_type).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.call("GET", path, Auth::Owner, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.call("POST", path, Auth::Owner, Some(body)).await
    }

    async fn put(&self, path: &str, body: Value) -> Reply {
        self.call("PUT", path, Auth::Owner, Some(body)).await
    }

    async fn delete(&self, path: &str, body: Value) -> Reply {
        self.call("DELETE", path, Auth::Owner, Some(body)).await
    }

    /// Create a room over HTTP; returns its JSON.
    async fn create(&self, title: &str, room_type: Value) -> Value {
        let reply = self.post("files/rooms", json!({"title": title, "roomType": room_type})).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.response().clone()
    }

    /// The operations `/fileops` reports now.
    async fn fileops(&self) -> Vec<Value> {
        let reply = self.get("files/fileops").await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.response().as_array().unwrap().clone()
    }

    /// Poll until every operation was reported finished, like a client does.
    async fn settle(&self) {
        for _ in 0..20 {
            if self.fileops().await.iter().all(|op| op["finished"] == json!(true)) {
                return;
            }
        }
        panic!("operations did not finish");
    }

    async fn room(&self, id: u64) -> Reply {
        self.get(&format!("files/rooms/{id}")).await
    }

    /// Titles listed by a rooms query.
    async fn titles(&self, query: &str) -> Vec<String> {
        let reply = self.get(&format!("files/rooms?{query}")).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.response()["folders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["title"].as_str().unwrap().to_string())
            .collect()
    }

    async fn login(&self, email: &str) -> String {
        let body = json!({"userName": email, "password": self.emu.password()});
        let reply = self.call("POST", "authentication", Auth::Anonymous, Some(body)).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.response()["token"].as_str().unwrap().to_string()
    }
}

fn id_of(room: &Value) -> u64 {
    room["id"].as_u64().unwrap()
}

fn assert_empty_body(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.text, "", "expected an empty body");
}

/// The model-validation 400: `errors` inside a wrapped envelope with `status: 1`.
fn assert_validation_400(reply: &Reply) {
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json["status"], 1);
    assert_eq!(reply.json["statusCode"], 400);
    assert_eq!(reply.json["count"], 1);
    assert!(reply.json["response"]["errors"].is_object(), "{}", reply.text);
    assert_eq!(reply.json["response"]["status"], 400);
}

/// The exception envelope: `{status: 1, statusCode, error: {message, type, stack, hresult}}`.
fn assert_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.json["status"], 1, "{}", reply.text);
    assert_eq!(reply.json["statusCode"], status);
    assert_eq!(reply.error_message(), message);
    let error = reply.json["error"].as_object().unwrap();
    for key in ["message", "type", "stack", "hresult"] {
        assert!(error.contains_key(key), "error.{key} missing: {}", reply.text);
    }
    assert!(reply.json.get("response").is_none());
}

// ---------------------------------------------------------------------------------------------
// A checker for the subset of OpenAPI schemas the tests need: type (with nullable), enum,
// required, properties, additionalProperties: false, items, $ref, allOf, oneOf.

fn schemas() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/schemas/docspace.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

pub(crate) fn check_schema(name: &str, value: &Value) {
    let doc = schemas();
    let mut errors = Vec::new();
    check(&doc, &json!({"$ref": format!("#/components/schemas/{name}")}), value, "$", &mut errors);
    assert!(errors.is_empty(), "{name} does not match:\n{}\n{value:#}", errors.join("\n"));
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/schemas/").expect("a local $ref");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// Every property a schema (and its `allOf` parts) declares; whether it forbids others.
fn declared(doc: &Value, schema: &Value, names: &mut Vec<String>) -> bool {
    let schema = resolve(doc, schema);
    let mut closed = schema.get("additionalProperties") == Some(&json!(false))
        && schema.get("x-derived-types").is_none();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        names.extend(props.keys().cloned());
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        closed |= declared(doc, part, names);
    }
    closed
}

/// `closed`: whether to reject undeclared properties here (not inside an `allOf` part, whose
/// siblings declare the rest).
fn check(doc: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    check_part(doc, schema, value, path, errors, true);
}

fn check_part(
    doc: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    errors: &mut Vec<String>,
    closed: bool,
) {
    let schema = resolve(doc, schema);
    if value.is_null() && schema.get("nullable") == Some(&json!(true)) {
        return;
    }
    if let Some(parts) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = parts.iter().filter(|part| {
            let mut sub = Vec::new();
            check(doc, part, value, path, &mut sub);
            sub.is_empty()
        });
        if matching.count() == 0 {
            errors.push(format!("{path}: {value} matches no alternative of oneOf"));
        }
        return;
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        check_part(doc, part, value, path, errors, false);
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    let type_ok = match schema.get("type").and_then(Value::as_str) {
        None => true,
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        Some(other) => panic!("unsupported type {other}"),
    };
    if !type_ok {
        errors.push(format!("{path}: {value} is not of type {}", schema["type"]));
        return;
    }
    if let Some(object) = value.as_object() {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !object.contains_key(required.as_str().unwrap()) {
                errors.push(format!("{path}: required property {required} is missing"));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (key, sub) in props {
                if let Some(v) = object.get(key) {
                    check(doc, sub, v, &format!("{path}.{key}"), errors);
                }
            }
        }
        let mut names = Vec::new();
        if declared(doc, schema, &mut names) && closed {
            for key in object.keys().filter(|k| !names.contains(k)) {
                errors.push(format!("{path}: property {key} is not in the schema"));
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(doc, items, item, &format!("{path}[{i}]"), errors);
        }
    }
}

#[test]
fn the_schema_checker_rejects_what_it_should() {
    let doc = schemas();
    let mut errors = Vec::new();
    check(
        &doc,
        &json!({"$ref": "#/components/schemas/FileOperationDto"}),
        &json!({"id": "x", "operation": 0}),
        "$",
        &mut errors,
    );
    assert!(errors.iter().any(|e| e.contains("Operation")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("property operation is not in the schema")),
        "{errors:?}"
    );
    errors.clear();
    check(&doc, &json!({"$ref": "#/components/schemas/RoomType"}), &json!(3), "$", &mut errors);
    assert_eq!(errors.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Authentication

#[tokio::test]
async fn login_returns_a_token_with_expiry_and_no_two_factor() {
    // 2025-03-06T11:31:16Z.
    let portal = Portal::on_clock(Clock::manual_at(1_741_260_676)).await;
    let body = json!({"userName": "owner@example.com", "password": portal.emu.password()});
    let reply = portal.call("POST", "authentication", Auth::Anonymous, Some(body)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["count"], 1);
    assert_eq!(reply.json["links"][0]["action"], "POST");
    assert_eq!(reply.response()["sms"], false);
    assert_eq!(reply.response()["tfa"], false);
    assert_eq!(reply.response()["expires"], "2026-03-06T11:31:16.0000000+00:00");
    check_schema("AuthenticationTokenDto", reply.response());
}

#[tokio::test]
async fn every_login_issues_a_new_token() {
    let portal = Portal::start().await;
    let first = portal.login("owner@example.com").await;
    let second = portal.login("OWNER@example.com").await;
    assert_ne!(first, second);
    for token in [&first, &second] {
        assert_eq!(
            portal
                .call("GET", "files/rooms", Auth::Header(&format!("Bearer {token}")), None)
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn failed_login_is_401_user_authentication_failed() {
    let portal = Portal::start().await;
    let wrong_password = json!({"userName": "owner@example.com", "password": "nope"});
    let unknown_user = json!({"userName": "nobody@example.com", "password": portal.emu.password()});
    for body in [Some(wrong_password), Some(unknown_user), None] {
        let reply = portal.call("POST", "authentication", Auth::Anonymous, body).await;
        assert_eq!(reply.status, 401, "{}", reply.text);
        assert_eq!(reply.error_message(), "User authentication failed");
        assert_eq!(reply.json["error"]["type"], Value::Null);
        assert_eq!(reply.json["error"]["hresult"], 0);
    }
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_with_an_empty_body() {
    let portal = Portal::start().await;
    assert_empty_body(&portal.call("GET", "files/rooms", Auth::Anonymous, None).await, 401);
    assert_empty_body(
        &portal.call("GET", "files/rooms", Auth::Header("Bearer sk-wrong"), None).await,
        401,
    );
    assert_empty_body(
        &portal.call("GET", "files/rooms", Auth::Header("Bearer not-a-session"), None).await,
        401,
    );
    let create = json!({"title": "x", "roomType": 2});
    assert_empty_body(
        &portal.call("POST", "files/rooms", Auth::Anonymous, Some(create)).await,
        401,
    );
    assert!(portal.emu.rooms().is_empty());
}

#[tokio::test]
async fn login_token_works_with_or_without_bearer_and_as_the_cookie() {
    let portal = Portal::start().await;
    let token = portal.login("owner@example.com").await;
    for auth in
        [Auth::Header(&format!("Bearer {token}")), Auth::Header(&token), Auth::Cookie(&token)]
    {
        assert_eq!(portal.call("GET", "files/rooms", auth, None).await.status, 200);
    }
}

#[tokio::test]
async fn api_key_is_accepted_only_as_a_bearer_token() {
    let portal = Portal::start().await;
    let key = portal.emu.token().to_string();
    assert!(key.starts_with("sk-"));
    assert_eq!(
        portal
            .call("GET", "files/rooms", Auth::Header(&format!("Bearer {key}")), None)
            .await
            .status,
        200
    );
    assert_empty_body(&portal.call("GET", "files/rooms", Auth::Header(&key), None).await, 401);
}

#[tokio::test]
async fn a_terminated_users_token_is_401() {
    let portal = Portal::start().await;
    portal.emu.add_person(PersonSeed {
        is_room_admin: true,
        ..PersonSeed::new("ann@example.com", "Ann Lee")
    });
    let token = portal.login("ann@example.com").await;
    let auth = format!("Bearer {token}");
    assert_eq!(portal.call("GET", "files/rooms", Auth::Header(&auth), None).await.status, 200);
    portal.emu.set_person_status("ann@example.com", 2);
    assert_empty_body(&portal.call("GET", "files/rooms", Auth::Header(&auth), None).await, 401);
}

// ---------------------------------------------------------------------------------------------
// Routing

#[tokio::test]
async fn unknown_route_is_404_with_an_empty_body() {
    let portal = Portal::start().await;
    assert_empty_body(&portal.get("files/room").await, 404);
    assert_empty_body(&portal.put("files/room/1002/rename", json!({})).await, 404);
    assert_empty_body(&portal.call("GET", "files/tags", Auth::Anonymous, None).await, 404);
}

#[tokio::test]
async fn wrong_method_is_405_with_an_empty_body() {
    let portal = Portal::start().await;
    assert_empty_body(&portal.post("files/fileops", json!({})).await, 405);
    assert_empty_body(&portal.call("PATCH", "files/rooms", Auth::Owner, None).await, 405);
}

#[tokio::test]
async fn non_numeric_room_id_is_404_with_an_empty_body() {
    let portal = Portal::start().await;
    assert_empty_body(&portal.get("files/rooms/abc").await, 404);
    assert_empty_body(&portal.get("files/rooms/1.5").await, 404);
    assert_empty_body(&portal.put("files/rooms/abc", json!({"title": "x"})).await, 404);
    assert_empty_body(&portal.delete("files/rooms/abc", json!({"deleteAfter": false})).await, 404);
}

// ---------------------------------------------------------------------------------------------
// Shapes

#[tokio::test]
async fn room_json_matches_the_folder_dto_integer_schema() {
    let portal = Portal::start().await;
    let room = portal.create("Schema", json!(2)).await;
    check_schema("FolderDtoInteger", &room);
    let id = id_of(&room);
    check_schema("FolderDtoInteger", portal.room(id).await.response());
    portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false})).await;
    portal.settle().await;
    check_schema("FolderDtoInteger", portal.room(id).await.response());
}

#[tokio::test]
async fn room_list_matches_folder_content_dto_with_total_inside_the_response() {
    let portal = Portal::start().await;
    portal.emu.seed_room("A", RoomType::Custom, false, &["t"]);
    let reply = portal.get("files/rooms").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["count"], 1, "the envelope count is 1");
    assert!(reply.json.get("total").is_none(), "no total in the envelope");
    assert_eq!(reply.json["status"], 0);
    assert_eq!(reply.json["statusCode"], 200);
    assert_eq!(reply.json["links"], json!([{"href": portal.url("files/rooms"), "action": "GET"}]));
    let content = reply.response();
    check_schema("FolderContentDtoInteger", content);
    assert_eq!(content["total"], 1);
    assert_eq!(content["count"], 1);
    assert_eq!(content["startIndex"], 0);
    assert_eq!(content["files"], json!([]));
    assert_eq!(content["current"]["rootFolderType"], 14);
    check_schema("FolderDtoInteger", &content["current"]);
    for folder in content["folders"].as_array().unwrap() {
        check_schema("FolderDtoInteger", folder);
    }
}

#[tokio::test]
async fn operation_json_matches_file_operation_dto_with_a_capital_operation() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Op", RoomType::Custom, false, &[]);
    let started =
        portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false})).await;
    check_schema("FileOperationDto", started.response());
    assert_eq!(started.response()["Operation"], 0);
    assert!(started.response().get("operation").is_none());
    let deleting = portal.delete(&format!("files/rooms/{id}"), json!({"deleteAfter": false})).await;
    assert_eq!(deleting.response()["Operation"], 2);
    for op in portal.fileops().await {
        check_schema("FileOperationDto", &op);
        assert!(op["id"].is_string());
        assert!(op["processed"].is_string());
    }
}

#[tokio::test]
async fn dates_are_strings_in_the_portal_format() {
    let portal = Portal::start().await;
    let room = portal.create("Dates", json!(5)).await;
    for field in ["created", "updated"] {
        let date = room[field].as_str().unwrap();
        let bytes = date.as_bytes();
        assert_eq!(date.len(), "2025-03-06T11:31:16.0000000+00:00".len(), "{date}");
        assert!(date.ends_with(".0000000+00:00"), "{date}");
        assert_eq!(
            (bytes[4], bytes[7], bytes[10], bytes[13], bytes[16]),
            (b'-', b'-', b'T', b':', b':'),
            "{date}"
        );
    }
    assert!(room["createdBy"]["id"].is_string());
}

#[tokio::test]
async fn error_envelope_has_status_status_code_and_error_details() {
    let portal = Portal::start().await;
    let reply = portal.get("files/rooms/999999").await;
    assert_error(&reply, 404, "The required folder was not found");
    assert_eq!(reply.json["error"]["type"], "ASC.Common.Web.ItemNotFoundException");
    assert!(reply.json["error"]["stack"].is_string());
    assert!(reply.json["error"]["hresult"].is_i64());
}

// ---------------------------------------------------------------------------------------------
// Create

#[tokio::test]
async fn create_answers_200_with_the_room_in_the_rooms_folder() {
    let portal = Portal::start().await;
    let room = portal.create("Marketing", json!(2)).await;
    assert_eq!(room["title"], "Marketing");
    assert_eq!(room["roomType"], 2);
    assert_eq!(room["rootFolderType"], 14);
    assert_eq!(room["parentId"], 1000);
    assert_eq!(room["id"], 1002);
    assert_eq!(room["tags"], json!([]));
    for flag in ["private", "indexing", "denyDownload", "pinned"] {
        assert_eq!(room[flag], false, "{flag}");
    }
    let again = portal.room(1002).await;
    assert_eq!(again.response()["title"], "Marketing");
}

#[tokio::test]
async fn room_type_is_accepted_by_name_or_number_and_answered_as_a_number() {
    let portal = Portal::start().await;
    let cases = [
        (json!("EditingRoom"), 2),
        (json!("CustomRoom"), 5),
        (json!(6), 6),
        (json!("FillingFormsRoom"), 1),
        (json!(8), 8),
    ];
    for (given, expected) in cases {
        assert_eq!(portal.create("Typed", given).await["roomType"], expected);
    }
}

#[tokio::test]
async fn create_without_a_title_or_with_a_blank_one_is_400() {
    let portal = Portal::start().await;
    assert_validation_400(&portal.post("files/rooms", json!({"roomType": 2})).await);
    for title in [json!(null), json!(""), json!("   ")] {
        let reply = portal.post("files/rooms", json!({"title": title, "roomType": 2})).await;
        assert_eq!(reply.status, 400, "{title}: {}", reply.text);
        assert_eq!(reply.json["status"], 1);
    }
    assert!(portal.emu.rooms().is_empty());
}

#[tokio::test]
async fn create_without_a_room_type_or_with_an_unknown_one_is_400() {
    let portal = Portal::start().await;
    assert_validation_400(&portal.post("files/rooms", json!({"title": "x"})).await);
    assert_validation_400(
        &portal.post("files/rooms", json!({"title": "x", "roomType": null})).await,
    );
    assert_validation_400(
        &portal.post("files/rooms", json!({"title": "x", "roomType": "ReviewRoom"})).await,
    );
    for unknown in [json!(3), json!(99999), json!(0)] {
        let reply = portal.post("files/rooms", json!({"title": "x", "roomType": unknown})).await;
        assert_eq!(reply.status, 400, "{unknown}");
        assert!(reply.error_message().contains("roomType"), "{}", reply.text);
    }
    assert!(portal.emu.rooms().is_empty());
}

#[tokio::test]
async fn title_over_170_units_is_400_and_never_cut() {
    let portal = Portal::start().await;
    assert_validation_400(
        &portal.post("files/rooms", json!({"title": "T".repeat(171), "roomType": 2})).await,
    );
    assert_validation_400(
        &portal.post("files/rooms", json!({"title": "T".repeat(1000), "roomType": 2})).await,
    );
    // 85 emoji are 170 UTF-16 units; 86 are 172.
    assert_validation_400(
        &portal.post("files/rooms", json!({"title": "🎉".repeat(86), "roomType": 2})).await,
    );
    let room = portal.create(&"L".repeat(170), json!(2)).await;
    let id = id_of(&room);
    assert_validation_400(
        &portal.put(&format!("files/rooms/{id}"), json!({"title": "M".repeat(171)})).await,
    );
    assert_eq!(portal.room(id).await.response()["title"], "L".repeat(170));
    let renamed = portal.put(&format!("files/rooms/{id}"), json!({"title": "M".repeat(170)})).await;
    assert_eq!(renamed.response()["title"], "M".repeat(170));
}

#[tokio::test]
async fn title_is_normalised_on_save() {
    let portal = Portal::start().await;
    let cases = [
        ("Party 🎉 Time", "Party __ Time"),
        ("Room \"with\" \\slashes & <html> tags", "Room _with_ _slashes & _html_ tags"),
        ("Room 🎉 测试 ファイル", "Room __ 测试 ファイル"),
        ("<script>alert(\"xss\")</script>", "_script_alert(_xss_)__script_"),
        ("'; DROP TABLE rooms; --", "'; DROP TABLE rooms; --"),
        ("R&D: Q1/Q2 + plans", "R&D_ Q1_Q2 _ plans"),
        ("  a*b?c|d\te  ", "a_b_c_d_e"),
    ];
    for (given, stored) in cases {
        let room = portal.create(given, json!(5)).await;
        assert_eq!(room["title"], stored, "create {given:?}");
        assert_eq!(portal.room(id_of(&room)).await.response()["title"], stored);
    }
    let id = portal.emu.seed_room("Plain", RoomType::Custom, false, &[]);
    for (given, stored) in [
        ("Room \"Test\"", "Room _Test_"),
        ("Room <Test>", "Room _Test_"),
        ("Room / Test", "Room _ Test"),
        ("Room \\ Test", "Room _ Test"),
    ] {
        let reply = portal.put(&format!("files/rooms/{id}"), json!({"title": given})).await;
        assert_eq!(reply.response()["title"], stored, "rename {given:?}");
    }
}

#[tokio::test]
async fn duplicate_titles_are_allowed() {
    let portal = Portal::start().await;
    let a = portal.create("Same", json!(2)).await;
    let b = portal.create("Same", json!(2)).await;
    assert_ne!(a["id"], b["id"]);
    let other = portal.create("Other", json!(2)).await;
    let renamed =
        portal.put(&format!("files/rooms/{}", id_of(&other)), json!({"title": "Same"})).await;
    assert_eq!(renamed.status, 200);
    assert_eq!(portal.titles("filterValue=Same").await, ["Same", "Same", "Same"]);
}

#[tokio::test]
async fn tag_over_255_characters_is_400() {
    let portal = Portal::start().await;
    let long = "t".repeat(256);
    let reply =
        portal.post("files/rooms", json!({"title": "x", "roomType": 2, "tags": [long]})).await;
    assert_eq!(reply.status, 400);
    assert!(portal.emu.rooms().is_empty());
    let id = portal.emu.seed_room("Tagged", RoomType::Custom, false, &[]);
    assert_eq!(
        portal.put(&format!("files/rooms/{id}"), json!({"tags": ["t".repeat(300)]})).await.status,
        400
    );
    assert_eq!(
        portal
            .put(&format!("files/rooms/{id}/tags"), json!({"names": ["t".repeat(300)]}))
            .await
            .status,
        400
    );
    assert_eq!(portal.room(id).await.response()["tags"], json!([]));
    let ok =
        portal.put(&format!("files/rooms/{id}/tags"), json!({"names": ["t".repeat(255)]})).await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn tags_are_stored_verbatim_and_deduplicated() {
    let portal = Portal::start().await;
    let reply = portal.post("files/rooms", json!({"title": "x", "roomType": 2, "tags": ["Bad<>/\"\\", "x", "x", "x", "  Padded  "]})).await;
    assert_eq!(reply.response()["tags"], json!(["Bad<>/\"\\", "x", "  Padded  "]));
    let none = portal.post("files/rooms", json!({"title": "y", "roomType": 2, "tags": null})).await;
    assert_eq!(none.response()["tags"], json!([]));
}

#[tokio::test]
async fn tag_catalog_is_case_insensitive_and_keeps_the_first_spelling() {
    let portal = Portal::start().await;
    let first =
        portal.post("files/rooms", json!({"title": "a", "roomType": 2, "tags": ["CaseTag"]})).await;
    assert_eq!(first.response()["tags"], json!(["CaseTag"]));
    let second = portal
        .post("files/rooms", json!({"title": "b", "roomType": 2, "tags": ["casetag", "CASETAG"]}))
        .await;
    assert_eq!(second.response()["tags"], json!(["CaseTag"]));
    assert_eq!(portal.emu.tags(), ["CaseTag"]);
}

// ---------------------------------------------------------------------------------------------
// Read

#[tokio::test]
async fn get_of_an_unknown_room_is_404_even_without_a_token() {
    let portal = Portal::start().await;
    for id in ["999999", "0", "-1"] {
        assert_error(
            &portal.get(&format!("files/rooms/{id}")).await,
            404,
            "The required folder was not found",
        );
    }
    let anonymous = portal.call("GET", "files/rooms/999999", Auth::Anonymous, None).await;
    assert_error(&anonymous, 404, "The required folder was not found");
}

#[tokio::test]
async fn get_of_an_existing_room_without_a_token_is_401_with_a_json_envelope() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Private", RoomType::Custom, false, &[]);
    let reply = portal.call("GET", &format!("files/rooms/{id}"), Auth::Anonymous, None).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json["statusCode"], 401);
    assert_eq!(reply.json["error"]["type"], Value::Null);
    assert_eq!(reply.json["error"]["stack"], Value::Null);
    assert_eq!(reply.json["error"]["hresult"], 0);
}

// ---------------------------------------------------------------------------------------------
// Update

#[tokio::test]
async fn update_renames_and_answers_the_room() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Old", RoomType::Custom, false, &["keep"]);
    let reply =
        portal.put(&format!("files/rooms/{id}"), json!({"title": "New", "unknownField": 1})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()["id"], id);
    assert_eq!(reply.response()["title"], "New");
    assert_eq!(reply.response()["tags"], json!(["keep"]), "a partial update keeps the tags");
    check_schema("FolderDtoInteger", reply.response());
}

#[tokio::test]
async fn update_with_an_empty_or_blank_title_is_a_200_no_op() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Stays", RoomType::Custom, false, &[]);
    for body in [json!({"title": ""}), json!({"title": "   "}), json!({"title": null}), json!({})] {
        let reply = portal.put(&format!("files/rooms/{id}"), body.clone()).await;
        assert_eq!(reply.status, 200, "{body}");
        assert_eq!(reply.response()["title"], "Stays");
    }
}

#[tokio::test]
async fn update_of_a_missing_room_is_403() {
    let portal = Portal::start().await;
    for id in ["999999", "0", "-1"] {
        assert_error(
            &portal.put(&format!("files/rooms/{id}"), json!({"title": "x"})).await,
            403,
            "The required folder was not found",
        );
    }
}

#[tokio::test]
async fn update_of_an_archived_room_is_403() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Frozen", RoomType::Custom, true, &[]);
    let reply = portal.put(&format!("files/rooms/{id}"), json!({"title": "x"})).await;
    assert_error(&reply, 403, "You don't have permission to edit the room");
    assert_eq!(reply.json["error"]["type"], "System.InvalidOperationException");
    assert_eq!(portal.emu.rooms()[0].title, "Frozen");
}

#[tokio::test]
async fn update_tags_replace_the_set_and_an_empty_list_clears_it() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Tags", RoomType::Custom, false, &[]);
    let path = format!("files/rooms/{id}");
    let steps = [
        (json!(["AutotestTagA"]), json!(["AutotestTagA"])),
        (json!(["B", "C"]), json!(["B", "C"])),
        (json!(["D"]), json!(["D"])),
        (json!([]), json!([])),
        (json!(["Dup", "Dup"]), json!(["Dup"])),
    ];
    for (given, expected) in steps {
        assert_eq!(portal.put(&path, json!({"tags": given})).await.response()["tags"], expected);
    }
    assert_eq!(
        portal.put(&path, json!({"title": "Renamed"})).await.response()["tags"],
        json!(["Dup"])
    );
}

#[tokio::test]
async fn put_and_delete_without_a_json_body_are_400() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Body", RoomType::Custom, false, &[]);
    for (method, path) in [
        ("PUT", format!("files/rooms/{id}")),
        ("PUT", format!("files/rooms/{id}/archive")),
        ("PUT", format!("files/rooms/{id}/unarchive")),
        ("DELETE", format!("files/rooms/{id}")),
        ("PUT", format!("files/rooms/{id}/tags")),
        ("DELETE", format!("files/rooms/{id}/tags")),
        ("PUT", format!("files/rooms/{id}/share")),
    ] {
        let reply = portal.raw(method, &path, Auth::Owner, None, Some("application/json")).await;
        assert_validation_400(&reply);
        let reply = portal.raw(method, &path, Auth::Owner, None, None).await;
        assert_validation_400(&reply);
    }
    assert_eq!(portal.emu.rooms().len(), 1);
}

#[tokio::test]
async fn wrong_json_types_are_400_and_change_nothing() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Typed", RoomType::Custom, false, &[]);
    for body in [
        json!({"title": 123}),
        json!({"tags": "notarray"}),
        json!({"color": 123}),
        json!({"denyDownload": "yes"}),
        json!({"indexing": "no"}),
        json!({"tags": [null]}),
        json!({"color": "#FF5733"}),
    ] {
        assert_validation_400(&portal.put(&format!("files/rooms/{id}"), body).await);
    }
    let malformed = portal
        .raw(
            "PUT",
            &format!("files/rooms/{id}"),
            Auth::Owner,
            Some("{not json"),
            Some("application/json"),
        )
        .await;
    assert_validation_400(&malformed);
    let room = &portal.emu.rooms()[0];
    assert_eq!((room.title.as_str(), room.tags.len()), ("Typed", 0));
}

// ---------------------------------------------------------------------------------------------
// Room tags

#[tokio::test]
async fn put_tags_adds_tags_and_empty_names_change_nothing_and_missing_names_are_400() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("T", RoomType::Custom, false, &["A"]);
    let path = format!("files/rooms/{id}/tags");
    let reply = portal.put(&path, json!({"names": ["B", "b", "A"]})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()["tags"], json!(["A", "B"]));
    check_schema("FolderDtoInteger", reply.response());
    assert_eq!(portal.put(&path, json!({"names": []})).await.response()["tags"], json!(["A", "B"]));
    assert_validation_400(&portal.put(&path, json!({})).await);
    assert_validation_400(&portal.put(&path, json!({"names": null})).await);
    assert_validation_400(&portal.put(&path, json!({"names": "A"})).await);
}

#[tokio::test]
async fn delete_tags_removes_case_insensitively_and_skips_unknown_names() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("T", RoomType::Custom, false, &["TagA", "TagB", "TagC", "QA"]);
    let path = format!("files/rooms/{id}/tags");
    let reply = portal
        .delete(&path, json!({"names": ["taga", "TagB", "TagB", "never-seen", "", "   "]}))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()["tags"], json!(["TagC", "QA"]));
    assert_eq!(
        portal.delete(&path, json!({"names": ["qa", "TAGC"]})).await.response()["tags"],
        json!([])
    );
    assert!(
        !portal.emu.tags().contains(&"never-seen".to_string()),
        "detaching never creates catalog entries"
    );
    assert_validation_400(&portal.delete(&path, json!({"name": ["x"]})).await);
}

#[tokio::test]
async fn room_tags_on_an_archived_room_are_403_and_on_an_unknown_room_404() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Archived", RoomType::Custom, true, &["x"]);
    assert_error(
        &portal.put(&format!("files/rooms/{id}/tags"), json!({"names": ["y"]})).await,
        403,
        "Access denied",
    );
    assert_error(
        &portal.delete(&format!("files/rooms/{id}/tags"), json!({"names": ["x"]})).await,
        403,
        "Access denied",
    );
    assert_eq!(portal.put("files/rooms/999999/tags", json!({"names": ["y"]})).await.status, 404);
    assert_eq!(portal.delete("files/rooms/999999/tags", json!({"names": ["y"]})).await.status, 404);
    assert_eq!(portal.emu.rooms()[0].tags, ["x"]);
}

#[tokio::test]
async fn deleting_the_last_room_using_a_tag_removes_it_from_the_catalog() {
    let portal = Portal::start().await;
    let a = portal.emu.seed_room("A", RoomType::Custom, false, &["shared", "only-a"]);
    portal.emu.seed_room("B", RoomType::Custom, false, &["shared"]);
    let c = portal.emu.seed_room("C", RoomType::Custom, false, &["detached"]);
    portal.delete(&format!("files/rooms/{c}/tags"), json!({"names": ["detached"]})).await;
    portal.delete(&format!("files/rooms/{a}"), json!({"deleteAfter": false})).await;
    portal.settle().await;
    assert_eq!(portal.emu.tags(), ["detached", "shared"]);
}

// ---------------------------------------------------------------------------------------------
// Listing

/// One room of each type, plus an archived one.
fn seed_each_type(emu: &Emulator) {
    emu.seed_room("Custom", RoomType::Custom, false, &[]);
    emu.seed_room("Collab", RoomType::Collaboration, false, &[]);
    emu.seed_room("Form", RoomType::FormFilling, false, &[]);
    emu.seed_room("Public", RoomType::Public, false, &[]);
    emu.seed_room("Vdr", RoomType::VirtualData, false, &[]);
    emu.seed_room("Old", RoomType::Custom, true, &[]);
    emu.seed_room("OldForm", RoomType::FormFilling, true, &[]);
}

/// Active Custom rooms with these titles, in this order.
fn seed_titles(emu: &Emulator, titles: &[&str]) {
    for title in titles {
        emu.seed_room(title, RoomType::Custom, false, &[]);
    }
}

const BY_ID: &str = "sortBy=DateAndTimeCreation&sortOrder=ascending";

#[tokio::test]
async fn active_area_leaves_out_form_filling_and_archived_rooms() {
    let portal = Portal::start().await;
    seed_each_type(&portal.emu);
    assert_eq!(portal.titles(BY_ID).await, ["Custom", "Collab", "Public", "Vdr"]);
    assert_eq!(
        portal.titles(&format!("searchArea=Active&{BY_ID}")).await,
        ["Custom", "Collab", "Public", "Vdr"]
    );
    let reply = portal.get(&format!("files/rooms?{BY_ID}")).await;
    assert_eq!(
        (reply.response()["count"].clone(), reply.response()["total"].clone()),
        (json!(4), json!(4))
    );
}

#[tokio::test]
async fn forms_area_lists_active_form_filling_rooms() {
    let portal = Portal::start().await;
    seed_each_type(&portal.emu);
    assert_eq!(portal.titles("searchArea=Forms").await, ["Form"]);
    assert_eq!(portal.titles("searchArea=8").await, ["Form"]);
}

#[tokio::test]
async fn archive_area_lists_archived_rooms_with_root_folder_type_20() {
    let portal = Portal::start().await;
    seed_each_type(&portal.emu);
    let reply = portal.get(&format!("files/rooms?searchArea=Archive&{BY_ID}")).await;
    let folders = reply.response()["folders"].as_array().unwrap();
    let titles: Vec<&str> = folders.iter().map(|f| f["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Old", "OldForm"]);
    for folder in folders {
        assert_eq!(folder["rootFolderType"], 20);
        assert_eq!(folder["parentId"], 1001);
    }
    assert_eq!(reply.response()["current"]["id"], 1001);
    assert_eq!(reply.response()["current"]["rootFolderType"], 20);
}

#[tokio::test]
async fn any_area_lists_every_room_active_and_archived() {
    let portal = Portal::start().await;
    seed_each_type(&portal.emu);
    assert_eq!(
        portal.titles(&format!("searchArea=Any&{BY_ID}")).await,
        ["Custom", "Collab", "Form", "Public", "Vdr", "Old", "OldForm"]
    );
    assert_eq!(portal.titles(&format!("searchArea=2&{BY_ID}")).await.len(), 7);
}

#[tokio::test]
async fn search_area_is_taken_by_name_or_number_and_anything_else_is_400() {
    let portal = Portal::start().await;
    seed_each_type(&portal.emu);
    assert_eq!(portal.titles("searchArea=archive").await.len(), 2);
    assert_eq!(portal.titles("searchArea=1").await.len(), 2);
    assert_eq!(portal.titles("searchArea=0").await.len(), 4);
    for bad in ["999", "Trash", "-1"] {
        assert_validation_400(&portal.get(&format!("files/rooms?searchArea={bad}")).await);
    }
}

#[tokio::test]
async fn count_outside_1_to_100_or_not_a_number_is_400() {
    let portal = Portal::start().await;
    for query in [
        "count=0",
        "count=101",
        "count=-1",
        "count=abc",
        "startIndex=-1",
        "startIndex=abc",
        "type=999",
    ] {
        assert_validation_400(&portal.get(&format!("files/rooms?{query}")).await);
    }
    assert_eq!(portal.get("files/rooms?count=100").await.status, 200);
    assert_eq!(portal.get("files/rooms?count=1").await.status, 200);
}

#[tokio::test]
async fn start_index_and_count_page_the_list_and_keep_the_total() {
    let portal = Portal::start().await;
    seed_titles(&portal.emu, &["A", "B", "C", "D"]);
    let reply = portal.get(&format!("files/rooms?startIndex=1&count=2&{BY_ID}")).await;
    let content = reply.response();
    assert_eq!(
        (content["startIndex"].clone(), content["count"].clone(), content["total"].clone()),
        (json!(1), json!(2), json!(4))
    );
    assert_eq!(portal.titles(&format!("startIndex=1&count=2&{BY_ID}")).await, ["B", "C"]);
    let beyond = portal.get(&format!("files/rooms?startIndex=999&{BY_ID}")).await;
    assert_eq!(beyond.response()["folders"], json!([]));
    assert_eq!(beyond.response()["total"], 4);
}

#[tokio::test]
async fn a_repeated_page_query_sees_every_change_made_between_pages() {
    let portal = Portal::start().await;
    seed_titles(&portal.emu, &["A", "B", "C"]);
    let query = format!("startIndex=0&count=2&{BY_ID}");
    assert_eq!(portal.titles(&query).await, ["A", "B"]);
    let a = portal.emu.rooms().iter().find(|r| r.title == "A").map(|r| r.id).unwrap();
    assert_eq!(portal.put(&format!("files/rooms/{a}"), json!({ "title": "A2" })).await.status, 200);
    assert_eq!(portal.titles(&query).await, ["A2", "B"]);
    let created = portal.create("D", json!(2)).await;
    let all = portal.get(&format!("files/rooms?{BY_ID}")).await;
    assert_eq!(all.response()["total"], 4);
    assert_eq!(id_of(&all.response()["folders"][3]), id_of(&created));
}

#[tokio::test]
async fn filter_value_matches_a_case_insensitive_part_of_the_title() {
    let portal = Portal::start().await;
    seed_titles(&portal.emu, &["Marketing EMEA", "Sales", "marketing us"]);
    assert_eq!(
        portal.titles(&format!("filterValue=MARKETING&{BY_ID}")).await,
        ["Marketing EMEA", "marketing us"]
    );
    let none = portal.get("files/rooms?filterValue=zzz").await;
    assert_eq!(
        (none.response()["folders"].clone(), none.response()["total"].clone()),
        (json!([]), json!(0))
    );
}

#[tokio::test]
async fn type_filter_is_repeatable_and_takes_names_or_numbers() {
    let portal = Portal::start().await;
    seed_each_type(&portal.emu);
    assert_eq!(portal.titles("type=PublicRoom").await, ["Public"]);
    assert_eq!(portal.titles(&format!("type=5&type=6&{BY_ID}")).await, ["Custom", "Public"]);
    assert_eq!(
        portal.titles(&format!("type=CustomRoom&searchArea=Archive&{BY_ID}")).await,
        ["Old"]
    );
}

#[tokio::test]
async fn sort_by_title_or_creation_works_in_both_orders() {
    let portal = Portal::start().await;
    seed_titles(&portal.emu, &["C", "a", "B"]);
    assert_eq!(portal.titles("sortBy=AZ&sortOrder=ascending").await, ["a", "B", "C"]);
    assert_eq!(portal.titles("sortBy=AZ&sortOrder=Descending").await, ["C", "B", "a"]);
    assert_eq!(portal.titles("sortBy=DateAndTimeCreation&sortOrder=0").await, ["C", "a", "B"]);
    assert_eq!(portal.titles("sortBy=DateAndTimeCreation&sortOrder=1").await, ["B", "a", "C"]);
}

#[tokio::test]
async fn invalid_sort_by_is_ignored_and_invalid_sort_order_is_400() {
    let portal = Portal::start().await;
    seed_titles(&portal.emu, &["C", "a", "B"]);
    assert_eq!(portal.titles("sortBy=AZ&sortOrder=ascending").await, ["a", "B", "C"]);
    // `title` is no SortedByType: ignored, so the saved order (AZ ascending) applies.
    assert_eq!(portal.titles("sortBy=title&sortOrder=descending").await, ["a", "B", "C"]);
    assert_validation_400(&portal.get("files/rooms?sortBy=AZ&sortOrder=sideways").await);
}

// ---------------------------------------------------------------------------------------------
// Operations

#[tokio::test]
async fn archive_answers_an_unfinished_operation_and_the_room_moves_only_later() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Moving", RoomType::Custom, false, &[]);
    let reply =
        portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()["finished"], false);
    assert_eq!(reply.response()["progress"], 0);
    assert_eq!(reply.response()["error"], "");
    assert_eq!(portal.room(id).await.response()["rootFolderType"], 14, "not moved yet");
    let ops = portal.fileops().await;
    assert_eq!(ops.len(), 1);
    assert_eq!(
        (ops[0]["finished"].clone(), ops[0]["progress"].clone(), ops[0]["error"].clone()),
        (json!(true), json!(100), json!(""))
    );
    assert_eq!(ops[0]["id"], reply.response()["id"]);
    let room = portal.room(id).await;
    assert_eq!(
        (room.response()["rootFolderType"].clone(), room.response()["parentId"].clone()),
        (json!(20), json!(1001))
    );
}

#[tokio::test]
async fn fileops_reports_a_finished_operation_once_and_then_forgets_it() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Once", RoomType::Custom, false, &[]);
    portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false})).await;
    let reply = portal.get("files/fileops").await;
    assert_eq!(reply.json["count"], 1, "a streamed list: envelope count 1");
    assert_eq!(reply.response().as_array().unwrap().len(), 1);
    assert_eq!(portal.fileops().await, Vec::<Value>::new());
}

#[tokio::test]
async fn fileops_with_an_id_reports_only_that_operation() {
    let portal = Portal::start().await;
    let a = portal.emu.seed_room("A", RoomType::Custom, false, &[]);
    let b = portal.emu.seed_room("B", RoomType::Custom, false, &[]);
    let op_a = portal
        .put(&format!("files/rooms/{a}/archive"), json!({"deleteAfter": false}))
        .await
        .response()["id"]
        .clone();
    portal.put(&format!("files/rooms/{b}/archive"), json!({"deleteAfter": false})).await;
    let only_a = portal.get(&format!("files/fileops?id={}", op_a.as_str().unwrap())).await;
    assert_eq!(only_a.response().as_array().unwrap().len(), 1);
    assert_eq!(only_a.response()[0]["id"], op_a);
    let unknown = portal.get("files/fileops?id=00000000-0000-0000-0000-000000000001").await;
    assert_eq!(unknown.response(), &json!([]));
    assert_eq!(portal.fileops().await.len(), 1, "B is still there");
}

#[tokio::test]
async fn polls_per_operation_sets_how_many_reads_an_operation_takes() {
    let portal = Portal::start().await;
    portal.emu.set_behaviour(Behaviour { polls_per_operation: 3, ..Behaviour::default() });
    let id = portal.emu.seed_room("Slow", RoomType::Custom, false, &[]);
    portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false})).await;
    for _ in 0..2 {
        let ops = portal.fileops().await;
        assert_eq!(ops[0]["finished"], false);
        assert!(ops[0]["progress"].as_i64().unwrap() < 100);
        assert!(!portal.emu.rooms()[0].archived);
    }
    assert_eq!(portal.fileops().await[0]["finished"], true);
    assert!(portal.emu.rooms()[0].archived);
}

#[tokio::test]
async fn unarchive_moves_the_room_back_to_the_rooms_folder() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Back", RoomType::Custom, true, &[]);
    let reply =
        portal.put(&format!("files/rooms/{id}/unarchive"), json!({"deleteAfter": false})).await;
    assert_eq!(reply.response()["Operation"], 0);
    portal.settle().await;
    let room = portal.room(id).await;
    assert_eq!(
        (room.response()["rootFolderType"].clone(), room.response()["parentId"].clone()),
        (json!(14), json!(1000))
    );
}

#[tokio::test]
async fn archiving_an_archived_room_is_a_200_operation_that_changes_nothing() {
    let portal = Portal::start().await;
    let archived = portal.emu.seed_room("Archived", RoomType::Custom, true, &[]);
    let active = portal.emu.seed_room("Active", RoomType::Custom, false, &[]);
    assert_eq!(
        portal
            .put(&format!("files/rooms/{archived}/archive"), json!({"deleteAfter": false}))
            .await
            .status,
        200
    );
    assert_eq!(portal.put(&format!("files/rooms/{active}/unarchive"), json!({})).await.status, 200);
    for op in portal.fileops().await {
        assert_eq!((op["finished"].clone(), op["error"].clone()), (json!(true), json!("")));
    }
    let rooms = portal.emu.rooms();
    assert_eq!((rooms[0].archived, rooms[1].archived), (true, false));
}

#[tokio::test]
async fn archive_unarchive_and_delete_of_an_unknown_room_are_404() {
    let portal = Portal::start().await;
    for (method, path) in [
        ("PUT", "files/rooms/999999/archive"),
        ("PUT", "files/rooms/999999/unarchive"),
        ("DELETE", "files/rooms/999999"),
    ] {
        let reply =
            portal.call(method, path, Auth::Owner, Some(json!({"deleteAfter": false}))).await;
        assert_error(&reply, 404, "The required folder was not found");
    }
    let id = portal.emu.seed_room("Gone", RoomType::Custom, false, &[]);
    portal.delete(&format!("files/rooms/{id}"), json!({"deleteAfter": false})).await;
    portal.settle().await;
    assert_eq!(
        portal.delete(&format!("files/rooms/{id}"), json!({"deleteAfter": false})).await.status,
        404
    );
    assert_eq!(portal.room(id).await.status, 404);
}

#[tokio::test]
async fn delete_works_for_active_and_archived_rooms() {
    let portal = Portal::start().await;
    let active = portal.emu.seed_room("Active", RoomType::Collaboration, false, &[]);
    let archived = portal.emu.seed_room("Archived", RoomType::Custom, true, &[]);
    for id in [active, archived] {
        let reply =
            portal.delete(&format!("files/rooms/{id}"), json!({"deleteAfter": false})).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.response()["Operation"], 2);
        assert_eq!(reply.response()["finished"], false);
    }
    assert_eq!(portal.emu.rooms().len(), 2, "not deleted before the operation finishes");
    portal.settle().await;
    assert!(portal.emu.rooms().is_empty());
    assert_eq!(portal.titles("searchArea=Any").await, Vec::<String>::new());
}

#[tokio::test]
async fn delete_of_an_active_room_is_403_access_denied_when_the_role_may_not() {
    let portal = Portal::start().await;
    portal.emu.set_behaviour(Behaviour { deny_active_delete: true, ..Behaviour::default() });
    let active = portal.emu.seed_room("Active", RoomType::Custom, false, &[]);
    let archived = portal.emu.seed_room("Archived", RoomType::Custom, true, &[]);
    let reply =
        portal.delete(&format!("files/rooms/{active}"), json!({"deleteAfter": false})).await;
    assert_error(&reply, 403, "Access denied");
    assert_eq!(
        portal
            .delete(&format!("files/rooms/{archived}"), json!({"deleteAfter": false}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn delete_after_true_or_null_leaves_no_operation_to_poll() {
    let portal = Portal::start().await;
    let a = portal.emu.seed_room("A", RoomType::Custom, false, &[]);
    let b = portal.emu.seed_room("B", RoomType::Custom, false, &[]);
    let c = portal.emu.seed_room("C", RoomType::Custom, true, &[]);
    assert_eq!(
        portal.delete(&format!("files/rooms/{a}"), json!({"deleteAfter": true})).await.status,
        200
    );
    assert_eq!(
        portal.delete(&format!("files/rooms/{b}"), json!({"deleteAfter": null})).await.status,
        200
    );
    assert_eq!(
        portal
            .put(&format!("files/rooms/{c}/unarchive"), json!({"deleteAfter": true}))
            .await
            .status,
        200
    );
    assert_eq!(portal.fileops().await, Vec::<Value>::new());
    let rooms = portal.emu.rooms();
    assert_eq!(rooms.len(), 1);
    assert!(!rooms[0].archived);
}

#[tokio::test]
async fn delete_after_that_is_not_a_boolean_is_400() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("A", RoomType::Custom, true, &[]);
    for body in [json!({"deleteAfter": "false"}), json!({"deleteAfter": 1})] {
        assert_validation_400(&portal.delete(&format!("files/rooms/{id}"), body.clone()).await);
        assert_validation_400(&portal.put(&format!("files/rooms/{id}/unarchive"), body).await);
    }
    assert_validation_400(
        &portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": null})).await,
    );
    assert_eq!(portal.fileops().await, Vec::<Value>::new());
    assert!(portal.emu.rooms()[0].archived);
}

#[tokio::test]
async fn a_failing_operation_finishes_with_its_error_and_changes_nothing() {
    let portal = Portal::start().await;
    let message = "You don't have enough permission to move the folder";
    portal.emu.set_behaviour(Behaviour {
        failing_operation: Some(message.into()),
        ..Behaviour::default()
    });
    let id = portal.emu.seed_room("Stuck", RoomType::Custom, false, &[]);
    portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false})).await;
    let ops = portal.fileops().await;
    assert_eq!(
        (ops[0]["finished"].clone(), ops[0]["error"].clone()),
        (json!(true), json!(message))
    );
    assert!(!portal.emu.rooms()[0].archived);
}

#[tokio::test]
async fn an_operation_that_never_finishes_stays_running() {
    let portal = Portal::start().await;
    portal.emu.set_behaviour(Behaviour { operations_never_finish: true, ..Behaviour::default() });
    let id = portal.emu.seed_room("Forever", RoomType::Custom, false, &[]);
    portal.delete(&format!("files/rooms/{id}"), json!({"deleteAfter": false})).await;
    for _ in 0..5 {
        let ops = portal.fileops().await;
        assert_eq!((ops.len(), ops[0]["finished"].clone()), (1, json!(false)));
    }
    assert_eq!(portal.emu.rooms().len(), 1);
}

#[tokio::test]
async fn fileops_without_a_token_is_an_empty_list() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Mine", RoomType::Custom, false, &[]);
    portal.put(&format!("files/rooms/{id}/archive"), json!({"deleteAfter": false})).await;
    let reply = portal.call("GET", "files/fileops", Auth::Anonymous, None).await;
    assert_eq!((reply.status, reply.response().clone()), (200, json!([])));
    assert_eq!(portal.fileops().await.len(), 1, "still the owner's to read");
}

// ---------------------------------------------------------------------------------------------
// People, groups and members

async fn portal_with_people() -> Portal {
    let portal = Portal::start().await;
    portal.emu.add_person(PersonSeed {
        is_room_admin: true,
        ..PersonSeed::new("ann@example.com", "Ann Lee")
    });
    portal.emu.add_person(PersonSeed::new("bob@example.com", "Bob Stone"));
    portal.emu.add_person(PersonSeed {
        is_visitor: true,
        ..PersonSeed::new("gus@example.com", "Gus Guest")
    });
    portal
        .emu
        .add_person(PersonSeed { status: 2, ..PersonSeed::new("tom@example.com", "Tom Gone") });
    portal.emu.add_group("Editors", &["ann@example.com", "bob@example.com"]);
    portal
}

async fn person_id(portal: &Portal, email: &str) -> String {
    portal.get(&format!("people/email?email={email}")).await.response()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn people_list_is_paged_with_count_and_total_and_filter_value() {
    let portal = portal_with_people().await;
    let all = portal.get("people").await;
    assert_eq!(all.status, 200);
    assert_eq!(
        (all.json["count"].clone(), all.json["total"].clone()),
        (json!(4), json!(4)),
        "active people only"
    );
    for person in all.response().as_array().unwrap() {
        check_schema("EmployeeFullDto", person);
        assert_eq!(person["status"], 1);
    }
    let page = portal.get("people?startIndex=1&count=2").await;
    assert_eq!((page.json["count"].clone(), page.json["total"].clone()), (json!(2), json!(4)));
    let filtered = portal.get("people?filterValue=STONE").await;
    assert_eq!(filtered.response()[0]["email"], "bob@example.com");
    assert_eq!(filtered.json["total"], 1);
}

#[tokio::test]
async fn person_by_email_finds_any_status_and_404_when_unknown() {
    let portal = portal_with_people().await;
    let tom = portal.get("people/email?email=tom@example.com").await;
    assert_eq!((tom.status, tom.response()["status"].clone()), (200, json!(2)));
    check_schema("EmployeeFullDto", tom.response());
    assert_error(&portal.get("people/email?email=nobody@example.com").await, 404, "User not found");
}

#[tokio::test]
async fn groups_are_listed_with_their_ids() {
    let portal = portal_with_people().await;
    let reply = portal.get("group").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.response()[0]["name"], "Editors");
    check_schema("GroupDto", &reply.response()[0]);
}

#[tokio::test]
async fn the_owner_is_a_person_who_owns_the_rooms_the_api_creates() {
    let portal = Portal::start().await;
    let owner = portal.get("people/email?email=owner@example.com").await;
    let owner = owner.response();
    assert_eq!((owner["isOwner"].clone(), owner["isAdmin"].clone()), (json!(true), json!(true)));
    let room = portal.create("Mine", json!(2)).await;
    assert_eq!(room["createdBy"]["id"], owner["id"]);
    assert_eq!(room["ownedBy"]["id"], owner["id"]);
}

#[tokio::test]
async fn share_lists_the_owner_first_with_is_owner_and_read_write_access() {
    let portal = portal_with_people().await;
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &[]);
    let fresh = portal.get(&format!("files/rooms/{id}/share")).await;
    assert_eq!(fresh.response().as_array().unwrap().len(), 1);
    assert_eq!(
        (fresh.response()[0]["isOwner"].clone(), fresh.response()[0]["access"].clone()),
        (json!(true), json!(1))
    );
    let bob = person_id(&portal, "bob@example.com").await;
    let reply = portal
        .put(
            &format!("files/rooms/{id}/share"),
            json!({"invitations": [{"id": bob, "access": 10}], "notify": false}),
        )
        .await;
    assert_eq!(reply.status, 200);
    check_schema("RoomSecurityDto", reply.response());
    assert_eq!(reply.response()["members"].as_array().unwrap().len(), 1);
    let list = portal.get(&format!("files/rooms/{id}/share")).await;
    assert_eq!((list.json["count"].clone(), list.json["total"].clone()), (json!(2), json!(2)));
    assert_eq!(list.response()[0]["isOwner"], true);
    assert_eq!(list.response()[1]["sharedToUser"]["id"], json!(bob));
    assert_eq!(list.response()[1]["access"], 10);
    for entry in list.response().as_array().unwrap() {
        check_schema("FileShareDto", entry);
    }
}

#[tokio::test]
async fn share_access_0_removes_a_member_and_the_owner_cannot_be_removed() {
    let portal = portal_with_people().await;
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &[]);
    let bob = person_id(&portal, "bob@example.com").await;
    let owner = person_id(&portal, "owner@example.com").await;
    let path = format!("files/rooms/{id}/share");
    portal.put(&path, json!({"invitations": [{"id": bob, "access": 2}]})).await;
    let reply = portal
        .put(&path, json!({"invitations": [{"id": bob, "access": 0}, {"id": owner, "access": 0}]}))
        .await;
    assert_eq!(reply.status, 200);
    let members = portal.emu.members(id);
    assert_eq!(members.len(), 1);
    assert!(members[0].is_owner);
}

#[tokio::test]
async fn share_of_the_same_person_twice_takes_the_last_access() {
    let portal = portal_with_people().await;
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &[]);
    let bob = person_id(&portal, "bob@example.com").await;
    let reply = portal
        .put(
            &format!("files/rooms/{id}/share"),
            json!({"invitations": [{"id": bob, "access": 2}, {"id": bob, "access": 10}]}),
        )
        .await;
    assert_eq!(reply.response()["members"].as_array().unwrap().len(), 1);
    assert_eq!(reply.response()["members"][0]["access"], 10);
    let members = portal.emu.members(id);
    assert_eq!((members.len(), members[1].access), (2, 10));
}

#[tokio::test]
async fn share_with_an_access_the_room_type_does_not_allow_is_403_and_adds_nobody() {
    let portal = portal_with_people().await;
    let collab = portal.emu.seed_room("Collab", RoomType::Collaboration, false, &[]);
    let public = portal.emu.seed_room("Public", RoomType::Public, false, &[]);
    let form = portal.emu.seed_room("Form", RoomType::FormFilling, false, &[]);
    let bob = person_id(&portal, "bob@example.com").await;
    let ann = person_id(&portal, "ann@example.com").await;
    let group = portal.get("group").await.response()[0]["id"].as_str().unwrap().to_string();
    let rejected = [
        (collab, &bob, 7),
        (collab, &bob, 5),
        (collab, &bob, 6),
        (public, &bob, 2),
        (public, &bob, 10),
        (form, &bob, 10),
        (form, &bob, 2),
        (form, &bob, 9),
        (collab, &bob, 999),
        (collab, &group, 9),
    ];
    for (room, subject, access) in rejected {
        let body =
            json!({"invitations": [{"id": ann, "access": 2}, {"id": subject, "access": access}]});
        let reply = portal.put(&format!("files/rooms/{room}/share"), body).await;
        assert_eq!(reply.status, 403, "room {room} access {access}: {}", reply.text);
        assert_eq!(portal.emu.members(room).len(), 1, "nobody added");
    }
    for (room, subject, access) in [
        (collab, &bob, 11),
        (public, &bob, 11),
        (form, &bob, 7),
        (collab, &ann, 9),
        (collab, &group, 10),
    ] {
        let reply = portal
            .put(
                &format!("files/rooms/{room}/share"),
                json!({"invitations": [{"id": subject, "access": access}]}),
            )
            .await;
        assert_eq!(reply.status, 200, "room {room} access {access}: {}", reply.text);
    }
}

#[tokio::test]
async fn share_on_an_archived_room_is_403_and_on_an_unknown_room_404() {
    let portal = portal_with_people().await;
    let archived = portal.emu.seed_room("Archived", RoomType::Custom, true, &[]);
    let bob = person_id(&portal, "bob@example.com").await;
    let body = json!({"invitations": [{"id": bob, "access": 2}]});
    assert_eq!(
        portal.put(&format!("files/rooms/{archived}/share"), body.clone()).await.status,
        403
    );
    for id in ["999999", "0", "-1"] {
        assert_eq!(portal.put(&format!("files/rooms/{id}/share"), body.clone()).await.status, 404);
        assert_eq!(portal.get(&format!("files/rooms/{id}/share")).await.status, 404);
    }
}

#[tokio::test]
async fn share_skips_a_terminated_user_with_200_and_no_members() {
    let portal = portal_with_people().await;
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &[]);
    let tom = person_id(&portal, "tom@example.com").await;
    let reply = portal
        .put(
            &format!("files/rooms/{id}/share"),
            json!({"invitations": [{"id": tom, "access": 2}], "notify": true}),
        )
        .await;
    assert_eq!((reply.status, reply.response()["members"].clone()), (200, json!([])));
    assert_eq!(portal.emu.members(id).len(), 1);
}

#[tokio::test]
async fn share_invitation_without_access_is_ignored() {
    let portal = portal_with_people().await;
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &[]);
    let bob = person_id(&portal, "bob@example.com").await;
    let path = format!("files/rooms/{id}/share");
    let reply = portal.put(&path, json!({"invitations": [{"id": bob}]})).await;
    assert_eq!((reply.status, reply.response()["members"].clone()), (200, json!([])));
    // An empty list answers before the room lookup, with no `members` at all (issue 12).
    for body in [json!({"invitations": []}), json!({"invitations": null}), json!({})] {
        let reply = portal.put(&path, body).await;
        assert_eq!((reply.status, reply.response().get("members")), (200, None));
    }
    assert_eq!(portal.emu.members(id).len(), 1);
}

#[tokio::test]
async fn share_invitation_id_0_is_400() {
    let portal = portal_with_people().await;
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &[]);
    let reply = portal
        .put(&format!("files/rooms/{id}/share"), json!({"invitations": [{"id": 0, "access": 2}]}))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(portal.emu.members(id).len(), 1);
}

#[tokio::test]
async fn share_by_email_of_an_unknown_person_invites_a_pending_guest() {
    let portal = portal_with_people().await;
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &[]);
    let reply = portal
        .put(
            &format!("files/rooms/{id}/share"),
            json!({"invitations": [{"email": "new@example.com", "access": 2}]}),
        )
        .await;
    assert_eq!(reply.status, 200);
    let user = &reply.response()["members"][0]["sharedToUser"];
    assert_eq!(
        (user["email"].clone(), user["isVisitor"].clone(), user["activationStatus"].clone()),
        (json!("new@example.com"), json!(true), json!(2))
    );
    assert_eq!(portal.get("people/email?email=new@example.com").await.status, 200);
    let known = portal
        .put(
            &format!("files/rooms/{id}/share"),
            json!({"invitations": [{"email": "BOB@example.com", "access": 10}]}),
        )
        .await;
    assert_eq!(known.response()["members"][0]["sharedToUser"]["email"], "bob@example.com");
    assert_eq!(portal.emu.members(id).len(), 3);
    let invalid = portal
        .put(
            &format!("files/rooms/{id}/share"),
            json!({"invitations": [{"email": "not-an-email", "access": 2}]}),
        )
        .await;
    assert_validation_400(&invalid);
}

#[tokio::test]
async fn share_list_pages_with_count_and_total() {
    let portal = portal_with_people().await;
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &[]);
    let bob = person_id(&portal, "bob@example.com").await;
    let ann = person_id(&portal, "ann@example.com").await;
    portal
        .put(
            &format!("files/rooms/{id}/share"),
            json!({"invitations": [{"id": bob, "access": 2}, {"id": ann, "access": 9}]}),
        )
        .await;
    let page = portal.get(&format!("files/rooms/{id}/share?startIndex=1&count=1")).await;
    assert_eq!((page.json["count"].clone(), page.json["total"].clone()), (json!(1), json!(3)));
    assert_eq!(page.response()[0]["sharedToUser"]["email"], "bob@example.com");
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn latency_delays_every_request() {
    let portal = Portal::start().await;
    portal.emu.set_faults(Faults { latency: Duration::from_millis(120), ..Faults::default() });
    let started = Instant::now();
    assert_eq!(portal.get("files/rooms").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(120));
}

#[tokio::test]
async fn every_nth_request_is_429_with_retry_after_and_rate_limit_headers() {
    let portal = Portal::start().await;
    // Counting starts when the faults are set.
    portal.get("files/rooms").await;
    portal.emu.set_faults(Faults {
        rate_limit_every: Some(3),
        retry_after_secs: 7,
        ..Faults::default()
    });
    let replies = futures_serial(&portal, 6).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    let limited = &replies[5];
    assert_empty_body(limited, 429);
    assert_eq!(limited.header("retry-after"), Some("7"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert!(limited.header("x-ratelimit-limit").is_some());
    assert!(limited.header("x-ratelimit-reset").is_some());
}

/// `n` owner GETs of the rooms list, one after another.
async fn futures_serial(portal: &Portal, n: usize) -> Vec<Reply> {
    let mut replies = Vec::new();
    for _ in 0..n {
        replies.push(portal.get("files/rooms").await);
    }
    replies
}

#[tokio::test]
async fn requests_above_the_rate_are_429_until_a_second_has_passed() {
    let portal = Portal::on_clock(Clock::manual()).await;
    portal.emu.set_faults(Faults { rate_limit_per_second: Some(3), ..Faults::default() });
    let statuses: Vec<u16> = futures_serial(&portal, 5).await.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    portal.emu.clock().advance(Duration::from_millis(999));
    assert_eq!(portal.get("files/rooms").await.status, 429, "the second has not passed");
    portal.emu.clock().advance(Duration::from_millis(1));
    assert_eq!(portal.get("files/rooms").await.status, 200);
}

#[tokio::test]
async fn every_nth_request_is_a_5xx_with_an_html_body() {
    let portal = Portal::start().await;
    portal.emu.set_faults(Faults { server_error_every: Some(2), ..Faults::default() });
    let replies = futures_serial(&portal, 4).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 502, 200, 502]);
    assert!(replies[1].header("content-type").unwrap().starts_with("text/html"));
    assert!(replies[1].text.contains("<html>"));
}

#[tokio::test]
async fn a_lost_create_response_drops_the_connection_after_the_room_is_created() {
    let portal = Portal::start().await;
    portal.emu.set_faults(Faults { lose_create_response_every: Some(2), ..Faults::default() });
    portal.create("First", json!(2)).await;
    let lost = portal
        .http
        .post(portal.url("files/rooms"))
        .bearer_auth(portal.emu.token())
        .json(&json!({"title": "Second", "roomType": 2}))
        .send()
        .await;
    assert!(lost.is_err(), "no response at all: {lost:?}");
    let titles: Vec<String> = portal.emu.rooms().into_iter().map(|r| r.title).collect();
    assert_eq!(titles, ["First", "Second"], "the room was created");
    let record = portal.emu.requests().into_iter().last().unwrap();
    assert!(record.response_lost);
    assert_eq!(portal.titles(BY_ID).await, ["First", "Second"]);
}

#[tokio::test]
async fn rate_limit_headers_come_with_every_response_and_a_full_window_is_429() {
    let portal = Portal::start().await;
    portal.emu.set_faults(Faults {
        rate_limit_headers: Some((3, Duration::from_secs(30))),
        ..Faults::default()
    });
    let replies = futures_serial(&portal, 4).await;
    let remaining: Vec<Option<&str>> =
        replies.iter().map(|r| r.header("x-ratelimit-remaining")).collect();
    assert_eq!(remaining, [Some("2"), Some("1"), Some("0"), Some("0")]);
    for reply in &replies {
        assert_eq!(reply.header("x-ratelimit-limit"), Some("3"));
        let reset: u64 = reply.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!(reset <= 30);
    }
    assert_eq!(replies[3].status, 429);
    let retry: u64 = replies[3].header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry));
}

#[tokio::test]
async fn more_than_15_concurrent_writes_are_429_and_the_peak_is_recorded() {
    let portal = Portal::start().await;
    portal.emu.set_behaviour(Behaviour { enforce_write_concurrency: true, ..Behaviour::default() });
    portal.emu.set_faults(Faults { latency: Duration::from_millis(400), ..Faults::default() });
    let creates = (0..20)
        .map(|i| portal.post("files/rooms", json!({"title": format!("R{i}"), "roomType": 2})));
    let replies = futures::future::join_all(creates).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let limited: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(ok + limited.len(), 20);
    assert_eq!(ok, 15, "the limiter lets 15 writes in");
    assert!(limited.iter().all(|r| r.text.is_empty()));
    assert_eq!(portal.emu.max_concurrent_writes(), 20);
    assert_eq!(portal.emu.rooms().len(), 15);
}

// ---------------------------------------------------------------------------------------------
// State and bookkeeping

#[tokio::test]
async fn a_state_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let config = EmulatorConfig {
        state_file: Some(file.clone()),
        token: Some("sk-fixed".into()),
        ..EmulatorConfig::default()
    };
    let portal = Portal::with(config.clone()).await;
    let id = id_of(&portal.create("Persisted", json!("CustomRoom")).await);
    portal.put(&format!("files/rooms/{id}/tags"), json!({"names": ["kept"]})).await;
    portal.emu.add_person(PersonSeed::new("ann@example.com", "Ann Lee"));
    portal.emu.shutdown().await;
    assert!(!dir.path().join("state.json.tmp").exists());

    let again = Portal::with(config).await;
    let room = again.room(id).await;
    assert_eq!(room.status, 200);
    assert_eq!(
        (room.response()["title"].clone(), room.response()["tags"].clone()),
        (json!("Persisted"), json!(["kept"]))
    );
    assert_eq!(again.get("people/email?email=ann@example.com").await.status, 200);
    assert_eq!(again.create("Next", json!(2)).await["id"], id + 1);
}

#[tokio::test]
async fn every_request_is_recorded_with_method_path_and_status() {
    let portal = Portal::start().await;
    portal.get("files/rooms?count=5").await;
    portal.post("files/rooms", json!({"title": "x", "roomType": 2})).await;
    portal.get("nowhere").await;
    let records: Vec<(String, String, u16)> =
        portal.emu.requests().into_iter().map(|r| (r.method, r.path, r.status)).collect();
    assert_eq!(
        records,
        [
            ("GET".to_string(), "/api/2.0/files/rooms".to_string(), 200),
            ("POST".to_string(), "/api/2.0/files/rooms".to_string(), 200),
            ("GET".to_string(), "/api/2.0/nowhere".to_string(), 404),
        ]
    );
}

#[tokio::test]
async fn seed_room_normalises_the_title_and_ids_start_at_1002() {
    let portal = Portal::start().await;
    let id = portal.emu.seed_room("Party 🎉 Time", RoomType::Public, true, &["A", "a"]);
    assert_eq!(id, 1002);
    let room = &portal.emu.rooms()[0];
    assert_eq!(
        (room.title.as_str(), room.archived, room.tags.clone()),
        ("Party __ Time", true, vec!["A".to_string()])
    );
}

// ---------------------------------------------------------------------------------------------
// The command

#[test]
fn the_emulator_command_serves_until_interrupted_and_keeps_its_state() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let port = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let run = |expect_room: bool| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_docspace-rooms"))
            .args(["emulator", "--listen", &listen, "--state"])
            .arg(&state)
            .env_remove("DOCSPACE_EMULATOR_TOKEN")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        assert!(first.contains(&format!("http://{listen}")), "{first}");
        let second = lines.next().unwrap().unwrap();
        let token = second.rsplit(' ').next().unwrap().to_string();
        assert!(token.starts_with("sk-"), "{second}");

        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let http = reqwest::Client::new();
            let url = format!("http://{listen}/api/2.0/files/rooms");
            if !expect_room {
                let created = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"title": "Kept", "roomType": 2}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(created.status(), 200);
            }
            let list: Value =
                http.get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
            assert_eq!(list["response"]["folders"][0]["title"], "Kept");
        });
        crate::common::signal(&child, "-INT");
        crate::common::wait_until("the emulator stops on SIGINT", Duration::from_secs(10), || {
            child.try_wait().unwrap().is_some()
        });
        let status = child.wait().unwrap();
        assert!(status.success(), "{status}");
    };
    run(false);
    run(true);
}

#[tokio::test]
async fn a_seed_file_adds_people_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    let text = r#"{"people": [{"email": "ann@example.com", "displayName": "Ann Lee", "isRoomAdmin": true},
                              {"email": "tom@example.com", "status": 2}],
                   "groups": [{"name": "Editors", "members": ["ann@example.com", "tom@example.com"]}]}"#;
    std::fs::write(&seed, text).unwrap();
    let portal =
        Portal::with(EmulatorConfig { seed_file: Some(seed), ..EmulatorConfig::default() }).await;
    let ann = portal.get("people/email?email=ann@example.com").await;
    assert_eq!(
        (ann.response()["displayName"].clone(), ann.response()["isRoomAdmin"].clone()),
        (json!("Ann Lee"), json!(true))
    );
    assert_eq!(portal.get("people/email?email=tom@example.com").await.response()["status"], 2);
    let groups = portal.get("group").await;
    assert_eq!(
        (groups.response()[0]["name"].clone(), groups.response()[0]["membersCount"].clone()),
        (json!("Editors"), json!(2))
    );
    assert!(portal.login("ann@example.com").await.len() > 20);
}

// ---------------------------------------------------------------------------------------------
// Issue 12: the emulator reads requests like a portal

/// A portal with `n` groups named `G000`, `G001`, … and Ann in the first two.
async fn portal_with_groups(n: usize) -> Portal {
    let portal = portal_with_people().await;
    for i in 0..n {
        let members: &[&str] = if i < 2 { &["ann@example.com"] } else { &[] };
        portal.emu.add_group(&format!("G{i:03}"), members);
    }
    portal
}

#[tokio::test]
async fn groups_are_paged_at_most_100_with_count_and_total() {
    // GroupsController.GetGroupsAsync: SetCount(items in the page).SetTotalCount(all matching).
    let portal = portal_with_groups(120).await;
    let first = portal.get("group").await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.response().as_array().unwrap().len(), 100);
    assert_eq!(
        (first.json["count"].clone(), first.json["total"].clone()),
        (json!(100), json!(121))
    );
    let last = portal.get("group?startIndex=100&count=50").await;
    assert_eq!(last.response().as_array().unwrap().len(), 21);
    assert_eq!((last.json["count"].clone(), last.json["total"].clone()), (json!(21), json!(121)));
    assert_eq!(last.response()[20]["name"], "G119", "sorted by title");
    for query in ["count=0", "count=101", "startIndex=-1", "count=abc"] {
        assert_validation_400(&portal.get(&format!("group?{query}")).await);
    }
}

#[tokio::test]
async fn groups_filter_by_name_member_and_sort_order() {
    let portal = portal_with_groups(3).await;
    let by_name = portal.get("group?filterValue=edit").await;
    assert_eq!(by_name.json["total"], 1);
    assert_eq!(by_name.response()[0]["name"], "Editors");
    let ann = person_id(&portal, "ann@example.com").await;
    let of_ann = portal.get(&format!("group?userId={ann}")).await;
    let names: Vec<&str> =
        of_ann.response().as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Editors", "G000", "G001"]);
    let descending = portal.get("group?sortOrder=descending").await;
    assert_eq!(descending.response()[0]["name"], "G002");
    assert_eq!(portal.get(&format!("group?userId={ann}&manager=true")).await.json["total"], 0);
    for query in ["userId=not-a-guid", "manager=maybe", "sortOrder=sideways"] {
        assert_validation_400(&portal.get(&format!("group?{query}")).await);
    }
}

#[tokio::test]
async fn person_by_email_with_a_malformed_or_missing_email_is_400() {
    let portal = portal_with_people().await;
    for query in ["people/email?email=not-an-email", "people/email", "people/email?email="] {
        let reply = portal.get(query).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.text);
    }
    assert_eq!(portal.get("people/email?email=nobody@example.com").await.status, 404);
}

#[tokio::test]
async fn people_count_outside_1_to_100_is_400() {
    let portal = portal_with_people().await;
    for query in ["count=0", "count=101", "count=-1", "count=abc", "startIndex=abc"] {
        assert_validation_400(&portal.get(&format!("people?{query}")).await);
    }
}

#[tokio::test]
async fn share_with_no_invitations_is_200_before_the_room_lookup_and_has_no_members_key() {
    let portal = portal_with_people().await;
    for body in [json!({"invitations": []}), json!({}), json!({"invitations": null})] {
        let reply = portal.put("files/rooms/999999/share", body.clone()).await;
        assert_eq!(reply.status, 200, "{body}: {}", reply.text);
        assert!(reply.response().get("members").is_none(), "{}", reply.text);
    }
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &[]);
    let reply = portal.put(&format!("files/rooms/{id}/share"), json!({"invitations": []})).await;
    assert!(reply.response().get("members").is_none(), "{}", reply.text);
    let bob = person_id(&portal, "bob@example.com").await;
    let unknown_room = json!({"invitations": [{"id": bob, "access": 2}]});
    assert_eq!(portal.put("files/rooms/999999/share", unknown_room).await.status, 404);
}

#[tokio::test]
async fn search_area_accepts_every_value_of_the_portals_enum() {
    // SearchArea 0..7 (spec); Forms (8) as observed. No recent links, templates, knowledge or
    // result storage folders exist here, so those areas are empty.
    let portal = Portal::start().await;
    seed_each_type(&portal.emu);
    for area in ["3", "RecentByLinks", "4", "Templates", "5", "Knowledge", "6", "ResultStorage"] {
        let reply = portal.get(&format!("files/rooms?searchArea={area}")).await;
        assert_eq!(reply.status, 200, "{area}: {}", reply.text);
        assert_eq!(reply.response()["total"], 0, "{area}");
    }
    for area in ["7", "AiAgents"] {
        assert_eq!(portal.get(&format!("files/rooms?searchArea={area}")).await.status, 200);
    }
    assert_validation_400(&portal.get("files/rooms?searchArea=9").await);
}

#[tokio::test]
async fn share_filter_type_takes_flag_names_and_rejects_undefined_numbers() {
    let portal = portal_with_people().await;
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &[]);
    let editors = portal.emu.add_group("Editors", &["ann@example.com", "bob@example.com"]);
    portal
        .put(
            &format!("files/rooms/{id}/share"),
            json!({"invitations": [{"id": editors, "access": 2}]}),
        )
        .await;
    let total = |reply: Reply| reply.json["total"].clone();
    let path = format!("files/rooms/{id}/share");
    assert_eq!(total(portal.get(&format!("{path}?filterType=User")).await), json!(1));
    assert_eq!(total(portal.get(&format!("{path}?filterType=group")).await), json!(1));
    assert_eq!(total(portal.get(&format!("{path}?filterType=User,Group")).await), json!(2));
    assert_eq!(total(portal.get(&format!("{path}?filterType=48")).await), json!(2));
    assert_eq!(total(portal.get(&format!("{path}?filterType=Link")).await), json!(0));
    for bad in ["64", "3x", "Nobody", "-1"] {
        assert_validation_400(&portal.get(&format!("{path}?filterType={bad}")).await);
    }
}

#[tokio::test]
async fn subject_filters_are_implemented_and_unknown_owner_lists_nothing() {
    let portal = portal_with_people().await;
    seed_titles(&portal.emu, &["Mine"]);
    let ann = person_id(&portal, "ann@example.com").await;
    let owner = person_id(&portal, "owner@example.com").await;
    let token = portal.login("ann@example.com").await;
    let bearer = format!("Bearer {token}");
    let reply = portal
        .call(
            "POST",
            "files/rooms",
            Auth::Header(&bearer),
            Some(json!({"title": "Anns", "roomType": 5})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let unknown = "3f0b5a4e-1111-4222-8333-944445555666";
    assert_eq!(portal.titles(&format!("subjectOwnerId={unknown}")).await, Vec::<String>::new());
    assert_eq!(portal.titles(&format!("subjectOwnerId={ann}")).await, ["Anns"]);
    assert_eq!(portal.titles(&format!("subjectOwnerId={ann}&excludeSubject=true")).await, ["Mine"]);
    assert_eq!(portal.titles(&format!("subjectId={owner}&subjectFilter=Owner")).await, ["Mine"]);
    assert_eq!(portal.titles(&format!("subjectId={unknown}")).await, Vec::<String>::new());
    assert_eq!(portal.titles("quotaFilter=Custom").await, Vec::<String>::new());
    assert_eq!(portal.titles("storageFilter=ThirdParty").await, Vec::<String>::new());
    assert_eq!(portal.titles("provider=GoogleDrive").await, Vec::<String>::new());
    assert_eq!(
        portal.titles("quotaFilter=All&storageFilter=Internal&provider=None").await.len(),
        2
    );
    for bad in [
        "subjectOwnerId=nope",
        "excludeSubject=perhaps",
        "quotaFilter=9",
        "provider=Ftp",
        "groupId=5",
        "groupId=x",
    ] {
        let reply = portal.get(&format!("files/rooms?{bad}")).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
    }
}

#[tokio::test]
async fn inputs_the_emulator_does_not_use_are_still_validated() {
    let portal = Portal::start().await;
    let base = json!({"title": "T", "roomType": 8});
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    for (key, value) in [
        ("chatSettings", json!("broken")),
        ("lifetime", json!({"period": 999, "value": 5, "deletePermanently": false})),
        ("lifetime", json!({"period": 0, "value": -5, "deletePermanently": false})),
        ("lifetime", json!({"period": 0, "value": 1000})),
        ("lifetime", json!("broken")),
        ("cover", json!("no-such-cover")),
        ("share", json!("broken")),
        ("share", json!([{"shareTo": "x", "access": 2}])),
        ("quota", json!("big")),
        ("watermark", json!({"text": 5})),
        ("logo", json!({"x": 1})),
        ("sendFormToExternalDB", json!("yes")),
    ] {
        let reply = portal.post("files/rooms", with(key, value.clone())).await;
        assert_eq!(reply.status, 400, "{key}: {value}: {}", reply.text);
    }
    assert_eq!(portal.emu.rooms().len(), 0, "nothing was created");
    let ok = with("lifetime", json!({"period": 1, "value": 30, "deletePermanently": false}));
    assert_eq!(portal.post("files/rooms", ok).await.status, 200);
    let id = portal.emu.rooms()[0].id;
    let path = format!("files/rooms/{id}");
    for body in [
        json!({"lifetime": {"value": -5}}),
        json!({"cover": "no-such-cover"}),
        json!({"chatSettings": "broken"}),
        json!({"watermark": {"rotate": "left"}}),
    ] {
        let reply = portal.put(&path, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
    }
    for body in
        [json!({"lifetime": {"enabled": false}}), json!({"cover": ""}), json!({"cover": "anchor"})]
    {
        assert_eq!(portal.put(&path, body.clone()).await.status, 200, "{body}");
    }
}

// ---------------------------------------------------------------------------------------------
// Faults the client tests need

#[tokio::test]
async fn page_cap_limits_every_paged_list_and_keeps_the_true_total() {
    let portal = portal_with_groups(5).await;
    seed_titles(&portal.emu, &["A", "B", "C", "D"]);
    let id = portal.emu.rooms()[0].id;
    let bob = person_id(&portal, "bob@example.com").await;
    let ann = person_id(&portal, "ann@example.com").await;
    let invite = json!({"invitations": [{"id": bob, "access": 2}, {"id": ann, "access": 2}]});
    assert_eq!(portal.put(&format!("files/rooms/{id}/share"), invite).await.status, 200);
    portal.emu.set_faults(Faults { page_cap: Some(2), ..Faults::default() });

    let rooms = portal.get("files/rooms?count=100").await;
    assert_eq!(rooms.response()["folders"].as_array().unwrap().len(), 2);
    assert_eq!(
        (rooms.response()["count"].clone(), rooms.response()["total"].clone()),
        (json!(2), json!(4))
    );
    let second = portal.get("files/rooms?startIndex=2&count=100").await;
    assert_eq!(second.response()["count"], 2);
    for (path, total) in [
        ("people?count=50", 4),
        ("group?count=50", 6),
        (&*format!("files/rooms/{id}/share?count=50"), 3),
    ] {
        let reply = portal.get(path).await;
        assert_eq!(reply.response().as_array().unwrap().len(), 2, "{path}");
        assert_eq!(
            (reply.json["count"].clone(), reply.json["total"].clone()),
            (json!(2), json!(total)),
            "{path}"
        );
    }
    let small = portal.get("people?count=1").await;
    assert_eq!(small.json["count"], 1, "a smaller count still wins");
}

#[tokio::test]
async fn create_commits_late_answers_504_html_and_commits_after_the_delay() {
    let portal = Portal::on_clock(Clock::manual()).await;
    portal.emu.set_faults(Faults {
        create_commits_late: Some(Duration::from_millis(300)),
        ..Faults::default()
    });
    let reply = portal.post("files/rooms", json!({"title": "Late", "roomType": 5})).await;
    assert_eq!(reply.status, 504);
    assert!(reply.text.contains("<html>"), "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("text/html"));
    portal.emu.clock().advance(Duration::from_millis(299));
    assert!(portal.titles("").await.is_empty(), "not committed yet");
    assert!(portal.emu.rooms().is_empty(), "nor seen by the test hooks");
    portal.emu.clock().advance(Duration::from_millis(1));
    assert_eq!(portal.emu.rooms().len(), 1, "committed once the delay is up");
    assert_eq!(portal.titles("").await, ["Late"]);
    let invalid = portal.post("files/rooms", json!({"title": "", "roomType": 5})).await;
    assert_eq!(invalid.status, 400, "a create that would fail still fails at once");
}

#[tokio::test]
async fn fail_once_answers_500_with_the_error_envelope_once_per_entry_and_changes_nothing() {
    let portal = portal_with_people().await;
    let id = portal.emu.seed_room("Team", RoomType::Custom, false, &["a"]);
    portal.emu.set_faults(Faults {
        fail_once: vec![
            "PUT /api/2.0/files/rooms/*/tags".into(),
            "put /api/2.0/files/rooms/*".into(),
        ],
        ..Faults::default()
    });
    let tags = format!("files/rooms/{id}/tags");
    let first = portal.put(&tags, json!({"names": ["b"]})).await;
    assert_eq!(first.status, 500);
    assert_eq!(
        (first.json["status"].clone(), first.json["statusCode"].clone()),
        (json!(1), json!(500))
    );
    assert!(!first.error_message().is_empty());
    assert_eq!(portal.emu.rooms()[0].tags, ["a"], "the failed request had no effect");
    assert_eq!(portal.put(&tags, json!({"names": ["b"]})).await.status, 200, "the entry is spent");
    let share = portal.put(&format!("files/rooms/{id}/share"), json!({"invitations": []})).await;
    assert_eq!(share.status, 200, "`*` matches one segment, not two");
    let rename = portal.put(&format!("files/rooms/{id}"), json!({"title": "New"})).await;
    assert_eq!(rename.status, 500);
    assert_eq!(portal.emu.rooms()[0].title, "Team");
    assert_eq!(portal.put(&format!("files/rooms/{id}"), json!({"title": "New"})).await.status, 200);
}

#[tokio::test]
async fn seeded_groups_with_the_same_name_get_distinct_stable_ids_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    let mut groups: Vec<Value> = (0..101).map(|i| json!({"name": format!("G{i:03}")})).collect();
    groups.push(json!({"name": "Twin"}));
    groups.push(json!({"name": "Twin"}));
    std::fs::write(&seed, json!({"groups": groups}).to_string()).unwrap();
    let portal =
        Portal::with(EmulatorConfig { seed_file: Some(seed), ..EmulatorConfig::default() }).await;
    let first = portal.get("group").await;
    assert_eq!(
        (first.json["count"].clone(), first.json["total"].clone()),
        (json!(100), json!(103))
    );
    let twins = portal.get("group?filterValue=twin").await;
    let ids: Vec<&str> =
        twins.response().as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    let single = Portal::start().await;
    let unique_id = single.emu.add_group("Twin", &[]);
    assert!(
        ids.contains(&unique_id.as_str()),
        "the first of a name keeps the id a unique name has"
    );
}
