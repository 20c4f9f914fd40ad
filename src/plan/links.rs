//! Link planning for rooms whose entry declares `links`: match each declared link with the
//! portal's (the primary one by its flag, the others by title), then plan removals, updates
//! and creates in that order, so a swap never crosses the room type's limit.
//!
//! Passwords never enter a plan: each side is a salted hash, which is enough to tell a change
//! and, later, to tell that a saved plan has gone stale.

use super::model::{Action, LinkChange, LinkFields, Step};
use crate::docspace::RoomType;
use crate::links::{self, Password};
use crate::manifest::{LinkSpec, LinksPolicy, RoomSpec};
use crate::model::{PortalLink, PortalRoom, PortalState};
use sha2::{Digest, Sha256};

/// Rounds of SHA-256 in [`password_hash`]: 1.5 ms a hash optimised, so a plan stays fast while
/// each guess at a saved plan's hash costs as much.
const HASH_ROUNDS: u32 = 10_000;

/// The salted hash a plan holds instead of a password. The salt is the room's title and the
/// link's name, so that one password gives a different hash in every link.
pub(crate) fn password_hash(room: &str, link: &str, password: &Password) -> String {
    let salt = format!("docspace-rooms link password\0{room}\0{link}\0");
    let mut digest =
        Sha256::new().chain_update(salt.as_bytes()).chain_update(password.expose()).finalize();
    for _ in 1..HASH_ROUNDS {
        digest = Sha256::new().chain_update(salt.as_bytes()).chain_update(digest).finalize();
    }
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A portal link's fields, its password hashed for the room and name it is compared under.
pub(crate) fn portal_fields(room: &str, name: &str, link: &PortalLink) -> LinkFields {
    LinkFields {
        title: link.title.clone(),
        access: link.access,
        expires: link.expires,
        password: link.password.as_ref().map(|p| password_hash(room, name, p)),
        deny_download: link.deny_download,
        internal: link.internal,
    }
}

/// The link steps for one room, or the problems (with their manifest lines) that prevent them.
pub(super) fn link_steps(
    spec: &RoomSpec,
    room: Option<&PortalRoom>,
    portal: &PortalState,
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

    let key = spec.stored_title.as_str();
    let (mut removes, mut updates, mut creates) = (Vec::new(), Vec::new(), Vec::new());
    let mut claimed: Vec<&str> = Vec::new();
    for link in wanted {
        let found = match find_existing(spec, link, current) {
            Ok(found) => found,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let after = match wanted_fields(key, link) {
            Ok(after) => after,
            Err(message) => {
                problems.push((link.line, message));
                continue;
            }
        };
        let before = match found {
            Some(found) => {
                claimed.push(&found.id);
                Some(portal_fields(key, &link.name, found))
            }
            // A room this plan creates starts with the primary link the portal gives its type.
            None if link.primary && room.is_none() => {
                rules.and_then(|(_, rules)| auto_primary(&rules))
            }
            None => None,
        };
        if before.as_ref() == Some(&after) {
            continue;
        }
        let change = LinkChange {
            name: link.name.clone(),
            primary: link.primary,
            link_id: found.map(|found| found.id.clone()),
            password_env: link.password.as_ref().map(|p| p.env.clone()),
            before,
            after,
        };
        let reason = match (&change.before, change.primary) {
            (None, false) => "declared in the manifest and not on the portal",
            (None, true) => "the room's primary link is declared",
            (Some(_), _) => "the declared link differs from the portal's",
        };
        let step = Step::new(Action::SetLink { link: Box::new(change) }, reason);
        if found.is_some() || link.primary {
            updates.push(step);
        } else {
            creates.push(step);
        }
    }
    let unclaimed = current.iter().filter(|l| !l.primary && !claimed.contains(&l.id.as_str()));
    let mut kept = current.iter().filter(|l| !l.primary).count();
    if spec.links_policy == LinksPolicy::Exact {
        removes.extend(unclaimed.map(|link| removal(key, link)));
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
    if !problems.is_empty() {
        return Err(problems);
    }
    removes.extend(updates);
    removes.extend(creates);
    Ok(removes)
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

/// The primary link the portal creates with a room of this type, as a plan compares it.
fn auto_primary(rules: &links::LinkRules) -> Option<LinkFields> {
    rules.auto_primary.map(|(title, access)| LinkFields {
        title: title.to_owned(),
        access: access.code(),
        expires: None,
        password: None,
        deny_download: false,
        internal: false,
    })
}

/// The step that removes an undeclared additional link.
fn removal(room: &str, link: &PortalLink) -> Step {
    Step::new(
        Action::RemoveLink {
            name: link.title.clone(),
            link_id: link.id.clone(),
            before: Box::new(portal_fields(room, &link.title, link)),
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
    }
}

/// The declared link's fields; its password must have been read from the environment.
fn wanted_fields(room: &str, link: &LinkSpec) -> Result<LinkFields, String> {
    let password = match &link.password {
        None => None,
        Some(declared) => match &declared.value {
            Some(value) => Some(password_hash(room, &link.name, value)),
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

    const SECRET: &str = "correct horse battery";

    fn manifest(yaml: &str) -> crate::manifest::Manifest {
        let mut manifest = crate::manifest::parse(Path::new("rooms.yaml"), yaml).unwrap().0;
        crate::manifest::read_passwords(&mut manifest, &|name| match name {
            "PRESS_PASSWORD" => Some(SECRET.to_owned()),
            "OTHER_PASSWORD" => Some("another secret".to_owned()),
            _ => None,
        })
        .unwrap();
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
        assert_eq!(lines(&plan), ["+ link \"Press\" viewer, expires 2030-03-31, password set"]);
        let Action::SetLink { link } = &plan.rooms[0].edits[0].action else { panic!() };
        assert_eq!(link.link_id, None);
        assert_eq!(link.password_env.as_deref(), Some("PRESS_PASSWORD"));
        let json = serde_json::to_string(&plan).unwrap();
        assert!(!json.contains(SECRET), "{json}");
        assert!(json.contains(link.after.password.as_deref().unwrap()));
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
    fn passwords_are_compared_and_only_said_to_be_set_changed_or_removed() {
        let mut press = portal_link("l1", "Press", false);
        press.expires = crate::time::parse_expiry("2030-03-31");
        press.password = Some(Password::new(SECRET));
        let portal = state(RoomState::Active, vec![press.clone()]);
        assert!(plan_of(PRESS, &portal).unwrap().is_empty());
        let changed = plan_of(&PRESS.replace("PRESS_PASSWORD", "OTHER_PASSWORD"), &portal).unwrap();
        assert_eq!(lines(&changed), ["~ link \"Press\" password changed"]);
        let removed =
            plan_of(&PRESS.replace("        password_env: PRESS_PASSWORD\n", ""), &portal).unwrap();
        assert_eq!(lines(&removed), ["~ link \"Press\" password removed"]);
        let text = render::text(&changed, "rooms.yaml", false);
        assert!(!text.contains(SECRET) && !text.contains("another secret"), "{text}");
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
}
