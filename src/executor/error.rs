//! What can go wrong running one step: a request failed (the client's [`ApiError`], with the
//! server's message), or every request went through and the portal does not show the effect,
//! which the executor finds by reading back.

use crate::portal::ApiError;

/// Why a step failed.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum StepError {
    /// A request failed.
    #[error(transparent)]
    Api(#[from] ApiError),

    /// The members read back differ from the ones sent.
    #[error("room {room}: the portal did not apply every member change: {}", .problems.join("; "))]
    MembersNotApplied {
        /// The room whose members were set.
        room: u64,
        /// One line per member that differs.
        problems: Vec<String>,
    },

    /// A link read back differs from the one sent, or its password could not be sent.
    #[error("room {room}, link `{link}`: {}", .problems.join("; "))]
    LinkNotApplied {
        /// The room.
        room: u64,
        /// The link's name, escaped.
        link: String,
        /// One line per field that differs.
        problems: Vec<String>,
    },

    /// The settings read back differ from the ones sent.
    #[error("room {room}: the portal did not apply every setting: {}", .problems.join("; "))]
    SettingsNotApplied {
        /// The room whose settings were set.
        room: u64,
        /// One line per setting that differs.
        problems: Vec<String>,
    },

    /// A folder to move to the trash changed since it was planned; it is left alone.
    #[error("folder {id} \"{title}\" {what}")]
    FolderChanged {
        /// The folder's id.
        id: u64,
        /// Its title, escaped.
        title: String,
        /// What changed.
        what: String,
    },

    /// A step of a room whose id is not known: the room is created by this plan and its create
    /// did not run. (The executor skips a room's later steps after a failure, so this names a
    /// plan whose steps are out of order, e.g. an edited saved plan.)
    #[error("the plan acts on room \"{title}\" before it is created")]
    NoRoomId {
        /// The room's title, escaped.
        title: String,
    },

    /// A folder whose parent is created by this plan, when no earlier step created it.
    #[error("folder \"{path}\" is to be created in a folder this run did not create")]
    MissingParent {
        /// The folder's path, escaped.
        path: String,
    },

    /// A room this run was to create appeared after it read the portal: another run (or a
    /// person) made it. It is not created again, and the room's other steps are left.
    #[error(
        "room \"{title}\" was created by someone else after this run read the portal (room {ids}); it was not created again, and its other changes are left to the next `plan`"
    )]
    Appeared {
        /// The title, escaped.
        title: String,
        /// The rooms now carrying it, as `12 and 13`.
        ids: String,
    },

    /// Another run created the same room at the same time; this run removed its own copy and
    /// leaves the room's other steps to that run.
    #[error(
        "another run created room \"{title}\" at the same time: room {survivor} stays, and this run removed its own copy (room {mine}) and left the room's other changes to that run; run `plan` to see what is left"
    )]
    TwinRemoved {
        /// The title, escaped.
        title: String,
        /// This run's room, removed.
        mine: u64,
        /// The room that stays.
        survivor: u64,
    },

    /// Another run created the same item at the same time, and this run removed its own; the
    /// one that was to stay was not there when read after: both went.
    #[error(
        "another run created {kind} \"{title}\" at the same time, and both copies went: this run removed its own ({kind} {mine}), and {kind} {survivor}, the one to stay, was not there when read after (its run removed it at the same moment, or the read failed); run `apply` again to create it"
    )]
    TwinsGone {
        /// `room`, `folder` or `link`.
        kind: &'static str,
        /// The title, escaped.
        title: String,
        /// This run's item, removed.
        mine: String,
        /// The item that was to stay.
        survivor: String,
    },

    /// Twins of one title that this run may not settle: it removes nothing.
    #[error(
        "{kind}s {ids} {all} carry the title \"{title}\", created by runs at the same time; {why}, so this run removed none: run `plan`, and if it names more than one, keep one and rename or remove the others"
    )]
    Twins {
        /// `room`, `folder` or `link`.
        kind: &'static str,
        /// The title, escaped.
        title: String,
        /// Every twin, as `12 and 13`.
        ids: String,
        /// `both` or `all`.
        all: &'static str,
        /// Why this run cannot settle them, a whole clause (`room 13, this run's, is not
        /// empty`).
        why: String,
    },
}

impl StepError {
    /// Whether a request of the step was not sent because the run was interrupted while it
    /// waited (after a 429, or for the pacing): nothing was done.
    pub(crate) fn interrupted(&self) -> bool {
        matches!(self, StepError::Api(ApiError::Interrupted { .. }))
    }
}
