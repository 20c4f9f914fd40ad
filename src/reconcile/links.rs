//! Links in the reconcile flow: which rooms' links are read, a saved plan's link steps checked
//! before anything is sent (the passwords it was made with, the links it started from), and
//! the links `export` writes.

use crate::links;
use crate::manifest::{DesiredState, Manifest, RoomSpec};
use crate::model::{PortalLink, PortalRoom, PortalState};
use crate::plan::links::unchanged_since;
use crate::plan::{Action, Plan, Target};
use crate::portal::Portal;
use crate::text::escape;
use anyhow::Context;
use std::collections::{BTreeMap, BTreeSet};

/// The rooms whose links a plan compares: those the entries with `links` mean (never one whose
/// type has no links: the planner says so), or with no manifest (`export`), every room whose
/// type has links.
pub(crate) fn wanted(meant: Option<&[(&RoomSpec, &PortalRoom)]>, rooms: &[PortalRoom]) -> Vec<u64> {
    let has_links =
        |room: &PortalRoom| room.room_type.known().is_none_or(|t| links::rules(t).is_some());
    let ids: BTreeSet<u64> = match meant {
        None => rooms
            .iter()
            .filter(|room| room.room_type.known().and_then(links::rules).is_some())
            .map(|room| room.id)
            .collect(),
        Some(meant) => meant
            .iter()
            .filter(|(spec, room)| {
                spec.links.is_some() && spec.state != DesiredState::Deleted && has_links(room)
            })
            .map(|(_, room)| room.id)
            .collect(),
    };
    ids.into_iter().collect()
}

/// The external links of each of these rooms.
pub(crate) async fn read(
    portal: &Portal,
    rooms: Vec<u64>,
) -> anyhow::Result<BTreeMap<u64, Vec<PortalLink>>> {
    portal
        .read_each(rooms, |id| portal.room_links(id))
        .await
        .with_context(|| format!("cannot read the room links of `{}`", portal.base_url()))
}

/// The portal settings links depend on, read when some entry declares `links`: the sharing
/// settings (a restriction, the default `internal`), and the password policy when a link
/// declares a password. Both are checked by the planner before any write.
pub(crate) async fn read_settings(
    portal: &Portal,
    manifests: &[&Manifest],
    state: &mut PortalState,
) -> anyhow::Result<()> {
    let specs = || manifests.iter().flat_map(|manifest| &manifest.rooms);
    if !specs().any(|spec| spec.links.is_some()) {
        return Ok(());
    }
    let passwords =
        specs().flat_map(|spec| spec.links.iter().flatten()).any(|l| l.password.is_some());
    let (sharing, policy) = tokio::try_join!(portal.sharing_settings(), async {
        if passwords { portal.password_policy().await.map(Some) } else { Ok(None) }
    })
    .with_context(|| format!("cannot read the sharing settings of `{}`", portal.base_url()))?;
    state.sharing = Some(sharing);
    state.password_policy = policy;
    Ok(())
}

/// Checks each link step of a saved plan against the environment: its password variable must
/// pass what every password read for sending passes (`manifest::read_password`: never the
/// token `is_token` recognises, which is this job's, not the plan job's) and hold the password
/// the plan's verifier was made from. The password is then kept with the step, in memory, for
/// the executor. A line per step that fails.
pub(crate) fn unseal_passwords(
    plan: &mut Plan,
    key: Option<&[u8]>,
    is_token: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    for room in &mut plan.rooms {
        let title = room.title.clone();
        for step in &mut room.edits {
            let Action::SetLink { link } = &mut step.action else { continue };
            let (Some(env), Some(mark)) = (&link.password_env, &mut link.after.password) else {
                continue;
            };
            let read = crate::manifest::read_password(env, &crate::links::EnvValue::of, is_token);
            let problem = match (read, &mark.verifier) {
                (_, None) => Some(crate::plan::links::NO_VERIFIER.to_owned()),
                (Err(problem), _) => Some(format!("the password variable `{env}` {problem}")),
                (Ok(password), Some(verifier)) => {
                    match crate::plan::links::verifies(verifier, &password, key) {
                        Ok(true) => {
                            mark.secret = Some(password);
                            None
                        }
                        Ok(false) => Some(format!(
                            "the password variable `{env}` holds another password than when the plan was made"
                        )),
                        Err(problem) => Some(problem),
                    }
                }
            };
            if let Some(problem) = problem {
                problems.push(format!(
                    "room \"{}\", link \"{}\": {problem}",
                    escape(&title),
                    escape(&link.name)
                ));
            }
        }
    }
    problems
}

