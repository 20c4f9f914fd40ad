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
    crate::outln!("DocSpace emulator listening on {}", emulator.url())?;
    crate::outln!("API token: {}", emulator.token())?;
    crate::outln!("Login: {} / {}", emulator.owner_email(), emulator.password())?;
    crate::outln!("Press Ctrl-C to stop.")?;
    emulator.run_until_signal().await
}
