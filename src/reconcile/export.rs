//! `export`'s half of the flow: the manifest of what a portal holds, built so that planning it
//! against the same portal changes nothing. Members a manifest cannot list exactly are left out
//! of an `additive` room, with a note saying who and why.

use super::links::exported_links;
use super::{links, members};
use crate::manifest::{DesiredState, Manifest, MembersPolicy, RoomSpec};
use crate::model::{PortalState, RoomState};
use crate::portal::Portal;
use crate::progress::Progress;
use anyhow::Context;
use std::collections::BTreeMap;

/// Everything `export` lists: every room, the people and groups, every room's members, and the
/// links of every room whose type has links.
pub(crate) async fn read_portal(
    portal: &Portal,
    progress: &Progress,
) -> anyhow::Result<PortalState> {
    let key = super::preflight::read_key(portal).await?;
    super::preflight::check_reads(key.as_ref(), &super::preflight::Reads::Export)?;
    let rooms = super::read::list_rooms(portal, progress).await;
    progress.finish();
    let rooms = rooms?;
    let directory = members::read(portal, Some(members::Wanted::every_room(&rooms))).await?;
    let links = links::read(portal, links::wanted(None, &rooms)).await?;
    let mut state = PortalState { rooms, links, ..PortalState::default() };
    directory.into_state(&mut state);
    Ok(state)
}

/// How an export's first line starts; [`written_by_export`] looks for it.
const HEADER_START: &str = "Exported from ";

/// The comment an export starts with: where and when it was made, and by which version.
pub(crate) fn header(portal: &reqwest::Url, now: std::time::SystemTime) -> String {
    format!(
        "{HEADER_START}{portal} on {} by docspace-rooms {}.",
        crate::time::utc_timestamp(now),
        env!("CARGO_PKG_VERSION")
    )
}

/// Whether a file starts with the header [`header`] writes, as a YAML comment: only such a
/// file may be replaced by `export -o` without `--force`.
pub(crate) fn written_by_export(bytes: &[u8]) -> bool {
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    first
        .strip_prefix("# ")
        .is_some_and(|rest| rest.starts_with(HEADER_START) && rest.contains(" by docspace-rooms "))
}

/// What `export` writes: the manifest, and per room id the members it could not list.
pub(crate) struct Export {
    /// Every room, ids pinned; a room that has members someone was left out of is `additive`.
    pub(crate) manifest: Manifest,
    /// Why each member that is not listed is not, by room id: who it is and why, one line each.
    pub(crate) left_out: BTreeMap<u64, Vec<String>>,
    /// What a room's links need from the user (password variables, links left out), by id.
    pub(crate) link_notes: BTreeMap<u64, Vec<String>>,
    /// Why a room's `tags` are left out (a tag a manifest cannot hold), by id: the room's
    /// tags are then left as they are.
    pub(crate) tags_left_out: BTreeMap<u64, String>,
}

impl Export {
    /// The manifest as YAML, with a comment above each room that left members out.
    pub(crate) fn to_yaml(&self, header: &str) -> String {
        let mut notes: BTreeMap<u64, Vec<String>> = self
            .left_out
            .iter()
            .map(|(&room, members)| {
                let mut note = vec![
                    "`members_policy: additive`: these members are not listed, so applying this \
                     file leaves them as they are:"
                        .to_owned(),
                ];
                note.extend(members.iter().map(|member| format!("- {member}")));
                (room, note)
            })
            .collect();
        for (room, lines) in &self.link_notes {
            notes.entry(*room).or_default().extend(lines.iter().cloned());
        }
        for (room, why) in &self.tags_left_out {
            notes.entry(*room).or_default().push(format!(
                "`tags` left out, so applying this file leaves the room's tags as they are: {why}"
            ));
        }
        self.manifest.to_yaml_with_notes(header, &notes)
    }
}

