//! How the process exits.

/// What the process exits with when the job itself did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The job succeeded.
    Success,
    /// Work was attempted and some of it failed (a partial apply).
    Failure,
    /// `plan --detailed-exitcode` found changes.
    Changes,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Changes => 2,
        }
    }
}
