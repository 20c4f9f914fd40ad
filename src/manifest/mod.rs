//! The manifest: `rooms.yaml` parsed strictly, then checked as a whole.
