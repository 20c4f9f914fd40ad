//! API-key scopes: which scopes a request needs and what a key's permissions grant, as the
//! server decides them (DocSpace-server v3.7.2).
//!
//! - The map: `common/ASC.Api.Core/Auth/AuthorizationExtension.cs` L39-52 (`ScopesMap`),
//!   applied by `GetAuthorizePolicy` L54-91: the first entry whose regular expression matches
//!   `"{method} {route template}"` wins (unanchored, case-sensitive; `[^/]+` eats the
//!   `{version:apiVersion}` segment); a request needs any one of the global scopes (`*:read`
//!   and `*:write` for a GET, `*:write` for any other method) and the entry's own. An entry of
//!   `*` (`GET keys/@self`) means no scope policy at all. A path no entry matches needs a global
//!   scope only.
//! - Any one scope of the set suffices: `ScopesAuthorizationHandler.cs` L73 and
//!   `Middleware/ApiKeyScopesFilter.cs` L68 (the same check on `[AllowAnonymous]` actions).
//! - A key's claims: `Auth/ApiKeyBearerAuthHandler.cs` L72-80: no permissions, or `*` among
//!   them, is the single claim `*:write`, which every policy accepts; else one claim per
//!   permission. A login token always holds `*:write` (`SecurityContext.cs` L143-148).
//! - The scope names a key may hold: `products/ASC.People/Server/Api/ApiKeysController.cs`
//!   L108-119 (the map's values and the two global ones); anything else is refused at create.
//!
//! The client computes from this what a run needs; the emulator enforces it. So that a mistake
//! here cannot hide on both sides at once, its tests check every entry against the server's
//! own regular expressions.

/// The global read scope: every GET.
pub(crate) const READ_ALL: &str = "*:read";
/// The global write scope: every request.
pub(crate) const WRITE_ALL: &str = "*:write";

/// Every scope a key may be created with, sorted as `GET /api/2.0/keys/permissions` lists them
/// (`*` is accepted too and stored as no permissions, which grants everything).
pub const ALL: [&str; 11] = [
    "*",
    "*:read",
    "*:write",
    "accounts.self:read",
    "accounts.self:write",
    "accounts:read",
    "accounts:write",
    "files:read",
    "files:write",
    "rooms:read",
    "rooms:write",
];

/// Methods of the map's write entries: `(POST|PUT|DELETE|UPDATE)`. PATCH is in none.
const WRITES: &[&str] = &["POST", "PUT", "DELETE", "UPDATE"];

/// One entry of `ScopesMap`: the methods of its alternation, the literal after
/// `api/[^/]+/`, and its scopes.
struct Entry {
    methods: &'static [&'static str],
    path: &'static str,
    scopes: &'static [&'static str],
}

/// `ScopesMap`, in its order. `keys/@self?` is written `keys/@sel`: in an unanchored pattern
/// an optional last character matches whatever follows.
const MAP: [Entry; 11] = [
    Entry { methods: &["GET"], path: "files/rooms", scopes: &["rooms:read", "rooms:write"] },
    Entry { methods: WRITES, path: "files/rooms", scopes: &["rooms:write"] },
    Entry { methods: &["GET"], path: "files", scopes: &["files:read", "files:write"] },
    Entry { methods: WRITES, path: "files", scopes: &["files:write"] },
    Entry {
        methods: &["GET"],
        path: "people/@self",
        scopes: &["accounts.self:read", "accounts.self:write"],
    },
    Entry { methods: WRITES, path: "people/@self", scopes: &["accounts.self:write"] },
    Entry { methods: &["GET"], path: "people", scopes: &["accounts:read", "accounts:write"] },
    Entry { methods: WRITES, path: "people", scopes: &["accounts:write"] },
    Entry { methods: &["GET"], path: "group", scopes: &["accounts:read"] },
    Entry { methods: WRITES, path: "group", scopes: &["accounts:write"] },
    Entry { methods: &["GET"], path: "keys/@sel", scopes: &["*"] },
];

impl Entry {
    /// Whether `(M1|M2|…) api/[^/]+/PATH` matches somewhere in `subject`, as the unanchored
    /// regular expression does: `[^/]+` can only end right before the next `/`.
    fn matches(&self, subject: &str) -> bool {
        self.methods.iter().any(|method| {
            let head = format!("{method} api/");
            subject.match_indices(&head).any(|(at, _)| {
                let rest = &subject[at + head.len()..];
                match rest.find('/') {
                    Some(end) if end > 0 => rest[end + 1..].starts_with(self.path),
                    _ => false,
                }
            })
        })
    }
}

