//! One test per rule, named after it. The YAML snippets are indented as the file would be.

use super::*;
use crate::docspace::{Access, RoomType};

fn parse_str(yaml: &str) -> Result<(Manifest, Vec<Warning>), ManifestError> {
    parse(Path::new("rooms.yaml"), yaml)
}

/// The manifest, which must be valid.
pub(super) fn valid(yaml: &str) -> (Manifest, Vec<Warning>) {
    match parse_str(yaml) {
        Ok(ok) => ok,
        Err(err) => panic!("expected a valid manifest, got:\n{err}"),
    }
}

/// The warnings of a valid manifest, as displayed.
pub(super) fn warnings(yaml: &str) -> Vec<String> {
    valid(yaml).1.iter().map(ToString::to_string).collect()
}

/// The displayed problems of a manifest that parses but is invalid.
pub(super) fn problems(yaml: &str) -> Vec<String> {
    match parse_str(yaml) {
        Err(err @ ManifestError::Invalid { .. }) => {
            err.to_string().lines().map(str::to_owned).collect()
        }
        Err(other) => panic!("expected validation problems, got a different error: {other}"),
        Ok(_) => panic!("expected validation problems, but the manifest is valid"),
    }
}

/// The displayed error of a manifest that does not parse.
pub(super) fn syntax_error(yaml: &str) -> String {
    match parse_str(yaml) {
        Err(err @ ManifestError::Syntax { .. }) => err.to_string(),
        Err(other) => panic!("expected a syntax error, got: {other}"),
        Ok(_) => panic!("expected a syntax error, but the manifest is valid"),
    }
}

fn assert_syntax_error(yaml: &str, expected: &str) {
    assert_eq!(syntax_error(yaml), expected);
}

fn assert_one_problem(yaml: &str, expected: &str) {
    assert_eq!(problems(yaml), vec![expected.to_owned()]);
}

// --- Strict parsing -----------------------------------------------------------------------

#[test]
fn unknown_key_names_its_position_and_the_closest_key() {
    let yaml = "rooms:\n  - title: Marketing\n    titel: Sales\n";
    assert_syntax_error(yaml, "rooms.yaml:3:5: unknown key `titel`; did you mean `title`?");
}

#[test]
fn unknown_key_without_a_close_match_lists_the_valid_keys() {
    let yaml = "rooms:\n  - title: Marketing\n    type: custom\n    hue: red\n";
    let error = syntax_error(yaml);
    assert!(
        error.starts_with(
            "rooms.yaml:4:5: unknown key `hue`; expected one of `title`, `id`, `type`"
        ),
        "{error}"
    );
}

#[test]
fn unknown_key_suggests_a_synonym() {
    assert_syntax_error(
        "rooms:\n  - name: Marketing\n",
        "rooms.yaml:2:5: unknown key `name`; did you mean `title`?",
    );
}

#[test]
fn unknown_key_of_another_level_points_at_the_indentation() {
    let error =
        syntax_error("rooms:\n  - title: A\n    type: custom\n    user: anna@example.com\n");
    assert_eq!(
        error,
        "rooms.yaml:4:5: unknown key `user`; `user` belongs in a `members` entry: check the indentation"
    );
    let error = syntax_error("title: A\nrooms: []\n");
    assert_eq!(
        error,
        "rooms.yaml:1:1: unknown key `title`; `title` belongs in a room: check the indentation"
    );
}

#[test]
fn unknown_member_key_suggests_the_member_key() {
    let yaml = "rooms:\n  - title: A\n    type: custom\n    members:\n      - user: anna@example.com\n        acess: editor\n";
    assert_syntax_error(yaml, "rooms.yaml:6:9: unknown key `acess`; did you mean `access`?");
}

#[test]
fn wrong_type_names_the_key_and_the_value() {
    let yaml = "rooms:\n  - title: A\n    type: custom\n    id: x\n";
    assert_syntax_error(
        yaml,
        "rooms.yaml:4:9: invalid value `x` for `id`; expected a non-negative integer",
    );
    let yaml = "rooms:\n  - title: A\n    type: custom\n    id: -1\n";
    assert_syntax_error(
        yaml,
        "rooms.yaml:4:9: invalid value `-1` for `id`; expected a non-negative integer",
    );
}

#[test]
fn wrong_type_in_a_flow_mapping_names_the_key() {
    let yaml = "rooms:\n  - {title: A, type: custom, id: 1.5}\n";
    assert_syntax_error(
        yaml,
        "rooms.yaml:2:34: invalid value `1.5` for `id`; expected a non-negative integer",
    );
}

#[test]
fn bad_enum_value_suggests_the_closest_value() {
    let yaml = "rooms:\n  - title: A\n    type: Custom\n";
    assert_syntax_error(
        yaml,
        "rooms.yaml:3:11: invalid value `Custom` for `type`; did you mean `custom`?",
    );
    let yaml = "rooms:\n  - title: A\n    type: custom\n    members:\n      - user: anna@example.com\n        access: edtor\n";
    assert_syntax_error(
        yaml,
        "rooms.yaml:6:17: invalid value `edtor` for `access`; did you mean `editor`?",
    );
    assert_syntax_error(
        "prune: deleted\nrooms: []\n",
        "rooms.yaml:1:8: invalid value `deleted` for `prune`; did you mean `delete`?",
    );
}

