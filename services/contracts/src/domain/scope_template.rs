//! Scope definition templates (seed 000's "unique feature"): per service, the parameters a
//! contract must fill when it includes the service, as a JSON Schema (draft 2020-12)
//! restricted to a documented subset so that the web client can render a form from it.
//!
//! The subset — a template is an object schema
//! `{"type": "object", "title"?, "description"?, "required"?: [names], "properties": {…},
//!   "additionalProperties"?: false}`
//! whose properties (names `^[a-z][a-z0-9_]{0,63}$`, at most 100) are each one of:
//!
//! | kind       | schema                                                                     |
//! |------------|----------------------------------------------------------------------------|
//! | string     | `{"type": "string", "maxLength"?: n}`                                      |
//! | date       | `{"type": "string", "format": "date"}` (RFC 3339 full-date)                |
//! | enum       | `{"type": "string", "enum": ["A", "B"]}`                                   |
//! | integer    | `{"type": "integer", "minimum"?: n, "maximum"?: n}`                        |
//! | number     | `{"type": "number", "minimum"?: x, "maximum"?: x}`                         |
//! | boolean    | `{"type": "boolean"}`                                                      |
//! | multi-enum | `{"type": "array", "items": {"type": "string", "enum": […]}, "uniqueItems": true}` |
//!
//! each optionally with `title` (the form label), `description` and `default` (which must be
//! valid for the property). Anything else — `$ref`, `pattern`, nested objects, unknown
//! keywords — is rejected with a field violation naming the keyword
//! (`schema.properties.<name>.<keyword>`). Stored templates always carry
//! `"additionalProperties": false`, so scope details cannot hold unknown keys.
//!
//! Scope details are validated with the `jsonschema` crate (formats checked, no remote
//! references: the crate is built without its resolvers).

use psa_core::DomainError;
use psa_core::validate::Validator;
use serde_json::{Map, Value, json};

/// Most properties one template may define.
pub const MAX_PROPERTIES: usize = 100;
/// Most values one enum may list.
pub const MAX_ENUM_VALUES: usize = 200;

const ROOT_KEYS: &[&str] =
    &["type", "title", "description", "required", "properties", "additionalProperties", "$schema"];
const COMMON_KEYS: &[&str] = &["type", "title", "description", "default"];

fn valid_name(n: &str) -> bool {
    let mut b = n.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_lowercase())
        && n.len() <= 64
        && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

fn text(v: &mut Validator, field: &str, value: Option<&Value>, max: usize) {
    match value {
        None => {}
        Some(Value::String(s)) => {
            v.max_chars(field, s, max);
        }
        Some(_) => v.push(field, "must be a string"),
    }
}

fn string_enum(v: &mut Validator, field: &str, value: Option<&Value>) {
    let Some(Value::Array(items)) = value else {
        v.push(field, "must be an array of strings");
        return;
    };
    if items.is_empty() || items.len() > MAX_ENUM_VALUES {
        v.push(field, format!("must list 1–{MAX_ENUM_VALUES} values"));
    }
    let mut seen = std::collections::HashSet::new();
    for item in items {
        match item {
            Value::String(s) if !s.trim().is_empty() && s.chars().count() <= 200 => {
                if !seen.insert(s.as_str()) {
                    v.push(field, format!("lists \"{s}\" twice"));
                }
            }
            _ => v.push(field, "values must be non-empty strings of at most 200 characters"),
        }
    }
}

fn bound(v: &mut Validator, field: &str, value: Option<&Value>, integer: bool) -> Option<f64> {
    match value {
        None => None,
        Some(Value::Number(n)) if !integer || n.is_i64() || n.is_u64() => n.as_f64(),
        Some(_) => {
            v.push(field, if integer { "must be an integer" } else { "must be a number" });
            None
        }
    }
}

