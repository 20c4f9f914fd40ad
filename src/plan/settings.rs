//! Settings planning: the declared settings against the room's, one step carrying only the
//! settings that differ (ROOM-SETTINGS §7.2). A setting an entry does not declare is never
//! compared, sent or shown.

use super::model::{Action, Step};
use crate::manifest::{RoomSpec, closest};
use crate::model::{PortalRoom, PortalState, RoomState, StorageLimit};
use crate::settings::{Quota, Settings, Switch};

/// The settings of a room the portal has just created (ROOM-SETTINGS §2.4, OBSERVED §4.1):
/// default quota, no restrictions, no cover, watermark or lifetime. Its colour is random.
fn fresh_room() -> Settings {
    Settings {
        quota: Some(Quota::Default),
        deny_download: Some(false),
        indexing: Some(false),
        color: None,
        cover: Some(Switch::Off),
        watermark: Some(Switch::Off),
        lifetime: Some(Switch::Off),
    }
}

/// What a create carries, and the step for the other settings.
type Planned = (Settings, Option<Step>);

/// The settings for one entry: those a create carries (for a room to create: the simple flags,
/// colour and cover) and the step for the rest, or the problems (with the entry's line) that
/// prevent them. `room` is the portal room, `None` for a room to create.
pub(super) fn settings_step(
    spec: &RoomSpec,
    room: Option<&PortalRoom>,
    portal: &PortalState,
) -> Result<Planned, Vec<(usize, String)>> {
    let wanted = &spec.settings;
    if wanted.is_empty() {
        return Ok((Settings::default(), None));
    }
    let mut problems = Vec::new();
    let title = &spec.title;
    if wanted.quota.is_some() && portal.room_quota == Some(false) {
        problems.push(format!(
            "room `{title}` declares `quota`, but the portal's room quota is off, so it would neither show nor enforce one; turn it on in Settings → Storage management (or remove `quota`)"
        ));
    }
    if wanted.quota.is_some()
        && portal.room_quota == Some(true)
        && let Some(room) = room.filter(|room| room.state == RoomState::Active)
        && room.settings.quota.is_none()
    {
        problems.push(format!(
            "room `{title}`: the portal does not show its quota to this account (only its owner and room managers see it), so `quota` cannot be checked"
        ));
    }
    if let (Some(Quota::Bytes(bytes)), Some(limit)) = (wanted.quota, portal.storage_limit)
        && bytes > limit.bytes()
        && room.is_none_or(|room| room.settings.quota != wanted.quota)
    {
        let limit = match limit {
            StorageLimit::Tariff(total) => {
                format!("the portal's total storage of {}", Quota::Bytes(total))
            }
            StorageLimit::PortalQuota(quota) => format!(
                "the storage quota of {} that the portal's admin set for the whole portal (`tenantCustomQuota`)",
                Quota::Bytes(quota)
            ),
        };
        problems.push(format!(
            "room `{title}`: `quota` {} is more than {limit}, and the portal refuses a room quota above it",
            Quota::Bytes(bytes)
        ));
    }
    if room.is_some_and(|room| room.custom_logo) {
        for (key, declared) in
            [("color", wanted.color.is_some()), ("cover", wanted.cover.is_some())]
        {
            if declared {
                problems.push(format!(
                    "room `{title}` has a custom logo, which shows no colour and no cover; remove `{key}` or the logo"
                ));
            }
        }
    }
    if let (Some(Switch::On(cover)), Some(covers)) = (&wanted.cover, &portal.covers)
        && !covers.contains(cover)
    {
        let known: Vec<&str> = covers.iter().map(String::as_str).collect();
        let hint = closest(cover, &known)
            .map_or_else(String::new, |best| format!("; did you mean `{best}`?"));
        problems.push(format!("room `{title}`: the portal offers no cover `{cover}`{hint}"));
    }
    if !problems.is_empty() {
        return Err(problems.into_iter().map(|message| (spec.line, message)).collect());
    }

    let (current, reason) = match room {
        Some(room) => (room.settings.clone(), "the declared settings differ from the room's"),
        None => (
            fresh_room(),
            "set by an update after the create: on create the portal keeps a quota below -1 and drops a failing watermark silently",
        ),
    };
    let (mut before, mut after) = diff(wanted, &current);
    let mut on_create = Settings::default();
    if room.is_none() {
        // The create takes the simple settings; the update only the rest.
        on_create = Settings {
            deny_download: after.deny_download.take(),
            indexing: after.indexing.take(),
            color: after.color.take(),
            cover: after.cover.take(),
            ..Settings::default()
        };
        before = Settings {
            quota: before.quota,
            watermark: before.watermark,
            lifetime: before.lifetime,
            ..Settings::default()
        };
    }
    if after.is_empty() {
        return Ok((on_create, None));
    }
    let step =
        Step::new(Action::SetSettings { before: Box::new(before), after: Box::new(after) }, reason);
    Ok((on_create, Some(step)))
}

