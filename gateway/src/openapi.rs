//! The OpenAPI 3.1 document of the REST API, generated at start-up from the same descriptors
//! and route table as the transcoder (DESIGN.md §5), served at `/api/v1/openapi.json`.
//!
//! Schemas follow the proto3 JSON mapping: lowerCamelCase property names, 64-bit integers as
//! strings, enums as string enums of value names, `Timestamp` as a `date-time` string,
//! `Duration` as `"1.5s"`, `FieldMask` as a comma-separated string, `Struct` as an object,
//! `bytes` as base64. `required` comes from `psa.api.v1.field_behavior = REQUIRED`, `readOnly`
//! from `OUTPUT_ONLY`; descriptions from the proto comments when the descriptor set carries
//! source info. Messages and enums are `components.schemas` named by their full proto name
//! (`psa.tickets.v1.Ticket`). Errors are RFC 9457 problems (`components.schemas.Problem`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use prost_reflect::{
    DescriptorPool, EnumDescriptor, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor, Value as PValue,
};
use serde_json::{Map, Value, json};

use crate::problem::PROBLEM_JSON;
use crate::routes::{BodyRule, Route, RouteTable};
use crate::transcode::{json_path, lower_camel};
use crate::upload::file_upload;

/// Full name of the field-behaviour option (AIP-203).
const FIELD_BEHAVIOR: &str = "psa.api.v1.field_behavior";
const REQUIRED: i32 = 1;
const OUTPUT_ONLY: i32 = 2;
/// Depth to which nested request messages are flattened into query parameters.
const MAX_QUERY_DEPTH: usize = 3;

/// Builds the OpenAPI 3.1 document for every route in `routes`.
pub fn document(pool: &DescriptorPool, routes: &RouteTable) -> Value {
    let mut g = Generator { pool, queue: VecDeque::new(), seen: BTreeSet::new() };
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut tags = BTreeMap::new();
    let mut canonical: BTreeMap<String, String> = BTreeMap::new();
    for route in routes.routes() {
        let service = route.method.parent_service();
        tags.entry(service.name().to_owned()).or_insert_with(|| {
            let mut tag = json!({ "name": service.name() });
            if let Some(d) = comment(&service.parent_file(), service.path()) {
                tag["description"] = d.into();
            }
            tag
        });
        // OpenAPI treats `/x/{id}` and `/x/{x.id}` as the same path: merge them under the
        // first one's variable names.
        let path = route.template.openapi_path();
        let key = canonical.entry(path_shape(&path)).or_insert(path).clone();
        let op = g.operation(route, &path_variables(&key));
        paths.entry(key).or_default().insert(route.http_method.as_str().to_ascii_lowercase(), op);
    }
    let mut schemas = Map::new();
    while let Some(name) = g.queue.pop_front() {
        if let Some(m) = pool.get_message_by_name(&name) {
            schemas.insert(name, g.message_schema(&m));
        } else if let Some(e) = pool.get_enum_by_name(&name) {
            schemas.insert(name, enum_schema(&e));
        }
    }
    schemas.insert("Problem".into(), problem_schema());
    let schemas: BTreeMap<String, Value> = schemas.into_iter().collect();

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "PSA API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "REST API of the PSA platform, transcoded from its gRPC services. \
                JSON follows the proto3 JSON mapping (lowerCamelCase names, 64-bit integers as \
                strings, enums by name, fields with default values omitted). Lists use \
                `pageSize`/`pageToken`/`nextPageToken` cursors, `filter` and `orderBy` \
                (AIP-132/158/160). PATCH updates the fields present in the body unless \
                `updateMask` is given (AIP-134). Errors are RFC 9457 problem details.",
            "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" },
        },
        "tags": tags.into_values().collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": problem_responses(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "EdDSA-signed access token from `POST /api/v1/auth/login`.",
                },
            },
        },
    })
}

struct Generator<'a> {
    pool: &'a DescriptorPool,
    /// Full names of messages and enums still to describe.
    queue: VecDeque<String>,
    seen: BTreeSet<String>,
}

