//! The DocSpace REST client: `client` sends requests (limits, pacing, retries, envelopes),
//! `rooms` knows the rooms endpoints, `members` the people and members ones, `paging` reads a
//! paged list whole, `error` types what can go wrong.

pub mod client;
pub mod error;
pub mod members;
mod paging;
pub mod rooms;

pub use client::{Portal, PortalConfig, Repeat};
pub use error::ApiError;
pub use rooms::Operation;
