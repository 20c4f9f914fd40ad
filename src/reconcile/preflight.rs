//! The API-key preflight. A portal limits an API key (`sk-…`) to its scopes and refuses any
//! other request with a bare 403 (`crate::scopes`), so a run that uses a key reads the key's
//! scopes first (`GET /api/2.0/keys/@self`) and works out every request it will send: the reads
//! its manifest (or saved plan) needs and, once planned, the requests of each step, as
//! `executor::RoomRun::run` sends them. A read scope the key lacks stops the run before its
//! first read; a write scope stops `apply` before its first write, and `plan` says what an
//! apply would lack. A login token may do whatever its user may: nothing is checked.
//!
//! A new read adds its requests here, in [`uses`], a new step in `plan::requests` (the table
//! the plan's cost counts too); the scopes follow from the map.

use crate::manifest::{DesiredState, FoldersPolicy, Manifest, RoomSpec};
use crate::plan::render::room_label;
use crate::plan::requests::{
    COVERS, FOLDER, GROUPS, LINKS, LIST_ROOMS, LISTING, MEMBERS, PASSWORD_POLICY, PEOPLE, PERSON,
    QUOTA, Request, SHARING_SETTINGS, SUBFOLDERS, step_requests,
};
use crate::plan::{Action, Plan, RoomPlan};
use crate::portal::Portal;
use crate::scopes::{self, Grant};
use crate::settings::Switch;
use crate::text::{escape, plural};
use std::collections::{BTreeMap, BTreeSet};

/// A request and what in the run sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Use {
    request: Request,
    by: String,
}

/// What a run reads before it plans or applies.
pub(crate) enum Reads<'a> {
    /// Planning these manifests (`plan`, `apply`; with `--base`, both).
    Manifests(&'a [&'a Manifest]),
    /// Checking a saved plan against the portal (`apply PLAN`).
    Saved(&'a Plan),
    /// `export`: every room with its members and links.
    Export,
}

/// A read a manifest's entries can ask for: its requests, what in the run sends them, and
/// whether these rooms need it (see `read::read_for`).
struct ManifestRead {
    requests: &'static [Request],
    by: &'static str,
    needed: fn(&[&RoomSpec]) -> bool,
}

/// An entry the run keeps (its members, links and folders are read).
fn kept(spec: &RoomSpec) -> bool {
    spec.state != DesiredState::Deleted
}

/// Every read a manifest can ask for, in the run's order: [`Reads::Manifests`] sends those its
/// entries need, and a key allowed all of them needs no manifest to be checked
/// ([`may_make_every_read`]).
const MANIFEST_READS: &[ManifestRead] = &[
    ManifestRead { requests: &[LIST_ROOMS], by: "listing the rooms", needed: |_| true },
    ManifestRead {
        requests: &[LIST_ROOMS],
        by: "listing the AI agents (entries with `type: ai`)",
        needed: |specs| specs.iter().any(|s| s.room_type == Some(crate::docspace::RoomType::Ai)),
    },
    ManifestRead {
        requests: &[PEOPLE, GROUPS, PERSON, MEMBERS],
        by: "reading members (entries with `members`)",
        needed: |specs| specs.iter().filter(|s| kept(s)).any(|s| s.members.is_some()),
    },
    ManifestRead {
        requests: &[LINKS],
        by: "reading links (entries with `links`)",
        needed: |specs| specs.iter().filter(|s| kept(s)).any(|s| s.links.is_some()),
    },
    ManifestRead {
        requests: &[SHARING_SETTINGS],
        by: "reading the portal's sharing settings (entries with `links`)",
        needed: |specs| specs.iter().any(|s| s.links.is_some()),
    },
    ManifestRead {
        requests: &[PASSWORD_POLICY],
        by: "reading the portal's password policy (links with `password_env`)",
        needed: |specs| {
            let mut links = specs.iter().flat_map(|s| s.links.iter().flatten());
            links.any(|link| link.password.is_some())
        },
    },
    ManifestRead {
        requests: &[SUBFOLDERS],
        by: "reading folders (entries with `folders`)",
        needed: |specs| specs.iter().filter(|s| kept(s)).any(|s| s.folders.is_some()),
    },
    ManifestRead {
        requests: &[LISTING],
        by: "reading folders (entries with `folders_policy: exact`)",
        needed: |specs| {
            let mut folders = specs.iter().filter(|s| kept(s)).filter(|s| s.folders.is_some());
            folders.any(|s| s.folders_policy == FoldersPolicy::Exact)
        },
    },
    ManifestRead {
        requests: &[QUOTA],
        by: "reading whether the portal's room quota is on (entries with `quota`)",
        needed: |specs| specs.iter().any(|s| s.settings.quota.is_some()),
    },
    ManifestRead {
        requests: &[COVERS],
        by: "reading the portal's covers (entries with `cover`)",
        needed: |specs| specs.iter().any(|s| matches!(s.settings.cover, Some(Switch::On(_)))),
    },
];

