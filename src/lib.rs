//! `docspace-rooms`: ONLYOFFICE DocSpace rooms as code.
//!
//! The tree follows the job's flow: `cli` is what was typed and `config` resolves it once;
//! `commands` holds one thin job per file; `reconcile` is the flow they share (read, plan, check
//! a saved plan, execute, report). Under it: `manifest` reads the desired state, `plan` is the
//! pure diff between it and the portal, `executor` runs a plan, and `portal` is the REST client.
//! `emulator` is a stand-alone imitation of a portal for the demo and the tests: nothing of the
//! reconciler depends on it, and it depends on nothing of the reconciler.

pub mod cli;
pub mod commands;
pub mod config;
pub mod docspace;
pub mod emulator;
mod executor;
pub mod links;
pub mod logging;
pub mod manifest;
pub mod model;
mod out;
pub mod plan;
pub mod portal;
pub mod progress;
pub mod reconcile;
pub mod scopes;
pub mod settings;
mod signal;
mod text;
mod time;

pub(crate) use out::{out, outln};
/// `2026-11-28T17:00:42Z` for a Unix time, as the tool prints every date (for tests).
#[doc(hidden)]
pub use time::utc_time;
