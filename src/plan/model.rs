//! The plan as data: per room, the steps that bring it to its declared state, in API order.

use crate::docspace::{Access, RoomType};
pub(crate) use crate::model::Member;
use crate::model::PortalRoom;
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
    /// What the person planning should know and the plan works around (terminated accounts
    /// left out of rooms), sorted. Shown when planning; not part of a saved plan.
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// With `plan --base`: the base plan's steps this plan no longer has (manual changes the
    /// manifest now accepts). `None` without a base, and then not serialised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopted: Option<Vec<Adopted>>,
}

/// Which room a block of steps is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Target {
    /// A room the portal already has.
    Existing {
        /// The portal's room id.
        id: u64,
    },
    /// A room this plan creates; later steps act on the id the create returns.
    New,
}

/// The steps for one room, typed by what they do: a state change around a list of edits.
///
/// The state change opens before the edits (create, unarchive) and closes after them (archive,
/// delete). An archived room that is edited in place is one [`StateChange::Reopen`], so the
/// executor can always close what it opened. Saved plans keep the flat `steps` list of format
/// version 1; reading one checks that its steps have one of these shapes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "FlatRoomPlan", try_from = "FlatRoomPlan")]
pub struct RoomPlan {
    /// The room's title as it will be shown (the stored form of the desired title).
    pub title: String,
    /// The portal room, or a room to create.
    pub target: Target,
    /// The 1-based manifest line of the room's entry; `None` for rooms touched by pruning.
    pub line: Option<usize>,
    /// How the room's state changes around its edits.
    pub change: StateChange,
    /// Renames, retags and member changes, in order, between the change's opening and closing.
    pub edits: Vec<Step>,
}

/// What happens to a room's existence or state, as the steps before and after its edits.
#[derive(Debug, Clone, PartialEq)]
pub enum StateChange {
    /// The room keeps its state; only edits (active rooms).
    Keep,
    /// Created with its title, type and tags, then edited, then archived if declared so.
    Create {
        /// The create.
        create: Step,
        /// The archive after the edits, for a room declared archived.
        archive: Option<Step>,
    },
    /// Unarchived for good, then edited.
    Unarchive(Step),
    /// Edited, then archived: an active room goes to the archive.
    Archive(Step),
    /// An archived room edited in place: unarchived, edited, archived again. Once the unarchive
    /// is done, the archive always runs, whatever happens to the edits.
    Reopen {
        /// The unarchive before the edits.
        unarchive: Step,
        /// The archive after them.
        archive: Step,
    },
    /// Deleted, archived first when the room is active. No edits.
    Delete {
        /// The archive first, for an active room.
        archive: Option<Step>,
        /// The delete.
        delete: Step,
    },
}

impl StateChange {
    /// The step that runs before the edits.
    pub(crate) fn opening(&self) -> Option<&Step> {
        match self {
            StateChange::Create { create: step, .. }
            | StateChange::Unarchive(step)
            | StateChange::Reopen { unarchive: step, .. } => Some(step),
            StateChange::Delete { archive, .. } => archive.as_ref(),
            StateChange::Keep | StateChange::Archive(_) => None,
        }
    }

    /// The step that runs after the edits.
    pub(crate) fn closing(&self) -> Option<&Step> {
        match self {
            StateChange::Create { archive, .. } => archive.as_ref(),
            StateChange::Archive(step)
            | StateChange::Reopen { archive: step, .. }
            | StateChange::Delete { delete: step, .. } => Some(step),
            StateChange::Keep | StateChange::Unarchive(_) => None,
        }
    }

    /// Whether the closing step must run even when an edit failed or the run was interrupted.
    pub(crate) fn always_closes(&self) -> bool {
        matches!(self, StateChange::Reopen { .. })
    }

    /// Whether the change takes an existing room away from its users: a delete, or an active
    /// room going to the archive. The rails (`protect`, `max_destroy_percent`) and the
    /// markdown's ordering all ask this one question.
    pub(crate) fn removes_room(&self) -> bool {
        matches!(self, StateChange::Archive(_) | StateChange::Delete { .. })
    }

