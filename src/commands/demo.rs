//! `demo`: the whole job with no portal. Starts the emulator in-process, seeds it with a few
//! rooms, then plans, applies and plans again the example manifest.

use super::Exit;
use super::read::read_and_plan;
use crate::cli::DemoArgs;
use crate::config::Output;
use crate::docspace::RoomType;
use crate::emulator::{Emulator, EmulatorConfig};
use crate::plan::{PlanOptions, render};
use crate::portal::{Portal, PortalConfig};
use crate::progress::Progress;
use anyhow::Context;
use secrecy::SecretString;

/// What the portal holds before the demo: some rooms the manifest renames, retags, archives or
/// deletes, and one it does not mention.
const SEED: &[(&str, RoomType, bool, &[&str])] = &[
    ("Sales Europe", RoomType::Collaboration, false, &["sales"]),
    ("Marketing", RoomType::Collaboration, false, &["brand"]),
    ("Website Relaunch 2024", RoomType::Collaboration, false, &["web"]),
    ("Intern Onboarding 2023", RoomType::Custom, true, &[]),
    ("Board Minutes", RoomType::Custom, true, &["board"]),
    ("Sandbox", RoomType::Custom, false, &[]),
];

pub async fn run(args: &DemoArgs, output: Output) -> anyhow::Result<Exit> {
    let emulator = Emulator::start(EmulatorConfig::default()).await.context("cannot start the emulator")?;
    for (title, room_type, archived, tags) in SEED {
        emulator.seed_room(title, *room_type, *archived, tags);
    }
    eprintln!("Started an emulated DocSpace portal at {} with {} rooms.\n", emulator.url(), SEED.len());

    let url = reqwest::Url::parse(&emulator.url()).context("the emulator's URL")?;
    let portal = Portal::new(PortalConfig::new(url, SecretString::from(emulator.token().to_owned())))?;
    let manifest = args.manifest.as_path();
    let name = manifest.display().to_string();
    let options = PlanOptions::default();

    println!("$ docspace-rooms plan -f {name}\n");
    let first = read_and_plan(manifest, &portal, &options, &Progress::hidden()).await?;
    print!("{}", render::text(&first.plan, &name, output.stdout_color));

    println!("\n$ docspace-rooms apply -f {name} --auto-approve --allow-delete\n");
    let known = first.state.rooms.iter().map(|room| room.id).collect();
    let progress = Progress::hidden();
    let (report, _) = super::apply::apply_plan(&portal, &first.plan, &known, &progress).await;
    for outcome in &report.outcomes {
        println!("{}", crate::progress::outcome_line(outcome));
    }
    println!("\n{}", report.summary());

    println!("\n$ docspace-rooms plan -f {name}\n");
    let second = read_and_plan(manifest, &portal, &options, &Progress::hidden()).await?;
    print!("{}", render::text(&second.plan, &name, output.stdout_color));
    println!("\nThe portal now matches `{name}`: {} requests were sent.", portal.requests_sent());

    emulator.shutdown().await;
    Ok(if report.is_success() && second.plan.is_empty() { Exit::Success } else { Exit::Failure })
}