/// Checks one property schema; `f` is its field path (`schema.properties.<name>`).
fn check_property(v: &mut Validator, f: &str, p: &Value) {
    let Some(obj) = p.as_object() else {
        v.push(f, "must be an object");
        return;
    };
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
    let extra: &[&str] = match kind {
        "string" if obj.contains_key("enum") => &["enum"],
        "string" if obj.contains_key("format") => &["format"],
        "string" => &["maxLength"],
        "integer" | "number" => &["minimum", "maximum"],
        "boolean" => &[],
        "array" => &["items", "uniqueItems"],
        _ => {
            v.push(format!("{f}.type"), "must be one of string, integer, number, boolean, array (multi-enum)");
            return;
        }
    };
    for key in obj.keys() {
        if !COMMON_KEYS.contains(&key.as_str()) && !extra.contains(&key.as_str()) {
            v.push(format!("{f}.{key}"), format!("is not allowed for a {kind} property in a scope template"));
        }
    }
    text(v, &format!("{f}.title"), obj.get("title"), 200);
    text(v, &format!("{f}.description"), obj.get("description"), 2000);
    match kind {
        "string" if obj.contains_key("enum") => string_enum(v, &format!("{f}.enum"), obj.get("enum")),
        "string" if obj.contains_key("format") && obj.get("format") != Some(&json!("date")) => {
            v.push(format!("{f}.format"), "only \"date\" is supported");
        }
        "string" if obj.get("maxLength").is_some_and(|m| !m.as_u64().is_some_and(|m| (1..=10_000).contains(&m))) => {
            v.push(format!("{f}.maxLength"), "must be an integer from 1 to 10000");
        }
        "integer" | "number" => {
            let integer = kind == "integer";
            let min = bound(v, &format!("{f}.minimum"), obj.get("minimum"), integer);
            let max = bound(v, &format!("{f}.maximum"), obj.get("maximum"), integer);
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                v.push(format!("{f}.maximum"), "must not be less than minimum");
            }
        }
        "array" => {
            match obj.get("items").and_then(Value::as_object) {
                Some(items) if items.get("type") == Some(&json!("string")) => {
                    for key in items.keys() {
                        if key != "type" && key != "enum" {
                            v.push(format!("{f}.items.{key}"), "is not allowed in a multi-enum");
                        }
                    }
                    string_enum(v, &format!("{f}.items.enum"), items.get("enum"));
                }
                _ => v.push(format!("{f}.items"), "a multi-enum needs items {\"type\": \"string\", \"enum\": […]}"),
            }
            if obj.get("uniqueItems") != Some(&Value::Bool(true)) {
                v.push(format!("{f}.uniqueItems"), "a multi-enum needs \"uniqueItems\": true");
            }
        }
        _ => {}
    }
}