    /// Whether the room is deleted.
    pub(crate) fn deletes(&self) -> bool {
        matches!(self, StateChange::Delete { .. })
    }
}

impl RoomPlan {
    /// Every step in the order the API gets them: opening, edits, closing.
    pub(crate) fn steps(&self) -> impl Iterator<Item = &Step> {
        self.change.opening().into_iter().chain(&self.edits).chain(self.change.closing())
    }

    /// A plan made with `--base`: the steps of a room with this cause, member steps cut to their
    /// members of that cause. Empty for a plan without causes.
    pub(crate) fn steps_of(&self, cause: Cause) -> Vec<Step> {
        self.steps()
            .filter_map(|step| match &step.action {
                Action::SetMembers { notify, changes, members_after } => {
                    let changes: Vec<MemberChange> =
                        changes.iter().filter(|c| c.cause == Some(cause)).cloned().collect();
                    (!changes.is_empty()).then(|| Step {
                        action: Action::SetMembers {
                            notify: *notify,
                            changes,
                            members_after: *members_after,
                        },
                        ..step.clone()
                    })
                }
                _ => (step.cause == Some(cause)).then(|| step.clone()),
            })
            .collect()
    }

    /// How many steps the room has.
    pub(crate) fn step_count(&self) -> usize {
        self.edits.len()
            + usize::from(self.change.opening().is_some())
            + usize::from(self.change.closing().is_some())
    }

    /// Builds a room's plan from steps in API order, checking that they have one of the shapes
    /// of [`StateChange`].
    pub(crate) fn from_steps(
        title: String,
        target: Target,
        line: Option<usize>,
        steps: Vec<Step>,
    ) -> Result<RoomPlan, String> {
        let is_state = |step: &Step| {
            matches!(
                step.action,
                Action::Create { .. } | Action::Archive | Action::Unarchive | Action::Delete
            )
        };
        let mut edits = steps;
        let opening = match edits.first() {
            Some(step) if matches!(step.action, Action::Create { .. } | Action::Unarchive) => {
                Some(edits.remove(0))
            }
            // An archive followed by a delete opens the delete.
            Some(step)
                if step.action == Action::Archive
                    && edits.get(1).is_some_and(|next| next.action == Action::Delete) =>
            {
                Some(edits.remove(0))
            }
            _ => None,
        };
        let closing = match edits.last() {
            Some(step) if matches!(step.action, Action::Archive | Action::Delete) => edits.pop(),
            _ => None,
        };
        if let Some(stray) = edits.iter().find(|step| is_state(step)) {
            return Err(format!(
                "room `{title}` has a `{:?}` step among its edits",
                stray.action.kind()
            ));
        }
        let is = |step: &Step, kind: ActionKind| step.action.kind() == kind;
        let change = match (opening, closing) {
            (None, None) => StateChange::Keep,
            (Some(create), archive)
                if is(&create, ActionKind::Create)
                    && archive.as_ref().is_none_or(|step| is(step, ActionKind::Archive)) =>
            {
                StateChange::Create { create, archive }
            }
            (Some(unarchive), None) if is(&unarchive, ActionKind::Unarchive) => {
                StateChange::Unarchive(unarchive)
            }
            (Some(unarchive), Some(archive))
                if is(&unarchive, ActionKind::Unarchive) && is(&archive, ActionKind::Archive) =>
            {
                StateChange::Reopen { unarchive, archive }
            }
            (None, Some(archive)) if is(&archive, ActionKind::Archive) => {
                StateChange::Archive(archive)
            }
            (archive, Some(delete))
                if is(&delete, ActionKind::Delete)
                    && edits.is_empty()
                    && archive.as_ref().is_none_or(|step| is(step, ActionKind::Archive)) =>
            {
                StateChange::Delete { archive, delete }
            }
            _ => return Err(format!("room `{title}` has steps in an order the API does not take")),
        };
        Ok(RoomPlan { title, target, line, change, edits })
    }
}

