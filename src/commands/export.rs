//! `export`: write a manifest of every room on the portal, ids pinned, sorted by title, so a
//! team can start from what exists. `plan` right after an export plans nothing.

use super::exit::Exit;
use super::overwrite::{self, Readers};
use crate::cli::ExportArgs;
use crate::config::{self, Output};
use crate::portal::Portal;
use crate::progress::Progress;
use crate::reconcile::export;
use anyhow::Context;

/// Reads every room of the portal and writes the manifest to `--output` or stdout.
pub(crate) async fn run(args: &ExportArgs, output: Output) -> anyhow::Result<Exit> {
    if let Some(path) = &args.output {
        check_output(path, args.force)?;
    }
    let portal = Portal::new(config::portal(&args.portal)?)?;
    let progress = Progress::new(output.stderr_terminal);
    let state = export::read_portal(&portal, &progress).await?;
    let header = export::header(portal.base_url(), std::time::SystemTime::now());
    let export = export::manifest_of(&state);
    for (room, left_out) in &export.left_out {
        for member in left_out {
            crate::out::warn(format_args!(
                "room {room}: {member}; not listed, and the room is `additive`"
            ));
        }
    }
    for (room, why) in &export.tags_left_out {
        crate::out::warn(format_args!("room {room}: `tags` left out: {why}"));
    }
    let yaml = export.to_yaml(&header);
    export::check_round_trip(&yaml, &state)?;
    match &args.output {
        Some(path) => {
            // Again: the portal was read since, and the path may hold something else by now.
            check_output(path, args.force)?;
            overwrite::replace(path, Readers::Anyone, |out| out.write_all(yaml.as_bytes()))
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            eprintln!(
                "Wrote {} room{} to `{}`.",
                state.rooms.len(),
                crate::text::plural(state.rooms.len()),
                path.display()
            );
        }
        None => crate::out!("{yaml}")?,
    }
    Ok(Exit::Success)
}

/// Refuses an `--output` that is not a regular file, or (unless `--force`) a file `export` did
/// not write.
fn check_output(path: &std::path::Path, force: bool) -> anyhow::Result<()> {
    overwrite::check(
        path,
        "the export",
        |head| force || export::written_by_export(head),
        "was not written by `export` (its first line is not an export's header); pass `--force` to overwrite it",
    )
}
