//! The reconcile flow every portal job shares, in the order it runs: [`read`] the manifest and
//! the portal and plan between them (or load a saved plan and check that it is still
//! [`fresh`]), then [`execute`] it and report. The commands are thin wrappers around these
//! steps; the demo and the benchmarks call the same functions.

pub mod execute;
pub(crate) mod export;
mod folders;
mod fresh;
mod links;
pub mod read;
mod settings;

pub use execute::apply_plan;
pub(crate) use links::read_links;
pub use read::{Planned, read_and_plan, read_and_plan_against, read_and_plan_built_in};
pub(crate) use read::{Scope, load_manifest, options, read_portal};

use crate::plan::{Plan, saved::SavedPlan};
use crate::portal::Portal;
use crate::progress::Progress;
use anyhow::Context;
use std::collections::HashSet;
use std::path::Path;

/// A plan ready to execute, with the ids of the rooms read to make it (so an ambiguous create
/// can tell its own room from one that existed before).
pub struct Ready {
    /// The plan to execute.
    pub plan: Plan,
    /// The ids of every portal room read while planning.
    pub known: HashSet<u64>,
}

impl From<Planned> for Ready {
    fn from(planned: Planned) -> Ready {
        let known = planned.state.rooms.iter().map(|room| room.id).collect();
        Ready { plan: planned.plan, known }
    }
}

/// Loads a saved plan and reads the portal again: the plan is refused unless it was made for
/// this portal and every room it read or touches (members included) is as it was then.
pub(crate) async fn load_saved(
    path: &Path,
    portal: &Portal,
    progress: &Progress,
) -> anyhow::Result<Ready> {
    let saved = SavedPlan::read(path)?;
    fresh::check_portal(&saved, portal)?;
    let mut state = read_portal(portal, Scope::Rooms, progress).await?;
    state.members = read::read_room_members(portal, saved.plan.member_rooms())
        .await
        .with_context(|| format!("cannot read the room members of `{}`", portal.base_url()))?;
    links::check_passwords(&saved.plan)?;
    state.links = links::read_room_links(portal, saved.plan.link_rooms()).await?;
    let folder_changes = folders::stale_folders(portal, &saved.plan)
        .await
        .with_context(|| format!("cannot read the folders of `{}`", portal.base_url()))?;
    fresh::check_fresh(&saved.plan, &state, folder_changes)?;
    links::check_fresh(&saved.plan, &state)?;
    let known = state.rooms.iter().map(|room| room.id).collect();
    Ok(Ready { plan: saved.plan, known })
}
