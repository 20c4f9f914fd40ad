//! `export`: write a manifest of every room on the portal, ids pinned, sorted by title, so a
//! team can start from what exists. `plan` right after an export plans nothing.

use super::Exit;
use super::read::{Scope, read_portal};
use crate::cli::ExportArgs;
use crate::config::{self, Output};
use crate::docspace::Access;
use crate::manifest::{DesiredState, Manifest, MemberSpec, MembersPolicy, RoomSpec, Subject};
use crate::model::{MemberSubject, PortalState, RoomState};
use crate::portal::Portal;
use crate::progress::Progress;
use anyhow::Context;
use std::collections::HashMap;

/// Reads every room of the portal and writes the manifest to `--output` or stdout.
pub async fn run(args: &ExportArgs, output: Output) -> anyhow::Result<Exit> {
    let portal = Portal::new(config::portal(&args.portal)?)?;
    let progress = Progress::new(output.stderr_terminal);
    let state = read_portal(&portal, Scope::Everything, &progress).await;
    progress.finish();
    let state = state?;
    let header = format!(
        "Exported from {} on {} by docspace-rooms {}.",
        portal.base_url(),
        crate::text::utc_timestamp(std::time::SystemTime::now()),
        env!("CARGO_PKG_VERSION")
    );
    let (manifest, skipped) = manifest_of(&state);
    for (room, access) in skipped {
        eprintln!(
            "warning: room {room} has a member with access {access}, which a manifest cannot name; left out"
        );
    }
    let yaml = crate::manifest::to_yaml(&manifest, &header);
    match &args.output {
        Some(path) => {
            std::fs::write(path, &yaml)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            eprintln!(
                "Wrote {} room{} to `{}`.",
                state.rooms.len(),
                crate::plan::plural(state.rooms.len()),
                path.display()
            );
        }
        None => crate::out!("{yaml}")?,
    }
    Ok(Exit::Success)
}

/// The manifest that describes `state` exactly, and the (room, access) pairs of members whose
/// access level a manifest cannot name.
pub fn manifest_of(state: &PortalState) -> (Manifest, Vec<(u64, i64)>) {
    let emails: HashMap<&str, &str> =
        state.people.iter().map(|p| (p.id.as_str(), p.email.as_str())).collect();
    let mut skipped = Vec::new();
    let mut members_of = |room: u64| -> Option<Vec<MemberSpec>> {
        let mut members: Vec<MemberSpec> = state
            .members
            .get(&room)?
            .iter()
            .filter(|member| !member.is_owner)
            .filter_map(|member| {
                let Some(access) = Access::from_code(member.access) else {
                    skipped.push((room, member.access));
                    return None;
                };
                let subject = match &member.subject {
                    MemberSubject::User { id, email } if email.is_empty() => {
                        Subject::User(emails.get(id.as_str())?.to_string())
                    }
                    MemberSubject::User { email, .. } => Subject::User(email.clone()),
                    MemberSubject::Group { name, .. } => Subject::Group(name.clone()),
                };
                Some(MemberSpec { subject, access, invite: false, line: 0 })
            })
            .collect();
        members.sort_by_key(|member| (member.subject.is_group(), member.subject.key()));
        (!members.is_empty()).then_some(members)
    };
    let mut rooms: Vec<RoomSpec> = state
        .rooms
        .iter()
        .map(|room| RoomSpec {
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
            tags: Some(room.tags.clone()),
            renamed_from: Vec::new(),
            protect: false,
            members: members_of(room.id),
            members_policy: MembersPolicy::default(),
            notify: false,
        })
        .collect();
    rooms.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    (Manifest { rooms, ..Manifest::default() }, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docspace::RoomType;
    use crate::model::{PortalRoom, PortalRoomType};

    #[test]
    fn an_exported_room_of_an_unknown_type_is_pinned_without_a_type_and_plans_nothing() {
        let room = |id: u64, title: &str, room_type: PortalRoomType| PortalRoom {
            id,
            title: title.into(),
            room_type,
            state: RoomState::Active,
            tags: vec!["x".into()],
        };
        let state = PortalState {
            rooms: vec![
                room(1, "Legal", RoomType::Custom.into()),
                room(2, "Bots", PortalRoomType::Unknown(12)),
            ],
            ..PortalState::default()
        };
        let (manifest, skipped) = manifest_of(&state);
        assert!(skipped.is_empty());
        let yaml = crate::manifest::to_yaml(&manifest, "# exported\n");
        assert!(yaml.contains("title: Bots\n    id: 2\n"), "{yaml}");
        let (parsed, _) =
            crate::manifest::parse(std::path::Path::new("rooms.yaml"), &yaml).unwrap();
        let bots = parsed.rooms.iter().find(|spec| spec.id == Some(2)).unwrap();
        assert_eq!(bots.room_type, None);
        let plan =
            crate::plan::plan(&parsed, &state, &crate::plan::PlanOptions::default()).unwrap();
        assert!(plan.is_empty(), "{plan:?}");
    }
}
