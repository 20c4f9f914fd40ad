//! What the emulated portal stores: rooms (with their links and settings, in the leaves `link`
//! and `room_settings`), folders, the tag catalog, people, groups, sessions and pending
//! operations. Everything here is plain data that serialises to the `--state` file; the
//! handler modules import it, never the other way round.

mod link;
mod room_settings;

pub use link::SharingSettings;
pub(crate) use link::{DEFAULT_LINK_TITLE, Link, new_id, primary_link};
pub use room_settings::RoomQuotaSeed;
pub(crate) use room_settings::{DEFAULT_QUOTA, StoredLifetime, StoredSettings};

use super::envelope::FOLDER_NOT_FOUND;
use crate::docspace::{RoomType, tag_key};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Id of the "Rooms" system folder (`rootFolderType` 14).
pub(crate) const ROOMS_FOLDER_ID: u64 = 1000;
/// Id of the "Archive" system folder (`rootFolderType` 20).
pub(crate) const ARCHIVE_FOLDER_ID: u64 = 1001;
/// Id of the AI agents' system folder (`rootFolderType` 34, `FolderType.AiAgents`, server
/// `products/ASC.Files/Core/Core/Entries/Folder.cs` L125).
pub(crate) const AI_AGENTS_FOLDER_ID: u64 = 999;
/// The first room id.
pub(crate) const FIRST_ROOM_ID: u64 = 1002;

/// `FileShare.ReadWrite`: the access a room's owner is listed with.
pub(crate) const OWNER_ACCESS: i64 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[expect(clippy::struct_field_names, reason = "`room_type` is the state file's field name")]
pub(crate) struct Room {
    pub(crate) id: u64,
    pub(crate) title: String,
    pub(crate) room_type: RoomType,
    pub(crate) archived: bool,
    /// Catalog keys (see [`crate::docspace::tag_key`]), in the order they were attached.
    pub(crate) tags: Vec<String>,
    pub(crate) owner: String,
    pub(crate) created: i64,
    pub(crate) updated: i64,
    pub(crate) updated_by: String,
    pub(crate) color: String,
    pub(crate) indexing: bool,
    pub(crate) deny_download: bool,
    /// Invited users and groups (the owner is implicit).
    pub(crate) members: Vec<Member>,
    /// External links, the primary one first.
    #[serde(default)]
    pub(crate) links: Vec<Link>,
    /// Quota, cover, watermark, lifetime and logo.
    #[serde(default)]
    pub(crate) settings: StoredSettings,
    /// Files directly in the room (those in its folders are the folders').
    #[serde(default)]
    pub(crate) files: u32,
    /// An AI agent: made by `POST /api/2.0/ai/agents` (server
    /// `products/ASC.AI/Server/Api/AgentsController.cs` L123) in the AI agents' own folder
    /// (`FileStorageService.CreateAiAgentAsync` L621-637), not in Rooms; `searchArea=AiAgents`
    /// lists it, and no other area. An AI room made by `POST files/rooms` is not one.
    #[serde(default)]
    pub(crate) agent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Member {
    /// A person's or a group's id.
    pub(crate) subject: String,
    pub(crate) group: bool,
    /// `FileShare` code.
    pub(crate) access: i64,
}

/// A person in the portal's directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Person {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) display_name: String,
    /// `EmployeeStatus`: 1 active, 2 terminated.
    pub(crate) status: u8,
    /// `EmployeeActivationStatus`: 1 activated, 2 pending (invited by email, not yet signed up).
    pub(crate) activation_status: u8,
    pub(crate) is_admin: bool,
    pub(crate) is_room_admin: bool,
    pub(crate) is_visitor: bool,
    pub(crate) is_owner: bool,
}

impl Person {
    pub(crate) fn active(&self) -> bool {
        self.status == 1
    }

