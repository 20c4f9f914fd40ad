//! External links: the portal's rules for them and a password that never shows.
//!
//! The rules are the portal's own (`shared/docspace/ROOM-SETTINGS.md` §4.4: `FileSecurity`
//! link counts and `AvailableRoomAccesses`, `FileSharing` expiry rules); the manifest checks a
//! declaration with them, the planner a portal room, and the emulator imitates the portal with
//! them. Server facts cite `ONLYOFFICE/DocSpace-server` v3.7.2.

use crate::docspace::{Access, RoomType};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Longest link title a portal accepts (`RoomLinkRequest.Title`); longer is a 400.
pub(crate) const MAX_LINK_TITLE_UNITS: usize = 255;
/// Longest password a request may carry, before the portal trims it (`RoomLinkRequest.Password`,
/// `[StringLength(255)]`); longer is a 400 before anything else is checked.
pub(crate) const MAX_PASSWORD_REQUEST_UNITS: usize = 255;
/// How far ahead an expiry may lie (`FilesLinkUtility.MaxLinkLifeTimeInYears`); further is a 400.
pub(crate) const MAX_LINK_LIFE_YEARS: i64 = 10;

/// The latest expiry a portal accepts at `now`: `DateTime.UtcNow.AddYears(10)`
/// (`FileStorageService.SetExternalLinkAsync`, FileStorageService.cs L5759-5765).
pub(crate) fn latest_expiry(now: i64) -> i64 {
    crate::time::add_years(now, MAX_LINK_LIFE_YEARS)
}

/// Longest link password any portal accepts (`PasswordSettingsManager.MaxLength`).
pub(crate) const MAX_PASSWORD_CHARS: usize = 30;

/// The characters of a link password on a portal whose `web:password:ascii:cut` is set
/// (`AllowedCharactersRegexStr`); others allow printable ASCII without the space.
const CUT_ASCII: &str =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&()*+,.:;<>?@^_{}~";
/// The regex a cut portal reports as `allowedCharactersRegexStr`.
pub(crate) const CUT_ASCII_REGEX: &str = r##"[0-9a-zA-Z!"#$%&()*+,.:;<>?@^_{}~]"##;

/// The portal's password policy, which a link password must meet (`PasswordSettingsManager.
/// CheckPassword`, web/ASC.Web.Core/Utility/PasswordSettings.cs L128-175): printable ASCII
/// without spaces, `min_length` to 30 characters, and the classes the portal's settings
/// require (`GET /api/2.0/settings/security/password`). The defaults are a new portal's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordPolicy {
    /// The fewest characters (8 on a new portal).
    #[serde(default = "eight")]
    pub min_length: usize,
    /// At least one capital letter.
    #[serde(default)]
    pub upper_case: bool,
    /// At least one digit.
    #[serde(default)]
    pub digits: bool,
    /// At least one special character.
    #[serde(default)]
    pub spec_symbols: bool,
    /// `web:password:ascii:cut`: only digits, latin letters and ``!"#$%&()*+,.:;<>?@^_{}~``.
    #[serde(default)]
    pub ascii_cut: bool,
}

fn eight() -> usize {
    8
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: eight(),
            upper_case: false,
            digits: false,
            spec_symbols: false,
            ascii_cut: false,
        }
    }
}

impl PasswordPolicy {
    /// Whether the portal accepts `password` (already trimmed). Never says why: see [`Self::help`].
    pub(crate) fn allows(&self, password: &str) -> bool {
        let allowed = |c: char| {
            if self.ascii_cut { CUT_ASCII.contains(c) } else { ('\x21'..='\x7e').contains(&c) }
        };
        let special = |c: char| c.is_ascii_punctuation() && allowed(c);
        let length = password.encode_utf16().count();
        password.chars().all(allowed)
            && (self.min_length.max(1)..=MAX_PASSWORD_CHARS).contains(&length)
            && (!self.digits || password.chars().any(|c| c.is_ascii_digit()))
            && (!self.upper_case || password.chars().any(|c| c.is_ascii_uppercase()))
            && (!self.spec_symbols || password.chars().any(special))
    }

