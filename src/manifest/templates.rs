//! Room templates: `templates:` names sets of room keys that a room takes with `template:`.
//!
//! Resolution is generic over the room's keys, so a new room key needs nothing here. A template
//! is read once, in a first pass over the text, as a tree of [`Node`]s that keep their
//! locations; each room is then read with [`MergedRoom`], whose map yields the room's own keys
//! straight from the YAML and, after them, every key of its template that it did not set, replayed
//! from the tree. The room's struct is deserialized from that one map, so what a room gets from
//! its template is checked exactly like what it writes itself, and a problem in a template value
//! carries the template's line. Templates may come after `rooms:`; the first pass is why.

use super::keys::NOT_IN_TEMPLATES;
use super::raw::RawRoom;
use super::syntax::shorten;
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde_saphyr::{Location, Spanned};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::rc::Rc;

/// The name `Spanned<T>` asks serde-saphyr for; a replayed value answers it with its location.
const SPANNED_NEWTYPE: &str = "__yaml_spanned";
/// The first key of the map serde-saphyr gives `Spanned<T>`, telling it locations follow.
const SPANNED_MARKER: &str = "__serde_saphyr_private_spanned";

/// A YAML value with the location of every node.
#[derive(Debug, Clone)]
pub(super) struct Node {
    value: NodeValue,
    location: Location,
}