    /// Whether the person may create rooms and be a room manager.
    pub(crate) fn is_manager_type(&self) -> bool {
        self.is_owner || self.is_admin || self.is_room_admin
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Group {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Person ids.
    pub(crate) members: Vec<String>,
}

/// What an asynchronous operation does when it completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum OpAction {
    Archive,
    Unarchive,
    Delete,
    /// `PUT fileops/delete` or `DELETE files/folder/{id}`: one operation for every id of the
    /// request (`Operation::items`), FOM L603-637. Each folder moves to the caller's Trash, or
    /// is erased with everything in it when `immediately` or when it is in the Trash already
    /// (FDO L281, `FolderDao.UseTrashForRemoveAsync` FDAO L1377-1380); a room id (only accepted
    /// with `immediately`) deletes the room.
    DeleteItems {
        immediately: bool,
    },
}

impl OpAction {
    /// `FileOperationType`: 0 Move (archive, unarchive), 2 Delete.
    pub(crate) fn operation_type(self) -> i64 {
        match self {
            OpAction::Archive | OpAction::Unarchive => 0,
            OpAction::Delete | OpAction::DeleteItems { .. } => 2,
        }
    }
}

/// A started operation that has not been reported finished yet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Operation {
    pub(crate) id: String,
    /// The person who started it; `/fileops` shows each person their own.
    pub(crate) user: String,
    pub(crate) action: OpAction,
    pub(crate) room: u64,
    /// The folder and room ids of a [`OpAction::DeleteItems`].
    #[serde(default)]
    pub(crate) items: Vec<u64>,
    /// `/fileops` reads that have included it so far.
    pub(crate) reads: u32,
    /// Reads it takes to finish (captured from the behaviour when it started).
    pub(crate) polls: u32,
    /// The error it finishes with, if any (no change is made then).
    pub(crate) fails_with: Option<String>,
    pub(crate) never_finishes: bool,
}

/// How the rooms list is sorted (`SortedByType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SortOrder {
    pub(crate) by: i64,
    pub(crate) descending: bool,
}

/// `SortedByType` names and values; `DateAndTime` descending is a new user's default.
pub(crate) const SORTED_BY: [(&str, i64); 13] = [
    ("DateAndTime", 0),
    ("AZ", 1),
    ("Size", 2),
    ("Author", 3),
    ("Type", 4),
    ("New", 5),
    ("DateAndTimeCreation", 6),
    ("RoomType", 7),
    ("Tags", 8),
    ("Room", 9),
    ("CustomOrder", 10),
    ("LastOpened", 11),
    ("UsedSpace", 12),
];
pub(crate) const SORT_DATE_AND_TIME: i64 = 0;
pub(crate) const SORT_AZ: i64 = 1;
pub(crate) const SORT_AUTHOR: i64 = 3;
pub(crate) const SORT_TYPE: i64 = 4;
pub(crate) const SORT_CREATED: i64 = 6;
pub(crate) const SORT_ROOM_TYPE: i64 = 7;
pub(crate) const SORT_TAGS: i64 = 8;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) next_room_id: u64,
    pub(crate) rooms: BTreeMap<u64, Room>,
    /// Tag catalog: key → the first spelling seen.
    pub(crate) tag_catalog: BTreeMap<String, String>,
    pub(crate) people: Vec<Person>,
    pub(crate) groups: Vec<Group>,
    pub(crate) operations: Vec<Operation>,
    /// Login tokens → person id.
    pub(crate) sessions: BTreeMap<String, String>,
    /// Each person's saved rooms order.
    pub(crate) saved_sort: BTreeMap<String, SortOrder>,
    /// Folders inside rooms, by id (ids shared with rooms, as on a portal).
    #[serde(default)]
    pub(crate) folders: BTreeMap<u64, Folder>,
    /// The portal's room quota switch and default.
    #[serde(default)]
    pub(crate) room_quota: RoomQuotaSeed,
    /// Writes of each setting per room (a test hook): room id → setting → count.
    #[serde(default)]
    pub(crate) settings_writes: BTreeMap<u64, BTreeMap<String, u32>>,
    /// The portal's sharing settings.
    #[serde(default)]
    pub(crate) sharing: SharingSettings,
    /// The portal's password policy, which link passwords meet.
    #[serde(default)]
    pub(crate) password_policy: crate::links::PasswordPolicy,
    /// The portal's secret that signs share keys (`CoreSettings.GetDocDbKeyAsync`).
    #[serde(default = "link::new_id")]
    pub(crate) share_secret: String,
    /// Each person's Trash folder (person id → folder id), made at their first move to it.
    #[serde(default)]
    pub(crate) trash: BTreeMap<String, u64>,
    /// The tariff's total storage in bytes (`TenantQuota.MaxTotalSize`); `None` is unlimited.
    #[serde(default)]
    pub(crate) max_total_size: Option<u64>,
    /// The storage quota a self-hosted portal's admin set for the whole portal, in bytes
    /// (`TenantQuotaSettings`, server `common/ASC.Core.Common/Tenants/TenantQuotaSettings.cs`,
    /// settable on a Standalone portal only: `SettingsController.cs` L536-556); `None` is off.
    #[serde(default)]
    pub(crate) tenant_quota: Option<u64>,
}

