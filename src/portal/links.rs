//! A room's external links: read with `GET …/links?type=1` (never `GET …/link`, which creates
//! one), and created, updated and removed with the one `PUT …/links`, which always receives the
//! whole link (a field left out is removed).

use super::client::{Portal, Repeat};
use super::error::ApiError;
use crate::links::{LINK_TYPE_EXTERNAL, Password};
use crate::model::PortalLink;
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

    /// Creates or updates a link under `link_id` (the portal keeps an unknown id), sending the
    /// whole link. Safe to repeat: the id makes it the same link.
    pub(crate) async fn set_room_link(
        &self,
        room: u64,
        link: &LinkRequest<'_>,
    ) -> Result<(), ApiError> {
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
        let path = format!("/api/2.0/files/rooms/{room}/links");
        self.send(Method::PUT, &path, &[], Some(&body), Repeat::Safe).await.map(drop)
    }

    /// Removes a link (`access: 0`); removing one that is gone already is fine.
    pub(crate) async fn remove_room_link(&self, room: u64, link_id: &str) -> Result<(), ApiError> {
        let body = json!({ "linkId": link_id, "access": 0, "linkType": LINK_TYPE_EXTERNAL });
        let path = format!("/api/2.0/files/rooms/{room}/links");
        self.send(Method::PUT, &path, &[], Some(&body), Repeat::Safe).await.map(drop)
    }
}
