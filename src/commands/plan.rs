//! `plan`: read the portal, diff it against the manifest, print the plan. It never builds an
//! executor and sends no write request.

use super::Exit;
use crate::cli::{PlanArgs, PlanFormat};
use crate::config::{self, Output};
use crate::plan::{render, saved};
use crate::portal::Portal;
use crate::progress::Progress;
use crate::reconcile::{options, read_and_plan_against};
use anyhow::Context;

pub(crate) async fn run(args: &PlanArgs, output: Output) -> anyhow::Result<Exit> {
    let portal = Portal::new(config::portal(&args.portal)?)?;
    let progress = Progress::new(output.stderr_terminal);
    let planned = read_and_plan_against(
        &args.manifest.manifest,
        args.base.as_deref(),
        &portal,
        &options(&args.select),
        &progress,
    )
    .await;
    progress.finish();
    let planned = planned?;

    // The saved document copies the whole plan (fingerprints included) and checksums it:
    // only build it when it is written or printed.
    let wanted = args.out.is_some() || args.format == PlanFormat::Json;
    let document = if wanted {
        Some(saved::SavedPlan::new(portal.base_url(), &planned.manifest, &planned.plan)?)
    } else {
        None
    };
    if let (Some(path), Some(document)) = (&args.out, &document) {
        document
            .write(path)
            .with_context(|| format!("cannot write the plan to `{}`", path.display()))?;
        eprintln!(
            "Saved the plan to `{}`; apply it with `docspace-rooms apply {}`.",
            path.display(),
            path.display()
        );
    }
    let manifest_name = args.manifest.manifest.display().to_string();
    let text = match args.format {
        PlanFormat::Text => render::text(&planned.plan, &manifest_name, output.stdout_color),
        PlanFormat::Json => document.as_ref().map(saved::SavedPlan::to_json).unwrap_or_default(),
        PlanFormat::Markdown => render::markdown(&planned.plan, &manifest_name, portal.base_url()),
    };
    crate::out!("{text}")?;

    Ok(if args.detailed_exitcode && !planned.plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Success
    })
}
