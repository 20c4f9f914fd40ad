//! Link planning for rooms whose entry declares `links`: match each declared link with the
//! portal's (the primary one by its flag, the others by title), then plan removals, updates
//! and creates in that order, so a swap never crosses the room type's limit.
//!
//! Passwords never enter a plan: a plan says only whether one is set, changed or removed
//! ([`PasswordChange`]); while it is made it compares the passwords in memory, and a saved
//! plan holds a [`verifier`] of each, enough to tell later that one is another.

use super::model::{Action, LinkChange, LinkFields, PasswordChange, PasswordMark, Plan, Step};
use crate::docspace::RoomType;
use crate::links::{self, Password, PasswordPolicy};
use crate::manifest::{LinkSpec, LinksPolicy, RoomSpec};
use crate::model::{PortalLink, PortalRoom, PortalState};

/// Argon2id's cost for a verifier: 19 MiB and two passes (the OWASP minimum), about 25 ms in
/// an optimised build, so each guess at a saved plan's password costs as much.
const VERIFIER_MEMORY_KIB: u32 = 19 * 1024;
const VERIFIER_PASSES: u32 = 2;
/// How a verifier starts: made with the plan key, or without.
const KEYED: &str = "argon2id-keyed";
const UNKEYED: &str = "argon2id";

/// A verifier of `password`: Argon2id over it with a fresh random salt, keyed with the plan
/// key (`DOCSPACE_PLAN_KEY`) when one is set, so that without the key a verifier cannot even
/// be guessed at. The one place a saved plan's password verifiers are made.
pub(crate) fn verifier(password: &Password, key: Option<&[u8]>) -> String {
    let salt: [u8; SALT_BYTES] = *uuid::Uuid::new_v4().as_bytes();
    let hash = argon2id(password, &salt, key, VERIFIER_MEMORY_KIB, VERIFIER_PASSES)
        .expect("the verifier's parameters are valid");
    format!(
        "{}$m={VERIFIER_MEMORY_KIB},t={VERIFIER_PASSES}${}${}",
        if key.is_some() { KEYED } else { UNKEYED },
        hex(&salt),
        hex(&hash)
    )
}

/// A verifier's salt and hash lengths, in bytes.
const SALT_BYTES: usize = 16;
const HASH_BYTES: usize = 32;

/// A verifier taken apart: whether it was made with the plan key, its salt and its hash.
struct Parsed {
    keyed: bool,
    salt: [u8; SALT_BYTES],
    hash: [u8; HASH_BYTES],
}

/// `text` taken apart, when it is a verifier exactly as [`verifier`] writes it: its cost (memory,
/// passes, one lane), its salt and its hash lengths all as this version makes them. Anything
/// else is `None`, before any hashing: a cost read from a file must never decide how much
/// memory or time `apply` spends (an edited unsigned plan asking 4 TiB aborted the process).
fn parse(text: &str) -> Option<Parsed> {
    let mut parts = text.split('$');
    let keyed = match parts.next()? {
        KEYED => true,
        UNKEYED => false,
        _ => return None,
    };
    if parts.next()? != format!("m={VERIFIER_MEMORY_KIB},t={VERIFIER_PASSES}") {
        return None;
    }
    let salt = unhex(parts.next()?)?.try_into().ok()?;
    let hash = unhex(parts.next()?)?.try_into().ok()?;
    parts.next().is_none().then_some(Parsed { keyed, salt, hash })
}

/// What a saved plan's password marks lack, each line naming the room and the link: marks
/// without a verifier (what `plan --format json` prints), and verifiers this version does not
/// write (see [`parse`]). Checked when the plan is read, before anything is hashed or sent.
pub(crate) fn unusable_marks(plan: &Plan) -> (Vec<String>, Vec<String>) {
    let (mut missing, mut unreadable) = (Vec::new(), Vec::new());
    for room in &plan.rooms {
        for step in &room.edits {
            let (name, marks) = match &step.action {
                Action::SetLink { link } => {
                    let marks = link.before.iter().chain([&link.after]);
                    (&link.name, marks.filter_map(|f| f.password.as_ref()).collect::<Vec<_>>())
                }
                Action::RemoveLink { name, before, .. } => {
                    (name, before.password.as_ref().into_iter().collect())
                }
                _ => continue,
            };
            let label = || {
                format!(
                    "room \"{}\", link \"{}\"",
                    crate::text::escape(&room.title),
                    crate::text::escape(name)
                )
            };
            if marks.iter().any(|mark| mark.verifier.is_none()) {
                missing.push(label());
            } else if marks.iter().any(|mark| mark.verifier.as_deref().and_then(parse).is_none()) {
                unreadable.push(label());
            }
        }
    }
    (missing, unreadable)
}

