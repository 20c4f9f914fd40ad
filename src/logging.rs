//! Diagnostics on stderr through `tracing`: `-v` shows requests and retries, `-vv` everything,
//! `RUST_LOG` overrides both. Nothing logged ever carries the token: the client marks the
//! `Authorization` header sensitive and never logs headers or URLs with credentials.
//!
//! Lines read like the tool's other messages (`warning: …`), not like a server log.

use std::fmt;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Sends `tracing` events to stderr: warnings by default, requests with `-v`, everything with `-vv`; `RUST_LOG` overrides.
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
        .event_format(Plain)
        .try_init();
}

/// `warning: message field=value …`, one line per event.
struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let level = match *event.metadata().level() {
            Level::ERROR => "error",
            Level::WARN => "warning",
            Level::INFO => "info",
            Level::DEBUG => "debug",
            Level::TRACE => "trace",
        };
        write!(writer, "{level}: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
