//! `docspace-rooms emulator`: serve the emulated rooms API until Ctrl-C.

use crate::cli::{EmulatedVersion, EmulatorArgs};
use crate::emulator::faults::{Behaviour, PortalVersion};
use crate::emulator::{Emulator, EmulatorConfig};
use anyhow::Context;
use std::net::SocketAddr;

/// Serves the emulator with the command's settings until Ctrl-C.
pub(crate) async fn run(args: &EmulatorArgs) -> anyhow::Result<()> {
    let listen: SocketAddr = args.listen.parse().with_context(|| {
        format!("--listen {:?} is not an address like 127.0.0.1:8080", args.listen)
    })?;
    let version = match args.portal_version {
        EmulatedVersion::V3_7_2 => PortalVersion::V3_7_2,
        EmulatedVersion::Newer => PortalVersion::Newer,
    };
    let config = EmulatorConfig {
        token: args.token.clone(),
        state_file: args.state.clone(),
        seed_file: args.seed.clone(),
        listen,
        behaviour: Behaviour { version, ..Behaviour::default() },
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start(config).await?;
    // Before the address is printed, so no client sees it half seeded.
    let demo = args.demo.then(|| emulator.seed_demo());
    crate::outln!("DocSpace emulator listening on {}", emulator.url())?;
    crate::outln!("API token: {}", emulator.token())?;
    crate::outln!("Login: {} / {}", emulator.owner_email(), emulator.password())?;
    if let Some(seeded) = demo {
        crate::outln!(
            "The demo's portal: {} rooms and {} people. Plan the example against it with\n  DOCSPACE_URL={} DOCSPACE_TOKEN={} docspace-rooms plan -f examples/rooms.yaml\n(`docspace-rooms demo --print-manifest > examples/rooms.yaml` writes the example.)",
            seeded.rooms,
            seeded.people,
            emulator.url(),
            emulator.token()
        )?;
    }
    crate::outln!("Press Ctrl-C to stop.")?;
    emulator.run_until_signal().await
}
