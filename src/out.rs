//! Results on stdout, written so that a reader that goes away (`docspace-rooms plan | head`)
//! ends the output, not the command: the run still finishes, and exits with its own code.
//! `print!` would panic there instead.

use std::io::{self, Write};

/// Writes to stdout. Output to a closed pipe is dropped; any other failure is an error.
pub(crate) fn write(args: std::fmt::Arguments<'_>) -> io::Result<()> {
    match io::stdout().lock().write_fmt(args) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Prints a warning on stderr, worded like every other warning of the tool.
pub(crate) fn warn(message: impl std::fmt::Display) {
    eprintln!("warning: {message}");
}

/// `print!` through [`write`]; evaluates to an `io::Result<()>`.
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*)) };
}

/// `println!` through [`write`]; evaluates to an `io::Result<()>`.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::out::write(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {out, outln};
