//! The folders endpoints inside rooms: direct subfolders, a room's whole tree in one read, one
//! folder, whether a folder's listing is empty, create, rename (a twin's, see
//! `executor::twins`) and the move to the trash (create and move never sent twice: an unknown
//! outcome is looked up), with the wait for the move's operation. Only reads without side
//! effects are used (FOLDERS.md §1 item 15: no `sortBy`, never the folder link endpoint; the one
//! filter, `FoldersOnly`, is used for the tree on purpose, with its answer checked), besides the
//! operations list after a move whose outcome is unknown (see `trash_folder`).

use super::client::{Portal, Repeat};
use super::error::ApiError;
use super::rooms::{Made, Operation};
use crate::docspace::MAX_PAGE_SIZE;
use crate::model::PortalFolder;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// `rootFolderType` of the trash (`FolderType.TRASH`, server `Folder.cs` L53).
const ROOT_TRASH: i64 = 3;

/// Where a folder is, as `GET /files/folder/{id}` tells: on a portal a folder in the caller's
/// Trash still reads 200, with `rootFolderType` 3 (server `FileStorageService.cs` L167-201,
/// `FileSecurity.cs` L1471-1481). `F` is what is known of a folder in its room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Whereabouts<F = PortalFolder> {
    /// In its room.
    Live(F),
    /// In the caller's Trash: recoverable.
    Trashed,
    /// Not found: deleted for good (or never there).
    Gone,
}

/// A folder found in its room once every unfinished delete operation of the caller had ended
/// ([`Portal::before_trash`]): what a move to the trash takes, so that none is sent without
/// that check.
#[derive(Debug)]
pub(crate) struct InRoom(PortalFolder);

impl InRoom {
    /// The folder as read then.
    pub(crate) fn folder(&self) -> &PortalFolder {
        &self.0
    }
}

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

/// A content listing's folders and total, and the folder listed (the room) with its own count.
#[derive(Debug, Deserialize)]
struct FolderListing {
    folders: Vec<FolderDto>,
    total: u64,
    #[serde(default)]
    current: Option<Counted>,
}

/// A folder's recursive count of the folders in it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Counted {
    folders_count: u64,
}

/// `FilterType.FoldersOnly` (`products/ASC.Files/Core/Core/FilterTypeEnum.cs` L46).
const FOLDERS_ONLY: &str = "2";

/// The folders of a room by the id of the room or folder they are in, when `folders` (one
/// listing of every level, with `total`) is the whole tree: the room's own recursive count
/// (`in_room`, the listing's `current.foldersCount`, where given) and `total` are the number
/// listed, every folder's parent is the room or a listed folder, and every folder's recursive
/// `foldersCount` is the number listed below it. Else `None`.
fn whole_tree(
    room: u64,
    folders: Vec<FolderDto>,
    total: u64,
    in_room: Option<u64>,
) -> Option<BTreeMap<u64, Vec<PortalFolder>>> {
    if usize::try_from(total).ok() != Some(folders.len())
        || in_room.is_some_and(|count| count != total)
    {
        return None;
    }
    let parents: HashMap<u64, u64> =
        folders.iter().map(|f| f.parent_id.map(|parent| (f.id, parent))).collect::<Option<_>>()?;
    let mut below: HashMap<u64, u64> = HashMap::new();
    for folder in &folders {
        // Up to the room, one step per level; a folder whose parent is not listed fails.
        let mut at = folder.id;
        let mut steps = 0;
        while let Some(&parent) = parents.get(&at) {
            if parent == room {
                break;
            }
            *below.entry(parent).or_default() += 1;
            at = parent;
            steps += 1;
            if steps > folders.len() {
                return None;
            }
        }
        if parents.get(&at) != Some(&room) {
            return None;
        }
    }
    if folders.iter().any(|f| below.get(&f.id).copied().unwrap_or(0) != f.folders_count) {
        return None;
    }
    let mut tree: BTreeMap<u64, Vec<PortalFolder>> = BTreeMap::new();
    tree.entry(room).or_default();
    for folder in folders {
        tree.entry(folder.id).or_default();
        tree.entry(parents[&folder.id]).or_default().push(folder.into());
    }
    Some(tree)
}

impl Portal {
    /// The folders directly inside a room or folder (`/subfolders`: direct and complete).
    pub(crate) async fn subfolders(&self, parent: u64) -> Result<Vec<PortalFolder>, ApiError> {
        let path = format!("/api/2.0/files/{parent}/subfolders");
        let value = self.get(&path, &[]).await?;
        let list: Vec<FolderDto> = decode(value, &format!("GET {path}"))?;
        Ok(list.into_iter().map(PortalFolder::from).collect())
    }

