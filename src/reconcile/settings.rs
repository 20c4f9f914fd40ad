//! Settings in the reconcile flow: what the portal must be asked besides its rooms (the room
//! quota switch, the covers), what `export` writes, and whether a saved plan's settings changes
//! still start from what the portal shows.

use crate::model::{PortalRoom, PortalState};
use crate::plan::{Action, Plan, Target};
use crate::portal::{ApiError, Portal};
use crate::settings::{Quota, Settings, Switch};
use crate::text::escape;
use std::collections::HashMap;

/// Reads the room quota switch and the portal's total storage when an entry declares `quota`,
/// and the covers when one declares a cover: planning checks them before any write.
pub(crate) async fn read(
    portal: &Portal,
    manifests: &[&crate::manifest::Manifest],
    state: &mut PortalState,
) -> Result<(), ApiError> {
    let wants = |field: fn(&Settings) -> bool| {
        manifests.iter().flat_map(|manifest| &manifest.rooms).any(|spec| field(&spec.settings))
    };
    if wants(|s| s.quota.is_some()) {
        let quota = portal.portal_quota().await?;
        state.room_quota = Some(quota.room_quota);
        state.storage_limit = quota.storage_limit;
    }
    if wants(|s| matches!(s.cover, Some(Switch::On(_)))) {
        state.covers = Some(portal.room_covers().await?);
    }
    Ok(())
}

/// The settings `export` writes: those that differ from a new room's (a custom quota, a
/// watermark, a lifetime, `deny_download` and `indexing` when on, a cover). The colour is left
/// out: every room has one, picked at random.
pub(crate) fn exported(observed: &Settings) -> Settings {
    Settings {
        quota: observed.quota.filter(|quota| *quota != Quota::Default),
        deny_download: observed.deny_download.filter(|on| *on),
        indexing: observed.indexing.filter(|on| *on),
        color: None,
        cover: observed.cover.clone().filter(|cover| cover.on().is_some()),
        watermark: observed.watermark.clone().filter(|w| w.on().is_some()),
        lifetime: observed.lifetime.clone().filter(|l| l.on().is_some()),
    }
}

/// A line per planned settings change whose starting point no longer holds: each setting the
/// plan changes must still be as it was when planned.
pub(crate) fn stale(plan: &Plan, now: &PortalState) -> Vec<String> {
    let by_id: HashMap<u64, &PortalRoom> = now.rooms.iter().map(|room| (room.id, room)).collect();
    let mut stale = Vec::new();
    for (room, step) in plan.steps() {
        let (Action::SetSettings { before, after }, Target::Existing { id }) =
            (&step.action, &room.target)
        else {
            continue;
        };
        let Some(current) = by_id.get(id) else { continue };
        let label = format!("room {id} \"{}\"", escape(&room.title));
        let was: HashMap<&str, String> = before.describe().into_iter().collect();
        let is: HashMap<&str, String> = current.settings.describe().into_iter().collect();
        for (name, _) in after.describe() {
            if was.get(name) != is.get(name) {
                let show =
                    |value: Option<&String>| value.map_or("not shown".to_owned(), Clone::clone);
                stale.push(format!(
                    "{label}: `{name}` changed from {} to {}",
                    show(was.get(name)),
                    show(is.get(name))
                ));
            }
        }
    }
    stale
}
