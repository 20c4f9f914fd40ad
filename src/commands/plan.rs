//! `plan`: read the portal, diff it against the manifest, print the plan. It never builds an
//! executor and sends no write request.

use super::exit::Exit;
use super::overwrite::{self, Readers};
use crate::cli::{PlanArgs, PlanFormat};
use crate::config::{self, Output};
use crate::plan::saved::PlanKey;
use crate::plan::{render, saved};
use crate::portal::Portal;
use crate::progress::Progress;
use crate::reconcile::{preflight, read_and_plan_against};
use anyhow::{Context, bail};
use std::path::Path;

pub(crate) async fn run(args: &PlanArgs, output: Output) -> anyhow::Result<Exit> {
    // Decided before anything is read: where the plan goes, and the key that signs it.
    if let Some(out) = &args.out {
        check_out(out, &args.manifest.manifest, args.base.as_deref())?;
    }
    let signs = args.out.is_some() || args.format == PlanFormat::Json;
    let key = if signs { config::plan_key()? } else { None };
    let portal = Portal::new(config::portal(&args.portal)?)?;
    let progress = Progress::new(output.stderr_terminal);
    let planned = read_and_plan_against(
        &args.manifest.manifest,
        args.base.as_deref(),
        &portal,
        &config::plan_options(&args.select),
        &progress,
    )
    .await;
    progress.finish();
    let planned = planned?;

    // The saved document copies the whole plan (fingerprints included) and checksums it:
    // only build it when it is written or printed. Only the file holds password verifiers:
    // stdout says of a password only that it is set.
    if let Some(path) = &args.out {
        let mut sealed = planned.plan.clone();
        crate::plan::links::seal(&mut sealed, key.as_ref().map(PlanKey::expose));
        let document =
            saved::SavedPlan::new(portal.base_url(), &planned.manifest, &sealed, key.as_ref())?;
        // Again: the portal was read since, and the path may hold something else by now.
        check_out(path, &args.manifest.manifest, args.base.as_deref())?;
        overwrite::replace(path, Readers::Owner, |out| document.write_to(out))
            .with_context(|| format!("cannot write the plan to `{}`", path.display()))?;
        eprintln!(
            "Saved the plan to `{}`; apply it with `docspace-rooms apply {}`.",
            path.display(),
            path.display()
        );
    }
    let document = if args.format == PlanFormat::Json {
        // Signed like the file, so a plan without link passwords applies from either; one
        // with link passwords has no verifiers here (only `set`), and `apply` refuses it.
        let key = key.as_ref();
        Some(saved::SavedPlan::new(portal.base_url(), &planned.manifest, &planned.plan, key)?)
    } else {
        None
    };
    let manifest_name = args.manifest.manifest.display().to_string();
    let text = match args.format {
        PlanFormat::Text => render::text(&planned.plan, &manifest_name, output.stdout_color),
        PlanFormat::Json => document.as_ref().map(saved::SavedPlan::to_json).unwrap_or_default(),
        PlanFormat::Markdown => render::markdown(&planned.plan, &manifest_name, portal.base_url()),
    };
    crate::out!("{text}")?;
    if let Some(warning) = preflight::apply_warning(planned.scopes.as_ref(), &planned.plan) {
        crate::out::warn(warning);
    }

    Ok(if args.detailed_exitcode && !planned.plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Success
    })
}

/// Refuses an `--out` that names the manifest, the base, or an existing file that is not a
/// saved plan (an earlier plan may be replaced).
fn check_out(out: &Path, manifest: &Path, base: Option<&Path>) -> anyhow::Result<()> {
    let named = [(Some(manifest), "the manifest (`-f`)"), (base, "the base manifest (`--base`)")];
    for (path, what) in named {
        if path.is_some_and(|path| overwrite::same_file(out, path)) {
            bail!(
                "refusing to write the plan to `{}`: it is {what}; save the plan elsewhere, e.g. `--out plan.json`",
                out.display()
            );
        }
    }
    overwrite::check(
        out,
        "the plan",
        saved::starts_as_saved_plan,
        "is not a saved plan; remove it or choose another path",
    )
}
