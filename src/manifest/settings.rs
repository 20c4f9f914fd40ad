//! A room's settings as written (`quota`, `deny_download`, `indexing`, `color`, `cover`,
//! `watermark`, `lifetime`) and their checks: the conversion of the raw shapes serde reads (in
//! `raw`) to [`Settings`] with every problem reported at its line, and the view `export` writes.

use super::raw::{LifetimeAction, RawLifetime, RawRoom, RawSwitch, RawWatermark, Scalar};
use super::report::{Report, line_of};
use super::spec::DesiredState;
use super::syntax::shorten;
use super::yaml_text::Text;
use crate::docspace::{RoomType, utf16_len};
use crate::settings::{
    Lifetime, Period, Quota, Settings, Switch, Watermark, WatermarkItem, parse_size,
};
use serde_saphyr::Spanned;

/// Longest watermark text the portal accepts (`[StringLength(255)]`).
const MAX_WATERMARK_TEXT: usize = 255;

/// Below this many bytes a quota was almost surely meant with a unit.
const MEGABYTE: u64 = 1_000_000;

/// The settings keys of a room, for the checks that name them.
pub(super) const SETTINGS_KEYS: [&str; 7] =
    ["quota", "deny_download", "indexing", "color", "cover", "watermark", "lifetime"];

/// Checks a room's settings and converts them; problems and warnings go to `report`.
pub(super) fn check_settings(room: &RawRoom, line: usize, report: &mut Report) -> Settings {
    let mut settings = Settings {
        deny_download: room.deny_download.as_ref().map(|d| d.value),
        indexing: room.indexing.as_ref().map(|i| i.value),
        ..Settings::default()
    };
    if let Some(quota) = &room.quota {
        settings.quota = check_quota(quota, report);
    }
    if let Some(color) = &room.color {
        let hex = &color.value.text();
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            settings.color = Some(hex.to_ascii_uppercase().into());
        } else {
            report.problem(
                line_of(color),
                format!("`color` `{}` is not six hex digits such as `4C9AFF` (quote a colour YAML reads as a number)", shorten(hex)),
            );
        }
    }
    if let Some(cover) = &room.cover {
        let id = cover.value.trim();
        if id.is_empty() {
            report.problem(
                line_of(cover),
                "empty `cover`; write `cover: none` for no cover".to_owned(),
            );
        } else if id == "none" {
            settings.cover = Some(Switch::Off);
        } else if utf16_len(id) > 50 {
            report.problem(
                line_of(cover),
                format!("`cover` `{}` is longer than 50 characters", shorten(id)),
            );
        } else {
            settings.cover = Some(Switch::On(id.to_owned()));
        }
    }
    if let Some(watermark) = &room.watermark {
        settings.watermark = match &watermark.value {
            RawSwitch::Off => Some(Switch::Off),
            RawSwitch::On(raw) => check_watermark(raw, report).map(Switch::On),
        };
    }
    if let Some(lifetime) = &room.lifetime {
        settings.lifetime = match &lifetime.value {
            RawSwitch::Off => Some(Switch::Off),
            RawSwitch::On(raw) => check_lifetime(raw, report).map(Switch::On),
        };
    }
    let declared = declared_keys(room);
    let title = shorten(&room.title.value);
    if room.state != DesiredState::Active && !declared.is_empty() {
        let why = if room.state == DesiredState::Archived {
            "an archived room's settings can be neither read nor written (archiving also erases its lifetime)"
        } else {
            "the room is to be deleted"
        };
        report.problem(
            line,
            format!(
                "room `{title}` is declared `{}` and sets {}: {why}",
                room.state,
                ticked(&declared)
            ),
        );
    }
    if let Some(room_type) = room.room_type
        && room_type != RoomType::VirtualData
        && settings.has_data_room_settings()
    {
        let data_room: Vec<&str> = declared
            .iter()
            .copied()
            .filter(|key| ["watermark", "lifetime", "deny_download", "indexing"].contains(key))
            .collect();
        report.warn(
            line,
            format!(
                "room `{title}` is a `{room_type}` room: the portal enforces {} (a lifetime deletes files in any room), but its web interface shows them only for `virtual-data` rooms",
                ticked(&data_room)
            ),
        );
    }
    settings
}