#[test]
fn bad_enum_value_without_a_close_match_lists_the_values() {
    let yaml = "rooms:\n  - title: A\n    type: wiki\n";
    assert_syntax_error(
        yaml,
        "rooms.yaml:3:11: invalid value `wiki` for `type`; expected one of `form-filling`, `collaboration`, \
         `custom`, `public`, `virtual-data`, `ai`",
    );
}

#[test]
fn yaml_1_1_booleans_are_refused() {
    let yaml = "rooms:\n  - title: A\n    type: custom\n    protect: yes\n";
    assert_syntax_error(
        yaml,
        "rooms.yaml:4:14: invalid value `yes` for `protect`; expected `true` or `false`",
    );
}

#[test]
fn missing_key_names_the_entry() {
    let yaml = "rooms:\n  - title: A\n    type: custom\n  - id: 3\n";
    assert_syntax_error(yaml, "rooms.yaml:4:5: missing key `title` in `rooms[1]`");
    assert_syntax_error("prune: none\n", "rooms.yaml:1:1: missing key `rooms`");
    let yaml =
        "rooms:\n  - title: A\n    type: custom\n    members:\n      - user: anna@example.com\n";
    assert_syntax_error(yaml, "rooms.yaml:5:9: missing key `access` in `rooms[0].members[0]`");
}

#[test]
fn missing_value_names_the_key() {
    assert_syntax_error(
        "rooms:\n  - title:\n    type: custom\n",
        "rooms.yaml:2:10: missing value for `title`",
    );
}

#[test]
fn wrong_shape_names_the_key() {
    assert_syntax_error("rooms: 3\n", "rooms.yaml:1:8: invalid value for `rooms`; expected a list");
    let yaml = "rooms:\n  - title: A\n    type: custom\n    tags: brand\n";
    assert_syntax_error(yaml, "rooms.yaml:4:11: invalid value for `tags`; expected a list");
    let yaml = "rooms:\n  - title: A\n    type: custom\n    tags: [a, [b]]\n";
    assert_syntax_error(
        yaml,
        "rooms.yaml:4:15: invalid value for an entry of `tags`; expected a single value",
    );
    assert_syntax_error(
        "rooms:\n  - Marketing\n",
        "rooms.yaml:2:5: invalid value for an entry of `rooms`; expected a mapping of keys to values",
    );
}

#[test]
fn a_document_that_is_not_a_mapping_is_refused() {
    assert_syntax_error(
        "- title: A\n",
        "rooms.yaml:1:1: the manifest must be a mapping of keys to values, starting with `rooms:`",
    );
}

#[test]
fn duplicate_key_is_refused() {
    assert_syntax_error(
        "rooms:\n  - title: A\n    title: B\n",
        "rooms.yaml:3:5: duplicate key `title`",
    );
}

#[test]
fn empty_manifest_is_refused() {
    assert!(syntax_error("").contains("the manifest is empty"));
    assert!(
        syntax_error("# yaml-language-server: $schema=rooms.schema.json\n\n")
            .contains("the manifest is empty")
    );
}

#[test]
fn several_documents_are_refused() {
    assert_syntax_error(
        "rooms: []\n---\nrooms: []\n",
        "rooms.yaml:2:1: the manifest must be a single YAML document",
    );
}

#[test]
fn unknown_tags_are_refused() {
    assert!(
        syntax_error("rooms:\n  - title: !secret A\n    type: custom\n")
            .starts_with("rooms.yaml:2:")
    );
}

#[test]
fn syntax_errors_carry_file_line_and_column() {
    let error = parse_str("rooms:\n - title: \"open\n").unwrap_err();
    let ManifestError::Syntax { path, line, col, message } = &error else { panic!("{error}") };
    assert_eq!((path.as_path(), *line, *col), (Path::new("rooms.yaml"), 2, 11));
    assert!(!message.is_empty() && !message.contains("line 2"), "{message}");
    assert_eq!(error.to_string(), format!("rooms.yaml:2:11: {message}"));
}

/// A hang guard, not a speed target (the benchmarks hold those): an input these tests feed
/// would take hours or all memory if expanded, and a second or less when refused as it is; a
/// minute separates the two on any machine, however loaded.
fn assert_quick<T>(what: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let result = what();
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "took {:?}", started.elapsed());
    result
}

/// Nine levels of nine aliases each: 9^9 strings when expanded, each level under `key`.
fn billion_laughs(key: impl Fn(usize) -> String) -> String {
    let mut yaml = format!("{}: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n", key(0));
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        yaml.push_str(&format!("{}: &a{i} [{refs}]\n", key(i)));
    }
    yaml
}

#[test]
fn yaml_bomb_is_refused_quickly() {
    // The classic form, under keys a manifest does not have.
    let error = assert_quick(|| syntax_error(&billion_laughs(|i| format!("a{i}"))));
    assert_eq!(
        error,
        "rooms.yaml:1:1: unknown key `a0`; expected one of `prune`, `ignore`, `max_destroy_percent`, `max_member_removals`, `password_env_allow`, `rooms`, `templates`"
    );

    // Inside rooms, so that the error needs its key found in the expanding document.
    let rooms = billion_laughs(|i| format!("  - title: R{i}\n    type: custom\n    tags"));
    let error = assert_quick(|| syntax_error(&format!("rooms:\n{rooms}")));
    assert!(error.starts_with("rooms.yaml:7:"), "{error}");
}