    /// Every folder in a room, from one read, by the id of the room or folder each is in (every
    /// folder and the room have an entry, empty when nothing is inside); `None` when that read
    /// cannot be trusted to be the whole tree and the caller must read level by level.
    ///
    /// `GET /files/{room}?filterType=2` lists the folders of every level below with their
    /// `parentId`: a filter with the default `withSubFolders` switches the folder query to every
    /// descendant (`FolderDao.cs` L2173-2179); the listing is computed per request and changes
    /// nothing (no `sortBy`, so no order is saved). It is taken only when one page holds it all
    /// and it is consistent (see [`whole_tree`]): a portal that lists only direct children, a
    /// folder hidden from the caller, or a count that drifted, and it is not used.
    pub(crate) async fn folder_tree(
        &self,
        room: u64,
    ) -> Result<Option<BTreeMap<u64, Vec<PortalFolder>>>, ApiError> {
        let path = format!("/api/2.0/files/{room}");
        let query = [
            ("filterType", FOLDERS_ONLY.to_owned()),
            ("withSubFolders", "true".to_owned()),
            ("count", MAX_PAGE_SIZE.to_string()),
        ];
        let value = self.get(&path, &query).await?;
        let listing: FolderListing = decode(value, &format!("GET {path}"))?;
        let in_room = listing.current.map(|current| current.folders_count);
        let tree = whole_tree(room, listing.folders, listing.total, in_room);
        if tree.is_none() {
            tracing::info!(room, "the folder tree did not read whole: reading level by level");
        }
        Ok(tree)
    }

    /// Where a folder is now.
    pub(crate) async fn whereabouts(&self, id: u64) -> Result<Whereabouts, ApiError> {
        let path = format!("/api/2.0/files/folder/{id}");
        match self.get(&path, &[]).await {
            Ok(value) => {
                let dto: FolderDto = decode(value, &format!("GET {path}"))?;
                Ok(if dto.root_folder_type == Some(ROOT_TRASH) {
                    Whereabouts::Trashed
                } else {
                    Whereabouts::Live(dto.into())
                })
            }
            Err(err) if err.status() == Some(404) => Ok(Whereabouts::Gone),
            Err(err) => Err(err),
        }
    }

