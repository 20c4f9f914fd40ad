//! Issue 12, "a create is never sent twice": a create whose outcome is unknown (a gateway's
//! 504) is looked for, never sent again; one the portal did not take (503) is sent again.
//! The fake portal counts what it receives.

use crate::common::{FakePortal, envelope};
use axum::Json;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use docspace_rooms::docspace::RoomType;
use docspace_rooms::portal::ApiError;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const ROOMS: &str = "/api/2.0/files/rooms";

fn room(id: u64) -> Value {
    json!({"id": id, "title": "Budget", "roomType": 5, "rootFolderType": 14})
}

/// A portal holding room 1, "Budget", that answers creates with `answers` in turn (the last
/// one from then on; 200 creates room 42) and lists room 42 as well from the `appears_at`-th
/// lookup in the `Any` area on.
fn portal(answers: &'static [u16], appears_at: Option<usize>) -> FakePortal {
    let posts = Arc::new(AtomicUsize::new(0));
    let lookups = Arc::new(AtomicUsize::new(0));
    let create = move || {
        let answer = answers[posts.fetch_add(1, Ordering::SeqCst).min(answers.len() - 1)];
        async move {
            match answer {
                200 => Json(envelope(room(42), None)).into_response(),
                status => StatusCode::from_u16(status).unwrap().into_response(),
            }
        }
    };
    let list = move |Query(query): Query<HashMap<String, String>>| {
        let any = query.get("searchArea").map(String::as_str) == Some("Any");
        let lookup = if any { lookups.fetch_add(1, Ordering::SeqCst) + 1 } else { 0 };
        async move {
            let mut folders = if any { vec![room(1)] } else { Vec::new() };
            if any && appears_at.is_some_and(|at| lookup >= at) {
                folders.push(room(42));
            }
            let total = folders.len();
            Json(envelope(json!({"folders": folders, "count": total, "total": total}), None))
        }
    };
    FakePortal::start(axum::Router::new().route(ROOMS, get(list).post(create)))
}

fn create(server: &FakePortal, window: Duration) -> Result<u64, ApiError> {
    let portal = server.client(|config| {
        config.create_lookup_window = window;
        config.retry_min_delay = Duration::from_millis(20);
    });
    let known = HashSet::from([1]);
    server.block_on(portal.create_room("Budget", RoomType::Custom, &[], &known)).map(|room| room.id)
}

/// Lookups the fake portal received in `area`.
fn lookups(server: &FakePortal, area: &str) -> usize {
    let area = format!("searchArea={area}&");
    server.requests().iter().filter(|r| r.method == "GET" && r.query.starts_with(&area)).count()
}

#[test]
fn a_create_answered_504_that_appears_on_the_third_lookup_is_reported_created() {
    let server = portal(&[504], Some(3));
    assert_eq!(create(&server, Duration::from_secs(15)).unwrap(), 42);
    assert_eq!(server.count("POST", ROOMS), 1, "the create is sent once");
    assert_eq!(lookups(&server, "Any"), 3);
    // `Any` lists every room on every portal; `Forms` is never asked (a 400 on v3.7.2).
    assert_eq!(lookups(&server, "Forms"), 0);
}

#[test]
fn a_create_answered_504_that_never_appears_is_an_unknown_outcome_sent_once() {
    let server = portal(&[504], None);
    let started = std::time::Instant::now();
    let err = create(&server, Duration::from_millis(500)).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(500), "looked up for the whole window");
    assert!(matches!(&err, ApiError::CreateOutcomeUnknown { title, .. } if title == "Budget"));
    assert_eq!(
        err.to_string(),
        "the portal did not answer whether `POST /api/2.0/files/rooms` created room \"Budget\" \
         (it answered 504: empty body (Gateway Timeout)); it did not appear within 0.5 s; run \
         `plan` again before retrying"
    );
    assert_eq!(server.count("POST", ROOMS), 1, "the create is sent once");
    assert!(lookups(&server, "Any") >= 3, "looked up repeatedly");
}

#[test]
fn a_create_answered_503_is_sent_again() {
    let server = portal(&[503, 200], None);
    assert_eq!(create(&server, Duration::from_secs(15)).unwrap(), 42);
    assert_eq!(server.count("POST", ROOMS), 2);
    assert_eq!(server.count("GET", ROOMS), 0, "a create the portal refused is not looked for");
}

#[test]
fn a_create_answered_500_fails_at_once_without_a_second_post() {
    let server = portal(&[500], Some(1));
    let err = create(&server, Duration::from_secs(15)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`POST /api/2.0/files/rooms` answered 500: empty body (Internal Server Error)"
    );
    assert_eq!(server.count("POST", ROOMS), 1);
    assert_eq!(server.count("GET", ROOMS), 0);
}

/// A form-filling room is found by the create lookup and by `plan` on a v3.7.2 portal (no
/// `Forms` area: form-filling rooms are in `Active`) and on a newer one (they are in `Forms`,
/// out of `Active`); in both, `Any` lists them.
#[test]
fn a_lost_create_of_a_form_filling_room_is_found_on_both_portal_versions() {
    use crate::common::{TestPortal, stderr, stdout};
    use docspace_rooms::emulator::EmulatorConfig;
    use docspace_rooms::emulator::faults::{Behaviour, Faults, PortalVersion};
    for version in [PortalVersion::V3_7_2, PortalVersion::Newer] {
        let portal = TestPortal::with(EmulatorConfig {
            behaviour: Behaviour { version, ..Behaviour::default() },
            faults: Faults { lose_create_response_every: Some(1), ..Faults::default() },
            ..EmulatorConfig::default()
        });
        portal.manifest("rooms:\n  - title: Intake\n    type: form-filling\n");
        let output = portal.cmd(&["apply", "--auto-approve"]).output().unwrap();
        assert!(output.status.success(), "{version:?}: {}", stderr(&output));
        let posts = portal.writes().iter().filter(|w| *w == "POST /api/2.0/files/rooms").count();
        assert_eq!(posts, 1, "{version:?}: sent once");
        let lookups = portal.emulator.requests().iter().filter(|r| r.status == 400).count();
        assert_eq!(lookups, 0, "{version:?}: no area the portal lacks was asked for");
        let plan = portal.cmd(&["plan"]).output().unwrap();
        assert!(stdout(&plan).starts_with("No changes"), "{version:?}: {}", stdout(&plan));
    }
}