/// The settings keys a room writes, in [`SETTINGS_KEYS`] order.
fn declared_keys(room: &RawRoom) -> Vec<&'static str> {
    let present = [
        room.quota.is_some(),
        room.deny_download.is_some(),
        room.indexing.is_some(),
        room.color.is_some(),
        room.cover.is_some(),
        room.watermark.is_some(),
        room.lifetime.is_some(),
    ];
    SETTINGS_KEYS.iter().zip(present).filter(|(_, on)| *on).map(|(key, _)| *key).collect()
}

fn ticked(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

fn check_quota(quota: &Spanned<Scalar>, report: &mut Report) -> Option<Quota> {
    let line = line_of(quota);
    let parsed = match &quota.value {
        Scalar::Number(bytes) => i64::try_from(*bytes)
            .map(|_| Quota::Bytes(*bytes))
            .map_err(|_| format!("`quota` {bytes} is too large")),
        Scalar::Text(text) => match text.trim() {
            "default" => Ok(Quota::Default),
            "unlimited" => Ok(Quota::Unlimited),
            size => parse_size(size).map(Quota::Bytes).map_err(|err| format!("`quota`: {err}")),
        },
    };
    match parsed {
        Ok(Quota::Bytes(0)) => {
            report.warn(line, "`quota: 0` allows zero bytes (not unlimited): nothing can be uploaded; write `quota: unlimited` for no limit".to_owned());
            Some(Quota::Bytes(0))
        }
        Ok(Quota::Bytes(bytes)) if bytes < MEGABYTE => {
            report.warn(
                line,
                format!(
                    "`quota` is {bytes} byte{}, less than 1 MB: write a unit (`{bytes} GB`) if that was meant",
                    crate::text::plural(usize::try_from(bytes).unwrap_or(2))
                ),
            );
            Some(Quota::Bytes(bytes))
        }
        Ok(quota) => Some(quota),
        Err(message) => {
            report.problem(line, message);
            None
        }
    }
}

fn check_watermark(raw: &RawWatermark, report: &mut Report) -> Option<Watermark> {
    let mut ok = true;
    let text = raw.text.as_ref().map(|t| t.value.clone()).unwrap_or_default();
    if let Some(spanned) = &raw.text
        && utf16_len(&spanned.value) > MAX_WATERMARK_TEXT
    {
        report.problem(
            line_of(spanned),
            format!("watermark `text` is {} characters long; the portal allows at most {MAX_WATERMARK_TEXT}", utf16_len(&spanned.value)),
        );
        ok = false;
    }
    let mut show = Vec::new();
    for item in raw.show.iter().flatten() {
        match WatermarkItem::ALL.into_iter().find(|known| known.manifest_name() == item.value) {
            Some(known) if !show.contains(&known) => show.push(known),
            Some(_) => report
                .problem(line_of(item), format!("watermark `show` lists `{}` twice", item.value)),
            None => {
                let names: Vec<&str> =
                    WatermarkItem::ALL.iter().map(|i| i.manifest_name()).collect();
                let hint = super::syntax::closest(&item.value, &names).map_or_else(
                    || format!("; expected one of {}", ticked(&names)),
                    |best| format!("; did you mean `{best}`?"),
                );
                report.problem(
                    line_of(item),
                    format!("unknown watermark `show` item `{}`{hint}", shorten(&item.value)),
                );
                ok = false;
            }
        }
    }
    show.sort_unstable();
    let rotate = raw.rotate.as_ref().map_or(0, |r| r.value);
    if let Some(spanned) = &raw.rotate
        && !(-360..=360).contains(&spanned.value)
    {
        report.problem(
            line_of(spanned),
            format!("watermark `rotate` is {}; it must be from -360 to 360 degrees", spanned.value),
        );
        ok = false;
    }
    ok.then_some(Watermark { text, show, rotate })
}

fn check_lifetime(raw: &RawLifetime, report: &mut Report) -> Option<Lifetime> {
    let line = line_of(&raw.older_than);
    let text = raw.older_than.value.trim();
    let bad = |report: &mut Report, why: &str| {
        report.problem(line, format!("lifetime `older_than` `{}` {why}", shorten(text)));
    };
    let Some((number, unit)) = text.split_once(char::is_whitespace) else {
        bad(report, "is not `N days`, `N months` or `N years`");
        return None;
    };
    let period = match unit.trim() {
        "day" | "days" => Period::Days,
        "month" | "months" => Period::Months,
        "year" | "years" => Period::Years,
        _ => {
            bad(report, "has an unknown unit; use days, months or years");
            return None;
        }
    };
    let Some(value) = number.parse::<u16>().ok().filter(|v| (1..=999).contains(v)) else {
        bad(report, "is out of range: N must be from 1 to 999");
        return None;
    };
    let delete_permanently = raw.action.as_ref().is_some_and(|a| a.value == LifetimeAction::Delete);
    Some(Lifetime { value, period, delete_permanently })
}

/// The settings as `export` writes them, keys in [`SETTINGS_KEYS`] order, absent ones left out.
#[derive(serde::Serialize)]
pub(super) struct SettingsView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    quota: Option<QuotaView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deny_download: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    indexing: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cover: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    watermark: Option<SwitchView<WatermarkView<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lifetime: Option<SwitchView<LifetimeView>>,
}