impl Generator<'_> {
    /// The operation object of `route`; `names` are the path parameter names of the path
    /// item it lands in (see [`path_shape`]).
    fn operation(&mut self, route: &Route, names: &[String]) -> Value {
        let method = &route.method;
        let service = method.parent_service();
        let input = method.input();
        let mut op = Map::new();
        op.insert("operationId".into(), format!("{}_{}", service.name(), method.name()).into());
        op.insert("tags".into(), json!([service.name()]));
        if let Some(d) = comment(&method.parent_file(), method.path()) {
            op.insert("summary".into(), d.lines().next().unwrap_or_default().into());
            op.insert("description".into(), d.into());
        }

        let mut params = Vec::new();
        let bound: Vec<Vec<String>> = route.template.variables().map(<[String]>::to_vec).collect();
        for (i, var) in bound.iter().enumerate() {
            if let Some(field) = resolve(&input, var) {
                let bound_name = var.join(".");
                let name = names.get(i).cloned().unwrap_or_else(|| bound_name.clone());
                let mut p = json!({
                    "name": name,
                    "in": "path",
                    "required": true,
                    "schema": self.field_schema(&field),
                });
                if name != bound_name {
                    append_description(&mut p, &format!("Sets `{}`.", json_path(&bound_name)));
                }
                if let Some(d) = comment(&field.parent_file(), field.path()) {
                    append_description(&mut p, &d);
                }
                params.push(p);
            }
        }
        let upload = file_upload(method.full_name());
        let query_fields: Vec<FieldDescriptor> = match &route.body {
            BodyRule::None => input.fields().collect(),
            BodyRule::Field(body) => input.fields().filter(|f| f != body).collect(),
            // With a file body, the other fields may come from the query string.
            BodyRule::Whole => match upload {
                Some(u) => input.fields().filter(|f| f.name() != u.field).collect(),
                None => Vec::new(),
            },
        };
        for field in query_fields {
            self.query_params(&field, &[], &bound, &mut params, 0);
        }
        if !params.is_empty() {
            op.insert("parameters".into(), params.into());
        }

        let body_schema = match &route.body {
            BodyRule::None => None,
            BodyRule::Whole => Some(self.message_ref(&input)),
            BodyRule::Field(f) => Some(self.field_schema(f)),
        };
        if let Some(schema) = body_schema {
            let mut content = Map::new();
            content.insert("application/json".into(), json!({ "schema": schema }));
            if let Some(u) = upload {
                for mt in u.media_types {
                    content.insert((*mt).into(), json!({ "schema": { "type": "string", "contentMediaType": mt } }));
                }
                let mut props = Map::new();
                props.insert(u.form_field.into(), json!({ "type": "string", "contentMediaType": u.media_types[0] }));
                for f in input.fields().filter(|f| f.name() != u.field) {
                    props.insert(f.json_name().into(), self.field_schema(&f));
                }
                content.insert(
                    "multipart/form-data".into(),
                    json!({ "schema": {
                        "type": "object",
                        "properties": props,
                        "required": [u.form_field],
                    }}),
                );
            }
            op.insert("requestBody".into(), json!({ "required": true, "content": content }));
        }

        let output = method.output();
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({
                "description": "OK",
                "content": { "application/json": { "schema": self.message_ref(&output) } },
            }),
        );
        responses.insert("400".into(), json!({ "$ref": "#/components/responses/BadRequest" }));
        if !route.access.public {
            responses.insert("401".into(), json!({ "$ref": "#/components/responses/Unauthorized" }));
            responses.insert("403".into(), json!({ "$ref": "#/components/responses/Forbidden" }));
        }
        if !bound.is_empty() {
            responses.insert("404".into(), json!({ "$ref": "#/components/responses/NotFound" }));
        }
        responses.insert("default".into(), json!({ "$ref": "#/components/responses/Error" }));
        op.insert("responses".into(), responses.into());

        if route.access.public {
            op.insert("security".into(), json!([]));
        } else {
            op.insert("security".into(), json!([{ "bearerAuth": [] }]));
            if !route.access.permission.is_empty() {
                op.insert("x-psa-permission".into(), route.access.permission.clone().into());
            }
        }
        Value::Object(op)
    }

    /// Adds the query parameters of `field` (flattening nested messages as `a.b`), skipping
    /// fields bound by the path.
    fn query_params(
        &mut self,
        field: &FieldDescriptor,
        prefix: &[String],
        bound: &[Vec<String>],
        out: &mut Vec<Value>,
        depth: usize,
    ) {
        let mut path = prefix.to_vec();
        path.push(field.name().to_owned());
        if bound.contains(&path) || field.is_map() {
            return;
        }
        if let Kind::Message(m) = field.kind()
            && !is_wkt(&m)
        {
            if !field.is_list() && depth < MAX_QUERY_DEPTH {
                for f in m.fields() {
                    self.query_params(&f, &path, bound, out, depth + 1);
                }
            }
            return;
        }
        let name = path.iter().map(|s| lower_camel(s)).collect::<Vec<_>>().join(".");
        let mut p = json!({ "name": name, "in": "query", "schema": self.field_schema(field) });
        if let Some(d) = comment(&field.parent_file(), field.path()) {
            p["description"] = d.into();
        }
        out.push(p);
    }

    fn message_schema(&mut self, m: &MessageDescriptor) -> Value {
        let mut props = Map::new();
        let mut required = Vec::new();
        for field in m.fields() {
            let mut schema = self.field_schema(&field);
            let behaviors = field_behaviors(self.pool, &field);
            if behaviors.contains(&OUTPUT_ONLY) {
                schema["readOnly"] = true.into();
            }
            if behaviors.contains(&REQUIRED) {
                required.push(Value::from(field.json_name()));
            }
            if let Some(oneof) = field.containing_oneof().filter(|o| !o.is_synthetic()) {
                let others: Vec<String> =
                    oneof.fields().filter(|f| *f != field).map(|f| format!("`{}`", f.json_name())).collect();
                let note = format!("Exclusive with {}.", others.join(", "));
                append_description(&mut schema, &note);
            }
            if let Some(d) = comment(&field.parent_file(), field.path()) {
                append_description(&mut schema, &d);
            }
            props.insert(field.json_name().into(), schema);
        }
        let mut schema = json!({ "type": "object", "properties": props });
        if !required.is_empty() {
            schema["required"] = required.into();
        }
        if let Some(d) = comment(&m.parent_file(), m.path()) {
            schema["description"] = d.into();
        }
        schema
    }

    fn field_schema(&mut self, field: &FieldDescriptor) -> Value {
        if field.is_map()
            && let Kind::Message(entry) = field.kind()
        {
            let value = self.kind_schema(&entry.map_entry_value_field().kind());
            return json!({ "type": "object", "additionalProperties": value });
        }
        let schema = self.kind_schema(&field.kind());
        if field.is_list() { json!({ "type": "array", "items": schema }) } else { schema }
    }

    fn kind_schema(&mut self, kind: &Kind) -> Value {
        match kind {
            Kind::Double => json!({ "type": "number", "format": "double" }),
            Kind::Float => json!({ "type": "number", "format": "float" }),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
                json!({ "type": "integer", "format": "int32" })
            }
            Kind::Uint32 | Kind::Fixed32 => {
                json!({ "type": "integer", "format": "int64", "minimum": 0, "maximum": u32::MAX })
            }
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
                json!({ "type": "string", "format": "int64", "pattern": "^-?[0-9]+$" })
            }
            Kind::Uint64 | Kind::Fixed64 => {
                json!({ "type": "string", "format": "uint64", "pattern": "^[0-9]+$" })
            }
            Kind::Bool => json!({ "type": "boolean" }),
            Kind::String => json!({ "type": "string" }),
            Kind::Bytes => {
                json!({ "type": "string", "format": "byte", "contentEncoding": "base64" })
            }
            Kind::Enum(e) => self.reference(e.full_name()),
            Kind::Message(m) => self.message_ref(m),
        }
    }

    /// A `$ref` to the schema of `m`, or the inline JSON form of a well-known type.
    fn message_ref(&mut self, m: &MessageDescriptor) -> Value {
        match m.full_name() {
            "google.protobuf.Timestamp" => json!({ "type": "string", "format": "date-time" }),
            "google.protobuf.Duration" => {
                json!({ "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,9})?s$", "examples": ["3.5s"] })
            }
            "google.protobuf.FieldMask" => json!({
                "type": "string",
                "description": "Comma-separated lowerCamelCase field paths.",
            }),
            "google.protobuf.Struct" => json!({ "type": "object", "additionalProperties": true }),
            "google.protobuf.Value" => json!({}),
            "google.protobuf.ListValue" => json!({ "type": "array", "items": {} }),
            "google.protobuf.Empty" => json!({ "type": "object" }),
            "google.protobuf.Any" => json!({
                "type": "object",
                "properties": { "@type": { "type": "string" } },
                "required": ["@type"],
                "additionalProperties": true,
            }),
            _ if is_wkt(m) && m.name().ends_with("Value") => match m.get_field_by_name("value") {
                Some(f) => self.kind_schema(&f.kind()),
                None => json!({}),
            },
            name => self.reference(name),
        }
    }

    fn reference(&mut self, full_name: &str) -> Value {
        if self.seen.insert(full_name.to_owned()) {
            self.queue.push_back(full_name.to_owned());
        }
        json!({ "$ref": format!("#/components/schemas/{full_name}") })
    }
}

