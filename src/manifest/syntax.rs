//! serde-saphyr's options with tight limits, and its errors rewritten so that each names the
//! key at fault, its `FILE:LINE:COL` and, where one is close, the key or value that was probably
//! meant. The read itself is driven from `mod.rs` (templates first, then the document), so that
//! this module needs neither `templates` nor `raw`.

use super::keys::{LINK_KEYS, MANIFEST_KEYS, MEMBER_KEYS, ROOM_KEYS};
use super::spec::ManifestError;
use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error as YamlError, Location, MessageFormatter, Options, Spanned};
use std::fmt;
use std::path::Path;

/// Deepest nesting a manifest needs is 5 (document, `rooms`, room, `members` or `links`, entry).
const MAX_DEPTH: usize = 16;
/// Events an alias may replay in all: generous for shared member lists, fatal for a bomb.
pub(super) const MAX_REPLAYED_EVENTS: usize = 100_000;
/// Replay budget for the second pass that only looks for the key an error belongs to.
const LOCATE_REPLAYED_EVENTS: usize = 10_000;

pub(super) fn options(max_replayed_events: usize) -> Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_documents: 1,
            max_nodes: 1_000_000,
            max_events: 2_000_000,
            max_aliases: 10_000,
            max_anchors: 10_000,
            max_recorded_anchor_events: 200_000,
            max_recorded_anchor_bytes: 16 * 1024 * 1024,
            max_total_scalar_bytes: 16 * 1024 * 1024,
            max_merge_keys: 1_000,
            // One `&team` list shared by hundreds of rooms is normal; the replay limits below
            // are what stop a bomb.
            enforce_alias_anchor_ratio: false,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: max_replayed_events,
            max_replay_stack_depth: MAX_DEPTH,
            max_alias_expansions_per_anchor: 10_000,
        },
        // `protect: yes` is an error, not a YAML 1.1 boolean.
        strict_booleans: true,
        reject_unsupported_tags: true,
        with_snippet: false,
    }
}

/// 1-based line and column just after `text`.
pub(super) fn line_col_of(text: &str) -> (usize, usize) {
    let line = text.matches('\n').count() + 1;
    let col = text.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    (line, col)
}

/// The error serde-saphyr wraps around the one that happened.
fn original(mut err: &YamlError) -> &YamlError {
    loop {
        match err {
            YamlError::WithSnippet { error, .. } | YamlError::AliasError { error, .. } => {
                err = error;
            }
            _ => return err,
        }
    }
}

pub(super) fn translate(path: &Path, text: &str, err: &YamlError) -> ManifestError {
    let inner = original(err);
    let location = err
        .location()
        .filter(|l| l.line() > 0)
        .or_else(|| inner.location().filter(|l| l.line() > 0));
    let (line, col) = match location {
        Some(l) => (to_usize(l.line()), to_usize(l.column().max(1))),
        None => (1, 1),
    };
    let message = describe(text, inner, location);
    ManifestError::Syntax { path: path.to_path_buf(), line, col, message }
}

/// A line or column as an index; saturates on a 32-bit target rather than wrap.
fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn describe(text: &str, err: &YamlError, location: Option<Location>) -> String {
    // The second pass runs only for the errors that need a key, and gives up quietly.
    let located = || location.and_then(|l| locate(text, l));
    let context = || located().map(|(path, _)| path);
    let found = || {
        location
            .and_then(|l| source_text(text, l))
            .map(|s| format!(" `{}`", shorten(s)))
            .unwrap_or_default()
    };
    match err {
        YamlError::SerdeUnknownField { field, expected, .. } => unknown_key(field, expected),
        YamlError::SerdeUnknownVariant { variant, expected, .. } => {
            let mut message = match context().as_ref().and_then(NodePath::key) {
                Some(key) => format!("invalid value `{}` for `{}`", shorten(variant), shorten(key)),
                None => format!("invalid value `{}`", shorten(variant)),
            };
            match closest(variant, expected) {
                Some(best) => message.push_str(&format!("; did you mean `{best}`?")),
                None => message.push_str(&format!("; expected one of {}", list(expected))),
            }
            message
        }
        // Found at a key, the error is about the mapping that key is in, not about the key.
        YamlError::SerdeMissingField { field, .. } => match located() {
            Some((mut path, at_key)) => {
                if at_key {
                    path.0.pop();
                }
                if path.is_root() {
                    format!("missing key `{field}`")
                } else {
                    format!("missing key `{field}` in `{path}`")
                }
            }
            None => format!("missing key `{field}`"),
        },
        YamlError::DuplicateMappingKey { key, .. } => match key {
            Some(key) => format!("duplicate key `{}`", shorten(key)),
            None => "duplicate key".to_owned(),
        },
        YamlError::InvalidScalar { ty, .. } => {
            format!("invalid value{}{}; expected {}", found(), subject(context()), type_name(ty))
        }
        YamlError::InvalidBooleanStrict { .. } => {
            format!("invalid value{}{}; expected `true` or `false`", found(), subject(context()))
        }
        YamlError::NullIntoString { .. } => format!("missing value{}", subject(context())),
        YamlError::Unexpected { .. } | YamlError::SerdeInvalidType { .. }
            if context().is_some_and(|path| path.is_root()) =>
        {
            "the manifest must be a mapping of keys to values, starting with `rooms:`".to_owned()
        }
        YamlError::Unexpected { expected, .. } => {
            format!("invalid value{}; expected {}", subject(context()), shape_name(expected))
        }
        YamlError::SerdeInvalidType { unexpected, expected, .. } => {
            format!(
                "invalid value{}; expected {}, found {}",
                subject(context()),
                shape_name(expected),
                unexpected
            )
        }
        YamlError::SerdeInvalidValue { unexpected, expected, .. } => {
            format!(
                "invalid value {}{}; expected {}",
                unexpected,
                subject(context()),
                shape_name(expected)
            )
        }
        YamlError::Eof { .. }
            if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) =>
        {
            "the manifest is empty; it needs at least a `rooms` list".to_owned()
        }
        YamlError::MultipleDocuments { .. } => {
            "the manifest must be a single YAML document".to_owned()
        }
        YamlError::Budget { breach, .. } => budget_message(breach),
        YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. }
        | YamlError::AliasReplayCounterOverflow { .. } => {
            "aliases expand to more data than a manifest may hold".to_owned()
        }
        other => {
            let message = serde_saphyr::DefaultMessageFormatter.format_message(other).into_owned();
            if message.contains("recursion limit") {
                return format!("the manifest nests deeper than {MAX_DEPTH} levels");
            }
            lowercase_first(&crate::text::escape(&message))
        }
    }
}