/// The scopes a request accepts, any one of which suffices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// `*:read` and `*:write` for a GET, `*:write` otherwise.
    global: &'static [&'static str],
    /// The matching entry's scopes; empty when no entry matches.
    local: &'static [&'static str],
}

impl Policy {
    /// The scope to name when a key has none of them: the entry's first (its read scope for a
    /// GET), else the global one (`*:read` for a GET).
    pub(crate) fn narrowest(&self) -> &'static str {
        self.local.first().or(self.global.first()).copied().unwrap_or(WRITE_ALL)
    }

    /// Every accepted scope, the global ones first, as the server joins them.
    pub(crate) fn accepted(&self) -> impl Iterator<Item = &'static str> + '_ {
        let local = self.local.iter().filter(|scope| !self.global.contains(scope));
        self.global.iter().chain(local).copied()
    }
}

/// Actions with an `[Authorize]` of their own, which `AuthorizationExtension.cs` (L133) gives
/// no scope policy: `GET settings/security/password` (`web/ASC.Web.Api/Api/Settings/
/// SecurityController.cs` L149-151, `Authorize(AuthenticationSchemes = "confirm", Roles =
/// "Authenticated")`), which any signed-in caller, a key of any scope included, may read.
const OWN_AUTHORIZE: [(&str, &str); 1] = [("GET", "settings/security/password")];

/// The scope policy of `method` on `route` (a route template such as
/// `api/{version:apiVersion}/files/rooms/{id}`; a request path matches the same entry, since
/// the map reads only the literal start), or `None` where the server attaches none
/// (`GET keys/@self`, and actions with their own `[Authorize]`): any valid key may call it.
pub fn required(method: &str, route: &str) -> Option<Policy> {
    let route = route.trim_start_matches('/');
    let own = OWN_AUTHORIZE.iter().any(|&(m, path)| {
        m == method
            && route
                .split_once('/')
                .and_then(|(_, rest)| rest.split_once('/'))
                .is_some_and(|(_, rest)| rest == path)
    });
    if own { None } else { map_policy(method, route) }
}

/// The policy `ScopesMap` gives `method` on `route`, as `AuthorizationExtension.cs` (L56-91)
/// computes it.
fn map_policy(method: &str, route: &str) -> Option<Policy> {
    let subject = format!("{method} {route}");
    let global: &'static [&'static str] =
        if method == "GET" { &[READ_ALL, WRITE_ALL] } else { &[WRITE_ALL] };
    match MAP.iter().find(|entry| entry.matches(&subject)) {
        Some(entry) if entry.scopes == ["*"] => None,
        Some(entry) => Some(Policy { global, local: entry.scopes }),
        None => Some(Policy { global, local: &[] }),
    }
}

/// What a key's permissions grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Grant {
    /// Everything: a key with no permissions (as one created with `*` is stored) or with `*`,
    /// and every login token.
    All,
    /// Exactly these scopes.
    Only(Vec<String>),
}

impl Grant {
    /// The grant of a key with these permissions.
    pub(crate) fn of(permissions: &[String]) -> Grant {
        if permissions.is_empty() || permissions.iter().any(|p| p == "*") {
            Grant::All
        } else {
            Grant::Only(permissions.to_vec())
        }
    }

