//! The integration tests, in one binary so the suite links once. They run the real
//! `docspace-rooms` binary, or the library, against emulated portals over real HTTP on loopback.

mod architecture;
mod client_create;
mod client_paging;
mod common;
mod concurrency;
mod demo;
mod emulator_contract;
mod export;
mod faults;
mod folders;
mod folders_emulator;
mod garbage;
mod gitops;
mod install;
mod links;
mod manifest;
mod members;
mod plandiff;
mod rails;
mod rate;
mod rate_refusals;
mod reads;
mod reconcile;
mod safety;
mod saved;
mod scopes;
mod settings;
