//! A room's folder skeleton: `folders` (paths, `/` between levels) and `folders_policy`.
//!
//! Titles follow the portal's folder rules (FOLDERS.md §1 item 3): stored like room titles, at
//! most 165 UTF-16 units. A path implies its parents, which are added before it.

use super::spec::FolderSpec;
use super::syntax::shorten;
use crate::docspace::{RoomType, stored_title, utf16_len};
use serde_saphyr::Spanned;
use std::collections::HashMap;

use crate::docspace::MAX_FOLDER_TITLE_UNITS;

/// The most levels a folder path may have. The portal sets none (FOLDERS.md §2: no depth limit
/// in the create path), but each level is one more round of reads when planning and one more
/// create in order when applying, and a path implies each of its parents: without a bound, a
/// 20 KB path of 10,000 levels would mean 50 million titles held at once.
pub(crate) const MAX_FOLDER_DEPTH: usize = 32;

/// The folders of a room, parents added, in declared order; and the problems and warnings.
pub(super) fn check_folders(
    room_type: Option<RoomType>,
    entries: &[Spanned<String>],
    line_of: impl Fn(&Spanned<String>) -> usize,
    problems: &mut Vec<(usize, String)>,
    warnings: &mut Vec<(usize, String)>,
) -> Vec<FolderSpec> {
    if room_type == Some(RoomType::Ai) && !entries.is_empty() {
        let line = line_of(&entries[0]);
        problems.push((line, "`ai` rooms refuse folders (the portal answers 403)".to_owned()));
    }
    let mut specs: Vec<FolderSpec> = Vec::new();
    let mut seen: HashMap<Vec<String>, (usize, bool)> = HashMap::new();
    for entry in entries {
        let line = line_of(entry);
        let written = entry.value.as_str();
        // Counted before anything is built, so a path of any depth costs one pass.
        let depth = written.bytes().filter(|b| *b == b'/').count() + 1;
        if depth > MAX_FOLDER_DEPTH {
            problems.push((
                line,
                format!(
                    "folder `{}` is {depth} levels deep; at most {MAX_FOLDER_DEPTH} are allowed",
                    shorten(written)
                ),
            ));
            continue;
        }
        let mut path = Vec::new();
        let mut ok = true;
        for segment in written.split('/') {
            let stored = stored_title(segment);
            if stored.is_empty() {
                problems.push((line, format!("folder `{}` has an empty title", shorten(written))));
                ok = false;
                break;
            }
            if let Some(c) = segment.chars().find(|c| c.is_control() && *c != '\t') {
                problems.push((
                    line,
                    format!(
                        "folder `{}` contains the control character U+{:04X}",
                        shorten(written),
                        c as u32
                    ),
                ));
                ok = false;
            }
            let units = utf16_len(&stored);
            if units > MAX_FOLDER_TITLE_UNITS {
                problems.push((
                    line,
                    format!(
                        "folder title `{}` is {units} UTF-16 units long; the portal allows at most {MAX_FOLDER_TITLE_UNITS}",
                        shorten(segment)
                    ),
                ));
                ok = false;
            }
            if stored != segment {
                warnings.push((
                    line,
                    format!(
                        "folder title `{}` will be stored as `{}`",
                        shorten(segment),
                        shorten(&stored)
                    ),
                ));
            }
            path.push(stored);
        }
        if !ok {
            continue;
        }
        match seen.get(&path) {
            Some((first, true)) => {
                problems.push((
                    line,
                    format!("folder `{}` is also listed at line {first}", shorten(written)),
                ));
                continue;
            }
            // Implied by an earlier path: now declared, in its place.
            Some((_, false)) => {
                seen.insert(path, (line, true));
                continue;
            }
            None => {}
        }
        for depth in 1..path.len() {
            let parent = path[..depth].to_vec();
            if !seen.contains_key(&parent) {
                seen.insert(parent.clone(), (line, false));
                specs.push(FolderSpec { path: parent, line });
            }
        }
        seen.insert(path.clone(), (line, true));
        specs.push(FolderSpec { path, line });
    }
    specs
}