/// Checks that `schema` is a template of the documented subset and returns it normalised
/// (`additionalProperties: false`, `$schema` of draft 2020-12). Field names in errors start
/// with `schema.` (e.g. `schema.properties.edr_platform.enum`).
///
/// # Errors
/// [`DomainError::Invalid`] listing every violation.
pub fn check_template(schema: &Value) -> Result<Value, DomainError> {
    let mut v = Validator::new();
    let Some(root) = schema.as_object() else {
        return Err(DomainError::invalid("schema", "must be a JSON object"));
    };
    for key in root.keys() {
        if !ROOT_KEYS.contains(&key.as_str()) {
            v.push(format!("schema.{key}"), "is not allowed at the top of a scope template");
        }
    }
    if root.get("type") != Some(&json!("object")) {
        v.push("schema.type", "must be \"object\"");
    }
    if root.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false)) {
        v.push("schema.additionalProperties", "must be false (or absent)");
    }
    if root.get("$schema").is_some_and(|s| s != "https://json-schema.org/draft/2020-12/schema") {
        v.push("schema.$schema", "only https://json-schema.org/draft/2020-12/schema is supported");
    }
    text(&mut v, "schema.title", root.get("title"), 200);
    text(&mut v, "schema.description", root.get("description"), 2000);
    let empty = Map::new();
    let props = match root.get("properties") {
        None => &empty,
        Some(Value::Object(p)) => p,
        Some(_) => {
            v.push("schema.properties", "must be an object");
            &empty
        }
    };
    if props.len() > MAX_PROPERTIES {
        v.push("schema.properties", format!("at most {MAX_PROPERTIES} properties"));
    }
    for (name, p) in props {
        let f = format!("schema.properties.{name}");
        if !valid_name(name) {
            v.push(&f, "property names must match ^[a-z][a-z0-9_]{0,63}$");
            continue;
        }
        check_property(&mut v, &f, p);
    }
    match root.get("required") {
        None => {}
        Some(Value::Array(names)) => {
            let mut seen = std::collections::HashSet::new();
            for n in names {
                match n.as_str() {
                    Some(n) if props.contains_key(n) && seen.insert(n) => {}
                    Some(n) if props.contains_key(n) => v.push("schema.required", format!("lists \"{n}\" twice")),
                    _ => v.push("schema.required", format!("{n} is not a property of the template")),
                }
            }
        }
        Some(_) => v.push("schema.required", "must be an array of property names"),
    }
    v.finish()?;
    let mut out = root.clone();
    out.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    out.insert("additionalProperties".into(), Value::Bool(false));
    out.entry("properties").or_insert_with(|| json!({}));
    let out = Value::Object(out);
    // Defaults must satisfy their own property.
    let mut v = Validator::new();
    for (name, p) in props {
        if let Some(d) = p.get("default") {
            let mut bare = p.as_object().cloned().unwrap_or_default();
            bare.remove("default");
            if let Err(e) = compile(&Value::Object(bare)).and_then(|c| errors(&c, d, "")) {
                for fv in e {
                    v.push(format!("schema.properties.{name}.default"), fv.description);
                }
            }
        }
    }
    v.finish()?;
    compile(&out).map_err(DomainError::Invalid)?;
    Ok(out)
}

type Violations = Vec<psa_core::FieldViolation>;

fn compile(schema: &Value) -> Result<jsonschema::Validator, Violations> {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| vec![psa_core::FieldViolation::new("schema", e.masked().to_string())])
}