/// The manifest that describes `state`: every room with its id, type, state, tags and the
/// members a manifest can list. A member it cannot list exactly as the planner would find them
/// again (an access level without a manifest name, no email, an email or group name that does
/// not lead back to them, ...) is left out, and its room is then `additive` so that applying
/// the export removes no one.
pub(crate) fn manifest_of(state: &PortalState) -> Export {
    let mut left_out = BTreeMap::new();
    let mut link_notes = BTreeMap::new();
    let mut tags_left_out = BTreeMap::new();
    let mut rooms: Vec<RoomSpec> = state
        .rooms
        .iter()
        .map(|room| {
            let (members, skipped) = match state.members.get(&room.id) {
                Some(members) => members::exported(room, members, state),
                None => (Vec::new(), Vec::new()),
            };
            let policy =
                if skipped.is_empty() { MembersPolicy::Exact } else { MembersPolicy::Additive };
            let members = (!members.is_empty() || !skipped.is_empty()).then_some(members);
            if !skipped.is_empty() {
                left_out.insert(room.id, skipped);
            }
            let links = state.links.get(&room.id).and_then(|links| exported_links(room, links));
            if let Some(links) = &links
                && !links.notes.is_empty()
            {
                link_notes.insert(room.id, links.notes.clone());
            }
            // One tag a manifest cannot hold (a control character any room administrator
            // can type) leaves the room's tags alone rather than the whole portal unexported.
            let unholdable: Vec<String> =
                room.tags.iter().flat_map(|tag| crate::manifest::tag_problems(tag)).collect();
            let tags = if unholdable.is_empty() {
                Some(room.tags.clone())
            } else {
                tags_left_out.insert(room.id, unholdable.join("; "));
                None
            };
            RoomSpec {
                title: room.title.clone(),
                stored_title: room.title.clone(),
                line: 0,
                id: Some(room.id),
                // A type this version does not know is left out; the id pins the room.
                room_type: room.room_type.known(),
                state: match room.state {
                    RoomState::Active => DesiredState::Active,
                    RoomState::Archived => DesiredState::Archived,
                },
                tags,
                renamed_from: Vec::new(),
                protect: false,
                members,
                members_policy: policy,
                notify: false,
                // Folders are not read: a manifest from export declares none.
                folders: None,
                folders_policy: crate::manifest::FoldersPolicy::Additive,
                links_policy: links.as_ref().map(|l| l.policy).unwrap_or_default(),
                links: links.map(|l| l.links),
                settings: super::settings::exported(&room.settings),
            }
        })
        .collect();
    rooms.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    Export {
        manifest: Manifest { rooms, ..Manifest::default() },
        left_out,
        link_notes,
        tags_left_out,
    }
}

