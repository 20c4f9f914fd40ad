//! The manifest through its public interface: the example file, reading from disk, export's
//! round trip, the JSON Schema, and property tests that `parse` never panics.

use docspace_rooms::docspace::{Access, RoomType, stored_title, tag_key};
use docspace_rooms::manifest::{
    self, DesiredState, MAX_MANIFEST_BYTES, Manifest, ManifestError, MemberSpec, MembersPolicy,
    Prune, RoomSpec,
};
use docspace_rooms::model::Member;
use proptest::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rooms.yaml")
}

fn example_text() -> String {
    std::fs::read_to_string(example_path()).expect("examples/rooms.yaml is readable")
}

fn room<'a>(manifest: &'a Manifest, title: &str) -> &'a RoomSpec {
    manifest.rooms.iter().find(|r| r.title == title).unwrap_or_else(|| panic!("no room `{title}`"))
}

#[test]
fn example_manifest_is_valid_and_shows_every_feature() {
    let (manifest, warnings) = manifest::load(&example_path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(manifest.source, example_path());
    assert!((8..=14).contains(&manifest.rooms.len()));
    // A template with a folder skeleton, taken by two rooms, one of which replaces its tags.
    let fabrikam = room(&manifest, "Client Fabrikam");
    let tailspin = room(&manifest, "Client Tailspin");
    assert_eq!(fabrikam.folders, tailspin.folders);
    assert!(fabrikam.folders.as_ref().is_some_and(|f| f.iter().any(|f| f.path.len() == 2)));
    assert_ne!(fabrikam.tags, tailspin.tags);
    assert_eq!(manifest.prune, Prune::Archive);
    assert_eq!(manifest.ignore, vec!["Sandbox*", "Personal ?"]);

    let data_room =
        manifest.rooms.iter().find(|r| r.room_type == Some(RoomType::VirtualData)).unwrap();
    assert!(data_room.protect && data_room.id.is_some());
    assert!(manifest.rooms.iter().any(|r| r.state == DesiredState::Archived));
    assert!(manifest.rooms.iter().any(|r| r.state == DesiredState::Deleted));
    assert!(manifest.rooms.iter().any(|r| !r.renamed_from.is_empty()));
    assert!(manifest.rooms.iter().any(|r| r.members_policy == MembersPolicy::Additive));
    for room_type in
        [RoomType::FormFilling, RoomType::Public, RoomType::Collaboration, RoomType::Custom]
    {
        assert!(manifest.rooms.iter().any(|r| r.room_type == Some(room_type)), "{room_type}");
    }

    let finance = room(&manifest, "Finance");
    let subjects: Vec<&Member> =
        finance.members.as_ref().unwrap().iter().map(|m| &m.subject).collect();
    assert_eq!(
        subjects,
        [
            &Member::User("anna@example.com".into()),
            &Member::User("ben@example.com".into()),
            &Member::User("carol@example.com".into()),
            &Member::Group("Auditors".into()),
        ]
    );
    assert_eq!(room(&manifest, "Sales EMEA").renamed_from, vec!["Sales Europe"]);
}

#[test]
fn example_manifest_starts_with_the_schema_modeline() {
    let first = example_text().lines().next().unwrap_or_default().to_owned();
    assert_eq!(first, "# yaml-language-server: $schema=rooms.schema.json");
}

#[test]
fn missing_file_is_a_read_error_that_does_not_repeat_its_source() {
    let path = Path::new("no/such/rooms.yaml");
    let error = manifest::load(path).unwrap_err();
    assert!(
        matches!(&error, ManifestError::Read { path: p, source } if p == path && source.kind() == std::io::ErrorKind::NotFound)
    );
    assert_eq!(error.to_string(), "cannot read manifest `no/such/rooms.yaml`");
    let source = std::error::Error::source(&error).expect("the io error is the source");
    assert!(!error.to_string().contains(&source.to_string()));
}

#[test]
fn oversized_file_is_refused_before_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rooms.yaml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(MAX_MANIFEST_BYTES + 1).unwrap();
    match manifest::load(&path) {
        Err(ManifestError::TooLarge { size, limit, .. }) => {
            assert_eq!((size, limit), (MAX_MANIFEST_BYTES + 1, MAX_MANIFEST_BYTES));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn file_that_is_not_utf8_is_a_syntax_error_at_the_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rooms.yaml");
    std::fs::write(&path, b"rooms:\n  - title: Caf\xe9\n    type: custom\n").unwrap();
    let error = manifest::load(&path).unwrap_err();
    assert!(matches!(error, ManifestError::Syntax { line: 2, col: 15, .. }), "{error:?}");
    assert!(error.to_string().ends_with(":2:15: the manifest is not UTF-8 text"), "{error}");
}

#[test]
fn binary_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rooms.yaml");
    let bytes: Vec<u8> =
        (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    std::fs::write(&path, bytes).unwrap();
    assert!(manifest::load(&path).is_err());
    std::fs::write(&path, [0u8; 64]).unwrap();
    assert!(matches!(manifest::load(&path), Err(ManifestError::Syntax { .. })));
}

#[test]
fn problems_name_the_file_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("team.yaml");
    std::fs::write(
        &path,
        "rooms:\n  - title: A\n  - title: A\n    type: custom\n  - title: B\n    tags: [x, X]\n",
    )
    .unwrap();
    let error = manifest::load(&path).unwrap_err();
    let shown = path.display();
    assert_eq!(
        error.to_string(),
        format!(
            "{shown}:3: title `A` is also used at line 2\n\
             {shown}:6: tag `X` duplicates `x` at line 6 (tags ignore case)"
        )
    );
}

#[test]
fn warnings_name_the_file_and_line() {
    let (_, warnings) = manifest::parse(
        Path::new("rooms.yaml"),
        "rooms:\n  - title: \"Q1/Q2 plans\"\n    type: custom\n",
    )
    .unwrap();
    let shown: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(shown, vec!["rooms.yaml:2: title `Q1/Q2 plans` will be stored as `Q1_Q2 plans`"]);
    assert_eq!((warnings[0].line, warnings[0].path.as_path()), (2, Path::new("rooms.yaml")));
}

/// `manifest` with what YAML cannot carry cleared: the source, line numbers, and room order.
fn comparable(manifest: &Manifest) -> Manifest {
    let mut manifest = manifest.clone();
    manifest.source = PathBuf::new();
    for room in &mut manifest.rooms {
        room.line = 0;
        for member in room.members.iter_mut().flatten() {
            member.line = 0;
        }
        for folder in room.folders.iter_mut().flatten() {
            folder.line = 0;
        }
        for link in room.links.iter_mut().flatten() {
            link.line = 0;
        }
    }
    manifest
        .rooms
        .sort_by(|a, b| (&a.stored_title, &a.title, a.id).cmp(&(&b.stored_title, &b.title, b.id)));
    manifest
}

#[test]
fn export_of_the_example_reads_back_identically() {
    let (original, _) = manifest::load(&example_path()).unwrap();
    let yaml = manifest::to_yaml(&original, "Exported from https://portal.example.com\nby a test");
    assert!(
        yaml.starts_with(
            "# Exported from https://portal.example.com\n# by a test\nprune: archive\n"
        ),
        "{yaml}"
    );
    let (back, warnings) =
        manifest::parse(Path::new("export.yaml"), &yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    assert!(warnings.is_empty());
    assert_eq!(comparable(&back), comparable(&original));
    // Sorted by title, and a fixed point.
    let titles: Vec<&str> = back.rooms.iter().map(|r| r.title.as_str()).collect();
    let mut sorted = titles.clone();
    sorted.sort_unstable();
    assert_eq!(titles, sorted);
    assert_eq!(
        manifest::to_yaml(&back, "Exported from https://portal.example.com\nby a test"),
        yaml
    );
}

#[test]
fn export_of_an_empty_manifest() {
    let yaml = manifest::to_yaml(&Manifest::default(), "");
    assert_eq!(yaml, "prune: none\nrooms: []\n");
    let (back, _) = manifest::parse(Path::new("x.yaml"), &yaml).unwrap();
    assert_eq!(comparable(&back), comparable(&Manifest::default()));
}

/// Checks `value` (the YAML as JSON) against the schema's keys, types of containers, enums and
/// `required`: enough to catch the schema and the parser drifting apart.
fn conforms(
    value: &serde_json::Value,
    schema: &serde_json::Value,
    defs: &serde_json::Value,
) -> Result<(), String> {
    let schema = match schema.get("$ref").and_then(|r| r.as_str()) {
        Some(reference) => &defs[reference.trim_start_matches("#/$defs/")],
        None => schema,
    };
    if let Some(options) = schema.get("anyOf").and_then(|a| a.as_array()) {
        return if options.iter().any(|o| conforms(value, o, defs).is_ok()) {
            Ok(())
        } else {
            Err(format!("{value} fits no anyOf"))
        };
    }
    if let Some(values) = schema.get("enum").and_then(|e| e.as_array())
        && !values.contains(value)
    {
        return Err(format!("{value} is not one of {values:?}"));
    }
    if let Some(options) = schema.get("oneOf").and_then(|o| o.as_array())
        && options.iter().all(|o| o.get("const").is_some())
        && !options.iter().any(|o| o["const"] == *value)
    {
        return Err(format!("{value} is not a listed constant"));
    }
    match value {
        // A map of named entries (`templates`): each value against `additionalProperties`.
        serde_json::Value::Object(map)
            if schema.get("properties").is_none() && schema["additionalProperties"].is_object() =>
        {
            map.values().try_for_each(|item| conforms(item, &schema["additionalProperties"], defs))
        }
        serde_json::Value::Object(map) => {
            let properties = schema["properties"]
                .as_object()
                .ok_or(format!("{value} is not expected to be a mapping"))?;
            for (key, item) in map {
                let property =
                    properties.get(key).ok_or(format!("key `{key}` is not in the schema"))?;
                conforms(item, property, defs)?;
            }
            for required in schema["required"].as_array().into_iter().flatten() {
                if !map.contains_key(required.as_str().unwrap()) {
                    return Err(format!("required `{required}` missing"));
                }
            }
            Ok(())
        }
        serde_json::Value::Array(items) => {
            items.iter().try_for_each(|item| conforms(item, &schema["items"], defs))
        }
        _ => Ok(()),
    }
}

#[test]
fn json_schema_accepts_the_example() {
    let schema = manifest::json_schema();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let example: serde_json::Value = serde_saphyr::from_str(&example_text()).unwrap();
    conforms(&example, &schema, &schema["$defs"]).unwrap();
    let wrong: serde_json::Value =
        serde_saphyr::from_str("rooms:\n  - title: A\n    titel: B\n").unwrap();
    assert!(conforms(&wrong, &schema, &schema["$defs"]).is_err());
}

// --- Properties ---------------------------------------------------------------------------

/// One edit of a text, always on character boundaries.
#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
    Reindent { line: usize, spaces: usize },
    ReplaceLine { line: usize, text: String },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let fragment = prop_oneof![
        "\\PC{0,12}",
        Just(": ".to_owned()),
        Just("- ".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        Just("[".to_owned()),
        Just("{".to_owned()),
        Just("\"".to_owned()),
        Just("\t".to_owned()),
        Just("\n".to_owned()),
        Just("<<: *a\n".to_owned()),
        Just("!!binary ".to_owned()),
        Just("? ".to_owned()),
        Just("---\n".to_owned()),
        Just("id: 99999999999999999999999".to_owned()),
        Just("type: public".to_owned()),
        Just("access: room-manager".to_owned()),
        Just("state: deleted".to_owned()),
    ];
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), fragment.clone()).prop_map(|(at, text)| Mutation::Insert { at, text }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        (any::<usize>(), 0usize..12).prop_map(|(line, spaces)| Mutation::Reindent { line, spaces }),
        (any::<usize>(), fragment).prop_map(|(line, text)| Mutation::ReplaceLine { line, text }),
    ]
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let n = lines.len().max(1);
    match mutation {
        Mutation::Delete { at, len } => {
            let at = at % (chars.len() + 1);
            let end = (at + len).min(chars.len());
            return chars[..at].iter().chain(&chars[end..]).collect();
        }
        Mutation::Insert { at, text } => {
            let at = at % (chars.len() + 1);
            return chars[..at].iter().collect::<String>()
                + text
                + &chars[at..].iter().collect::<String>();
        }
        Mutation::DuplicateLine { line } if !lines.is_empty() => {
            let copy = lines[line % n].clone();
            lines.insert(line % n, copy);
        }
        Mutation::SwapLines { a, b } if !lines.is_empty() => lines.swap(a % n, b % n),
        Mutation::Reindent { line, spaces } if !lines.is_empty() => {
            let trimmed = lines[line % n].trim_start().to_owned();
            lines[line % n] = " ".repeat(*spaces) + &trimmed;
        }
        Mutation::ReplaceLine { line, text } if !lines.is_empty() => {
            lines[line % n].clone_from(text);
        }
        _ => {}
    }
    lines.join("\n") + "\n"
}

