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

/// Property-based tests of the subset: every template built from the documented kinds is
/// accepted and validates the values it describes; any keyword outside the subset is rejected
/// naming the property; out-of-range values are rejected naming the parameter.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Kind {
        Text(Option<u64>),
        Date,
        Enum(Vec<String>),
        Int(i64, i64),
        Num(f64, f64),
        Bool,
        Multi(Vec<String>),
    }

    fn options() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::btree_set("[A-Za-z][A-Za-z0-9 ]{0,12}", 1..6).prop_map(|s| s.into_iter().collect())
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            proptest::option::of(1u64..500).prop_map(Kind::Text),
            Just(Kind::Date),
            options().prop_map(Kind::Enum),
            (-1000i64..1000, 0i64..1000).prop_map(|(a, d)| Kind::Int(a, a + d)),
            (-1.0e6f64..1.0e6, 0.0f64..1.0e6).prop_map(|(a, d)| Kind::Num(a, a + d)),
            Just(Kind::Bool),
            options().prop_map(Kind::Multi),
        ]
    }

    fn schema_of(k: &Kind) -> Value {
        match k {
            Kind::Text(None) => json!({"type": "string", "title": "Text"}),
            Kind::Text(Some(m)) => json!({"type": "string", "maxLength": m}),
            Kind::Date => json!({"type": "string", "format": "date", "title": "Go-live"}),
            Kind::Enum(o) => json!({"type": "string", "enum": o, "default": o[0]}),
            Kind::Int(a, b) => json!({"type": "integer", "minimum": a, "maximum": b, "default": a}),
            Kind::Num(a, b) => json!({"type": "number", "minimum": a, "maximum": b}),
            Kind::Bool => json!({"type": "boolean", "default": false, "description": "Yes or no"}),
            Kind::Multi(o) => json!({"type": "array", "items": {"type": "string", "enum": o}, "uniqueItems": true}),
        }
    }

    fn value_of(k: &Kind) -> Value {
        match k {
            Kind::Text(_) => json!("x"),
            Kind::Date => json!("2026-02-28"),
            Kind::Enum(o) => json!(o[o.len() - 1]),
            Kind::Int(a, b) => json!(b - (b - a) / 2),
            Kind::Num(a, _) => json!(a),
            Kind::Bool => json!(true),
            Kind::Multi(o) => json!(o),
        }
    }

    fn template() -> impl Strategy<Value = (Vec<(String, Kind)>, Vec<bool>)> {
        proptest::collection::btree_map("[a-z][a-z0-9_]{0,20}", kind(), 1..12).prop_flat_map(|m| {
            let n = m.len();
            (Just(m.into_iter().collect::<Vec<_>>()), proptest::collection::vec(any::<bool>(), n))
        })
    }

    fn build(props: &[(String, Kind)], required: &[bool]) -> Value {
        let properties: Map<String, Value> = props.iter().map(|(n, k)| (n.clone(), schema_of(k))).collect();
        let required: Vec<&str> =
            props.iter().zip(required).filter(|(_, r)| **r).map(|((n, _), _)| n.as_str()).collect();
        json!({"type": "object", "title": "Scope", "required": required, "properties": properties})
    }

    const FORBIDDEN: &[(&str, &str)] = &[
        ("pattern", "\"^a\""),
        ("$ref", "\"#/x\""),
        ("oneOf", "[]"),
        ("allOf", "[]"),
        ("const", "1"),
        ("properties", "{}"),
        ("exclusiveMinimum", "0"),
        ("if", "{}"),
    ];

    proptest! {
        #[test]
        fn subset_templates_are_accepted_and_validate_their_values((props, required) in template()) {
            let t = check_template(&build(&props, &required)).unwrap();
            let details: Map<String, Value> = props.iter().map(|(n, k)| (n.clone(), value_of(k))).collect();
            prop_assert!(validate_details(Some(&t), &Value::Object(details), "d").is_ok());
            // Leaving out the optional ones is fine too; leaving out a required one is not.
            let only_required: Map<String, Value> = props
                .iter()
                .zip(&required)
                .filter(|(_, r)| **r)
                .map(|((n, k), _)| (n.clone(), value_of(k)))
                .collect();
            prop_assert!(validate_details(Some(&t), &Value::Object(only_required), "d").is_ok());
            if let Some(((name, _), _)) = props.iter().zip(&required).find(|(_, r)| **r) {
                let mut missing: Map<String, Value> = props.iter().map(|(n, k)| (n.clone(), value_of(k))).collect();
                missing.remove(name);
                let Err(DomainError::Invalid(v)) = validate_details(Some(&t), &Value::Object(missing), "d") else {
                    return Err(TestCaseError::fail("missing required parameter accepted"));
                };
                prop_assert_eq!(v[0].field.clone(), format!("d.{name}"));
            }
        }

        #[test]
        fn keywords_outside_the_subset_are_rejected_naming_the_property(
            (props, required) in template(),
            pick in any::<prop::sample::Index>(),
            bad in prop::sample::select(FORBIDDEN),
        ) {
            let mut schema = build(&props, &required);
            let (name, _) = &props[pick.index(props.len())];
            schema["properties"][name][bad.0] = serde_json::from_str(bad.1).unwrap();
            let Err(DomainError::Invalid(v)) = check_template(&schema) else {
                return Err(TestCaseError::fail(format!("{} accepted", bad.0)));
            };
            let prefix = format!("schema.properties.{name}");
            prop_assert!(v.iter().any(|f| f.field.starts_with(&prefix)), "{:?}", v);
        }

        #[test]
        fn integers_outside_their_range_are_rejected(a in -1000i64..1000, d in 0i64..1000, below in 1i64..100) {
            let t = check_template(&json!({"type": "object", "properties": {"n": {"type": "integer", "minimum": a, "maximum": a + d}}})).unwrap();
            for v in [a - below, a + d + below] {
                let Err(DomainError::Invalid(e)) = validate_details(Some(&t), &json!({"n": v}), "d") else {
                    return Err(TestCaseError::fail(format!("{v} accepted")));
                };
                prop_assert_eq!(e[0].field.as_str(), "d.n");
            }
        }
    }
}
