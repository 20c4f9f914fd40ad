//! A room's `links`: its external links as declared, checked against the room type's rules,
//! and their passwords, which a manifest only names (`password_env`) and `plan` and `apply`
//! read from the environment.

use super::raw::RawLink;
use super::report::{Report, line_of};
use super::spec::{LinkPassword, LinkSpec, Manifest};
use super::syntax::shorten;
use super::yaml_text::Text;
use crate::docspace::{Access, RoomType, utf16_len};
use crate::links::{self, MAX_EXPIRY_SECS, MAX_LINK_TITLE_UNITS, Password};
use serde::Serialize;
use serde_saphyr::Spanned;
use std::collections::HashMap;

/// One link as `export` writes it, keys in this order, defaults left out.
#[derive(Serialize)]
pub(super) struct LinkView<'a> {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    primary: bool,
    name: Text<'a>,
    access: Access,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password_env: Option<Text<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deny_download: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    internal: bool,
}

impl<'a> LinkView<'a> {
    pub(super) fn of(link: &'a LinkSpec, text: fn(&'a str) -> Text<'a>) -> LinkView<'a> {
        LinkView {
            primary: link.primary,
            name: text(&link.name),
            access: link.access,
            expires: link.expires.map(crate::time::format_expiry),
            password_env: link.password.as_ref().map(|p| text(&p.env)),
            deny_download: link.deny_download,
            internal: link.internal,
        }
    }
}

/// Checks a room's links against its type's rules (when the type is declared) and converts
/// them. `now` is the Unix time expiries are checked against.
pub(super) fn check_links(
    room_type: Option<RoomType>,
    raw: &[Spanned<RawLink>],
    list_line: usize,
    now: i64,
    report: &mut Report,
) -> Vec<LinkSpec> {
    let rules = room_type.and_then(links::rules);
    if let Some(room_type) = room_type
        && rules.is_none()
    {
        report.problem(
            list_line,
            format!("a `{room_type}` room has no external links; remove `links`"),
        );
        return Vec::new();
    }
    let mut specs = Vec::with_capacity(raw.len());
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut primary_line: Option<usize> = None;
    let mut additional = 0;
    for spanned in raw {
        let link = &spanned.value;
        let entry_line = line_of(spanned);
        let name = link.name.value.as_str();
        let primary = link.primary.as_ref().is_some_and(|p| p.value);
        check_name(&link.name, report);
        if let Some(first) = names.insert(name, entry_line) {
            report.problem(
                line_of(&link.name),
                format!("link `{}` is also declared at line {first}", shorten(name)),
            );
        }
        if primary {
            if let Some(first) = primary_line {
                report.problem(
                    entry_line,
                    format!("a room has one primary link; another is declared at line {first}"),
                );
            }
            primary_line = Some(entry_line);
        } else {
            additional += 1;
            if let (Some(rules), Some(room_type)) = (rules, room_type)
                && additional == rules.additional + 1
            {
                report.problem(
                    entry_line,
                    format!(
                        "a `{room_type}` room has at most {} link{} besides its primary one",
                        rules.additional,
                        crate::text::plural(rules.additional)
                    ),
                );
            }
        }
        let access = link.access.value;
        if let (Some(rules), Some(room_type)) = (rules, room_type)
            && !rules.access.contains(&access)
        {
            report.problem(
                line_of(&link.access),
                format!(
                    "a link in a `{room_type}` room cannot give `{access}`; allowed: {}",
                    links::access_names(&rules)
                ),
            );
        } else if rules.is_none() && matches!(access, Access::RoomManager | Access::ContentCreator)
        {
            report.problem(line_of(&link.access), format!("a link cannot give `{access}`"));
        }
        let expires = link.expires.as_ref().and_then(|expires| {
            let primary_rules = rules.zip(room_type).filter(|_| primary);
            check_expiry(expires, primary_rules, now, report)
        });
        if let Some(password) = &link.password {
            report.problem(
                line_of(password),
                "a link password is never written in the manifest: put it in an environment variable and name that with `password_env`".to_owned(),
            );
        }
        let password = link.password_env.as_ref().map(|env| {
            if !is_env_name(&env.value) {
                report.problem(
                    line_of(env),
                    format!(
                        "`password_env` `{}` is not an environment variable name",
                        shorten(&env.value)
                    ),
                );
            }
            LinkPassword { env: env.value.clone(), value: None }
        });
        specs.push(LinkSpec {
            name: name.to_owned(),
            primary,
            access,
            expires,
            password,
            deny_download: link.deny_download.as_ref().is_some_and(|d| d.value),
            internal: link.internal.as_ref().is_some_and(|i| i.value),
            line: entry_line,
        });
    }
    specs
}

