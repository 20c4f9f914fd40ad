//! The reading half every portal job shares: load the manifest, read the portal, plan.

use crate::manifest::{self, Manifest};
use crate::model::PortalState;
use crate::plan::{self, Plan, PlanOptions};
use crate::portal::Portal;
use crate::progress::Progress;
use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use std::path::Path;

/// The manifest, what the portal holds, and the plan between them.
pub struct Planned {
    pub manifest: Manifest,
    pub state: PortalState,
    pub plan: Plan,
}

/// Loads the manifest and prints its warnings on stderr.
pub fn load_manifest(path: &Path) -> anyhow::Result<Manifest> {
    let (manifest, warnings) = manifest::load(path)?;
    for warning in warnings {
        eprintln!("warning: {}:{}: {}", path.display(), warning.line, warning.message);
    }
    Ok(manifest)
}

/// Reads every room on the portal and, when `manifest` declares members anywhere, the people,
/// the groups and the members of the rooms those entries may mean.
pub async fn read_portal(portal: &Portal, manifest: Option<&Manifest>, progress: &Progress) -> anyhow::Result<PortalState> {
    let rooms = portal
        .list_rooms(&|read, total| progress.rooms_read(read, total))
        .await
        .with_context(|| format!("cannot read the rooms of `{}`", portal.base_url()))?;
    let mut state = PortalState { rooms, ..PortalState::default() };
    let with_members: Vec<_> = manifest.map(|m| m.rooms.iter().filter(|spec| spec.members.is_some()).collect()).unwrap_or_default();
    if with_members.is_empty() {
        return Ok(state);
    }
    let (people, groups) = tokio::try_join!(portal.list_people(), portal.list_groups())
        .with_context(|| format!("cannot read the people and groups of `{}`", portal.base_url()))?;
    state.people = people;
    state.groups = groups;

    // The list holds active people only; look up the rest one by one, so a terminated
    // account is known as such rather than as unknown.
    let known: std::collections::HashSet<String> = state.people.iter().map(|p| p.email.to_lowercase()).collect();
    let mut missing: Vec<String> = with_members
        .iter()
        .flat_map(|spec| spec.members.iter().flatten())
        .filter_map(|member| match &member.subject {
            crate::manifest::Subject::User(email) if !known.contains(&email.to_lowercase()) => Some(email.to_lowercase()),
            _ => None,
        })
        .collect();
    missing.sort();
    missing.dedup();
    let found: Vec<Option<crate::model::Person>> = futures::stream::iter(missing)
        .map(|email| async move { portal.find_person(&email).await })
        .buffer_unordered(portal.config().parallelism.max(1))
        .try_collect()
        .await
        .with_context(|| format!("cannot look up people on `{}`", portal.base_url()))?;
    state.people.extend(found.into_iter().flatten());

    // Every room an entry with `members` could mean: pinned ids and matching titles.
    let candidates: Vec<u64> = state
        .rooms
        .iter()
        .filter(|room| {
            with_members.iter().any(|spec| {
                spec.id == Some(room.id) || spec.stored_title == room.title || spec.renamed_from.contains(&room.title)
            })
        })
        .map(|room| room.id)
        .collect();
    let members: Vec<(u64, Vec<crate::model::RoomMember>)> = futures::stream::iter(candidates)
        .map(|id| async move { portal.room_members(id).await.map(|members| (id, members)) })
        .buffer_unordered(portal.config().parallelism.max(1))
        .try_collect()
        .await
        .with_context(|| format!("cannot read room members on `{}`", portal.base_url()))?;
    state.members = members.into_iter().collect();
    Ok(state)
}

pub async fn read_and_plan(path: &Path, portal: &Portal, options: &PlanOptions, progress: &Progress) -> anyhow::Result<Planned> {
    let manifest = load_manifest(path)?;
    let state = read_portal(portal, Some(&manifest), progress).await?;
    let plan = plan::plan(&manifest, &state, options)?;
    Ok(Planned { manifest, state, plan })
}

pub fn options(select: &crate::cli::SelectArgs) -> PlanOptions {
    PlanOptions { targets: select.targets.clone(), excludes: select.excludes.clone(), force: select.force }
}