fn enum_schema(e: &EnumDescriptor) -> Value {
    let names: Vec<String> = e.values().map(|v| v.name().to_owned()).collect();
    let mut schema = json!({ "type": "string", "enum": names });
    let mut doc = comment(&e.parent_file(), e.path()).unwrap_or_default();
    for v in e.values() {
        if let Some(d) = comment(&v.parent_file(), v.path()) {
            doc.push_str(&format!("\n- `{}`: {}", v.name(), d.replace('\n', " ")));
        }
    }
    if !doc.trim().is_empty() {
        schema["description"] = doc.trim().into();
    }
    schema
}

/// An OpenAPI path with its variables blanked (`/x/{}`): paths of one shape are one path.
fn path_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                out.push('{');
            }
            '}' => {
                depth -= 1;
                out.push('}');
            }
            _ if depth > 0 => {}
            c => out.push(c),
        }
    }
    out
}

/// The variable names of an OpenAPI path, in order.
fn path_variables(path: &str) -> Vec<String> {
    path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name.to_owned())).collect()
}

fn append_description(schema: &mut Value, text: &str) {
    let text = match schema.get("description").and_then(Value::as_str) {
        Some(prior) => format!("{prior}\n\n{text}"),
        None => text.to_owned(),
    };
    schema["description"] = text.into();
}

