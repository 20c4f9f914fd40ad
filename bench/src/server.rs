//! An emulated portal on its own runtime (as a remote portal would be: its work never waits
//! behind the client's tasks), and clients for it.

use crate::fixture;
use anyhow::Context;
use docspace_rooms::emulator::faults::{Behaviour, Faults};
use docspace_rooms::emulator::{Emulator, EmulatorConfig, Limiter};
use docspace_rooms::portal::{Parallelism, Portal, PortalConfig};
use std::time::Duration;

pub struct Server {
    // Field order matters: the emulator is dropped (its server task aborted) before its runtime.
    pub emulator: Emulator,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    /// An empty portal that delays every request by `latency`.
    pub fn start(latency: Duration) -> anyhow::Result<Server> {
        Server::limited(latency, Limiter::default())
    }

    /// An empty portal that delays every request by `latency`, with these rate limits.
    pub fn limited(latency: Duration, limiter: Limiter) -> anyhow::Result<Server> {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let config = EmulatorConfig {
            faults: Faults { latency, ..Faults::default() },
            behaviour: Behaviour { limiter, ..Behaviour::default() },
            ..EmulatorConfig::default()
        };
        let emulator = runtime.block_on(Emulator::start(config))?;
        Ok(Server { emulator, _runtime: runtime })
    }

    /// A portal holding fleet rooms `0..rooms` (seeded directly, without HTTP).
    pub fn seeded(rooms: usize, latency: Duration) -> anyhow::Result<Server> {
        let server = Server::start(latency)?;
        for i in 0..rooms {
            server.emulator.seed_room(
                &fixture::title(i),
                fixture::room_type(i),
                false,
                &[&fixture::tag(i)],
            );
        }
        Ok(server)
    }

    /// Requests the emulator has received so far.
    pub fn requests(&self) -> usize {
        self.emulator.requests().len()
    }

    /// A fresh client (its own connection pool and counters) with this parallelism.
    pub fn portal(&self, parallelism: usize) -> anyhow::Result<Portal> {
        self.portal_with(parallelism, |_| {})
    }

    /// [`Server::portal`], with more of its configuration set by `configure`.
    pub fn portal_with(
        &self,
        parallelism: usize,
        configure: impl FnOnce(&mut PortalConfig),
    ) -> anyhow::Result<Portal> {
        let url = self.emulator.url().parse()?;
        let mut config = PortalConfig::new(url, self.emulator.token().to_owned().into());
        config.parallelism =
            Parallelism::new(parallelism).context("`--parallelism` must be at least 1")?;
        configure(&mut config);
        Portal::new(config)
    }
}

/// The library's default `--parallelism`.
pub fn default_parallelism() -> usize {
    Parallelism::default().get()
}