/// A stable UUID derived from a name, so ids are the same on every run.
pub(crate) fn stable_uuid(name: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

impl State {
    /// A fresh portal whose only person is its owner.
    pub(crate) fn new(owner_email: &str) -> State {
        let owner = Person {
            id: stable_uuid(&format!("person:{}", owner_email.to_lowercase())),
            email: owner_email.to_string(),
            display_name: "Administrator".to_string(),
            status: 1,
            activation_status: 1,
            is_admin: true,
            is_room_admin: false,
            is_visitor: false,
            is_owner: true,
        };
        State {
            next_room_id: FIRST_ROOM_ID,
            rooms: BTreeMap::new(),
            tag_catalog: BTreeMap::new(),
            people: vec![owner],
            groups: Vec::new(),
            operations: Vec::new(),
            sessions: BTreeMap::new(),
            saved_sort: BTreeMap::new(),
            folders: BTreeMap::new(),
            room_quota: RoomQuotaSeed::default(),
            settings_writes: BTreeMap::new(),
            sharing: SharingSettings::default(),
            password_policy: crate::links::PasswordPolicy::default(),
            share_secret: new_id(),
            trash: BTreeMap::new(),
            max_total_size: None,
            tenant_quota: None,
        }
    }

    pub(crate) fn load(path: &Path) -> anyhow::Result<Option<State>> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Write the state atomically: a temporary file beside `path`, then a rename.
    pub(crate) fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
        std::fs::rename(&tmp, path)
    }

    pub(crate) fn owner(&self) -> &Person {
        self.people.iter().find(|p| p.is_owner).expect("the portal has an owner")
    }

    pub(crate) fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    pub(crate) fn person_by_email(&self, email: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.email.eq_ignore_ascii_case(email))
    }

    pub(crate) fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Add a person (or return the id of the one with that email).
    pub(crate) fn add_person(&mut self, mut person: Person) -> String {
        if let Some(existing) = self.person_by_email(&person.email) {
            return existing.id.clone();
        }
        person.id = stable_uuid(&format!("person:{}", person.email.to_lowercase()));
        let id = person.id.clone();
        self.people.push(person);
        id
    }

    /// Add (or replace) the `occurrence`-th group of this name (from 0) with the people with
    /// these emails (unknown emails are left out). Its id derives from the name, and from the
    /// occurrence after the first, so same-named groups differ and existing ids stay stable.
    pub(crate) fn add_group(&mut self, name: &str, occurrence: usize, emails: &[String]) -> String {
        let members =
            emails.iter().filter_map(|e| self.person_by_email(e).map(|p| p.id.clone())).collect();
        let id = match occurrence {
            0 => stable_uuid(&format!("group:{name}")),
            n => stable_uuid(&format!("group:{name}#{n}")),
        };
        match self.groups.iter_mut().find(|g| g.id == id) {
            Some(group) => group.members = members,
            None => self.groups.push(Group { id: id.clone(), name: name.to_string(), members }),
        }
        id
    }

    /// The catalog key of `name`, adding the name to the catalog if it is new.
    pub(crate) fn intern_tag(&mut self, name: &str) -> String {
        let key = tag_key(name);
        self.tag_catalog.entry(key.clone()).or_insert_with(|| name.to_string());
        key
    }

    /// The catalog spelling of a tag key.
    pub(crate) fn tag_name(&self, key: &str) -> String {
        self.tag_catalog.get(key).cloned().unwrap_or_else(|| key.to_string())
    }

    /// Attach tags to a room in order, skipping blank names and ones it already has.
    pub(crate) fn attach_tags(&mut self, room_id: u64, names: &[String]) {
        for name in names.iter().filter(|n| !n.trim().is_empty()) {
            let key = self.intern_tag(name);
            if let Some(room) = self.rooms.get_mut(&room_id)
                && !room.tags.contains(&key)
            {
                room.tags.push(key);
            }
        }
    }

    /// A new active room owned by `owner`; `title` is stored as given.
    pub(crate) fn create_room(
        &mut self,
        title: String,
        room_type: RoomType,
        owner: &str,
        tags: &[String],
        now: i64,
    ) -> u64 {
        let id = self.next_room_id;
        self.next_room_id += 1;
        let room = Room {
            id,
            title,
            room_type,
            archived: false,
            tags: Vec::new(),
            owner: owner.to_string(),
            created: now,
            updated: now,
            updated_by: owner.to_string(),
            color: random_color(id, 0),
            indexing: false,
            deny_download: false,
            members: Vec::new(),
            links: primary_link(room_type, self.sharing).into_iter().collect(),
            settings: StoredSettings::default(),
            files: 0,
            agent: false,
        };
        self.rooms.insert(id, room);
        self.attach_tags(id, tags);
        id
    }

    /// Delete a room; a tag only that room used leaves the catalog.
    pub(crate) fn delete_room(&mut self, id: u64) {
        if let Some(room) = self.rooms.remove(&id) {
            for key in room.tags {
                if !self.rooms.values().any(|r| r.tags.contains(&key)) {
                    self.tag_catalog.remove(&key);
                }
            }
        }
    }

    /// Complete an operation's change. `Err` is the error it finishes with.
    pub(crate) fn complete(&mut self, op: &Operation, now: i64) -> Result<(), String> {
        if let Some(message) = &op.fails_with {
            return Err(message.clone());
        }
        if let OpAction::DeleteItems { immediately } = op.action {
            return self.delete_items(&op.items, immediately, &op.user);
        }
        if op.action == OpAction::Delete {
            return if self.rooms.contains_key(&op.room) {
                self.delete_room(op.room);
                Ok(())
            } else {
                Err(FOLDER_NOT_FOUND.to_string())
            };
        }
        let room = self.rooms.get_mut(&op.room).ok_or(FOLDER_NOT_FOUND)?;
        let archived = op.action == OpAction::Archive;
        if room.archived != archived {
            room.archived = archived;
            if archived {
                // Moving a room to the archive deletes its lifetime (FileMoveCopyOperation L601).
                room.settings.lifetime = None;
            }
            room.updated = now;
            room.updated_by.clone_from(&op.user);
        }
        Ok(())
    }

    /// Whether `user` can see `room`: the owner and admins see every room, others their own
    /// rooms and the ones they were invited to (directly or through a group).
    pub(crate) fn can_read(&self, user: &Person, room: &Room) -> bool {
        user.is_owner || user.is_admin || self.access_of(user, room).is_some()
    }

    /// Whether `user` may edit `room`: the portal owner, the room's owner and its room managers.
    pub(crate) fn can_edit(&self, user: &Person, room: &Room) -> bool {
        user.is_owner || self.access_of(user, room) == Some(9) || room.owner == user.id
    }

    /// `user`'s access to `room` (the owner's is `ReadWrite`).
    pub(crate) fn access_of(&self, user: &Person, room: &Room) -> Option<i64> {
        if room.owner == user.id {
            return Some(OWNER_ACCESS);
        }
        room.members.iter().find(|m| !m.group && m.subject == user.id).map(|m| m.access).or_else(
            || {
                room.members
                    .iter()
                    .filter(|m| {
                        m.group
                            && self.group(&m.subject).is_some_and(|g| g.members.contains(&user.id))
                    })
                    .map(|m| m.access)
                    .next()
            },
        )
    }
}