/// A title the manifest accepts: no control characters, not blank, within the limit.
fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9 &'()-]{0,30}",
        "[ -~]{1,30}",
        "[\\PC]{1,20}",
        Just("yes".to_owned()),
        Just("2026".to_owned()),
        Just("null".to_owned()),
        Just("- dash".to_owned()),
        Just("Q1/Q2: plans #1".to_owned()),
        Just("  padded  ".to_owned()),
    ]
    .prop_filter("a valid title", |t| {
        !stored_title(t).is_empty()
            && !t.chars().any(char::is_control)
            && t.encode_utf16().count() <= 170
    })
}

fn tag() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 ,:#'\"\\[\\]{}-]{1,20}",
        "[\\p{Cyrillic}\u{4e00}-\u{9fff}]{1,8}",
        Just("true".to_owned()),
        Just("~".to_owned())
    ]
    .prop_filter("a valid tag", |t| !t.trim().is_empty() && t.chars().all(|c| c.len_utf16() == 1))
}

fn room_spec() -> impl Strategy<Value = RoomSpec> {
    (
        title(),
        proptest::option::of(1u64..1_000_000),
        proptest::option::of(proptest::sample::select(RoomType::ALL.to_vec())),
        proptest::sample::select(vec![
            DesiredState::Active,
            DesiredState::Archived,
            DesiredState::Deleted,
        ]),
        proptest::option::of(proptest::collection::vec(tag(), 0..4)),
        any::<bool>(),
        proptest::option::of(proptest::collection::vec(
            ("[a-z]{1,8}", "[A-Za-z][A-Za-z ,:#'-]{0,11}", any::<bool>()),
            0..4,
        )),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(title, id, room_type, state, tags, protect, members, additive, notify)| {
            let room_type = if id.is_none() && state != DesiredState::Deleted {
                room_type.or(Some(RoomType::Custom))
            } else {
                room_type
            };
            let members = members.map(|members| {
                members
                    .into_iter()
                    .map(|(user, group, is_group)| MemberSpec {
                        subject: if is_group {
                            Member::Group(group)
                        } else {
                            Member::User(format!("{user}@example.com"))
                        },
                        access: Access::ContentCreator,
                        invite: !is_group && user.len() % 2 == 0,
                        line: 0,
                    })
                    .collect()
            });
            RoomSpec {
                stored_title: stored_title(&title),
                title,
                line: 0,
                id,
                room_type,
                state,
                tags,
                renamed_from: Vec::new(),
                protect: protect && state != DesiredState::Deleted,
                members,
                members_policy: if additive {
                    MembersPolicy::Additive
                } else {
                    MembersPolicy::Exact
                },
                notify,
                folders: None,
                folders_policy: docspace_rooms::manifest::FoldersPolicy::Additive,
                links: None,
                links_policy: docspace_rooms::manifest::LinksPolicy::Exact,
                settings: docspace_rooms::settings::Settings::default(),
            }
        })
}

