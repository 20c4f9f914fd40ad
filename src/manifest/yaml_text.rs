//! One string as `export` writes it: the serializer's options and [`Text`], which quotes a
//! little more than the library does. A leaf, so that the views of `emit`, `links` and
//! `settings` can all write strings without importing each other.

use serde::{Serialize, Serializer};
use serde_saphyr::{DoubleQuoted, SerializerOptions};

/// The library's options: nested lists indented under their key, and every string on one line.
fn options() -> SerializerOptions {
    serde_saphyr::ser_options! {
        compact_list_indent: false,
        prefer_block_scalars: false,
    }
}

/// `value` as YAML, with [`options`].
pub(super) fn serialize<T: Serialize>(value: &T) -> String {
    serde_saphyr::to_string_with_options(value, options())
        .expect("a manifest's strings, numbers and lists serialize to YAML")
}

/// A string the library writes, double-quoted where [`needs_quotes`] says so.
pub(super) struct Text<'a>(pub(super) &'a str);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if needs_quotes(self.0) {
            DoubleQuoted(self.0).serialize(serializer)
        } else {
            self.0.serialize(serializer)
        }
    }
}

/// `text` as a YAML scalar that reads back as this exact string: plain when that is safe in
/// block and flow context alike, double-quoted otherwise. What [`Text`] writes, on its own, for
/// the tests of the quoting rule.
#[cfg(test)]
pub(super) fn scalar(text: &str) -> String {
    serialize(&Text(text)).trim_end_matches('\n').to_owned()
}

/// Whether `text` is written double-quoted: when the library would quote it anyway (then always
/// in double quotes, for one style throughout), or when it contains a `:` or a flow indicator or
/// starts with `?`, `-` or `:`, which the library leaves plain where YAML 1.2 allows it.
fn needs_quotes(text: &str) -> bool {
    text.contains([':', ',', '[', ']', '{', '}'])
        || text.starts_with(['?', '-'])
        || serialize(&text).trim_end_matches('\n') != text
}
