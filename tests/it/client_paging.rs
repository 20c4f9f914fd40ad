//! Issue 12, "nothing read is missed": a portal (or a proxy in front of it) that serves fewer
//! items a page than asked for is read whole by the count it served; pages that never add up
//! to their `total` stop the run before any write.

use crate::common::{FakePortal, envelope, run_at};
use axum::Json;
use axum::extract::{Path, Query};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;

/// What the fake portal holds and how it pages.
#[derive(Clone, Copy)]
struct Shape {
    rooms: usize,
    people: usize,
    groups: usize,
    /// Members of room 1 besides its owner (every other room has only its owner).
    members: usize,
    /// Items a page at most, whatever `count` asks for.
    cap: usize,
    /// A page starting here always comes back one item short, as a dropping proxy would.
    short_at: Option<usize>,
}

const SHAPE: Shape =
    Shape { rooms: 250, people: 130, groups: 130, members: 130, cap: 30, short_at: None };

/// The items `[start, start + min(count, cap))` of `all`, as the paging query asks.
fn page(shape: Shape, query: &HashMap<String, String>, all: usize) -> std::ops::Range<usize> {
    let number =
        |key: &str, default| query.get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
    let start = number("startIndex", 0);
    let mut end = (start + number("count", 100).min(shape.cap)).min(all);
    if shape.short_at == Some(start) {
        end -= 1;
    }
    start.min(end)..end
}

fn person(index: usize) -> Value {
    json!({"id": format!("00000000-0000-0000-0000-{index:012}"), "email": format!("user{index}@example.com"), "status": 1})
}

fn router(shape: Shape) -> axum::Router {
    axum::Router::new()
        .route(
            "/api/2.0/files/rooms",
            get(move |Query(query): Query<HashMap<String, String>>| async move {
                let range = page(shape, &query, shape.rooms);
                let folders: Vec<Value> = range
                    .clone()
                    .map(|i| json!({"id": i + 1, "title": format!("Room {:03}", i + 1), "roomType": 5, "rootFolderType": 14}))
                    .collect();
                let count = folders.len();
                Json(envelope(
                    json!({"files": [], "folders": folders, "startIndex": range.start, "count": count, "total": shape.rooms}),
                    None,
                ))
            }),
        )
        .route(
            "/api/2.0/people",
            get(move |Query(query): Query<HashMap<String, String>>| async move {
                let people: Vec<Value> = page(shape, &query, shape.people).map(person).collect();
                Json(envelope(json!(people), Some(shape.people)))
            }),
        )
        .route(
            "/api/2.0/group",
            get(move |Query(query): Query<HashMap<String, String>>| async move {
                let groups: Vec<Value> = page(shape, &query, shape.groups)
                    .map(|i| json!({"id": format!("10000000-0000-0000-0000-{i:012}"), "name": format!("Group {i:03}")}))
                    .collect();
                Json(envelope(json!(groups), Some(shape.groups)))
            }),
        )
        .route(
            "/api/2.0/files/rooms/{id}/share",
            get(move |Path(id): Path<u64>, Query(query): Query<HashMap<String, String>>| async move {
                let all = if id == 1 { shape.members + 1 } else { 1 };
                let entries: Vec<Value> = page(shape, &query, all)
                    .map(|i| {
                        if i == 0 {
                            json!({"access": 1, "isOwner": true, "sharedToUser": {"id": "owner", "email": "owner@example.com"}, "subjectType": 0})
                        } else {
                            json!({"access": 2, "isOwner": false, "sharedToUser": person(i - 1), "subjectType": 0})
                        }
                    })
                    .collect();
                Json(envelope(json!(entries), Some(all)))
            }),
        )
        // `export` reads the links of rooms whose type has them; these have none.
        .route(
            "/api/2.0/files/rooms/{id}/links",
            get(|| async { Json(envelope(json!([]), Some(0))) }),
        )
}

#[test]
fn pages_capped_at_30_are_read_whole_rooms_people_and_groups() {
    let server = FakePortal::start(router(SHAPE));
    let portal = server.client(|_| {});
    let (rooms, people, groups) = server.block_on(async {
        tokio::try_join!(portal.list_rooms(&|_, _| {}), portal.list_people(), portal.list_groups())
            .unwrap()
    });
    let mut ids: Vec<u64> = rooms.iter().map(|room| room.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=250).collect::<Vec<u64>>());
    let emails: std::collections::BTreeSet<String> = people.into_iter().map(|p| p.email).collect();
    assert_eq!(emails.len(), 130);
    assert!(emails.contains("user129@example.com"), "the last page's people are read");
    let names: std::collections::BTreeSet<String> = groups.into_iter().map(|g| g.name).collect();
    assert_eq!(names.len(), 130);
    assert!(names.contains("Group 129"), "groups past the first page are read");
    // One read each: 9 room pages, 5 of people and 5 of groups, at the served stride.
    assert_eq!(server.count("GET", "/api/2.0/files/rooms"), 9);
    assert_eq!(server.count("GET", "/api/2.0/people"), 5);
    assert_eq!(server.count("GET", "/api/2.0/group"), 5);
}

#[test]
fn export_of_a_capped_portal_writes_every_room_and_every_member() {
    let server = FakePortal::start(router(SHAPE));
    let output = run_at(&server.url, "rooms: []\n", &["export"]);
    assert!(output.status.success(), "{}", crate::common::stderr(&output));
    let yaml = crate::common::stdout(&output);
    let (manifest, _) =
        docspace_rooms::manifest::parse(std::path::Path::new("export.yaml"), &yaml).unwrap();
    assert_eq!(manifest.rooms.len(), 250);
    let first = manifest.rooms.iter().find(|room| room.id == Some(1)).unwrap();
    assert_eq!(first.members.as_ref().map(Vec::len), Some(130), "room 1's members past page one");
    assert!(server.writes().is_empty(), "{:?}", server.writes());
}

#[test]
fn pages_that_never_add_up_fail_after_three_reads_and_nothing_is_written() {
    let server = FakePortal::start(router(Shape { short_at: Some(60), ..SHAPE }));
    let manifest = "rooms:\n  - title: New room\n    type: custom\n";
    let output = run_at(&server.url, manifest, &["apply", "--auto-approve"]);
    let stderr = crate::common::stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "`GET /api/2.0/files/rooms`: its pages held 249 items where they announced 250, 3 reads"
        ),
        "{stderr}"
    );
    let first_pages = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/2.0/files/rooms" && r.query.contains("startIndex=0&"))
        .count();
    assert_eq!(first_pages, 3, "three whole reads");
    assert!(server.writes().is_empty(), "{:?}", server.writes());
}
