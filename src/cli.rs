//! The command line as typed: clap's definitions and nothing else. `config` resolves them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Manage ONLYOFFICE DocSpace rooms as code.
#[derive(Debug, Parser)]
#[command(
    name = "docspace-rooms",
    version = env!("DOCSPACE_ROOMS_VERSION"),
    about,
    propagate_version = true
)]
pub struct Cli {
    /// More detail on stderr (-v requests, -vv everything); `RUST_LOG` overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show what `apply` would change on the portal; sends no write request.
    Plan(PlanArgs),
    /// Plan afresh (or load a saved plan) and make the portal match it.
    Apply(ApplyArgs),
    /// Check a manifest offline.
    Validate(ManifestArgs),
    /// Write a manifest of every room on the portal.
    Export(ExportArgs),
    /// Run the whole job against an in-process emulator, with no portal needed.
    Demo(DemoArgs),
    /// Serve a local emulator of the DocSpace rooms API until interrupted.
    Emulator(EmulatorArgs),
    /// Print the manifest's JSON Schema.
    Schema,
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages, one per command, into a directory.
    Man {
        /// The directory to write `docspace-rooms.1`, `docspace-rooms-plan.1`, … into.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
/// When to colour the output.
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always, even off a terminal.
    Always,
    /// Never.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PlanFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ManifestArgs {
    /// The manifest to read.
    #[arg(short = 'f', long = "manifest", default_value = "rooms.yaml", value_name = "FILE")]
    pub manifest: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct PortalArgs {
    /// The portal's base URL, e.g. `https://example.onlyoffice.com`.
    #[arg(long = "portal", env = "DOCSPACE_URL", value_name = "URL")]
    pub portal: Option<String>,

    /// Read the token from this file instead of `DOCSPACE_TOKEN`.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Allow plain `http://` to a host other than loopback (sends the token in clear).
    #[arg(long)]
    pub insecure_http: bool,

    /// How many requests may run at once (writes are also capped at 15).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=50), value_name = "N")]
    pub parallelism: u16,

    /// The longest one request may spend waiting between retries, in seconds, in all.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=3600), value_name = "SECS")]
    pub retry_budget: u64,

    /// After a create (room, folder, link), or a move of a folder to the trash, whose outcome is
    /// unknown (no answer, 502, 504), how long to look for what it made before reporting that
    /// outcome unknown, in seconds. None is ever sent twice.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=600), value_name = "SECS")]
    pub create_lookup_window: u64,

    /// Pace requests to at most N per sliding WINDOW from the first one, e.g. `1500/60s` (a
    /// cloud portal's limit). Without it, requests are paced once the portal refuses one (429).
    #[arg(long, value_name = "N/WINDOW")]
    pub max_rate: Option<String>,

    /// How long to wait for one asynchronous operation (archive, unarchive, delete), in seconds.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600), value_name = "SECS")]
    pub operation_timeout: u64,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct SelectArgs {
    /// Only plan the room with this title (repeatable).
    #[arg(long = "target", value_name = "TITLE")]
    pub targets: Vec<String>,

    /// Leave the room with this title out of the plan (repeatable).
    #[arg(long = "exclude", value_name = "TITLE")]
    pub excludes: Vec<String>,

    /// Accept a plan over the destruction or member-removal threshold.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    #[command(flatten)]
    pub portal: PortalArgs,
    #[command(flatten)]
    pub select: SelectArgs,

    /// Exit 0 with no changes, 2 with changes, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Also write the plan as JSON to this file, for `apply PLAN_FILE`. Never over the
    /// manifest, the base, or a file that is not a saved plan.
    #[arg(short = 'o', long = "out", visible_alias = "output", value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// How to print the plan on stdout.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,

    /// The manifest as the target branch has it: label each step as this change's own or
    /// drift, and list the manual changes this manifest adopts.
    #[arg(long, value_name = "PATH")]
    pub base: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ApplyArgs {
    /// A plan saved by `plan --out`; applied exactly, without a prompt. The manifest and the
    /// selection flags were decided when it was made, so they are refused with it.
    #[arg(value_name = "PLAN_FILE", conflicts_with_all = ["manifest", "targets", "excludes", "force"])]
    pub plan_file: Option<PathBuf>,

    #[command(flatten)]
    pub manifest: ManifestArgs,
    #[command(flatten)]
    pub portal: PortalArgs,
    #[command(flatten)]
    pub select: SelectArgs,

    /// Apply without asking (required when stdin is not a terminal).
    #[arg(long)]
    pub auto_approve: bool,

    /// Permit a plan that deletes rooms; deleting is permanent.
    #[arg(long)]
    pub allow_delete: bool,

    /// How to print the apply report on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    pub portal: PortalArgs,

    /// Write the manifest here instead of stdout; never over a file `export` did not write.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Overwrite `--output` even when `export` did not write it.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DemoArgs {
    /// The manifest the demo plans and applies (default: the built-in `examples/rooms.yaml`).
    #[arg(short = 'f', long = "manifest", value_name = "FILE")]
    pub manifest: Option<PathBuf>,

    /// Print the built-in example manifest and exit, e.g. to plan it against `emulator --demo`.
    #[arg(long, conflicts_with = "manifest")]
    pub print_manifest: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: String,

    /// API token to accept (default: a random `sk-…` token).
    #[arg(long, env = "DOCSPACE_EMULATOR_TOKEN", value_name = "TOKEN")]
    pub token: Option<String>,

    /// Load state from this file at start and write it after every change.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Seed people, groups and the room quota switch from this JSON file.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,

    /// Limit every user to N requests per sliding WINDOW, e.g. `1500/60s` (a cloud portal's).
    #[arg(long, value_name = "N/WINDOW")]
    pub rate_limit: Option<String>,

    /// Limit every user to 50 GET and 15 other requests in flight, as a cloud portal does.
    #[arg(long)]
    pub concurrency_limit: bool,

    /// Limit every user to N POST and PUT requests a day (or per WINDOW: `N/WINDOW`), counted
    /// from the first one, e.g. `10000` (a cloud portal's).
    #[arg(long, value_name = "N[/WINDOW]")]
    pub daily_write_limit: Option<String>,

    /// Limit the portal to N invitations by email a day (or per WINDOW: `N/WINDOW`) on
    /// `PUT …/share`, as a portal that sets `MaxEmailInvitationsPerDay` does (not in
    /// `--cloud-limits`).
    #[arg(long, value_name = "N[/WINDOW]")]
    pub email_invitation_limit: Option<String>,

    /// All three limits with a cloud portal's numbers; the flags above override them.
    #[arg(long)]
    pub cloud_limits: bool,

    /// Start with the demo's portal (the rooms, people and groups `demo` starts with), to plan
    /// `examples/rooms.yaml` against. It starts afresh every time.
    #[arg(long, conflicts_with_all = ["state", "seed"])]
    pub demo: bool,

    /// Which server to imitate where they differ: `newer` (form-filling rooms in their own
    /// `Forms` area, as live portals show them) or `3.7.2` (no `Forms` area).
    #[arg(long, value_enum, default_value_t = EmulatedVersion::Newer, value_name = "VERSION")]
    pub portal_version: EmulatedVersion,
}

/// `docspace-rooms emulator --portal-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EmulatedVersion {
    /// The v3.7.2 server.
    #[value(name = "3.7.2")]
    V3_7_2,
    /// Portals newer than v3.7.2.
    Newer,
}