/// A room's plan as saved: its steps as one list in API order (format version 1).
#[derive(Serialize, Deserialize)]
struct FlatRoomPlan {
    title: String,
    target: Target,
    line: Option<usize>,
    steps: Vec<Step>,
}

impl From<RoomPlan> for FlatRoomPlan {
    fn from(room: RoomPlan) -> FlatRoomPlan {
        let steps = room.steps().cloned().collect();
        FlatRoomPlan { title: room.title, target: room.target, line: room.line, steps }
    }
}

impl TryFrom<FlatRoomPlan> for RoomPlan {
    type Error = String;

    fn try_from(flat: FlatRoomPlan) -> Result<RoomPlan, String> {
        RoomPlan::from_steps(flat.title, flat.target, flat.line, flat.steps)
    }
}

/// One API call and why it is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    #[serde(flatten)]
    /// The request.
    pub action: Action,
    /// Why the plan makes it.
    pub reason: String,
    /// With `plan --base`: whether the pull request asks for it or the portal drifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
}

impl Step {
    /// A step with its reason, not yet labelled with a cause.
    pub(crate) fn new(action: Action, reason: &str) -> Step {
        Step { action, reason: reason.to_owned(), cause: None }
    }
}

/// Why a step is in a plan made with `--base`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The base plan does not have it: the pull request asks for it.
    Change,
    /// The base plan has it too: the portal differs from what the base already declares.
    Drift,
}

/// A base step the head plan no longer has: a manual change the pull request accepts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adopted {
    /// The room as the portal names it (the title the base would create, for a new room).
    pub title: String,
    /// The portal room, or the room the base would create.
    pub target: Target,
    /// The base plan's step (for members, only the changes the head no longer makes).
    pub step: Step,
    /// What is accepted instead, in words.
    pub why: String,
}

/// A link's settings as a plan compares and sends them (the whole link: an update replaces it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkFields {
    /// The link's title.
    pub title: String,
    /// The `FileShare` number it gives.
    pub access: i64,
    /// When it expires, as a Unix time.
    pub expires: Option<i64>,
    /// Whether it has a password, and which: never the password (see [`PasswordMark`]).
    pub password: Option<PasswordMark>,
    /// Whether downloads are denied.
    pub deny_download: bool,
    /// Whether only people signed in to the portal can open it.
    pub internal: bool,
}

/// One link created or updated, sent whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkChange {
    /// The declared name.
    pub name: String,
    /// The room's primary link.
    pub primary: bool,
    /// The portal's id of the link updated; `None` for a new link (its id is derived from the
    /// portal, the room and the name when applied) or a primary link not yet read.
    pub link_id: Option<String>,
    /// The link as it is; `None` when it is created.
    pub before: Option<LinkFields>,
    /// The link as it will be.
    pub after: LinkFields,
    /// The variable the password is read from when applied.
    pub password_env: Option<String>,
    /// What happens to its password: all a plan ever says about one.
    #[serde(default)]
    pub password_change: PasswordChange,
}

/// What a link step does to the link's password.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordChange {
    /// Nothing.
    #[default]
    None,
    /// A link without one gets one.
    Set,
    /// The link's password becomes another.
    Changed,
    /// The link's password is removed.
    Removed,
}

/// A link's password as a plan holds it, never the password itself. While a plan is made it
/// holds the password in memory, to compare; a saved plan (`plan --out`) holds a verifier made
/// by `plan::links::verifier` (Argon2id with a random salt, keyed with the plan key when one is
/// set), enough to tell later that a password is another without revealing it; anywhere else
/// (`plan --format json`) it is written `"set"`.
#[derive(Clone, Default)]
pub struct PasswordMark {
    /// The password, in memory only.
    pub(crate) secret: Option<crate::links::Password>,
    /// The verifier, in a saved plan only.
    pub(crate) verifier: Option<String>,
}

/// How a mark without a verifier is written.
const MARK_SET: &str = "set";

