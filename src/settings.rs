//! Room settings as values: what a manifest declares, what a portal shows, and what a plan
//! changes (`shared/docspace/ROOM-SETTINGS.md` §2). One [`Settings`] type serves all three: a
//! field that is `None` is not declared (manifest), not observable (portal: a quota the portal
//! does not report, a colour hidden by a custom logo) or not changed (plan).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A room's storage quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quota {
    /// The portal's default room quota (`quota: -2`, `isCustomQuota: false`).
    Default,
    /// No limit (`quota: -1`).
    Unlimited,
    /// A limit in bytes; 0 is zero bytes, not unlimited.
    Bytes(u64),
}

impl Quota {
    /// The number the API takes: -2, -1 or the bytes.
    pub(crate) fn api_value(self) -> i64 {
        match self {
            Quota::Default => -2,
            Quota::Unlimited => -1,
            Quota::Bytes(bytes) => i64::try_from(bytes).unwrap_or(i64::MAX),
        }
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quota::Default => f.write_str("default"),
            Quota::Unlimited => f.write_str("unlimited"),
            Quota::Bytes(bytes) => f.write_str(&format_size(*bytes)),
        }
    }
}

/// Decimal and binary size units, largest first within each family.
const UNITS: [(&str, u64); 6] = [
    ("TiB", 1 << 40),
    ("TB", 1_000_000_000_000),
    ("GiB", 1 << 30),
    ("GB", 1_000_000_000),
    ("MiB", 1 << 20),
    ("MB", 1_000_000),
];

/// `10 GB`, `2 GiB`, `1.5 TB` or `1048577 bytes`: the largest unit that divides the size
/// exactly, otherwise the largest decimal unit not above it with a fraction (up to 3 digits).
pub(crate) fn format_size(bytes: u64) -> String {
    if let Some((unit, size)) =
        UNITS.iter().find(|(_, size)| bytes >= *size && bytes.is_multiple_of(*size))
    {
        return format!("{} {unit}", bytes / size);
    }
    let decimal = [("TB", 1_000_000_000_000_u64), ("GB", 1_000_000_000), ("MB", 1_000_000)];
    match decimal.iter().find(|(_, size)| bytes >= *size) {
        Some((unit, size)) => {
            let whole = bytes / size;
            let thousandths = (bytes % size) * 1000 / size;
            let fraction = format!("{thousandths:03}");
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() {
                // Less than a thousandth over a whole unit: exact bytes say more.
                format!("{bytes} bytes")
            } else {
                format!("{whole}.{fraction} {unit}")
            }
        }
        None if bytes == 1 => "1 byte".to_owned(),
        None => format!("{bytes} bytes"),
    }
}

/// Reads `500 MB`, `2 GiB`, `1.5 TB` or `1048576` (bytes); units are case-sensitive as written
/// in the manifest documentation, with or without a space. `Err` says what is wrong.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.starts_with('-') {
        return Err(format!(
            "`{text}` is negative; a size is 0 or more (write `unlimited` for no limit)"
        ));
    }
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = (text[..split].trim(), text[split..].trim());
    let multiplier = match unit {
        "" | "B" | "bytes" => 1,
        unit => UNITS.iter().find(|(name, _)| *name == unit).map(|(_, size)| *size).ok_or_else(
            || format!("unknown size unit `{unit}`; use MB, GB, TB, MiB, GiB or TiB"),
        )?,
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    if number.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 12 {
        return Err(format!(
            "`{text}` is not a size such as `500 MB`, `2 GiB` or a number of bytes"
        ));
    }
    let too_large = || format!("`{text}` is too large");
    let value = |part: &str| {
        if part.is_empty() { Ok(0) } else { part.parse::<u128>().map_err(|_| too_large()) }
    };
    let scale = 10_u128.pow(u32::try_from(fraction.len()).unwrap_or(0));
    let scaled = value(whole)?
        .checked_mul(scale)
        .and_then(|w| w.checked_add(value(fraction).ok()?))
        .and_then(|n| n.checked_mul(u128::from(multiplier)))
        .ok_or_else(too_large)?;
    if scaled % scale != 0 {
        return Err(format!("`{text}` is not a whole number of bytes"));
    }
    u64::try_from(scaled / scale).ok().filter(|b| i64::try_from(*b).is_ok()).ok_or_else(too_large)
}