/// Whether `key` may make every read any manifest can ask for (a login token, or a key read as
/// unchecked, may). Then [`check_reads`] passes whatever the manifest holds, so the rooms can be
/// listed before the manifest is read.
pub(crate) fn may_make_every_read(key: Option<&KeyScopes>) -> bool {
    let Some(key) = key else { return true };
    let every: Vec<Use> = MANIFEST_READS
        .iter()
        .flat_map(|read| read.requests.iter().map(|&request| Use { request, by: read.by.into() }))
        .collect();
    missing(&key.grant, &every).is_empty()
}

/// Every request a run sends: the reads (see `read::read_for`, `load_saved` and
/// `export::read_portal`), then what applying `plan` sends, step by step (see
/// `executor::RoomRun::run`).
pub(crate) fn uses(reads: Option<&Reads<'_>>, plan: Option<&Plan>) -> Vec<Use> {
    let mut uses = Vec::new();
    let mut add = |requests: &[Request], by: &str| {
        uses.extend(requests.iter().map(|&request| Use { request, by: by.to_owned() }));
    };
    match reads {
        None => {}
        Some(Reads::Manifests(manifests)) => {
            let specs: Vec<&RoomSpec> = manifests.iter().flat_map(|m| &m.rooms).collect();
            for read in MANIFEST_READS.iter().filter(|read| (read.needed)(&specs)) {
                add(read.requests, read.by);
            }
        }
        Some(Reads::Saved(saved)) => {
            add(&[LIST_ROOMS], "listing the rooms");
            if !saved.member_rooms().is_empty() {
                add(&[MEMBERS], "checking the members the saved plan changes");
            }
            if !saved.link_rooms().is_empty() {
                add(&[LINKS], "checking the links the saved plan changes");
            }
            for (_, step) in saved.steps() {
                match &step.action {
                    // As `folders::stale` reads them: the parent's subfolders, and a parent
                    // below the room found again by id up to the room; a parent the plan
                    // creates is checked through its own create.
                    Action::CreateFolder { path, parent_id } => {
                        let by = "checking the folders the saved plan creates";
                        match (path.len(), parent_id) {
                            (1, _) => add(&[SUBFOLDERS], by),
                            (_, Some(_)) => add(&[SUBFOLDERS, FOLDER], by),
                            (_, None) => {}
                        }
                    }
                    Action::TrashFolder { .. } => {
                        add(&[FOLDER], "checking the folders the saved plan moves to the trash");
                    }
                    _ => {}
                }
            }
        }
        Some(Reads::Export) => {
            add(&[LIST_ROOMS], "listing the rooms");
            add(&[PEOPLE, GROUPS, MEMBERS], "reading every room's members");
            add(&[LINKS], "reading the rooms' links");
        }
    }
    for (room, step) in plan.into_iter().flat_map(Plan::steps) {
        let requests: Vec<Request> =
            step_requests(&step.action).iter().map(|s| s.request).collect();
        add(&requests, &step_label(room, &step.action));
    }
    uses
}

