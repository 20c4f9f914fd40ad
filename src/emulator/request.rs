//! Reading a request as ASP.NET model binding does: JSON bodies with case-insensitive property
//! names and strict types, query strings with case-insensitive keys and enum values given by name
//! or number.

use super::envelope::ApiError;
use crate::docspace::MAX_PAGE_SIZE;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Map, Value};

/// A JSON object body.
#[derive(Debug, Default)]
pub(crate) struct JsonBody(Map<String, Value>);

impl JsonBody {
    /// Parse a `[FromBody]` object: an empty body is a 400, a body that is not JSON a 415.
    pub(crate) fn parse(headers: &HeaderMap, bytes: &[u8]) -> Result<JsonBody, ApiError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::validation("", "A non-empty request body is required."));
        }
        let is_json =
            headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                mime == "application/json" || mime == "text/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::Bare(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(JsonBody(map)),
            Ok(_) => Err(ApiError::validation(
                "$",
                "The JSON value could not be converted to the request type. Path: $",
            )),
            Err(err) => {
                Err(ApiError::validation("$", format!("The JSON is invalid. Path: $ | {err}")))
            }
        }
    }

    /// The value of a property, matched case-insensitively (the last one wins).
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// Whether the property is present at all (even as `null`).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// An optional string property; `null` and absence are `None`, any other type a 400.
    pub(crate) fn opt_string(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(type_error(name, "System.String")),
        }
    }

    /// An optional boolean property; strings and numbers are a 400 (no reading from strings).
    pub(crate) fn opt_bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(type_error(name, "System.Boolean")),
        }
    }

    /// An optional array of strings; a non-array or a non-string element is a 400.
    pub(crate) fn opt_strings(&self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(type_error(name, "System.String")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => {
                Err(type_error(name, "System.Collections.Generic.IEnumerable`1[System.String]"))
            }
        }
    }
}

/// `SortOrder` as a query parameter.
pub(crate) const SORT_ORDER: [(&str, i64); 2] = [("Ascending", 0), ("Descending", 1)];

/// A JSON type a property must have, as model binding converts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    /// An integer, also read from a string (`AllowReadingFromString`).
    Int,
    /// Any number, also read from a string.
    Number,
    Text,
    Object,
    Array,
}

impl Kind {
    fn type_name(self) -> &'static str {
        match self {
            Kind::Bool => "System.Boolean",
            Kind::Int => "System.Int64",
            Kind::Number => "System.Double",
            Kind::Text => "System.String",
            Kind::Object => "System.Object",
            Kind::Array => "System.Collections.Generic.IEnumerable`1",
        }
    }
}

/// A property of a JSON object, matched case-insensitively (the last one wins).
pub(crate) fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// Check that `value` (at JSON `path`) has the `kind` model binding needs; absent and `null`
/// pass. An integer is returned when there is one.
pub(crate) fn check_kind(
    value: Option<&Value>,
    path: &str,
    kind: Kind,
) -> Result<Option<i64>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Ok(None) };
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let ok = match kind {
        Kind::Bool => value.is_boolean(),
        Kind::Int => {
            let int = match value {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            return int.map(Some).ok_or_else(|| type_error(path, kind.type_name()));
        }
        Kind::Number => number(value).is_some(),
        Kind::Text => value.is_string(),
        Kind::Object => value.is_object(),
        Kind::Array => value.is_array(),
    };
    if ok { Ok(None) } else { Err(type_error(path, kind.type_name())) }
}

/// The model-validation error of a property of the wrong JSON type.
pub(crate) fn type_error(name: &str, type_name: &str) -> ApiError {
    ApiError::validation(
        format!("$.{name}"),
        format!(
            "The JSON value could not be converted to {type_name}. Path: $.{name} | LineNumber: 0 | BytePositionInLine: 0."
        ),
    )
}

