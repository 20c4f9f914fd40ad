//! Diagnostics on stderr through `tracing`: `-v` shows requests and retries, `-vv` everything,
//! `RUST_LOG` overrides both. Nothing logged ever carries the token: the client marks the
//! `Authorization` header sensitive and never logs headers or URLs with credentials.

use tracing_subscriber::EnvFilter;

pub fn init(verbosity: u8, color: bool) {
    let default = match verbosity {
        0 => "warn",
        1 => "docspace_rooms=debug",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .without_time()
        .try_init();
}