fn check_name(name: &Spanned<String>, report: &mut Report) {
    if name.value.trim().is_empty() {
        report.problem(line_of(name), "empty link `name`".to_owned());
    } else if utf16_len(&name.value) > MAX_LINK_TITLE_UNITS {
        report.problem(
            line_of(name),
            format!(
                "link name `{}` is longer than the portal's {MAX_LINK_TITLE_UNITS} characters",
                shorten(&name.value)
            ),
        );
    }
}

/// The expiry as a Unix time, with its problems: unreadable, past, too far ahead, or on a
/// primary link that cannot expire (`primary` holds the rules of a primary link's room).
fn check_expiry(
    expires: &Spanned<String>,
    primary: Option<(links::LinkRules, RoomType)>,
    now: i64,
    report: &mut Report,
) -> Option<i64> {
    let expires_line = line_of(expires);
    let Some(unix) = crate::time::parse_expiry(&expires.value) else {
        report.problem(
            expires_line,
            format!(
                "`expires` `{}` is neither a date (`2027-03-31`) nor an RFC 3339 date-time",
                shorten(&expires.value)
            ),
        );
        return None;
    };
    if unix <= now {
        report.problem(
            expires_line,
            format!("`expires` `{}` is in the past; the portal would drop it", expires.value),
        );
    } else if unix - now > MAX_EXPIRY_SECS {
        report.problem(
            expires_line,
            format!("`expires` `{}` is more than 10 years ahead", expires.value),
        );
    }
    if let Some((rules, room_type)) = primary
        && !rules.primary_expires
    {
        report.problem(
            expires_line,
            format!("the primary link of a `{room_type}` room cannot expire"),
        );
    }
    Some(unix)
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Link passwords whose variables are not set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("link password variable{} not set: {}", crate::text::plural(.missing.len()), .missing.join(", "))]
pub(crate) struct MissingPasswords {
    /// `` `VAR` (room `Title`, link `Name`) `` for each.
    pub missing: Vec<String>,
}

/// Reads every declared link password from the environment (`lookup` is `std::env::var` but
/// for tests). All missing variables are reported at once; nothing is read from the portal
/// or sent to it before this succeeds.
pub(crate) fn read_passwords(
    manifest: &mut Manifest,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), MissingPasswords> {
    let mut missing = Vec::new();
    for room in &mut manifest.rooms {
        for link in room.links.iter_mut().flatten() {
            let Some(password) = &mut link.password else { continue };
            match lookup(&password.env) {
                Some(value) if !value.is_empty() => password.value = Some(Password::new(&value)),
                _ => missing.push(format!(
                    "`{}` (room `{}`, link `{}`)",
                    password.env, room.title, link.name
                )),
            }
        }
    }
    if missing.is_empty() { Ok(()) } else { Err(MissingPasswords { missing }) }
}

#[cfg(test)]
mod tests {
    use super::super::{LinksPolicy, ManifestError, parse};
    use super::*;
    use std::path::Path;

    const PRESS: &str = "rooms:\n  - title: Press Kit\n    type: public\n    links:\n";

    fn problems(yaml: &str) -> Vec<String> {
        match parse(Path::new("rooms.yaml"), yaml) {
            Err(err @ ManifestError::Invalid { .. }) => {
                err.to_string().lines().map(|l| l.trim().to_owned()).collect()
            }
            Err(other) => panic!("expected validation problems, got: {other}"),
            Ok(_) => panic!("expected validation problems, but the manifest is valid"),
        }
    }

    fn link(name: &str, extra: &str) -> String {
        format!("      - name: {name}\n        access: viewer\n{extra}")
    }