/// How a message names the node at `path`: " for `id`", " for an entry of `tags`", or nothing
/// when the position is unknown.
fn subject(path: Option<NodePath>) -> String {
    let Some(path) = path else {
        return String::new();
    };
    match (path.0.last(), path.key()) {
        (Some(Segment::Key(key)), _) => format!(" for `{}`", shorten(key)),
        (Some(Segment::Index(_)), Some(key)) => format!(" for an entry of `{}`", shorten(key)),
        _ => " for the manifest".to_owned(),
    }
}

fn budget_message(breach: &BudgetBreach) -> String {
    match breach {
        BudgetBreach::Depth { .. } => format!("the manifest nests deeper than {MAX_DEPTH} levels"),
        BudgetBreach::Documents { .. } => "the manifest must be a single YAML document".to_owned(),
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. } => {
            "the manifest uses more anchors or aliases than a manifest may".to_owned()
        }
        _ => "the manifest holds more data than a manifest may".to_owned(),
    }
}

pub(super) fn unknown_key(field: &str, expected: &[&str]) -> String {
    let mut message = format!("unknown key `{}`", shorten(field));
    if let Some(best) = closest(field, expected) {
        message.push_str(&format!("; did you mean `{best}`?"));
        return message;
    }
    // A key that belongs one level up or down: usually an indentation slip.
    let home = if expected == MANIFEST_KEYS || expected == MEMBER_KEYS {
        ROOM_KEYS.contains(&field).then_some("a room")
    } else {
        None
    }
    .or_else(|| {
        (expected != MEMBER_KEYS && MEMBER_KEYS.contains(&field)).then_some("a `members` entry")
    })
    .or_else(|| {
        (expected != MANIFEST_KEYS && MANIFEST_KEYS.contains(&field)).then_some("the top level")
    })
    .or_else(|| (expected != LINK_KEYS && LINK_KEYS.contains(&field)).then_some("a `links` entry"));
    match home {
        Some(home) => {
            message.push_str(&format!("; `{field}` belongs in {home}: check the indentation"));
        }
        None if expected.is_empty() => {}
        None => message.push_str(&format!("; expected one of {}", list(expected))),
    }
    message
}

/// The candidate `word` was most likely meant as, if any is close enough.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let folded = word.to_lowercase().replace('-', "_");
    let synonym = match folded.as_str() {
        "name" => Some("title"),
        "kind" | "room_type" | "roomtype" => Some("type"),
        "role" | "level" | "permission" | "rights" => Some("access"),
        "email" | "mail" => Some("user"),
        "users" | "people" | "share" | "shares" => Some("members"),
        "tag" => Some("tags"),
        "status" | "archived" => Some("state"),
        _ => None,
    };
    if let Some(synonym) = synonym.and_then(|s| candidates.iter().find(|c| **c == s)) {
        return Some(synonym);
    }
    let mut best: Option<(usize, &str)> = None;
    for &candidate in candidates {
        let distance = edit_distance(&folded, &candidate.to_lowercase().replace('-', "_"));
        let limit = (candidate.chars().count() / 3).clamp(1, 3);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance: Levenshtein plus swaps of adjacent characters.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in table.iter_mut().enumerate() {
        row[0] = i;
    }
    table[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d =
                (table[i - 1][j] + 1).min(table[i][j - 1] + 1).min(table[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(table[i - 2][j - 2] + 1);
            }
            table[i][j] = d;
        }
    }
    table[a.len()][b.len()]
}

