//! The reading half every portal job shares: load the manifest, read the portal, plan. The
//! rooms are listed first; then each slice (members, links, folders, settings) reads what the
//! entries that declare it need, for exactly the rooms those entries mean.

use super::preflight::{self, KeyScopes, Reads};
use super::{folders, links, members, settings};
use crate::manifest::{self, Manifest, RoomSpec};
use crate::model::{PortalRoom, PortalState};
use crate::plan::{self, Plan, PlanOptions};
use crate::portal::Portal;
use crate::progress::Progress;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// The manifest, what the portal holds, and the plan between them.
pub struct Planned {
    /// The manifest as read.
    pub manifest: Manifest,
    /// What the portal holds.
    pub state: PortalState,
    /// The plan between them.
    pub plan: Plan,
    /// The API key's scopes (`None` for a login token), for what an apply would lack.
    pub(crate) scopes: Option<KeyScopes>,
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

/// Every room of every area.
pub(crate) async fn list_rooms(
    portal: &Portal,
    progress: &Progress,
) -> anyhow::Result<Vec<PortalRoom>> {
    portal
        .list_rooms(&|read, total| progress.rooms_read(read, total))
        .await
        .with_context(|| format!("cannot read the rooms of `{}`", portal.base_url()))
}

/// Given the rooms, reads what planning these manifests needs: the members, links and folders
/// of the rooms their entries mean, and the settings requirements.
async fn read_for(
    portal: &Portal,
    manifests: &[&Manifest],
    rooms: Vec<PortalRoom>,
) -> anyhow::Result<PortalState> {
    let specs: Vec<&RoomSpec> = manifests.iter().flat_map(|manifest| &manifest.rooms).collect();
    let meant = plan::resolve::meant_rooms(manifests, &rooms);
    // Links are read alongside the members, each `--parallelism` rooms at a time.
    let (directory, links) = tokio::try_join!(
        members::read(portal, members::Wanted::of(&meant, &specs)),
        links::read(portal, links::wanted(Some(&meant), &rooms)),
    )?;
    let folders = folders::read(portal, &meant)
        .await
        .with_context(|| format!("cannot read the folders of `{}`", portal.base_url()))?;
    drop(meant);
    let mut state = PortalState { rooms, folders, links, ..PortalState::default() };
    directory.into_state(&mut state);
    settings::read(portal, manifests, &mut state)
        .await
        .with_context(|| format!("cannot read the room settings of `{}`", portal.base_url()))?;
    links::read_settings(portal, manifests, &mut state).await?;
    if specs.iter().any(|spec| spec.room_type == Some(crate::docspace::RoomType::Ai)) {
        state.agents = portal
            .list_agents()
            .await
            .with_context(|| format!("cannot read the AI agents of `{}`", portal.base_url()))?;
    }
    Ok(state)
}

/// The manifest (and base) being parsed, and every room, listed meanwhile. A bad manifest stops
/// the listing (only reads were sent) and is the error reported, even when the portal failed
/// too.
async fn parsed_and_listed(
    mut parsing: tokio::task::JoinHandle<anyhow::Result<(Manifest, Option<Manifest>)>>,
    portal: &Portal,
    progress: &Progress,
) -> anyhow::Result<((Manifest, Option<Manifest>), Vec<PortalRoom>)> {
    let listing = list_rooms(portal, progress);
    tokio::pin!(listing);
    tokio::select! {
        parsed = &mut parsing => {
            let manifests = parsed.context("the manifest parser stopped")??;
            Ok((manifests, listing.await?))
        }
        listed = &mut listing => {
            let manifests = parsing.await.context("the manifest parser stopped")??;
            Ok((manifests, listed?))
        }
    }
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
pub(crate) async fn read_and_plan_built_in(
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
pub(crate) async fn read_and_plan_against(
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
    // The rooms do not depend on the manifest: list them while it is parsed (see
    // `parsed_and_listed`).
    let base_owned = base.map(Path::to_path_buf);
    let parsing = tokio::task::spawn_blocking(move || {
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
    let (manifests, rooms, key, base_lacks) = if portal.uses_api_key() {
        // An API key: its scopes are read while the manifest is parsed and checked against
        // every read before the first one. A scope only the base needs drops the base.
        let key = match preflight::read_key(portal).await {
            Ok(key) => key,
            // A bad manifest is the error reported, as below.
            Err(err) => {
                parsing.await.context("the manifest parser stopped")??;
                return Err(err);
            }
        };
        let (manifests, rooms) = if preflight::may_make_every_read(key.as_ref()) {
            // No manifest can need a read the key lacks (`check_reads` passes whatever it
            // holds): the rooms are listed while it is parsed.
            parsed_and_listed(parsing, portal, progress).await?
        } else {
            let manifests = parsing.await.context("the manifest parser stopped")??;
            preflight::check_reads(key.as_ref(), &Reads::Manifests(&[&manifests.0]))?;
            (manifests, list_rooms(portal, progress).await?)
        };
        let lacks =
            manifests.1.as_ref().and_then(|b| preflight::base_lacks(key.as_ref(), &manifests.0, b));
        (manifests, rooms, key, lacks)
    } else {
        let (manifests, rooms) = parsed_and_listed(parsing, portal, progress).await?;
        (manifests, rooms, None, None)
    };
    let (mut manifest, mut base) = manifests;
    // Before anything else is read: a missing variable stops the job with only reads sent.
    let (env, is_token) = (crate::links::EnvValue::of, |value: &str| portal.is_token(value));
    manifest::read_passwords(&mut manifest, &env, &is_token)?;
    // A base that cannot be planned (it needs a scope the key lacks, it names a variable this
    // job lacks, it pins a room deleted since) must not leave the pull request that fixes it without a plan.
    let unlabelled = |why: &dyn std::fmt::Display| {
        crate::out::warn(format_args!(
            "the base manifest (`--base`) cannot be planned, so the plan is not labelled: {why}"
        ));
    };
    if let Some(why) = base_lacks {
        unlabelled(&why);
        base = None;
    }
    if let Some(err) =
        base.as_mut().and_then(|b| manifest::read_passwords(b, &env, &is_token).err())
    {
        unlabelled(&err);
        base = None;
    }
    let manifests: Vec<&Manifest> = std::iter::once(&manifest).chain(&base).collect();
    let state = read_for(portal, &manifests, rooms).await?;
    let mut plan = plan::plan(&manifest, &state, options)?;
    for warning in &plan.warnings {
        crate::out::warn(warning);
    }
    if let Some(base) = &base {
        match plan::compare::plan_base(base, &state, options) {
            Ok(base_plan) => plan = plan::compare::label(plan, &base_plan),
            Err(err) => unlabelled(&err),
        }
    }
    Ok(Planned { manifest, state, plan, scopes: key })
}