#[test]
fn aliases_expanding_beyond_the_budget_are_refused() {
    // Well-typed data: a list of 1,000 tags shared by 200 rooms is 200,000 replayed events.
    let tags: Vec<String> = (0..1_000).map(|i| format!("t{i}")).collect();
    let mut yaml =
        format!("rooms:\n  - title: R0\n    type: custom\n    tags: &tags [{}]\n", tags.join(", "));
    for i in 1..200 {
        yaml.push_str(&format!("  - title: R{i}\n    type: custom\n    tags: *tags\n"));
    }
    let error = assert_quick(|| syntax_error(&yaml));
    assert!(error.ends_with("aliases expand to more data than a manifest may hold"), "{error}");

    // Reusing a short list is fine.
    let mut yaml = "rooms:\n  - title: R0\n    type: custom\n    tags: &tags [a, b]\n".to_owned();
    for i in 1..200 {
        yaml.push_str(&format!("  - title: R{i}\n    type: custom\n    tags: *tags\n"));
    }
    assert_eq!(valid(&yaml).0.rooms[199].tags, Some(vec!["a".to_owned(), "b".to_owned()]));
}

#[test]
fn deep_nesting_is_refused_quickly() {
    let flow = format!("rooms: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert!(syntax_error(&flow).contains("nests deeper than"), "{}", syntax_error(&flow));
    let block: String = std::iter::once("rooms:\n".to_owned())
        .chain((0..2_000).map(|i| format!("{}- \n", "  ".repeat(i))))
        .collect();
    assert!(
        syntax_error(&block).starts_with("rooms.yaml:3:3: invalid value; expected a mapping"),
        "{}",
        syntax_error(&block)
    );
    let maps: String = (0..1_000).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect();
    assert!(syntax_error(&maps).starts_with("rooms.yaml:"));
}

#[test]
fn binary_input_is_refused() {
    let error = syntax_error("rooms: []\n\u{0}\u{1}\u{2}garbage\u{7f}");
    assert!(error.starts_with("rooms.yaml:2:"), "{error}");
}

#[test]
fn oversized_text_is_refused_before_parsing() {
    let text =
        format!("rooms: []\n#{}\n", "x".repeat(usize::try_from(MAX_MANIFEST_BYTES).unwrap()));
    match parse_str(&text) {
        Err(ManifestError::TooLarge { size, limit, .. }) => {
            assert_eq!((size, limit), (text.len() as u64, MAX_MANIFEST_BYTES));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

// --- Semantic checks ----------------------------------------------------------------------

#[test]
fn duplicate_title() {
    let yaml = "rooms:\n  - title: A\n    type: custom\n  - title: A\n    type: public\n";
    assert_one_problem(yaml, "rooms.yaml:4: title `A` is also used at line 2");
}

#[test]
fn duplicate_title_in_stored_form() {
    let yaml = "rooms:\n  - title: \"Q1/Q2\"\n    type: custom\n  - title: \" Q1_Q2 \"\n    type: public\n";
    assert_one_problem(
        yaml,
        "rooms.yaml:4: title ` Q1_Q2 ` and the title `Q1/Q2` at line 2 are both stored as `Q1_Q2`",
    );
}

#[test]
fn titles_differing_in_case_are_distinct() {
    valid("rooms:\n  - title: Sales\n    type: custom\n  - title: sales\n    type: custom\n");
}

#[test]
fn duplicate_id() {
    let yaml = "rooms:\n  - title: A\n    id: 7\n  - title: B\n    id: 7\n";
    assert_one_problem(yaml, "rooms.yaml:5: id 7 is also used at line 3");
}

#[test]
fn id_zero() {
    assert_one_problem(
        "rooms:\n  - title: A\n    id: 0\n    type: custom\n",
        "rooms.yaml:3: `id` must be a positive integer",
    );
}

#[test]
fn empty_title() {
    assert_one_problem("rooms:\n  - title: \"\"\n    type: custom\n", "rooms.yaml:2: empty title");
    assert_one_problem(
        "rooms:\n  - title: \"  \"\n    type: custom\n",
        "rooms.yaml:2: empty title",
    );
}

#[test]
fn title_too_long() {
    let at_limit = "x".repeat(170);
    valid(&format!("rooms:\n  - title: {at_limit}\n    type: custom\n"));
    let over = "x".repeat(171);
    assert_one_problem(
        &format!("rooms:\n  - title: {over}\n    type: custom\n"),
        &format!(
            "rooms.yaml:2: title `{}…` is 171 UTF-16 units long; the portal allows at most 170",
            "x".repeat(60)
        ),
    );
}

#[test]
fn title_length_counts_utf16_units() {
    // 86 emoji are 172 UTF-16 units but only 86 characters.
    let emoji = "🎉".repeat(86);
    let lines = problems(&format!("rooms:\n  - title: {emoji}\n    type: custom\n"));
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("is 172 UTF-16 units long"), "{lines:?}");
}

#[test]
fn title_with_control_character() {
    assert_one_problem(
        "rooms:\n  - title: \"a\\nb\"\n    type: custom\n",
        "rooms.yaml:2: title `a\\nb` contains the control character U+000A",
    );
}

#[test]
fn tag_too_long() {
    valid(&format!("rooms:\n  - title: A\n    type: custom\n    tags: [{}]\n", "t".repeat(255)));
    let lines = problems(&format!(
        "rooms:\n  - title: A\n    type: custom\n    tags: [{}]\n",
        "t".repeat(256)
    ));
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("rooms.yaml:4: tag `ttt")
            && lines[0].ends_with("is 256 UTF-16 units long; the portal allows at most 255")
    );
}

#[test]
fn empty_tag() {
    assert_one_problem(
        "rooms:\n  - title: A\n    type: custom\n    tags: [a, \"\"]\n",
        "rooms.yaml:4: empty tag",
    );
    assert_one_problem(
        "rooms:\n  - title: A\n    type: custom\n    tags:\n      - \"  \"\n",
        "rooms.yaml:5: empty tag",
    );
}

#[test]
fn duplicate_tag_ignoring_case() {
    assert_one_problem(
        "rooms:\n  - title: A\n    type: custom\n    tags:\n      - Brand\n      - brand\n",
        "rooms.yaml:6: tag `brand` duplicates `Brand` at line 5 (tags ignore case)",
    );
    assert_one_problem(
        "rooms:\n  - title: A\n    type: custom\n    tags: [q3, q3]\n",
        "rooms.yaml:4: tag `q3` is also listed at line 4",
    );
}

#[test]
fn tag_with_emoji() {
    assert_one_problem(
        "rooms:\n  - title: A\n    type: custom\n    tags: [\"party 🎉\"]\n",
        "rooms.yaml:4: tag `party 🎉` contains an emoji or another character beyond U+FFFF, which the portal rejects",
    );
}

#[test]
fn a_room_without_type_is_left_to_the_planner() {
    // It may already exist on the portal; only the planner knows whether it must be created.
    assert!(parse_str("rooms:\n  - title: Sales EMEA\n    renamed_from: [Sales Europe]\n").is_ok());
}

#[test]
fn type_is_optional_with_an_id_or_when_deleted() {
    let (manifest, _) =
        valid("rooms:\n  - title: Pinned\n    id: 12\n  - title: Gone\n    state: deleted\n");
    assert!(manifest.rooms.iter().all(|r| r.room_type.is_none()));
}

#[test]
fn renamed_from_own_title() {
    assert_one_problem(
        "rooms:\n  - title: Sales\n    type: custom\n    renamed_from: [Old Sales, Sales]\n",
        "rooms.yaml:4: `renamed_from` lists the room's own title `Sales`",
    );
}

#[test]
fn renamed_from_own_title_in_stored_form() {
    assert_one_problem(
        "rooms:\n  - title: \"R&D: plans\"\n    type: custom\n    renamed_from:\n      - \"R&D_ plans\"\n",
        "rooms.yaml:5: `renamed_from` lists the room's own title `R&D_ plans`",
    );
}

#[test]
fn renamed_from_listed_twice() {
    assert_one_problem(
        "rooms:\n  - title: Sales\n    type: custom\n    renamed_from:\n      - Old\n      - Old\n",
        "rooms.yaml:6: `renamed_from` title `Old` is also listed at line 5",
    );
}

#[test]
fn renamed_from_may_name_other_entries_titles() {
    // The portal may hold two rooms titled `Legal`: one pinned, the other found by its old
    // title. Whether such titles resolve is the planner's call, with the portal in hand.
    let yaml = "rooms:\n  - title: Legal\n    id: 11\n  - title: Legal copy\n    type: custom\n    renamed_from: [Legal]\n  - title: Legal archive\n    type: custom\n    renamed_from: [Legal]\n";
    valid(yaml);
}

#[test]
fn empty_renamed_from() {
    assert_one_problem(
        "rooms:\n  - title: A\n    type: custom\n    renamed_from: [\"\"]\n",
        "rooms.yaml:4: empty `renamed_from` title",
    );
}

const MEMBERS_HEAD: &str = "rooms:\n  - title: A\n    type: custom\n    members:\n";

#[test]
fn duplicate_member() {
    let yaml = format!(
        "{MEMBERS_HEAD}      - user: anna@example.com\n        access: editor\n      - user: Anna@Example.com\n        access: viewer\n"
    );
    assert_one_problem(&yaml, "rooms.yaml:7: user `Anna@Example.com` is also listed at line 5");
    let yaml = format!(
        "{MEMBERS_HEAD}      - group: Auditors\n        access: editor\n      - group: Auditors\n        access: viewer\n"
    );
    assert_one_problem(&yaml, "rooms.yaml:7: group `Auditors` is also listed at line 5");
}

#[test]
fn a_user_and_a_group_of_the_same_name_are_distinct() {
    valid(&format!(
        "{MEMBERS_HEAD}      - user: x@example.com\n        access: editor\n      - group: x@example.com\n        access: viewer\n"
    ));
}

#[test]
fn access_not_allowed_for_the_room_type() {
    let yaml = "rooms:\n  - title: P\n    type: public\n    members:\n      - user: anna@example.com\n        access: editor\n";
    assert_one_problem(
        yaml,
        "rooms.yaml:6: access `editor` is not allowed in a `public` room; allowed: `room-manager`, `content-creator`",
    );
    let yaml = "rooms:\n  - title: F\n    type: form-filling\n    members:\n      - group: Staff\n        access: viewer\n";
    assert_one_problem(
        yaml,
        "rooms.yaml:6: access `viewer` is not allowed in a `form-filling` room; allowed: `content-creator`, `form-filler`",
    );
}

#[test]
fn every_access_the_room_type_allows_is_accepted() {
    for room_type in RoomType::ALL {
        let mut yaml = format!("rooms:\n  - title: R\n    type: {room_type}\n    members:\n");
        for (i, access) in room_type.allowed_access().iter().enumerate() {
            yaml.push_str(&format!("      - user: u{i}@example.com\n        access: {access}\n"));
        }
        let (manifest, _) = valid(&yaml);
        let members = manifest.rooms[0].members.as_ref().unwrap();
        assert_eq!(
            members.iter().map(|m| m.access).collect::<Vec<_>>(),
            room_type.allowed_access()
        );
    }
}

#[test]
fn group_as_room_manager() {
    let yaml = format!("{MEMBERS_HEAD}      - group: Auditors\n        access: room-manager\n");
    assert_one_problem(&yaml, "rooms.yaml:6: a group cannot be `room-manager`");
    // Also when the type is unknown (a pinned room).
    let yaml = "rooms:\n  - title: A\n    id: 3\n    members:\n      - group: Auditors\n        access: room-manager\n";
    assert_one_problem(yaml, "rooms.yaml:6: a group cannot be `room-manager`");
}

#[test]
fn access_is_not_checked_without_a_type() {
    let yaml = "rooms:\n  - title: A\n    id: 3\n    members:\n      - user: anna@example.com\n        access: form-filler\n";
    valid(yaml);
}

#[test]
fn invalid_email() {
    for bad in [
        "anna",
        "anna@",
        "@example.com",
        "anna@example",
        "an na@example.com",
        "anna@@example.com",
        "anna@example..com",
        ".anna@example.com",
        "anna@-example.com",
        "anna@example.123",
    ] {
        let yaml = format!("{MEMBERS_HEAD}      - user: \"{bad}\"\n        access: editor\n");
        assert_one_problem(&yaml, &format!("rooms.yaml:5: `{bad}` is not an email address"));
    }
}

#[test]
fn plausible_emails_are_accepted() {
    for good in [
        "anna@example.com",
        "Anna.Smith+docs@mail.example.co.uk",
        "o'brien@example.ie",
        "jürgen@beispiel.de",
        "x@xn--e1afmkfd.xn--p1ai",
    ] {
        assert!(validate::is_email(good), "{good}");
    }
}

#[test]
fn member_without_user_or_group() {
    let yaml = format!("{MEMBERS_HEAD}      - access: editor\n");
    assert_one_problem(
        &yaml,
        "rooms.yaml:5: a member needs `user` (an email address) or `group` (a name)",
    );
}

#[test]
fn member_with_user_and_group() {
    let yaml = format!(
        "{MEMBERS_HEAD}      - user: anna@example.com\n        group: Auditors\n        access: editor\n"
    );
    assert_one_problem(&yaml, "rooms.yaml:5: a member has either `user` or `group`, not both");
}

#[test]
fn invite_for_a_group() {
    let yaml = format!(
        "{MEMBERS_HEAD}      - group: Auditors\n        access: editor\n        invite: true\n"
    );
    assert_one_problem(&yaml, "rooms.yaml:7: `invite` applies to users only, not groups");
}

#[test]
fn empty_group_name() {
    let yaml = format!("{MEMBERS_HEAD}      - group: \"\"\n        access: editor\n");
    assert_one_problem(&yaml, "rooms.yaml:5: empty group name");
}

#[test]
fn empty_ignore_pattern() {
    assert_one_problem(
        "ignore: [Sandbox*, \"\"]\nrooms: []\n",
        "rooms.yaml:1: empty `ignore` pattern",
    );
}

#[test]
fn percent_over_100() {
    assert_one_problem(
        "max_destroy_percent: 101\nrooms: []\n",
        "rooms.yaml:1: `max_destroy_percent` is 101; it must be from 0 to 100",
    );
    assert_one_problem(
        "max_destroy_percent: 100000\nrooms: []\n",
        "rooms.yaml:1: `max_destroy_percent` is 100000; it must be from 0 to 100",
    );
    assert_eq!(valid("max_destroy_percent: 100\nrooms: []\n").0.max_destroy_percent, 100);
    assert_eq!(valid("max_destroy_percent: 0\nrooms: []\n").0.max_destroy_percent, 0);
}

#[test]
fn protected_room_to_delete() {
    assert_one_problem(
        "rooms:\n  - title: Keep\n    state: deleted\n    protect: true\n",
        "rooms.yaml:2: room `Keep` has `protect: true` and `state: deleted`",
    );
}

#[test]
fn every_problem_is_reported_at_once_in_line_order() {
    let yaml = "\
max_destroy_percent: 150
rooms:
  - title: A
    type: custom
    tags: [x, X]
  - title: A
  - title: B
    type: public
    members:
      - user: nobody
        access: editor
";
    let error = parse_str(yaml).unwrap_err();
    let ManifestError::Invalid { problems, .. } = &error else { panic!("{error}") };
    assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), vec![1, 5, 6, 10, 11]);
    assert_eq!(
        error.to_string(),
        "\
rooms.yaml:1: `max_destroy_percent` is 150; it must be from 0 to 100
rooms.yaml:5: tag `X` duplicates `x` at line 5 (tags ignore case)
rooms.yaml:6: title `A` is also used at line 3
rooms.yaml:10: `nobody` is not an email address
rooms.yaml:11: access `editor` is not allowed in a `public` room; allowed: `room-manager`, `content-creator`"
    );
}

