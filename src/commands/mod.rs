//! One job per file. `run` dispatches the parsed command line to its job and returns the exit
//! code; `main` prints whatever error comes back.

pub(crate) mod apply;
pub(crate) mod demo;
pub(crate) mod emulator;
mod exit;
pub(crate) mod export;
mod man;
mod overwrite;
pub(crate) mod plan;
pub(crate) mod schema;
pub(crate) mod validate;

pub use exit::Exit;

use crate::cli::{Cli, Command};
use crate::config::Output;
use clap::CommandFactory;

/// Runs the job the command line names and returns how the process should exit.
pub async fn run(cli: Cli, output: Output) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Plan(args) => plan::run(&args, output).await,
        Command::Apply(args) => apply::run(&args, output).await,
        Command::Validate(args) => validate::run(&args),
        Command::Export(args) => export::run(&args, output).await,
        Command::Demo(args) => demo::run(&args, output).await,
        Command::Emulator(args) => emulator::run(&args).await.map(|()| Exit::Success),
        Command::Schema => schema::run(),
        Command::Completions { shell } => {
            // Generated into memory first: clap_complete panics when its writer fails.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "docspace-rooms", &mut script);
            crate::out!("{}", String::from_utf8_lossy(&script))?;
            Ok(Exit::Success)
        }
        Command::Man { dir } => man::run(&dir).map(|()| Exit::Success),
    }
}
