//! Facts about the DocSpace platform that both sides of the wire rely on.
//!
//! These are the portal's own rules (see `shared/docspace/API-NOTES.md`): the numeric enums, the
//! limits and the way a portal rewrites a title when it stores it. The client predicts the portal
//! with them and the emulator imitates it with them; the emulator's contract tests pin the
//! observed values literally, so a mistake here cannot hide on both sides at once.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Longest title a portal accepts, in UTF-16 code units (`[StringLength(170)]`); longer is a 400.
pub(crate) const MAX_TITLE_UNITS: usize = 170;

/// The longest folder title the portal takes (`[StringLength(165)]`, not 170 as for rooms).
pub(crate) const MAX_FOLDER_TITLE_UNITS: usize = 165;
/// Longest tag a portal accepts; longer is a 400.
pub(crate) const MAX_TAG_UNITS: usize = 255;
/// Largest page the portal serves (`ApiContext.MaxCount`).
pub const MAX_PAGE_SIZE: usize = 100;
/// `rootFolderType` of a room in the Rooms section.
pub(crate) const FOLDER_TYPE_ROOMS: i64 = 14;
/// `rootFolderType` of an archived room.
pub(crate) const FOLDER_TYPE_ARCHIVE: i64 = 20;
/// Concurrent non-GET requests a portal's limiter allows per user.
pub const MAX_CONCURRENT_WRITES: usize = 15;
/// Concurrent GET requests a portal's limiter allows per user.
pub const MAX_CONCURRENT_READS: usize = 50;
/// Requests a cloud portal admits per user in a sliding minute: `SlidingWindowLimit` 1,500
/// (`common/ASC.Common/Utils/RateLimiterSettings.cs` L38); the window is fixed at one minute
/// (`common/ASC.Api.Core/Core/BaseStartup.cs` L247). A refusal says the limit, not the window.
pub(crate) const WINDOW_LIMIT: RateLimit =
    RateLimit { limit: 1_500, window: Duration::from_secs(60) };
/// POST and PUT requests a cloud portal admits per user in a fixed window of a day that starts
/// at the first one after the last window ended (`DailyWriteLimit`, BaseStartup.cs L278-302;
/// `RedisFixedWindowManager`); DELETE is not counted.
pub const DAILY_WRITE_LIMIT: RateLimit =
    RateLimit { limit: 10_000, window: Duration::from_secs(86_400) };

/// `limit` requests per `window`, written `1500/60s` (the window in `ms`, `s`, `m`, `h` or `d`;
/// a bare number is seconds). Parsed, it is at most [`RateLimit::MAX_LIMIT`] requests per a day
/// at most: no DocSpace limiter names more, and nothing downstream overflows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// How many requests.
    pub limit: u32,
    /// In how long.
    pub window: Duration,
}

impl RateLimit {
    /// The most requests a written rate may name.
    pub(crate) const MAX_LIMIT: u32 = 1_000_000;
    /// The longest window a written rate may name: a day, a DocSpace limiter's longest.
    pub(crate) const MAX_WINDOW: Duration = Duration::from_secs(86_400);
}

impl std::str::FromStr for RateLimit {
    type Err = String;

    fn from_str(text: &str) -> Result<RateLimit, String> {
        let wrong = || format!("`{text}` is not a rate like `1500/60s` (requests per window)");
        let (limit, window) = text.trim().split_once('/').ok_or_else(wrong)?;
        let limit: u32 = limit.trim().parse().map_err(|_| wrong())?;
        let window = window.trim();
        let digits = window.find(|c: char| !c.is_ascii_digit()).unwrap_or(window.len());
        let (number, unit) = window.split_at(digits);
        let number: u64 = number.parse().map_err(|_| wrong())?;
        let window = match unit {
            "ms" => Duration::from_millis(number),
            "" | "s" => Duration::from_secs(number),
            "m" => Duration::from_secs(number.saturating_mul(60)),
            "h" => Duration::from_secs(number.saturating_mul(3_600)),
            "d" => Duration::from_secs(number.saturating_mul(86_400)),
            _ => return Err(wrong()),
        };
        if limit == 0 || window.is_zero() {
            return Err(format!(
                "`{text}`: both the number of requests and the window must be above zero"
            ));
        }
        if limit > RateLimit::MAX_LIMIT {
            return Err(format!("`{text}`: at most {} requests per window", RateLimit::MAX_LIMIT));
        }
        if window > RateLimit::MAX_WINDOW {
            return Err(format!("`{text}`: the window may be a day at most"));
        }
        Ok(RateLimit { limit, window })
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let window = self.window;
        if window.subsec_nanos() != 0 {
            write!(f, "{}/{}ms", self.limit, window.as_millis())
        } else {
            write!(f, "{}/{}s", self.limit, window.as_secs())
        }
    }
}