/// What a watermark shows besides its text (`WatermarkAdditions` flags).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum WatermarkItem {
    /// The viewer's name (1).
    UserName,
    /// The viewer's email (2).
    UserEmail,
    /// The viewer's IP address (4).
    IpAddress,
    /// The current date (8).
    Date,
    /// The room's name (16).
    RoomName,
}

impl WatermarkItem {
    /// Every item, in flag order.
    pub(crate) const ALL: [WatermarkItem; 5] = [
        WatermarkItem::UserName,
        WatermarkItem::UserEmail,
        WatermarkItem::IpAddress,
        WatermarkItem::Date,
        WatermarkItem::RoomName,
    ];

    /// The flag the API uses.
    pub(crate) fn flag(self) -> i64 {
        match self {
            WatermarkItem::UserName => 1,
            WatermarkItem::UserEmail => 2,
            WatermarkItem::IpAddress => 4,
            WatermarkItem::Date => 8,
            WatermarkItem::RoomName => 16,
        }
    }

    /// The manifest's name.
    pub(crate) fn manifest_name(self) -> &'static str {
        match self {
            WatermarkItem::UserName => "user-name",
            WatermarkItem::UserEmail => "user-email",
            WatermarkItem::IpAddress => "ip-address",
            WatermarkItem::Date => "date",
            WatermarkItem::RoomName => "room-name",
        }
    }

    fn words(self) -> &'static str {
        match self {
            WatermarkItem::UserName => "user name",
            WatermarkItem::UserEmail => "user email",
            WatermarkItem::IpAddress => "IP address",
            WatermarkItem::Date => "date",
            WatermarkItem::RoomName => "room name",
        }
    }
}

/// A text watermark (image watermarks are not managed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    /// The text; empty for none (the portal omits it then).
    pub text: String,
    /// What it shows besides the text, in flag order, without repeats.
    pub show: Vec<WatermarkItem>,
    /// Rotation in degrees.
    pub rotate: i64,
}

impl Watermark {
    /// The `additions` flags.
    pub(crate) fn additions(&self) -> i64 {
        self.show.iter().fold(0, |all, item| all | item.flag())
    }

    /// The items of `additions` flags; unknown bits are dropped.
    pub(crate) fn items_of(additions: i64) -> Vec<WatermarkItem> {
        WatermarkItem::ALL.into_iter().filter(|item| additions & item.flag() != 0).collect()
    }
}

impl fmt::Display for Watermark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<&str> = self.show.iter().map(|item| item.words()).collect();
        let items = match items.as_slice() {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        };
        match (self.text.is_empty(), items.is_empty()) {
            (false, false) => write!(f, "{} with {items}", crate::text::quoted(&self.text))?,
            (false, true) => f.write_str(&crate::text::quoted(&self.text))?,
            (true, false) => f.write_str(&items)?,
            (true, true) => f.write_str("an empty watermark")?,
        }
        if self.rotate != 0 {
            write!(f, ", rotated {}°", self.rotate)?;
        }
        Ok(())
    }
}

/// The unit of a lifetime (`RoomDataLifetimePeriod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Days (0).
    Days,
    /// Months (1).
    Months,
    /// Years (2).
    Years,
}

impl Period {
    /// The integer the API takes.
    pub(crate) fn code(self) -> i64 {
        match self {
            Period::Days => 0,
            Period::Months => 1,
            Period::Years => 2,
        }
    }

    /// The period of an API integer.
    pub(crate) fn from_code(code: i64) -> Option<Period> {
        [Period::Days, Period::Months, Period::Years].into_iter().find(|p| p.code() == code)
    }

    /// The fewest and the most days one unit spans: the portal counts calendar months and
    /// years back from now (`RoomDataLifetime.cs` L69-89), so their length depends on the date.
    fn days(self) -> (u32, u32) {
        match self {
            Period::Days => (1, 1),
            Period::Months => (28, 31),
            Period::Years => (365, 366),
        }
    }

    fn name(self, value: u16) -> &'static str {
        match (self, value) {
            (Period::Days, 1) => "day",
            (Period::Days, _) => "days",
            (Period::Months, 1) => "month",
            (Period::Months, _) => "months",
            (Period::Years, 1) => "year",
            (Period::Years, _) => "years",
        }
    }
}

