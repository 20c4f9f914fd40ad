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
    /// When a limit the portal reached stopped the run (its daily write limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_reached: Option<Stopped>,
}

/// How a limit the portal reached stopped a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stopped {
    /// What the portal said: its limit, and that it counts writes (POST and PUT) or every request.
    pub limit: Option<u32>,
    pub writes_only: bool,
    /// When it resets, in UTC (`2026-12-08T14:03:12Z`).
    pub resets_at: String,
    /// The rooms this run left active that the plan archives: unarchived for an edit, or
    /// created, and not archived because the portal refused it.
    pub left_active: Vec<RoomRef>,
}

/// A room by title and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRef {
    pub title: String,
    pub id: u64,
}

impl Report {
    fn count(&self, wanted: fn(&Status) -> bool) -> usize {
        self.outcomes.iter().filter(|o| wanted(&o.status)).count()
    }

    pub fn applied(&self) -> usize {
        self.count(|s| matches!(s, Status::Applied))
    }

    pub(crate) fn failed(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed(_)))
    }

    pub(crate) fn skipped(&self) -> usize {
        self.count(|s| matches!(s, Status::Skipped(_)))
    }

    pub fn is_success(&self) -> bool {
        self.failed() == 0 && self.skipped() == 0
    }

    /// What to say about a limit the portal reached in this run.
    pub(crate) fn stopped_by(&self, limit: crate::portal::LimitReached) -> Stopped {
        Stopped {
            limit: limit.limit,
            writes_only: !limit.every_request,
            resets_at: crate::time::utc_time(limit.resets_at),
            left_active: self.left_active(),
        }
    }

    /// The rooms the run unarchived for an edit, or created, and then did not archive as the
    /// plan does: an opening step applied and the room's archive after it not.
    fn left_active(&self) -> Vec<RoomRef> {
        let mut left = Vec::new();
        let mut opened: Option<u64> = None;
        for outcome in &self.outcomes {
            match (&outcome.action, &outcome.status, outcome.room_id) {
                (Action::Unarchive | Action::Create { .. }, Status::Applied, Some(id)) => {
                    opened = Some(id);
                }
                (Action::Archive, status, Some(id)) if opened == Some(id) => {
                    if *status != Status::Applied {
                        left.push(RoomRef { title: outcome.title.clone(), id });
                    }
                    opened = None;
                }
                _ => {}
            }
        }
        left
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