/// A room's type: `RoomType` in the server, fixed when the room is created.
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
pub enum RoomType {
    /// Form-filling room (`roomType` 1).
    FormFilling,
    /// Collaboration room (2).
    Collaboration,
    /// Custom room (5).
    Custom,
    /// Public room (6).
    Public,
    /// Virtual data room (8).
    VirtualData,
    /// AI room (9).
    Ai,
}

impl RoomType {
    /// Every room type, in manifest order.
    pub const ALL: [RoomType; 6] = [
        RoomType::FormFilling,
        RoomType::Collaboration,
        RoomType::Custom,
        RoomType::Public,
        RoomType::VirtualData,
        RoomType::Ai,
    ];

    /// The integer the API sends and accepts.
    pub(crate) fn code(self) -> i64 {
        match self {
            RoomType::FormFilling => 1,
            RoomType::Collaboration => 2,
            RoomType::Custom => 5,
            RoomType::Public => 6,
            RoomType::VirtualData => 8,
            RoomType::Ai => 9,
        }
    }

    pub(crate) fn from_code(code: i64) -> Option<RoomType> {
        RoomType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The server's enum name, which the API also accepts as input.
    pub(crate) fn api_name(self) -> &'static str {
        match self {
            RoomType::FormFilling => "FillingFormsRoom",
            RoomType::Collaboration => "EditingRoom",
            RoomType::Custom => "CustomRoom",
            RoomType::Public => "PublicRoom",
            RoomType::VirtualData => "VirtualDataRoom",
            RoomType::Ai => "AiRoom",
        }
    }

    /// The manifest's name for the type.
    pub fn manifest_name(self) -> &'static str {
        match self {
            RoomType::FormFilling => "form-filling",
            RoomType::Collaboration => "collaboration",
            RoomType::Custom => "custom",
            RoomType::Public => "public",
            RoomType::VirtualData => "virtual-data",
            RoomType::Ai => "ai",
        }
    }

    /// Access levels a user may hold in a room of this type (`FileSecurity.AvailableRoomAccesses`);
    /// groups get the same set without [`Access::RoomManager`].
    pub(crate) fn allowed_access(self) -> &'static [Access] {
        use Access::{
            Commenter, ContentCreator, Editor, FormFiller, Reviewer, RoomManager, Viewer,
        };
        match self {
            RoomType::Custom => &[RoomManager, ContentCreator, Editor, Reviewer, Commenter, Viewer],
            RoomType::Public => &[RoomManager, ContentCreator],
            RoomType::FormFilling => &[RoomManager, ContentCreator, FormFiller],
            RoomType::Collaboration => &[RoomManager, ContentCreator, Editor, Viewer],
            RoomType::VirtualData => &[RoomManager, ContentCreator, Editor, Viewer, FormFiller],
            RoomType::Ai => &[RoomManager, ContentCreator, Viewer],
        }
    }
}

impl std::fmt::Display for RoomType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.manifest_name())
    }
}

/// A member's access level in a room (`FileShare` in the server, without `None`).
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
pub enum Access {
    /// Room manager (`share` 9).
    RoomManager,
    /// Content creator (11).
    ContentCreator,
    /// Editor (1).
    Editor,
    /// Viewer (2).
    Viewer,
    /// Reviewer (5).
    Reviewer,
    /// Commenter (6).
    Commenter,
    /// Form filler (7).
    FormFiller,
}

impl Access {
    /// Every access level the manifest can name.
    pub(crate) const ALL: [Access; 7] = [
        Access::RoomManager,
        Access::ContentCreator,
        Access::Editor,
        Access::Viewer,
        Access::Reviewer,
        Access::Commenter,
        Access::FormFiller,
    ];

