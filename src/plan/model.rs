//! The plan as data: per room, the steps that bring it to its declared state, in API order.

use crate::docspace::{Access, RoomType};
use crate::model::{PortalRoom, RoomState};
use serde::{Deserialize, Serialize};

/// Everything `apply` would do, and what it read to decide it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// One entry per room that changes, sorted by title then id.
    pub rooms: Vec<RoomPlan>,
    /// Portal rooms the manifest does not mention and that are left alone.
    pub unmanaged: usize,
    /// How many rooms the portal has in all.
    pub portal_rooms: usize,
    /// Every portal room the plan read to decide or touches, as it was then, sorted by id.
    pub fingerprints: Vec<PortalRoom>,
}

/// Which room a block of steps is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Target {
    /// A room the portal already has.
    Existing { id: u64 },
    /// A room this plan creates; later steps act on the id the create returns.
    New,
}

/// The steps for one room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomPlan {
    /// The room's title as it will be shown (the stored form of the desired title).
    pub title: String,
    pub target: Target,
    /// The 1-based manifest line of the room's entry; `None` for rooms touched by pruning.
    pub line: Option<usize>,
    pub steps: Vec<Step>,
}

/// One API call and why it is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    #[serde(flatten)]
    pub action: Action,
    pub reason: String,
}

/// The actions the API offers, each one request (plus a wait for the asynchronous ones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    Create {
        title: String,
        room_type: RoomType,
        tags: Vec<String>,
    },
    Rename {
        before: String,
        after: String,
    },
    SetTags {
        before: Vec<String>,
        after: Vec<String>,
    },
    Archive,
    Unarchive,
    Delete,
    /// One request that adds, changes and removes members; the owner never appears.
    SetMembers {
        notify: bool,
        changes: Vec<MemberChange>,
    },
}

/// The kinds of action, in the order the summary counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Create,
    Rename,
    SetTags,
    Archive,
    Unarchive,
    Delete,
    SetMembers,
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Create { .. } => ActionKind::Create,
            Action::Rename { .. } => ActionKind::Rename,
            Action::SetTags { .. } => ActionKind::SetTags,
            Action::Archive => ActionKind::Archive,
            Action::Unarchive => ActionKind::Unarchive,
            Action::Delete => ActionKind::Delete,
            Action::SetMembers { .. } => ActionKind::SetMembers,
        }
    }

    /// Archive and delete take people's rooms away; shown first and guarded by the rails.
    pub fn is_destructive(&self) -> bool {
        matches!(self, Action::Archive | Action::Delete)
            || matches!(self, Action::SetMembers { changes, .. } if changes.iter().any(|c| c.after.is_none()))
    }
}

/// Who a member entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Member {
    User(String),
    Group(String),
}

impl std::fmt::Display for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Member::User(email) => f.write_str(email),
            Member::Group(name) => write!(f, "group {name}"),
        }
    }
}

/// One member's change in a room: added (`before` none), changed, or removed (`after` none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberChange {
    pub member: Member,
    /// The portal id (user or group UUID) to send; `None` for an email invitation.
    pub portal_id: Option<String>,
    pub before: Option<Access>,
    pub after: Option<Access>,
}

/// How many actions of each kind a plan holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub create: usize,
    pub rename: usize,
    pub set_tags: usize,
    pub archive: usize,
    pub unarchive: usize,
    pub delete: usize,
    pub set_members: usize,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// The existing rooms whose members the plan changes.
    pub fn member_rooms(&self) -> Vec<u64> {
        self.rooms
            .iter()
            .filter(|room| {
                room.steps.iter().any(|step| matches!(step.action, Action::SetMembers { .. }))
            })
            .filter_map(|room| match room.target {
                Target::Existing { id } => Some(id),
                Target::New => None,
            })
            .collect()
    }

    pub fn steps(&self) -> impl Iterator<Item = (&RoomPlan, &Step)> {
        self.rooms.iter().flat_map(|room| room.steps.iter().map(move |step| (room, step)))
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for (_, step) in self.steps() {
            let slot = match step.action.kind() {
                ActionKind::Create => &mut counts.create,
                ActionKind::Rename => &mut counts.rename,
                ActionKind::SetTags => &mut counts.set_tags,
                ActionKind::Archive => &mut counts.archive,
                ActionKind::Unarchive => &mut counts.unarchive,
                ActionKind::Delete => &mut counts.delete,
                ActionKind::SetMembers => &mut counts.set_members,
            };
            *slot += 1;
        }
        counts
    }

    /// Whether any step deletes a room.
    pub fn has_delete(&self) -> bool {
        self.steps().any(|(_, step)| step.action == Action::Delete)
    }

    /// The summary line, e.g. `Plan: 2 to create, 1 to rename, …; 7 unmanaged rooms left alone.`
    pub fn summary(&self) -> String {
        let c = self.counts();
        let mut parts = vec![format!("{} to create", c.create), format!("{} to rename", c.rename)];
        if c.set_tags > 0 {
            parts.push(format!("{} to retag", c.set_tags));
        }
        parts.push(format!("{} to archive", c.archive));
        if c.unarchive > 0 {
            parts.push(format!("{} to unarchive", c.unarchive));
        }
        parts.push(format!("{} to delete", c.delete));
        if c.set_members > 0 {
            parts.push(format!("{} member change{}", c.set_members, plural(c.set_members)));
        }
        format!(
            "Plan: {}; {} unmanaged room{} left alone.",
            parts.join(", "),
            self.unmanaged,
            plural(self.unmanaged)
        )
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The state a room ends in after a plan's steps, for a room that exists now.
pub fn final_state(current: RoomState, steps: &[Step]) -> Option<RoomState> {
    steps.iter().try_fold(current, |state, step| match step.action {
        Action::Archive => Some(RoomState::Archived),
        Action::Unarchive => Some(RoomState::Active),
        Action::Delete => None,
        _ => Some(state),
    })
}
