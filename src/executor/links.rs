//! Applying link steps: the password read from its variable and checked against the plan's,
//! the whole link sent, then read back, since the portal silently ignores what the caller may
//! not change (`internal` by room type, expiry without the right).
//!
//! A new link is created under a fresh random id, never one derived from its name: on a portal
//! a link's URL is a signature of its id (`ExternalShare.CreateShareKeyAsync`), so a link made
//! again under an old id would revive every copy of its old URL, a revoked one included. A
//! create is sent once; after an unknown outcome the room's links are read and the link found
//! by that id. An update is sent only while the link still exists, for the same reason.
//!
//! Two runs adding the same link at once are settled as rooms are (see `twins`): a link of the
//! name made since the plan is used, not made again; after a create, the first of the name's
//! links by id stays, and a run whose link was not the first removes it before anyone had its
//! URL, and hands out the one that stays.

use super::error::StepError;
use super::twins::{LinkTwins, Settled, gone_error, settle};
use crate::docspace::access_name;
use crate::links::Password;
use crate::model::PortalLink;
use crate::plan::links::portal_fields;
use crate::plan::{LinkChange, LinkFields};
use crate::portal::Portal;
use crate::portal::links::LinkRequest;
use crate::text::escape;

/// The password the step sends, read from its variable now (trimmed, as the portal trims it)
/// and compared with the plan's, so a saved plan never sends another password than the one
/// reviewed (its verifier was checked against the variable before anything was sent).
pub(crate) fn read_password(link: &LinkChange) -> Result<Option<Password>, String> {
    let Some(env) = &link.password_env else {
        return Ok(None);
    };
    let password = crate::links::EnvValue::of(env)
        .password()
        .map_err(|problem| format!("the password variable `{env}` {problem}"))?;
    let planned = link.after.password.as_ref().and_then(|mark| mark.secret.as_ref());
    if planned != Some(&password) {
        return Err(format!(
            "the password variable `{env}` holds another password than when the plan was made"
        ));
    }
    Ok(Some(password))
}

/// Creates or updates one link, reads it back, and returns the URL of a link it created.
pub(super) async fn set_link(
    portal: &Portal,
    room: u64,
    link: &LinkChange,
) -> Result<Option<String>, StepError> {
    let failed = |problems: Vec<String>| StepError::LinkNotApplied {
        room,
        link: crate::text::escape(&link.name),
        problems,
    };
    let password = read_password(link).map_err(|problem| failed(vec![problem]))?;
    let after = &link.after;
    let request = |link_id| LinkRequest {
        link_id,
        title: &after.title,
        access: after.access,
        expires: after.expires,
        password: password.as_ref(),
        deny_download: after.deny_download,
        internal: after.internal,
    };
    // Whether the link was made by another run since this run read the portal.
    let mut appeared = false;
    let link_id = match (&link.link_id, link.primary) {
        (Some(id), _) => {
            // Sent to an id the portal no longer has, an update would make the link again
            // under it, reviving its old URL.
            if !portal.room_links(room).await?.iter().any(|l| &l.id == id) {
                return Err(failed(vec![
                    "the link was removed since the plan was made; it is not made again under its old id (its old URL would open again): run `plan` again".to_owned(),
                ]));
            }
            portal.set_room_link(room, &request(id)).await?;
            id.clone()
        }
        (None, false) => {
            let twins = LinkTwins { portal, room, name: &link.name };
            // One another run made since this run read the portal: used, not made again.
            if let Some(first) = twins.named().await?.into_iter().next() {
                appeared = true;
                first.id
            } else {
                let id = uuid::Uuid::new_v4().to_string();
                portal.create_room_link(room, &request(&id)).await?;
                match settle(portal, &twins, Some(id)).await? {
                    Settled::Kept(id) | Settled::Removed { survivor: id, stays: true, .. } => id,
                    Settled::Removed { mine, survivor, stays: false } => {
                        return Err(gone_error("link", escape(&link.name), &mine, &survivor));
                    }
                }
            }
        }
        // The primary link of a room created by this plan, or of a custom room that has none
        // yet: only `GET …/link` makes one.
        (None, true) => {
            let id = match portal.room_links(room).await?.into_iter().find(|l| l.primary) {
                Some(primary) => primary.id,
                None => portal.create_primary_link(room).await?.id,
            };
            portal.set_room_link(room, &request(&id)).await?;
            id
        }
    };
    let now = portal.room_links(room).await?;
    let found = now.iter().find(|l| l.id == link_id);
    let Some(found) = found else {
        return Err(failed(vec!["the link is not on the portal after it was sent".to_owned()]));
    };
    let mut problems = differences(&portal_fields(found), after);
    if !problems.is_empty() {
        if appeared {
            problems.insert(0, "someone else made a link of this name after this run read the portal; it was not made again, and it differs".to_owned());
        }
        return Err(failed(problems));
    }
    Ok(link.before.is_none().then(|| found.url.clone()))
}

/// Removes one link and checks it is gone.
pub(super) async fn remove_link(
    portal: &Portal,
    room: u64,
    link_id: &str,
    name: &str,
) -> Result<(), StepError> {
    portal.remove_room_link(room, link_id).await?;
    let now: Vec<PortalLink> = portal.room_links(room).await?;
    if now.iter().any(|l| l.id == link_id && !l.primary) {
        return Err(StepError::LinkNotApplied {
            room,
            link: crate::text::escape(name),
            problems: vec!["the link is still on the portal".to_owned()],
        });
    }
    Ok(())
}

/// What the portal ignored: one line per field that differs from what was sent.
fn differences(now: &LinkFields, sent: &LinkFields) -> Vec<String> {
    let mut problems = Vec::new();
    let ignored = "the portal ignored it (it does without the right to change it, or when the room type forces it)";
    if now.title != sent.title {
        let (now, sent) = (crate::text::escape(&now.title), crate::text::escape(&sent.title));
        problems.push(format!("the title is `{now}`, not `{sent}`"));
    }
    if now.access != sent.access {
        problems.push(format!(
            "it gives `{}`, not `{}`",
            access_name(now.access),
            access_name(sent.access)
        ));
    }
    if now.expires != sent.expires {
        problems.push(format!("its expiry was not set: {ignored}"));
    }
    if now.password != sent.password {
        problems.push("its password is not the one sent".to_owned());
    }
    if now.deny_download != sent.deny_download {
        problems.push(format!(
            "`deny_download` is {}, not {}: {ignored}",
            now.deny_download, sent.deny_download
        ));
    }
    if now.internal != sent.internal {
        problems.push(format!("`internal` is {}, not {}: {ignored}", now.internal, sent.internal));
    }
    problems
}
