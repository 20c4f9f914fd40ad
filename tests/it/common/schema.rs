//! A checker for the subset of `OpenAPI` schemas the tests need: type (with nullable), enum,
//! required, properties, additionalProperties: false, items, $ref, allOf, oneOf. The schemas are
//! the spec's, kept in `tests/schemas/docspace.json`.

use serde_json::{Value, json};

fn schemas() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/schemas/docspace.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

pub(crate) fn check_schema(name: &str, value: &Value) {
    let doc = schemas();
    let mut errors = Vec::new();
    check(&doc, &json!({"$ref": format!("#/components/schemas/{name}")}), value, "$", &mut errors);
    assert!(errors.is_empty(), "{name} does not match:\n{}\n{value:#}", errors.join("\n"));
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/schemas/").expect("a local $ref");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// Every property a schema (and its `allOf` parts) declares; whether it forbids others.
fn declared(doc: &Value, schema: &Value, names: &mut Vec<String>) -> bool {
    let schema = resolve(doc, schema);
    let mut closed = schema.get("additionalProperties") == Some(&json!(false))
        && schema.get("x-derived-types").is_none();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        names.extend(props.keys().cloned());
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        closed |= declared(doc, part, names);
    }
    closed
}

/// `closed`: whether to reject undeclared properties here (not inside an `allOf` part, whose
/// siblings declare the rest).
fn check(doc: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    check_part(doc, schema, value, path, errors, true);
}

fn check_part(
    doc: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    errors: &mut Vec<String>,
    closed: bool,
) {
    let schema = resolve(doc, schema);
    if value.is_null() && schema.get("nullable") == Some(&json!(true)) {
        return;
    }
    if let Some(parts) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = parts.iter().filter(|part| {
            let mut sub = Vec::new();
            check(doc, part, value, path, &mut sub);
            sub.is_empty()
        });
        if matching.count() == 0 {
            errors.push(format!("{path}: {value} matches no alternative of oneOf"));
        }
        return;
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        check_part(doc, part, value, path, errors, false);
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    let type_ok = match schema.get("type").and_then(Value::as_str) {
        None => true,
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        Some(other) => panic!("unsupported type {other}"),
    };
    if !type_ok {
        errors.push(format!("{path}: {value} is not of type {}", schema["type"]));
        return;
    }
    if let Some(object) = value.as_object() {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !object.contains_key(required.as_str().unwrap()) {
                errors.push(format!("{path}: required property {required} is missing"));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (key, sub) in props {
                if let Some(v) = object.get(key) {
                    check(doc, sub, v, &format!("{path}.{key}"), errors);
                }
            }
        }
        let mut names = Vec::new();
        if declared(doc, schema, &mut names) && closed {
            for key in object.keys().filter(|k| !names.contains(k)) {
                errors.push(format!("{path}: property {key} is not in the schema"));
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(doc, items, item, &format!("{path}[{i}]"), errors);
        }
    }
}

#[test]
fn the_schema_checker_rejects_what_it_should() {
    let doc = schemas();
    let mut errors = Vec::new();
    check(
        &doc,
        &json!({"$ref": "#/components/schemas/FileOperationDto"}),
        &json!({"id": "x", "operation": 0}),
        "$",
        &mut errors,
    );
    assert!(errors.iter().any(|e| e.contains("Operation")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("property operation is not in the schema")),
        "{errors:?}"
    );
    errors.clear();
    check(&doc, &json!({"$ref": "#/components/schemas/RoomType"}), &json!(3), "$", &mut errors);
    assert_eq!(errors.len(), 1);
}