/// A line per link a saved plan changes that is no longer as it was then, or that it creates
/// and now exists (`now.links` holds the rooms of [`Plan::link_rooms`]).
pub(crate) fn stale(plan: &Plan, now: &PortalState, key: Option<&[u8]>) -> Vec<String> {
    let mut changes = Vec::new();
    for (room, step) in plan.steps() {
        let Target::Existing { id } = room.target else { continue };
        let links = now.links.get(&id).map(Vec::as_slice).unwrap_or_default();
        let label = format!("room {id} \"{}\"", escape(&room.title));
        let (name, found, before) = match &step.action {
            Action::SetLink { link } => {
                let found = links.iter().find(|l| l.is_named(link.primary, &link.name));
                (&link.name, found, link.before.as_ref())
            }
            Action::RemoveLink { name, link_id, before } => {
                (name, links.iter().find(|l| &l.id == link_id), Some(&**before))
            }
            _ => continue,
        };
        let what = match (before, found) {
            (None, None) => continue,
            (None, Some(_)) => "was created since".to_owned(),
            (Some(_), None) => "was removed since".to_owned(),
            (Some(before), Some(found)) => match unchanged_since(before, found, key) {
                Ok(true) => continue,
                Ok(false) => "changed since".to_owned(),
                Err(problem) => problem,
            },
        };
        changes.push(format!("{label}: link \"{}\" {what}", escape(name)));
    }
    changes
}

/// A room's links as `export` writes them: each link a manifest can list (passwords named by
/// a variable for the user to set, never written), the policy (`additive` when one could not
/// be listed), and the comment lines for the room.
pub(crate) struct ExportedLinks {
    /// The links, the primary one first.
    pub(crate) links: Vec<crate::manifest::LinkSpec>,
    /// `additive` when a link is left out, so applying the export removes nothing.
    pub(crate) policy: crate::manifest::LinksPolicy,
    /// What the user must know: the password variables to set, the links left out and why.
    pub(crate) notes: Vec<String>,
}

/// The links of `room` as a manifest lists them; `None` when it has none.
pub(crate) fn exported_links(room: &PortalRoom, links: &[PortalLink]) -> Option<ExportedLinks> {
    use crate::manifest::{LinkPassword, LinkSpec, LinksPolicy};
    if links.is_empty() {
        return None;
    }
    let rules = room.room_type.known().and_then(links::rules);
    let now = crate::time::now();
    let mut listed: Vec<LinkSpec> = Vec::new();
    let (mut passwords, mut left_out) = (Vec::new(), Vec::new());
    let mut ordered: Vec<&PortalLink> = links.iter().collect();
    ordered.sort_by_key(|link| (!link.primary, link.title.clone()));
    for (index, link) in ordered.into_iter().enumerate() {
        let access = crate::docspace::Access::from_code(link.access)
            .filter(|access| rules.is_some_and(|rules| rules.access.contains(access)));
        let twin =
            !link.primary && links.iter().filter(|l| l.is_named(false, &link.title)).count() > 1;
        let why = match (access, link.expires) {
            _ if twin => Some("another link has the same name".to_owned()),
            (None, _) => {
                Some(format!("access {}, which a manifest cannot give a link here", link.access))
            }
            (_, Some(expires)) if expires <= now => Some("it has expired".to_owned()),
            _ => None,
        };
        if let Some(why) = why {
            left_out.push(format!("- link `{}`: {why}", escape(&link.title)));
            continue;
        }
        let password = link.password.as_ref().map(|_| {
            let env = format!("LINK_PASSWORD_{}_{}", room.id, index + 1);
            passwords.push(format!("- `{env}`: the password of link `{}`", escape(&link.title)));
            LinkPassword { env, line: 0, value: None }
        });
        listed.push(LinkSpec {
            name: link.title.clone(),
            primary: link.primary,
            access: access.expect("checked above"),
            expires: link.expires,
            password,
            deny_download: link.deny_download,
            internal: link.internal,
            line: 0,
        });
    }
    let mut notes = Vec::new();
    if !passwords.is_empty() {
        notes.push(
            "`password_env`: export never writes a password; set these variables to the links' current passwords before `plan`:"
                .to_owned(),
        );
        notes.extend(passwords);
    }
    if !left_out.is_empty() {
        notes.push("`links_policy: additive`: these links are not listed, so applying this file leaves them as they are:".to_owned());
        notes.extend(left_out);
    }
    let policy = if notes.iter().any(|n| n.starts_with("`links_policy")) {
        LinksPolicy::Additive
    } else {
        LinksPolicy::Exact
    };
    Some(ExportedLinks { links: listed, policy, notes })
}

/// Gives each declared link password the portal's own, in memory: how `export` checks that its
/// manifest plans nothing without the variables the user has yet to set.
pub(crate) fn portal_passwords(manifest: &mut Manifest, state: &PortalState) {
    for room in &mut manifest.rooms {
        let Some(links) = room.id.and_then(|id| state.links.get(&id)) else { continue };
        for link in room.links.iter_mut().flatten() {
            let Some(password) = &mut link.password else { continue };
            password.value = links
                .iter()
                .find(|l| l.is_named(link.primary, &link.name))
                .and_then(|l| l.password.clone());
        }
    }
}
