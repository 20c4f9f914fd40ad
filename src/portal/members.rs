//! People, groups and room members: the directory the manifest's emails and group names are
//! resolved against, each room's member list, and the one `PUT …/share` that changes it.

use super::client::{Call, Portal, Repeat};
use super::error::ApiError;
use crate::docspace::MAX_PAGE_SIZE;
use crate::model::{Group, Member, Person, RoomMember};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

/// The portal's `EmployeeStatus`: 1 active, 2 terminated.
const STATUS_ACTIVE: i64 = 1;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersonDto {
    id: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    status: Option<i64>,
    #[serde(default)]
    is_owner: bool,
    #[serde(default)]
    is_admin: bool,
    #[serde(default)]
    is_room_admin: bool,
}

impl PersonDto {
    fn into_person(self, fallback_email: &str) -> Person {
        Person {
            id: self.id,
            email: self.email.unwrap_or_else(|| fallback_email.to_owned()),
            active: self.status.unwrap_or(STATUS_ACTIVE) == STATUS_ACTIVE,
            can_manage_rooms: self.is_owner || self.is_admin || self.is_room_admin,
        }
    }
}

#[derive(Debug, Deserialize)]
struct GroupDto {
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShareDto {
    access: i64,
    #[serde(default)]
    is_owner: bool,
    #[serde(default)]
    shared_to_user: Option<SharedUser>,
    #[serde(default)]
    shared_to_group: Option<GroupDto>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SharedUser {
    id: String,
    #[serde(default)]
    email: Option<String>,
}

/// One entry of the `invitations` list: by portal id, or by email for someone without an
/// account; `access` 0 removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invitation {
    pub(crate) portal_id: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) access: i64,
}

fn decode<T: serde::de::DeserializeOwned>(
    value: Value,
    request: &str,
    what: &str,
) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|err| ApiError::Malformed {
        request: request.to_owned(),
        status: 200,
        detail: format!("not {what}: {err}"),
    })
}

impl Portal {
    /// Reads every page of a list whose envelope carries `total`; a list without one is read
    /// as a single page (the emulator's groups, an older portal's).
    async fn all_pages<T: serde::de::DeserializeOwned + Send>(
        &self,
        path: &str,
    ) -> Result<Vec<T>, ApiError> {
        let page = |start: usize| async move {
            let query = [("startIndex", start.to_string()), ("count", MAX_PAGE_SIZE.to_string())];
            let (items, total) = self.get_typed::<Vec<T>>(path, &query).await?;
            let total =
                total.map_or(items.len(), |total| usize::try_from(total).unwrap_or(usize::MAX));
            Ok((items, total))
        };
        self.read_list(&format!("GET {path}"), page, |_| true, &|_, _| {}).await
    }

    /// Every person the people list shows (active people with an email).
    pub async fn list_people(&self) -> Result<Vec<Person>, ApiError> {
        let people: Vec<PersonDto> = self.all_pages("/api/2.0/people").await?;
        Ok(people.into_iter().filter(|p| p.email.is_some()).map(|p| p.into_person("")).collect())
    }

    /// One person by email, whatever their status (the people list shows active people only);
    /// `None` when the portal has no such account.
    pub(crate) async fn find_person(&self, email: &str) -> Result<Option<Person>, ApiError> {
        let path = "/api/2.0/people/email";
        match self.get(path, &[("email", email.to_owned())]).await {
            Ok(value) => {
                let person: PersonDto = decode(value, &format!("GET {path}"), "a person")?;
                Ok(Some(person.into_person(email)))
            }
            Err(err) if err.status() == Some(404) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Every group on the portal, read page by page like people.
    pub async fn list_groups(&self) -> Result<Vec<Group>, ApiError> {
        let groups: Vec<GroupDto> = self.all_pages("/api/2.0/group").await?;
        Ok(groups.into_iter().map(|g| Group { id: g.id, name: g.name }).collect())
    }

    /// The room's users and groups (links are not members), owner included and marked.
    pub(crate) async fn room_members(&self, room: u64) -> Result<Vec<RoomMember>, ApiError> {
        let path = format!("/api/2.0/files/rooms/{room}/share");
        let entries: Vec<ShareDto> = self.all_pages(&path).await?;
        Ok(entries
            .into_iter()
            .filter_map(|entry| {
                let (id, member) = match (entry.shared_to_user, entry.shared_to_group) {
                    (Some(user), _) => (user.id, Member::User(user.email.unwrap_or_default())),
                    (None, Some(group)) => (group.id, Member::Group(group.name)),
                    (None, None) => return None,
                };
                Some(RoomMember { id, member, access: entry.access, is_owner: entry.is_owner })
            })
            .collect())
    }

    /// Sends all of a room's member changes in one request. A 200 does not prove they took
    /// effect; the caller reads the members back.
    pub(crate) async fn set_room_members(
        &self,
        room: u64,
        invitations: &[Invitation],
        notify: bool,
    ) -> Result<(), ApiError> {
        let path = format!("/api/2.0/files/rooms/{room}/share");
        // A portal may limit the invitations by email per day (`EmailInvitationApi`, counting
        // those with a non-empty `email`).
        let invites = invitations.iter().any(|inv| {
            inv.portal_id.is_none() && inv.email.as_deref().is_some_and(|e| !e.is_empty())
        });
        let invitations: Vec<Value> = invitations
            .iter()
            .map(|inv| match (&inv.portal_id, &inv.email) {
                (Some(id), _) => json!({ "id": id, "access": inv.access }),
                (None, email) => json!({ "email": email, "access": inv.access }),
            })
            .collect();
        let body = json!({ "invitations": invitations, "notify": notify });
        let call = Call {
            method: Method::PUT,
            path: &path,
            query: &[],
            body: Some(&body),
            repeat: Repeat::Safe,
            invites,
        };
        self.send_call(call).await.map(drop)
    }
}