    /// One folder, or `None` when it is gone or in the trash.
    pub(crate) async fn folder(&self, id: u64) -> Result<Option<PortalFolder>, ApiError> {
        Ok(match self.whereabouts(id).await? {
            Whereabouts::Live(folder) => Some(folder),
            Whereabouts::Trashed | Whereabouts::Gone => None,
        })
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
    /// outcome the parent is listed within the lookup window (see [`Portal::look_up`]): the
    /// planner saw no folder with this title there, so one there now is this create's, or
    /// another run's (not `confirmed`; with several, the oldest).
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
                let what = format!("folder \"{stored}\" in {parent}");
                let lookup = || async {
                    let found = self.subfolders(parent).await?;
                    let same = found.into_iter().filter(|f| !f.system && f.title == stored);
                    Ok(same.min_by_key(|f| f.id))
                };
                let item = self
                    .look_up(&what, lookup)
                    .await
                    .ok_or_else(|| self.create_outcome_unknown(request, "folder", title, err))?;
                Ok(Made { item, confirmed: false })
            }
            Err(err) => Err(err),
        }
    }

    /// Renames a folder (`PUT files/folder/{id}`, answered at once); the portal stores the
    /// title normalised.
    pub(crate) async fn rename_folder(&self, id: u64, title: &str) -> Result<(), ApiError> {
        let path = format!("/api/2.0/files/folder/{id}");
        let body = json!({ "title": title });
        self.send(Method::PUT, &path, &[], Some(&body), Repeat::Safe).await?;
        Ok(())
    }

    /// Where a folder is once every unfinished delete operation of the caller has ended: the
    /// check before any move to the trash ([`Portal::trash_folder`] takes only a folder it found
    /// in its room). On a portal each delete request is a job of its own that reads the folder
    /// when it runs (server `FileDeleteOperation.cs` L197-200), and a job that finds it in the
    /// caller's Trash erases it for good (L281, `FolderDao.UseTrashForRemoveAsync`
    /// L1377-1380): a delete sent while an earlier move of the folder is still queued (an
    /// earlier run's whose outcome was unknown, another run's with the same account) destroys
    /// it, whichever job runs first. So the caller's deletes are waited for first (the jobs of
    /// other accounts are theirs: one that moves the folder to its own Trash leaves this
    /// account's delete a 403), and a folder found in the trash then is where a move would put
    /// it. An operation that outlasts the operation timeout stops it with nothing sent
    /// ([`ApiError::DeleteStillRunning`]).
    pub(crate) async fn before_trash(&self, id: u64) -> Result<Whereabouts<InRoom>, ApiError> {
        self.wait_for_running_deletes(id).await?;
        Ok(match self.whereabouts(id).await? {
            Whereabouts::Live(folder) => Whereabouts::Live(InRoom(folder)),
            Whereabouts::Trashed => Whereabouts::Trashed,
            Whereabouts::Gone => Whereabouts::Gone,
        })
    }

    /// Moves a folder that [`Portal::before_trash`] found in its room to the trash (never
    /// deletes permanently) and waits for the operation. The executor checks before that it is
    /// empty and after that it is in the trash.
    ///
    /// Never sent twice: on a portal, deleting a folder already in the caller's Trash erases it
    /// for good, with a 200 (server `FileDeleteOperation.cs` L281,
    /// `FolderDao.UseTrashForRemoveAsync` L1377-1380), so repeating a request that went through
    /// would destroy what the first one kept. It is sent again only where the portal certainly
    /// did not take it (a refused connection, a 429, a 503); after an unknown outcome the folder
    /// is looked up instead (see `await_trash`).
    pub(crate) async fn trash_folder(&self, folder: InRoom) -> Result<(), ApiError> {
        let id = folder.0.id;
        let path = "/api/2.0/files/fileops/delete";
        let request = format!("PUT {path}");
        let body = json!({
            "folderIds": [id],
            "fileIds": [],
            "deleteAfter": false,
            "immediately": false,
            "returnSingleOperation": true,
        });
        let value = match self
            .send(Method::PUT, path, &[], Some(&body), Repeat::OnlyIfNotSent)
            .await
        {
            Ok(value) => value,
            Err(err) if err.outcome_unknown() => return self.await_trash(id, request, err).await,
            Err(err) => return Err(err),
        };
        let operations: Vec<Operation> = decode(value, &request)?;
        for operation in &operations {
            self.wait_for(operation, id).await?;
        }
        Ok(())
    }

    /// After a move to the trash whose outcome is unknown: looks the folder up (see
    /// [`Portal::look_up`]) until it has left its room (in the trash, or gone: the executor
    /// tells which). Each lookup first waits for the caller's unfinished delete operations, one
    /// of which is this move's if the portal took it. That read of every operation also
    /// dequeues the caller's finished ones on a portal; the other waits of this run treat a
    /// dequeued operation as finished and read their result back, so none is misled.
    async fn await_trash(&self, id: u64, request: String, cause: ApiError) -> Result<(), ApiError> {
        let lookup = || async {
            if let Err(err) = self.wait_for_running_deletes(id).await {
                tracing::info!(id, error = %err, "waiting for the delete operations failed");
            }
            Ok(match self.whereabouts(id).await? {
                Whereabouts::Live(_) => None,
                Whereabouts::Trashed | Whereabouts::Gone => Some(()),
            })
        };
        let what = format!("folder {id} to the trash");
        self.look_up(&what, lookup).await.ok_or_else(|| ApiError::TrashOutcomeUnknown {
            request,
            folder: id,
            window: self.config().create_lookup_window,
            last: Box::new(cause),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dto(id: u64, parent: u64, folders_count: u64) -> FolderDto {
        FolderDto {
            id,
            title: format!("F{id}"),
            files_count: 0,
            folders_count,
            folder_type: None,
            root_folder_type: None,
            parent_id: Some(parent),
        }
    }

    fn children(tree: &BTreeMap<u64, Vec<PortalFolder>>, id: u64) -> Vec<u64> {
        tree[&id].iter().map(|f| f.id).collect()
    }

    #[test]
    fn a_whole_consistent_listing_is_the_rooms_tree() {
        // Room 1: 2 (holding 3, which holds 4) and 5.
        let listing = vec![dto(2, 1, 2), dto(5, 1, 0), dto(3, 2, 1), dto(4, 3, 0)];
        let tree = whole_tree(1, listing, 4, None).unwrap();
        assert_eq!(children(&tree, 1), [2, 5]);
        assert_eq!(children(&tree, 2), [3]);
        assert_eq!(children(&tree, 3), [4]);
        assert!(tree[&4].is_empty() && tree[&5].is_empty(), "a leaf is known empty");
        assert_eq!(whole_tree(1, Vec::new(), 0, None).map(|tree| tree.len()), Some(1));
    }

    #[test]
    fn a_listing_that_may_miss_a_folder_is_not_the_tree() {
        let whole = || vec![dto(2, 1, 1), dto(3, 2, 0)];
        assert!(whole_tree(1, whole(), 2, None).is_some());
        // More than one page, or a folder hidden from the caller.
        assert!(whole_tree(1, whole(), 3, None).is_none());
        // A portal listing only the direct children: the count says there is more below.
        assert!(whole_tree(1, vec![dto(2, 1, 1)], 1, None).is_none());
        // A folder whose parent is not listed.
        assert!(whole_tree(1, vec![dto(2, 1, 0), dto(3, 9, 0)], 2, None).is_none());
        // An empty top-level folder left out of the listing and of its total: the room's own
        // count still names it.
        assert!(whole_tree(1, whole(), 2, Some(2)).is_some());
        assert!(whole_tree(1, whole(), 2, Some(3)).is_none());
        // A folder without its parent.
        let mut orphan = whole();
        orphan[1].parent_id = None;
        assert!(whole_tree(1, orphan, 2, None).is_none());
    }
}
