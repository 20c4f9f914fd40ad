//! A room's external links: read with `GET …/links?type=1` (never `GET …/link`, which creates
//! one), and created, updated and removed with the one `PUT …/links`, which always receives the
//! whole link (a field left out is removed).

use super::client::{Portal, Repeat};
use super::error::ApiError;
use crate::links::{CUT_ASCII_REGEX, LINK_TYPE_EXTERNAL, Password, PasswordPolicy};
use crate::model::{PortalLink, PortalSharing};
use crate::time::{api_date, parse_date_time};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShareDto {
    access: i64,
    #[serde(default)]
    shared_link: Option<SharedLinkDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SharedLinkDto {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    share_link: String,
    #[serde(default)]
    expiration_date: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    deny_download: bool,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    internal: bool,
    #[serde(default)]
    link_type: Option<i64>,
}

/// No `Debug`: the password must not reach a log by accident.
impl ShareDto {
    fn into_link(self) -> Option<PortalLink> {
        let link = self.shared_link?;
        if link.link_type.is_some_and(|t| t != LINK_TYPE_EXTERNAL) {
            return None;
        }
        Some(PortalLink {
            id: link.id,
            title: link.title,
            access: self.access,
            expires: link.expiration_date.as_deref().and_then(parse_date_time),
            password: link.password.filter(|p| !p.is_empty()).map(|p| Password::new(&p)),
            deny_download: link.deny_download,
            internal: link.internal,
            primary: link.primary,
            url: link.share_link,
        })
    }
}

/// `GET /api/2.0/settings/security/password` (`PasswordSettingsDto`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PasswordSettingsDto {
    min_length: usize,
    #[serde(default)]
    upper_case: bool,
    #[serde(default)]
    digits: bool,
    #[serde(default)]
    spec_symbols: bool,
    #[serde(default)]
    allowed_characters_regex_str: Option<String>,
}

/// The sharing fields of `GET /api/2.0/files/settings` (`FilesSettingsDto`); a portal that
/// leaves one out has it at its default.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FilesSettingsDto {
    #[serde(default = "yes")]
    external_share: bool,
    #[serde(default = "yes")]
    external_share_apply_to_rooms: bool,
    #[serde(default)]
    default_share_link_internal: bool,
}

fn yes() -> bool {
    true
}

/// What `PUT …/links` is sent: the whole link.
pub(crate) struct LinkRequest<'a> {
    pub(crate) link_id: &'a str,
    pub(crate) title: &'a str,
    pub(crate) access: i64,
    pub(crate) expires: Option<i64>,
    pub(crate) password: Option<&'a Password>,
    pub(crate) deny_download: bool,
    pub(crate) internal: bool,
}

impl Portal {
    /// The room's external links, primary and additional.
    pub(crate) async fn room_links(&self, room: u64) -> Result<Vec<PortalLink>, ApiError> {
        let path = format!("/api/2.0/files/rooms/{room}/links");
        // Decoded without naming values in errors: a response holds passwords.
        let (entries, _) = self
            .get_typed::<Vec<ShareDto>>(&path, &[("type", LINK_TYPE_EXTERNAL.to_string())])
            .await?;
        Ok(entries.into_iter().filter_map(ShareDto::into_link).collect())
    }

    /// The portal's password policy, which every link password must meet.
    pub(crate) async fn password_policy(&self) -> Result<PasswordPolicy, ApiError> {
        let path = "/api/2.0/settings/security/password";
        let (dto, _) = self.get_typed::<PasswordSettingsDto>(path, &[]).await?;
        Ok(PasswordPolicy {
            min_length: dto.min_length,
            upper_case: dto.upper_case,
            digits: dto.digits,
            spec_symbols: dto.spec_symbols,
            ascii_cut: dto.allowed_characters_regex_str.as_deref() == Some(CUT_ASCII_REGEX),
        })
    }