/// The declared settings that differ from `current`: what they are now (`None` when the portal
/// does not show it) and what they become.
fn diff(wanted: &Settings, current: &Settings) -> (Settings, Settings) {
    let mut before = Settings::default();
    let mut after = Settings::default();
    macro_rules! compare {
        ($($field:ident),*) => {$(
            if let Some(value) = &wanted.$field
                && current.$field.as_ref() != Some(value)
            {
                before.$field.clone_from(&current.$field);
                after.$field = Some(value.clone());
            }
        )*};
    }
    compare!(quota, deny_download, indexing, color, cover, watermark, lifetime);
    (before, after)
}

/// The warning `validate` gives for a room whose entry has a `type`, for the entries without
/// one: data-room settings on a portal room that is not a virtual data room.
pub(super) fn type_warnings(
    manifest: &crate::manifest::Manifest,
    matches: &[Option<u64>],
    rooms: &std::collections::HashMap<u64, &PortalRoom>,
) -> Vec<String> {
    manifest
        .rooms
        .iter()
        .zip(matches)
        .filter(|(spec, _)| spec.room_type.is_none() && spec.settings.has_data_room_settings())
        .filter_map(|(spec, found)| Some((spec, rooms.get(&(*found)?)?.room_type.known()?)))
        .filter(|(_, room_type)| *room_type != crate::docspace::RoomType::VirtualData)
        .map(|(spec, room_type)| {
            format!(
                "{}:{}: room `{}` is a `{room_type}` room: the portal enforces its `watermark`, `lifetime`, `deny_download` and `indexing`, but its web interface shows them only for `virtual-data` rooms",
                manifest.source.display(),
                spec.line,
                spec.title
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docspace::RoomType;
    use crate::plan::{Plan, PlanError, PlanOptions, StateChange};
    use crate::settings::{Lifetime, Period, Watermark, WatermarkItem};

    fn manifest(yaml: &str) -> crate::manifest::Manifest {
        crate::manifest::parse(std::path::Path::new("rooms.yaml"), yaml).unwrap().0
    }

    fn vdr(settings: Settings, state: RoomState) -> PortalRoom {
        PortalRoom {
            id: 1,
            title: "Deal".into(),
            room_type: RoomType::VirtualData.into(),
            state,
            tags: Vec::new(),
            settings,
            custom_logo: false,
        }
    }

    fn observed() -> Settings {
        Settings { color: Some("77CC83".into()), ..fresh_room() }
    }

    fn portal(room: PortalRoom) -> PortalState {
        PortalState {
            rooms: vec![room],
            room_quota: Some(true),
            covers: Some(vec!["anchor".into(), "suitcase".into()]),
            ..PortalState::default()
        }
    }

    fn plan(yaml: &str, portal: &PortalState) -> Result<Plan, PlanError> {
        crate::plan::plan(&manifest(yaml), portal, &PlanOptions::default())
    }

    fn only_step(plan: &Plan) -> (&Settings, &Settings) {
        match plan.rooms.as_slice() {
            [room] => match room.edits.as_slice() {
                [Step { action: Action::SetSettings { before, after }, .. }] => {
                    (&**before, &**after)
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    const ROOM: &str = "rooms:\n  - title: Deal\n    type: virtual-data\n";

    #[test]
    fn each_declared_setting_that_differs_is_one_change_in_one_step() {
        let yaml = format!(
            "{ROOM}    quota: 10 GB\n    deny_download: true\n    indexing: false\n    color: 4c9aff\n    cover: suitcase\n    watermark:\n      text: Confidential\n      show: [date, user-name]\n      rotate: -45\n    lifetime:\n      older_than: 90 days\n"
        );
        let plan = plan(&yaml, &portal(vdr(observed(), RoomState::Active))).unwrap();
        let (before, after) = only_step(&plan);
        assert_eq!(after.quota, Some(Quota::Bytes(10_000_000_000)));
        assert_eq!(before.quota, Some(Quota::Default));
        assert_eq!(after.deny_download, Some(true));
        assert_eq!(after.indexing, None, "indexing is already off");
        assert_eq!(after.color.as_deref(), Some("4C9AFF"));
        assert_eq!(after.cover, Some(Switch::On("suitcase".into())));
        let watermark = Watermark {
            text: "Confidential".into(),
            show: vec![WatermarkItem::UserName, WatermarkItem::Date],
            rotate: -45,
        };
        assert_eq!(after.watermark, Some(Switch::On(watermark)));
        assert_eq!(before.watermark, Some(Switch::Off));
        let lifetime = Lifetime { value: 90, period: Period::Days, delete_permanently: false };
        assert_eq!(after.lifetime, Some(Switch::On(lifetime)));
        let text = crate::plan::render::text(&plan, "rooms.yaml", false);
        assert!(text.contains("quota default → 10 GB"), "{text}");
        assert!(
            text.contains(
                "watermark none → \"Confidential\" with user name and date, rotated -45°"
            ),
            "{text}"
        );
        assert!(
            text.contains("lifetime none → files older than 90 days go to the trash"),
            "{text}"
        );
        assert!(!text.contains("indexing"), "{text}");
    }

    #[test]
    fn settings_that_match_or_are_not_declared_plan_nothing() {
        let mut settings = observed();
        settings.watermark =
            Some(Switch::On(Watermark { text: "X".into(), show: vec![], rotate: 0 }));
        let portal = portal(vdr(settings, RoomState::Active));
        assert!(plan(ROOM, &portal).unwrap().is_empty());
        let yaml =
            format!("{ROOM}    color: 77cc83\n    watermark:\n      text: X\n    quota: default\n");
        assert!(plan(&yaml, &portal).unwrap().is_empty());
        let off = format!("{ROOM}    watermark: off\n");
        let planned = plan(&off, &portal).unwrap();
        let (before, after) = only_step(&planned);
        assert_eq!(after.watermark, Some(Switch::Off));
        assert!(before.watermark.is_some() && after.quota.is_none());
    }

    #[test]
    fn a_permanent_or_shorter_lifetime_is_destructive_a_longer_one_is_not() {
        let mut settings = observed();
        settings.lifetime = Some(Switch::On(Lifetime {
            value: 3,
            period: Period::Months,
            delete_permanently: false,
        }));
        let portal = portal(vdr(settings, RoomState::Active));
        for (older_than, action, destructive) in [
            ("30 days", "trash", true),
            ("1 year", "delete", true),
            ("1 year", "trash", false),
            ("93 days", "trash", false),
            // Three calendar months span up to 92 days: some files 91 days old would go.
            ("91 days", "trash", true),
            ("4 months", "trash", false),
        ] {
            let yaml = format!(
                "{ROOM}    lifetime:\n      older_than: {older_than}\n      action: {action}\n"
            );
            let plan = plan(&yaml, &portal).unwrap();
            let step = &plan.rooms[0].edits[0];
            let target = &plan.rooms[0].target;
            assert_eq!(step.action.takes_away(target), destructive, "{older_than} {action}");
            let mark = crate::plan::render::mark(&step.action, target);
            assert_eq!(mark == '-', destructive, "{older_than} {action}");
        }
    }

    #[test]
    fn data_room_settings_on_another_type_found_on_the_portal_are_warned_about() {
        let mut room = vdr(observed(), RoomState::Active);
        room.room_type = RoomType::Custom.into();
        let planned = plan("rooms:\n  - title: Deal\n    indexing: true\n", &portal(room)).unwrap();
        assert_eq!(planned.warnings.len(), 1, "{:?}", planned.warnings);
        assert!(planned.warnings[0].starts_with("rooms.yaml:2: room `Deal` is a `custom` room"));
        let vdr = portal(vdr(observed(), RoomState::Active));
        assert!(
            plan("rooms:\n  - title: Deal\n    indexing: true\n", &vdr)
                .unwrap()
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn a_quota_is_refused_while_the_portal_room_quota_is_off() {
        let mut portal = portal(vdr(observed(), RoomState::Active));
        portal.room_quota = Some(false);
        let err = plan(&format!("{ROOM}    quota: 1 GiB\n"), &portal).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("room `Deal` declares `quota`"), "{text}");
        assert!(text.contains("Settings → Storage management"), "{text}");
    }

    #[test]
    fn a_quota_above_the_portals_total_storage_is_refused_naming_the_room_and_the_total() {
        let mut portal = portal(vdr(observed(), RoomState::Active));
        portal.storage_limit = Some(StorageLimit::Tariff(1 << 30));
        let err = plan(&format!("{ROOM}    quota: 2 GiB\n"), &portal).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the manifest does not match the portal:\n  rooms.yaml:2: room `Deal`: `quota` 2 GiB is more than the portal's total storage of 1 GiB, and the portal refuses a room quota above it"
        );
        // Equal passes, as on the portal; a new room is refused as well.
        assert!(plan(&format!("{ROOM}    quota: 1 GiB\n"), &portal).is_ok());
        let empty = PortalState { rooms: Vec::new(), ..portal.clone() };
        assert!(plan(&format!("{ROOM}    quota: 2 GiB\n"), &empty).is_err());
        // A room that has that quota already sends none: nothing to refuse.
        let shown = Settings { quota: Some(Quota::Bytes(2 << 30)), ..observed() };
        let over = PortalState {
            storage_limit: Some(StorageLimit::Tariff(1 << 30)),
            ..self::portal(vdr(shown, RoomState::Active))
        };
        assert!(plan(&format!("{ROOM}    quota: 2 GiB\n"), &over).is_ok());
    }

    #[test]
    fn the_smaller_storage_limit_bounds_a_quota_and_the_refusal_names_which_it_is() {
        assert_eq!(StorageLimit::of(None, None), None);
        assert_eq!(StorageLimit::of(Some(8), None), Some(StorageLimit::Tariff(8)));
        assert_eq!(StorageLimit::of(None, Some(8)), Some(StorageLimit::PortalQuota(8)));
        assert_eq!(StorageLimit::of(Some(8), Some(4)), Some(StorageLimit::PortalQuota(4)));
        assert_eq!(StorageLimit::of(Some(4), Some(8)), Some(StorageLimit::Tariff(4)));
        assert_eq!(StorageLimit::of(Some(4), Some(4)), Some(StorageLimit::Tariff(4)));
        let mut portal = portal(vdr(observed(), RoomState::Active));
        portal.storage_limit = StorageLimit::of(None, Some(1 << 30));
        let err = plan(&format!("{ROOM}    quota: 2 GiB\n"), &portal).unwrap_err();
        assert!(
            err.to_string().ends_with(
                "room `Deal`: `quota` 2 GiB is more than the storage quota of 1 GiB that the portal's admin set for the whole portal (`tenantCustomQuota`), and the portal refuses a room quota above it"
            ),
            "{err}"
        );
        assert!(plan(&format!("{ROOM}    quota: 1 GiB\n"), &portal).is_ok());
    }

    #[test]
    fn a_quota_the_portal_does_not_show_is_refused_rather_than_resent_forever() {
        let portal = portal(vdr(Settings { quota: None, ..observed() }, RoomState::Active));
        let err = plan(&format!("{ROOM}    quota: 1 GiB\n"), &portal).unwrap_err();
        assert!(err.to_string().contains("does not show its quota to this account"), "{err}");
    }

    #[test]
    fn a_custom_logo_refuses_a_colour_or_a_cover() {
        let mut room = vdr(Settings { color: None, cover: None, ..observed() }, RoomState::Active);
        room.custom_logo = true;
        let portal = portal(room);
        let err =
            plan(&format!("{ROOM}    color: 112233\n    cover: anchor\n"), &portal).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("room `Deal` has a custom logo"), "{text}");
        assert!(text.contains("remove `color`") && text.contains("remove `cover`"), "{text}");
        assert!(plan(&format!("{ROOM}    deny_download: true\n"), &portal).is_ok());
    }

    #[test]
    fn an_unknown_cover_is_refused_with_the_closest_one() {
        let portal = portal(vdr(observed(), RoomState::Active));
        let err = plan(&format!("{ROOM}    cover: suitcas\n"), &portal).unwrap_err();
        assert!(err.to_string().contains("no cover `suitcas`; did you mean `suitcase`?"), "{err}");
    }

    #[test]
    fn a_new_room_gets_its_settings_after_the_create_and_an_unarchived_one_after_the_unarchive() {
        let yaml = format!(
            "{ROOM}    lifetime:\n      older_than: 1 year\n    indexing: false\n    deny_download: true\n"
        );
        let plan =
            plan(&yaml, &PortalState { room_quota: Some(true), ..PortalState::default() }).unwrap();
        let room = &plan.rooms[0];
        let StateChange::Create { create, .. } = &room.change else { panic!("{room:?}") };
        let Action::Create { settings, .. } = &create.action else { panic!("{create:?}") };
        assert_eq!(**settings, Settings { deny_download: Some(true), ..Settings::default() });
        let (before, after) = only_edit(room);
        assert_eq!(
            *after,
            Settings { lifetime: Some(wanted_lifetime()), ..Settings::default() },
            "indexing is off on a new room, deny_download goes with the create"
        );
        assert_eq!(before.lifetime, Some(Switch::Off));

        // Archiving erased the lifetime: it is set again once the room is back.
        let archived = portal(vdr(Settings { quota: None, ..observed() }, RoomState::Archived));
        let plan = crate::plan::plan(&manifest(&yaml), &archived, &PlanOptions::default()).unwrap();
        let room = &plan.rooms[0];
        assert!(matches!(room.change, StateChange::Unarchive(_)));
        assert!(only_edit(room).1.lifetime.is_some());
    }

    fn wanted_lifetime() -> Switch<Lifetime> {
        Switch::On(Lifetime { value: 1, period: Period::Years, delete_permanently: false })
    }

    fn only_edit(room: &crate::plan::RoomPlan) -> (&Settings, &Settings) {
        match room.edits.as_slice() {
            [Step { action: Action::SetSettings { before, after }, .. }] => (&**before, &**after),
            other => panic!("{other:?}"),
        }
    }

    mod convergence {
        use super::super::diff;
        use crate::settings::{Lifetime, Period, Quota, Settings, Switch, Watermark};
        use proptest::prelude::*;

        fn quota() -> impl Strategy<Value = Quota> {
            prop_oneof![
                Just(Quota::Default),
                Just(Quota::Unlimited),
                (0_u64..3).prop_map(|n| Quota::Bytes(n * 1_000_000_000)),
            ]
        }

        fn switch<T: std::fmt::Debug + Clone + 'static>(
            on: impl Strategy<Value = T> + 'static,
        ) -> impl Strategy<Value = Switch<T>> {
            prop_oneof![Just(Switch::Off), on.prop_map(Switch::On)]
        }

        fn settings() -> impl Strategy<Value = Settings> {
            let watermark = (
                prop::sample::select(vec!["", "A", "B"]),
                0_i64..32,
                prop::sample::select(vec![0_i64, -45]),
            )
                .prop_map(|(text, flags, rotate)| Watermark {
                    text: text.to_owned(),
                    show: Watermark::items_of(flags),
                    rotate,
                });
            let lifetime =
                (1_u16..4, 0_i64..3, any::<bool>()).prop_map(|(value, period, delete)| Lifetime {
                    value,
                    period: Period::from_code(period).expect("0 to 2"),
                    delete_permanently: delete,
                });
            (
                prop::option::of(quota()),
                prop::option::of(any::<bool>()),
                prop::option::of(any::<bool>()),
                prop::option::of(prop::sample::select(vec![
                    "AABBCC".to_owned(),
                    "112233".to_owned(),
                ])),
                prop::option::of(switch(prop::sample::select(vec![
                    "anchor".to_owned(),
                    "bell".to_owned(),
                ]))),
                prop::option::of(switch(watermark)),
                prop::option::of(switch(lifetime)),
            )
                .prop_map(
                    |(quota, deny_download, indexing, color, cover, watermark, lifetime)| {
                        Settings {
                            quota,
                            deny_download,
                            indexing,
                            color: color.map(Into::into),
                            cover,
                            watermark,
                            lifetime,
                        }
                    },
                )
        }

        /// `after` written over `observed`, as the portal stores an update.
        fn applied(observed: &Settings, after: &Settings) -> Settings {
            let mut now = observed.clone();
            macro_rules! write {
                ($($field:ident),*) => {$(
                    if after.$field.is_some() {
                        now.$field.clone_from(&after.$field);
                    }
                )*};
            }
            write!(quota, deny_download, indexing, color, cover, watermark, lifetime);
            now
        }

        proptest! {
            #[test]
            fn one_update_converges_and_touches_only_what_differs(wanted in settings(), observed in settings()) {
                let (before, after) = diff(&wanted, &observed);
                let now = applied(&observed, &after);
                let (_, again) = diff(&wanted, &now);
                prop_assert!(again.is_empty(), "{again:?}");
                // Nothing undeclared is sent, and `before` is what the portal showed.
                let declared = wanted.describe();
                for (name, _) in after.describe() {
                    prop_assert!(declared.iter().any(|(n, _)| *n == name), "{name}");
                }
                let shown: Vec<(&str, String)> = observed.describe();
                for pair in before.describe() {
                    prop_assert!(shown.contains(&pair), "{pair:?}");
                }
            }
        }
    }
}