// --- Warnings -----------------------------------------------------------------------------

#[test]
fn rewritten_title_warns() {
    let yaml = "rooms:\n  - title: \"Q1/Q2 plans\"\n    type: custom\n  - title: \" Party 🎉 \"\n    type: custom\n";
    assert_eq!(
        warnings(yaml),
        vec![
            "rooms.yaml:2: title `Q1/Q2 plans` will be stored as `Q1_Q2 plans`",
            "rooms.yaml:4: title ` Party 🎉 ` will be stored as `Party __`",
        ]
    );
    let (manifest, _) = valid(yaml);
    assert_eq!(manifest.rooms[0].title, "Q1/Q2 plans");
    assert_eq!(manifest.rooms[0].stored_title, "Q1_Q2 plans");
}

#[test]
fn rewritten_renamed_from_warns_and_is_kept_in_stored_form() {
    let yaml = "rooms:\n  - title: Plans\n    type: custom\n    renamed_from: [\"Q1/Q2\"]\n";
    assert_eq!(
        warnings(yaml),
        vec!["rooms.yaml:4: `renamed_from` title `Q1/Q2` will be compared as `Q1_Q2`"]
    );
    assert_eq!(valid(yaml).0.rooms[0].renamed_from, vec!["Q1_Q2"]);
}