fn is_wkt(m: &MessageDescriptor) -> bool {
    m.package_name() == "google.protobuf"
}

/// Resolves a field path (proto names) from `m`.
fn resolve(m: &MessageDescriptor, path: &[String]) -> Option<FieldDescriptor> {
    let (first, rest) = path.split_first()?;
    let field = m.get_field_by_name(first)?;
    if rest.is_empty() {
        return Some(field);
    }
    match field.kind() {
        Kind::Message(child) => resolve(&child, rest),
        _ => None,
    }
}

/// The `psa.api.v1.field_behavior` values of `field`.
pub fn field_behaviors(pool: &DescriptorPool, field: &FieldDescriptor) -> Vec<i32> {
    let Some(ext) = pool.get_extension_by_name(FIELD_BEHAVIOR) else {
        return Vec::new();
    };
    let options = field.options();
    if !options.has_extension(&ext) {
        return Vec::new();
    }
    match options.get_extension(&ext).as_ref() {
        PValue::List(values) => values.iter().filter_map(PValue::as_enum_number).collect(),
        PValue::EnumNumber(n) => vec![*n],
        _ => Vec::new(),
    }
}

/// The leading (or trailing) comment of the element at `path` in `file`, if the descriptor
/// set carries source info.
fn comment(file: &FileDescriptor, path: &[i32]) -> Option<String> {
    let info = file.file_descriptor_proto().source_code_info.as_ref()?;
    let loc = info.location.iter().find(|l| l.path == path)?;
    let text = loc.leading_comments.as_deref().or(loc.trailing_comments.as_deref())?;
    let text = text.lines().map(str::trim).collect::<Vec<_>>().join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn problem_schema() -> Value {
    let codes = [
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    json!({
        "type": "object",
        "description": "RFC 9457 problem details. `code` is the gRPC code name; `errors` lists \
            invalid fields by their lowerCamelCase JSON path.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": { "type": "string", "format": "uri-reference", "examples": ["about:blank"] },
            "title": { "type": "string", "examples": ["Bad Request"] },
            "status": { "type": "integer", "examples": [400] },
            "detail": { "type": "string" },
            "code": { "type": "string", "enum": codes },
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "detail"],
                    "properties": {
                        "field": { "type": "string", "examples": ["company.name"] },
                        "detail": { "type": "string", "examples": ["must not be empty"] },
                    },
                },
            },
        },
    })
}