/// Whether `verifier` was made from `password`; an error when it cannot tell (a verifier made
/// with the plan key and no key given, or a verifier this version does not write: see
/// [`parse`]).
pub(crate) fn verifies(
    verifier: &str,
    password: &Password,
    key: Option<&[u8]>,
) -> Result<bool, String> {
    let unreadable = || "its password verifier is unreadable: make the plan again".to_owned();
    let parsed = parse(verifier).ok_or_else(unreadable)?;
    let key = match (parsed.keyed, key) {
        (true, None) => {
            return Err(
                "the plan was made with `DOCSPACE_PLAN_KEY`: set it to apply the plan".to_owned()
            );
        }
        (true, key) => key,
        (false, _) => None,
    };
    let again = argon2id(password, &parsed.salt, key, VERIFIER_MEMORY_KIB, VERIFIER_PASSES)
        .map_err(|_| unreadable())?;
    Ok(again == parsed.hash)
}

fn argon2id(
    password: &Password,
    salt: &[u8],
    key: Option<&[u8]>,
    memory: u32,
    passes: u32,
) -> Result<Vec<u8>, argon2::Error> {
    use argon2::{Algorithm, Argon2, Params, Version};
    let params = Params::new(memory, passes, 1, Some(HASH_BYTES))?;
    let argon = match key {
        Some(key) => Argon2::new_with_secret(key, Algorithm::Argon2id, Version::V0x13, params)?,
        None => Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
    };
    let mut out = vec![0_u8; HASH_BYTES];
    argon.hash_password_into(password.expose().as_bytes(), salt, &mut out)?;
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (text.len().is_multiple_of(2) && text.is_ascii())
        .then(|| {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
                .collect::<Option<Vec<u8>>>()
        })
        .flatten()
}

/// Gives every password mark of a plan about to be saved its verifier (see [`verifier`]).
pub(crate) fn seal(plan: &mut Plan, key: Option<&[u8]>) {
    for step in plan.rooms.iter_mut().flat_map(|room| room.edits.iter_mut()) {
        for mark in step.action.password_marks_mut() {
            if let Some(secret) = &mark.secret {
                mark.verifier = Some(verifier(secret, key));
            }
        }
    }
}

/// Whether a link read now still has the password a saved plan recorded for it.
pub(crate) fn same_password(
    recorded: Option<&PasswordMark>,
    now: Option<&Password>,
    key: Option<&[u8]>,
) -> Result<bool, String> {
    match (recorded, now) {
        (None, None) => Ok(true),
        (Some(mark), Some(now)) => match (&mark.secret, &mark.verifier) {
            (Some(secret), _) => Ok(secret == now),
            (None, Some(verifier)) => verifies(verifier, now, key),
            (None, None) => Err(NO_VERIFIER.to_owned()),
        },
        _ => Ok(false),
    }
}

/// Why a saved plan without verifiers cannot be applied.
pub(crate) const NO_VERIFIER: &str = "the plan holds no password verifier (`plan --format json` prints none): save the plan with `plan --out`";

/// A portal link's fields; its password held in memory, to compare.
pub(crate) fn portal_fields(link: &PortalLink) -> LinkFields {
    LinkFields {
        title: link.title.clone(),
        access: link.access,
        expires: link.expires,
        password: link.password.as_ref().map(PasswordMark::of),
        deny_download: link.deny_download,
        internal: link.internal,
    }
}

/// The link fields of a saved plan and of a link read now: the same, the password compared
/// with the plan's verifier.
pub(crate) fn unchanged_since(
    recorded: &LinkFields,
    now: &PortalLink,
    key: Option<&[u8]>,
) -> Result<bool, String> {
    let fields = portal_fields(now);
    let alike = LinkFields { password: None, ..fields.clone() }
        == LinkFields { password: None, ..recorded.clone() };
    Ok(alike && same_password(recorded.password.as_ref(), now.password.as_ref(), key)?)
}

/// What the planner needs of the portal and the clock to plan links.
pub(crate) struct LinkContext<'a> {
    /// The portal's password policy (its defaults when it was not read).
    pub(crate) policy: PasswordPolicy,
    /// Whether the portal restricts external sharing for rooms, and makes links internal by
    /// default; `None` when not read.
    pub(crate) sharing: Option<&'a crate::model::PortalSharing>,
    /// Now, as a Unix time.
    pub(crate) now: i64,
}

