//! Templates: resolution, replacement and every error, one test per rule.

use super::tests::{problems, syntax_error, valid, warnings};
use super::*;
use crate::docspace::{Access, RoomType};

const DEAL: &str = "
templates:
  deal-room:
    type: virtual-data
    protect: true
    tags: [deal]
    members:
      - group: Legal
        access: viewer
rooms:
  - title: Deal Room Contoso
    template: deal-room
  - title: Deal Room Fabrikam
    template: deal-room
    tags: [fabrikam]
    members:
      - user: cfo@example.com
        access: editor
";

#[test]
fn a_room_takes_every_key_of_its_template_it_does_not_set() {
    let (manifest, _) = valid(DEAL);
    let contoso = &manifest.rooms[0];
    assert_eq!(contoso.room_type, Some(RoomType::VirtualData));
    assert!(contoso.protect);
    assert_eq!(contoso.tags, Some(vec!["deal".to_owned()]));
    let members = contoso.members.as_ref().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].subject, Member::Group("Legal".to_owned()));
    assert_eq!(members[0].access, Access::Viewer);
    // The member's line is the template's: that is where it is written.
    assert_eq!(members[0].line, 8);
}

#[test]
fn a_list_the_room_sets_replaces_the_templates_whole() {
    let (manifest, _) = valid(DEAL);
    let fabrikam = &manifest.rooms[1];
    assert_eq!(fabrikam.tags, Some(vec!["fabrikam".to_owned()]));
    let members = fabrikam.members.as_ref().unwrap();
    assert_eq!(members.len(), 1, "no merging of lists: {members:?}");
    assert_eq!(members[0].subject, Member::User("cfo@example.com".to_owned()));
    // Keys it does not set still come from the template.
    assert!(fabrikam.protect);
    assert_eq!(fabrikam.room_type, Some(RoomType::VirtualData));
}

#[test]
fn templates_may_follow_the_rooms() {
    let yaml = "
rooms:
  - title: Client A
    template: client
templates:
  client:
    type: custom
    tags: [client]
";
    let (manifest, warnings) = valid(yaml);
    assert_eq!(manifest.rooms[0].room_type, Some(RoomType::Custom));
    assert_eq!(manifest.rooms[0].tags, Some(vec!["client".to_owned()]));
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn a_resolved_room_equals_the_room_written_out() {
    let written = "
rooms:
  - title: Client A
    type: custom
    state: archived
    tags: [client]
";
    let templated = "
templates:
  client:
    type: custom
    state: archived
    tags: [client]
rooms:
  - title: Client A
    template: client
";
    let (plain, _) = valid(written);
    let (resolved, _) = valid(templated);
    let strip = |mut room: RoomSpec| {
        room.line = 0;
        room
    };
    assert_eq!(strip(plain.rooms[0].clone()), strip(resolved.rooms[0].clone()));
}

#[test]
fn an_unknown_template_is_an_error_with_the_closest_name() {
    let yaml = "
templates:
  deal-room:
    type: custom
rooms:
  - title: A
    template: deal-rom
";
    assert_eq!(
        problems(yaml),
        ["rooms.yaml:7: unknown template `deal-rom`; did you mean `deal-room`?"]
    );
}

#[test]
fn an_unknown_template_without_templates_says_so() {
    let yaml = "
rooms:
  - title: A
    type: custom
    template: kind
";
    assert_eq!(
        problems(yaml),
        ["rooms.yaml:5: unknown template `kind`; the manifest has no `templates`"]
    );
}

#[test]
fn a_template_key_rooms_cannot_have_is_an_error_naming_its_users() {
    let yaml = "
templates:
  deal-room:
    type: custom
    protekt: true
rooms:
  - title: A
    template: deal-room
";
    let error = syntax_error(yaml);
    assert!(error.starts_with("rooms.yaml:4:"), "{error}");
    assert!(
        error.ends_with(
            "in template `deal-room` (used by room `A` at line 7): unknown key `protekt`; did you mean `protect`?"
        ),
        "{error}"
    );
}

#[test]
fn a_template_cannot_name_one_room() {
    for key in ["title: X", "id: 4", "renamed_from: [Old]", "template: other"] {
        let yaml = format!(
            "
templates:
  deal-room:
    type: custom
    {key}
rooms:
  - title: A
    template: deal-room
"
        );
        let error = syntax_error(&yaml);
        let name = key.split(':').next().unwrap();
        assert_eq!(
            error,
            format!(
                "rooms.yaml:5:1: template `deal-room` (used by room `A` at line 7) sets `{name}`, which names one room; a template cannot"
            )
        );
    }
}

#[test]
fn a_bad_value_in_a_template_names_the_template() {
    let yaml = "
templates:
  deal-room:
    type: custom
    state: gone
rooms:
  - title: A
    template: deal-room
";
    let error = syntax_error(yaml);
    assert!(error.contains("in template `deal-room`"), "{error}");
    assert!(error.contains("gone"), "{error}");
}

#[test]
fn a_template_that_is_not_a_mapping_is_an_error() {
    let yaml = "
templates:
  deal-room: [type]
rooms:
  - title: A
";
    assert_eq!(
        syntax_error(yaml),
        "rooms.yaml:3:1: template `deal-room` must be a mapping of room keys"
    );
}

#[test]
fn a_problem_in_a_template_names_the_template_and_each_room_using_it() {
    let yaml = "
templates:
  deal-room:
    members:
      - group: Legal
        access: reviewer
rooms:
  - title: Public A
    type: public
    template: deal-room
  - title: Custom B
    type: custom
    template: deal-room
";
    // `reviewer` is fine in a custom room, not in a public one.
    assert_eq!(
        problems(yaml),
        [
            "rooms.yaml:6: access `reviewer` is not allowed in a `public` room; allowed: `content-creator` (in template `deal-room`, for room `Public A` at line 8)"
        ]
    );
}

#[test]
fn a_template_no_room_uses_is_a_warning() {
    let yaml = "
templates:
  spare:
    type: custom
rooms:
  - title: A
    type: custom
";
    assert_eq!(warnings(yaml), ["rooms.yaml:4: template `spare` is not used by any room"]);
}

#[test]
fn a_warning_about_a_template_value_is_given_once() {
    let yaml = "
templates:
  client:
    type: custom
    folders: [\"Legal: 2025\"]
rooms:
  - title: A
    template: client
  - title: B
    template: client
";
    assert_eq!(
        warnings(yaml),
        ["rooms.yaml:5: folder title `Legal: 2025` will be stored as `Legal_ 2025`"]
    );
}

#[test]
fn the_templates_pass_is_skipped_only_where_no_key_can_spell_templates() {
    assert!(!may_have_templates("rooms:\n  - title: A\n    type: custom\n"));
    assert!(may_have_templates(DEAL));
    assert!(may_have_templates("{templates: {}}"));
    assert!(may_have_templates("\"templ\\x61tes\": {}\n"));
    // A key spelled with escapes still names the templates.
    let escaped = DEAL.replace("\ntemplates:", "\n\"\\x74emplates\":");
    assert!(!escaped.contains("templates"));
    let (manifest, _) = valid(&escaped);
    assert_eq!(manifest.rooms[0].room_type, Some(RoomType::VirtualData));
    assert_eq!(manifest.rooms, valid(DEAL).0.rooms);
}
