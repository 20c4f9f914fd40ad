//! Dates and the clock: the one reading of the wall clock, and dates as the manifest, plans, the
//! API and reports write them. A date is whole seconds since the Unix epoch, in UTC. A leaf: it
//! imports nothing of the crate.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time since the Unix epoch, now (zero on a clock set before it).
pub(crate) fn since_epoch() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// Seconds since the Unix epoch, now: what a manifest's expiries are checked against.
pub(crate) fn now() -> i64 {
    whole_seconds(since_epoch())
}

/// The whole seconds of a time since the epoch, as a date.
pub(crate) fn whole_seconds(since_epoch: Duration) -> i64 {
    i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both are small and positive by construction: 1..=31 and 1..=12.
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A Unix time as its UTC date and its seconds into that day.
fn split(unix: i64) -> ((i64, u32, u32), i64) {
    (civil_from_days(unix.div_euclid(86_400)), unix.rem_euclid(86_400))
}

fn number(text: &str) -> Option<i64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD` as days since the epoch, when it is a real date.
fn date_days(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (year, month, day) = (number(year)?, number(month)?, number(day)?);
    let month = u32::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
    let day = u32::try_from(day).ok().filter(|d| *d >= 1)?;
    let days = days_from_civil(year, month, day);
    // A day past the month's end comes back as another date.
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// An RFC 3339 date-time (`2027-03-31T18:00:00Z`, `…+02:00`, fractions allowed, as a portal
/// writes them: `2027-03-31T18:00:00.0000000+00:00`) as a Unix time.
pub(crate) fn parse_date_time(text: &str) -> Option<i64> {
    let (date, rest) = text.split_once(['T', 't'])?;
    let days = date_days(date)?;
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(at) => rest.split_at(at),
        None => return None,
    };
    let clock = clock.split_once('.').map_or(clock, |(whole, fraction)| {
        if fraction.bytes().all(|b| b.is_ascii_digit()) { whole } else { "x" }
    });
    let mut hms = clock.split(':');
    let (h, m, s) = (number(hms.next()?)?, number(hms.next()?)?, number(hms.next()?)?);
    if hms.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let offset = match offset {
        "Z" | "z" => 0,
        _ => {
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (oh, om) = offset[1..].split_once(':')?;
            let (oh, om) = (number(oh)?, number(om)?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days * 86_400 + h * 3600 + m * 60 + s - offset)
}

/// `unix` plus `years` calendar years, as .NET's `DateTime.AddYears` counts them: the same month,
/// day and time of day, a 29 February becoming the 28th in a year without one.
pub(crate) fn add_years(unix: i64, years: i64) -> i64 {
    let ((year, month, day), secs) = split(unix);
    let year = year + years;
    let day = if month == 2 && day == 29 && date_days(&format!("{year:04}-02-29")).is_none() {
        28
    } else {
        day
    };
    days_from_civil(year, month, day) * 86_400 + secs
}

/// A manifest expiry: a date (`2027-03-31`, the end of that day in UTC) or an RFC 3339
/// date-time.
pub(crate) fn parse_expiry(text: &str) -> Option<i64> {
    match date_days(text) {
        Some(days) => Some(days * 86_400 + 86_399),
        None => parse_date_time(text),
    }
}

/// An expiry as plans show it: the date when it is the end of a day in UTC, else the UTC
/// date-time.
pub(crate) fn format_expiry(unix: i64) -> String {
    let ((year, month, day), secs) = split(unix);
    if secs == 86_399 {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

/// A date as the API writes and takes it (`ApiDateTime`, in UTC, seconds resolution):
/// `2025-03-06T11:31:16.0000000+00:00`.
pub(crate) fn api_date(unix: i64) -> String {
    let ((year, month, day), secs) = split(unix);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.0000000+00:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `2026-11-28T17:00:42Z` for a point in time (UTC, whole seconds).
pub(crate) fn utc_timestamp(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    utc_time(whole_seconds(since_epoch))
}

/// `2026-11-28T17:00:42Z` for a Unix time.
pub fn utc_time(unix: i64) -> String {
    let ((year, month, day), secs) = split(unix);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_the_end_of_that_day_in_utc() {
        let unix = parse_expiry("2027-03-31").unwrap();
        assert_eq!(api_date(unix), "2027-03-31T23:59:59.0000000+00:00");
        assert_eq!(format_expiry(unix), "2027-03-31");
    }

    #[test]
    fn date_times_are_compared_as_instants() {
        let utc = parse_expiry("2027-03-31T16:00:00Z").unwrap();
        assert_eq!(parse_expiry("2027-03-31T18:00:00+02:00"), Some(utc));
        assert_eq!(parse_date_time("2027-03-31T16:00:00.0000000+00:00"), Some(utc));
        assert_eq!(format_expiry(utc), "2027-03-31T16:00:00Z");
    }

    #[test]
    fn malformed_dates_are_refused() {
        for text in ["2027-02-30", "2027-13-01", "31.03.2027", "2027-03-31T25:00:00Z", "tomorrow"] {
            assert_eq!(parse_expiry(text), None, "{text}");
        }
    }

    #[test]
    fn api_dates_are_written_like_a_portal() {
        assert_eq!(api_date(0), "1970-01-01T00:00:00.0000000+00:00");
        assert_eq!(api_date(1_741_260_676), "2025-03-06T11:31:16.0000000+00:00");
        assert_eq!(api_date(951_782_400), "2000-02-29T00:00:00.0000000+00:00");
        assert_eq!(api_date(-1), "1969-12-31T23:59:59.0000000+00:00");
    }

    #[test]
    fn timestamps_of_known_instants() {
        let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(utc_timestamp(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(at(1_709_251_199)), "2024-02-29T23:59:59Z");
    }

    #[test]
    fn years_are_added_as_calendar_years() {
        let at = |text| parse_date_time(text).unwrap();
        assert_eq!(add_years(at("2026-03-31T12:00:00Z"), 10), at("2036-03-31T12:00:00Z"));
        assert_eq!(add_years(at("2028-02-29T00:00:00Z"), 10), at("2038-02-28T00:00:00Z"));
        assert_eq!(add_years(at("2028-02-29T00:00:00Z"), 4), at("2032-02-29T00:00:00Z"));
    }

    #[test]
    fn now_is_the_system_time_in_whole_seconds() {
        let before = since_epoch().as_secs();
        let now = u64::try_from(now()).unwrap();
        assert!(before <= now && now <= since_epoch().as_secs());
    }
}