fn errors(validator: &jsonschema::Validator, details: &Value, prefix: &str) -> Result<(), Violations> {
    let mut out = Vec::new();
    for e in validator.iter_errors(details) {
        let path = e.instance_path().as_str().trim_start_matches('/').replace('/', ".");
        let base = if path.is_empty() { prefix.trim_end_matches('.').to_owned() } else { format!("{prefix}{path}") };
        match e.kind() {
            jsonschema::error::ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                out.push(psa_core::FieldViolation::new(format!("{prefix}{name}"), "is required"));
            }
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    out.push(psa_core::FieldViolation::new(
                        format!("{prefix}{name}"),
                        "is not a parameter of this service's scope template",
                    ));
                }
            }
            _ => out.push(psa_core::FieldViolation::new(base, e.masked().to_string())),
        }
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// Validates scope `details` against a stored template (`None`: the service has no template,
/// so details must be an empty object). Field names start with `field` + `.`
/// (e.g. `service_scope.scope_details.endpoints`).
///
/// # Errors
/// [`DomainError::Invalid`] listing every violation.
pub fn validate_details(template: Option<&Value>, details: &Value, field: &str) -> Result<(), DomainError> {
    let Some(template) = template else {
        return match details.as_object() {
            Some(m) if m.is_empty() => Ok(()),
            _ => Err(DomainError::invalid(field, "this service has no scope template; leave scope details empty")),
        };
    };
    let validator = compile(template).map_err(DomainError::Invalid)?;
    errors(&validator, details, &format!("{field}.")).map_err(DomainError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edr() -> Value {
        json!({
            "type": "object",
            "title": "EDR scope",
            "required": ["endpoints", "edr_platform"],
            "properties": {
                "endpoints": {"type": "integer", "title": "Number of endpoints", "minimum": 1},
                "edr_platform": {"type": "string", "title": "EDR platform", "enum": ["CarbonBlack", "CrowdStrike", "SentinelOne"]},
                "eps_target": {"type": "number", "minimum": 0, "default": 1500},
                "go_live": {"type": "string", "format": "date"},
                "managed": {"type": "boolean", "default": true},
                "notes": {"type": "string", "maxLength": 500},
                "log_sources": {"type": "array", "items": {"type": "string", "enum": ["Firewall", "AD", "O365"]}, "uniqueItems": true}
            }
        })
    }

    fn fields(e: DomainError) -> Vec<String> {
        match e {
            DomainError::Invalid(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn accepts_every_kind_of_the_subset_and_normalises() {
        let t = check_template(&edr()).unwrap();
        assert_eq!(t["additionalProperties"], false);
        assert_eq!(t["$schema"], "https://json-schema.org/draft/2020-12/schema");
        let empty = check_template(&json!({"type": "object"})).unwrap();
        assert_eq!(empty["properties"], json!({}));
    }

    #[test]
    fn rejects_everything_outside_the_subset_with_field_detail() {
        let cases = [
            (json!({"type": "array"}), "schema.type"),
            (json!({"type": "object", "$ref": "http://x"}), "schema.$ref"),
            (json!({"type": "object", "additionalProperties": true}), "schema.additionalProperties"),
            (json!({"type": "object", "properties": {"a": {"type": "object"}}}), "schema.properties.a.type"),
            (
                json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "^x"}}}),
                "schema.properties.a.pattern",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "string", "format": "email"}}}),
                "schema.properties.a.format",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "string", "enum": []}}}),
                "schema.properties.a.enum",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "string", "enum": ["x", "x"]}}}),
                "schema.properties.a.enum",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "integer", "minimum": 1.5}}}),
                "schema.properties.a.minimum",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "integer", "minimum": 5, "maximum": 1}}}),
                "schema.properties.a.maximum",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string", "enum": ["x"]}}}}),
                "schema.properties.a.uniqueItems",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "integer"}, "uniqueItems": true}}}),
                "schema.properties.a.items",
            ),
            (json!({"type": "object", "properties": {"Bad Name": {"type": "string"}}}), "schema.properties.Bad Name"),
            (
                json!({"type": "object", "properties": {"a": {"type": "integer", "minimum": 1, "default": 0}}}),
                "schema.properties.a.default",
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "integer", "title": 5}}}),
                "schema.properties.a.title",
            ),
            (json!({"type": "object", "required": ["b"], "properties": {"a": {"type": "integer"}}}), "schema.required"),
            (
                json!({"type": "object", "properties": {"a": {"type": "boolean", "enum": [true]}}}),
                "schema.properties.a.enum",
            ),
        ];
        for (schema, field) in cases {
            let e = check_template(&schema).expect_err(&schema.to_string());
            assert!(fields(e).contains(&field.to_owned()), "{schema}: expected {field}");
        }
        assert_eq!(fields(check_template(&json!([1])).unwrap_err()), ["schema"]);
    }

    #[test]
    fn validates_details_field_by_field() {
        let t = check_template(&edr()).unwrap();
        let ok = json!({"endpoints": 500, "edr_platform": "CarbonBlack", "go_live": "2026-01-31", "log_sources": ["AD", "Firewall"]});
        validate_details(Some(&t), &ok, "scope_details").unwrap();
        let bad = json!({
            "endpoints": 0,
            "go_live": "2026-02-30",
            "log_sources": ["AD", "AD"],
            "managed": "yes",
            "colour": "red"
        });
        let mut got = fields(validate_details(Some(&t), &bad, "scope_details").unwrap_err());
        got.sort();
        assert_eq!(
            got,
            [
                "scope_details.colour",
                "scope_details.edr_platform",
                "scope_details.endpoints",
                "scope_details.go_live",
                "scope_details.log_sources",
                "scope_details.managed",
            ]
        );
        let e = validate_details(Some(&t), &json!({"endpoints": 5, "edr_platform": "Defender"}), "d").unwrap_err();
        assert_eq!(fields(e), ["d.edr_platform"]);
    }

    #[test]
    fn without_a_template_details_must_be_empty() {
        validate_details(None, &json!({}), "scope_details").unwrap();
        assert_eq!(fields(validate_details(None, &json!({"a": 1}), "scope_details").unwrap_err()), ["scope_details"]);
    }
}