fn list(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// `text` cut to a length that fits in a message, control characters escaped.
pub(super) fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    // Only what a terminal would act on or not show is escaped: a quote or a backslash is
    // shown as written.
    let cut: String = text.chars().take(MAX).collect();
    let mut out =
        crate::text::escape(&cut.replace('\n', "\\n").replace('\r', "\\r").replace('\t', "\\t"));
    if text.chars().count() > MAX {
        out.push('…');
    }
    out
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn type_name(ty: &str) -> String {
    match ty {
        "u8" => "an integer from 0 to 255".to_owned(),
        "u16" => "an integer from 0 to 65535".to_owned(),
        "u32" => "an integer from 0 to 4294967295".to_owned(),
        "u64" | "u128" | "usize" => "a non-negative integer".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "bool" => "`true` or `false`".to_owned(),
        "string" | "str" | "String" => "a string".to_owned(),
        other => format!("a value of type `{other}`"),
    }
}

/// What serde or the parser expected, in the manifest's words.
fn shape_name(expected: &str) -> String {
    let lower = expected.to_lowercase();
    if lower.contains("sequence") || lower.contains("vec") {
        "a list".to_owned()
    } else if lower.contains("mapping") || lower.contains("map") || lower.starts_with("struct") {
        "a mapping of keys to values".to_owned()
    } else if lower.contains("string") || lower.contains("scalar") {
        "a single value".to_owned()
    } else if lower.contains("bool") {
        "`true` or `false`".to_owned()
    } else if let Some(ty) = ["u8", "u16", "u32", "u64"].iter().find(|t| lower.contains(*t)) {
        type_name(ty)
    } else {
        crate::text::escape(expected)
    }
}

/// The source text of a scalar at `location`, if the span is known.
fn source_text(text: &str, location: Location) -> Option<&str> {
    let span = location.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    text.get(start..start.checked_add(len)?).filter(|s| !s.is_empty() && !s.contains('\n'))
}

// --- Where an error is: a second, generic pass over the document ----------------------------

/// The position of a node: keys and list indexes from the document's root.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct NodePath(Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl NodePath {
    fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The nearest key on the path.
    fn key(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Index(_) => None,
        })
    }
}

impl fmt::Display for NodePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{}", shorten(key))?,
                Segment::Key(key) => write!(f, ".{}", shorten(key))?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Any YAML node, with its position.
#[derive(Debug)]
enum Node {
    Scalar(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
}

/// Visitor methods that keep a scalar as its text.
macro_rules! scalars_as_text {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<E>(self, v: $ty) -> Result<Node, E> {
            Ok(Node::Scalar(v.to_string()))
        }
    )*};
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML node")
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Scalar(v.to_owned()))
            }
            scalars_as_text!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64);
            scalars_as_text!(visit_i128: i128, visit_u128: u128);
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Node, E> {
                Ok(Node::Scalar(String::from_utf8_lossy(v).into_owned()))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Scalar(String::new()))
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Scalar(String::new()))
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key()? {
                    let value = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(Node::Map(entries))
            }
        }
        deserializer.deserialize_any(NodeVisitor)
    }
}

fn same_place(a: &Location, b: &Location) -> bool {
    a.line() == b.line() && a.column() == b.column()
}

/// The path of the node an error at `target` is about: the shallowest value there, else the
/// value of a key there. `None` when the document does not parse generically either.
fn locate(text: &str, target: Location) -> Option<(NodePath, bool)> {
    let mut options = options(LOCATE_REPLAYED_EVENTS);
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    let root: Spanned<Node> = serde_saphyr::from_str_with_options(text, options).ok()?;

    // Breadth-first, so that a container wins over its first child at the same place.
    let mut queue = std::collections::VecDeque::from([(NodePath::default(), &root)]);
    let mut by_key = None;
    while let Some((path, node)) = queue.pop_front() {
        if same_place(&node.referenced, &target) {
            return Some((path, false));
        }
        match &node.value {
            Node::Scalar(_) => {}
            Node::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let mut child = path.clone();
                    child.0.push(Segment::Index(i));
                    queue.push_back((child, item));
                }
            }
            Node::Map(entries) => {
                for (key, value) in entries {
                    let name = match &key.value {
                        Node::Scalar(name) => name.clone(),
                        _ => "?".to_owned(),
                    };
                    let mut child = path.clone();
                    child.0.push(Segment::Key(name));
                    if by_key.is_none() && same_place(&key.referenced, &target) {
                        by_key = Some(child.clone());
                    }
                    queue.push_back((child, value));
                }
            }
        }
    }
    by_key.map(|path| (path, true))
}
