//! The portal's REST client: `client` sends requests (limits, pacing, retries, envelopes),
//! `rooms` knows the rooms endpoints, `members` the people and members ones, `keys` the API
//! key's own, `paging` reads a paged list whole, `error` types what can go wrong.

pub(crate) mod client;
pub(crate) mod error;
mod folders;
pub(crate) mod keys;
pub(crate) mod links;
pub(crate) mod members;
mod pacing;
mod paging;
pub(crate) mod rooms;
pub(crate) mod settings;

pub use client::{LimitReached, Parallelism, Portal, PortalConfig};
pub use error::ApiError;
pub(crate) use error::limit_of;
pub(crate) use folders::Whereabouts;