/// A query string: keys lower-cased, values percent-decoded, in order.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k).to_ascii_lowercase(), decode(v))
            })
            .collect();
        Query(pairs)
    }

    /// The first value of a key (how ASP.NET binds a scalar).
    pub(crate) fn first(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated key.
    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// An optional integer parameter; a non-integer is a model-binding 400.
    pub(crate) fn int(&self, key: &str, property: &str) -> Result<Option<i64>, ApiError> {
        match self.first(key) {
            None | Some("") => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| not_valid(v, property)),
        }
    }

    /// An optional boolean parameter (`true`/`false`, any case); anything else is a 400.
    pub(crate) fn boolean(&self, key: &str, property: &str) -> Result<Option<bool>, ApiError> {
        match self.first(key) {
            None | Some("") => Ok(None),
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(not_valid(v, property)),
            },
        }
    }

    /// An optional `Guid` parameter, lower-cased; a malformed one is a 400.
    pub(crate) fn guid(&self, key: &str, property: &str) -> Result<Option<String>, ApiError> {
        match self.first(key) {
            None | Some("") => Ok(None),
            Some(v) => uuid::Uuid::parse_str(v.trim())
                .map(|u| Some(u.to_string()))
                .map_err(|_| not_valid(v, property)),
        }
    }

    /// An optional `[Flags]` enum parameter: names joined by commas, or a number made only of
    /// defined flags, as model binding accepts them.
    pub(crate) fn flags(
        &self,
        key: &str,
        property: &str,
        values: &[(&str, i64)],
    ) -> Result<Option<i64>, ApiError> {
        let Some(raw) = self.first(key).filter(|v| !v.is_empty()) else { return Ok(None) };
        let known = values.iter().fold(0, |all, (_, bit)| all | bit);
        let parsed = match raw.trim().parse::<i64>() {
            Ok(n) => Some(n).filter(|n| *n >= 0 && n & !known == 0),
            Err(_) => raw.split(',').try_fold(0, |all, name| Some(all | parse_enum(name, values)?)),
        };
        parsed.map(Some).ok_or_else(|| not_valid(raw, property))
    }

    /// An optional enum parameter given by (case-insensitive) name or defined number.
    pub(crate) fn enumeration(
        &self,
        key: &str,
        property: &str,
        values: &[(&str, i64)],
    ) -> Result<Option<i64>, ApiError> {
        match self.first(key) {
            None | Some("") => Ok(None),
            Some(v) => parse_enum(v, values).map(Some).ok_or_else(|| not_valid(v, property)),
        }
    }
}

/// `startIndex` and `count` of a paged list whose `count` is `[Range(1, 100)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    /// Items to skip.
    pub(crate) start: usize,
    /// Items at most in the page.
    pub(crate) count: usize,
}

impl Paging {
    /// This page of `items`.
    pub(crate) fn page<T>(self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        items.into_iter().skip(self.start).take(self.count).collect()
    }
}

impl Query {
    /// `startIndex` (0 or more) and `count` (1 to 100, default 100), validated as model
    /// binding does.
    pub(crate) fn paging(&self) -> Result<Paging, ApiError> {
        let start = self.int("startindex", "startIndex")?.unwrap_or(0);
        let start = usize::try_from(start).map_err(|_| {
            ApiError::validation(
                "StartIndex",
                "The field StartIndex must be between 0 and 2147483647.",
            )
        })?;
        let count = match self.int("count", "count")? {
            None => MAX_PAGE_SIZE,
            Some(count) => {
                usize::try_from(count).ok().filter(|c| (1..=MAX_PAGE_SIZE).contains(c)).ok_or_else(
                    || ApiError::validation("Count", "The field Count must be between 1 and 100."),
                )?
            }
        };
        Ok(Paging { start, count })
    }
}

/// The model-binding error for a query value that does not convert.
pub(crate) fn not_valid(value: &str, property: &str) -> ApiError {
    ApiError::validation(property, format!("The value '{value}' is not valid for {property}."))
}

/// An enum value by case-insensitive name or by defined number.
pub(crate) fn parse_enum(value: &str, values: &[(&str, i64)]) -> Option<i64> {
    let value = value.trim();
    match value.parse::<i64>() {
        Ok(n) => values.iter().find(|(_, code)| *code == n).map(|(_, code)| *code),
        Err(_) => {
            values.iter().find(|(name, _)| name.eq_ignore_ascii_case(value)).map(|(_, code)| *code)
        }
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        let q = Query::parse(Some("filterValue=a%20b+c&type=2&TYPE=EditingRoom&x=%zz&y=%4"));
        assert_eq!(q.first("filtervalue"), Some("a b c"));
        assert_eq!(q.all("type"), vec!["2", "EditingRoom"]);
        assert_eq!(q.first("x"), Some("%zz"));
        assert_eq!(q.first("y"), Some("%4"));
    }

    #[test]
    fn enums_by_name_or_number() {
        let values = [("Active", 0), ("Archive", 1)];
        assert_eq!(parse_enum("archive", &values), Some(1));
        assert_eq!(parse_enum("0", &values), Some(0));
        assert_eq!(parse_enum("7", &values), None);
        assert_eq!(parse_enum("Other", &values), None);
    }
}
