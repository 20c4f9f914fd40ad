//! `validate`: check a manifest offline, printing every problem and warning.

use super::exit::Exit;
use crate::cli::ManifestArgs;
use crate::reconcile::load_manifest;

pub(crate) fn run(args: &ManifestArgs) -> anyhow::Result<Exit> {
    let manifest = load_manifest(&args.manifest)?;
    crate::outln!(
        "`{}` is valid: {} room{}.",
        args.manifest.display(),
        manifest.rooms.len(),
        crate::text::plural(manifest.rooms.len())
    )?;
    Ok(Exit::Success)
}