/// Refuses an export that would not read back as what the portal holds: `plan` right after it
/// must plan nothing, above all no member removal.
pub(crate) fn check_round_trip(yaml: &str, state: &PortalState) -> anyhow::Result<()> {
    let (mut manifest, _) = crate::manifest::parse(std::path::Path::new("export"), yaml)
        .context("the export would not read back; nothing written")?;
    super::links::portal_passwords(&mut manifest, state);
    let plan = crate::plan::plan(&manifest, state, &crate::plan::PlanOptions::default())
        .context("the export would not plan; nothing written")?;
    anyhow::ensure!(
        plan.is_empty(),
        "the export would change {} room{} if applied; nothing written",
        plan.rooms.len(),
        crate::text::plural(plan.rooms.len())
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docspace::{Access, RoomType, file_share_name};
    use crate::manifest::Member;
    use crate::model::RoomMember;
    use crate::model::{Group, Person, PortalRoom, PortalRoomType};

    #[test]
    fn an_exported_room_of_an_unknown_type_is_pinned_without_a_type_and_plans_nothing() {
        let room = |id: u64, title: &str, room_type: PortalRoomType| PortalRoom {
            id,
            title: title.into(),
            room_type,
            state: RoomState::Active,
            tags: vec!["x".into()],
            settings: crate::settings::Settings::default(),
            custom_logo: false,
        };
        let state = PortalState {
            rooms: vec![
                room(1, "Legal", RoomType::Custom.into()),
                room(2, "Bots", PortalRoomType::Unknown(12)),
            ],
            ..PortalState::default()
        };
        let export = manifest_of(&state);
        assert!(export.left_out.is_empty());
        let yaml = export.to_yaml("# exported\n");
        assert!(yaml.contains("title: Bots\n    id: 2\n"), "{yaml}");
        let (parsed, _) =
            crate::manifest::parse(std::path::Path::new("rooms.yaml"), &yaml).unwrap();
        let bots = parsed.rooms.iter().find(|spec| spec.id == Some(2)).unwrap();
        assert_eq!(bots.room_type, None);
        let plan =
            crate::plan::plan(&parsed, &state, &crate::plan::PlanOptions::default()).unwrap();
        assert!(plan.is_empty(), "{plan:?}");
    }

    fn person(id: &str, email: &str, can_manage_rooms: bool) -> Person {
        Person { id: id.into(), email: email.into(), active: true, can_manage_rooms }
    }

    fn user(id: &str, email: &str, access: i64) -> RoomMember {
        RoomMember { id: id.into(), member: Member::User(email.into()), access, is_owner: false }
    }

    fn group(id: &str, name: &str, access: i64) -> RoomMember {
        RoomMember { id: id.into(), member: Member::Group(name.into()), access, is_owner: false }
    }

    /// One room of `room_type` whose owner is `o@example.com`, with these other members.
    fn portal_with(room_type: RoomType, members: Vec<RoomMember>) -> PortalState {
        let owner = RoomMember { is_owner: true, ..user("o", "o@example.com", 1) };
        PortalState {
            rooms: vec![PortalRoom {
                id: 7,
                title: "Legal".into(),
                room_type: room_type.into(),
                state: RoomState::Active,
                tags: Vec::new(),
                settings: crate::settings::Settings::default(),
                custom_logo: false,
            }],
            people: vec![
                person("o", "o@example.com", true),
                person("a", "ann@example.com", false),
                person("b", "ben@example.com", false),
                person("n", "", false),
                person("d", "dup@example.com", false),
                person("d2", "Dup@example.com", false),
            ],
            groups: vec![
                Group { id: "g1".into(), name: "Audit".into() },
                Group { id: "g2".into(), name: "Twins".into() },
                Group { id: "g3".into(), name: "Twins".into() },
            ],
            members: BTreeMap::from([(7, std::iter::once(owner).chain(members).collect())]),
            links: BTreeMap::new(),
            ..PortalState::default()
        }
    }

    #[test]
    fn members_a_manifest_cannot_list_make_the_room_additive_and_are_named_in_a_comment() {
        let state = portal_with(
            RoomType::Custom,
            vec![
                user("a", "ann@example.com", 10),
                user("b", "ben@example.com", 12),
                user("c", "carl@example.com", 3),
                user("n", "", 2),
                user("x", "", 2),
                user("z", "zed@example.com", 2),
                user("y", "ann@example.com", 2),
                user("d", "dup@example.com", 2),
                user("a", "ann@example.com", 10),
                RoomMember { is_owner: false, ..user("b", "BEN@example.com", 9) },
                group("g1", "Audit", 9),
                group("g2", "Twins", 2),
                group("g9", "Audit", 2),
            ],
        );
        let export = manifest_of(&state);
        let room = &export.manifest.rooms[0];
        assert_eq!(room.members_policy, MembersPolicy::Additive);
        let listed: Vec<String> =
            room.members.iter().flatten().map(|m| format!("{} {}", m.subject, m.access)).collect();
        assert_eq!(listed, ["ann@example.com editor"]);
        assert_eq!(
            export.left_out[&7],
            [
                "user `ben@example.com`: access 12, which this version of docspace-rooms does not know",
                "user `carl@example.com`: access 3 (`Restrict`), which a manifest cannot set",
                "user id `n`: no email address",
                "user id `x`: no email address",
                "user `zed@example.com`: not in the portal's list of active people",
                "user `ann@example.com`: the people list gives that email to another account",
                "user `dup@example.com`: more than one account has that email address",
                "user `ann@example.com`: listed twice by the portal",
                "user `BEN@example.com`: `room-manager`, which their account type no longer allows",
                "group `Audit`: `room-manager`, which a manifest cannot give a group",
                "group `Twins`: another group has the same name",
                "group `Audit`: the group list gives that name to another group",
            ]
        );
        let yaml = export.to_yaml("exported");
        assert!(
            yaml.contains(
                "  # `members_policy: additive`: these members are not listed, so applying this \
                 file leaves them as they are:\n  # - user `ben@example.com`: access 12"
            ),
            "{yaml}"
        );
        assert!(yaml.contains("    members_policy: additive\n"), "{yaml}");
        check_round_trip(&yaml, &state).unwrap();
    }

    #[test]
    fn a_room_whose_members_are_all_listed_stays_exact_without_a_comment() {
        let state = portal_with(
            RoomType::Custom,
            vec![user("a", "ann@example.com", 10), user("b", "", 2), group("g1", "Audit", 6)],
        );
        let export = manifest_of(&state);
        assert!(export.left_out.is_empty());
        let room = &export.manifest.rooms[0];
        assert_eq!(room.members_policy, MembersPolicy::Exact);
        assert_eq!(room.members.as_ref().map(Vec::len), Some(3));
        let yaml = export.to_yaml("");
        assert!(!yaml.contains("additive") && !yaml.contains("  #"), "{yaml}");
        check_round_trip(&yaml, &state).unwrap();
    }

    #[test]
    fn a_room_whose_only_member_is_left_out_lists_no_one_additively() {
        let state = portal_with(RoomType::Public, vec![user("a", "ann@example.com", 2)]);
        let export = manifest_of(&state);
        assert_eq!(
            export.left_out[&7],
            ["user `ann@example.com`: access `viewer`, which a `public` room does not allow"]
        );
        let room = &export.manifest.rooms[0];
        assert_eq!(room.members, Some(Vec::new()));
        assert_eq!(room.members_policy, MembersPolicy::Additive);
        check_round_trip(&export.to_yaml(""), &state).unwrap();
    }

    #[test]
    fn an_export_that_would_remove_someone_is_refused() {
        let state = portal_with(RoomType::Custom, vec![user("a", "ann@example.com", 10)]);
        let yaml = "rooms:\n  - title: Legal\n    id: 7\n    members: []\n";
        let err = check_round_trip(yaml, &state).unwrap_err();
        assert_eq!(err.to_string(), "the export would change 1 room if applied; nothing written");
    }

    #[test]
    fn every_file_share_code_of_the_api_notes_has_its_name() {
        assert_eq!(file_share_name(1), Some("ReadWrite"));
        assert_eq!(file_share_name(8), Some("CustomFilter"));
        assert_eq!(file_share_name(12), None);
        assert_eq!(file_share_name(-1), None);
        assert_eq!(file_share_name(Access::Editor.code()), Some("Editing"));
        assert_eq!(file_share_name(Access::ContentCreator.code()), Some("ContentCreator"));
    }
}
