//! HTTP request → request [`DynamicMessage`] → … → response message → JSON, following the
//! proto3 JSON mapping (lowerCamelCase names, 64-bit integers as strings, enums by name,
//! well-known types in their JSON forms) and the `google.api.http` rules (AIP-127):
//!
//! 1. the body (per the route's [`BodyRule`]) is parsed as proto3 JSON, or a file upload is
//!    placed in its bytes field (see [`crate::upload`]);
//! 2. path variables are set on the (nested) fields they name;
//! 3. every query parameter `a.b=v` (lowerCamelCase or snake_case names) sets field `a.b`;
//!    repeated fields take the parameter several times;
//! 4. AIP-134: a request with a `google.protobuf.FieldMask update_mask` the client left
//!    unset gets the fields present in the JSON body object.
//!
//! Input errors are 400 [`Problem`]s naming the field (as a lowerCamelCase path).

use base64::Engine as _;
use bytes::Bytes;
use prost_reflect::{
    DeserializeOptions, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage, SerializeOptions,
    Value,
};

use crate::problem::Problem;
use crate::routes::{Binding, BodyRule, Route};

/// A request body, as the transcoder receives it.
#[derive(Debug, Clone)]
pub enum Body {
    /// No body (or an empty one).
    Empty,
    /// A JSON document (proto3 JSON mapping).
    Json(Bytes),
    /// A file upload: `data` goes into the bytes field `field` (proto name) and `params`
    /// (e.g. the text fields of a multipart form) are applied like query parameters.
    File {
        /// Proto name of the `bytes` field that receives the file.
        field: String,
        /// The file's content.
        data: Bytes,
        /// Other form fields, `(name, value)`.
        params: Vec<(String, String)>,
    },
}

/// Builds the request message of `route` from path bindings, query parameters and body.
///
/// # Errors
/// A 400 [`Problem`] for malformed JSON (with line and column), a value of the wrong type or
/// an unknown enum value (naming the field), an unknown query parameter, or a path value that
/// does not parse as its field's type.
pub fn build_request(
    route: &Route,
    bindings: &[Binding],
    query: &[(String, String)],
    body: Body,
) -> Result<DynamicMessage, Problem> {
    let desc = route.method.input();
    let mut msg = DynamicMessage::new(desc.clone());
    let mut body_keys = None;
    match body {
        Body::Empty => {}
        Body::Json(bytes) => {
            let json = parse_json(&bytes)?;
            match (&route.body, json) {
                (_, serde_json::Value::Null) | (BodyRule::None, _) => {}
                (BodyRule::Whole, json) => msg = message_from_json(&desc, &json)?,
                (BodyRule::Field(field), json) => {
                    if let serde_json::Value::Object(map) = &json {
                        body_keys = Some(map.keys().cloned().collect::<Vec<_>>());
                    }
                    // Deserialise `{"<field>": body}` as the request, so error paths name
                    // the field the way the service's own violations do (`ticket.priority`).
                    let mut wrapper = serde_json::Map::new();
                    wrapper.insert(field.json_name().to_owned(), json);
                    msg = message_from_json(&desc, &serde_json::Value::Object(wrapper))?;
                }
            }
        }
        Body::File { field, data, params } => {
            let f = desc
                .get_field_by_name(&field)
                .filter(|f| f.kind() == Kind::Bytes)
                .ok_or_else(|| Problem::internal(format!("upload field `{field}` is not a bytes field")))?;
            msg.set_field(&f, Value::Bytes(data));
            for (name, value) in &params {
                set_param(&mut msg, name, value)?;
            }
        }
    }
    for (path, value) in bindings {
        let segs: Vec<&str> = path.iter().map(String::as_str).collect();
        set_path(&mut msg, &segs, value)
            .map_err(|detail| Problem::invalid_field(json_path(&path.join(".")), detail))?;
    }
    for (name, value) in query {
        set_param(&mut msg, name, value)?;
    }
    if let (BodyRule::Field(field), Some(keys)) = (&route.body, body_keys) {
        infer_update_mask(&mut msg, field, &keys);
    }
    Ok(msg)
}

/// Serialises a response message as proto3 JSON: lowerCamelCase names, default values
/// omitted, 64-bit integers as strings, enums by name; `google.protobuf.Empty` is `{}`.
pub fn to_json(msg: &DynamicMessage) -> Vec<u8> {
    let mut ser = serde_json::Serializer::new(Vec::new());
    let options = SerializeOptions::new().skip_default_fields(true);
    match msg.serialize_with_options(&mut ser, &options) {
        Ok(()) => ser.into_inner(),
        // Only a non-finite float in a Struct or a bad Any can fail; say so, don't panic.
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise response as JSON");
            b"{}".to_vec()
        }
    }
}