    #[test]
    fn a_declared_link_is_read_with_its_expiry_at_the_end_of_the_day() {
        let yaml = format!(
            "{PRESS}{}{}",
            link(
                "Press",
                "        expires: 2030-03-31\n        password_env: PRESS_PASSWORD\n        deny_download: true\n"
            ),
            "      - primary: true\n        name: Shared link\n        access: viewer\n"
        );
        let (manifest, _) = parse(Path::new("rooms.yaml"), &yaml).unwrap();
        let room = &manifest.rooms[0];
        assert_eq!(room.links_policy, LinksPolicy::Exact);
        let links = room.links.as_ref().unwrap();
        assert_eq!(links[0].expires.map(crate::time::format_expiry).as_deref(), Some("2030-03-31"));
        assert_eq!(links[0].password.as_ref().unwrap().env, "PRESS_PASSWORD");
        assert!(links[0].deny_download && !links[0].internal && !links[0].primary);
        assert!(links[1].primary);
        assert_eq!(links[1].line, 10);
    }

    #[test]
    fn links_on_a_type_without_them_are_refused() {
        let yaml = "rooms:\n  - title: Team\n    type: collaboration\n    links:\n      - name: A\n        access: viewer\n";
        assert_eq!(
            problems(yaml),
            ["rooms.yaml:5: a `collaboration` room has no external links; remove `links`"]
        );
    }

    #[test]
    fn more_links_than_the_type_allows_are_refused() {
        let six: String = (1..=6).map(|i| link(&format!("L{i}"), "")).collect();
        assert_eq!(
            problems(&format!("{PRESS}{six}")),
            ["rooms.yaml:15: a `public` room has at most 5 links besides its primary one"]
        );
        let forms = "rooms:\n  - title: Forms\n    type: form-filling\n    links:\n      - name: Extra\n        access: form-filler\n";
        assert_eq!(
            problems(forms),
            ["rooms.yaml:5: a `form-filling` room has at most 0 links besides its primary one"]
        );
    }

    #[test]
    fn an_access_the_type_does_not_allow_for_links_is_refused() {
        let yaml = "rooms:\n  - title: Forms\n    type: form-filling\n    links:\n      - primary: true\n        name: Fill\n        access: editor\n";
        assert_eq!(
            problems(yaml),
            [
                "rooms.yaml:7: a link in a `form-filling` room cannot give `editor`; allowed: `form-filler`, `viewer`"
            ]
        );
    }

    #[test]
    fn expiries_in_the_past_too_far_ahead_or_on_a_primary_that_cannot_expire_are_refused() {
        let yaml = format!(
            "{PRESS}{}{}{}",
            link("Old", "        expires: 2001-01-01\n"),
            link("Far", "        expires: 2099-01-01\n"),
            "      - primary: true\n        name: Shared link\n        access: viewer\n        expires: 2030-01-01T12:00:00Z\n"
        );
        assert_eq!(
            problems(&yaml),
            [
                "rooms.yaml:7: `expires` `2001-01-01` is in the past; the portal would drop it",
                "rooms.yaml:10: `expires` `2099-01-01` is more than 10 years ahead",
                "rooms.yaml:14: the primary link of a `public` room cannot expire",
            ]
        );
    }

    #[test]
    fn two_links_with_one_name_and_an_inline_password_are_refused() {
        let yaml =
            format!("{PRESS}{}{}", link("Press", ""), link("Press", "        password: hunter2\n"));
        assert_eq!(
            problems(&yaml),
            [
                "rooms.yaml:7: link `Press` is also declared at line 5",
                "rooms.yaml:9: a link password is never written in the manifest: put it in an environment variable and name that with `password_env`",
            ]
        );
        assert!(!problems(&yaml).concat().contains("hunter2"));
    }

    #[test]
    fn missing_password_variables_are_named_with_their_rooms_all_at_once() {
        let yaml = format!(
            "{PRESS}{}{}",
            link("A", "        password_env: A_PASSWORD\n"),
            link("B", "        password_env: B_PASSWORD\n")
        );
        let (mut manifest, _) = parse(Path::new("rooms.yaml"), &yaml).unwrap();
        let err = read_passwords(&mut manifest, &|name| {
            (name == "A_PASSWORD").then(|| "s3cret-pass".to_owned())
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "link password variable not set: `B_PASSWORD` (room `Press Kit`, link `B`)"
        );
        let links = manifest.rooms[0].links.as_ref().unwrap();
        assert_eq!(links[0].password.as_ref().unwrap().value, Some(Password::new("s3cret-pass")));
    }
}
