//! The DocSpace REST client: `client` sends requests (limits, pacing, retries, envelopes),
//! `rooms` knows the rooms endpoints, `error` types what can go wrong.

pub mod client;
pub mod error;
pub mod members;
pub mod rooms;

pub use client::{Portal, PortalConfig, Repeat};
pub use error::ApiError;
pub use rooms::Operation;