fn problem_responses() -> Value {
    let r = |d: &str| {
        json!({
            "description": d,
            "content": { PROBLEM_JSON: { "schema": { "$ref": "#/components/schemas/Problem" } } },
        })
    };
    json!({
        "BadRequest": r("Invalid input; `errors` names the fields."),
        "Unauthorized": r("Missing, invalid or expired access token."),
        "Forbidden": r("The token lacks the permission this operation needs."),
        "NotFound": r("No such resource visible to the caller."),
        "Error": r("Any other error (409 conflict, 429 rate limit, 5xx)."),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        let pool = &*psa_proto::DESCRIPTOR_POOL;
        document(pool, &RouteTable::from_pool(pool).unwrap())
    }

    #[test]
    fn paths_and_operations() {
        let d = doc();
        assert_eq!(d["openapi"], "3.1.0");
        let ticket = &d["paths"]["/api/v1/tickets/{id}"];
        assert_eq!(ticket["get"]["operationId"], "TicketService_GetTicket");
        assert_eq!(ticket["get"]["parameters"][0]["name"], "id");
        assert_eq!(ticket["get"]["parameters"][0]["in"], "path");
        assert_eq!(ticket["get"]["security"][0]["bearerAuth"], json!([]));
        assert_eq!(ticket["get"]["x-psa-permission"], "tickets.read");
        assert_eq!(
            ticket["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/psa.tickets.v1.Ticket"
        );
        // PATCH binds `{ticket.id}`: the same OpenAPI path, so it is merged under `{id}`.
        assert!(d["paths"]["/api/v1/tickets/{ticket.id}"].is_null());
        let patch = &ticket["patch"];
        assert_eq!(patch["operationId"], "TicketService_UpdateTicket");
        assert_eq!(patch["parameters"][0]["name"], "id");
        let about = patch["parameters"][0]["description"].as_str().unwrap();
        assert!(about.contains("ticket.id"), "{about}");
        assert!(patch["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "updateMask"));
        assert_eq!(
            patch["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/psa.tickets.v1.Ticket"
        );

        let list = &d["paths"]["/api/v1/tickets"]["get"];
        let names: Vec<&str> =
            list["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["pageSize", "pageToken", "filter", "orderBy"]);
        assert!(list["description"].as_str().unwrap_or("").contains("AIP-160"), "comments carried");

        let login = &d["paths"]["/api/v1/auth/login"]["post"];
        assert_eq!(login["security"], json!([]));
        assert!(login["responses"]["401"].is_null());

        let import = &d["paths"]["/api/v1/companies:import"]["post"]["requestBody"]["content"];
        assert!(import["text/csv"].is_object());
        assert!(import["multipart/form-data"]["schema"]["properties"]["file"].is_object());
    }

    #[test]
    fn schemas_follow_proto3_json() {
        let d = doc();
        let s = &d["components"]["schemas"];
        let ticket = &s["psa.tickets.v1.Ticket"];
        assert_eq!(ticket["type"], "object");
        assert_eq!(ticket["properties"]["id"]["readOnly"], true);
        assert_eq!(ticket["properties"]["createTime"]["format"], "date-time");
        assert_eq!(ticket["properties"]["createTime"]["readOnly"], true);
        assert_eq!(ticket["properties"]["priority"]["$ref"], "#/components/schemas/psa.tickets.v1.TicketPriority");
        let required: Vec<&str> = ticket["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(required, ["title", "companyId"]);
        assert!(
            s["psa.tickets.v1.TicketPriority"]["enum"].as_array().unwrap().contains(&json!("TICKET_PRIORITY_HIGH"))
        );
        let company = &s["psa.contracts.v1.Company"];
        assert_eq!(company["properties"]["customFields"]["type"], "object");
        assert_eq!(company["properties"]["tags"]["type"], "array");
        assert_eq!(s["psa.contracts.v1.ImportCompaniesRequest"]["properties"]["csv"]["contentEncoding"], "base64");
        assert!(s["Problem"]["properties"]["errors"].is_object());
        assert_eq!(d["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"], "JWT");
    }
}
