//! A room's `links`: its external links as declared, checked against the room type's rules,
//! and their passwords, which a manifest only names (`password_env`) and `plan` and `apply`
//! read from the environment.

use super::raw::RawLink;
use super::report::{Report, line_of};
use super::spec::{LinkPassword, LinkSpec, Manifest};
use super::syntax::shorten;
use super::yaml_text::Text;
use crate::docspace::{Access, RoomType, utf16_len};
use crate::links::{self, EnvValue, MAX_LINK_TITLE_UNITS, Password};
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
        let password = link.password_env.as_ref().map(|env| password_env(env, report));
        let internal = link.internal.as_ref().is_some_and(|i| i.value);
        if let (true, Some(room_type)) = (internal, room_type) {
            check_internal(room_type, line_of(link.internal.as_ref().expect("set")), report);
        }
        specs.push(LinkSpec {
            name: name.to_owned(),
            primary,
            access,
            expires,
            password,
            deny_download: link.deny_download.as_ref().is_some_and(|d| d.value),
            internal,
            line: entry_line,
        });
    }
    specs
}

fn password_env(env: &Spanned<String>, report: &mut Report) -> LinkPassword {
    if !is_env_name(&env.value) {
        report.problem(
            line_of(env),
            format!("`password_env` `{}` is not an environment variable name", shorten(&env.value)),
        );
    }
    LinkPassword { env: env.value.clone(), line: line_of(env), value: None }
}