/// `"Finance" (id 12) members`: which step, briefly.
fn step_label(room: &RoomPlan, action: &Action) -> String {
    let what = match action {
        Action::Create { .. } => "create".to_owned(),
        Action::Rename { .. } => "rename".to_owned(),
        Action::SetTags { .. } => "tags".to_owned(),
        Action::Archive => "archive".to_owned(),
        Action::Unarchive => "unarchive".to_owned(),
        Action::Delete => "delete".to_owned(),
        Action::SetMembers { .. } => "members".to_owned(),
        Action::SetSettings { .. } => "settings".to_owned(),
        Action::CreateFolder { path, .. } => format!("folder \"{}\"", escape(&path.join("/"))),
        Action::TrashFolder { path, .. } => {
            format!("folder \"{}\" to the trash", escape(&path.join("/")))
        }
        Action::SetLink { link } => format!("link \"{}\"", escape(&link.name)),
        Action::RemoveLink { name, .. } => format!("remove link \"{}\"", escape(name)),
    };
    format!("{} {what}", room_label(&room.title, &room.target))
}

/// A scope the key lacks, the requests that need it and what sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missing {
    /// The narrowest scope that would do (`rooms:read` for a room read, `*:read` for a read
    /// in no entry of the map).
    pub(crate) scope: &'static str,
    requests: BTreeSet<Request>,
    /// What sends them, in the run's order, once each.
    by: Vec<String>,
}

/// The scopes `grant` lacks for `uses`, sorted by name. Each request the grant does not allow
/// is put under the narrowest scope that would do, unless a scope already named for the same
/// read or step would do too (a folder's `files:write` covers the read-back of its parent):
/// writes are looked at first.
pub(crate) fn missing(grant: &Grant, uses: &[Use]) -> Vec<Missing> {
    let mut found: BTreeMap<&'static str, Missing> = BTreeMap::new();
    let mut order: Vec<&Use> = uses.iter().collect();
    // Stable: the run's order within writes and within reads.
    order.sort_by_key(|used| used.request.method == "GET");
    let mut named: BTreeMap<&str, Vec<&'static str>> = BTreeMap::new();
    for used in order {
        let policy = scopes::required(used.request.method, used.request.path);
        if grant.allows(policy.as_ref()) {
            continue;
        }
        let chosen = named.entry(used.by.as_str()).or_default();
        let already = policy.as_ref().and_then(|p| p.accepted().find(|s| chosen.contains(s)));
        let scope = already.unwrap_or_else(|| {
            let scope = policy.map_or(scopes::WRITE_ALL, |p| p.narrowest());
            chosen.push(scope);
            scope
        });
        let entry = found.entry(scope).or_insert_with(|| Missing {
            scope,
            requests: BTreeSet::new(),
            by: Vec::new(),
        });
        entry.requests.insert(used.request);
        if !entry.by.contains(&used.by) {
            entry.by.push(used.by.clone());
        }
    }
    // What needs a scope, in the run's order.
    for entry in found.values_mut() {
        entry.by.sort_by_key(|by| uses.iter().position(|u| &u.by == by));
    }
    found.into_values().collect()
}

/// Steps named per missing scope before "and N more".
const NAMED_STEPS: usize = 3;

/// One line per missing scope: what needs it and through which requests.
fn lines(missing: &[Missing]) -> String {
    missing
        .iter()
        .map(|m| {
            let mut by: Vec<String> = m.by.iter().take(NAMED_STEPS).cloned().collect();
            if m.by.len() > NAMED_STEPS {
                by.push(format!("and {} more", m.by.len() - NAMED_STEPS));
            }
            let requests: Vec<String> = m.requests.iter().map(|r| format!("`{r}`")).collect();
            format!("\n  `{}` for {} ({})", m.scope, by.join(", "), requests.join(", "))
        })
        .collect()
}

/// A key that expires sooner than this from the start of a run is a warning: a long apply may
/// outlast it.
const EXPIRY_MARGIN: i64 = 3600;

/// The scopes of the run's API key, read before anything else.
#[derive(Debug, Clone)]
pub(crate) struct KeyScopes {
    grant: Grant,
}