#[test]
fn tag_with_surrounding_spaces_warns() {
    let yaml = "rooms:\n  - title: A\n    type: custom\n    tags: [\" q3\"]\n";
    assert_eq!(warnings(yaml), vec!["rooms.yaml:4: tag ` q3` has leading or trailing spaces"]);
}

#[test]
fn members_settings_without_members_warn() {
    let yaml =
        "rooms:\n  - title: A\n    type: custom\n    members_policy: additive\n    notify: true\n";
    assert_eq!(
        warnings(yaml),
        vec![
            "rooms.yaml:4: `members_policy` has no effect without `members`",
            "rooms.yaml:5: `notify` has no effect without `members`",
        ]
    );
}

#[test]
fn settings_of_a_room_to_delete_warn() {
    let yaml = "rooms:\n  - title: Gone\n    state: deleted\n    tags: [old]\n";
    assert_eq!(
        warnings(yaml),
        vec!["rooms.yaml:2: room `Gone` is to be deleted; its `tags` are ignored"]
    );
}

// --- The result ---------------------------------------------------------------------------

#[test]
fn defaults() {
    let (manifest, warnings) = valid("rooms:\n  - title: A\n    type: custom\n");
    assert!(warnings.is_empty());
    assert_eq!(manifest.source, Path::new("rooms.yaml"));
    assert_eq!(manifest.prune, Prune::None);
    assert!(manifest.ignore.is_empty());
    assert_eq!(manifest.max_destroy_percent, 30);
    assert_eq!(manifest.max_member_removals, 10);
    let room = &manifest.rooms[0];
    assert_eq!(
        room,
        &RoomSpec {
            title: "A".into(),
            stored_title: "A".into(),
            line: 2,
            id: None,
            room_type: Some(RoomType::Custom),
            state: DesiredState::Active,
            tags: None,
            renamed_from: vec![],
            protect: false,
            members: None,
            members_policy: MembersPolicy::Exact,
            folders: None,
            folders_policy: FoldersPolicy::Additive,
            notify: false,
            links: None,
            links_policy: crate::manifest::LinksPolicy::Exact,
            settings: crate::settings::Settings::default(),
        }
    );
    let defaulted = Manifest {
        source: manifest.source.clone(),
        rooms: manifest.rooms.clone(),
        ..Manifest::default()
    };
    assert_eq!(defaulted, manifest);
}