/// Parses a JSON body; an empty (or all-whitespace) body is `null`.
fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, Problem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|e| {
        Problem::bad_request(format!(
            "malformed JSON at line {} column {}: {}",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        ))
    })
}

fn strip_position(msg: &str) -> &str {
    msg.find(" at line ").map_or(msg, |i| &msg[..i])
}

/// Deserialises `json` as a `desc` message (proto3 JSON, unknown fields rejected). The
/// error names the JSON path of the offending value.
pub fn message_from_json(desc: &MessageDescriptor, json: &serde_json::Value) -> Result<DynamicMessage, Problem> {
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(json, &mut track);
    DynamicMessage::deserialize_with_options(desc.clone(), de, &DeserializeOptions::new()).map_err(|e| {
        let mut path = render_path(&track.path());
        let detail = e.to_string();
        // An unknown key is reported at its parent; name the key itself.
        if let Some(key) = detail.strip_prefix("unrecognized field name '").and_then(|s| s.strip_suffix('\'')) {
            path = if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
        }
        Problem::invalid_field(json_path(&path), detail)
    })
}

fn render_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Enum { variant } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(variant);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// Sets the field named by a query parameter (`a.b`, lowerCamelCase or snake_case).
fn set_param(msg: &mut DynamicMessage, name: &str, value: &str) -> Result<(), Problem> {
    let segs: Vec<&str> = name.split('.').collect();
    set_path(msg, &segs, value).map_err(|detail| Problem::invalid_field(json_path(name), detail))
}

/// Sets `msg.<segs...>` from the text `value`, creating intermediate messages. Repeated
/// leaf fields get `value` appended.
fn set_path(msg: &mut DynamicMessage, segs: &[&str], value: &str) -> Result<(), String> {
    let (first, rest) = segs.split_first().ok_or("empty field name")?;
    let desc = msg.descriptor();
    let field = find_field(&desc, first).ok_or_else(|| format!("no field `{first}` in {}", desc.full_name()))?;
    if !rest.is_empty() {
        return match field.kind() {
            Kind::Message(m) if !field.is_list() && !field.is_map() && !is_wkt(&m) => match msg.get_field_mut(&field) {
                Value::Message(child) => set_path(child, rest, value),
                _ => Err(format!("`{first}` is not a message")),
            },
            _ => Err(format!("`{first}` has no sub-fields")),
        };
    }
    if field.is_map() {
        return Err("map fields cannot be set from the URL".into());
    }
    let parsed = parse_value(&field.kind(), value)?;
    if field.is_list() {
        if let Value::List(list) = msg.get_field_mut(&field) {
            list.push(parsed);
        }
    } else {
        msg.set_field(&field, parsed);
    }
    Ok(())
}

/// Looks a field up by its JSON (lowerCamelCase) name, then by its proto name.
pub fn find_field(desc: &MessageDescriptor, name: &str) -> Option<FieldDescriptor> {
    desc.get_field_by_json_name(name).or_else(|| desc.get_field_by_name(name))
}

fn is_wkt(m: &MessageDescriptor) -> bool {
    m.package_name() == "google.protobuf"
}

/// Parses text (a path variable or query value) as a value of `kind`.
fn parse_value(kind: &Kind, s: &str) -> Result<Value, String> {
    fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
        s.trim().parse().map_err(|_| format!("`{s}` is not {what}"))
    }
    Ok(match kind {
        Kind::Double => Value::F64(parse_float(s)?),
        Kind::Float => Value::F32(parse_float(s)? as f32),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(num(s, "a 32-bit integer")?),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(num(s, "a 64-bit integer")?),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(num(s, "an unsigned 32-bit integer")?),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(num(s, "an unsigned 64-bit integer")?),
        Kind::Bool => Value::Bool(match s {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(format!("`{s}` is not a boolean (true or false)")),
        }),
        Kind::String => Value::String(s.to_owned()),
        Kind::Bytes => Value::Bytes(decode_base64(s)?),
        Kind::Enum(e) => {
            if let Some(v) = e.get_value_by_name(s) {
                Value::EnumNumber(v.number())
            } else if let Some(v) = s.parse::<i32>().ok().and_then(|n| e.get_value(n)) {
                Value::EnumNumber(v.number())
            } else {
                let names: Vec<String> = e.values().map(|v| v.name().to_owned()).collect();
                return Err(format!("unknown value `{s}` of {}; expected one of {}", e.name(), names.join(", ")));
            }
        }
        Kind::Message(m) if is_wrapper(m) => {
            let inner = m.get_field_by_name("value").ok_or("malformed wrapper type")?;
            let mut w = DynamicMessage::new(m.clone());
            w.set_field(&inner, parse_value(&inner.kind(), s)?);
            Value::Message(w)
        }
        Kind::Message(m) if is_wkt(m) => {
            // Timestamp, Duration, FieldMask …: their JSON form is a string.
            let json = serde_json::Value::String(s.to_owned());
            let de = DynamicMessage::deserialize(m.clone(), &json).map_err(|e| e.to_string())?;
            Value::Message(de)
        }
        Kind::Message(m) => {
            return Err(format!("{} is a message; set its fields as `name.field`", m.name()));
        }
    })
}

