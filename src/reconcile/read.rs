//! The reading half every portal job shares: load the manifest, read the portal, plan.

use crate::manifest::{self, Manifest};
use crate::model::{Person, PortalRoom, PortalState, RoomMember};
use crate::plan::{self, Plan, PlanOptions};
use crate::portal::Portal;
use crate::progress::Progress;
use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

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
    warned(path, manifest::load(path))
}

/// The manifest, once its warnings are printed on stderr.
fn warned(
    path: &Path,
    loaded: Result<(Manifest, Vec<manifest::Warning>), manifest::ManifestError>,
) -> anyhow::Result<Manifest> {
    let (manifest, warnings) = loaded?;
    for warning in warnings {
        crate::out::warn(format_args!("{}:{}: {}", path.display(), warning.line, warning.message));
    }
    Ok(manifest)
}

/// Where the manifest comes from.
enum Source {
    File(PathBuf),
    /// Text built into the binary (the demo's example), named as if it were a file.
    BuiltIn(PathBuf, &'static str),
}

/// What to read besides the rooms.
pub(crate) enum Scope<'a> {
    /// The rooms alone.
    Rooms,
    /// People, groups and members as far as these manifests' `members` entries need them (the
    /// manifest, and with `plan --base` the base manifest too).
    For(&'a [&'a Manifest]),
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

/// Every portal room one of these entries could mean: pinned ids, titles and earlier titles.
pub(crate) fn rooms_meant_by<'a>(
    specs: &[&crate::manifest::RoomSpec],
    rooms: &'a [PortalRoom],
) -> impl Iterator<Item = &'a PortalRoom> {
    let pinned: HashSet<u64> = specs.iter().filter_map(|spec| spec.id).collect();
    let titles: HashSet<String> = specs
        .iter()
        .flat_map(|spec| std::iter::once(&spec.stored_title).chain(&spec.renamed_from))
        .cloned()
        .collect();
    rooms.iter().filter(move |room| pinned.contains(&room.id) || titles.contains(&room.title))
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
        Scope::For(manifests) => {
            let with_members: Vec<_> = manifests
                .iter()
                .flat_map(|manifest| &manifest.rooms)
                .filter(|spec| spec.members.is_some())
                .collect();
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
            let ids = rooms_meant_by(&with_members, &state.rooms).map(|room| room.id).collect();
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
    read_and_plan_against(path, None, portal, options, progress).await
}

/// As [`read_and_plan`], for manifest text built into the binary (the demo's example); `name`
/// names it in messages.
pub async fn read_and_plan_built_in(
    name: &Path,
    text: &'static str,
    portal: &Portal,
    options: &PlanOptions,
    progress: &Progress,
) -> anyhow::Result<Planned> {
    let source = Source::BuiltIn(name.to_path_buf(), text);
    read_and_plan_from(source, None, portal, options, progress).await
}

/// As [`read_and_plan`]; with a `base` manifest (`plan --base`), the base is planned against
/// the same portal read and the plan's steps are labelled against it.
pub async fn read_and_plan_against(
    path: &Path,
    base: Option<&Path>,
    portal: &Portal,
    options: &PlanOptions,
    progress: &Progress,
) -> anyhow::Result<Planned> {
    read_and_plan_from(Source::File(path.to_path_buf()), base, portal, options, progress).await
}

async fn read_and_plan_from(
    source: Source,
    base: Option<&Path>,
    portal: &Portal,
    options: &PlanOptions,
    progress: &Progress,
) -> anyhow::Result<Planned> {
    // The rooms do not depend on the manifest: list them while it is parsed. A bad manifest
    // stops the listing (only reads were sent) and is the error reported, even when the
    // portal failed too.
    let base_owned = base.map(Path::to_path_buf);
    let mut parsing = tokio::task::spawn_blocking(move || {
        let manifest = match &source {
            Source::File(path) => load_manifest(path)?,
            Source::BuiltIn(name, text) => warned(name, manifest::parse(name, text))?,
        };
        // The base's warnings are the target branch's business: not repeated here.
        let base = base_owned
            .map(|path| manifest::load(&path).map(|(base, _)| base))
            .transpose()
            .context("the base manifest (`--base`) cannot be used")?;
        anyhow::Ok((manifest, base))
    });
    let listing = list_rooms(portal, progress);
    tokio::pin!(listing);
    let ((manifest, base), rooms) = tokio::select! {
        parsed = &mut parsing => {
            let manifests = parsed.context("the manifest parser stopped")??;
            (manifests, listing.await?)
        }
        listed = &mut listing => {
            let manifests = parsing.await.context("the manifest parser stopped")??;
            (manifests, listed?)
        }
    };
    let mut manifest = manifest;
    let mut base = base;
    // Before anything else is read: a missing variable stops the job with only reads sent.
    let env = |name: &str| std::env::var(name).ok();
    manifest::read_passwords(&mut manifest, &env)?;
    if let Some(base) = &mut base {
        manifest::read_passwords(base, &env)
            .context("the base manifest (`--base`) cannot be used")?;
    }
    let manifests: Vec<&Manifest> = std::iter::once(&manifest).chain(&base).collect();
    // Links are read alongside the members, each `--parallelism` rooms at a time.
    let link_rooms = super::links::link_rooms(&rooms, Some(&manifests));
    let (mut state, links) = tokio::try_join!(
        read_members(portal, rooms, Scope::For(&manifests)),
        super::links::read_room_links(portal, link_rooms),
    )?;
    state.links = links;
    super::folders::read_folders(portal, &manifests, &mut state)
        .await
        .with_context(|| format!("cannot read the folders of `{}`", portal.base_url()))?;
    super::settings::read_requirements(portal, &manifests, &mut state)
        .await
        .with_context(|| format!("cannot read the room settings of `{}`", portal.base_url()))?;
    let mut plan = plan::plan(&manifest, &state, options)?;
    for warning in &plan.warnings {
        crate::out::warn(warning);
    }
    if let Some(base) = &base {
        let base_plan = plan::compare::plan_base(base, &state, options)
            .context("the base manifest (`--base`) cannot be planned against the portal")?;
        plan = plan::compare::label(plan, &base_plan);
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
