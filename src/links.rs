//! External links: the portal's rules for them and a password that never shows.
//!
//! The rules are the portal's own (`shared/docspace/ROOM-SETTINGS.md` §4.4: `FileSecurity`
//! link counts and `AvailableRoomAccesses`, `FileSharing` expiry rules); the manifest checks a
//! declaration with them, the planner a portal room, and the emulator imitates the portal with
//! them. Their dates are `crate::time`'s, re-exported here for the callers that name them
//! through links.

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
    fn only_custom_public_and_form_filling_rooms_have_external_links() {
        let with: Vec<RoomType> =
            RoomType::ALL.into_iter().filter(|t| rules(*t).is_some()).collect();
        assert_eq!(with, [RoomType::FormFilling, RoomType::Custom, RoomType::Public]);
        assert_eq!(rules(RoomType::FormFilling).unwrap().additional, 0);
    }
}