fn is_wrapper(m: &MessageDescriptor) -> bool {
    is_wkt(m) && m.name().ends_with("Value") && !matches!(m.name(), "Value" | "ListValue") && m.fields().len() == 1
}

fn parse_float(s: &str) -> Result<f64, String> {
    match s {
        "NaN" => Ok(f64::NAN),
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        _ => s.trim().parse().map_err(|_| format!("`{s}` is not a number")),
    }
}

fn decode_base64(s: &str) -> Result<Bytes, String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(s).ok())
        .map(Bytes::from)
        .ok_or_else(|| "not valid base64".to_owned())
}

/// AIP-134: when the request has a `google.protobuf.FieldMask update_mask` that the client
/// did not send, sets it to the proto names of the keys present in the JSON object bound to
/// the body field `body_field`, in field-number order. Keys that name no field are skipped
/// (deserialisation has already rejected them).
pub fn infer_update_mask(msg: &mut DynamicMessage, body_field: &FieldDescriptor, keys: &[String]) {
    let desc = msg.descriptor();
    let Some(mask_field) = desc.get_field_by_name("update_mask") else {
        return;
    };
    let Kind::Message(mask_desc) = mask_field.kind() else {
        return;
    };
    if mask_desc.full_name() != "google.protobuf.FieldMask" || msg.has_field(&mask_field) {
        return;
    }
    let Kind::Message(resource) = body_field.kind() else {
        return;
    };
    let mut fields: Vec<FieldDescriptor> = keys.iter().filter_map(|k| find_field(&resource, k)).collect();
    fields.sort_by_key(FieldDescriptor::number);
    fields.dedup();
    let paths = fields.iter().map(|f| Value::String(f.name().to_owned())).collect();
    let mut mask = DynamicMessage::new(mask_desc);
    mask.set_field_by_name("paths", Value::List(paths));
    msg.set_field(&mask_field, Value::Message(mask));
}

/// `snake_case` → `lowerCamelCase` (the proto3 JSON name of a field).
pub fn lower_camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut upper = false;
    for c in s.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Rewrites a field path such as `company.company_type` or `contacts[0].first_name` in