impl PasswordMark {
    /// The mark of a password read from the environment or the portal.
    pub(crate) fn of(password: &crate::links::Password) -> PasswordMark {
        PasswordMark { secret: Some(password.clone()), verifier: None }
    }
}

/// Two marks are alike when they hold the same password; marks read from a saved plan, when
/// they hold the same verifier.
impl PartialEq for PasswordMark {
    fn eq(&self, other: &PasswordMark) -> bool {
        match (&self.secret, &other.secret) {
            (Some(a), Some(b)) => a == b,
            _ => self.verifier.is_some() && self.verifier == other.verifier,
        }
    }
}

impl Eq for PasswordMark {}

impl std::fmt::Debug for PasswordMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordMark(…)")
    }
}

impl Serialize for PasswordMark {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.verifier.as_deref().unwrap_or(MARK_SET))
    }
}

impl<'de> Deserialize<'de> for PasswordMark {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(PasswordMark { secret: None, verifier: (text != MARK_SET).then_some(text) })
    }
}

/// The actions the API offers, each one request (plus a wait for the asynchronous ones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// Create a room with this title, type and tags.
    Create {
        /// The title to send (its stored form).
        title: String,
        /// The room's type.
        room_type: RoomType,
        /// Its tags.
        tags: Vec<String>,
        /// The simple settings sent with the create (`deny_download`, `indexing`, `color`,
        /// `cover`); the others follow in an update.
        #[serde(default, skip_serializing_if = "crate::settings::Settings::is_empty")]
        settings: Box<crate::settings::Settings>,
    },
    /// Rename the room.
    Rename {
        /// The title now.
        before: String,
        /// The title after.
        after: String,
    },
    /// Replace the room's tags.
    SetTags {
        /// The tags now, sorted.
        before: Vec<String>,
        /// The tags after, sorted.
        after: Vec<String>,
    },
    /// Move an active room to the archive.
    Archive,
    /// Move an archived room back to the room list.
    Unarchive,
    /// Delete the room permanently.
    Delete,
    /// One request that adds, changes and removes members; the owner never appears.
    SetMembers {
        /// Whether the portal emails the people given access.
        notify: bool,
        /// Each member's change.
        changes: Vec<MemberChange>,
        /// How many the room's member list holds after the change, its owner included: the
        /// read-back reads it a page (100) at a time.
        members_after: usize,
    },
    /// Create a folder; its parent is the room, a folder that exists, or one created earlier
    /// in the room's steps.
    CreateFolder {
        /// The titles from the room down, in stored form; the last is the new folder's.
        path: Vec<String>,
        /// The parent folder's id when it exists already; `None` for the room itself or a
        /// parent this plan creates.
        parent_id: Option<u64>,
    },
    /// Move an empty folder nobody declared to the trash (`folders_policy: exact`).
    TrashFolder {
        /// The titles from the room down.
        path: Vec<String>,
        /// The folder's id.
        id: u64,
    },
    /// Create or update one external link; the whole link is sent.
    SetLink {
        /// The link (boxed, as the link fields below: they would make every step of every
        /// plan several times larger).
        link: Box<LinkChange>,
    },
    /// Remove an additional external link: whoever holds it loses access.
    RemoveLink {
        /// The link's title.
        name: String,
        /// Its portal id.
        link_id: String,
        /// The link as it is.
        before: Box<LinkFields>,
    },
    /// One room update carrying every setting that changes, and only those.
    SetSettings {
        /// The changed settings as they are (`None`: the portal does not show it).
        before: Box<crate::settings::Settings>,
        /// The changed settings as they will be.
        after: Box<crate::settings::Settings>,
    },
}

/// The kinds of action, in the order the summary counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A create.
    Create,
    /// A rename.
    Rename,
    /// A retag.
    SetTags,
    /// An archive.
    Archive,
    /// An unarchive.
    Unarchive,
    /// A delete.
    Delete,
    /// A member change.
    SetMembers,
    /// A folder created.
    CreateFolder,
    /// A folder moved to the trash.
    TrashFolder,
    /// A link created or updated.
    SetLink,
    /// A link removed.
    RemoveLink,
    /// A settings change.
    SetSettings,
}