/// How old files may get in a room before the portal removes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifetime {
    /// How many periods (1 to 999).
    pub value: u16,
    /// The unit.
    pub period: Period,
    /// Delete permanently instead of moving to the trash.
    pub delete_permanently: bool,
}

impl Lifetime {
    /// `90 days`, as the manifest writes it.
    pub(crate) fn older_than(self) -> String {
        format!("{} {}", self.value, self.period.name(self.value))
    }

    /// Whether, on some date, this lifetime removes a file that `other` keeps: the same unit
    /// with a smaller number, or another unit whose shortest span is below `other`'s longest
    /// (`90 days` after `3 months`, which spans up to 93 days; `12 months` after `1 year`).
    pub(crate) fn may_be_shorter_than(self, other: Lifetime) -> bool {
        if self.period == other.period {
            return self.value < other.value;
        }
        let fewest = u32::from(self.value) * self.period.days().0;
        let most = u32::from(other.value) * other.period.days().1;
        fewest < most
    }
}

impl fmt::Display for Lifetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action =
            if self.delete_permanently { "are deleted permanently" } else { "go to the trash" };
        write!(f, "files older than {} {action}", self.older_than())
    }
}

/// A setting that may be switched off as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Switch<T> {
    /// Not set (the portal omits it).
    Off,
    /// Set to this.
    On(T),
}

impl<T> Switch<T> {
    /// The value when on.
    pub(crate) fn on(&self) -> Option<&T> {
        match self {
            Switch::Off => None,
            Switch::On(value) => Some(value),
        }
    }
}

/// A logo colour, compared, shown and serialized as its text (six upper-case hex digits from a
/// manifest). Every portal room has one: six hex digits are held inline rather than in a
/// `String` of their own, anything else a portal may show is kept as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Color(ColorText);

/// Which text a [`Color`] holds; six hex digits are always `Hex`, so equal texts are equal.
#[derive(Clone, PartialEq, Eq)]
enum ColorText {
    Hex([u8; 6]),
    #[expect(clippy::box_collection, reason = "one pointer keeps `Option<Color>` at 16 bytes")]
    Other(Box<String>),
}

impl Color {
    fn hex(text: &str) -> Option<ColorText> {
        let digits = <[u8; 6]>::try_from(text.as_bytes()).ok()?;
        digits.iter().all(u8::is_ascii_hexdigit).then_some(ColorText::Hex(digits))
    }
}

impl From<String> for Color {
    fn from(text: String) -> Self {
        Color(Color::hex(&text).unwrap_or_else(|| ColorText::Other(Box::new(text))))
    }
}

impl From<&str> for Color {
    fn from(text: &str) -> Self {
        Color(Color::hex(text).unwrap_or_else(|| ColorText::Other(Box::new(text.to_owned()))))
    }
}

impl std::ops::Deref for Color {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            // ASCII hex digits are always UTF-8.
            ColorText::Hex(digits) => std::str::from_utf8(digits).unwrap_or_default(),
            ColorText::Other(text) => text,
        }
    }
}

impl fmt::Debug for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl Serialize for Color {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Color::from)
    }
}

/// A room's settings; see the module documentation for what `None` means.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Storage quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    /// "Restrict copy and download".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny_download: Option<bool>,
    /// Numbered contents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexing: Option<bool>,
    /// The logo colour, six upper-case hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
    /// The cover id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<Switch<String>>,
    /// The watermark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<Switch<Watermark>>,
    /// The file lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<Switch<Lifetime>>,
}

