//! A manifest written back as YAML, for `export`: the layout is stable (rooms sorted by title,
//! keys in a fixed order, defaults left out) and every string is quoted exactly when YAML would
//! otherwise read it as something else.
//!
//! `serde-saphyr`'s serializer writes the document: the key order is the field order of the
//! views below, defaults are skipped with `skip_serializing_if`, lists of names are flow
//! sequences (`FlowSeq`), and the library escapes and quotes scalars. Three things stay by hand,
//! because the library cannot do them:
//! - Comments on their own lines. `Commented` only annotates a scalar: inline (`key: value #
//!   note`, one line, newlines in the note flattened) or, with `CommentPosition::Above`, between
//!   a key and its value (`key:\n  # note\n  value`); a comment on a mapping or a sequence item
//!   is dropped. So the header and the notes above a room are written as text, and each room is
//!   serialized on its own so that its notes can go right above it.
//! - Quoting a little more than the library does: it leaves `a:b`, `?x` and (outside flow
//!   lists) `a, b` plain. YAML 1.2 reads those back as strings, but some YAML 1.1 readers do
//!   not, and the manifest tests pin that such text is double-quoted. `yaml_text::Text` adds that rule.
//! - `rooms:`, since it is followed by rooms serialized one at a time.

use super::spec::{
    DEFAULT_MAX_DESTROY_PERCENT, DEFAULT_MAX_MEMBER_REMOVALS, DesiredState, FoldersPolicy,
    LinksPolicy, Manifest, MembersPolicy, Prune, RoomSpec,
};
use super::yaml_text::{Text, serialize};
use crate::docspace::{Access, RoomType};
use crate::model::Member;
use serde::{Serialize, Serializer};
use serde_saphyr::FlowSeq;
use std::collections::BTreeMap;

/// `manifest` as a YAML document that [`super::parse`] reads back to the same rooms and settings
/// (rooms sorted by title; `source` and the line numbers are not part of it). Each line of
/// `header` becomes a comment at the top (a `# ` is added where missing); `prune` is always
/// written, other settings and room fields only when they differ from their defaults.
pub fn to_yaml(manifest: &Manifest, header: &str) -> String {
    manifest.to_yaml_with_notes(header, &BTreeMap::new())
}

