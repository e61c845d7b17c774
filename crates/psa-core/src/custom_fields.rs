//! Admin-defined custom fields (DESIGN.md §3, seed 001 CustomFieldDefinition, PRD §3.3): the
//! definition of a field (entity type, key, label, type, options, required, validation) and the
//! validation of an entity's `custom_fields` object against its entity type's definitions.
//! Storage-free and wasm-safe, so every service that owns entities (contracts, tickets) and the
//! web client use the same rules.
//!
//! Values are JSON: text → string, number → JSON number, date → `"YYYY-MM-DD"`, boolean →
//! `true`/`false`, select → one of the options (string), multi-select → array of distinct
//! options. `null` or an absent key means "no value".

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::error::DomainError;
use crate::text_enum;
use crate::validate::Validator;

text_enum!(
    /// The kinds of entity that carry custom fields.
    CustomFieldEntity {
        Company => "company",
        Contact => "contact",
        Contract => "contract",
        ServiceScope => "service_scope",
        Proposal => "proposal",
        Saf => "saf",
        Coc => "coc",
        Ticket => "ticket",
    }
);

text_enum!(
    /// The type of a custom field's value.
    CustomFieldType {
        Text => "text",
        Number => "number",
        Date => "date",
        Boolean => "boolean",
        Select => "select",
        MultiSelect => "multi_select",
    }
);

/// Most options of a select or multi-select field.
pub const MAX_OPTIONS: usize = 200;
/// Most characters of a text value.
pub const MAX_TEXT: usize = 10_000;

/// One custom field definition.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFieldDefinition {
    pub entity_type: CustomFieldEntity,
    /// The key in the entity's `custom_fields` object: `^[a-z][a-z0-9_]{0,63}$`, unique per
    /// tenant and entity type.
    pub key: String,
    /// Form label and list column title, 1–200 characters.
    pub label: String,
    pub field_type: CustomFieldType,
    /// The allowed values of a select or multi-select field (1–[`MAX_OPTIONS`], distinct,
    /// each 1–200 characters); empty for other types.
    pub options: Vec<String>,
    /// Whether every write of the entity must carry a value.
    pub required: bool,
    /// Number fields: the least and greatest value; text fields: the least and greatest number
    /// of characters; multi-select: the least and greatest number of options chosen.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Text fields only: a regular expression (Rust `regex` syntax) the whole value must match.
    pub regex: Option<String>,
}