impl Settings {
    /// Whether no setting is given.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Settings::default()
    }

    /// Whether a watermark, a lifetime, `deny_download` or `indexing` is given: settings the
    /// portal's web interface shows only for virtual data rooms.
    pub(crate) fn has_data_room_settings(&self) -> bool {
        self.watermark.is_some()
            || self.lifetime.is_some()
            || self.deny_download.is_some()
            || self.indexing.is_some()
    }

    /// Whether changing a room that holds files from these settings to `after` removes files
    /// it keeps now: a lifetime that deletes permanently, one that may be shorter than the
    /// room's, or any lifetime on a room without one (no lifetime keeps files forever; the
    /// portal trashes every older file about 6 h after the write, `CleanupLifetimeExpiredService.cs`) or whose
    /// lifetime is not known. A room the plan creates holds no files: the plan asks
    /// [`Settings::removes_files`] only of rooms that exist.
    pub(crate) fn removes_files(&self, after: &Settings) -> bool {
        let Some(Switch::On(new)) = &after.lifetime else { return false };
        let keeps_more = match &self.lifetime {
            Some(Switch::On(old)) => new.may_be_shorter_than(*old),
            Some(Switch::Off) | None => true,
        };
        new.delete_permanently || keeps_more
    }

    /// The settings as plans show them, one `name value` per given field, in a fixed order.
    pub(crate) fn describe(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(quota) = self.quota {
            out.push(("quota", quota.to_string()));
        }
        if let Some(deny) = self.deny_download {
            out.push(("deny_download", deny.to_string()));
        }
        if let Some(indexing) = self.indexing {
            out.push(("indexing", indexing.to_string()));
        }
        if let Some(color) = &self.color {
            out.push(("color", crate::text::escape(color)));
        }
        if let Some(cover) = &self.cover {
            out.push(("cover", cover.on().map_or("none".to_owned(), |c| crate::text::escape(c))));
        }
        if let Some(watermark) = &self.watermark {
            out.push(("watermark", watermark.on().map_or("none".to_owned(), ToString::to_string)));
        }
        if let Some(lifetime) = &self.lifetime {
            out.push(("lifetime", lifetime.on().map_or("none".to_owned(), ToString::to_string)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_show_in_the_largest_unit_that_divides_them() {
        assert_eq!(format_size(10_000_000_000), "10 GB");
        assert_eq!(format_size(2_147_483_648), "2 GiB");
        assert_eq!(format_size(1_500_000_000_000), "1500 GB");
        assert_eq!(format_size(1_500_000_000_001), "1.5 TB");
        assert_eq!(format_size(524_288_000), "500 MiB");
        assert_eq!(format_size(1_234_567), "1.234 MB");
        assert_eq!(format_size(1_000_001), "1000001 bytes");
        assert_eq!(format_size(0), "0 bytes");
        assert_eq!(format_size(1), "1 byte");
    }

    #[test]
    fn sizes_read_decimal_and_binary_units() {
        assert_eq!(parse_size("10 GB"), Ok(10_000_000_000));
        assert_eq!(parse_size("2 GiB"), Ok(2_147_483_648));
        assert_eq!(parse_size("1.5 TB"), Ok(1_500_000_000_000));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("1048576"), Ok(1_048_576));
        for bad in ["10 gb", "ten GB", "1.5", "0.5 B", "", "1.2.3 GB", "99999999999 TiB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        for bytes in [10_000_000_000, 2_147_483_648, 1_500_000_000_000, 123] {
            let shown = format_size(bytes);
            assert_eq!(parse_size(shown.trim_end_matches(" bytes")), Ok(bytes), "{shown}");
        }
    }

    #[test]
    fn a_colour_behaves_as_its_text() {
        for text in ["4C9AFF", "4c9aff", "ZZZZZZ", "#FF5733", "", "+12345", "ÄBC"] {
            let color = Color::from(text);
            assert_eq!(&*color, text);
            assert_eq!(color, Color::from(text.to_owned()));
            assert_eq!(color.to_string(), text);
            assert_eq!(format!("{color:?}"), format!("{text:?}"));
            let json = serde_json::to_string(&color).unwrap();
            assert_eq!(json, serde_json::to_string(text).unwrap());
            assert_eq!(serde_json::from_str::<Color>(&json).unwrap(), color);
        }
        assert_ne!(Color::from("4C9AFF"), Color::from("4c9aff"));
        assert!(matches!(Color::from("4C9AFF").0, ColorText::Hex(_)));
        assert!(matches!(Color::from("+12345").0, ColorText::Other(_)));
    }

    #[test]
    fn plans_show_settings_in_words() {
        let watermark = Watermark {
            text: "Confidential".into(),
            show: vec![WatermarkItem::UserName, WatermarkItem::Date],
            rotate: -45,
        };
        assert_eq!(watermark.to_string(), "\"Confidential\" with user name and date, rotated -45°");
        assert_eq!(watermark.additions(), 9);
        assert_eq!(Watermark::items_of(9), watermark.show);
        let lifetime = Lifetime { value: 90, period: Period::Days, delete_permanently: false };
        assert_eq!(lifetime.to_string(), "files older than 90 days go to the trash");
        assert_eq!(Quota::Default.to_string(), "default");
        assert_eq!(Quota::Bytes(10_000_000_000).to_string(), "10 GB");
    }
}
