//! An in-process emulator of the DocSpace rooms REST API (see `emulator` in the README).