/// Reads the key's scopes when the token is an API key (`None` for a login token, which is not
/// limited). A 401 is the token's error and no answer stops the run as any read would; any
/// other answer is a warning, and the run goes on unchecked.
pub(crate) async fn read_key(portal: &Portal) -> anyhow::Result<Option<KeyScopes>> {
    if !portal.uses_api_key() {
        return Ok(None);
    }
    match portal.own_key().await {
        Ok(key) => {
            if let Some(warning) = expiry_warning(key.expires_at, crate::time::now()) {
                crate::out::warn(warning);
            }
            Ok(Some(KeyScopes { grant: Grant::of(&key.permissions) }))
        }
        Err(err) => match err.status() {
            Some(401) => Err(err.into()),
            // The portal's own answer (one without this endpoint, a proxy's rule): the run goes
            // on unchecked, and the portal still refuses what the key may not do.
            Some(status) if !matches!(status, 429 | 502 | 503 | 504) => {
                crate::out::warn(format_args!(
                    "cannot read the API key's scopes, so the run is not checked against them first: {err}"
                ));
                Ok(None)
            }
            // No answer: nothing else would be read either.
            _ => Err(anyhow::Error::new(err)
                .context(format!("cannot read the API key's scopes from `{}`", portal.base_url()))),
        },
    }
}

/// A warning when the key expires within [`EXPIRY_MARGIN`] of `now`.
fn expiry_warning(expires_at: Option<i64>, now: i64) -> Option<String> {
    let left = expires_at? - now;
    (left < EXPIRY_MARGIN).then(|| {
        let minutes = usize::try_from(left.max(0) / 60).unwrap_or(0);
        format!(
            "the API key expires at {} ({minutes} minute{} from now); requests after that fail with 401, so a long run may stop part-way",
            crate::time::format_expiry(expires_at.unwrap_or(now)),
            plural(minutes)
        )
    })
}

/// Stops the run, before its first read, when the key lacks a scope the reads need: every
/// missing scope is named at once, with what needs it.
pub(crate) fn check_reads(key: Option<&KeyScopes>, reads: &Reads<'_>) -> anyhow::Result<()> {
    let Some(key) = key else { return Ok(()) };
    let missing = missing(&key.grant, &uses(Some(reads), None));
    if missing.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "the API key lacks {} this run needs, so nothing was read:{}\ngive the key {} (`*:read` alone covers every read), or use another key; the README's Authentication section lists the scopes per feature",
        scope_count(&missing),
        lines(&missing),
        names(&missing)
    )
}

/// For `plan --base`, once `manifest`'s reads passed [`check_reads`]: why the base cannot be
/// read with this key (the scopes only the base needs), so the plan goes on without it; `None`
/// when the key can read both (or the run uses a login token).
pub(crate) fn base_lacks(
    key: Option<&KeyScopes>,
    manifest: &Manifest,
    base: &Manifest,
) -> Option<String> {
    let missing = missing(&key?.grant, &uses(Some(&Reads::Manifests(&[manifest, base])), None));
    (!missing.is_empty()).then(|| {
        format!(
            "the API key lacks {} only the base needs:{}",
            scope_count(&missing),
            lines(&missing)
        )
    })
}

/// What applying `plan` needs that the key lacks, as lines; `None` when it has everything
/// (or the run uses a login token).
fn apply_lacks(key: Option<&KeyScopes>, plan: &Plan) -> Option<(Vec<Missing>, String)> {
    let missing = missing(&key?.grant, &uses(None, Some(plan)));
    (!missing.is_empty()).then(|| {
        let text = lines(&missing);
        (missing, text)
    })
}

/// For `plan`: a warning naming the scopes an `apply` of this plan would need that the key
/// lacks, and for which steps.
pub(crate) fn apply_warning(key: Option<&KeyScopes>, plan: &Plan) -> Option<String> {
    let (missing, lines) = apply_lacks(key, plan)?;
    Some(format!(
        "this API key can plan but not apply this plan: `apply` would stop before any change, as the key lacks {}:{lines}",
        scope_count(&missing)
    ))
}

/// For `apply`: stops before the first write when the key lacks a scope a step needs.
pub(crate) fn check_apply(key: Option<&KeyScopes>, plan: &Plan) -> anyhow::Result<()> {
    let Some((missing, lines)) = apply_lacks(key, plan) else { return Ok(()) };
    anyhow::bail!(
        "the API key lacks {} this plan needs, so nothing was changed:{lines}\ngive the key {} (or use another key); the README's Authentication section lists the scopes per feature",
        scope_count(&missing),
        names(&missing)
    )
}