fn valid_key(k: &str) -> bool {
    let mut c = k.chars();
    matches!(c.next(), Some('a'..='z'))
        && k.len() <= 64
        && c.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl CustomFieldDefinition {
    /// Trims text and checks the definition, naming fields `<prefix>key` etc.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self, prefix: &str) -> Result<Self, DomainError> {
        let f = |n: &str| format!("{prefix}{n}");
        self.key = self.key.trim().to_owned();
        self.label = self.label.trim().to_owned();
        for o in &mut self.options {
            *o = o.trim().to_owned();
        }
        self.regex = self.regex.take().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        let mut v = Validator::new();
        if !valid_key(&self.key) {
            v.push(f("key"), "must match ^[a-z][a-z0-9_]{0,63}$");
        }
        v.required(&f("label"), &self.label).max_chars(&f("label"), &self.label, 200);
        let select = matches!(self.field_type, CustomFieldType::Select | CustomFieldType::MultiSelect);
        if select {
            let mut seen = HashSet::new();
            if self.options.is_empty() || self.options.len() > MAX_OPTIONS {
                v.push(f("options"), format!("a select field needs 1–{MAX_OPTIONS} options"));
            } else if self.options.iter().any(|o| o.is_empty() || o.chars().count() > 200 || !seen.insert(o.clone())) {
                v.push(f("options"), "options must be distinct, each 1–200 characters");
            }
        } else if !self.options.is_empty() {
            v.push(f("options"), "only select and multi-select fields have options");
        }
        let bounded =
            matches!(self.field_type, CustomFieldType::Number | CustomFieldType::Text | CustomFieldType::MultiSelect);
        for (name, b) in [("min", self.min), ("max", self.max)] {
            match b {
                Some(_) if !bounded => v.push(f(name), "only number, text and multi-select fields have bounds"),
                Some(x) if !x.is_finite() => v.push(f(name), "must be a finite number"),
                Some(x) if self.field_type != CustomFieldType::Number && (x < 0.0 || x.fract() != 0.0) => {
                    v.push(f(name), "must be a whole number ≥ 0 for text and multi-select fields")
                }
                _ => {}
            }
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max)
            && lo > hi
        {
            v.push(f("max"), "must not be less than min");
        }
        if let Some(r) = &self.regex {
            if self.field_type != CustomFieldType::Text {
                v.push(f("regex"), "only text fields have a pattern");
            } else if r.chars().count() > 500 || regex::Regex::new(r).is_err() {
                v.push(f("regex"), "must be a valid regular expression of at most 500 characters");
            }
        }
        v.finish()?;
        Ok(self)
    }

    /// Checks one value (not null) on `field`; returns it normalised (text trimmed).
    fn check(&self, v: &mut Validator, field: &str, value: &Value) -> Value {
        let out_of = |x: f64| self.min.is_some_and(|m| x < m) || self.max.is_some_and(|m| x > m);
        let bounds = || match (self.min, self.max) {
            (Some(a), Some(b)) => format!("between {a} and {b}"),
            (Some(a), None) => format!("at least {a}"),
            (None, Some(b)) => format!("at most {b}"),
            (None, None) => String::new(),
        };
        match (self.field_type, value) {
            (CustomFieldType::Text, Value::String(s)) => {
                let s = s.trim();
                let n = s.chars().count();
                if n > MAX_TEXT {
                    v.push(field, format!("at most {MAX_TEXT} characters"));
                } else if out_of(n as f64) {
                    v.push(field, format!("must be {} characters long", bounds()));
                } else if let Some(r) = &self.regex
                    && !regex::Regex::new(&format!("^(?:{r})$")).is_ok_and(|re| re.is_match(s))
                {
                    v.push(field, format!("must match the pattern {r}"));
                }
                Value::String(s.to_owned())
            }
            (CustomFieldType::Number, Value::Number(n)) => {
                let x = n.as_f64();
                if x.is_none_or(out_of) {
                    v.push(field, format!("must be {}", bounds()));
                }
                // Whole numbers are stored as integers (proto Structs carry every number as a
                // double).
                match x {
                    Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Value::from(x as i64),
                    _ => value.clone(),
                }
            }
            (CustomFieldType::Date, Value::String(s)) => {
                if !is_date(s.trim()) {
                    v.push(field, "must be a date such as \"2026-01-31\"");
                }
                Value::String(s.trim().to_owned())
            }
            (CustomFieldType::Boolean, Value::Bool(_)) => value.clone(),
            (CustomFieldType::Select, Value::String(s)) => {
                if !self.options.iter().any(|o| o == s) {
                    v.push(field, format!("must be one of: {}", self.options.join(", ")));
                }
                value.clone()
            }
            (CustomFieldType::MultiSelect, Value::Array(items)) => {
                let mut seen = HashSet::new();
                let ok = items.iter().all(|i| {
                    i.as_str().is_some_and(|s| self.options.iter().any(|o| o == s) && seen.insert(s.to_owned()))
                });
                if !ok {
                    v.push(field, format!("must be distinct values among: {}", self.options.join(", ")));
                } else if out_of(items.len() as f64) {
                    v.push(field, format!("choose {} options", bounds()));
                }
                value.clone()
            }
            (t, _) => {
                let expected = match t {
                    CustomFieldType::Text | CustomFieldType::Select => "a string",
                    CustomFieldType::Number => "a number",
                    CustomFieldType::Date => "a date string such as \"2026-01-31\"",
                    CustomFieldType::Boolean => "true or false",
                    CustomFieldType::MultiSelect => "an array of strings",
                };
                v.push(field, format!("must be {expected}"));
                value.clone()
            }
        }
    }
}