/// The link steps for one room, or the problems (with their manifest lines) that prevent them;
/// `warnings` gets what needs no step but should be said (a declared link that has expired).
pub(super) fn link_steps(
    spec: &RoomSpec,
    room: Option<&PortalRoom>,
    portal: &PortalState,
    context: &LinkContext<'_>,
    warnings: &mut Vec<String>,
) -> Result<Vec<Step>, Vec<(usize, String)>> {
    let Some(wanted) = &spec.links else {
        return Ok(Vec::new());
    };
    let rules = room_rules(spec, room).map_err(|problem| vec![problem])?;
    let current: &[PortalLink] =
        room.and_then(|room| portal.links.get(&room.id)).map(Vec::as_slice).unwrap_or_default();
    let mut problems = Vec::new();
    if let Some((room_type, rules)) = rules {
        // The manifest could not check a room whose type it learns from the portal.
        check_against_type(spec, wanted, room_type, &rules, &mut problems);
    }

    let (mut removes, mut updates, mut creates) = (Vec::new(), Vec::new(), Vec::new());
    let mut claimed: Vec<&str> = Vec::new();
    // The links a step sends as not internal.
    let mut public: Vec<&LinkSpec> = Vec::new();
    for link in wanted {
        let found = match find_existing(spec, link, current) {
            Ok(found) => found,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let after = match wanted_fields(link) {
            Ok(after) => after,
            Err(message) => {
                problems.push((link.line, message));
                continue;
            }
        };
        let before = match found {
            Some(found) => {
                claimed.push(&found.id);
                Some(portal_fields(found))
            }
            // A room this plan creates starts with the primary link the portal gives its type.
            None if link.primary && room.is_none() => {
                rules.and_then(|(room_type, rules)| auto_primary(room_type, &rules, context))
            }
            None => None,
        };
        let unchanged = before.as_ref() == Some(&after);
        if let Some(expired) = past_expiry(spec, link, unchanged, context.now) {
            match expired {
                Ok(warning) => warnings.push(warning),
                Err(problem) => problems.push((link.line, problem)),
            }
            continue;
        }
        if unchanged {
            continue;
        }
        // The step sends the whole link, its password too: the portal checks it then.
        if let Some(problem) = password_problem(link, &context.policy) {
            problems.push(problem);
            continue;
        }
        if !link.internal {
            public.push(link);
        }
        let step = set_link(link, found, before, after);
        if found.is_some() || link.primary {
            updates.push(step);
        } else {
            creates.push(step);
        }
    }
    let unclaimed = current.iter().filter(|l| !l.primary && !claimed.contains(&l.id.as_str()));
    let mut kept = current.iter().filter(|l| !l.primary).count();
    if spec.links_policy == LinksPolicy::Exact {
        removes.extend(unclaimed.map(removal));
        kept -= removes.len();
    }
    if let Some((room_type, rules)) = rules
        && kept + creates.len() > rules.additional
    {
        problems.push((
            spec.line,
            format!(
                "room `{}` would have {} links besides its primary one; a `{room_type}` room allows {}",
                spec.title,
                kept + creates.len(),
                rules.additional
            ),
        ));
    }
    if let Some((room_type, _)) = rules {
        let sends = updates.len() + creates.len();
        problems.extend(sharing_problems(spec, room_type, sends, &public, context));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    removes.extend(updates);
    removes.extend(creates);
    Ok(removes)
}

/// The step that creates or updates a declared link.
fn set_link(
    link: &LinkSpec,
    found: Option<&PortalLink>,
    before: Option<LinkFields>,
    after: LinkFields,
) -> Step {
    let change = LinkChange {
        name: link.name.clone(),
        primary: link.primary,
        link_id: found.map(|found| found.id.clone()),
        password_env: link.password.as_ref().map(|p| p.env.clone()),
        password_change: password_change(before.as_ref(), &after),
        before,
        after,
    };
    let reason = match (&change.before, change.primary) {
        (None, false) => "declared in the manifest and not on the portal",
        (None, true) => "the room's primary link is declared",
        (Some(_), _) => "the declared link differs from the portal's",
    };
    Step::new(Action::SetLink { link: Box::new(change) }, reason)
}

/// A declared expiry that has passed: a warning when the link exists with it (nothing to do),
/// an error when the link would be created or changed with it (the portal drops a past date,
/// so the link would never expire).
fn past_expiry(
    spec: &RoomSpec,
    link: &LinkSpec,
    unchanged: bool,
    now: i64,
) -> Option<Result<String, String>> {
    let expires = crate::time::format_expiry(link.expires.filter(|e| *e <= now)?);
    let (room, name) = (&spec.title, &link.name);
    Some(if unchanged {
        Ok(format!("room `{room}`, link `{name}` expired {expires}; nothing to do"))
    } else {
        Err(format!(
            "room `{room}`, link `{name}`: `expires` {expires} has passed; the portal drops a past date, so the link would never expire: set a later date or remove the link"
        ))
    })
}

/// What a step does to the password, from the link as it is to the link as declared.
fn password_change(before: Option<&LinkFields>, after: &LinkFields) -> PasswordChange {
    match (before.and_then(|b| b.password.as_ref()), &after.password) {
        (None, Some(_)) => PasswordChange::Set,
        (Some(_), None) => PasswordChange::Removed,
        (Some(a), Some(b)) if a != b => PasswordChange::Changed,
        _ => PasswordChange::None,
    }
}

/// A declared password against the portal's policy, before anything is sent: the portal
/// would refuse the link with a 400 (after creating its room). Checked for every link a step
/// sends; a link left as it is sends nothing (its password may predate a stricter policy).
/// Never says the value.
fn password_problem(link: &LinkSpec, policy: &PasswordPolicy) -> Option<(usize, String)> {
    let declared = link.password.as_ref()?;
    let value = declared.value.as_ref()?;
    (!policy.allows(value.expose())).then(|| {
        (
            declared.line.max(link.line),
            format!(
                "link `{}`: the password in `{}` does not meet the portal's password policy: {}",
                link.name,
                declared.env,
                policy.help()
            ),
        )
    })
}

/// How a problem names the portal's restriction of external sharing for rooms, as an admin
/// sets it and as `GET /api/2.0/files/settings` shows it.
const RESTRICTED: &str = "the portal restricts external sharing for rooms (Settings → Sharing: `externalShare` off, `externalShareApplyToRooms` on)";

/// The portal's sharing settings against the declared links. With external sharing restricted
/// for rooms, a portal refuses (403) every link created or changed in a public room, and makes
/// every one created or changed in another room internal, whatever the request says
/// (`ResolveRequiredAuthAsync`, FileStorageService.cs L5967-5997, `IsCreationRestrictedAsync`,
/// ExternalShare.cs L372-387; `FileSharing.cs` L204-209 then stores it, since
/// `CanEditInternalAsync` holds for custom and form-filling rooms, FileSecurity.cs
/// L1377-1380). So a public room's links that a step sends (`sends` of them) are refused, and
/// so is each other link a step sends as not internal (`public`: it would be read back
/// internal, fail, and be sent again by every run); declared `internal: true` it goes through.
/// Removing an additional link is allowed, and links already as declared send nothing. An
/// archived room is opened for its link changes, so the restriction of active rooms applies to
/// it too.
fn sharing_problems(
    spec: &RoomSpec,
    room_type: RoomType,
    sends: usize,
    public: &[&LinkSpec],
    context: &LinkContext<'_>,
) -> Vec<(usize, String)> {
    if !context.sharing.is_some_and(|sharing| sharing.restricts_rooms()) {
        return Vec::new();
    }
    let title = &spec.title;
    match room_type {
        RoomType::Public if sends > 0 => vec![(
            spec.line,
            format!(
                "room `{title}`: {RESTRICTED}, so it refuses to create or change a public room's links ({sends} here); lift the restriction, or declare the links as they are"
            ),
        )],
        RoomType::Public => Vec::new(),
        _ => public
            .iter()
            .map(|link| {
                (
                    link.line,
                    format!(
                        "room `{title}`, link `{}`: {RESTRICTED}, so it makes every link it creates or changes in a `{room_type}` room internal; declare `internal: true`, or lift the restriction",
                        link.name
                    ),
                )
            })
            .collect(),
    }
}

/// The room's type (from the portal, else the manifest) and its link rules, when known.
fn room_rules(
    spec: &RoomSpec,
    room: Option<&PortalRoom>,
) -> Result<Option<(RoomType, links::LinkRules)>, (usize, String)> {
    let Some(room_type) = room.and_then(|room| room.room_type.known()).or(spec.room_type) else {
        return Ok(None);
    };
    match links::rules(room_type) {
        Some(rules) => Ok(Some((room_type, rules))),
        None => Err((
            spec.line,
            format!("room `{}` is a `{room_type}` room, which has no external links", spec.title),
        )),
    }
}

/// The portal link a declared one means: the primary one by its flag, another by its title.
fn find_existing<'a>(
    spec: &RoomSpec,
    link: &LinkSpec,
    current: &'a [PortalLink],
) -> Result<Option<&'a PortalLink>, (usize, String)> {
    let mut existing: Vec<&PortalLink> =
        current.iter().filter(|l| l.is_named(link.primary, &link.name)).collect();
    // A room has one primary link; were a portal to show two, the first is the one updated.
    if link.primary {
        existing.truncate(1);
    }
    match existing.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err((
            link.line,
            format!(
                "room `{}` has {} links named `{}` on the portal; rename or remove one there",
                spec.title,
                existing.len(),
                link.name
            ),
        )),
    }
}

