//! `export`: write a manifest of every room on the portal, ids pinned, sorted by title, so a
//! team can start from what exists. `plan` right after an export plans nothing.

use super::Exit;
use super::read::read_portal;
use crate::cli::ExportArgs;
use crate::config::{self, Output};
use crate::manifest::{DesiredState, Manifest, RoomSpec};
use crate::model::{PortalState, RoomState};
use crate::portal::Portal;
use crate::progress::Progress;
use anyhow::Context;

pub async fn run(args: &ExportArgs, output: Output) -> anyhow::Result<Exit> {
    let portal = Portal::new(config::portal(&args.portal)?)?;
    let progress = Progress::new(output.stderr_terminal);
    let state = read_portal(&portal, None, &progress).await;
    progress.finish();
    let state = state?;
    let header = format!(
        "Exported from {} on {} by docspace-rooms {}.",
        portal.base_url(),
        crate::text::utc_timestamp(std::time::SystemTime::now()),
        env!("CARGO_PKG_VERSION")
    );
    let yaml = crate::manifest::to_yaml(&manifest_of(&state), &header);
    match &args.output {
        Some(path) => {
            std::fs::write(path, &yaml).with_context(|| format!("cannot write `{}`", path.display()))?;
            eprintln!("Wrote {} room{} to `{}`.", state.rooms.len(), crate::plan::plural(state.rooms.len()), path.display());
        }
        None => print!("{yaml}"),
    }
    Ok(Exit::Success)
}

/// The manifest that describes `state` exactly.
pub fn manifest_of(state: &PortalState) -> Manifest {
    let mut rooms: Vec<RoomSpec> = state
        .rooms
        .iter()
        .map(|room| RoomSpec {
            title: room.title.clone(),
            stored_title: room.title.clone(),
            line: 0,
            id: Some(room.id),
            room_type: Some(room.room_type),
            state: match room.state {
                RoomState::Active => DesiredState::Active,
                RoomState::Archived => DesiredState::Archived,
            },
            tags: Some(room.tags.clone()),
            renamed_from: Vec::new(),
            protect: false,
            members: None,
            members_policy: Default::default(),
            notify: false,
        })
        .collect();
    rooms.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    Manifest { rooms, ..Manifest::default() }
}