    /// The integer the API sends and accepts (`FileShare`).
    pub fn code(self) -> i64 {
        match self {
            Access::RoomManager => 9,
            Access::ContentCreator => 11,
            Access::Editor => 10,
            Access::Viewer => 2,
            Access::Reviewer => 5,
            Access::Commenter => 6,
            Access::FormFiller => 7,
        }
    }

    pub(crate) fn from_code(code: i64) -> Option<Access> {
        Access::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The name the manifest uses for this access level.
    pub(crate) fn manifest_name(self) -> &'static str {
        match self {
            Access::RoomManager => "room-manager",
            Access::ContentCreator => "content-creator",
            Access::Editor => "editor",
            Access::Viewer => "viewer",
            Access::Reviewer => "reviewer",
            Access::Commenter => "commenter",
            Access::FormFiller => "form-filler",
        }
    }
}

/// The server's name for a `FileShare` code (`FileShare.cs`, `shared/docspace/API-NOTES.md`
/// §5.1), including the levels a manifest cannot hold: `None`, the owner's `ReadWrite`, and the
/// legacy `Restrict`, `Varies` and `CustomFilter`. `None` for a code newer than this version.
pub(crate) fn file_share_name(code: i64) -> Option<&'static str> {
    const NAMES: [&str; 12] = [
        "None",
        "ReadWrite",
        "Read",
        "Restrict",
        "Varies",
        "Review",
        "Comment",
        "FillForms",
        "CustomFilter",
        "RoomManager",
        "Editing",
        "ContentCreator",
    ];
    usize::try_from(code).ok().and_then(|index| NAMES.get(index)).copied()
}

impl std::fmt::Display for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.manifest_name())
    }
}

/// The access a link gives, as the manifest names it when it can.
pub(crate) fn access_name(code: i64) -> String {
    match Access::from_code(code) {
        Some(access) => access.to_string(),
        None => file_share_name(code).map_or_else(|| format!("access {code}"), str::to_owned),
    }
}

/// Length as the server counts it: UTF-16 code units (.NET `string.Length`).
pub(crate) fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The title a portal stores for `title` (`Global.ReplaceInvalidCharsAndTruncate`): trimmed, and
/// each of `\t * + : " < > ? | \ /` and each UTF-16 surrogate unit replaced by `_`, so a character
/// outside the Basic Multilingual Plane (an emoji) becomes `__`.
pub fn stored_title(title: &str) -> String {
    let mut stored = String::with_capacity(title.len());
    for ch in title.trim().chars() {
        match ch {
            '\t' | '*' | '+' | ':' | '"' | '<' | '>' | '?' | '|' | '\\' | '/' => stored.push('_'),
            c if c.len_utf16() == 2 => stored.push_str("__"),
            c => stored.push(c),
        }
    }
    stored
}

/// Tag comparison as the portal's case-insensitive tag catalog does it.
pub fn tag_key(tag: &str) -> String {
    tag.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_requests_per_window_and_shows_as_it_is_written() {
        let rate: RateLimit = "1500/60s".parse().unwrap();
        assert_eq!(rate, WINDOW_LIMIT);
        assert_eq!(rate.to_string(), "1500/60s");
        assert_eq!("10000/1d".parse::<RateLimit>(), Ok(DAILY_WRITE_LIMIT));
        assert_eq!("150/6".parse::<RateLimit>().unwrap().window, Duration::from_secs(6));
        assert_eq!("5/1m".parse::<RateLimit>().unwrap().window, Duration::from_secs(60));
        let fast: RateLimit = "25/500ms".parse().unwrap();
        assert_eq!(
            (fast.window, fast.to_string()),
            (Duration::from_millis(500), "25/500ms".into())
        );
        assert_eq!("1000000/86400s".parse::<RateLimit>().unwrap().limit, RateLimit::MAX_LIMIT);
        for wrong in [
            "1500",
            "1500/",
            "/60s",
            "x/60s",
            "1500/60y",
            "0/60s",
            "10/0s",
            "-1/60s",
            "1000001/1s",
            "10/86401s",
            "10/2d",
            "10/18446744073709551615s",
            "10/99999999999999999d",
        ] {
            assert!(wrong.parse::<RateLimit>().is_err(), "{wrong}");
        }
    }
}
