//! `apply`: plan afresh (or load a reviewed plan), show it, confirm, execute, report.

use super::exit::Exit;
use crate::cli::{ApplyArgs, ReportFormat};
use crate::config::{self, Output};
use crate::executor::Report;
use crate::plan::render;
use crate::portal::Portal;
use crate::progress::Progress;
use crate::reconcile::{self, Ready, execute};
use anyhow::bail;
use std::io::{BufRead, Write};

pub(crate) async fn run(args: &ApplyArgs, output: Output) -> anyhow::Result<Exit> {
    let portal = Portal::new(config::portal(&args.portal)?)?;
    let progress = Progress::new(output.stderr_terminal);
    let ready = if let Some(path) = &args.plan_file {
        refuse_manifest(path)?;
        let key = config::plan_key()?;
        reconcile::load_saved(path, key.as_ref(), &portal, &progress).await
    } else {
        let options = config::plan_options(&args.select);
        reconcile::read_and_plan(&args.manifest.manifest, &portal, &options, &progress)
            .await
            .map(Ready::from)
    };
    progress.finish();
    let ready = ready?;
    let plan = &ready.plan;

    let manifest_name = &ready.manifest;
    let json = args.format == ReportFormat::Json;
    let shown = render::text(
        plan,
        manifest_name,
        if json { output.stderr_color } else { output.stdout_color },
    );
    if json {
        eprint!("{shown}");
    } else {
        crate::out!("{shown}")?;
    }
    if plan.is_empty() {
        if json {
            crate::outln!("{}", serde_json::to_string_pretty(&Report::default())?)?;
        }
        return Ok(Exit::Success);
    }
    reconcile::preflight::check_apply(ready.scopes.as_ref(), plan)?;
    crate::plan::rails::check_deletes(plan, args.allow_delete)?;
    if args.plan_file.is_none() && !args.auto_approve {
        confirm(output)?;
    }

    let (report, interrupted) = reconcile::apply_plan(&portal, &ready, &progress).await;
    match args.format {
        ReportFormat::Json => crate::outln!("{}", serde_json::to_string_pretty(&report)?)?,
        ReportFormat::Text => crate::out!("{}", execute::report_text(&report))?,
    }
    if interrupted {
        eprintln!(
            "error: interrupted; the summary above is what happened. Run `apply` again to converge."
        );
    }
    if let Some(stopped) = &report.limit_reached {
        if args.plan_file.is_some() {
            eprintln!(
                "error: stopped by the portal's limit; the summary above is what happened. The saved plan is stale now: after {}, make a new one with `plan --out`, or run `apply` with the manifest.",
                stopped.resets_at
            );
        } else {
            eprintln!(
                "error: stopped by the portal's limit; the summary above is what happened. Run `apply` again after {} to go on.",
                stopped.resets_at
            );
        }
    }
    Ok(if report.is_success() && !interrupted { Exit::Success } else { Exit::Failure })
}

/// `apply rooms.yaml` (the manifest where a saved plan goes, `-f` forgotten): said plainly,
/// before any request.
fn refuse_manifest(path: &std::path::Path) -> anyhow::Result<()> {
    let yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    if yaml {
        bail!(
            "`{0}` is a manifest, not a saved plan: apply a manifest with `docspace-rooms apply -f {0}`, a saved plan with `docspace-rooms apply plan.json`",
            path.display()
        );
    }
    Ok(())
}

fn confirm(output: Output) -> anyhow::Result<()> {
    if !output.interactive {
        bail!(
            "refusing to apply without confirmation: no terminal to ask on; pass `--auto-approve` to apply"
        );
    }
    eprint!("Apply these changes? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES") {
        Ok(())
    } else {
        bail!("not applied: the answer was not `y`")
    }
}
