//! Links in the reconcile flow: which rooms' links are read, and a saved plan's link steps
//! checked before anything is sent (the passwords it was made with, the links it started from).

use crate::manifest::Manifest;
use crate::model::{PortalLink, PortalRoom, PortalState};
use crate::plan::links::portal_fields;
use crate::plan::{Action, Plan, Target};
use crate::portal::Portal;
use crate::text::escape;
use anyhow::{Context, bail};
use futures::{StreamExt, TryStreamExt};
use std::collections::BTreeMap;

/// The links of the rooms an entry with `links` of any of these manifests could mean (pinned
/// ids, titles and earlier titles), or with none (`export`), of every room whose type has links.
pub(crate) async fn read_links(
    portal: &Portal,
    rooms: &[PortalRoom],
    manifests: Option<&[&Manifest]>,
) -> anyhow::Result<BTreeMap<u64, Vec<PortalLink>>> {
    read_room_links(portal, link_rooms(rooms, manifests)).await
}

/// The rooms [`read_links`] reads, worked out before the read so the rooms need not be kept
/// (or copied) while it runs.
pub(crate) fn link_rooms(rooms: &[PortalRoom], manifests: Option<&[&Manifest]>) -> Vec<u64> {
    match manifests {
        None => rooms
            .iter()
            .filter(|room| room.room_type.known().and_then(crate::links::rules).is_some())
            .map(|room| room.id)
            .collect(),
        Some(manifests) => {
            let with_links: Vec<_> = manifests
                .iter()
                .flat_map(|manifest| &manifest.rooms)
                .filter(|spec| spec.links.is_some())
                .collect();
            super::read::rooms_meant_by(&with_links, rooms)
                // A room whose type has no links has none to read; the planner says so.
                .filter(|room| {
                    room.room_type.known().is_none_or(|t| crate::links::rules(t).is_some())
                })
                .map(|room| room.id)
                .collect()
        }
    }
}

/// The external links of each of these rooms, read `--parallelism` at a time.
pub(crate) async fn read_room_links(
    portal: &Portal,
    ids: Vec<u64>,
) -> anyhow::Result<BTreeMap<u64, Vec<PortalLink>>> {
    futures::stream::iter(ids)
        .map(|id| async move { portal.room_links(id).await.map(|links| (id, links)) })
        .buffer_unordered(portal.config().parallelism.max(1))
        .try_collect()
        .await
        .with_context(|| format!("cannot read the room links of `{}`", portal.base_url()))
}

/// Refuses a saved plan whose password variables are not set or hold other passwords than
/// when it was made, before anything is sent.
pub(crate) fn check_passwords(plan: &Plan) -> anyhow::Result<()> {
    let problems: Vec<String> = plan
        .steps()
        .filter_map(|(room, step)| match &step.action {
            Action::SetLink { link } => {
                crate::executor::read_link_password(&room.title, link).err().map(|problem| {
                    format!(
                        "room \"{}\", link \"{}\": {problem}",
                        escape(&room.title),
                        escape(&link.name)
                    )
                })
            }
            _ => None,
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    bail!(
        "the plan's link passwords cannot be sent, so it was not applied:\n  {}",
        problems.join("\n  ")
    )
}

/// Refuses a saved plan when a link it changes is no longer as it was then, or a link it
/// creates now exists (`now.links` holds the rooms of [`Plan::link_rooms`]).
pub(crate) fn check_fresh(plan: &Plan, now: &PortalState) -> anyhow::Result<()> {
    let mut changes = Vec::new();
    for (room, step) in plan.steps() {
        let Target::Existing { id } = room.target else { continue };
        let links = now.links.get(&id).map(Vec::as_slice).unwrap_or_default();
        let label = format!("room {id} \"{}\"", escape(&room.title));
        let (name, found, before) = match &step.action {
            Action::SetLink { link } => {
                let found = if link.primary {
                    links.iter().find(|l| l.primary)
                } else {
                    links.iter().find(|l| !l.primary && l.title == link.name)
                };
                (&link.name, found, link.before.as_ref())
            }
            Action::RemoveLink { name, link_id, before } => {
                (name, links.iter().find(|l| &l.id == link_id), Some(&**before))
            }
            _ => continue,
        };
        let now = found.map(|l| portal_fields(&room.title, name, l));
        if now.as_ref() != before {
            let what = match (before, &now) {
                (None, Some(_)) => "was created since",
                (Some(_), None) => "was removed since",
                _ => "changed since",
            };
            changes.push(format!("{label}: link \"{}\" {what}", escape(name)));
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    bail!(
        "the portal's links changed since the plan was made, so it was not applied; make a new plan:\n  {}",
        changes.join("\n  ")
    )
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
    let rules = room.room_type.known().and_then(crate::links::rules);
    let now = crate::links::now();
    let mut listed: Vec<LinkSpec> = Vec::new();
    let (mut passwords, mut left_out) = (Vec::new(), Vec::new());
    let mut ordered: Vec<&PortalLink> = links.iter().collect();
    ordered.sort_by_key(|link| (!link.primary, link.title.clone()));
    for (index, link) in ordered.into_iter().enumerate() {
        let access = crate::docspace::Access::from_code(link.access)
            .filter(|access| rules.is_some_and(|rules| rules.access.contains(access)));
        let twin = !link.primary
            && links.iter().filter(|l| !l.primary && l.title == link.title).count() > 1;
        let why = match (access, link.expires) {
            _ if twin => Some("another link has the same name".to_owned()),
            (None, _) => {
                Some(format!("access {}, which a manifest cannot give a link here", link.access))
            }
            (_, Some(expires)) if expires <= now => Some("it has expired".to_owned()),
            _ => None,
        };
        if let Some(why) = why {
            left_out.push(format!("- link `{}`: {why}", link.title));
            continue;
        }
        let password = link.password.as_ref().map(|_| {
            let env = format!("LINK_PASSWORD_{}_{}", room.id, index + 1);
            passwords.push(format!("- `{env}`: the password of link `{}`", link.title));
            LinkPassword { env, value: None }
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
                .find(|l| l.primary == link.primary && (l.primary || l.title == link.name))
                .and_then(|l| l.password.clone());
        }
    }
}