/// lowerCamelCase (`company.companyType`, `contacts[0].firstName`). Segments that are not
/// snake_case identifiers (`line 3`, `rows[3]` keeps its index) are left as they are.
pub fn json_path(path: &str) -> String {
    path.split('.')
        .map(|seg| {
            let (ident, index) = match seg.find('[') {
                Some(i) if seg.ends_with(']') => seg.split_at(i),
                _ => (seg, ""),
            };
            let is_ident = ident.starts_with(|c: char| c.is_ascii_lowercase())
                && ident.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if is_ident { format!("{}{index}", lower_camel(ident)) } else { seg.to_owned() }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Like [`json_path`], but guided by the request message: segments naming fields are written
/// as their JSON names, and everything below a `google.protobuf.Struct`, `Value` or a map
/// field (free-form keys chosen by users, e.g. scope details) is kept exactly as sent.
pub fn json_path_in(message: &prost_reflect::MessageDescriptor, path: &str) -> String {
    let mut out = Vec::new();
    let mut current = Some(message.clone());
    let mut segments = path.split('.');
    while let Some(seg) = segments.next() {
        let (ident, index) = match seg.find('[') {
            Some(i) if seg.ends_with(']') => seg.split_at(i),
            _ => (seg, ""),
        };
        let Some(field) = current.as_ref().and_then(|m| m.get_field_by_name(ident)) else {
            out.push(json_path(seg));
            out.extend(segments.map(json_path));
            break;
        };
        out.push(format!("{}{index}", field.json_name()));
        current = match field.kind() {
            prost_reflect::Kind::Message(m)
                if !field.is_map() && !matches!(m.full_name(), "google.protobuf.Struct" | "google.protobuf.Value") =>
            {
                Some(m)
            }
            prost_reflect::Kind::Message(_) => {
                out.extend(segments.map(str::to_owned));
                break;
            }
            _ => None,
        };
    }
    out.join(".")
}

#[cfg(test)]
mod tests {
    use http::Method;

    use super::*;
    use crate::routes::{Lookup, RouteTable};

    fn route(table: &RouteTable, method: Method, path: &str) -> (Route, Vec<Binding>) {
        match table.lookup(&method, path) {
            Lookup::Found(r, b) => (r.clone(), b),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn table() -> RouteTable {
        RouteTable::from_pool(&psa_proto::DESCRIPTOR_POOL).unwrap()
    }

    #[test]
    fn query_parameters_map_to_fields() {
        let t = table();
        let (r, b) = route(&t, Method::GET, "/api/v1/tickets");
        let query = q(&[
            ("pageSize", "10"),
            ("page_token", "abc"),
            ("filter", "status=TICKET_STATUS_OPEN"),
            ("orderBy", "number desc"),
        ]);
        let msg = build_request(&r, &b, &query, Body::Empty).unwrap();
        assert_eq!(msg.get_field_by_name("page_size").unwrap().as_i32(), Some(10));
        assert_eq!(msg.get_field_by_name("page_token").unwrap().as_str(), Some("abc"));
        assert_eq!(msg.get_field_by_name("filter").unwrap().as_str(), Some("status=TICKET_STATUS_OPEN"));
        assert_eq!(msg.get_field_by_name("order_by").unwrap().as_str(), Some("number desc"));

        let err = build_request(&r, &b, &q(&[("pageSize", "ten")]), Body::Empty).unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(err.errors[0].field, "pageSize");
        let err = build_request(&r, &b, &q(&[("nope", "1")]), Body::Empty).unwrap_err();
        assert_eq!(err.errors[0].field, "nope");
    }

    #[test]
    fn query_enums_bools_and_nested_fields() {
        let t = table();
        // Query parameters may also set nested fields and enums, by name or number.
        let (r, b) = route(&t, Method::PATCH, "/api/v1/tickets/t1");
        let query = q(&[("ticket.priority", "TICKET_PRIORITY_HIGH"), ("ticket.status", "2")]);
        let msg = build_request(&r, &b, &query, Body::Empty).unwrap();
        let ticket = msg.get_field_by_name("ticket").unwrap().as_message().unwrap().clone();
        assert_eq!(ticket.get_field_by_name("id").unwrap().as_str(), Some("t1"));
        assert_eq!(ticket.get_field_by_name("priority").unwrap().as_enum_number(), Some(3));
        assert_eq!(ticket.get_field_by_name("status").unwrap().as_enum_number(), Some(2));

        let err = build_request(&r, &b, &q(&[("ticket.priority", "HUGE")]), Body::Empty).unwrap_err();
        assert_eq!(err.errors[0].field, "ticket.priority");
        assert!(err.errors[0].detail.contains("TICKET_PRIORITY_HIGH"), "{}", err.errors[0].detail);

        let (r, b) = route(&t, Method::POST, "/api/v1/companies:import");
        let msg =
            build_request(&r, &b, &q(&[("dryRun", "true"), ("mode", "IMPORT_MODE_VALID_ROWS")]), Body::Empty).unwrap();
        assert_eq!(msg.get_field_by_name("dry_run").unwrap().as_bool(), Some(true));
        assert_eq!(msg.get_field_by_name("mode").unwrap().as_enum_number(), Some(2));
    }

    #[test]
    fn body_field_and_nested_path_variable() {
        let t = table();
        let (r, b) = route(&t, Method::PATCH, "/api/v1/companies/c-1");
        let body = Body::Json(Bytes::from_static(
            br#"{"name":"Acme","company_type":"COMPANY_TYPE_VENDOR","address":{"city":"Oslo"}}"#,
        ));
        let msg = build_request(&r, &b, &[], body).unwrap();
        let company = msg.get_field_by_name("company").unwrap().as_message().unwrap().clone();
        assert_eq!(company.get_field_by_name("id").unwrap().as_str(), Some("c-1"));
        assert_eq!(company.get_field_by_name("name").unwrap().as_str(), Some("Acme"));
        assert_eq!(company.get_field_by_name("company_type").unwrap().as_enum_number(), Some(3));
        assert_eq!(mask_paths(&msg), ["name", "company_type", "address"]); // field order
    }

    fn mask_paths(msg: &DynamicMessage) -> Vec<String> {
        let mask = msg.get_field_by_name("update_mask").unwrap();
        let paths = mask.as_message().unwrap().get_field_by_name("paths").unwrap();
        paths.as_list().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn update_mask_inferred_only_when_absent() {
        let t = table();
        let (r, b) = route(&t, Method::PATCH, "/api/v1/tickets/t1");
        let body = || Body::Json(Bytes::from_static(br#"{"title":"x","assigneeId":"u1"}"#));
        let msg = build_request(&r, &b, &[], body()).unwrap();
        assert_eq!(mask_paths(&msg), ["title", "assignee_id"]);

        let msg = build_request(&r, &b, &q(&[("updateMask", "title")]), body()).unwrap();
        assert_eq!(mask_paths(&msg), ["title"]);

        // No body object → nothing to infer.
        let msg = build_request(&r, &b, &[], Body::Empty).unwrap();
        assert!(!msg.has_field_by_name("update_mask"));
    }

    #[test]
    fn json_errors_name_the_field() {
        let t = table();
        let (r, b) = route(&t, Method::POST, "/api/v1/tickets");
        let bad =
            |s: &'static str| build_request(&r, &b, &[], Body::Json(Bytes::from_static(s.as_bytes()))).unwrap_err();
        let e = bad(r#"{"title": "x", "priority": "TICKET_PRIORITY_NOPE"}"#);
        assert_eq!(e.status, 400);
        assert_eq!(e.errors[0].field, "ticket.priority");
        assert!(e.errors[0].detail.contains("TICKET_PRIORITY_NOPE"));

        let e = bad(r#"{"title": 5}"#);
        assert_eq!(e.errors[0].field, "ticket.title");

        let e = bad(r#"{"titel": "x"}"#);
        assert_eq!(e.errors[0].field, "ticket.titel");

        let e = bad(r#"{"title": "x""#);
        assert!(e.detail.starts_with("malformed JSON at line 1 column"), "{}", e.detail);
    }

    #[test]
    fn file_body_goes_to_bytes_field() {
        let t = table();
        let (r, b) = route(&t, Method::POST, "/api/v1/companies:import");
        let body = Body::File {
            field: "csv".into(),
            data: Bytes::from_static(b"name\nAcme\n"),
            params: q(&[("dryRun", "true")]),
        };
        let msg = build_request(&r, &b, &q(&[("mode", "IMPORT_MODE_VALID_ROWS")]), body).unwrap();
        assert_eq!(msg.get_field_by_name("csv").unwrap().as_bytes().unwrap().as_ref(), b"name\nAcme\n");
        assert_eq!(msg.get_field_by_name("dry_run").unwrap().as_bool(), Some(true));
        assert_eq!(msg.get_field_by_name("mode").unwrap().as_enum_number(), Some(2));
    }

    #[test]
    fn response_json_is_lower_camel_and_empty_is_braces() {
        let pool = &*psa_proto::DESCRIPTOR_POOL;
        let desc = pool.get_message_by_name("psa.tickets.v1.Ticket").unwrap();
        let mut m = DynamicMessage::new(desc);
        m.set_field_by_name("company_id", Value::String("c".into()));
        m.set_field_by_name("priority", Value::EnumNumber(3));
        let json: serde_json::Value = serde_json::from_slice(&to_json(&m)).unwrap();
        assert_eq!(json, serde_json::json!({"companyId": "c", "priority": "TICKET_PRIORITY_HIGH"}));
        let empty = DynamicMessage::new(pool.get_message_by_name("google.protobuf.Empty").unwrap());
        assert_eq!(to_json(&empty), b"{}");
    }

    #[test]
    fn field_paths_keep_free_form_keys_below_structs() {
        let pool = &*psa_proto::DESCRIPTOR_POOL;
        let req = pool.get_message_by_name("psa.contracts.v1.CreateCompanyRequest").unwrap();
        assert_eq!(json_path_in(&req, "company.company_type"), "company.companyType");
        assert_eq!(json_path_in(&req, "company.custom_fields.edr_platform"), "company.customFields.edr_platform");
        assert_eq!(json_path_in(&req, "company.address.postal_code"), "company.address.postalCode");
        assert_eq!(json_path_in(&req, "line 3: contact_email"), "line 3: contact_email");
        assert_eq!(json_path_in(&req, "unknown_thing.sub_field"), "unknownThing.subField");
    }

    #[test]
    fn field_paths_become_lower_camel() {
        assert_eq!(json_path("company.company_type"), "company.companyType");
        assert_eq!(json_path("contacts[0].first_name"), "contacts[0].firstName");
        assert_eq!(json_path("line 3: contactEmail"), "line 3: contactEmail");
        assert_eq!(json_path("rows[3]"), "rows[3]");
        assert_eq!(json_path("Name"), "Name");
        assert_eq!(json_path("companyType"), "companyType");
    }
}
