//! `plan`: read the portal, diff it against the manifest, print the plan. It never builds an
//! executor and sends no write request.

use super::exit::Exit;
use crate::cli::{PlanArgs, PlanFormat};
use crate::config::{self, Output};
use crate::plan::{render, saved};
use crate::portal::Portal;
use crate::progress::Progress;
use crate::reconcile::read_and_plan_against;
use anyhow::Context;

pub(crate) async fn run(args: &PlanArgs, output: Output) -> anyhow::Result<Exit> {
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
        crate::plan::links::seal(&mut sealed, crate::reconcile::plan_key().as_deref());
        saved::SavedPlan::new(portal.base_url(), &planned.manifest, &sealed)?
            .write(path)
            .with_context(|| format!("cannot write the plan to `{}`", path.display()))?;
        eprintln!(
            "Saved the plan to `{}`; apply it with `docspace-rooms apply {}`.",
            path.display(),
            path.display()
        );
    }
    let document = if args.format == PlanFormat::Json {
        Some(saved::SavedPlan::new(portal.base_url(), &planned.manifest, &planned.plan)?)
    } else {
        None
    };
    let manifest_name = args.manifest.manifest.display().to_string();
    let text = match args.format {
        PlanFormat::Text => render::text(&planned.plan, &manifest_name, output.stdout_color),
        PlanFormat::Json => document.as_ref().map(saved::SavedPlan::to_json).unwrap_or_default(),
        PlanFormat::Markdown => render::markdown(&planned.plan, &manifest_name),
    };
    crate::out!("{text}")?;

    Ok(if args.detailed_exitcode && !planned.plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Success
    })
}
