//! `schema`: print the manifest's JSON Schema, for editors' YAML language servers.

use super::exit::Exit;

pub(crate) fn run() -> anyhow::Result<Exit> {
    let schema = crate::manifest::json_schema();
    crate::outln!("{}", serde_json::to_string_pretty(&schema)?)?;
    Ok(Exit::Success)
}
