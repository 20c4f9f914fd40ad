//! Plans: what would change on the portal, as data. `planner` computes one, purely; `render`
//! shows one to people and machines; `saved` turns one into the reviewed JSON file and back.

pub mod compare;
mod folders;
pub mod links;
pub mod members;
pub mod model;
pub mod planner;
pub mod rails;
pub mod render;
pub(crate) mod resolve;
pub mod saved;
pub(crate) mod settings;

pub use model::*;
pub use planner::{PlanError, plan};
pub use rails::{PlanOptions, Refusal};
