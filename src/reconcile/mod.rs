//! The reconcile flow every portal job shares, in the order it runs: read the manifest and the
//! portal and plan between them (or load a saved plan and check that it is still fresh), then
//! execute it and report. Each feature is a slice (`members`, `links`, `folders`, `settings`)
//! that reads what its entries need, finds what is stale in a saved plan, and exports. The
//! commands are thin wrappers around these steps; the demo and the benchmarks call the same
//! functions.

pub(crate) mod execute;
pub(crate) mod export;
mod folders;
mod fresh;
mod links;
mod members;
pub(crate) mod preflight;
mod read;
mod settings;

pub use execute::{Ready, apply_plan};
pub use read::{Planned, read_and_plan};
pub(crate) use read::{load_manifest, read_and_plan_against, read_and_plan_built_in};

use crate::plan::saved::{PlanKey, SavedPlan};
use crate::portal::Portal;
use crate::progress::Progress;
use anyhow::Context;
use std::path::Path;

/// Loads a saved plan and reads the portal again: the plan is refused unless it was made for
/// this portal and every room it read or touches (members, settings, folders and links
/// included) is as it was then, with every stale finding named at once.
pub(crate) async fn load_saved(
    path: &Path,
    key: Option<&PlanKey>,
    portal: &Portal,
    progress: &Progress,
) -> anyhow::Result<Ready> {
    let saved = SavedPlan::read(path, key)?;
    fresh::check_portal(&saved, portal)?;
    let scopes = preflight::read_key(portal).await?;
    preflight::check_reads(scopes.as_ref(), &preflight::Reads::Saved(&saved.plan))?;
    let mut plan = saved.plan;
    let manifest = saved.manifest.path;
    let key = key.map(PlanKey::expose);
    let rooms = read::list_rooms(portal, progress).await?;
    let (members, links) = tokio::try_join!(
        async {
            members::read_room_members(portal, plan.member_rooms())
                .await
                .with_context(|| format!("cannot read the room members of `{}`", portal.base_url()))
        },
        links::read(portal, plan.link_rooms()),
    )?;
    let folders = folders::stale(portal, &plan)
        .await
        .with_context(|| format!("cannot read the folders of `{}`", portal.base_url()))?;
    let now = crate::model::PortalState { rooms, members, links, ..Default::default() };
    let mut findings = fresh::stale_rooms(&plan, &now);
    findings.extend(settings::stale(&plan, &now));
    findings.extend(members::stale(&plan, &now));
    findings.extend(folders);
    findings.extend(links::stale(&plan, &now, key));
    findings.extend(links::unseal_passwords(&mut plan, key, &|value| portal.is_token(value)));
    fresh::refuse_stale(&findings)?;
    let known = now.rooms.iter().map(|room| room.id).collect();
    Ok(Ready { plan, known, manifest, scopes })
}