    /// The portal's sharing settings: may links be public, are new ones internal by default.
    pub(crate) async fn sharing_settings(&self) -> Result<PortalSharing, ApiError> {
        let (dto, _) = self.get_typed::<FilesSettingsDto>("/api/2.0/files/settings", &[]).await?;
        Ok(PortalSharing {
            external_share: dto.external_share,
            apply_to_rooms: dto.external_share_apply_to_rooms,
            default_internal: dto.default_share_link_internal,
        })
    }

    /// Creates the primary link of a custom room that has none (`GET …/link` creates it), and
    /// returns it.
    pub(crate) async fn create_primary_link(&self, room: u64) -> Result<PortalLink, ApiError> {
        let path = format!("/api/2.0/files/rooms/{room}/link");
        let (entry, _) = self.get_typed::<ShareDto>(&path, &[]).await?;
        entry.into_link().ok_or_else(|| ApiError::Malformed {
            request: format!("GET {path}"),
            status: 200,
            detail: "not an external link".to_owned(),
        })
    }

    /// Updates the link `link_id`, sending the whole link. Safe to repeat: the id makes it the
    /// same link.
    pub(crate) async fn set_room_link(
        &self,
        room: u64,
        link: &LinkRequest<'_>,
    ) -> Result<(), ApiError> {
        self.put_link(room, link, Repeat::Safe).await
    }

    /// `PUT …/links` with the whole link.
    async fn put_link(
        &self,
        room: u64,
        link: &LinkRequest<'_>,
        repeat: Repeat,
    ) -> Result<(), ApiError> {
        let path = format!("/api/2.0/files/rooms/{room}/links");
        self.send(Method::PUT, &path, &[], Some(&link_body(link)), repeat).await.map(drop)
    }

    /// Creates a link under `link_id`, a fresh id the portal keeps. Sent again only where the
    /// portal certainly did not take it; after an unknown outcome the room's links are read
    /// within the lookup window (see [`Portal::look_up`]), and a link with this id is the one
    /// this create made.
    pub(crate) async fn create_room_link(
        &self,
        room: u64,
        link: &LinkRequest<'_>,
    ) -> Result<(), ApiError> {
        match self.put_link(room, link, Repeat::OnlyIfNotSent).await {
            Ok(()) => Ok(()),
            Err(err) if err.outcome_unknown() => {
                let lookup = || async {
                    let links = self.room_links(room).await?;
                    Ok(links.iter().any(|l| l.id == link.link_id).then_some(()))
                };
                let what = format!("link {} in {room}", link.link_id);
                self.look_up(&what, lookup).await.ok_or_else(|| {
                    let request = format!("PUT /api/2.0/files/rooms/{room}/links");
                    self.create_outcome_unknown(request, "link", link.title, err)
                })
            }
            Err(err) => Err(err),
        }
    }

    /// Removes a link (`access: 0`); removing one that is gone already is fine.
    pub(crate) async fn remove_room_link(&self, room: u64, link_id: &str) -> Result<(), ApiError> {
        let body = json!({ "linkId": link_id, "access": 0, "linkType": LINK_TYPE_EXTERNAL });
        let path = format!("/api/2.0/files/rooms/{room}/links");
        self.send(Method::PUT, &path, &[], Some(&body), Repeat::Safe).await.map(drop)
    }
}

/// The body of `PUT …/links` for the whole link: a field left out is removed.
fn link_body(link: &LinkRequest<'_>) -> Value {
    let mut body = json!({
            "linkId": link.link_id,
        "title": link.title,
        "access": link.access,
        "linkType": LINK_TYPE_EXTERNAL,
        "denyDownload": link.deny_download,
        "internal": link.internal,
    });
    if let Some(expires) = link.expires {
        body["expirationDate"] = Value::String(api_date(expires));
    }
    if let Some(password) = link.password {
        body["password"] = Value::String(password.expose().to_owned());
    }
    body
}
