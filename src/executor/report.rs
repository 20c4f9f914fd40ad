//! The apply report: one outcome per planned step, in plan order.

use crate::plan::Action;
use serde::{Deserialize, Serialize};

/// What became of one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "message")]
pub enum Status {
    Applied,
    Failed(String),
    Skipped(String),
}

/// One step's outcome. In JSON the room's title is `room`: the action's own fields (a create's
/// `title`) sit beside it, and every key appears once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    #[serde(rename = "room")]
    pub title: String,
    /// The room's id, once known (a create learns it).
    pub room_id: Option<u64>,
    #[serde(flatten)]
    pub action: Action,
    #[serde(flatten)]
    pub status: Status,
    /// The URL of a link this step created, to hand out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_url: Option<String>,
    /// Whether the room is one this run created (it had nothing to lose), for its marks.
    #[serde(skip)]
    pub new_room: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    fn count(&self, wanted: fn(&Status) -> bool) -> usize {
        self.outcomes.iter().filter(|o| wanted(&o.status)).count()
    }

    pub fn applied(&self) -> usize {
        self.count(|s| matches!(s, Status::Applied))
    }

    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed(_)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, Status::Skipped(_)))
    }

    pub fn is_success(&self) -> bool {
        self.failed() == 0 && self.skipped() == 0
    }

    /// `Apply: 5 applied, 1 failed, 2 skipped.`
    pub fn summary(&self) -> String {
        format!(
            "Apply: {} applied, {} failed, {} skipped.",
            self.applied(),
            self.failed(),
            self.skipped()
        )
    }

    /// The links an apply created, with the URLs to hand out: what the user wants next.
    pub(crate) fn new_links(&self) -> String {
        let lines: Vec<String> = self
            .outcomes
            .iter()
            .filter_map(|outcome| {
                let url = outcome.link_url.as_ref()?;
                let crate::plan::Action::SetLink { link } = &outcome.action else { return None };
                Some(format!(
                    "  \"{}\" in \"{}\": {}\n",
                    crate::text::escape(&link.name),
                    crate::text::escape(&outcome.title),
                    crate::text::escape(url)
                ))
            })
            .collect();
        if lines.is_empty() { String::new() } else { format!("\nNew links:\n{}", lines.concat()) }
    }
}