impl Manifest {
    /// [`to_yaml`], with the lines of `notes[id]` written as comments right above the entry of
    /// the room with that `id` (`export` says there what it left out of the room).
    pub(crate) fn to_yaml_with_notes(
        &self,
        header: &str,
        notes: &BTreeMap<u64, Vec<String>>,
    ) -> String {
        let mut out = String::new();
        for line in header.lines() {
            push_comment(&mut out, "", line);
        }
        out.push_str(&serialize(&Settings::of(self)));

        let mut rooms: Vec<&RoomSpec> = self.rooms.iter().collect();
        rooms.sort_by(|a, b| {
            (a.stored_title.as_str(), a.title.as_str(), a.id).cmp(&(
                b.stored_title.as_str(),
                b.title.as_str(),
                b.id,
            ))
        });
        if rooms.is_empty() {
            out.push_str("rooms: []\n");
            return out;
        }
        out.push_str("rooms:\n");
        for room in rooms {
            for note in room.id.and_then(|id| notes.get(&id)).into_iter().flatten() {
                for line in note.lines() {
                    push_comment(&mut out, "  ", line);
                }
            }
            // A one-item list, indented under `rooms:`. Every scalar is on one line (no block
            // scalars), so indenting each line indents the item.
            for line in serialize(&[RoomView::of(room)]).lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

/// `line` as a comment at `indent`: a `# ` is added unless it already starts with `#`.
fn push_comment(out: &mut String, indent: &str, line: &str) {
    let line = line.trim_end();
    out.push_str(indent);
    if line.starts_with('#') {
        out.push_str(line);
    } else if line.is_empty() {
        out.push('#');
    } else {
        out.push_str("# ");
        out.push_str(line);
    }
    out.push('\n');
}

/// The top-level settings, in the order they are written.
#[derive(Serialize)]
struct Settings<'a> {
    prune: Prune,
    #[serde(skip_serializing_if = "Option::is_none")]
    ignore: Option<FlowSeq<Vec<Text<'a>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_destroy_percent: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_member_removals: Option<u32>,
}

impl<'a> Settings<'a> {
    fn of(manifest: &'a Manifest) -> Self {
        Settings {
            prune: manifest.prune,
            ignore: flow_list(&manifest.ignore),
            max_destroy_percent: Some(manifest.max_destroy_percent)
                .filter(|&percent| percent != DEFAULT_MAX_DESTROY_PERCENT),
            max_member_removals: Some(manifest.max_member_removals)
                .filter(|&removals| removals != DEFAULT_MAX_MEMBER_REMOVALS),
        }
    }
}

/// One room, in the order its keys are written.
#[derive(Serialize)]
struct RoomView<'a> {
    title: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    room_type: Option<RoomType>,
    #[serde(skip_serializing_if = "is_default")]
    state: DesiredState,
    #[serde(skip_serializing_if = "is_default")]
    protect: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<FlowSeq<Vec<Text<'a>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    renamed_from: Option<FlowSeq<Vec<Text<'a>>>>,
    #[serde(skip_serializing_if = "is_default")]
    members_policy: MembersPolicy,
    #[serde(skip_serializing_if = "is_default")]
    notify: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<Vec<MemberView<'a>>>,
    #[serde(flatten)]
    settings: super::settings::SettingsView<'a>,
    /// Every folder path, implied parents included (reading them back declares the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    folders: Option<FlowSeq<Vec<Joined>>>,
    #[serde(skip_serializing_if = "is_default")]
    folders_policy: FoldersPolicy,
    #[serde(skip_serializing_if = "is_default")]
    links_policy: LinksPolicy,
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<Vec<super::links::LinkView<'a>>>,
}

/// A folder path joined with `/`, written like [`Text`].
struct Joined(String);

impl Serialize for Joined {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Text(&self.0).serialize(serializer)
    }
}

impl<'a> RoomView<'a> {
    fn of(room: &'a RoomSpec) -> Self {
        RoomView {
            title: Text(&room.title),
            id: room.id,
            room_type: room.room_type,
            state: room.state,
            protect: room.protect,
            // Given tags are written even when there are none (`tags: []` clears a room's tags).
            tags: room.tags.as_deref().map(|tags| FlowSeq(tags.iter().map(|t| Text(t)).collect())),
            renamed_from: flow_list(&room.renamed_from),
            members_policy: room.members_policy,
            notify: room.notify,
            folders: room
                .folders
                .as_ref()
                .map(|folders| FlowSeq(folders.iter().map(|f| Joined(f.display())).collect())),
            folders_policy: room.folders_policy,
            members: room.members.as_ref().map(|members| {
                members
                    .iter()
                    .map(|member| MemberView {
                        user: match &member.subject {
                            Member::User(email) => Some(Text(email)),
                            Member::Group(_) => None,
                        },
                        group: match &member.subject {
                            Member::Group(name) => Some(Text(name)),
                            Member::User(_) => None,
                        },
                        access: member.access,
                        invite: member.invite,
                    })
                    .collect()
            }),
            settings: super::settings::SettingsView::of(&room.settings),
            links_policy: room.links_policy,
            links: room.links.as_ref().map(|links| {
                links.iter().map(|link| super::links::LinkView::of(link, Text)).collect()
            }),
        }
    }
}

/// One member: exactly one of `user` and `group`, then `access`.
#[derive(Serialize)]
struct MemberView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<Text<'a>>,
    access: Access,
    #[serde(skip_serializing_if = "is_default")]
    invite: bool,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A list that is left out when empty, written as a flow sequence otherwise.
fn flow_list(items: &[String]) -> Option<FlowSeq<Vec<Text<'_>>>> {
    (!items.is_empty()).then(|| FlowSeq(items.iter().map(|item| Text(item)).collect()))
}