fn scope_count(missing: &[Missing]) -> String {
    match missing.len() {
        1 => "a scope".to_owned(),
        n => format!("{n} scopes"),
    }
}

fn names(missing: &[Missing]) -> String {
    missing.iter().map(|m| format!("`{}`", m.scope)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docspace::RoomType;
    use crate::model::{PortalFolder, PortalRoom, PortalState, RoomState};
    use crate::plan::{LinkChange, LinkFields, PlanOptions};
    use std::path::Path;

    fn manifest(yaml: &str) -> Manifest {
        crate::manifest::parse(Path::new("rooms.yaml"), yaml).expect("a valid test manifest").0
    }

    fn only(scopes: &[&str]) -> Grant {
        Grant::Only(scopes.iter().map(ToString::to_string).collect())
    }

    /// The missing scopes, each with what needs it.
    fn lacks(grant: &Grant, uses: &[Use]) -> Vec<(&'static str, Vec<String>)> {
        missing(grant, uses).into_iter().map(|m| (m.scope, m.by)).collect()
    }

    fn reads_of(yaml: &str) -> Vec<Use> {
        let manifest = manifest(yaml);
        uses(Some(&Reads::Manifests(&[&manifest])), None)
    }

    const ROOMS_ONLY: &str = "rooms:\n  - title: A\n    type: custom\n    tags: [x]\n";

    #[test]
    fn rooms_alone_read_only_the_room_list() {
        let uses = reads_of(ROOMS_ONLY);
        assert_eq!(uses.iter().map(|u| u.request).collect::<Vec<_>>(), [LIST_ROOMS]);
        assert!(lacks(&only(&["rooms:read"]), &uses).is_empty());
        assert!(lacks(&only(&["rooms:write"]), &uses).is_empty(), "write implies read for rooms");
        assert_eq!(
            lacks(&only(&["files:write"]), &uses),
            [("rooms:read", vec!["listing the rooms".to_owned()])]
        );
    }

    #[test]
    fn each_section_of_a_manifest_adds_its_reads_and_every_missing_scope_is_named() {
        let uses = reads_of(
            "rooms:\n  - title: A\n    type: custom\n    quota: 1 GB\n    cover: suitcase\n    members:\n      - user: a@example.com\n        access: viewer\n    folders: [X]\n    folders_policy: exact\n  - title: P\n    type: public\n    links:\n      - name: L\n        access: viewer\n",
        );
        assert_eq!(
            lacks(&only(&["rooms:read"]), &uses),
            [
                (
                    "*:read",
                    vec![
                        "reading whether the portal's room quota is on (entries with `quota`)"
                            .to_owned()
                    ]
                ),
                ("accounts:read", vec!["reading members (entries with `members`)".to_owned()]),
                (
                    "files:read",
                    vec![
                        "reading the portal's sharing settings (entries with `links`)".to_owned(),
                        "reading folders (entries with `folders`)".to_owned(),
                        "reading folders (entries with `folders_policy: exact`)".to_owned()
                    ]
                ),
            ]
        );
        assert!(
            lacks(&only(&["*:read"]), &uses).is_empty(),
            "the global read scope reads everything"
        );
    }

    #[test]
    fn a_key_may_make_every_read_only_when_no_manifest_could_lack_a_scope() {
        let key = |scopes: &[&str]| KeyScopes { grant: only(scopes) };
        // The README's plan key and its apply key: whatever the manifest, nothing is missing.
        assert!(may_make_every_read(Some(&key(&["*:read"]))));
        assert!(may_make_every_read(Some(&key(&[
            "rooms:write",
            "files:write",
            "accounts:read",
            "*:read"
        ]))));
        assert!(may_make_every_read(Some(&KeyScopes { grant: Grant::All })));
        assert!(may_make_every_read(None), "a login token, or a key that could not be read");
        // Each lacks a scope some manifest needs (the room quota takes `*:read`).
        for scopes in [
            &["rooms:read"][..],
            &["rooms:read", "files:read", "accounts:read"],
            &["rooms:write", "files:write", "accounts:read"],
        ] {
            assert!(!may_make_every_read(Some(&key(scopes))), "{scopes:?}");
        }
        // A manifest with every section reads nothing outside the list, so such a key passes it.
        let every = reads_of(
            "rooms:\n  - title: A\n    type: custom\n    quota: 1 GB\n    cover: suitcase\n    members:\n      - user: a@example.com\n        access: viewer\n    folders: [X]\n    folders_policy: exact\n  - title: P\n    type: public\n    links:\n      - name: L\n        access: viewer\n        password_env: LINK_PASSWORD_P\n  - title: I\n    type: ai\n",
        );
        let listed: Vec<Request> =
            MANIFEST_READS.iter().flat_map(|read| read.requests).copied().collect();
        assert!(every.iter().all(|used| listed.contains(&used.request)));
        assert_eq!(every.len(), listed.len(), "every read of the list: {every:?}");
    }

    #[test]
    fn accounts_write_does_not_read_the_groups() {
        let uses = reads_of(
            "rooms:\n  - title: A\n    type: custom\n    members:\n      - group: G\n        access: viewer\n",
        );
        let missing = missing(&only(&["rooms:read", "accounts:write"]), &uses);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].scope, "accounts:read");
        assert_eq!(missing[0].requests.iter().copied().collect::<Vec<_>>(), [GROUPS]);
    }

    #[test]
    fn an_entry_to_delete_reads_nothing_of_its_sections() {
        let uses = reads_of(
            "rooms:\n  - title: A\n    state: deleted\n    members:\n      - user: a@example.com\n        access: viewer\n    folders: [X]\n",
        );
        assert_eq!(uses.iter().map(|u| u.request).collect::<Vec<_>>(), [LIST_ROOMS]);
    }

    fn link() -> Box<LinkChange> {
        let fields = LinkFields {
            title: "L".into(),
            access: 2,
            expires: None,
            password: None,
            deny_download: false,
            internal: false,
        };
        Box::new(LinkChange {
            name: "L".into(),
            primary: false,
            link_id: None,
            before: None,
            after: fields,
            password_env: None,
            password_change: crate::plan::PasswordChange::None,
        })
    }

    #[test]
    fn each_step_needs_the_scopes_of_every_request_it_sends() {
        // A write scope covers the step's reads of the same kind; the operations are polled
        // under `files`.
        let operation = ["files:read", "rooms:write"];
        let room = ["rooms:write"];
        let folder = ["files:write"];
        let cases: Vec<(Action, &[&str])> = vec![
            (
                Action::Create {
                    title: "A".into(),
                    room_type: RoomType::Custom,
                    tags: vec![],
                    settings: Box::default(),
                },
                &room,
            ),
            (Action::Rename { before: "A".into(), after: "B".into() }, &room),
            (Action::SetTags { before: vec![], after: vec!["x".into()] }, &room),
            (Action::Archive, &operation),
            (Action::Unarchive, &operation),
            (Action::Delete, &operation),
            (Action::SetMembers { notify: false, changes: vec![], members_after: 1 }, &room),
            (Action::SetSettings { before: Box::default(), after: Box::default() }, &room),
            (Action::CreateFolder { path: vec!["X".into()], parent_id: None }, &folder),
            (Action::TrashFolder { path: vec!["X".into()], id: 9 }, &folder),
            (Action::SetLink { link: link() }, &room),
            (
                Action::RemoveLink {
                    name: "L".into(),
                    link_id: "id".into(),
                    before: Box::new(link().after),
                },
                &room,
            ),
        ];
        for (action, expected) in cases {
            let uses: Vec<Use> = step_requests(&action)
                .iter()
                .map(|sent| Use { request: sent.request, by: "step".into() })
                .collect();
            let needed: Vec<&str> = missing(&only(&[]), &uses).iter().map(|m| m.scope).collect();
            assert_eq!(needed, expected, "{action:?}");
        }
    }

    fn portal_room(id: u64, title: &str, state: RoomState) -> PortalRoom {
        PortalRoom {
            id,
            title: title.into(),
            room_type: RoomType::Custom.into(),
            state,
            tags: vec![],
            settings: crate::settings::Settings::default(),
            custom_logo: false,
        }
    }

    fn plan_of(yaml: &str, rooms: Vec<PortalRoom>) -> Plan {
        let state = PortalState { rooms, ..PortalState::default() };
        crate::plan::plan(&manifest(yaml), &state, &PlanOptions::default()).expect("a plan")
    }

    #[test]
    fn a_rooms_write_key_lacks_the_operations_scope_for_an_archive_and_files_write_for_a_folder() {
        let plan = plan_of(
            "rooms:\n  - title: Old\n    state: archived\n  - title: New\n    type: custom\n    folders: [Contracts]\n",
            vec![portal_room(7, "Old", RoomState::Active)],
        );
        assert_eq!(
            lacks(&only(&["rooms:write"]), &uses(None, Some(&plan))),
            [
                ("files:read", vec!["\"Old\" (id 7) archive".to_owned()]),
                ("files:write", vec!["\"New\" (new) folder \"Contracts\"".to_owned()]),
            ]
        );
        assert!(lacks(&only(&["rooms:write", "files:write"]), &uses(None, Some(&plan))).is_empty());
        let read_only = missing(&only(&["*:read"]), &uses(None, Some(&plan)));
        assert_eq!(
            read_only.iter().map(|m| m.scope).collect::<Vec<_>>(),
            ["files:write", "rooms:write"]
        );
    }

    #[test]
    fn a_long_list_of_steps_is_cut_after_three() {
        let yaml: String = (0..5).map(|n| format!("  - title: R{n}\n    type: custom\n")).collect();
        let plan = plan_of(&format!("rooms:\n{yaml}"), vec![]);
        let text = lines(&missing(&only(&["rooms:read"]), &uses(None, Some(&plan))));
        assert_eq!(
            text,
            "\n  `rooms:write` for \"R0\" (new) create, \"R1\" (new) create, \"R2\" (new) create, and 2 more (`DELETE /api/2.0/files/rooms/{id}`, `POST /api/2.0/files/rooms`, `PUT /api/2.0/files/rooms/{id}`, `PUT /api/2.0/files/rooms/{id}/archive`, `PUT /api/2.0/files/rooms/{id}/unarchive`)"
        );
    }

    #[test]
    fn a_saved_plan_reads_what_it_checks() {
        let plan = plan_of(
            "rooms:\n  - title: A\n    type: custom\n    folders: [X]\n",
            vec![portal_room(7, "A", RoomState::Active)],
        );
        let reads = uses(Some(&Reads::Saved(&plan)), None);
        assert_eq!(reads.iter().map(|u| u.request).collect::<Vec<_>>(), [LIST_ROOMS, SUBFOLDERS]);
        // A folder under an existing folder: its parent is read by id too (`misplaced`).
        let docs = PortalFolder {
            id: 8,
            title: "Docs".into(),
            parent_id: Some(7),
            files_count: 0,
            folders_count: 0,
            system: false,
            listed: None,
        };
        let state = PortalState {
            rooms: vec![portal_room(7, "A", RoomState::Active)],
            folders: [(7, vec![docs]), (8, vec![])].into(),
            ..PortalState::default()
        };
        let yaml = "rooms:\n  - title: A\n    type: custom\n    folders: [Docs/2025]\n";
        let plan = crate::plan::plan(&manifest(yaml), &state, &PlanOptions::default()).unwrap();
        let reads = uses(Some(&Reads::Saved(&plan)), None);
        assert_eq!(
            reads.iter().map(|u| u.request).collect::<Vec<_>>(),
            [LIST_ROOMS, SUBFOLDERS, FOLDER]
        );
    }

    #[test]
    fn a_key_expiring_within_the_hour_is_a_warning() {
        let now = 1_800_000_000;
        assert_eq!(expiry_warning(None, now), None);
        assert_eq!(expiry_warning(Some(now + 3600), now), None);
        let warning = expiry_warning(Some(now + 25 * 60), now).unwrap();
        assert!(warning.contains("(25 minutes from now)"), "{warning}");
        assert!(warning.contains("2027-01-15T08:25:00Z"), "{warning}");
    }
}
