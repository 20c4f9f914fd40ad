//! The folders endpoints inside rooms: direct subfolders, one folder, whether a folder's listing
//! is empty, create (never sent twice: an unknown outcome is looked up), and the move to the
//! trash with its wait. Only reads without side effects are used (FOLDERS.md §1 item 15: no
//! `sortBy`, no filters, never the folder link endpoint).

use super::client::{Portal, Repeat};
use super::error::ApiError;
use super::rooms::{Made, Operation};
use crate::model::PortalFolder;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

/// `rootFolderType` of the trash.
const ROOT_TRASH: i64 = 3;

/// A folder as the API sends it; only the fields the tool reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FolderDto {
    id: u64,
    title: String,
    #[serde(default)]
    parent_id: Option<u64>,
    #[serde(default)]
    files_count: u64,
    #[serde(default)]
    folders_count: u64,
    /// Present for system folders only.
    #[serde(default, rename = "type")]
    folder_type: Option<i64>,
    #[serde(default)]
    root_folder_type: Option<i64>,
}

impl From<FolderDto> for PortalFolder {
    fn from(dto: FolderDto) -> PortalFolder {
        PortalFolder {
            id: dto.id,
            title: dto.title,
            parent_id: dto.parent_id,
            files_count: dto.files_count,
            folders_count: dto.folders_count,
            system: dto.folder_type.is_some(),
            listed: None,
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(value: Value, request: &str) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|err| ApiError::Malformed {
        request: request.to_owned(),
        status: 200,
        detail: format!("not the folder data expected: {err}"),
    })
}

/// The content listing's total, the only field read from it.
#[derive(Debug, Deserialize)]
struct Content {
    total: u64,
}

impl Portal {
    /// The folders directly inside a room or folder (`/subfolders`: direct and complete).
    pub(crate) async fn subfolders(&self, parent: u64) -> Result<Vec<PortalFolder>, ApiError> {
        let path = format!("/api/2.0/files/{parent}/subfolders");
        let value = self.get(&path, &[]).await?;
        let list: Vec<FolderDto> = decode(value, &format!("GET {path}"))?;
        Ok(list.into_iter().map(PortalFolder::from).collect())
    }

    /// One folder, or `None` when it is gone or in the trash.
    pub(crate) async fn folder(&self, id: u64) -> Result<Option<PortalFolder>, ApiError> {
        let path = format!("/api/2.0/files/folder/{id}");
        match self.get(&path, &[]).await {
            Ok(value) => {
                let dto: FolderDto = decode(value, &format!("GET {path}"))?;
                Ok((dto.root_folder_type != Some(ROOT_TRASH)).then(|| dto.into()))
            }
            Err(err) if err.status() == Some(404) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// How many items the folder's own listing holds. The counters are maintained
    /// incrementally; the listing is computed per request (FOLDERS.md §3.4). Only asked of a
    /// folder whose counters say empty, so there is nothing in it to mark as read; no `sortBy`
    /// (it would be saved) and no filter (it would reach every depth).
    pub(crate) async fn listing_total(&self, id: u64) -> Result<u64, ApiError> {
        let path = format!("/api/2.0/files/{id}");
        let value = self.get(&path, &[("count", "1".to_owned())]).await?;
        let content: Content = decode(value, &format!("GET {path}"))?;
        Ok(content.total)
    }

    /// Creates a folder. A create is not safe to repeat (the portal makes duplicates): it is
    /// sent again only where the portal certainly did not take it, and after an unknown
    /// outcome the parent is listed: the planner saw no folder with this title there, so one
    /// there now is this create's, or another run's (not `confirmed`; with several, the oldest).
    pub(crate) async fn create_folder(
        &self,
        parent: u64,
        title: &str,
    ) -> Result<Made<PortalFolder>, ApiError> {
        let path = format!("/api/2.0/files/folder/{parent}");
        let request = format!("POST {path}");
        let body = json!({ "title": title });
        match self.send(Method::POST, &path, &[], Some(&body), Repeat::OnlyIfNotSent).await {
            Ok(value) => decode::<FolderDto>(value, &request)
                .map(|dto| Made { item: PortalFolder::from(dto), confirmed: true }),
            Err(err) if err.outcome_unknown() => {
                let stored = crate::docspace::stored_title(title);
                let found = self.subfolders(parent).await?;
                let same = found.into_iter().filter(|f| !f.system && f.title == stored);
                match same.min_by_key(|f| f.id) {
                    Some(item) => Ok(Made { item, confirmed: false }),
                    None => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// Moves a folder to the trash (never deletes permanently) and waits for the operation.
    /// The executor checks before that it is empty and after that it is gone.
    pub(crate) async fn trash_folder(&self, id: u64) -> Result<(), ApiError> {
        let path = "/api/2.0/files/fileops/delete";
        let body = json!({
            "folderIds": [id],
            "fileIds": [],
            "deleteAfter": false,
            "immediately": false,
            "returnSingleOperation": true,
        });
        let value = self.send(Method::PUT, path, &[], Some(&body), Repeat::Safe).await;
        let value = match value {
            // A repeated request whose first attempt went through finds nothing to delete.
            Err(err) if err.status() == Some(404) && self.folder(id).await?.is_none() => {
                return Ok(());
            }
            other => other?,
        };
        let operations: Vec<Operation> = decode(value, &format!("PUT {path}"))?;
        for operation in &operations {
            self.wait_for(operation, id).await?;
        }
        Ok(())
    }
}