/// A size in words when that reads back exactly, else the number of bytes.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum QuotaView {
    Words(String),
    Bytes(u64),
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum SwitchView<T> {
    Off(&'static str),
    On(T),
}

#[derive(serde::Serialize)]
struct WatermarkView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    show: Option<serde_saphyr::FlowSeq<Vec<&'static str>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotate: Option<i64>,
}

#[derive(serde::Serialize)]
struct LifetimeView {
    older_than: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
}

impl<'a> SettingsView<'a> {
    pub(super) fn of(settings: &'a Settings) -> Self {
        SettingsView {
            quota: settings.quota.map(|quota| match quota {
                Quota::Bytes(bytes)
                    if parse_size(&crate::settings::format_size(bytes)) != Ok(bytes) =>
                {
                    QuotaView::Bytes(bytes)
                }
                quota => QuotaView::Words(quota.to_string()),
            }),
            deny_download: settings.deny_download,
            indexing: settings.indexing,
            color: settings.color.as_deref().map(Text),
            cover: settings
                .cover
                .as_ref()
                .map(|cover| Text(cover.on().map_or("none", String::as_str))),
            watermark: settings.watermark.as_ref().map(|watermark| match watermark.on() {
                None => SwitchView::Off("off"),
                Some(w) => SwitchView::On(WatermarkView {
                    text: (!w.text.is_empty()).then_some(Text(&w.text)),
                    show: (!w.show.is_empty()).then(|| {
                        serde_saphyr::FlowSeq(w.show.iter().map(|i| i.manifest_name()).collect())
                    }),
                    rotate: (w.rotate != 0).then_some(w.rotate),
                }),
            }),
            lifetime: settings.lifetime.as_ref().map(|lifetime| match lifetime.on() {
                None => SwitchView::Off("off"),
                Some(l) => SwitchView::On(LifetimeView {
                    older_than: l.older_than(),
                    action: l.delete_permanently.then_some("delete"),
                }),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::manifest::{Manifest, ManifestError, Warning, parse};
    use crate::settings::{Lifetime, Period, Quota, Settings, Switch, Watermark, WatermarkItem};

    fn read(yaml: &str) -> Result<(Manifest, Vec<Warning>), ManifestError> {
        parse(std::path::Path::new("rooms.yaml"), yaml)
    }

    fn problems(yaml: &str) -> String {
        read(yaml).unwrap_err().to_string()
    }

    const ROOM: &str = "rooms:\n  - title: Deal Room Contoso\n    type: virtual-data\n";

    fn full() -> String {
        format!(
            "{ROOM}    quota: 10 GB\n    deny_download: true\n    indexing: true\n    color: 4c9aff\n    cover: suitcase\n    watermark:\n      text: Confidential\n      show: [user-name, user-email, ip-address, date, room-name]\n      rotate: -45\n    lifetime:\n      older_than: 90 days\n      action: trash\n"
        )
    }

    fn full_settings() -> Settings {
        Settings {
            quota: Some(Quota::Bytes(10_000_000_000)),
            deny_download: Some(true),
            indexing: Some(true),
            color: Some("4C9AFF".into()),
            cover: Some(Switch::On("suitcase".into())),
            watermark: Some(Switch::On(Watermark {
                text: "Confidential".into(),
                show: WatermarkItem::ALL.to_vec(),
                rotate: -45,
            })),
            lifetime: Some(Switch::On(Lifetime {
                value: 90,
                period: Period::Days,
                delete_permanently: false,
            })),
        }
    }

    #[test]
    fn the_issue_example_reads_into_every_setting() {
        let (manifest, warnings) = read(&full()).unwrap();
        assert_eq!(manifest.rooms[0].settings, full_settings());
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn off_switches_and_numbers_read_as_written() {
        let yaml = format!(
            "{ROOM}    watermark: off\n    lifetime: off\n    quota: 1048576\n    color: 112233\n    cover: none\n"
        );
        let settings = &read(&yaml).unwrap().0.rooms[0].settings;
        assert_eq!(settings.watermark, Some(Switch::Off));
        assert_eq!(settings.lifetime, Some(Switch::Off));
        assert_eq!(settings.quota, Some(Quota::Bytes(1_048_576)));
        assert_eq!(settings.color.as_deref(), Some("112233"));
        assert_eq!(settings.cover, Some(Switch::Off));
        let yaml = format!(
            "{ROOM}    quota: unlimited\n    lifetime:\n      older_than: 1 year\n      action: delete\n"
        );
        let settings = &read(&yaml).unwrap().0.rooms[0].settings;
        assert_eq!(settings.quota, Some(Quota::Unlimited));
        assert_eq!(
            settings.lifetime,
            Some(Switch::On(Lifetime {
                value: 1,
                period: Period::Years,
                delete_permanently: true
            }))
        );
    }

    #[test]
    fn bad_values_are_refused_at_their_lines() {
        let long = "x".repeat(256);
        let yaml = format!(
            "{ROOM}    color: '#4C9AFF'\n    quota: 10 gigs\n    watermark:\n      text: {long}\n      show: [user-nam, colour]\n    lifetime:\n      older_than: 1000 days\n"
        );
        let text = problems(&yaml);
        assert!(text.contains("rooms.yaml:4: `color` `#4C9AFF` is not six hex digits"), "{text}");
        assert!(text.contains("rooms.yaml:5: `quota`: unknown size unit `gigs`"), "{text}");
        assert!(text.contains("rooms.yaml:7: watermark `text` is 256 characters long"), "{text}");
        assert!(
            text.contains(
                "rooms.yaml:8: unknown watermark `show` item `user-nam`; did you mean `user-name`?"
            ),
            "{text}"
        );
        assert!(text.contains("unknown watermark `show` item `colour`"), "{text}");
        assert!(
            text.contains("rooms.yaml:10: lifetime `older_than` `1000 days` is out of range"),
            "{text}"
        );
        let text = problems(&format!("{ROOM}    lifetime:\n      older_than: 3 weeks\n"));
        assert!(
            text.contains("rooms.yaml:5: lifetime `older_than` `3 weeks` has an unknown unit"),
            "{text}"
        );
        let text = problems(&format!("{ROOM}    lifetime:\n      older_than: 0 days\n"));
        assert!(text.contains("out of range"), "{text}");
    }

    #[test]
    fn settings_on_an_archived_or_deleted_room_are_refused() {
        let yaml = "rooms:\n  - title: Old\n    state: archived\n    quota: 1 GB\n    lifetime: off\n  - title: Gone\n    state: deleted\n    indexing: true\n";
        let text = problems(yaml);
        assert!(
            text.contains("rooms.yaml:2: room `Old` is declared `archived` and sets `quota`, `lifetime`: an archived room's settings can be neither read nor written"),
            "{text}"
        );
        assert!(
            text.contains("rooms.yaml:6: room `Gone` is declared `deleted` and sets `indexing`"),
            "{text}"
        );
    }

    #[test]
    fn a_zero_quota_and_data_room_settings_elsewhere_are_warned_about() {
        let yaml = "rooms:\n  - title: Team\n    type: custom\n    quota: 0\n    watermark:\n      text: x\n    color: AABBCC\n";
        let (_, warnings) = read(yaml).unwrap();
        let text: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|w| w.starts_with("rooms.yaml:4: `quota: 0` allows zero bytes")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|w| w.starts_with(
                "rooms.yaml:2: room `Team` is a `custom` room: the portal enforces `watermark`"
            )),
            "{text:?}"
        );
        assert_eq!(text.len(), 2, "{text:?}");
    }

    #[test]
    fn exported_settings_read_back_the_same() {
        let (manifest, _) = read(&full()).unwrap();
        let mut odd = full_settings();
        odd.quota = Some(Quota::Bytes(1_234_567));
        odd.watermark = Some(Switch::Off);
        odd.lifetime = Some(Switch::On(Lifetime {
            value: 1,
            period: Period::Months,
            delete_permanently: true,
        }));
        for settings in [manifest.rooms[0].settings.clone(), odd] {
            let mut room = manifest.rooms[0].clone();
            room.settings = settings.clone();
            let out = crate::manifest::to_yaml(
                &Manifest { rooms: vec![room], ..Manifest::default() },
                "",
            );
            let (back, _) = read(&out).unwrap();
            assert_eq!(back.rooms[0].settings, settings, "{out}");
        }
    }
}
