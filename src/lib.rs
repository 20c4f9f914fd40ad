//! `docspace-rooms`: ONLYOFFICE DocSpace rooms as code.
//!
//! The tree follows the job's flow: `cli` is what was typed and `config` resolves it once;
//! `manifest` reads the desired state; `portal` is the REST client that reads and writes the
//! actual state; `plan` is the pure diff between the two; `apply` executes a plan; `commands`
//! holds one job per file. `emulator` is a stand-alone imitation of a portal for the demo and
//! the tests: nothing else in the crate depends on it except the `demo` and `emulator` jobs.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod config;
pub mod docspace;
pub mod emulator;
pub mod logging;
pub mod manifest;
pub mod model;
pub mod out;
pub mod plan;
pub mod portal;
pub mod progress;
pub mod signal;
pub mod text;