/// The primary link the portal creates with a room of this type, as a plan compares it: a
/// form-filling room's is internal when the portal makes links internal by default
/// (FileStorageService.cs L848-850).
fn auto_primary(
    room_type: RoomType,
    rules: &links::LinkRules,
    context: &LinkContext<'_>,
) -> Option<LinkFields> {
    let internal = room_type == RoomType::FormFilling
        && context.sharing.is_some_and(|sharing| sharing.default_internal);
    rules.auto_primary.map(|(title, access)| LinkFields {
        title: title.to_owned(),
        access: access.code(),
        expires: None,
        password: None,
        deny_download: false,
        internal,
    })
}

/// The step that removes an undeclared additional link.
fn removal(link: &PortalLink) -> Step {
    Step::new(
        Action::RemoveLink {
            name: link.title.clone(),
            link_id: link.id.clone(),
            before: Box::new(portal_fields(link)),
        },
        "not declared and `links_policy: exact`; everyone holding it loses access",
    )
}

/// The checks of `validate` that need the room's type, for a room whose entry has no `type`.
fn check_against_type(
    spec: &RoomSpec,
    wanted: &[LinkSpec],
    room_type: RoomType,
    rules: &links::LinkRules,
    problems: &mut Vec<(usize, String)>,
) {
    if spec.room_type.is_some() {
        return;
    }
    for link in wanted {
        if !rules.access.contains(&link.access) {
            problems.push((
                link.line,
                format!(
                    "a link in a `{room_type}` room cannot give `{}`; allowed: {}",
                    link.access,
                    links::access_names(rules)
                ),
            ));
        }
        if link.primary && link.expires.is_some() && !rules.primary_expires {
            problems.push((
                link.line,
                format!("the primary link of a `{room_type}` room cannot expire"),
            ));
        }
        if link.internal
            && let Some(problem) = crate::manifest::internal_problem(room_type)
        {
            problems.push((link.line, problem));
        }
    }
}