/// A random-looking but reproducible logo colour (6 hex digits, as a portal picks one).
pub(crate) fn random_color(room_id: u64, salt: u64) -> String {
    let size = u64::try_from(PALETTE.len()).expect("a small palette");
    let index = usize::try_from(room_id.wrapping_add(salt) % size).expect("below the palette size");
    PALETTE[index].to_string()
}

/// The logo colours a room is given.
pub(crate) const PALETTE: [&str; 8] =
    ["FF6680", "77CC83", "6191F2", "F2A161", "B480F2", "61C0F2", "E6BF00", "A2A2A2"];

/// A folder inside a room.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Folder {
    pub(crate) id: u64,
    /// The room or folder it is in.
    pub(crate) parent: u64,
    /// The room it belongs to.
    pub(crate) room: u64,
    pub(crate) title: String,
    /// Files directly inside (their content does not matter here).
    pub(crate) files: u32,
    /// `FolderType` of a system folder; ordinary folders have none.
    pub(crate) system_type: Option<i64>,
}

impl State {
    /// Adds a folder; the caller has checked everything.
    pub(crate) fn add_folder(
        &mut self,
        parent: u64,
        room: u64,
        title: String,
        system: Option<i64>,
    ) -> u64 {
        let id = self.next_room_id;
        self.next_room_id += 1;
        self.folders.insert(id, Folder { id, parent, room, title, files: 0, system_type: system });
        id
    }

