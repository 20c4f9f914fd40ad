//! `demo`: the whole job with no portal. Starts the emulator in-process with the demo's portal
//! (`Emulator::seed_demo`, which `emulator --demo` serves too), then plans, applies and plans
//! again the example manifest, built in unless `-f` names another.

use super::exit::Exit;
use crate::cli::DemoArgs;
use crate::config::Output;
use crate::emulator::{Emulator, EmulatorConfig};
use crate::plan::{PlanOptions, render};
use crate::portal::{Portal, PortalConfig};
use crate::progress::Progress;
use crate::reconcile::{self, Ready, read_and_plan, read_and_plan_built_in};
use anyhow::Context;
use secrecy::SecretString;
use std::path::Path;

/// The example manifest, built in so the demo runs from an installed binary anywhere.
const EXAMPLE: &str = include_str!("../../examples/rooms.yaml");
/// What the demo calls the built-in example: its path in the repository.
const EXAMPLE_NAME: &str = "examples/rooms.yaml";

pub(crate) async fn run(args: &DemoArgs, output: Output) -> anyhow::Result<Exit> {
    if args.print_manifest {
        crate::out!("{EXAMPLE}")?;
        return Ok(Exit::Success);
    }
    let emulator =
        Emulator::start(EmulatorConfig::default()).await.context("cannot start the emulator")?;
    let url = reqwest::Url::parse(&emulator.url()).context("the emulator's URL")?;
    let portal =
        Portal::new(PortalConfig::new(url, SecretString::from(emulator.token().to_owned())))?;
    let seeded = emulator.seed_demo();
    eprintln!(
        "Started an emulated DocSpace portal at {} with {} rooms and {} people.",
        emulator.url(),
        seeded.rooms,
        seeded.people
    );
    let name = if let Some(path) = &args.manifest {
        path.display().to_string()
    } else {
        eprintln!(
            "The manifest is the built-in {EXAMPLE_NAME} (`docspace-rooms demo --print-manifest` prints it; `-f FILE` plans another)."
        );
        EXAMPLE_NAME.to_owned()
    };
    eprintln!();
    let options = PlanOptions::default();
    let plan = || async {
        let progress = Progress::hidden();
        if let Some(path) = &args.manifest {
            read_and_plan(path, &portal, &options, &progress).await
        } else {
            let name = Path::new(EXAMPLE_NAME);
            read_and_plan_built_in(name, EXAMPLE, &portal, &options, &progress).await
        }
    };

    crate::outln!("$ docspace-rooms plan -f {name}\n")?;
    let first = Ready::from(plan().await?);
    crate::out!("{}", render::text(&first.plan, &name, output.stdout_color))?;

    crate::outln!("\n$ docspace-rooms apply -f {name} --auto-approve --allow-delete\n")?;
    let (report, _) = reconcile::apply_plan(&portal, &first, &Progress::hidden()).await;
    for outcome in &report.outcomes {
        crate::outln!("{}", crate::progress::outcome_line(outcome))?;
    }
    crate::outln!("\n{}", report.summary())?;

    crate::outln!("\n$ docspace-rooms plan -f {name}\n")?;
    let second = plan().await?;
    crate::out!("{}", render::text(&second.plan, &name, output.stdout_color))?;
    if second.plan.is_empty() {
        crate::outln!(
            "\nThe portal now matches `{name}`; {} requests were sent in all.",
            portal.requests_sent()
        )?;
    }

    emulator.shutdown().await;
    Ok(if report.is_success() && second.plan.is_empty() { Exit::Success } else { Exit::Failure })
}