#[test]
fn every_field_is_converted() {
    let yaml = "\
prune: delete
ignore: [\"Sandbox*\", Personal ?]
max_destroy_percent: 50
max_member_removals: 3
rooms:
  - title: Legal 2026
    id: 4821
    type: custom
    state: archived
    tags: [Brand, q3]
    protect: true
    renamed_from: [Legal]
    members_policy: additive
    notify: true
    members:
      - user: Anna@Example.com
        access: room-manager
      - user: new@example.com
        access: editor
        invite: true
      - group: Auditors
        access: viewer
  - {title: Gone, state: deleted}
  - title: Empty
    type: ai
    tags: []
    members: []
";
    let (manifest, warnings) = valid(yaml);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(manifest.prune, Prune::Delete);
    assert_eq!(manifest.ignore, vec!["Sandbox*", "Personal ?"]);
    assert_eq!((manifest.max_destroy_percent, manifest.max_member_removals), (50, 3));
    let legal = &manifest.rooms[0];
    assert_eq!(legal.line, 6);
    assert_eq!(legal.id, Some(4821));
    assert_eq!(legal.state, DesiredState::Archived);
    assert_eq!(legal.tags.as_deref(), Some(&["Brand".to_owned(), "q3".to_owned()][..]));
    assert!(legal.protect && legal.notify);
    assert_eq!(legal.members_policy, MembersPolicy::Additive);
    assert_eq!(legal.renamed_from, vec!["Legal"]);
    assert_eq!(
        legal.members.as_ref().unwrap(),
        &vec![
            MemberSpec {
                subject: Member::User("Anna@Example.com".into()),
                access: Access::RoomManager,
                invite: false,
                line: 16
            },
            MemberSpec {
                subject: Member::User("new@example.com".into()),
                access: Access::Editor,
                invite: true,
                line: 18
            },
            MemberSpec {
                subject: Member::Group("Auditors".into()),
                access: Access::Viewer,
                invite: false,
                line: 21
            },
        ]
    );
    assert_eq!(manifest.rooms[1].line, 23);
    assert_eq!(manifest.rooms[1].state, DesiredState::Deleted);
    assert_eq!(manifest.rooms[2].tags, Some(vec![]));
    assert_eq!(manifest.rooms[2].members, Some(vec![]));
}

#[test]
fn shared_member_lists_through_anchors() {
    let yaml = "\
rooms:
  - title: A
    type: custom
    members: &team
      - user: anna@example.com
        access: editor
      - group: Auditors
        access: viewer
  - title: B
    type: collaboration
    members: *team
";
    let (manifest, _) = valid(yaml);
    assert_eq!(
        manifest.rooms[0].members,
        manifest.rooms[1].members.as_ref().map(|m| {
            m.iter().zip([5, 7]).map(|(m, line)| MemberSpec { line, ..m.clone() }).collect()
        })
    );
}

#[test]
fn subject_key_ignores_the_case_of_emails_only() {
    assert_eq!(Member::User("Anna@Example.COM".into()).key(), "anna@example.com");
    assert_eq!(Member::Group("Auditors".into()).key(), "Auditors");
    assert_eq!(Member::Group("Auditors".into()).name(), "Auditors");
    assert_eq!(Member::User("a@b.c".into()).to_string(), "a@b.c");
    assert_eq!(Member::Group("Auditors".into()).to_string(), "group Auditors");
}

#[test]
fn is_ignored_uses_the_patterns() {
    let (manifest, _) = valid("ignore: [\"Sandbox*\", Personal ?, Exact]\nrooms: []\n");
    assert!(manifest.is_ignored("Sandbox"));
    assert!(manifest.is_ignored("Sandbox 2"));
    assert!(manifest.is_ignored("Personal A"));
    assert!(!manifest.is_ignored("Personal AB"));
    assert!(manifest.is_ignored("Exact"));
    assert!(!manifest.is_ignored("Exactly"));
}

// --- Helpers ------------------------------------------------------------------------------

#[test]
fn glob_match_wildcards() {
    let cases = [
        ("*", "", true),
        ("*", "anything", true),
        ("", "", true),
        ("", "a", false),
        ("a*", "a", true),
        ("a*", "ba", false),
        ("*a", "ba", true),
        ("a?c", "abc", true),
        ("a?c", "ac", false),
        ("a?c", "aéc", true),
        ("*b*b*", "abcbd", true),
        ("*b*b*", "abcd", false),
        ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "aXbYbZ", false),
        ("Sandbox*", "sandbox 1", false),
        ("**?", "x", true),
        ("**?", "", false),
    ];
    for (pattern, title, expected) in cases {
        assert_eq!(glob_match(pattern, title), expected, "{pattern:?} ~ {title:?}");
    }
}