impl Action {
    /// The link password marks the step holds (a link's before and after), to seal into a
    /// saved plan or to leave out of a report.
    pub(crate) fn password_marks_mut(&mut self) -> Vec<&mut PasswordMark> {
        match self {
            Action::SetLink { link } => {
                let LinkChange { before, after, .. } = &mut **link;
                before.iter_mut().chain([after]).filter_map(|f| f.password.as_mut()).collect()
            }
            Action::RemoveLink { before, .. } => before.password.as_mut().into_iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The kind of this action.
    pub(crate) fn kind(&self) -> ActionKind {
        match self {
            Action::Create { .. } => ActionKind::Create,
            Action::Rename { .. } => ActionKind::Rename,
            Action::SetTags { .. } => ActionKind::SetTags,
            Action::Archive => ActionKind::Archive,
            Action::Unarchive => ActionKind::Unarchive,
            Action::Delete => ActionKind::Delete,
            Action::SetMembers { .. } => ActionKind::SetMembers,
            Action::CreateFolder { .. } => ActionKind::CreateFolder,
            Action::TrashFolder { .. } => ActionKind::TrashFolder,
            Action::SetLink { .. } => ActionKind::SetLink,
            Action::RemoveLink { .. } => ActionKind::RemoveLink,
            Action::SetSettings { .. } => ActionKind::SetSettings,
        }
    }

    /// Archive and delete take people's rooms away; shown first and guarded by the rails. Asked
    /// of a room that exists: see [`Action::takes_away`].
    fn is_destructive(&self) -> bool {
        matches!(
            self,
            Action::Archive
                | Action::Delete
                | Action::TrashFolder { .. }
                | Action::RemoveLink { .. }
        ) || matches!(self, Action::SetMembers { changes, .. } if changes.iter().any(|c| c.after.is_none()))
            || matches!(self, Action::SetSettings { before, after } if before.removes_files(after))
    }

    /// Whether this action, in the room `target` names, takes something away from people: a
    /// room, a member, a link, a folder, or files (a lifetime that may remove some). A room
    /// this plan creates has nothing to lose yet.
    pub(crate) fn takes_away(&self, target: &Target) -> bool {
        *target != Target::New && self.is_destructive()
    }
}

/// One member's change in a room: added (`before` none), changed, or removed (`after` none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberChange {
    /// Who the change is about.
    pub member: Member,
    /// The portal id (user or group UUID) to send; `None` for an email invitation.
    pub portal_id: Option<String>,
    /// The access before, `None` when added.
    pub before: Option<Access>,
    /// The access after, `None` when removed.
    pub after: Option<Access>,
    /// With `plan --base`: compared member by member, so one request can hold both causes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
}

/// How many actions of each kind a plan holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Rooms created.
    pub create: usize,
    /// Rooms renamed.
    pub rename: usize,
    /// Rooms retagged.
    pub set_tags: usize,
    /// Rooms archived.
    pub archive: usize,
    /// Rooms unarchived.
    pub unarchive: usize,
    /// Rooms deleted.
    pub delete: usize,
    /// Member changes: one per person or group whose access changes in a room.
    pub set_members: usize,
    /// Links created or updated.
    #[serde(default)]
    pub set_link: usize,
    /// Links removed.
    #[serde(default)]
    pub remove_link: usize,
    /// Folders created.
    #[serde(default)]
    pub create_folder: usize,
    /// Folders moved to the trash.
    #[serde(default)]
    pub trash_folder: usize,
    /// Rooms whose settings change.
    #[serde(default)]
    pub set_settings: usize,
}