#[derive(Debug, Clone)]
enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The 1-based line this node starts on.
    pub(super) fn line(&self) -> usize {
        usize::try_from(self.location.line()).unwrap_or(1).max(1)
    }

    /// The last line any part of this node is on.
    fn last_line(&self) -> usize {
        match &self.value {
            NodeValue::Seq(items) => items.iter().map(Node::last_line).max(),
            NodeValue::Map(entries) => entries.iter().map(|(_, v)| v.last_line()).max(),
            _ => None,
        }
        .unwrap_or(0)
        .max(self.line())
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<NodeValue>::deserialize(deserializer)?;
        Ok(Node { value: spanned.value, location: spanned.referenced })
    }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;

        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = NodeValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<NodeValue, E> {
                Ok(NodeValue::Null)
            }
            fn visit_none<E>(self) -> Result<NodeValue, E> {
                Ok(NodeValue::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
                NodeValue::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<NodeValue, E> {
                Ok(NodeValue::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<NodeValue, E> {
                Ok(NodeValue::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<NodeValue, E> {
                Ok(NodeValue::UInt(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<NodeValue, E> {
                Ok(NodeValue::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<NodeValue, E> {
                Ok(NodeValue::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<NodeValue, E> {
                Ok(NodeValue::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Node>()? {
                    items.push(item);
                }
                Ok(NodeValue::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Node>()? {
                    entries.push((key, value));
                }
                Ok(NodeValue::Map(entries))
            }
        }

        deserializer.deserialize_any(NodeVisitor)
    }
}

/// Why a replayed value does not fit: the message, and the line it is about.
#[derive(Debug)]
pub(super) struct NodeError {
    pub(super) message: String,
    pub(super) line: Option<usize>,
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NodeError {}

impl de::Error for NodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        NodeError { message: msg.to_string(), line: None }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        NodeError { message: super::syntax::unknown_key(field, expected), line: None }
    }
}

/// Replays a [`Node`] to a `Deserialize` type, `Spanned` values included.
#[derive(Clone, Copy)]
struct NodeDe<'a>(&'a Node);

impl NodeDe<'_> {
    /// Gives an error without a line this node's line: the innermost node that failed wins.
    fn locate(self, err: NodeError) -> NodeError {
        NodeError { line: err.line.or(Some(self.0.line())), ..err }
    }
}

impl IntoDeserializer<'_, NodeError> for NodeDe<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for NodeDe<'_> {
    type Error = NodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NodeError> {
        let result = match &self.0.value {
            NodeValue::Null => visitor.visit_unit(),
            NodeValue::Bool(v) => visitor.visit_bool(*v),
            NodeValue::Int(v) => visitor.visit_i64(*v),
            NodeValue::UInt(v) => visitor.visit_u64(*v),
            NodeValue::Float(v) => visitor.visit_f64(*v),
            NodeValue::Str(v) => visitor.visit_str(v),
            NodeValue::Seq(items) => {
                let mut seq = SeqDeserializer::new(items.iter().map(NodeDe));
                visitor.visit_seq(&mut seq).and_then(|value| seq.end().map(|()| value))
            }
            NodeValue::Map(entries) => {
                let mut map =
                    MapDeserializer::new(entries.iter().map(|(k, v)| (k.as_str(), NodeDe(v))));
                visitor.visit_map(&mut map).and_then(|value| map.end().map(|()| value))
            }
        };
        result.map_err(|err| self.locate(err))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NodeError> {
        match self.0.value {
            NodeValue::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, NodeError> {
        if name == SPANNED_NEWTYPE {
            visitor.visit_newtype_struct(SpannedDe(self)).map_err(|err| self.locate(err))
        } else {
            visitor.visit_newtype_struct(self)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, NodeError> {
        match &self.0.value {
            NodeValue::Str(v) => visitor
                .visit_enum(v.as_str().into_deserializer())
                .map_err(|err: NodeError| self.locate(err)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NodeError> {
        // A plain scalar read as a string is its text, as serde-saphyr reads it.
        let text = match &self.0.value {
            NodeValue::Bool(v) => v.to_string(),
            NodeValue::Int(v) => v.to_string(),
            NodeValue::UInt(v) => v.to_string(),
            NodeValue::Float(v) => v.to_string(),
            _ => return self.deserialize_any(visitor),
        };
        visitor.visit_string(text).map_err(|err| self.locate(err))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NodeError> {
        self.deserialize_str(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// What `Spanned<T>` reads from a replayed node: the node, then its location twice.
struct SpannedDe<'a>(NodeDe<'a>);

impl<'de> Deserializer<'de> for SpannedDe<'_> {
    type Error = NodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NodeError> {
        visitor.visit_map(SpannedMap { node: self.0, state: 0 })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

struct SpannedMap<'a> {
    node: NodeDe<'a>,
    state: u8,
}

impl<'de> MapAccess<'de> for SpannedMap<'_> {
    type Error = NodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, NodeError> {
        let key = match self.state {
            0 => SPANNED_MARKER,
            1 => "value",
            2 => "referenced",
            3 => "defined",
            _ => return Ok(None),
        };
        self.state += 1;
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, NodeError> {
        match self.state {
            1 => seed.deserialize(true.into_deserializer()),
            2 => seed.deserialize(self.node),
            _ => {
                let location = self.node.0.location;
                let fields = [("line", location.line()), ("column", location.column())];
                seed.deserialize(MapDeserializer::new(fields.into_iter()))
            }
        }
    }
}

/// One template as the first pass read it.
#[derive(Debug)]
pub(super) struct Template {
    /// The line of its name.
    pub(super) line: usize,
    /// The last line of its body.
    pub(super) last_line: usize,
    /// Its keys and values, in the order written.
    entries: Vec<(String, Node)>,
}

/// Every template of a manifest, by name.
#[derive(Debug, Default)]
pub(super) struct Templates {
    pub(super) by_name: BTreeMap<String, Template>,
}

impl Templates {
    /// The template names, for suggestions.
    pub(super) fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }
}

/// What the first pass reads: `templates`, and which rooms name which template; everything else
/// is skipped unread.
#[derive(Deserialize)]
struct TemplatesOnly {
    #[serde(default)]
    templates: Option<Spanned<BTreeMap<String, Spanned<Node>>>>,
    #[serde(default)]
    rooms: Users,
}

/// How many rooms a message about a template names before it counts the rest.
const USERS_NAMED: usize = 3;

/// For each template name, the first rooms that use it (title, line) and how many do.
#[derive(Default)]
struct Users(BTreeMap<String, (Vec<(String, usize)>, usize)>);

/// The two keys of a room the first pass looks at.
#[derive(Deserialize)]
struct RoomRef {
    #[serde(default)]
    title: Option<Node>,
    #[serde(default)]
    template: Option<String>,
}

impl<'de> Deserialize<'de> for Users {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UsersVisitor;

        impl<'de> Visitor<'de> for UsersVisitor {
            type Value = Users;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence of rooms")
            }

            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Users, S::Error> {
                let mut users = Users::default();
                while let Some(room) = seq.next_element::<Option<RoomRef>>()? {
                    let Some(RoomRef { title: Some(title), template: Some(name) }) = room else {
                        continue;
                    };
                    let (named, count) = users.0.entry(name).or_default();
                    *count += 1;
                    if named.len() < USERS_NAMED
                        && let NodeValue::Str(text) = &title.value
                    {
                        named.push((text.clone(), title.line()));
                    }
                }
                Ok(users)
            }

            // Not a list: the second pass says so.
            fn visit_unit<E>(self) -> Result<Users, E> {
                Ok(Users::default())
            }
        }

        deserializer.deserialize_any(UsersVisitor)
    }
}

impl Users {
    /// " (used by room `A` at line 3 and 2 more)", or nothing for an unused template.
    fn describe(&self, name: &str) -> String {
        let Some((named, count)) = self.0.get(name) else {
            return String::new();
        };
        let rooms: Vec<String> = named
            .iter()
            .map(|(title, line)| format!("`{}` at line {line}", shorten(title)))
            .collect();
        let more = count.saturating_sub(named.len());
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        format!(" (used by room{} {}{more})", crate::text::plural(*count), rooms.join(", "))
    }
}

/// Why a template cannot be used: the line and what is wrong.
#[derive(Debug)]
pub(super) struct TemplateError {
    pub(super) line: usize,
    pub(super) message: String,
}

/// Reads the templates out of `text` (first pass) and checks each as a room without a title.
/// A YAML error is returned as is: the second pass reports it with its context.
pub(super) fn read_templates(
    text: &str,
    options: serde_saphyr::Options,
) -> Result<Result<Templates, TemplateError>, serde_saphyr::Error> {
    let only: TemplatesOnly = serde_saphyr::from_str_with_options(text, options)?;
    let mut templates = Templates::default();
    let users = only.rooms;
    let Some(map) = only.templates else {
        return Ok(Ok(templates));
    };
    for (name, body) in map.value {
        let line = usize::try_from(body.referenced.line()).unwrap_or(1).max(1);
        let node = body.value;
        let last_line = node.last_line();
        let location = node.location;
        let NodeValue::Map(entries) = node.value else {
            return Ok(Err(TemplateError {
                line,
                message: format!("template `{}` must be a mapping of room keys", shorten(&name)),
            }));
        };
        if name.trim().is_empty() {
            return Ok(Err(TemplateError { line, message: "empty template name".to_owned() }));
        }
        for (key, value) in &entries {
            if NOT_IN_TEMPLATES.contains(&key.as_str()) {
                return Ok(Err(TemplateError {
                    line: value.line(),
                    message: format!(
                        "template `{}`{} sets `{key}`, which names one room; a template cannot",
                        shorten(&name),
                        users.describe(&name)
                    ),
                }));
            }
        }
        // Checked as a room would be, with a title standing in for the room's own.
        let stand_in = Node { value: NodeValue::Str("template".to_owned()), location };
        let mut as_room = vec![("title".to_owned(), stand_in)];
        as_room.extend(entries.iter().cloned());
        let as_room = Node { value: NodeValue::Map(as_room), location };
        if let Err(err) = RawRoom::deserialize(NodeDe(&as_room)) {
            return Ok(Err(TemplateError {
                line: err.line.unwrap_or(line),
                message: format!(
                    "in template `{}`{}: {}",
                    shorten(&name),
                    users.describe(&name),
                    err.message
                ),
            }));
        }
        templates.by_name.insert(name, Template { line, last_line, entries });
    }
    Ok(Ok(templates))
}

thread_local! {
    /// The templates of the manifest being read: serde gives a `Deserialize` impl no context,
    /// and the rooms are read inside serde.
    static CURRENT: RefCell<Rc<Templates>> = RefCell::new(Rc::new(Templates::default()));
}

/// Makes `templates` the ones rooms read on this thread until the guard drops.
pub(super) fn install(templates: Templates) -> InstallGuard {
    CURRENT.with(|current| *current.borrow_mut() = Rc::new(templates));
    InstallGuard
}

/// Restores "no templates" when dropped.
pub(super) struct InstallGuard;

impl Drop for InstallGuard {
    fn drop(&mut self) {
        CURRENT.with(|current| *current.borrow_mut() = Rc::new(Templates::default()));
    }
}

/// The templates installed on this thread.
pub(super) fn current() -> Rc<Templates> {
    CURRENT.with(|current| Rc::clone(&current.borrow()))
}

/// A room with its template's keys filled in, and which template it named.
pub(super) struct MergedRoom {
    pub(super) room: RawRoom,
    /// The `template` it named, with the line.
    pub(super) template: Option<(String, usize)>,
}

impl<'de> Deserialize<'de> for MergedRoom {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RoomVisitor;

        impl<'de> Visitor<'de> for RoomVisitor {
            type Value = MergedRoom;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a room (a mapping with at least `title`)")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MergedRoom, A::Error> {
                let templates = current();
                let template = RefCell::new(None);
                let merged = MergedMap {
                    inner: map,
                    templates: &templates,
                    template: &template,
                    seen: BTreeSet::new(),
                    pending: None,
                    replay: None,
                };
                let room = RawRoom::deserialize(MapAccessDeserializer::new(merged))?;
                Ok(MergedRoom { room, template: template.into_inner() })
            }
        }

        deserializer.deserialize_map(RoomVisitor)
    }
}

/// The room's own map, then the template's keys the room did not set.
struct MergedMap<'t, A> {
    inner: A,
    templates: &'t Templates,
    template: &'t RefCell<Option<(String, usize)>>,
    seen: BTreeSet<String>,
    /// The template value whose key was just given, while replaying.
    pending: Option<&'t Node>,
    /// Where the replay of the template's entries stands.
    replay: Option<std::slice::Iter<'t, (String, Node)>>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for MergedMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if self.replay.is_none() {
            loop {
                let Some(key) = self.inner.next_key::<String>()? else { break };
                if key == "template" {
                    let name = self.inner.next_value::<Spanned<String>>()?;
                    let line = usize::try_from(name.referenced.line()).unwrap_or(1).max(1);
                    *self.template.borrow_mut() = Some((name.value, line));
                    continue;
                }
                self.seen.insert(key.clone());
                return seed.deserialize(key.into_deserializer()).map(Some);
            }
            let name = self.template.borrow().as_ref().map(|(name, _)| name.clone());
            let entries = name
                .and_then(|name| self.templates.by_name.get(&name))
                .map_or(&[][..], |t| t.entries.as_slice());
            self.replay = Some(entries.iter());
        }
        let Some(replay) = self.replay.as_mut() else {
            return Ok(None);
        };
        for (key, value) in replay.by_ref() {
            if !self.seen.contains(key) {
                self.pending = Some(value);
                return seed.deserialize(key.as_str().into_deserializer()).map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            // Templates were checked by the first pass, so this fails only on a bug here.
            Some(node) => seed.deserialize(NodeDe(node)).map_err(de::Error::custom),
            None => self.inner.next_value_seed(seed),
        }
    }
}
