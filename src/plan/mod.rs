//! Plans: what would change on the portal, as data. `planner` computes one, purely; `render`
//! shows one to people and machines; `saved` turns one into the reviewed JSON file and back.

pub(crate) mod compare;
pub mod cost;
mod folders;
pub(crate) mod links;
mod members;
pub(crate) mod model;
pub(crate) mod planner;
pub(crate) mod rails;
pub(crate) mod render;
pub(crate) mod requests;
pub(crate) mod resolve;
pub mod saved;
pub(crate) mod settings;

pub use model::*;
pub use planner::{PlanError, plan};
pub use rails::{PlanOptions, Refusal};