#[cfg(test)]
mod tests {
    use super::super::yaml_text::scalar;
    use super::*;
    use crate::manifest::MemberSpec;

    fn room(title: &str, id: u64) -> RoomSpec {
        RoomSpec {
            title: title.into(),
            stored_title: title.into(),
            line: 0,
            id: Some(id),
            room_type: Some(RoomType::Custom),
            state: DesiredState::Active,
            tags: None,
            renamed_from: Vec::new(),
            protect: false,
            members: None,
            members_policy: MembersPolicy::Exact,
            folders: None,
            folders_policy: crate::manifest::FoldersPolicy::Additive,
            notify: false,
            links: None,
            links_policy: crate::manifest::LinksPolicy::Exact,
            settings: crate::settings::Settings::default(),
        }
    }

    #[test]
    fn every_key_is_written_in_a_fixed_order_with_lists_in_flow_style() {
        let mut legal = room("Legal", 7);
        legal.state = DesiredState::Archived;
        legal.protect = true;
        legal.tags = Some(vec!["a, b".into(), "yes".into()]);
        legal.renamed_from = vec!["Law".into()];
        legal.members_policy = MembersPolicy::Additive;
        legal.notify = true;
        legal.members = Some(vec![
            MemberSpec {
                subject: Member::User("ann@example.com".into()),
                access: Access::Editor,
                invite: true,
                line: 0,
            },
            MemberSpec {
                subject: Member::Group("Audit: 2026".into()),
                access: Access::Viewer,
                invite: false,
                line: 0,
            },
        ]);
        let manifest = Manifest {
            rooms: vec![legal],
            prune: Prune::Archive,
            ignore: vec!["Sandbox*".into()],
            max_destroy_percent: 50,
            max_member_removals: 3,
            ..Manifest::default()
        };
        assert_eq!(
            to_yaml(&manifest, "head"),
            "# head\nprune: archive\nignore: [Sandbox*]\nmax_destroy_percent: 50\n\
             max_member_removals: 3\nrooms:\n  - title: Legal\n    id: 7\n    type: custom\n    \
             state: archived\n    protect: true\n    tags: [\"a, b\", \"yes\"]\n    \
             renamed_from: [Law]\n    members_policy: additive\n    notify: true\n    \
             members:\n      - user: ann@example.com\n        access: editor\n        \
             invite: true\n      - group: \"Audit: 2026\"\n        access: viewer\n"
        );
    }

    #[test]
    fn notes_are_comments_above_their_room_and_only_there() {
        let manifest = Manifest { rooms: vec![room("B", 2), room("A", 1)], ..Manifest::default() };
        let notes = BTreeMap::from([(2, vec!["left out:\n  ann (no email)".to_owned()])]);
        let yaml = manifest.to_yaml_with_notes("", &notes);
        assert_eq!(
            yaml,
            "prune: none\nrooms:\n  - title: A\n    id: 1\n    type: custom\n  \
             # left out:\n  #   ann (no email)\n  - title: B\n    id: 2\n    type: custom\n"
        );
        let (back, _) = super::super::parse(std::path::Path::new("x.yaml"), &yaml).unwrap();
        assert_eq!(back.rooms.len(), 2);
    }

    #[test]
    fn empty_lists_that_mean_something_are_written() {
        let mut bare = room("Bare", 1);
        bare.tags = Some(Vec::new());
        bare.members = Some(Vec::new());
        let yaml = to_yaml(&Manifest { rooms: vec![bare], ..Manifest::default() }, "");
        assert!(yaml.ends_with("    tags: []\n    members: []\n"), "{yaml}");
    }

    #[test]
    fn strings_the_library_escapes_are_double_quoted_and_read_back() {
        for text in ["\u{feff}x", "a\u{2028}b", "x\u{7f}", "it's", "'q'"] {
            let written = scalar(text);
            let back: String = serde_saphyr::from_str(&written).unwrap();
            assert_eq!(back, text, "{written}");
        }
        assert_eq!(scalar("'q'"), "\"'q'\"");
        assert_eq!(scalar("it's"), "it's");
    }
}