/// Drops what would make the manifest invalid: duplicate titles, ids, tags or members.
fn deduplicated(rooms: Vec<RoomSpec>) -> Vec<RoomSpec> {
    let (mut titles, mut ids) = (HashSet::new(), HashSet::new());
    rooms
        .into_iter()
        .filter(|r| titles.insert(r.stored_title.clone()) && r.id.is_none_or(|id| ids.insert(id)))
        .map(|mut room| {
            if let Some(tags) = &mut room.tags {
                let mut seen = HashSet::new();
                tags.retain(|t| seen.insert(tag_key(t)));
            }
            if let Some(members) = &mut room.members {
                let mut seen = HashSet::new();
                members.retain(|m| seen.insert((m.subject.is_group(), m.subject.key())));
            }
            room
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let _ = manifest::parse(Path::new("fuzz.yaml"), &text);
    }

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = manifest::parse(Path::new("fuzz.yaml"), &String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn parse_never_panics_on_a_mutated_example(mutations in proptest::collection::vec(mutation(), 1..5)) {
        let text = mutations.iter().fold(example_text(), |text, m| apply(&text, m));
        match manifest::parse(Path::new("rooms.yaml"), &text) {
            Ok(_) => {}
            Err(ManifestError::Syntax { line, col, message, .. }) => {
                prop_assert!(line >= 1 && col >= 1);
                prop_assert!(!message.is_empty());
            }
            Err(ManifestError::Invalid { problems, .. }) => prop_assert!(!problems.is_empty()),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn export_reads_back_identically(
        rooms in proptest::collection::vec(room_spec(), 0..6),
        prune in proptest::sample::select(vec![Prune::None, Prune::Archive, Prune::Delete]),
        ignore in proptest::collection::vec("[A-Za-z*? #:-]{1,10}".prop_filter("not blank", |p| !p.trim().is_empty()), 0..3),
        max_destroy_percent in 0u8..=100,
        max_member_removals in any::<u32>(),
    ) {
        let manifest = Manifest {
            source: PathBuf::new(),
            rooms: deduplicated(rooms),
            prune,
            ignore,
            max_destroy_percent,
            max_member_removals,
        };
        let yaml = manifest::to_yaml(&manifest, "header");
        let (back, _) = match manifest::parse(Path::new("export.yaml"), &yaml) {
            Ok(ok) => ok,
            Err(err) => return Err(TestCaseError::fail(format!("{err}\n{yaml}"))),
        };
        prop_assert_eq!(comparable(&back), comparable(&manifest));
        prop_assert_eq!(manifest::to_yaml(&back, "header"), yaml);
    }
}