#[test]
fn glob_match_is_fast_on_pathological_patterns() {
    let title = "a".repeat(2_000);
    let pattern = format!("{}b", "*a".repeat(100));
    // Backtracking would try about 2,000^100 splits; the matcher is linear.
    assert!(!assert_quick(|| glob_match(&pattern, &title)));
}

#[test]
fn edit_distance_counts_swaps_as_one() {
    assert_eq!(syntax::edit_distance("titel", "title"), 1);
    assert_eq!(syntax::edit_distance("tag", "tags"), 1);
    assert_eq!(syntax::edit_distance("", "abc"), 3);
    assert_eq!(syntax::closest("member_policy", keys::ROOM_KEYS), Some("members_policy"));
    assert_eq!(syntax::closest("renamed-from", keys::ROOM_KEYS), Some("renamed_from"));
    assert_eq!(syntax::closest("x", keys::ROOM_KEYS), None);
}

#[test]
fn scalars_are_quoted_only_when_needed() {
    for plain in [
        "Marketing",
        "Q1/Q2 plans",
        "R&D",
        "anna@example.com",
        "Sandbox*",
        "Personal ?",
        "Legal 2026",
        "a-b",
        "x?",
        "C++",
    ] {
        assert_eq!(yaml_text::scalar(plain), plain);
    }
    for quoted in [
        "",
        " x",
        "x ",
        "yes",
        "No",
        "null",
        "~",
        "12",
        "-3",
        "1.5",
        ".5",
        "0x1F",
        "- item",
        "#1",
        "*x",
        "&a",
        "!t",
        "%x",
        "@x",
        "`x",
        "a: b",
        "a:b",
        "a #b",
        "x:",
        "[x]",
        "a, b",
        "{x}",
        "'x'",
        "\"x\"",
        "|x",
        ">x",
        "?x",
        "a\nb",
        "tab\there",
    ] {
        let written = yaml_text::scalar(quoted);
        assert!(written.starts_with('"'), "{quoted:?} written as {written}");
        let back: String = serde_saphyr::from_str(&written).unwrap();
        assert_eq!(back, quoted);
    }
}