    /// The portal's own message for a password it refuses (`GetPasswordHelpMessage`,
    /// PasswordSettings.cs L177-202, Resource.resx L834-853).
    pub(crate) fn help(&self) -> String {
        let mut text = format!(
            "Password must contain from {} to {MAX_PASSWORD_CHARS} characters, only latin letters, no spaces",
            self.min_length
        );
        for (required, what) in [
            (self.upper_case, "capital letters"),
            (self.digits, "digits"),
            (self.spec_symbols, "special characters"),
        ] {
            if required {
                text.push_str(", ");
                text.push_str(what);
            }
        }
        text
    }
}
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

/// What the environment holds for a variable.
pub(crate) enum EnvValue {
    /// Not set.
    Unset,
    /// Set, but not UTF-8 text.
    NotText,
    /// Set.
    Text(String),
}

impl EnvValue {
    /// The process environment's value of `name`.
    pub(crate) fn of(name: &str) -> EnvValue {
        match std::env::var_os(name).map(std::ffi::OsString::into_string) {
            None => EnvValue::Unset,
            Some(Err(_)) => EnvValue::NotText,
            Some(Ok(text)) => EnvValue::Text(text),
        }
    }

    /// The password it holds, trimmed as the portal trims it (VirtualRoomsController.cs L610),
    /// or what is wrong with it, to follow the variable's name in a message.
    pub(crate) fn password(self) -> Result<Password, &'static str> {
        match self {
            EnvValue::Unset => Err("is not set"),
            EnvValue::NotText => Err("is not UTF-8 text"),
            EnvValue::Text(value) if value.trim().is_empty() => Err(
                "holds only whitespace, which the portal takes as no password; to remove the link's password, remove `password_env`",
            ),
            EnvValue::Text(value) => Ok(Password::new(value.trim())),
        }
    }
}

/// A link password: compared, never shown. `Debug` prints a placeholder.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Wraps a password read from the environment or the portal.
    pub(crate) fn new(text: &str) -> Password {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::new("hunter2");
        assert!(!format!("{password:?}").contains("hunter2"));
        assert_eq!(password, Password::new("hunter2"));
        assert_ne!(password, Password::new("hunter3"));
    }

    #[test]
    fn the_password_policy_is_the_portal_s() {
        let default = PasswordPolicy::default();
        for ok in ["abcdefgh", "Summer2026!", &"x".repeat(30), "~!@#$%^&*()_+{}|:<>?"] {
            assert!(default.allows(ok), "{ok}");
        }
        for bad in ["short", "with space", &"x".repeat(31), "pässwörter", "tab\there", ""] {
            assert!(!default.allows(bad), "{bad}");
        }
        let strict = PasswordPolicy {
            min_length: 10,
            upper_case: true,
            digits: true,
            spec_symbols: true,
            ascii_cut: false,
        };
        assert!(strict.allows("Summer2026!x"));
        assert!(
            !strict.allows("summer2026!x")
                && !strict.allows("Summer!!!!x")
                && !strict.allows("Summer2026xx")
        );
        assert_eq!(
            strict.help(),
            "Password must contain from 10 to 30 characters, only latin letters, no spaces, capital letters, digits, special characters"
        );
        let cut = PasswordPolicy { ascii_cut: true, ..PasswordPolicy::default() };
        assert!(cut.allows("a!b#c$d%e") && !cut.allows("a-b/c=d[e]"));
    }

    #[test]
    fn only_custom_public_and_form_filling_rooms_have_external_links() {
        let with: Vec<RoomType> =
            RoomType::ALL.into_iter().filter(|t| rules(*t).is_some()).collect();
        assert_eq!(with, [RoomType::FormFilling, RoomType::Custom, RoomType::Public]);
        assert_eq!(rules(RoomType::FormFilling).unwrap().additional, 0);
    }
}