/// The declared link's fields; its password must have been read from the environment.
fn wanted_fields(link: &LinkSpec) -> Result<LinkFields, String> {
    let password = match &link.password {
        None => None,
        Some(declared) => match &declared.value {
            Some(value) => Some(PasswordMark::of(value)),
            None => return Err(format!("link `{}`: `{}` was not read", link.name, declared.env)),
        },
    };
    Ok(LinkFields {
        title: link.name.clone(),
        access: link.access.code(),
        expires: link.expires,
        password,
        deny_download: link.deny_download,
        internal: link.internal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docspace::Access;
    use crate::model::RoomState;
    use crate::plan::{Plan, PlanError, PlanOptions, StateChange, plan, render};
    use std::path::Path;

    const SECRET: &str = "correct-horse-battery";
    const OTHER: &str = "another-secret";

    fn manifest(yaml: &str) -> crate::manifest::Manifest {
        let yaml = format!("password_env_allow: [PRESS_PASSWORD, OTHER_PASSWORD]\n{yaml}");
        let mut manifest = crate::manifest::parse(Path::new("rooms.yaml"), &yaml).unwrap().0;
        let env = |name: &str| match name {
            "PRESS_PASSWORD" => crate::links::EnvValue::Text(SECRET.to_owned()),
            "OTHER_PASSWORD" => crate::links::EnvValue::Text(OTHER.to_owned()),
            _ => crate::links::EnvValue::Unset,
        };
        crate::manifest::read_passwords(&mut manifest, &env, &|_| false).unwrap();
        manifest
    }

    fn portal_link(id: &str, title: &str, primary: bool) -> PortalLink {
        PortalLink {
            id: id.into(),
            title: title.into(),
            access: Access::Viewer.code(),
            expires: None,
            password: None,
            deny_download: false,
            internal: false,
            primary,
            url: format!("https://portal/s/{id}"),
        }
    }

    fn state(room_state: RoomState, links: Vec<PortalLink>) -> PortalState {
        PortalState {
            rooms: vec![PortalRoom {
                id: 7,
                title: "Press Kit".into(),
                room_type: RoomType::Public.into(),
                state: room_state,
                tags: vec![],
                settings: crate::settings::Settings::default(),
                custom_logo: false,
            }],
            links: [(7, links)].into_iter().collect(),
            ..PortalState::default()
        }
    }

    fn plan_of(links_yaml: &str, portal: &PortalState) -> Result<Plan, PlanError> {
        let yaml = format!("rooms:\n  - title: Press Kit\n    type: public\n{links_yaml}");
        plan(&manifest(&yaml), portal, &PlanOptions::default())
    }

    /// Each step as the plan shows it, mark first.
    fn lines(plan: &Plan) -> Vec<String> {
        plan.steps()
            .map(|(room, step)| {
                let mark = render::mark(&step.action, &room.target);
                format!("{mark} {}", render::describe(&step.action))
            })
            .collect()
    }

    const PRESS: &str = "    links:\n      - name: Press\n        access: viewer\n        expires: 2030-03-31\n        password_env: PRESS_PASSWORD\n";

    #[test]
    fn a_declared_link_the_portal_lacks_is_created_and_shown_without_its_password() {
        let portal = state(RoomState::Active, vec![portal_link("p", "Shared link", true)]);
        let plan = plan_of(PRESS, &portal).unwrap();
        assert_eq!(
            lines(&plan),
            ["+ link \"Press\" viewer, expires 2030-03-31, password from PRESS_PASSWORD"]
        );
        let Action::SetLink { link } = &plan.rooms[0].edits[0].action else { panic!() };
        assert_eq!(link.link_id, None);
        assert_eq!(link.password_env.as_deref(), Some("PRESS_PASSWORD"));
        assert_eq!(link.password_change, PasswordChange::Set);
        let json = serde_json::to_string(&plan).unwrap();
        assert!(!json.contains(SECRET), "{json}");
        assert!(json.contains(r#""password":"set""#), "{json}");
    }

    #[test]
    fn a_changed_expiry_is_one_update_of_the_whole_link_by_its_id() {
        let mut press = portal_link("l1", "Press", false);
        press.expires = crate::time::parse_expiry("2030-03-31");
        press.password = Some(Password::new(SECRET));
        let portal = state(RoomState::Active, vec![portal_link("p", "Shared link", true), press]);
        let plan = plan_of(&PRESS.replace("2030-03-31", "2030-06-30"), &portal).unwrap();
        assert_eq!(lines(&plan), ["~ link \"Press\" expires 2030-03-31 → 2030-06-30"]);
        let Action::SetLink { link } = &plan.rooms[0].edits[0].action else { panic!() };
        assert_eq!(link.link_id.as_deref(), Some("l1"));
        assert_eq!(link.after.password, link.before.as_ref().unwrap().password);
    }

    #[test]
    fn passwords_are_compared_and_only_said_to_be_set_changed_or_removed_naming_the_variable() {
        let mut press = portal_link("l1", "Press", false);
        press.expires = crate::time::parse_expiry("2030-03-31");
        press.password = Some(Password::new(SECRET));
        let portal = state(RoomState::Active, vec![press.clone()]);
        assert!(plan_of(PRESS, &portal).unwrap().is_empty());
        let changed = plan_of(&PRESS.replace("PRESS_PASSWORD", "OTHER_PASSWORD"), &portal).unwrap();
        assert_eq!(lines(&changed), ["~ link \"Press\" password changed from OTHER_PASSWORD"]);
        let removed =
            plan_of(&PRESS.replace("        password_env: PRESS_PASSWORD\n", ""), &portal).unwrap();
        assert_eq!(lines(&removed), ["~ link \"Press\" password removed"]);
        let text = render::text(&changed, "rooms.yaml", false);
        assert!(!text.contains(SECRET) && !text.contains(OTHER), "{text}");
    }

    #[test]
    fn undeclared_links_are_removed_when_exact_kept_when_additive_and_the_primary_never() {
        let portal = state(
            RoomState::Active,
            vec![portal_link("p", "Shared link", true), portal_link("o", "Old partner", false)],
        );
        let exact = plan_of("    links: []\n", &portal).unwrap();
        assert_eq!(lines(&exact), ["- link \"Old partner\""]);
        assert!(exact.rooms[0].edits[0].action.takes_away(&exact.rooms[0].target));
        let additive = plan_of("    links_policy: additive\n    links: []\n", &portal).unwrap();
        assert!(additive.is_empty());
    }

    #[test]
    fn the_primary_link_is_matched_by_its_flag_and_updated_in_place() {
        let portal = state(RoomState::Active, vec![portal_link("p1", "Shared link", true)]);
        let plan = plan_of(
            "    links:\n      - primary: true\n        name: Public page\n        access: viewer\n        deny_download: true\n",
            &portal,
        )
        .unwrap();
        assert_eq!(
            lines(&plan),
            [
                "~ primary link \"Public page\" title \"Shared link\" → \"Public page\", downloads denied"
            ]
        );
        let Action::SetLink { link } = &plan.rooms[0].edits[0].action else { panic!() };
        assert_eq!((link.link_id.as_deref(), link.primary), (Some("p1"), true));
    }

    #[test]
    fn two_portal_links_with_the_declared_name_are_ambiguous() {
        let portal = state(
            RoomState::Active,
            vec![portal_link("a", "Press", false), portal_link("b", "Press", false)],
        );
        let Err(PlanError::Conflicts { problems, .. }) = plan_of(PRESS, &portal) else { panic!() };
        assert_eq!(
            problems[0].1,
            "room `Press Kit` has 2 links named `Press` on the portal; rename or remove one there"
        );
    }

    #[test]
    fn an_archived_room_is_reopened_around_its_link_change() {
        let portal = state(RoomState::Archived, vec![]);
        let yaml = format!("    state: archived\n{PRESS}");
        let plan = plan_of(&yaml, &portal).unwrap();
        assert!(matches!(plan.rooms[0].change, StateChange::Reopen { .. }));
        assert_eq!(plan.rooms[0].edits.len(), 1);
    }

    #[test]
    fn a_new_public_room_s_primary_link_as_the_portal_makes_it_needs_no_step() {
        let yaml = "rooms:\n  - title: Fresh\n    type: public\n    links:\n      - primary: true\n        name: Shared link\n        access: viewer\n";
        let unchanged =
            plan(&manifest(yaml), &PortalState::default(), &PlanOptions::default()).unwrap();
        assert_eq!(unchanged.rooms[0].edits, []);
        let edited = yaml.replace("Shared link", "Launch");
        let renamed =
            plan(&manifest(&edited), &PortalState::default(), &PlanOptions::default()).unwrap();
        assert_eq!(
            lines(&renamed)[1],
            "~ primary link \"Launch\" title \"Shared link\" → \"Launch\""
        );
    }

    #[test]
    fn kept_and_new_links_over_the_limit_are_refused() {
        let links: Vec<PortalLink> =
            (0..5).map(|i| portal_link(&format!("l{i}"), &format!("Kept {i}"), false)).collect();
        let portal = state(RoomState::Active, links);
        let yaml = format!("    links_policy: additive\n{PRESS}");
        let Err(PlanError::Conflicts { problems, .. }) = plan_of(&yaml, &portal) else { panic!() };
        assert_eq!(
            problems[0].1,
            "room `Press Kit` would have 6 links besides its primary one; a `public` room allows 5"
        );
    }

    /// 2030-06-01: after the 2030-03-31 expiries above.
    const JUNE_2030: i64 = 1_906_934_400;

    fn plan_at(links_yaml: &str, portal: &PortalState, now: i64) -> Result<Plan, PlanError> {
        let yaml = format!("rooms:\n  - title: Press Kit\n    type: public\n{links_yaml}");
        plan(&manifest(&yaml), portal, &PlanOptions { now, ..PlanOptions::default() })
    }

    #[test]
    fn an_expired_link_that_exists_with_that_expiry_is_a_warning_with_no_step() {
        // Failed on the old code: the manifest itself was refused once the date had passed.
        let mut press = portal_link("l1", "Press", false);
        press.expires = crate::time::parse_expiry("2030-03-31");
        press.password = Some(Password::new(SECRET));
        let portal = state(RoomState::Active, vec![press]);
        let plan = plan_at(PRESS, &portal, JUNE_2030).unwrap();
        assert!(plan.is_empty());
        assert_eq!(
            plan.warnings,
            ["room `Press Kit`, link `Press` expired 2030-03-31; nothing to do"]
        );
    }

    #[test]
    fn a_create_or_an_update_with_a_past_expiry_is_an_error_for_its_room_only() {
        let portal = state(RoomState::Active, vec![]);
        let Err(PlanError::Conflicts { problems, .. }) = plan_at(PRESS, &portal, JUNE_2030) else {
            panic!()
        };
        assert_eq!(problems.len(), 1);
        assert!(problems[0].1.contains("`expires` 2030-03-31 has passed"), "{}", problems[0].1);
        // `--target` on another room plans that room.
        let yaml = format!(
            "rooms:\n  - title: Press Kit\n    type: public\n{PRESS}  - title: Other\n    type: custom\n"
        );
        let options =
            PlanOptions { now: JUNE_2030, targets: vec!["Other".into()], ..PlanOptions::default() };
        let planned = plan(&manifest(&yaml), &portal, &options).unwrap();
        assert_eq!(planned.rooms.len(), 1);
        assert_eq!(planned.rooms[0].title, "Other");
    }

    #[test]
    fn a_password_the_portal_s_policy_refuses_is_an_error_naming_its_variable_not_its_value() {
        // Failed on the old code: the plan passed and `apply` failed on the link.
        let mut portal = state(RoomState::Active, vec![]);
        portal.password_policy =
            Some(PasswordPolicy { min_length: 25, ..PasswordPolicy::default() });
        let Err(PlanError::Conflicts { problems, .. }) = plan_of(PRESS, &portal) else { panic!() };
        assert_eq!(
            problems,
            [(
                9,
                "link `Press`: the password in `PRESS_PASSWORD` does not meet the portal's password policy: Password must contain from 25 to 30 characters, only latin letters, no spaces".to_owned()
            )]
        );
    }

    #[test]
    fn a_public_room_s_links_are_refused_while_the_portal_restricts_external_sharing() {
        let mut portal = state(RoomState::Active, vec![]);
        portal.sharing = Some(crate::model::PortalSharing {
            external_share: false,
            apply_to_rooms: true,
            default_internal: true,
        });
        let Err(PlanError::Conflicts { problems, .. }) = plan_of(PRESS, &portal) else { panic!() };
        assert!(problems[0].1.contains("restricts external sharing for rooms"), "{problems:?}");
    }

    #[test]
    fn a_new_form_filling_room_s_primary_link_follows_the_portal_s_default_internal() {
        let yaml = "rooms:\n  - title: Forms\n    type: form-filling\n    links:\n      - primary: true\n        name: Link to fill out\n        access: form-filler\n        internal: true\n";
        let portal = PortalState {
            sharing: Some(crate::model::PortalSharing {
                external_share: true,
                apply_to_rooms: true,
                default_internal: true,
            }),
            ..PortalState::default()
        };
        let planned = plan(&manifest(yaml), &portal, &PlanOptions::default()).unwrap();
        assert_eq!(planned.rooms[0].edits, [], "the portal makes it internal already");
        let planned =
            plan(&manifest(yaml), &PortalState::default(), &PlanOptions::default()).unwrap();
        assert_eq!(planned.rooms[0].edits.len(), 1);
    }

    #[test]
    fn a_verifier_tells_the_password_and_needs_the_key_it_was_made_with() {
        let password = Password::new("Summer2026!");
        let unkeyed = verifier(&password, None);
        assert!(unkeyed.starts_with("argon2id$m=19456,t=2$"), "{unkeyed}");
        assert_ne!(unkeyed, verifier(&password, None), "a fresh salt every time");
        assert_eq!(verifies(&unkeyed, &password, None), Ok(true));
        assert_eq!(verifies(&unkeyed, &Password::new("Summer2026?"), None), Ok(false));
        let keyed = verifier(&password, Some(b"plan key"));
        assert_eq!(verifies(&keyed, &password, Some(b"plan key")), Ok(true));
        assert_eq!(verifies(&keyed, &password, Some(b"another key")), Ok(false));
        assert!(verifies(&keyed, &password, None).unwrap_err().contains("DOCSPACE_PLAN_KEY"));
        assert!(verifies("argon2id$m=1$zz$00", &password, None).is_err());
    }

    #[test]
    fn only_a_verifier_as_this_version_writes_it_is_read() {
        let made = verifier(&Password::new("Summer2026!"), None);
        assert!(parse(&made).is_some_and(|parsed| !parsed.keyed));
        let parts: Vec<&str> = made.split('$').collect();
        let (salt, hash) = (parts[2], parts[3]);
        for edited in [
            format!("argon2id$m=4294967295,t=2${salt}${hash}"),
            format!("argon2id$t=2,m=19456${salt}${hash}"),
            format!("argon2id$m=19456,t=3${salt}${hash}"),
            format!("argon2id$m=19456,t=2,p=4${salt}${hash}"),
            format!("argon2id$m=19456,t=2${}${hash}", &salt[2..]),
            format!("argon2id$m=19456,t=2${salt}${hash}00"),
            format!("argon2id$m=19456,t=2${salt}${hash}$"),
            format!("argon2i$m=19456,t=2${salt}${hash}"),
        ] {
            assert!(parse(&edited).is_none(), "{edited}");
            let err = verifies(&edited, &Password::new("Summer2026!"), None).unwrap_err();
            assert!(err.contains("unreadable"), "{err}");
        }
    }

    #[test]
    fn a_link_left_as_it_is_sends_nothing_so_an_older_password_is_not_checked_again() {
        let mut press = portal_link("l1", "Press", false);
        press.expires = crate::time::parse_expiry("2030-03-31");
        press.password = Some(Password::new(SECRET));
        let mut portal = state(RoomState::Active, vec![press]);
        portal.password_policy =
            Some(PasswordPolicy { min_length: 25, ..PasswordPolicy::default() });
        assert!(plan_of(PRESS, &portal).unwrap().is_empty());
    }

    #[test]
    fn under_the_restriction_a_public_room_whose_links_are_as_declared_plans_nothing() {
        let mut press = portal_link("l1", "Press", false);
        press.expires = crate::time::parse_expiry("2030-03-31");
        press.password = Some(Password::new(SECRET));
        let old = portal_link("o", "Old partner", false);
        let mut portal = state(RoomState::Active, vec![press, old]);
        portal.sharing = Some(crate::model::PortalSharing {
            external_share: false,
            apply_to_rooms: true,
            default_internal: false,
        });
        let plan = plan_of(PRESS, &portal).unwrap();
        assert_eq!(lines(&plan), ["- link \"Old partner\""], "a removal is allowed");
    }

    /// The restriction of external sharing for rooms.
    const RESTRICTED_SHARING: crate::model::PortalSharing = crate::model::PortalSharing {
        external_share: false,
        apply_to_rooms: true,
        default_internal: false,
    };

    #[test]
    fn under_the_restriction_a_link_sent_as_public_outside_a_public_room_is_refused_with_its_line()
    {
        let mut portal = state(RoomState::Active, vec![portal_link("l1", "Team", false)]);
        portal.rooms[0].room_type = RoomType::Custom.into();
        portal.sharing = Some(RESTRICTED_SHARING);
        let plan_custom = |links: &str, portal: &PortalState| {
            let yaml =
                format!("rooms:\n  - title: Press Kit\n    type: custom\n    links:\n{links}");
            plan(&manifest(&yaml), portal, &PlanOptions::default())
        };
        // A create and an update, each declared public (the default): one problem each.
        let links = "      - name: Team\n        access: editor\n      - name: New\n        access: viewer\n";
        let Err(PlanError::Conflicts { problems, .. }) = plan_custom(links, &portal) else {
            panic!()
        };
        let at: Vec<usize> = problems.iter().map(|(line, _)| *line).collect();
        assert_eq!(at, [6, 8], "{problems:?}");
        assert_eq!(
            problems[0].1,
            "room `Press Kit`, link `Team`: the portal restricts external sharing for rooms (Settings → Sharing: `externalShare` off, `externalShareApplyToRooms` on), so it makes every link it creates or changes in a `custom` room internal; declare `internal: true`, or lift the restriction"
        );
        // Declared internal, both are planned; a link as declared sends nothing to refuse.
        let internal = "      - name: Team\n        access: editor\n        internal: true\n      - name: New\n        access: viewer\n        internal: true\n";
        assert_eq!(lines(&plan_custom(internal, &portal).unwrap()).len(), 2);
        assert!(
            plan_custom("      - name: Team\n        access: viewer\n", &portal)
                .unwrap()
                .is_empty()
        );
        // Without the restriction, public links are planned as declared.
        portal.sharing =
            Some(crate::model::PortalSharing { external_share: true, ..RESTRICTED_SHARING });
        assert_eq!(lines(&plan_custom(links, &portal).unwrap()).len(), 2);
    }

    #[test]
    fn under_the_restriction_a_form_filling_room_s_primary_link_changed_as_public_is_refused() {
        let mut portal = state(RoomState::Active, vec![portal_link("p", "Link to fill out", true)]);
        portal.rooms[0].room_type = RoomType::FormFilling.into();
        portal.sharing = Some(RESTRICTED_SHARING);
        let plan_forms = |internal: bool| {
            let yaml = format!(
                "rooms:\n  - title: Press Kit\n    type: form-filling\n    links:\n      - primary: true\n        name: Fill in\n        access: form-filler\n        internal: {internal}\n"
            );
            plan(&manifest(&yaml), &portal, &PlanOptions::default())
        };
        let Err(PlanError::Conflicts { problems, .. }) = plan_forms(false) else { panic!() };
        assert!(problems[0].1.contains("in a `form-filling` room internal"), "{problems:?}");
        assert_eq!(lines(&plan_forms(true).unwrap()).len(), 1);
    }
}
