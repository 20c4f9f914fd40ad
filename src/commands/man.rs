//! `docspace-rooms man DIR`: one man page per command, generated from the clap definitions.
//! It writes its own pages and nothing else: an earlier `man`'s page is replaced, any other
//! file or link at a page's name is refused before a page is written, and each page goes to a
//! new file renamed into place, so a link at its name is never followed.

use super::overwrite;
use crate::cli::Cli;
use anyhow::Context;
use clap::CommandFactory;
use std::path::Path;

/// Writes every page into `dir` (made if missing), or none.
pub(crate) fn run(dir: &Path) -> anyhow::Result<()> {
    let pages = pages().context("cannot generate the man pages")?;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot make the directory `{}`", dir.display()))?;
    for (name, _) in &pages {
        let title = name.trim_end_matches(".1");
        let hint = "this command did not write it; move it away first";
        overwrite::check(&dir.join(name), "a man page", |head| is_page_of(head, title), hint)?;
    }
    for (name, page) in &pages {
        let path = dir.join(name);
        overwrite::replace(&path, overwrite::Readers::Anyone, |out| out.write_all(page))
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}

/// Each page's file name and text: the command's, then one per subcommand that is not hidden
/// (the names and the order of `clap_mangen::generate_to`).
fn pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    fn add(cmd: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|sub| !sub.is_hide_set()).cloned() {
            add(sub, pages)?;
        }
        let man = clap_mangen::Man::new(cmd);
        let mut page = Vec::new();
        man.render(&mut page)?;
        pages.push((man.get_filename(), page));
        Ok(())
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    add(cmd, &mut pages)?;
    Ok(pages)
}

/// Whether `bytes` is a page this command wrote for `title`, by this version or another: its
/// `.TH` line names the title.
fn is_page_of(bytes: &[u8], title: &str) -> bool {
    let heading = format!(".TH {title} 1 ");
    String::from_utf8_lossy(bytes).lines().take(8).any(|line| line.starts_with(&heading))
}
