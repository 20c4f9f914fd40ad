//! `demo`: the whole job with no portal. Starts the emulator in-process, seeds it with a few
//! rooms, then plans, applies and plans again the example manifest.

use super::exit::Exit;
use crate::cli::DemoArgs;
use crate::config::Output;
use crate::docspace::{Access, RoomType};
use crate::emulator::{Emulator, EmulatorConfig, PersonSeed};
use crate::plan::{PlanOptions, render};
use crate::portal::members::Invitation;
use crate::portal::{Portal, PortalConfig};
use crate::progress::Progress;
use crate::reconcile::{self, Ready, read_and_plan};
use anyhow::Context;
use secrecy::SecretString;

/// What the portal holds before the demo: rooms the example manifest renames, retags, archives,
/// deletes or gives members, two it ignores and one it prunes.
const SEED: &[(&str, RoomType, bool, &[&str])] = &[
    ("Marketing", RoomType::Collaboration, false, &["brand"]),
    ("Finance", RoomType::Custom, false, &["finance", "confidential"]),
    ("Sales Europe", RoomType::Collaboration, false, &["sales"]),
    ("Onboarding Forms", RoomType::FormFilling, false, &["hr"]),
    ("Website Relaunch 2024", RoomType::Collaboration, false, &["brand", "web"]),
    ("Trade Fair Leads", RoomType::Custom, true, &[]),
    ("Sandbox", RoomType::Custom, false, &[]),
    ("Sandbox (training)", RoomType::Custom, false, &[]),
    ("Personal A", RoomType::Custom, false, &[]),
    ("Old Wiki", RoomType::Custom, false, &["wiki"]),
];

/// The client data room the example pins by id.
const PINNED: (u64, &str) = (4821, "Contoso DD (draft)");

/// Email, name, and whether they are room admins (who alone may be room managers).
const PEOPLE: &[(&str, &str, bool)] = &[
    ("anna@example.com", "Anna Berg", true),
    ("ben@example.com", "Ben Okafor", true),
    ("carol@example.com", "Carol Diaz", false),
    ("dave@example.com", "Dave Smith", false),
];

/// Seeds the emulator with the demo's portal (`portal` is a client of it with its token);
/// Finance starts with members the manifest changes. The tests apply the example to it too.
pub async fn seed(emulator: &Emulator, portal: &Portal) -> anyhow::Result<()> {
    let mut ids = std::collections::HashMap::new();
    for (email, name, room_admin) in PEOPLE {
        let person = PersonSeed { is_room_admin: *room_admin, ..PersonSeed::new(email, name) };
        ids.insert(*email, emulator.add_person(person));
    }
    emulator.add_group("Auditors", &["carol@example.com", "dave@example.com"]);
    // The example declares room quotas: the portal's room quota is on, 100 GB by default.
    emulator.set_room_quota(true, 100_000_000_000);
    let mut finance = 0;
    for (title, room_type, archived, tags) in SEED {
        let id = emulator.seed_room(title, *room_type, *archived, tags);
        if *title == "Finance" {
            finance = id;
        }
    }
    emulator.advance_room_ids(PINNED.0);
    let pinned = emulator.seed_room(PINNED.1, RoomType::VirtualData, false, &["client"]);
    // One folder of its skeleton is there already; the plan creates the others.
    emulator.seed_folder(pinned, pinned, "1. Corporate");
    let invite = |email: &str, access: Access| Invitation {
        portal_id: Some(ids[email].clone()),
        email: None,
        access: access.code(),
    };
    let members =
        [invite("ben@example.com", Access::Viewer), invite("dave@example.com", Access::Editor)];
    portal
        .set_room_members(finance, &members, false)
        .await
        .context("cannot seed Finance's members")?;
    Ok(())
}

pub(crate) async fn run(args: &DemoArgs, output: Output) -> anyhow::Result<Exit> {
    let emulator =
        Emulator::start(EmulatorConfig::default()).await.context("cannot start the emulator")?;
    let url = reqwest::Url::parse(&emulator.url()).context("the emulator's URL")?;
    let portal =
        Portal::new(PortalConfig::new(url, SecretString::from(emulator.token().to_owned())))?;
    seed(&emulator, &portal).await?;
    eprintln!(
        "Started an emulated DocSpace portal at {} with {} rooms and {} people.\n",
        emulator.url(),
        SEED.len() + 1,
        PEOPLE.len()
    );
    let manifest = args.manifest.as_path();
    let name = manifest.display().to_string();
    let options = PlanOptions::default();

    crate::outln!("$ docspace-rooms plan -f {name}\n")?;
    let first = Ready::from(read_and_plan(manifest, &portal, &options, &Progress::hidden()).await?);
    crate::out!("{}", render::text(&first.plan, &name, output.stdout_color))?;

    crate::outln!("\n$ docspace-rooms apply -f {name} --auto-approve --allow-delete\n")?;
    let (report, _) = reconcile::apply_plan(&portal, &first, &Progress::hidden()).await;
    for outcome in &report.outcomes {
        crate::outln!("{}", crate::progress::outcome_line(outcome))?;
    }
    crate::outln!("\n{}", report.summary())?;

    crate::outln!("\n$ docspace-rooms plan -f {name}\n")?;
    let second = read_and_plan(manifest, &portal, &options, &Progress::hidden()).await?;
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
