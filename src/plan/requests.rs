//! What a run sends to the portal, request by request: the endpoints (method and path as the
//! server's scope map reads them) and, for each step of a plan, the requests
//! `executor::RoomRun::run` sends for it. The one table of what each step sends: the API-key
//! preflight (`reconcile/preflight.rs`) checks every request in it against the key's scopes, and
//! the plan's cost (`plan/cost.rs`) counts the ones sent when nothing goes wrong.
//!
//! A new step, or a step that sends something new, changes [`step_requests`]; a test applies a
//! plan of every kind of step and finds exactly the counted requests on the emulator.

use super::model::Action;

/// A request the run sends: its method and path, the part the server's scope map reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Request {
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
}

const fn request(method: &'static str, path: &'static str) -> Request {
    Request { method, path }
}

impl std::fmt::Display for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

pub(crate) const LIST_ROOMS: Request = request("GET", "/api/2.0/files/rooms");
pub(crate) const ROOM: Request = request("GET", "/api/2.0/files/rooms/{id}");
pub(crate) const COVERS: Request = request("GET", "/api/2.0/files/rooms/covers");
pub(crate) const PEOPLE: Request = request("GET", "/api/2.0/people");
pub(crate) const PERSON: Request = request("GET", "/api/2.0/people/email");
pub(crate) const GROUPS: Request = request("GET", "/api/2.0/group");
pub(crate) const MEMBERS: Request = request("GET", "/api/2.0/files/rooms/{id}/share");
pub(crate) const LINKS: Request = request("GET", "/api/2.0/files/rooms/{id}/links");
pub(crate) const PRIMARY_LINK: Request = request("GET", "/api/2.0/files/rooms/{id}/link");
pub(crate) const SHARING_SETTINGS: Request = request("GET", "/api/2.0/files/settings");
pub(crate) const PASSWORD_POLICY: Request = request("GET", "/api/2.0/settings/security/password");
pub(crate) const SUBFOLDERS: Request = request("GET", "/api/2.0/files/{id}/subfolders");
pub(crate) const FOLDER: Request = request("GET", "/api/2.0/files/folder/{id}");
pub(crate) const LISTING: Request = request("GET", "/api/2.0/files/{id}");
pub(crate) const OPERATIONS: Request = request("GET", "/api/2.0/files/fileops");
pub(crate) const QUOTA: Request = request("GET", "/api/2.0/portal/payment/quota");
const CREATE_ROOM: Request = request("POST", "/api/2.0/files/rooms");
const UPDATE_ROOM: Request = request("PUT", "/api/2.0/files/rooms/{id}");
const ARCHIVE: Request = request("PUT", "/api/2.0/files/rooms/{id}/archive");
const UNARCHIVE: Request = request("PUT", "/api/2.0/files/rooms/{id}/unarchive");
const DELETE_ROOM: Request = request("DELETE", "/api/2.0/files/rooms/{id}");
const SET_MEMBERS: Request = request("PUT", "/api/2.0/files/rooms/{id}/share");
const SET_LINK: Request = request("PUT", "/api/2.0/files/rooms/{id}/links");
const CREATE_FOLDER: Request = request("POST", "/api/2.0/files/folder/{id}");
const RENAME_FOLDER: Request = request("PUT", "/api/2.0/files/folder/{id}");
const TRASH_FOLDER: Request = request("PUT", "/api/2.0/files/fileops/delete");

/// How often a step sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Times {
    /// This many times each time the step runs, when nothing is retried (an asynchronous
    /// operation is polled once; a slow one takes more).
    Each(usize),
    /// Once in a run that has such steps, however many it has (the look at the new rooms before
    /// the first create).
    OncePerRun,
    /// Only when something went wrong or someone else acted: an unknown outcome looked up,
    /// another run's twin read and settled. Not counted.
    IfNeeded,
    /// Once per page (100) of the room's member list after a member change (the read-back).
    PerMemberPage,
}

/// A request a step sends, and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sent {
    pub(crate) request: Request,
    pub(crate) times: Times,
}

const fn each(request: Request) -> Sent {
    Sent { request, times: Times::Each(1) }
}

