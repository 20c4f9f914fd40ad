//! The emulator's clock: the system's, or a manual one that only moves when a test advances it.
//! Everything the emulator dates or times by the wall clock reads it (room and lifetime dates,
//! link expiry, login expiry, late commits, rate-limit windows), so a test moves time forward
//! instead of sleeping through it. Injected latency is not the portal's time but the network's:
//! it stays a real delay.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The time an emulator runs on (a test hook, like [`super::faults::Faults`]). Clones share
/// one clock: a test keeps one and advances it while the emulator reads another.
#[derive(Clone, Default)]
pub struct Clock {
    /// Time since the Unix epoch on a manual clock; `None` is the system's.
    manual: Option<Arc<Mutex<Duration>>>,
}

impl Clock {
    /// The system's wall clock (the default).
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    /// A clock that starts at the system's time now, in whole seconds, and stands still until
    /// [`Clock::advance`] moves it.
    pub fn manual() -> Clock {
        Clock::manual_at(crate::time::since_epoch().as_secs())
    }

    /// A manual clock that starts at `unix` (seconds since the Unix epoch), for tests that
    /// write the dates they expect.
    pub fn manual_at(unix: u64) -> Clock {
        Clock { manual: Some(Arc::new(Mutex::new(Duration::from_secs(unix)))) }
    }

    /// Whether this is a manual clock, which only [`Clock::advance`] moves.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Moves a manual clock forward by `by`.
    ///
    /// # Panics
    /// On the system clock, which no test can move.
    pub fn advance(&self, by: Duration) {
        let clock = self.manual.as_ref().expect("only a manual clock can be advanced");
        *clock.lock().expect("clock lock") += by;
    }

    /// Time since the Unix epoch, now.
    ///
    /// # Panics
    /// If a thread panicked while advancing the clock.
    pub fn since_epoch(&self) -> Duration {
        match &self.manual {
            Some(clock) => *clock.lock().expect("clock lock"),
            None => crate::time::since_epoch(),
        }
    }

    /// Seconds since the Unix epoch, now: the portal's dates.
    pub fn now(&self) -> i64 {
        crate::time::whole_seconds(self.since_epoch())
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.manual {
            Some(_) => write!(f, "Clock::manual(at {:?})", self.since_epoch()),
            None => f.write_str("Clock::system()"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_its_clones_move_with_it() {
        let clock = Clock::manual();
        let handle = clock.clone();
        let start = clock.since_epoch();
        assert_eq!(clock.since_epoch(), start);
        handle.advance(Duration::from_millis(1500));
        assert_eq!(clock.since_epoch(), start + Duration::from_millis(1500));
        assert_eq!(clock.now(), crate::time::whole_seconds(start) + 1);
        assert_eq!(Clock::manual_at(1_741_260_676).now(), 1_741_260_676);
    }

    #[test]
    #[should_panic(expected = "only a manual clock can be advanced")]
    fn the_system_clock_cannot_be_advanced() {
        Clock::system().advance(Duration::from_secs(1));
    }
}