impl Plan {
    /// Whether the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// The existing rooms whose members the plan changes.
    pub(crate) fn member_rooms(&self) -> Vec<u64> {
        self.rooms
            .iter()
            .filter(|room| {
                room.edits.iter().any(|step| matches!(step.action, Action::SetMembers { .. }))
            })
            .filter_map(|room| match room.target {
                Target::Existing { id } => Some(id),
                Target::New => None,
            })
            .collect()
    }

    /// The existing rooms whose links the plan changes.
    pub(crate) fn link_rooms(&self) -> Vec<u64> {
        self.rooms
            .iter()
            .filter(|room| {
                room.edits.iter().any(|step| {
                    matches!(step.action, Action::SetLink { .. } | Action::RemoveLink { .. })
                })
            })
            .filter_map(|room| match room.target {
                Target::Existing { id } => Some(id),
                Target::New => None,
            })
            .collect()
    }

    /// Every step with its room, in plan order.
    pub(crate) fn steps(&self) -> impl Iterator<Item = (&RoomPlan, &Step)> {
        self.rooms.iter().flat_map(|room| room.steps().map(move |step| (room, step)))
    }

    /// How many steps of each kind the plan holds.
    pub fn counts(&self) -> Counts {
        self.counts_where(|_| true)
    }

    /// How many steps of each kind have a cause `keep` accepts (member changes each by its own).
    pub(crate) fn counts_where(&self, keep: impl Fn(Option<Cause>) -> bool) -> Counts {
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
                ActionKind::CreateFolder => &mut counts.create_folder,
                ActionKind::TrashFolder => &mut counts.trash_folder,
                ActionKind::SetLink => &mut counts.set_link,
                ActionKind::RemoveLink => &mut counts.remove_link,
                ActionKind::SetSettings => &mut counts.set_settings,
            };
            // A member step changes several people at once: count the people.
            *slot += match &step.action {
                Action::SetMembers { changes, .. } => {
                    changes.iter().filter(|change| keep(change.cause)).count()
                }
                _ => usize::from(keep(step.cause)),
            };
        }
        counts
    }

    /// Each folder the plan moves to the trash, with its room.
    pub(crate) fn trashed_folders(&self) -> Vec<(&RoomPlan, &[String])> {
        self.steps()
            .filter_map(|(room, step)| match &step.action {
                Action::TrashFolder { path, .. } => Some((room, path.as_slice())),
                _ => None,
            })
            .collect()
    }

    /// The rooms whose settings change removes files (see `Settings::removes_files`).
    pub(crate) fn destructive_settings(&self) -> Vec<&RoomPlan> {
        self.rooms
            .iter()
            .filter(|room| {
                room.edits.iter().any(|step| {
                    matches!(step.action, Action::SetSettings { .. })
                        && step.action.takes_away(&room.target)
                })
            })
            .collect()
    }

    /// The summary line, e.g. `Plan: 2 to create, 1 to rename, …; 7 unmanaged rooms left alone.`
    /// With `--base`, counts say how many are drift and the adopted manual changes are counted.
    pub fn summary(&self) -> String {
        let c = self.counts();
        let drift =
            self.adopted.as_ref().map(|_| self.counts_where(|cause| cause == Some(Cause::Drift)));
        let count = |n: usize, of_drift: fn(&Counts) -> usize, what: &str| match &drift {
            Some(d) if of_drift(d) > 0 => format!("{n} {what} ({} from drift)", of_drift(d)),
            _ => format!("{n} {what}"),
        };
        let mut parts = vec![
            count(c.create, |d| d.create, "to create"),
            count(c.rename, |d| d.rename, "to rename"),
        ];
        if c.set_tags > 0 {
            parts.push(count(c.set_tags, |d| d.set_tags, "to retag"));
        }
        parts.push(count(c.archive, |d| d.archive, "to archive"));
        if c.unarchive > 0 {
            parts.push(count(c.unarchive, |d| d.unarchive, "to unarchive"));
        }
        parts.push(count(c.delete, |d| d.delete, "to delete"));
        if c.create_folder > 0 {
            let what = format!("folder{} to create", crate::text::plural(c.create_folder));
            parts.push(count(c.create_folder, |d| d.create_folder, &what));
        }
        if c.trash_folder > 0 {
            let what = format!("folder{} to the trash", crate::text::plural(c.trash_folder));
            parts.push(count(c.trash_folder, |d| d.trash_folder, &what));
        }
        if c.set_settings > 0 {
            parts.push(count(c.set_settings, |d| d.set_settings, "to reconfigure"));
        }
        if c.set_members > 0 {
            let what = format!("member change{}", crate::text::plural(c.set_members));
            parts.push(count(c.set_members, |d| d.set_members, &what));
        }
        let adopted = self.adopted.as_ref().map_or_else(String::new, |adopted| {
            let n = adopted_count(adopted);
            format!("; {n} manual change{} adopted", crate::text::plural(n))
        });
        let links = c.set_link + c.remove_link;
        if links > 0 {
            parts.push(format!("{links} link change{}", crate::text::plural(links)));
        }
        format!(
            "Plan: {}{adopted}; {} unmanaged room{} left alone.",
            parts.join(", "),
            self.unmanaged,
            crate::text::plural(self.unmanaged)
        )
    }
}

