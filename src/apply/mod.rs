//! Executing a plan: `executor` runs the steps against the portal and `report` says truthfully
//! what was applied, what failed and why, and what was skipped.

pub mod executor;
pub mod report;

pub use executor::execute;
pub use report::{Outcome, Report, Status};