/// Whether `s` is a valid ISO 8601 calendar date `YYYY-MM-DD` (proleptic Gregorian).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    if !s[0..4].bytes().chain(s[5..7].bytes()).chain(s[8..10].bytes()).all(|c| c.is_ascii_digit()) {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// Validates an entity's `custom_fields` object against the definitions of its entity type;
/// returns it normalised (nulls dropped, text trimmed). Fields are named
/// `<prefix>custom_fields.<key>`.
///
/// # Errors
/// [`DomainError::Invalid`] listing every problem: not an object, a key with no definition, a
/// required field without a value, a value of the wrong type or outside its bounds, options or
/// pattern.
pub fn validate_values(defs: &[CustomFieldDefinition], values: &Value, prefix: &str) -> Result<Value, DomainError> {
    let field = |k: &str| format!("{prefix}custom_fields.{k}");
    let empty = Map::new();
    let obj = match values {
        Value::Null => &empty,
        Value::Object(o) => o,
        _ => return Err(DomainError::invalid(format!("{prefix}custom_fields"), "must be an object")),
    };
    let mut v = Validator::new();
    let mut out = Map::new();
    for (k, value) in obj {
        let Some(def) = defs.iter().find(|d| &d.key == k) else {
            v.push(field(k), "no custom field with this key is defined");
            continue;
        };
        if value.is_null() {
            continue;
        }
        let checked = def.check(&mut v, &field(k), value);
        out.insert(k.clone(), checked);
    }
    for d in defs {
        if d.required && out.get(&d.key).is_none_or(|x| x.as_str().is_some_and(str::is_empty)) {
            v.push(field(&d.key), "is required");
        }
    }
    v.finish()?;
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(key: &str, t: CustomFieldType) -> CustomFieldDefinition {
        CustomFieldDefinition {
            entity_type: CustomFieldEntity::Company,
            key: key.into(),
            label: key.into(),
            field_type: t,
            options: Vec::new(),
            required: false,
            min: None,
            max: None,
            regex: None,
        }
    }

    fn names(e: DomainError) -> Vec<String> {
        let DomainError::Invalid(v) = e else { panic!("{e:?}") };
        v.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn definitions_are_checked() {
        assert!(def("edr_platform", CustomFieldType::Text).normalize("d.").is_ok());
        let bad = CustomFieldDefinition {
            key: "Bad Key".into(),
            label: " ".into(),
            options: vec!["x".into()],
            min: Some(5.0),
            max: Some(1.0),
            regex: Some("(".into()),
            ..def("k", CustomFieldType::Text)
        };
        assert_eq!(names(bad.normalize("d.").unwrap_err()), ["d.key", "d.label", "d.options", "d.max", "d.regex"]);
        let select =
            CustomFieldDefinition { options: vec!["a".into(), "a".into()], ..def("s", CustomFieldType::Select) };
        assert_eq!(names(select.normalize("").unwrap_err()), ["options"]);
        let no_options = def("s", CustomFieldType::MultiSelect);
        assert_eq!(names(no_options.normalize("").unwrap_err()), ["options"]);
        let bool_bounds = CustomFieldDefinition { min: Some(1.0), ..def("b", CustomFieldType::Boolean) };
        assert_eq!(names(bool_bounds.normalize("").unwrap_err()), ["min"]);
    }

    #[test]
    fn values_are_validated_by_type() {
        let defs = vec![
            CustomFieldDefinition { min: Some(1.0), max: Some(10000.0), ..def("endpoints", CustomFieldType::Number) },
            CustomFieldDefinition { regex: Some("[A-Z]{2}-\\d+".into()), ..def("ref", CustomFieldType::Text) },
            def("renewal", CustomFieldType::Date),
            def("vip", CustomFieldType::Boolean),
            CustomFieldDefinition {
                options: vec!["CrowdStrike".into(), "SentinelOne".into()],
                required: true,
                ..def("edr", CustomFieldType::Select)
            },
            CustomFieldDefinition {
                options: vec!["soc2".into(), "hipaa".into(), "pci".into()],
                max: Some(2.0),
                ..def("frameworks", CustomFieldType::MultiSelect)
            },
        ];
        let ok = json!({"endpoints": 500, "ref": " AB-12 ", "renewal": "2026-02-28", "vip": true, "edr": "CrowdStrike",
                        "frameworks": ["soc2", "pci"], "vip_note": null});
        let e = validate_values(&defs, &ok, "company.").unwrap_err();
        assert_eq!(names(e), ["company.custom_fields.vip_note"], "unknown keys are refused, even null");
        let ok = json!({"endpoints": 500, "ref": " AB-12 ", "renewal": "2026-02-28", "vip": true, "edr": "CrowdStrike",
                        "frameworks": ["soc2", "pci"]});
        let out = validate_values(&defs, &ok, "company.").unwrap();
        assert_eq!(out["ref"], "AB-12");
        assert_eq!(
            validate_values(&defs, &json!({"endpoints": 12.0, "edr": "SentinelOne"}), "").unwrap()["endpoints"],
            12
        );
        let bad = json!({"endpoints": 0, "ref": "ab-12", "renewal": "2026-02-30", "vip": "yes", "edr": "Defender",
                         "frameworks": ["soc2", "soc2"]});
        let mut got = names(validate_values(&defs, &bad, "").unwrap_err());
        got.sort();
        assert_eq!(
            got,
            [
                "custom_fields.edr",
                "custom_fields.endpoints",
                "custom_fields.frameworks",
                "custom_fields.ref",
                "custom_fields.renewal",
                "custom_fields.vip"
            ]
        );
        // Required, and too many options.
        let e = validate_values(&defs, &json!({"frameworks": ["soc2", "pci", "hipaa"]}), "").unwrap_err();
        assert_eq!(names(e), ["custom_fields.frameworks", "custom_fields.edr"]);
        assert_eq!(names(validate_values(&defs, &json!([1]), "").unwrap_err()), ["custom_fields"]);
        assert_eq!(names(validate_values(&defs, &Value::Null, "").unwrap_err()), ["custom_fields.edr"]);
    }

    #[test]
    fn dates() {
        for ok in ["2024-02-29", "2026-12-31", "2000-02-29"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in ["2026-02-29", "1900-02-29", "2026-13-01", "2026-1-01", "26-01-01x", "2026-00-10", "2026-01-32", ""]
        {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