/// How many manual changes are adopted: one per member, one per other step.
pub(crate) fn adopted_count(adopted: &[Adopted]) -> usize {
    adopted
        .iter()
        .map(|entry| match &entry.step.action {
            Action::SetMembers { changes, .. } => changes.len(),
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(action: Action) -> Step {
        Step { action, reason: String::new(), cause: None }
    }

    fn rename() -> Step {
        step(Action::Rename { before: "a".into(), after: "b".into() })
    }

    fn from(steps: Vec<Step>) -> Result<RoomPlan, String> {
        RoomPlan::from_steps("R".into(), Target::Existing { id: 1 }, None, steps)
    }

    #[test]
    fn an_edited_archived_room_is_one_bracket_that_always_closes() {
        let room = from(vec![step(Action::Unarchive), rename(), step(Action::Archive)]).unwrap();
        assert!(matches!(room.change, StateChange::Reopen { .. }));
        assert!(room.change.always_closes());
        assert_eq!(room.edits, [rename()]);
        assert_eq!(room.step_count(), 3);
    }

    #[test]
    fn every_shape_round_trips_through_its_flat_steps() {
        let create = step(Action::Create {
            title: "R".into(),
            room_type: crate::docspace::RoomType::Custom,
            tags: vec![],
            settings: Box::default(),
        });
        for steps in [
            vec![rename()],
            vec![create.clone()],
            vec![create, rename(), step(Action::Archive)],
            vec![step(Action::Unarchive), rename()],
            vec![rename(), step(Action::Archive)],
            vec![step(Action::Archive), step(Action::Delete)],
            vec![step(Action::Delete)],
        ] {
            let room = from(steps.clone()).unwrap();
            assert_eq!(room.steps().cloned().collect::<Vec<_>>(), steps);
            let json = serde_json::to_string(&room).unwrap();
            assert_eq!(serde_json::from_str::<RoomPlan>(&json).unwrap(), room);
        }
    }

    #[test]
    fn steps_in_an_order_the_api_does_not_take_are_not_a_plan() {
        for steps in [
            vec![rename(), step(Action::Unarchive)],
            vec![step(Action::Archive), rename(), step(Action::Delete)],
            vec![rename(), step(Action::Archive), rename()],
            vec![step(Action::Delete), rename()],
        ] {
            assert!(from(steps.clone()).is_err(), "{steps:?}");
        }
    }

    #[test]
    fn only_deletes_and_archives_of_active_rooms_remove_a_room() {
        let archive = || step(Action::Archive);
        assert!(StateChange::Archive(archive()).removes_room());
        assert!(StateChange::Delete { archive: None, delete: step(Action::Delete) }.removes_room());
        assert!(
            !StateChange::Reopen { unarchive: step(Action::Unarchive), archive: archive() }
                .removes_room()
        );
        assert!(!StateChange::Keep.removes_room());
    }
}