    /// The folders directly inside `parent`, sorted by title then id. A folder moved to the
    /// Trash is inside the Trash folder, with its subtree intact (FDAO L959-1011).
    pub(crate) fn children(&self, parent: u64) -> Vec<&Folder> {
        let mut children: Vec<&Folder> =
            self.folders.values().filter(|f| f.parent == parent).collect();
        children.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
        children
    }

    /// Recursive `(filesCount, foldersCount)` of a room or folder. Everything below `id` belongs
    /// to its room, so only that room's folders are walked: one pass over the folders, whatever
    /// the depth (a room listing asks this of every room on its page).
    /// The files directly in a folder or a room.
    pub(crate) fn files_in(&self, id: u64) -> u32 {
        match self.folders.get(&id) {
            Some(folder) => folder.files,
            None => self.rooms.get(&id).map_or(0, |room| room.files),
        }
    }

    pub(crate) fn counts(&self, id: u64) -> (u64, u64) {
        let room = self.folders.get(&id).map_or(id, |f| f.room);
        let mut below: BTreeMap<u64, Vec<&Folder>> = BTreeMap::new();
        for folder in self.folders.values().filter(|f| f.room == room) {
            below.entry(folder.parent).or_default().push(folder);
        }
        let mut files = u64::from(self.files_in(id));
        let mut folders = 0;
        let mut stack = vec![id];
        while let Some(next) = stack.pop() {
            for child in below.get(&next).into_iter().flatten() {
                files += u64::from(child.files);
                folders += 1;
                stack.push(child.id);
            }
        }
        (files, folders)
    }

    /// Whose Trash a folder is in (at any depth), with that Trash's id; `None` for a folder in
    /// a room.
    pub(crate) fn trash_holding(&self, id: u64) -> Option<(&str, u64)> {
        let mut current = self.folders.get(&id)?;
        // Parents form a tree; the bound only guards against a hand-edited state file.
        for _ in 0..=self.folders.len() {
            if let Some((owner, trash)) = self.trash.iter().find(|(_, t)| **t == current.parent) {
                return Some((owner.as_str(), *trash));
            }
            current = self.folders.get(&current.parent)?;
        }
        None
    }

    /// `user`'s Trash folder id, made on first use (ids shared with rooms and folders).
    fn trash_of(&mut self, user: &str) -> u64 {
        if let Some(id) = self.trash.get(user) {
            return *id;
        }
        let id = self.next_room_id;
        self.next_room_id += 1;
        self.trash.insert(user.to_owned(), id);
        id
    }

    /// The job of a delete operation, item by item: a room is deleted; a folder is erased with
    /// everything in it when `immediately` or when it is in a Trash already, and otherwise
    /// moved, subtree intact, into `user`'s Trash. Stops at the first item that is gone.
    fn delete_items(&mut self, items: &[u64], immediately: bool, user: &str) -> Result<(), String> {
        for &id in items {
            if self.rooms.contains_key(&id) {
                self.delete_room(id);
            } else if !self.folders.contains_key(&id) {
                return Err(FOLDER_NOT_FOUND.to_owned());
            } else if immediately || self.trash_holding(id).is_some() {
                self.erase_folder(id);
            } else {
                let trash = self.trash_of(user);
                if let Some(folder) = self.folders.get_mut(&id) {
                    folder.parent = trash;
                }
            }
        }
        Ok(())
    }

    /// Deletes a folder and everything below it for good.
    fn erase_folder(&mut self, id: u64) {
        let mut stack = vec![id];
        while let Some(next) = stack.pop() {
            stack.extend(self.children(next).iter().map(|f| f.id));
            self.folders.remove(&next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_uuids_are_version_4() {
        let id = stable_uuid("person:owner@example.com");
        assert_eq!(id, stable_uuid("person:owner@example.com"));
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
    }

    #[test]
    fn deleting_the_last_room_with_a_tag_drops_it_from_the_catalog() {
        let mut state = State::new("owner@example.com");
        let owner = state.owner().id.clone();
        let a = state.create_room(
            "A".into(),
            RoomType::Custom,
            &owner,
            &["Shared".into(), "OnlyA".into()],
            0,
        );
        state.create_room("B".into(), RoomType::Custom, &owner, &["shared".into()], 0);
        state.delete_room(a);
        assert_eq!(
            state.tag_catalog.values().cloned().collect::<Vec<_>>(),
            vec!["Shared".to_string()]
        );
    }
}