    /// Whether a request with `policy` passes (`None`: no scope policy).
    pub(crate) fn allows(&self, policy: Option<&Policy>) -> bool {
        match (self, policy) {
            (Grant::All, _) | (_, None) => true,
            (Grant::Only(scopes), Some(policy)) => {
                policy.accepted().any(|accepted| scopes.iter().any(|s| s == accepted))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ScopesMap` as the server writes it (AuthorizationExtension.cs L41-51), for the check
    /// against real regular expressions.
    const SERVER_MAP: [(&str, &[&str]); 11] = [
        ("GET api/[^/]+/files/rooms", &["rooms:read", "rooms:write"]),
        ("(POST|PUT|DELETE|UPDATE) api/[^/]+/files/rooms", &["rooms:write"]),
        ("GET api/[^/]+/files", &["files:read", "files:write"]),
        ("(POST|PUT|DELETE|UPDATE) api/[^/]+/files", &["files:write"]),
        ("GET api/[^/]+/people/@self", &["accounts.self:read", "accounts.self:write"]),
        ("(POST|PUT|DELETE|UPDATE) api/[^/]+/people/@self", &["accounts.self:write"]),
        ("GET api/[^/]+/people", &["accounts:read", "accounts:write"]),
        ("(POST|PUT|DELETE|UPDATE) api/[^/]+/people", &["accounts:write"]),
        ("GET api/[^/]+/group", &["accounts:read"]),
        ("(POST|PUT|DELETE|UPDATE) api/[^/]+/group", &["accounts:write"]),
        ("GET api/[^/]+/keys/@self?", &["*"]),
    ];

    /// `GetAuthorizePolicy` with the `regex` crate over `SERVER_MAP`.
    fn server_policy(method: &str, route: &str) -> Option<Vec<&'static str>> {
        let subject = format!("{method} {route}");
        let mut scopes: Vec<&'static str> =
            if method == "GET" { vec![READ_ALL, WRITE_ALL] } else { vec![WRITE_ALL] };
        for (pattern, local) in SERVER_MAP {
            if regex::Regex::new(pattern).unwrap().is_match(&subject) {
                if local == ["*"] {
                    return None;
                }
                for scope in local {
                    if !scopes.contains(scope) {
                        scopes.push(scope);
                    }
                }
                break;
            }
        }
        Some(scopes)
    }

    fn policy(method: &str, route: &str) -> Option<Vec<&'static str>> {
        required(method, route).map(|p| p.accepted().collect())
    }

    const V: &str = "api/{version:apiVersion}";

    #[test]
    fn entry_1_a_rooms_read_accepts_rooms_read_or_write() {
        let route = format!("{V}/files/rooms/{{id}}/share");
        assert_eq!(
            policy("GET", &route).unwrap(),
            ["*:read", "*:write", "rooms:read", "rooms:write"]
        );
        assert_eq!(required("GET", &route).unwrap().narrowest(), "rooms:read");
    }

    #[test]
    fn entry_2_a_rooms_write_accepts_rooms_write_only() {
        for method in ["POST", "PUT", "DELETE"] {
            let route = format!("{V}/files/rooms/{{id}}/archive");
            assert_eq!(policy(method, &route).unwrap(), ["*:write", "rooms:write"], "{method}");
        }
        assert_eq!(
            required("PUT", &format!("{V}/files/rooms")).unwrap().narrowest(),
            "rooms:write"
        );
    }

    #[test]
    fn entry_3_a_files_read_covers_operations_and_folders() {
        for path in
            ["fileops", "folder/{folderId}", "{folderId}", "{folderId}/subfolders", "settings"]
        {
            let route = format!("{V}/files/{path}");
            assert_eq!(
                policy("GET", &route).unwrap(),
                ["*:read", "*:write", "files:read", "files:write"],
                "{path}"
            );
        }
    }

    #[test]
    fn entry_4_a_files_write_accepts_files_write_only() {
        for (method, path) in [
            ("PUT", "fileops/delete"),
            ("POST", "folder/{folderId}"),
            ("PUT", "folder/{folderId}"),
            ("DELETE", "folder/{folderId}"),
        ] {
            let route = format!("{V}/files/{path}");
            assert_eq!(
                policy(method, &route).unwrap(),
                ["*:write", "files:write"],
                "{method} {path}"
            );
        }
    }

    #[test]
    fn entry_5_own_profile_read_needs_the_self_scopes_not_accounts() {
        let route = format!("{V}/people/@self");
        assert_eq!(
            policy("GET", &route).unwrap(),
            ["*:read", "*:write", "accounts.self:read", "accounts.self:write"]
        );
        assert!(
            !Grant::Only(vec!["accounts:read".into()]).allows(required("GET", &route).as_ref())
        );
    }

    #[test]
    fn entry_6_own_profile_write_needs_accounts_self_write() {
        assert_eq!(
            policy("PUT", &format!("{V}/people/@self")).unwrap(),
            ["*:write", "accounts.self:write"]
        );
    }

    #[test]
    fn entry_7_people_read_accepts_accounts_read_or_write() {
        for path in ["people", "people/email", "people/{userid}"] {
            assert_eq!(
                policy("GET", &format!("{V}/{path}")).unwrap(),
                ["*:read", "*:write", "accounts:read", "accounts:write"],
                "{path}"
            );
        }
    }

    #[test]
    fn entry_8_people_write_needs_accounts_write() {
        assert_eq!(policy("POST", &format!("{V}/people")).unwrap(), ["*:write", "accounts:write"]);
    }

    #[test]
    fn entry_9_groups_read_accepts_accounts_read_and_not_accounts_write() {
        let route = format!("{V}/group");
        assert_eq!(policy("GET", &route).unwrap(), ["*:read", "*:write", "accounts:read"]);
        let write_only = Grant::Only(vec!["accounts:write".into()]);
        assert!(!write_only.allows(required("GET", &route).as_ref()));
        assert!(write_only.allows(required("GET", &format!("{V}/people")).as_ref()));
    }

    #[test]
    fn entry_10_groups_write_needs_accounts_write() {
        assert_eq!(
            policy("DELETE", &format!("{V}/group/{{id}}")).unwrap(),
            ["*:write", "accounts:write"]
        );
    }

    #[test]
    fn entry_11_the_own_key_has_no_scope_policy() {
        assert_eq!(required("GET", &format!("{V}/keys/@self")), None);
        assert!(Grant::Only(vec!["files:read".into()]).allows(None));
        // The list of every key is in no entry: a global scope.
        assert_eq!(policy("GET", &format!("{V}/keys")).unwrap(), ["*:read", "*:write"]);
    }

    #[test]
    fn an_action_with_its_own_authorize_has_no_scope_policy() {
        assert_eq!(required("GET", &format!("{V}/settings/security/password")), None);
        // Another settings path is in no entry: a global scope.
        assert!(required("GET", &format!("{V}/settings/security")).is_some());
        assert!(required("PUT", &format!("{V}/settings/security/password")).is_some());
    }

    #[test]
    fn a_path_in_no_entry_needs_a_global_scope_and_patch_needs_global_write() {
        let quota = format!("{V}/portal/payment/quota");
        assert_eq!(policy("GET", &quota).unwrap(), ["*:read", "*:write"]);
        assert_eq!(required("GET", &quota).unwrap().narrowest(), "*:read");
        assert_eq!(policy("PATCH", &format!("{V}/files/rooms/{{id}}")).unwrap(), ["*:write"]);
    }

    #[test]
    fn a_request_path_matches_the_entry_of_its_template() {
        for (method, path) in
            [("GET", "/api/2.0/files/rooms/12/links"), ("PUT", "api/2.0/files/fileops/delete")]
        {
            let template = path.trim_start_matches('/').replace("2.0", "{version:apiVersion}");
            assert_eq!(policy(method, path), policy(method, &template), "{path}");
        }
    }

    #[test]
    fn grants_no_permissions_or_a_star_grant_everything() {
        assert_eq!(Grant::of(&[]), Grant::All);
        assert_eq!(Grant::of(&["rooms:read".into(), "*".into()]), Grant::All);
        let policy = required("PUT", &format!("{V}/files/fileops/delete"));
        assert!(Grant::All.allows(policy.as_ref()));
        assert!(Grant::of(&["*:write".into()]).allows(policy.as_ref()));
        assert!(!Grant::of(&["*:read".into(), "rooms:write".into()]).allows(policy.as_ref()));
        assert!(
            Grant::of(&["*:read".into()]).allows(required("GET", &format!("{V}/group")).as_ref())
        );
    }

    #[test]
    fn the_map_agrees_with_the_servers_regular_expressions() {
        let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "UPDATE"];
        let routes = [
            "api/{version:apiVersion}/files/rooms",
            "api/{version:apiVersion}/files/rooms/{id}",
            "api/{version:apiVersion}/files/rooms/{id}/archive",
            "api/{version:apiVersion}/files/roomsettings",
            "api/{version:apiVersion}/files/fileops",
            "api/{version:apiVersion}/files/fileops/delete",
            "api/{version:apiVersion}/files/folder/{folderId}",
            "api/{version:apiVersion}/files/{folderId}/subfolders",
            "api/{version:apiVersion}/filesharing",
            "api/{version:apiVersion}/people",
            "api/{version:apiVersion}/people/@self",
            "api/{version:apiVersion}/people/@selfish",
            "api/{version:apiVersion}/people/email",
            "api/{version:apiVersion}/group",
            "api/{version:apiVersion}/groups",
            "api/{version:apiVersion}/keys",
            "api/{version:apiVersion}/keys/@self",
            "api/{version:apiVersion}/keys/@sel",
            "api/{version:apiVersion}/keys/permissions",
            "api/{version:apiVersion}/portal/payment/quota",
            "api/{version:apiVersion}/settings/security/password",
            "api/2.0/files/rooms/7",
            "api/2.0/Files/Rooms",
            "api//files/rooms",
            "api/{version:apiVersion}/authentication",
            "api/x/y/files/rooms",
            "api/{version:apiVersion}/portal/api/v/files",
        ];
        for method in methods {
            for route in routes {
                let ours = map_policy(method, route).map(|p| p.accepted().collect::<Vec<_>>());
                assert_eq!(ours, server_policy(method, route), "{method} {route}");
            }
        }
    }

    #[test]
    fn every_scope_of_the_map_is_a_scope_a_key_may_hold() {
        for entry in &MAP {
            for scope in entry.scopes {
                assert!(ALL.contains(scope), "{scope}");
            }
        }
        assert!(!ALL.contains(&"people:read"), "not a scope");
    }
}
