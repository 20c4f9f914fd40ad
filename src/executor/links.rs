//! Applying link steps: the password read from its variable and checked against the plan's
//! hash, the whole link sent under a stable id, then read back, since the portal silently
//! ignores what the caller may not change (`internal` by room type, expiry without the right).

use super::error::StepError;
use crate::docspace::access_name;
use crate::links::Password;
use crate::model::PortalLink;
use crate::plan::links::{password_hash, portal_fields};
use crate::plan::{LinkChange, LinkFields};
use crate::portal::Portal;
use crate::portal::links::LinkRequest;
use sha2::{Digest, Sha256};

/// The id a new link is created under: derived from the portal, the room and the link's name,
/// so a create sent twice (a retry, a second run after a lost answer) makes one link.
pub(crate) fn derived_link_id(portal: &str, room: u64, name: &str) -> String {
    let digest = Sha256::new()
        .chain_update(portal.trim_end_matches('/').as_bytes())
        .chain_update([0])
        .chain_update(room.to_string().as_bytes())
        .chain_update([0])
        .chain_update(name.as_bytes())
        .finalize();
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
}

/// The password the step sends, read from its variable now and checked against the hash the
/// plan holds, so a saved plan never sends another password than the one reviewed.
pub(crate) fn read_password(room_key: &str, link: &LinkChange) -> Result<Option<Password>, String> {
    let Some(env) = &link.password_env else {
        return Ok(None);
    };
    let value = std::env::var(env)
        .ok()
        .filter(|value| !value.is_empty())
        .ok_or_else(|| format!("the password variable `{env}` is not set"))?;
    let password = Password::new(&value);
    if link.after.password.as_deref()
        != Some(password_hash(room_key, &link.name, &password).as_str())
    {
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
    room_key: &str,
    link: &LinkChange,
) -> Result<Option<String>, StepError> {
    let failed = |problems: Vec<String>| StepError::LinkNotApplied {
        room,
        link: link.name.clone(),
        problems,
    };
    let password = read_password(room_key, link).map_err(|problem| failed(vec![problem]))?;
    let link_id = match (&link.link_id, link.primary) {
        (Some(id), _) => id.clone(),
        (None, false) => derived_link_id(portal.base_url().as_str(), room, &link.name),
        // The primary link of a room created by this plan, or of a custom room that has none
        // yet: only `GET …/link` makes one.
        (None, true) => match portal.room_links(room).await?.into_iter().find(|l| l.primary) {
            Some(primary) => primary.id,
            None => portal.create_primary_link(room).await?.id,
        },
    };
    let after = &link.after;
    portal
        .set_room_link(
            room,
            &LinkRequest {
                link_id: &link_id,
                title: &after.title,
                access: after.access,
                expires: after.expires,
                password: password.as_ref(),
                deny_download: after.deny_download,
                internal: after.internal,
            },
        )
        .await?;
    let now = portal.room_links(room).await?;
    let found = now.iter().find(|l| l.id == link_id);
    let Some(found) = found else {
        return Err(failed(vec!["the link is not on the portal after it was sent".to_owned()]));
    };
    let problems = differences(&portal_fields(room_key, &link.name, found), after);
    if !problems.is_empty() {
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
            link: name.to_owned(),
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
        problems.push(format!("the title is `{}`, not `{}`", now.title, sent.title));
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

#[cfg(test)]
mod tests {
    use super::derived_link_id;

    #[test]
    fn a_link_id_depends_on_the_portal_the_room_and_the_name_only() {
        let id = derived_link_id("https://a.example.com/", 7, "Press");
        assert_eq!(id, derived_link_id("https://a.example.com", 7, "Press"));
        assert!(uuid::Uuid::parse_str(&id).is_ok());
        for other in [
            derived_link_id("https://b.example.com/", 7, "Press"),
            derived_link_id("https://a.example.com/", 8, "Press"),
            derived_link_id("https://a.example.com/", 7, "Press kit"),
        ] {
            assert_ne!(id, other);
        }
    }
}