fn check_name(name: &Spanned<String>, report: &mut Report) {
    if name.value.trim().is_empty() {
        report.problem(line_of(name), "empty link `name`".to_owned());
    } else if let Some(c) = name.value.chars().find(|c| c.is_control()) {
        report.problem(
            line_of(name),
            format!(
                "link name `{}` contains the control character U+{:04X}",
                shorten(&name.value),
                c as u32
            ),
        );
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
        // A manifest valid when merged must not break the day its link expires: only a plan
        // that would create or change the link with this date refuses it.
        report.warn(
            expires_line,
            format!(
                "`expires` `{}` has passed: the link expired; `plan` refuses to create or change it with this date",
                expires.value
            ),
        );
    } else if unix > links::latest_expiry(now) {
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

/// `internal: true` where the room type fixes it: a public room's links are never internal, and
/// a portal skips such an update silently (FileSharing.cs L204-209), so it is refused here.
pub(crate) fn internal_problem(room_type: RoomType) -> Option<String> {
    (room_type == RoomType::Public).then(|| {
        "a link in a `public` room cannot be `internal`: anyone with the link opens it, and the portal silently ignores the change".to_owned()
    })
}

fn check_internal(room_type: RoomType, line: usize, report: &mut Report) {
    if let Some(problem) = internal_problem(room_type) {
        report.problem(line, problem);
    }
}

/// The variables `password_env` may name when `password_env_allow` adds nothing: the names
/// `export` writes.
pub(crate) const DEFAULT_PASSWORD_ENV: &str = "LINK_PASSWORD_*";
/// Variables never read as a link password, whatever `password_env_allow` says, in any case:
/// the tool's own (the API token and the plan key) and those CI systems keep their secrets and
/// job tokens in (GitHub's `GITHUB_TOKEN`, `ACTIONS_RUNTIME_TOKEN`; GitLab's `CI_JOB_TOKEN`,
/// `CI_REGISTRY_PASSWORD`; a deploy job's `*_TOKEN`), as `*` patterns.
const RESERVED_ENV: [&str; 6] =
    ["DOCSPACE_*", "GITHUB_*", "ACTIONS_*", "CI_*", "GITLAB_*", "*_TOKEN"];

/// Why no link password is ever read from `pattern`'s variables: the reserved family every
/// name it matches belongs to (a name is a pattern matching itself), in any case.
fn reserved(pattern: &str) -> Option<&'static str> {
    let fits =
        |part: Option<&str>, fixed: &str| part.is_some_and(|p| p.eq_ignore_ascii_case(fixed));
    RESERVED_ENV.into_iter().find(|family| {
        match (family.strip_suffix('*'), family.strip_prefix('*')) {
            (Some(prefix), _) => fits(pattern.get(..prefix.len()), prefix),
            (_, Some(suffix)) => fits(
                pattern.len().checked_sub(suffix.len()).and_then(|at| pattern.get(at..)),
                suffix,
            ),
            _ => false,
        }
    })
}

/// What [`read_password`] says of a reserved variable.
const RESERVED_REFUSAL: &str = "is reserved (`DOCSPACE_*`, `GITHUB_*`, `ACTIONS_*`, `CI_*`, `GITLAB_*` and `*_TOKEN` variables are never read as link passwords)";

/// Checks `password_env_allow` and that every `password_env` is a name it (or the default)
/// allows, and never a reserved variable ([`RESERVED_ENV`]): a manifest change cannot publish
/// the API token or a CI system's secret as a link password. An allow-list entry whose every
/// name is reserved is refused too; one that merely could match one (`*_PASSWORD`) is not, as
/// the names themselves are checked.
pub(super) fn check_password_variables(
    allow: &[Spanned<String>],
    rooms: &[super::spec::RoomSpec],
    report: &mut Report,
) {
    let mut patterns = vec![super::glob::Pattern::new(DEFAULT_PASSWORD_ENV)];
    for pattern in allow {
        let text = &pattern.value;
        let literal = text.chars().filter(|c| !matches!(c, '*' | '?')).count();
        let problem = if !text.chars().all(|c| c.is_ascii_alphanumeric() || "_*?".contains(c)) {
            Some(format!(
                "`password_env_allow` `{}` is not a variable name or pattern (letters, digits, `_`, `*`, `?`)",
                shorten(text)
            ))
        } else if let Some(family) = reserved(text) {
            Some(format!(
                "`password_env_allow` `{}`: `{family}` variables are never link passwords",
                shorten(text)
            ))
        } else if literal < 3 {
            Some(format!(
                "`password_env_allow` `{}` allows almost any variable; name a prefix or suffix, such as `PRESS_*`",
                shorten(text)
            ))
        } else {
            None
        };
        match problem {
            Some(problem) => report.problem(line_of(pattern), problem),
            None => patterns.push(super::glob::Pattern::new(text)),
        }
    }
    let links = rooms.iter().flat_map(|room| room.links.iter().flatten());
    for password in links.filter_map(|link| link.password.as_ref()) {
        let env = &password.env;
        if let Some(family) = reserved(env) {
            report.problem(
                password.line,
                format!(
                    "`password_env` `{}`: `{family}` variables are never read as link passwords",
                    shorten(env)
                ),
            );
        } else if is_env_name(env) && !patterns.iter().any(|p| p.matches(env)) {
            report.problem(
                password.line,
                format!(
                    "`password_env` `{}` is not an allowed link password variable: name it `{DEFAULT_PASSWORD_ENV}`, or add it to the top-level `password_env_allow`",
                    shorten(env)
                ),
            );
        }
    }
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Link passwords that cannot be used, each line naming the variable and the link's
/// `FILE:LINE`, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("link password{} cannot be used:\n{}", crate::text::plural(.problems.len()), .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
pub(crate) struct PasswordProblems {
    /// `` rooms.yaml:9: `VAR` is not set (room `Title`, link `Name`) `` for each.
    pub problems: Vec<String>,
}

/// Reads every declared link password from the environment (`lookup` is [`EnvValue::of`] but
/// for tests), trimmed as the portal trims it. Refused, all at once and before anything is
/// sent: a variable not set or not UTF-8, a value that is only whitespace (which the portal
/// would take as "no password", removing one), and a value `is_token` recognises as the API
/// token. The portal's policy is checked by the planner, which knows the portal's settings.
pub(crate) fn read_passwords(
    manifest: &mut Manifest,
    lookup: &dyn Fn(&str) -> EnvValue,
    is_token: &dyn Fn(&str) -> bool,
) -> Result<(), PasswordProblems> {
    let source = manifest.source.display().to_string();
    let mut problems = Vec::new();
    for room in &mut manifest.rooms {
        for link in room.links.iter_mut().flatten() {
            let Some(password) = &mut link.password else { continue };
            let env = &password.env;
            let problem = match read_password(env, lookup, is_token) {
                Ok(value) => {
                    password.value = Some(value);
                    continue;
                }
                Err(problem) => problem,
            };
            problems.push(format!(
                "{source}:{}: `{env}` {problem} (room `{}`, link `{}`)",
                password.line.max(link.line),
                room.title,
                link.name
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(PasswordProblems { problems }) }
}

/// One link password read from the environment to be sent, wherever it is read (a manifest's
/// `plan` and `apply`, and `apply` of a saved plan, whose variables the plan job checked against
/// another token): never a reserved variable, set, UTF-8 text, not only whitespace, trimmed,
/// and never the API token this run sends. `Err` follows the variable's name in a message and
/// never holds the value.
pub(crate) fn read_password(
    env: &str,
    lookup: &dyn Fn(&str) -> EnvValue,
    is_token: &dyn Fn(&str) -> bool,
) -> Result<Password, &'static str> {
    if reserved(env).is_some() {
        return Err(RESERVED_REFUSAL);
    }
    let value = lookup(env).password()?;
    if is_token(value.expose()) {
        return Err("holds the API token, which is never a link password");
    }
    Ok(value)
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
                "        expires: 2030-03-31\n        password_env: LINK_PASSWORD_PRESS\n        deny_download: true\n"
            ),
            "      - primary: true\n        name: Shared link\n        access: viewer\n"
        );
        let (manifest, _) = parse(Path::new("rooms.yaml"), &yaml).unwrap();
        let room = &manifest.rooms[0];
        assert_eq!(room.links_policy, LinksPolicy::Exact);
        let links = room.links.as_ref().unwrap();
        assert_eq!(links[0].expires.map(crate::time::format_expiry).as_deref(), Some("2030-03-31"));
        assert_eq!(links[0].password.as_ref().unwrap().env, "LINK_PASSWORD_PRESS");
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
    fn expiries_too_far_ahead_or_on_a_primary_that_cannot_expire_are_refused() {
        let yaml = format!(
            "{PRESS}{}{}{}",
            link("Old", "        expires: 2001-01-01\n"),
            link("Far", "        expires: 2099-01-01\n"),
            "      - primary: true\n        name: Shared link\n        access: viewer\n        expires: 2030-01-01T12:00:00Z\n"
        );
        assert_eq!(
            problems(&yaml),
            [
                "rooms.yaml:10: `expires` `2099-01-01` is more than 10 years ahead",
                "rooms.yaml:14: the primary link of a `public` room cannot expire",
            ]
        );
    }

    #[test]
    fn a_past_expiry_is_a_warning_so_a_manifest_does_not_break_the_day_its_link_expires() {
        // Failed on the old code: `validate` refused the whole manifest.
        let yaml = format!("{PRESS}{}", link("Old", "        expires: 2001-01-01\n"));
        let (manifest, warnings) = parse(Path::new("rooms.yaml"), &yaml).unwrap();
        assert_eq!(
            manifest.rooms[0].links.as_ref().unwrap()[0].expires,
            crate::time::parse_expiry("2001-01-01")
        );
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].line, 7);
        assert!(warnings[0].message.contains("`2001-01-01` has passed"), "{}", warnings[0].message);
    }

    #[test]
    fn an_internal_link_in_a_public_room_is_refused() {
        let yaml = format!("{PRESS}{}", link("Staff", "        internal: true\n"));
        assert_eq!(
            problems(&yaml),
            [
                "rooms.yaml:7: a link in a `public` room cannot be `internal`: anyone with the link opens it, and the portal silently ignores the change"
            ]
        );
    }

    #[test]
    fn password_variables_must_be_allowed_and_never_the_tool_s_own() {
        // Failed on the old code: any variable, `DOCSPACE_TOKEN` included, was read.
        let yaml = format!(
            "{PRESS}{}{}{}",
            link("A", "        password_env: DOCSPACE_TOKEN\n"),
            link("B", "        password_env: AWS_SECRET_ACCESS_KEY\n"),
            link("C", "        password_env: LINK_PASSWORD_7_1\n"),
        );
        assert_eq!(
            problems(&yaml),
            [
                "rooms.yaml:7: `password_env` `DOCSPACE_TOKEN`: `DOCSPACE_*` variables are never read as link passwords",
                "rooms.yaml:10: `password_env` `AWS_SECRET_ACCESS_KEY` is not an allowed link password variable: name it `LINK_PASSWORD_*`, or add it to the top-level `password_env_allow`",
            ]
        );
        let widened = format!("password_env_allow: [AWS_*, \"DOCSPACE_*\", \"*\"]\n{yaml}");
        assert_eq!(
            problems(&widened),
            [
                "rooms.yaml:1: `password_env_allow` `DOCSPACE_*`: `DOCSPACE_*` variables are never link passwords",
                "rooms.yaml:1: `password_env_allow` `*` allows almost any variable; name a prefix or suffix, such as `PRESS_*`",
                "rooms.yaml:8: `password_env` `DOCSPACE_TOKEN`: `DOCSPACE_*` variables are never read as link passwords",
            ]
        );
    }

    #[test]
    fn ci_secrets_are_never_link_passwords_whatever_the_allow_list_says() {
        // Failed on the old code: a pull request adding `*OKEN` (or `GITHUB_*`) to the
        // allow-list could publish `GITHUB_TOKEN` as a link password.
        let yaml = format!(
            "password_env_allow: [\"*_token\", GITHUB_*, ci_*, \"*OKEN\", PRESS_*]\n{PRESS}{}{}{}",
            link("A", "        password_env: GITHUB_TOKEN\n"),
            link("B", "        password_env: PRESS_TOKEN\n"),
            link("C", "        password_env: PRESS_SECRET\n"),
        );
        assert_eq!(
            problems(&yaml),
            [
                "rooms.yaml:1: `password_env_allow` `*_token`: `*_TOKEN` variables are never link passwords",
                "rooms.yaml:1: `password_env_allow` `GITHUB_*`: `GITHUB_*` variables are never link passwords",
                "rooms.yaml:1: `password_env_allow` `ci_*`: `CI_*` variables are never link passwords",
                "rooms.yaml:8: `password_env` `GITHUB_TOKEN`: `GITHUB_*` variables are never read as link passwords",
                "rooms.yaml:11: `password_env` `PRESS_TOKEN`: `*_TOKEN` variables are never read as link passwords",
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
    fn a_link_name_with_a_control_character_is_refused() {
        let yaml = format!("{PRESS}{}", link("\"Press\\e[31m\"", ""));
        assert_eq!(
            problems(&yaml),
            ["rooms.yaml:5: link name `Press\\u{1b}[31m` contains the control character U+001B"]
        );
    }

    const ALLOW: &str = "password_env_allow: [A_PASSWORD, B_PASSWORD, C_PASSWORD, D_PASSWORD]\n";

    fn read(
        yaml: &str,
        env: &[(&str, EnvValue)],
    ) -> (crate::manifest::Manifest, Result<(), PasswordProblems>) {
        let (mut manifest, _) = parse(Path::new("rooms.yaml"), &format!("{ALLOW}{yaml}")).unwrap();
        let lookup = |name: &str| match env.iter().find(|(n, _)| *n == name) {
            Some((_, EnvValue::Text(text))) => EnvValue::Text(text.clone()),
            Some((_, EnvValue::NotText)) => EnvValue::NotText,
            _ => EnvValue::Unset,
        };
        let read = read_passwords(&mut manifest, &lookup, &|value| value == "sk-the-token");
        (manifest, read)
    }

    #[test]
    fn a_password_read_for_sending_is_never_a_reserved_variable_nor_the_token() {
        // What `apply` of a saved plan reads: the plan's `password_env` was never validated
        // by this job, and its token is not the plan job's.
        let lookup = |name: &str| EnvValue::Text(format!("value-of-{name}"));
        let is_token = |value: &str| value == "value-of-APPLY_WRITE_KEY";
        assert_eq!(
            read_password("docspace_plan_key", &lookup, &is_token).err(),
            Some(RESERVED_REFUSAL)
        );
        for env in ["GITHUB_TOKEN", "ci_job_token", "ACTIONS_ID_TOKEN_REQUEST_URL", "NPM_TOKEN"] {
            assert_eq!(read_password(env, &lookup, &is_token).err(), Some(RESERVED_REFUSAL));
        }
        assert_eq!(
            read_password("APPLY_WRITE_KEY", &lookup, &is_token).err(),
            Some("holds the API token, which is never a link password")
        );
        let read = read_password("LINK_PASSWORD_PRESS", &lookup, &is_token).unwrap();
        assert_eq!(read.expose(), "value-of-LINK_PASSWORD_PRESS");
    }

    #[test]
    fn unusable_password_variables_are_named_with_their_lines_all_at_once() {
        // Failed on the old code: a non-UTF-8 value was "not set", whitespace passed (and
        // removed the link's password), and the API token passed as a password.
        let yaml = format!(
            "{PRESS}{}{}{}{}",
            link("A", "        password_env: A_PASSWORD\n"),
            link("B", "        password_env: B_PASSWORD\n"),
            link("C", "        password_env: C_PASSWORD\n"),
            link("D", "        password_env: D_PASSWORD\n"),
        );
        let (_, read) = read(
            &yaml,
            &[
                ("A_PASSWORD", EnvValue::Text("s3cret-pass\n".into())),
                ("B_PASSWORD", EnvValue::Text("   ".into())),
                ("C_PASSWORD", EnvValue::NotText),
                ("D_PASSWORD", EnvValue::Text("sk-the-token".into())),
            ],
        );
        let text = read.unwrap_err().to_string();
        assert_eq!(
            text,
            "link passwords cannot be used:\n  rooms.yaml:11: `B_PASSWORD` holds only whitespace, which the portal takes as no password; to remove the link's password, remove `password_env` (room `Press Kit`, link `B`)\n  rooms.yaml:14: `C_PASSWORD` is not UTF-8 text (room `Press Kit`, link `C`)\n  rooms.yaml:17: `D_PASSWORD` holds the API token, which is never a link password (room `Press Kit`, link `D`)"
        );
        assert!(!text.contains("sk-the-token"));
    }

    #[test]
    fn a_password_is_read_trimmed_as_the_portal_trims_it() {
        let yaml = format!(
            "{PRESS}{}{}",
            link("A", "        password_env: A_PASSWORD\n"),
            link("B", "        password_env: B_PASSWORD\n")
        );
        let (manifest, read) =
            read(&yaml, &[("A_PASSWORD", EnvValue::Text(" s3cret-pass\n".into()))]);
        assert_eq!(
            read.unwrap_err().to_string(),
            "link password cannot be used:\n  rooms.yaml:11: `B_PASSWORD` is not set (room `Press Kit`, link `B`)"
        );
        let links = manifest.rooms[0].links.as_ref().unwrap();
        assert_eq!(
            links[0].password.as_ref().unwrap().value,
            Some(crate::links::Password::new("s3cret-pass"))
        );
    }
}
