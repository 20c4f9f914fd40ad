//! The reading half every portal job shares: load the manifest, read the portal, plan.

use crate::manifest::{self, Manifest};
use crate::model::{Person, PortalRoom, PortalState, RoomMember};
use crate::plan::{self, Plan, PlanOptions};
use crate::portal::Portal;
use crate::progress::Progress;
use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

/// The manifest, what the portal holds, and the plan between them.
pub struct Planned {
    /// The manifest as read.
    pub manifest: Manifest,
    /// What the portal holds.
    pub state: PortalState,
    /// The plan between them.
    pub plan: Plan,
}

/// Loads the manifest and prints its warnings on stderr.
pub(crate) fn load_manifest(path: &Path) -> anyhow::Result<Manifest> {
    let (manifest, warnings) = manifest::load(path)?;
    for warning in warnings {
        crate::out::warn(format_args!("{}:{}: {}", path.display(), warning.line, warning.message));
    }
    Ok(manifest)
}

/// What to read besides the rooms.
pub(crate) enum Scope<'a> {
    /// The rooms alone.
    Rooms,
    /// People, groups and members as far as this manifest's `members` entries need them.
    For(&'a Manifest),
    /// People, groups and every room's members (for `export`).
    Everything,
}

/// Reads every room on the portal, then the people, groups and members `scope` asks for.
pub(crate) async fn read_portal(
    portal: &Portal,
    scope: Scope<'_>,
    progress: &Progress,
) -> anyhow::Result<PortalState> {
    let rooms = list_rooms(portal, progress).await?;
    read_members(portal, rooms, scope).await
}

async fn list_rooms(portal: &Portal, progress: &Progress) -> anyhow::Result<Vec<PortalRoom>> {
    portal
        .list_rooms(&|read, total| progress.rooms_read(read, total))
        .await
        .with_context(|| format!("cannot read the rooms of `{}`", portal.base_url()))
}

/// Given the rooms, the people, groups and members `scope` asks for.
async fn read_members(
    portal: &Portal,
    rooms: Vec<PortalRoom>,
    scope: Scope<'_>,
) -> anyhow::Result<PortalState> {
    let mut state = PortalState { rooms, ..PortalState::default() };
    let (emails, room_ids): (Vec<String>, Vec<u64>) = match scope {
        Scope::Rooms => return Ok(state),
        Scope::Everything => (Vec::new(), state.rooms.iter().map(|room| room.id).collect()),
        Scope::For(manifest) => {
            let with_members: Vec<_> =
                manifest.rooms.iter().filter(|spec| spec.members.is_some()).collect();
            if with_members.is_empty() {
                return Ok(state);
            }
            let emails = with_members
                .iter()
                .flat_map(|spec| spec.members.iter().flatten())
                .filter_map(|member| match &member.subject {
                    crate::manifest::Member::User(email) => Some(email.to_lowercase()),
                    crate::manifest::Member::Group(_) => None,
                })
                .collect();
            // Every room an entry with `members` could mean: pinned ids and matching titles.
            let pinned: HashSet<u64> = with_members.iter().filter_map(|spec| spec.id).collect();
            let titles: HashSet<&str> = with_members
                .iter()
                .flat_map(|spec| std::iter::once(&spec.stored_title).chain(&spec.renamed_from))
                .map(String::as_str)
                .collect();
            let ids = state
                .rooms
                .iter()
                .filter(|room| pinned.contains(&room.id) || titles.contains(room.title.as_str()))
                .map(|room| room.id)
                .collect();
            (emails, ids)
        }
    };
    let context =
        || format!("cannot read the people, groups and room members of `{}`", portal.base_url());
    let (people, groups) =
        tokio::try_join!(portal.list_people(), portal.list_groups()).with_context(context)?;
    state.people = people;
    state.groups = groups;

    // The list holds active people only; look up the rest one by one, so a terminated
    // account is known as such rather than as unknown.
    let known: HashSet<String> = state.people.iter().map(|p| p.email.to_lowercase()).collect();
    let missing: BTreeSet<String> =
        emails.into_iter().filter(|email| !known.contains(email)).collect();
    let parallelism = portal.config().parallelism.max(1);
    let found: Vec<Option<Person>> = futures::stream::iter(missing)
        .map(|email| async move { portal.find_person(&email).await })
        .buffer_unordered(parallelism)
        .try_collect()
        .await
        .with_context(context)?;
    state.people.extend(found.into_iter().flatten());

    state.members = read_room_members(portal, room_ids).await.with_context(context)?;
    Ok(state)
}

/// The members of each of these rooms, read `--parallelism` at a time.
pub(crate) async fn read_room_members(
    portal: &Portal,
    room_ids: impl IntoIterator<Item = u64>,
) -> Result<BTreeMap<u64, Vec<RoomMember>>, crate::portal::ApiError> {
    futures::stream::iter(room_ids)
        .map(|id| async move { portal.room_members(id).await.map(|members| (id, members)) })
        .buffer_unordered(portal.config().parallelism.max(1))
        .try_collect()
        .await
}

/// Reads the manifest and the portal (concurrently), then plans.
pub async fn read_and_plan(
    path: &Path,
    portal: &Portal,
    options: &PlanOptions,
    progress: &Progress,
) -> anyhow::Result<Planned> {
    // The rooms do not depend on the manifest: list them while it is parsed. A bad manifest
    // stops the listing (only reads were sent) and is the error reported, even when the
    // portal failed too.
    let owned = path.to_path_buf();
    let mut parsing = tokio::task::spawn_blocking(move || load_manifest(&owned));
    let listing = list_rooms(portal, progress);
    tokio::pin!(listing);
    let (manifest, rooms) = tokio::select! {
        parsed = &mut parsing => {
            let manifest = parsed.context("the manifest parser stopped")??;
            (manifest, listing.await?)
        }
        listed = &mut listing => {
            let manifest = parsing.await.context("the manifest parser stopped")??;
            (manifest, listed?)
        }
    };
    let mut state = read_members(portal, rooms, Scope::For(&manifest)).await?;
    super::settings::read_requirements(portal, &manifest, &mut state)
        .await
        .with_context(|| format!("cannot read the room settings of `{}`", portal.base_url()))?;
    let plan = plan::plan(&manifest, &state, options)?;
    for warning in &plan.warnings {
        crate::out::warn(warning);
    }
    Ok(Planned { manifest, state, plan })
}

pub(crate) fn options(select: &crate::cli::SelectArgs) -> PlanOptions {
    PlanOptions {
        targets: select.targets.clone(),
        excludes: select.excludes.clone(),
        force: select.force,
    }
}