const fn twice(request: Request) -> Sent {
    Sent { request, times: Times::Each(2) }
}

const fn if_needed(request: Request) -> Sent {
    Sent { request, times: Times::IfNeeded }
}

/// The requests one step sends, its read-backs and operation polls included, as
/// `executor::RoomRun::run` sends them.
pub(crate) fn step_requests(action: &Action) -> &'static [Sent] {
    match action {
        // The new rooms are listed (the listing's end, back past the rooms already listed and
        // those created in the same second: a burst of creates can take a second page) once
        // before the run's first create and once after each, for another run's twin; a twin is
        // read, and this run's removed if the rule says so (renamed out of the title, read
        // again, deleted, or archived first where the portal asks, each waited for by reading
        // the room; given its title and state back if found in use: `executor/twins.rs`). A
        // create whose outcome is unknown is looked for in the same listing.
        Action::Create { .. } => {
            &const {
                [
                    Sent { request: LIST_ROOMS, times: Times::OncePerRun },
                    each(CREATE_ROOM),
                    each(LIST_ROOMS),
                    if_needed(ROOM),
                    if_needed(MEMBERS),
                    if_needed(UPDATE_ROOM),
                    if_needed(ARCHIVE),
                    if_needed(UNARCHIVE),
                    if_needed(DELETE_ROOM),
                ]
            }
        }
        Action::Rename { .. } | Action::SetTags { .. } => &const { [each(UPDATE_ROOM)] },
        // The operation polled once, then the room read back.
        Action::Archive => &const { [each(ARCHIVE), each(OPERATIONS), each(ROOM)] },
        Action::Unarchive => &const { [each(UNARCHIVE), each(OPERATIONS), each(ROOM)] },
        Action::Delete => &const { [each(DELETE_ROOM), each(OPERATIONS), each(ROOM)] },
        // The update, then the members (a page per 100) or the room read back.
        Action::SetMembers { .. } => {
            &const { [each(SET_MEMBERS), Sent { request: MEMBERS, times: Times::PerMemberPage }] }
        }
        Action::SetSettings { .. } => &const { [each(UPDATE_ROOM), each(ROOM)] },
        // The parent is listed before and after the create (another run's folder, a twin, an
        // unknown outcome); this run's twin is read, renamed out of the title, read again and
        // moved to the trash if the rule says so.
        Action::CreateFolder { .. } => {
            &const {
                [
                    twice(SUBFOLDERS),
                    each(CREATE_FOLDER),
                    if_needed(FOLDER),
                    if_needed(LISTING),
                    if_needed(RENAME_FOLDER),
                    if_needed(TRASH_FOLDER),
                    if_needed(OPERATIONS),
                ]
            }
        }
        // The account's running deletes waited for (one list of them), the folder and its
        // listing checked again, the move, one poll, the folder read back.
        Action::TrashFolder { .. } => {
            &const { [twice(OPERATIONS), twice(FOLDER), each(LISTING), each(TRASH_FOLDER)] }
        }
        // An update: the link looked for first (one the portal lost is not made again), then
        // read back.
        Action::SetLink { link } if link.link_id.is_some() => {
            &const { [twice(LINKS), each(SET_LINK)] }
        }
        // A primary link without an id: looked up among the room's links; where the room has
        // none (a custom room's, not a new public or form-filling room's, which the portal
        // gives one), `GET …/link` makes it.
        Action::SetLink { link } if link.primary && link.before.is_none() => {
            &const { [twice(LINKS), each(PRIMARY_LINK), each(SET_LINK)] }
        }
        Action::SetLink { link } if link.primary => {
            &const { [twice(LINKS), if_needed(PRIMARY_LINK), each(SET_LINK)] }
        }
        // A new link: the room's links read for one of the name another run made since the
        // plan, then the link made under a fresh id, the links read for another run's twin
        // (this run's removed if the rule says so), and read back (and looked for after an
        // unknown outcome).
        Action::SetLink { .. } => {
            &const { [Sent { request: LINKS, times: Times::Each(3) }, each(SET_LINK)] }
        }
        Action::RemoveLink { .. } => &const { [each(SET_LINK), each(LINKS)] },
    }
}
