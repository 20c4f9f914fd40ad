//! External links: the portal's rules for them, their dates, and a password that never shows.
//!
//! The rules are the portal's own (`shared/docspace/ROOM-SETTINGS.md` §4.4: `FileSecurity`
//! link counts and `AvailableRoomAccesses`, `FileSharing` expiry rules); the manifest checks a
//! declaration with them, the planner a portal room, and the emulator imitates the portal with
//! them. Dates are whole seconds since the Unix epoch, in UTC.

use crate::docspace::{Access, RoomType};
use secrecy::{ExposeSecret, SecretString};

/// Longest link title a portal accepts (`RoomLinkRequest.Title`); longer is a 400.
pub(crate) const MAX_LINK_TITLE_UNITS: usize = 255;
/// The furthest a portal lets an expiry lie ahead (10 years; further is a 400).
pub(crate) const MAX_EXPIRY_SECS: i64 = 10 * 366 * 86_400;
/// `linkType` of an external link (0 is an invitation link).
pub(crate) const LINK_TYPE_EXTERNAL: i64 = 1;

/// What a room type allows for external links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LinkRules {
    /// Additional links besides the primary one.
    pub(crate) additional: usize,
    /// Access levels a link may give.
    pub(crate) access: &'static [Access],
    /// Whether the primary link may have an expiry.
    pub(crate) primary_expires: bool,
    /// The primary link the portal creates with the room: title and access.
    pub(crate) auto_primary: Option<(&'static str, Access)>,
}

/// The external-link rules of a room type; `None` for types without external links.
pub(crate) fn rules(room_type: RoomType) -> Option<LinkRules> {
    use Access::{Commenter, Editor, FormFiller, Reviewer, Viewer};
    const ALL: &[Access] = &[Editor, FormFiller, Reviewer, Commenter, Viewer];
    match room_type {
        RoomType::Custom => Some(LinkRules {
            additional: 5,
            access: ALL,
            primary_expires: true,
            auto_primary: None,
        }),
        RoomType::Public => Some(LinkRules {
            additional: 5,
            access: ALL,
            primary_expires: false,
            auto_primary: Some(("Shared link", Viewer)),
        }),
        RoomType::FormFilling => Some(LinkRules {
            additional: 0,
            access: &[FormFiller, Viewer],
            primary_expires: false,
            auto_primary: Some(("Link to fill out", FormFiller)),
        }),
        RoomType::Collaboration | RoomType::VirtualData | RoomType::Ai => None,
    }
}

/// The manifest names of the access levels a link may give, for messages.
pub(crate) fn access_names(rules: &LinkRules) -> String {
    rules.access.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
}

/// A link password: compared, never shown. `Debug` prints a placeholder.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Wraps a password read from the environment or the portal.
    pub fn new(text: &str) -> Password {
        Password(SecretString::from(text))
    }

    /// The password itself, for the one request that sends it and for hashing.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Password) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Password {}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Seconds since the Unix epoch, now: what a manifest's expiries are checked against.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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
    (crate::text::civil_from_days(days) == (year, month, day)).then_some(days)
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
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (year, month, day) = crate::text::civil_from_days(days);
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

/// A date as the API writes and takes it (`ApiDateTime`, in UTC):
/// `2025-03-06T11:31:16.0000000+00:00`.
pub(crate) fn api_date(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (year, month, day) = crate::text::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.0000000+00:00",
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
    fn a_password_never_shows_in_debug_output() {
        let password = Password::new("hunter2");
        assert!(!format!("{password:?}").contains("hunter2"));
        assert_eq!(password, Password::new("hunter2"));
        assert_ne!(password, Password::new("hunter3"));
    }

    #[test]
    fn only_custom_public_and_form_filling_rooms_have_external_links() {
        let with: Vec<RoomType> =
            RoomType::ALL.into_iter().filter(|t| rules(*t).is_some()).collect();
        assert_eq!(with, [RoomType::FormFilling, RoomType::Custom, RoomType::Public]);
        assert_eq!(rules(RoomType::FormFilling).unwrap().additional, 0);
    }
}