#[test]
fn json_schema_describes_every_field() {
    let schema = json_schema();
    assert_eq!(schema["required"], serde_json::json!(["rooms"]));
    assert_eq!(schema["additionalProperties"], serde_json::json!(false));
    let mut objects = vec![&schema];
    objects.extend(schema["$defs"].as_object().unwrap().values());
    let mut fields = 0;
    for object in objects {
        let Some(properties) = object.get("properties").and_then(|p| p.as_object()) else {
            continue;
        };
        for (name, property) in properties {
            assert!(
                property.get("description").and_then(|d| d.as_str()).is_some_and(|d| !d.is_empty()),
                "`{name}`"
            );
            fields += 1;
        }
    }
    let template_keys = keys::ROOM_KEYS.len() - keys::NOT_IN_TEMPLATES.len();
    // `watermark` has `text`, `show` and `rotate`; `lifetime` has `older_than` and `action`.
    let settings_fields = 3 + 2;
    assert_eq!(
        fields,
        keys::MANIFEST_KEYS.len()
            + keys::ROOM_KEYS.len()
            + template_keys
            + keys::MEMBER_KEYS.len()
            + keys::LINK_KEYS.len()
            + settings_fields
    );
    let room = &schema["$defs"]["Room"]["properties"];
    let keys: Vec<&str> = room.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, super::keys::ROOM_KEYS);
    // A template is a room without the keys that name one room: generic over room keys.
    let template = &schema["$defs"]["Template"]["properties"];
    let keys: Vec<&str> = template.as_object().unwrap().keys().map(String::as_str).collect();
    let expected: Vec<&str> = keys::ROOM_KEYS
        .iter()
        .copied()
        .filter(|key| !keys::NOT_IN_TEMPLATES.contains(key))
        .collect();
    assert_eq!(keys, expected);
    assert!(
        schema["$defs"]["Template"].get("required").is_none_or(|r| r == &serde_json::json!([]))
    );
}

/// Issue 21, "Smaller": each message as it read on the old code, corrected.
mod smaller_messages {
    use super::*;

    #[test]
    fn quotes_and_backslashes_are_shown_as_written() {
        // Were `don\'t` and `x\\y`.
        assert_syntax_error(
            "rooms:\n  - title: A\n    state: 'don''t'\n",
            "rooms.yaml:3:12: invalid value `don't` for `state`; expected one of `active`, `archived`, `deleted`",
        );
        assert_syntax_error(
            "rooms:\n  - title: A\n    state: \"x\\\\y\"\n",
            "rooms.yaml:3:12: invalid value `x\\y` for `state`; expected one of `active`, `archived`, `deleted`",
        );
        // What a terminal would act on is still escaped.
        assert!(syntax_error("rooms:\n  - title: A\n    state: \"\\e[31m\"\n").contains("\\u{1b}"));
    }

    #[test]
    fn a_missing_key_names_the_mapping_it_is_missing_from() {
        // Was `rooms[0].lifetime.action`.
        for yaml in [
            "rooms:\n  - title: A\n    type: custom\n    lifetime: {action: delete}\n",
            "rooms:\n  - title: A\n    type: custom\n    lifetime:\n      action: delete\n",
        ] {
            let error = syntax_error(yaml);
            assert!(error.ends_with("missing key `older_than` in `rooms[0].lifetime`"), "{error}");
        }
    }

    #[test]
    fn a_negative_quota_says_so() {
        // Was "unknown size unit `-1 GB`".
        assert_eq!(
            problems("rooms:\n  - title: A\n    type: custom\n    quota: \"-1 GB\"\n"),
            [
                "rooms.yaml:4: `quota`: `-1 GB` is negative; a size is 0 or more (write `unlimited` for no limit)"
            ]
        );
    }

    #[test]
    fn a_quota_below_a_megabyte_is_a_warning() {
        // Validated silently.
        for (quota, bytes) in [("1", "1 byte,"), ("10", "10 bytes,")] {
            let (_, warnings) =
                valid(&format!("rooms:\n  - title: A\n    type: custom\n    quota: {quota}\n"));
            assert_eq!(warnings.len(), 1, "{quota}");
            assert!(
                warnings[0].message.contains(&format!("`quota` is {bytes} less than 1 MB")),
                "{}",
                warnings[0].message
            );
        }
        let (_, warnings) = valid("rooms:\n  - title: A\n    type: custom\n    quota: 500 MB\n");
        assert_eq!(warnings, []);
    }
}
