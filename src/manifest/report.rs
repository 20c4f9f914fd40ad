//! What the checks found: problems and warnings by line, and the line of a spanned value.
//! A leaf that `validate` and the per-key checks (`links`, `settings`) all write into.

use super::spec::Problem;
use serde_saphyr::Spanned;

/// Problems and warnings, by line; `validate` sorts them at the end.
#[derive(Debug, Default)]
pub(super) struct Report {
    pub(super) problems: Vec<Problem>,
    pub(super) warnings: Vec<(usize, String)>,
}

impl Report {
    pub(super) fn problem(&mut self, line: usize, message: String) {
        self.problems.push(Problem { line, message });
    }

    pub(super) fn warn(&mut self, line: usize, message: String) {
        self.warnings.push((line, message));
    }
}

/// The 1-based line a spanned value is referenced at.
pub(super) fn line_of<T>(spanned: &Spanned<T>) -> usize {
    usize::try_from(spanned.referenced.line()).unwrap_or(1).max(1)
}
