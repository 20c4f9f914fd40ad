//! Dates as a portal writes them (`ApiDateTime`): `2025-03-06T11:31:16.0000000+00:00`, seconds
//! resolution, in UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The portal's string form of a Unix time.
pub(crate) use crate::links::api_date;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_a_portal() {
        assert_eq!(api_date(0), "1970-01-01T00:00:00.0000000+00:00");
        assert_eq!(api_date(1_741_260_676), "2025-03-06T11:31:16.0000000+00:00");
        assert_eq!(api_date(951_782_400), "2000-02-29T00:00:00.0000000+00:00");
        assert_eq!(api_date(-1), "1969-12-31T23:59:59.0000000+00:00");
    }
}
