//! The REST route table, built at start-up from the `psa.api.v1.http` method options
//! (same meaning as `google.api.http`, AIP-127), and path-template matching.
//!
//! Templates follow the `google.api.http` grammar:
//! `Template = "/" Segments [ ":" Verb ]`, a segment is a literal, `*` (one segment), `**`
//! (the rest of the path), or a variable `{field.path}` / `{field.path=segments}` bound to a
//! (nested) field of the request message. axum's router is not used for these paths because
//! its syntax cannot express `{a.b}` variables or `:verb` suffixes.

use std::fmt;

use anyhow::{Context, bail};
use http::Method;
use percent_encoding::percent_decode_str;
use prost_reflect::{DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MethodDescriptor, Value};

/// Full name of the HTTP rule method option.
pub const HTTP_OPTION: &str = "psa.api.v1.http";
/// Full name of the access rule method option.
pub const ACCESS_OPTION: &str = "psa.api.v1.access";

/// One segment pattern of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// Must equal this text (after percent-decoding the request's segment).
    Literal(String),
    /// `*`: exactly one non-empty segment.
    Single,
    /// `**`: zero or more segments; only last.
    Multi,
}

/// A variable of a template: the request field it binds and the segments it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Var {
    /// Field path in the request message, proto names, e.g. `["company", "id"]`.
    field_path: Vec<String>,
    /// Index of its first segment in [`PathTemplate::segments`].
    start: usize,
    /// Index one past its last segment.
    end: usize,
}

/// A parsed path template such as `/api/v1/companies/{company.id}` or
/// `/api/v1/companies:import`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    raw: String,
    segments: Vec<Seg>,
    vars: Vec<Var>,
    verb: Option<String>,
}

/// A variable bound by a match: the field path (proto names) and its percent-decoded value.
pub type Binding = (Vec<String>, String);

impl PathTemplate {
    /// Parses a template.
    ///
    /// # Errors
    /// When the template does not start with `/`, has unbalanced braces, an empty variable
    /// name, a nested variable, or `**` anywhere but last.
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let Some(rest) = raw.strip_prefix('/') else {
            bail!("path template `{raw}` must start with `/`");
        };
        // Split off the verb: a `:` outside braces after the last `/` outside braces.
        let mut depth = 0i32;
        let mut last_slash = None;
        let mut verb_at = None;
        for (i, c) in rest.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                '/' if depth == 0 => {
                    last_slash = Some(i);
                    verb_at = None;
                }
                ':' if depth == 0 && last_slash.is_none_or(|s| s < i) => verb_at = Some(i),
                _ => {}
            }
            if !(0..=1).contains(&depth) {
                bail!("path template `{raw}` has unbalanced or nested braces");
            }
        }
        if depth != 0 {
            bail!("path template `{raw}` has unbalanced braces");
        }
        let (path, verb) = match verb_at {
            Some(i) => (&rest[..i], Some(rest[i + 1..].to_owned())),
            None => (rest, None),
        };
        if verb.as_deref() == Some("") {
            bail!("path template `{raw}` has an empty verb");
        }

        let mut segments = Vec::new();
        let mut vars = Vec::new();
        for part in split_outside_braces(path) {
            if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                let (name, pattern) = inner.split_once('=').unwrap_or((inner, "*"));
                if name.is_empty() || name.split('.').any(str::is_empty) {
                    bail!("path template `{raw}` has an invalid variable `{inner}`");
                }
                let start = segments.len();
                for p in pattern.split('/') {
                    segments.push(parse_seg(p, raw)?);
                }
                vars.push(Var { field_path: name.split('.').map(str::to_owned).collect(), start, end: segments.len() });
            } else {
                segments.push(parse_seg(part, raw)?);
            }
        }
        if let Some(i) = segments.iter().position(|s| *s == Seg::Multi)
            && i + 1 != segments.len()
        {
            bail!("path template `{raw}`: `**` must be the last segment");
        }
        Ok(Self { raw: raw.to_owned(), segments, vars, verb })
    }

    /// The template as written in the proto file.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The custom verb (`import` in `/api/v1/companies:import`), if any.
    pub fn verb(&self) -> Option<&str> {
        self.verb.as_deref()
    }

    /// The field paths (proto names) bound by the template's variables, in order.
    pub fn variables(&self) -> impl Iterator<Item = &[String]> {
        self.vars.iter().map(|v| v.field_path.as_slice())
    }

    /// The template in OpenAPI form: variables become `{field.path}`, their patterns dropped.
    pub fn openapi_path(&self) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < self.segments.len() {
            out.push('/');
            if let Some(v) = self.vars.iter().find(|v| v.start == i) {
                out.push('{');
                out.push_str(&v.field_path.join("."));
                out.push('}');
                i = v.end.max(i + 1);
                continue;
            }
            match &self.segments[i] {
                Seg::Literal(l) => out.push_str(l),
                Seg::Single => out.push('*'),
                Seg::Multi => out.push_str("**"),
            }
            i += 1;
        }
        if self.segments.is_empty() {
            out.push('/');
        }
        if let Some(verb) = &self.verb {
            out.push(':');
            out.push_str(verb);
        }
        out
    }

    /// Matches a request path (as sent, still percent-encoded, without the query) and returns
    /// the variable bindings, values percent-decoded.
    pub fn matches(&self, path: &str) -> Option<Vec<Binding>> {
        let rest = path.strip_prefix('/')?;
        let rest = match &self.verb {
            Some(verb) => {
                let stem = rest.strip_suffix(verb.as_str())?.strip_suffix(':')?;
                // The verb belongs to the last segment.
                if stem.ends_with('/') {
                    return None;
                }
                stem
            }
            None => rest,
        };
        let parts: Vec<&str> = if rest.is_empty() { Vec::new() } else { rest.split('/').collect() };
        let multi = self.segments.last() == Some(&Seg::Multi);
        let fixed = self.segments.len() - usize::from(multi);
        if parts.len() < fixed || (!multi && parts.len() != fixed) {
            return None;
        }
        for (seg, part) in self.segments.iter().zip(&parts) {
            match seg {
                Seg::Literal(l) => {
                    if decode(part) != *l {
                        return None;
                    }
                }
                Seg::Single => {
                    if part.is_empty() {
                        return None;
                    }
                }
                Seg::Multi => {}
            }
        }
        let bindings = self
            .vars
            .iter()
            .map(|v| {
                let end = if v.end == self.segments.len() && multi { parts.len() } else { v.end };
                let value = parts[v.start..end].iter().map(|p| decode(p)).collect::<Vec<_>>().join("/");
                (v.field_path.clone(), value)
            })
            .collect();
        Some(bindings)
    }

    /// Sort key: more specific templates first (a verb, then more literal segments, then
    /// no `**`), so that `/x/{id}:cancel` is tried before `/x/{id}`.
    fn specificity(&self) -> (bool, usize, bool, usize) {
        let literals = self.segments.iter().filter(|s| matches!(s, Seg::Literal(_))).count();
        let multi = self.segments.contains(&Seg::Multi);
        (self.verb.is_some(), literals, !multi, self.segments.len())
    }
}

impl fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

fn split_outside_braces(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in path.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            '/' if depth == 0 => {
                out.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&path[start..]);
    out
}

fn parse_seg(s: &str, raw: &str) -> anyhow::Result<Seg> {
    Ok(match s {
        "*" => Seg::Single,
        "**" => Seg::Multi,
        "" => bail!("path template `{raw}` has an empty segment"),
        l if l.contains(['{', '}', '*']) => bail!("path template `{raw}`: bad segment `{l}`"),
        l => Seg::Literal(l.to_owned()),
    })
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Where the HTTP body goes in the request message (the rule's `body`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyRule {
    /// No body; every field not bound by the path comes from the query string.
    None,
    /// `body: "*"`: the whole JSON body is the request message.
    Whole,
    /// `body: "field"`: the JSON body is this (top-level) field of the request.
    Field(FieldDescriptor),
}

/// Who may call a method (the `psa.api.v1.access` option).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// Callable without a token.
    pub public: bool,
    /// Permission the caller's token must carry (empty when none is named).
    pub permission: String,
}

/// One REST binding: HTTP method + path template → gRPC method.
#[derive(Debug, Clone)]
pub struct Route {
    /// HTTP method of the binding.
    pub http_method: Method,
    /// Parsed path template.
    pub template: PathTemplate,
    /// The gRPC method it calls.
    pub method: MethodDescriptor,
    /// Where the body goes.
    pub body: BodyRule,
    /// The method's access rule.
    pub access: Access,
}

/// Result of looking a request up in the [`RouteTable`].
#[derive(Debug)]
pub enum Lookup<'a> {
    /// A route matched; the path variables it bound.
    Found(&'a Route, Vec<Binding>),
    /// The path matches routes, but none for this HTTP method; the methods that would.
    MethodNotAllowed(Vec<Method>),
    /// No route has this path.
    NotFound,
}

/// Every REST binding found in a descriptor pool, most specific template first.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// Reads the `psa.api.v1.http` option of every unary method of every service in `pool`.
    /// Streaming methods with a rule are skipped (with a warning).
    ///
    /// # Errors
    /// A rule with an invalid template, a variable or body naming a field the request lacks
    /// (or a repeated/message field), or two rules with the same method and template.
    pub fn from_pool(pool: &DescriptorPool) -> anyhow::Result<Self> {
        let Some(http_ext) = pool.get_extension_by_name(HTTP_OPTION) else {
            tracing::warn!("descriptor pool has no {HTTP_OPTION} extension; no REST routes");
            return Ok(Self::default());
        };
        let access_ext = pool.get_extension_by_name(ACCESS_OPTION);
        let mut routes: Vec<Route> = Vec::new();
        for service in pool.services() {
            for method in service.methods() {
                let options = method.options();
                if !options.has_extension(&http_ext) {
                    continue;
                }
                let name = method.full_name().to_owned();
                if method.is_client_streaming() || method.is_server_streaming() {
                    tracing::warn!(method = %name, "streaming method has an HTTP rule; skipped");
                    continue;
                }
                let rule = options.get_extension(&http_ext);
                let Value::Message(rule) = rule.as_ref() else {
                    continue;
                };
                let route = build_route(
                    &method,
                    rule,
                    access_ext.as_ref().map(|a| match options.get_extension(a).as_ref() {
                        Value::Message(m) => read_access(m),
                        _ => Access::default(),
                    }),
                )
                .with_context(|| format!("HTTP rule of {name}"))?;
                if let Some(other) =
                    routes.iter().find(|r| r.http_method == route.http_method && r.template.raw == route.template.raw)
                {
                    bail!("{name} and {} both bind {} {}", other.method.full_name(), route.http_method, route.template);
                }
                routes.push(route);
            }
        }
        routes.sort_by_key(|r| std::cmp::Reverse(r.template.specificity()));
        Ok(Self { routes })
    }

    /// All routes, most specific first.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Finds the route for `method` and `path` (percent-encoded, no query).
    pub fn lookup(&self, method: &Method, path: &str) -> Lookup<'_> {
        let mut allowed = Vec::new();
        for route in &self.routes {
            if let Some(bindings) = route.template.matches(path) {
                if route.http_method == *method {
                    return Lookup::Found(route, bindings);
                }
                if !allowed.contains(&route.http_method) {
                    allowed.push(route.http_method.clone());
                }
            }
        }
        if allowed.is_empty() { Lookup::NotFound } else { Lookup::MethodNotAllowed(allowed) }
    }

    /// The route that calls the gRPC method `full_name` (`pkg.Service.Method`), if any.
    pub fn by_method(&self, full_name: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.method.full_name() == full_name)
    }
}

fn read_access(m: &DynamicMessage) -> Access {
    let public = m.get_field_by_name("public").and_then(|v| v.as_bool()).unwrap_or(false);
    let permission = m.get_field_by_name("permission").and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    Access { public, permission }
}

fn build_route(method: &MethodDescriptor, rule: &DynamicMessage, access: Option<Access>) -> anyhow::Result<Route> {
    let mut pattern = None;
    for (name, http) in [
        ("get", Method::GET),
        ("put", Method::PUT),
        ("post", Method::POST),
        ("delete", Method::DELETE),
        ("patch", Method::PATCH),
    ] {
        if rule.has_field_by_name(name) {
            let path = rule.get_field_by_name(name).and_then(|v| v.as_str().map(str::to_owned));
            pattern = Some((http, path.unwrap_or_default()));
        }
    }
    let Some((http_method, path)) = pattern else {
        bail!("no HTTP method (get/put/post/delete/patch) is set");
    };
    let template = PathTemplate::parse(&path)?;
    let input = method.input();
    for var in template.variables() {
        let mut desc = input.clone();
        for (i, seg) in var.iter().enumerate() {
            let field = desc.get_field_by_name(seg).with_context(|| {
                format!("path variable `{}`: no field `{seg}` in {}", var.join("."), desc.full_name())
            })?;
            if field.is_list() || field.is_map() {
                bail!("path variable `{}` names a repeated field", var.join("."));
            }
            match field.kind() {
                Kind::Message(m) if i + 1 < var.len() => desc = m,
                Kind::Message(_) => bail!("path variable `{}` names a message", var.join(".")),
                _ if i + 1 < var.len() => {
                    bail!("path variable `{}`: `{seg}` is not a message", var.join("."))
                }
                _ => {}
            }
        }
    }
    let body = rule.get_field_by_name("body").and_then(|v| v.as_str().map(str::to_owned));
    let body = match body.as_deref() {
        None | Some("") => BodyRule::None,
        Some("*") => BodyRule::Whole,
        Some(field) => BodyRule::Field(
            input
                .get_field_by_name(field)
                .with_context(|| format!("body `{field}`: no such field in {}", input.full_name()))?,
        ),
    };
    Ok(Route { http_method, template, method: method.clone(), body, access: access.unwrap_or_default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> PathTemplate {
        PathTemplate::parse(s).unwrap()
    }

    fn bind(path: &[&str], value: &str) -> Binding {
        (path.iter().map(|s| s.to_string()).collect(), value.to_owned())
    }

    #[test]
    fn simple_variable() {
        let tpl = t("/api/v1/tickets/{id}");
        assert_eq!(tpl.matches("/api/v1/tickets/abc"), Some(vec![bind(&["id"], "abc")]));
        assert_eq!(tpl.matches("/api/v1/tickets/a%20b"), Some(vec![bind(&["id"], "a b")]));
        assert_eq!(tpl.matches("/api/v1/tickets/"), None);
        assert_eq!(tpl.matches("/api/v1/tickets"), None);
        assert_eq!(tpl.matches("/api/v1/tickets/abc/notes"), None);
        assert_eq!(tpl.matches("/api/v1/companies/abc"), None);
    }

    #[test]
    fn nested_field_variable() {
        let tpl = t("/api/v1/companies/{company.id}");
        assert_eq!(tpl.variables().next().unwrap(), ["company", "id"]);
        assert_eq!(tpl.matches("/api/v1/companies/0193"), Some(vec![bind(&["company", "id"], "0193")]));
        assert_eq!(tpl.openapi_path(), "/api/v1/companies/{company.id}");
    }

    #[test]
    fn custom_verb() {
        let tpl = t("/api/v1/companies:import");
        assert_eq!(tpl.verb(), Some("import"));
        assert_eq!(tpl.matches("/api/v1/companies:import"), Some(vec![]));
        assert_eq!(tpl.matches("/api/v1/companies"), None);
        assert_eq!(tpl.matches("/api/v1/companies:export"), None);
        assert_eq!(tpl.matches("/api/v1/companies/x:import"), None);
        assert_eq!(tpl.openapi_path(), "/api/v1/companies:import");

        let tpl = t("/api/v1/tickets/{id}:close");
        assert_eq!(tpl.matches("/api/v1/tickets/42:close"), Some(vec![bind(&["id"], "42")]));
        assert_eq!(tpl.matches("/api/v1/tickets/:close"), None);
    }

    #[test]
    fn patterns_and_multi_segment() {
        let tpl = t("/v1/{name=projects/*/docs/**}");
        assert_eq!(tpl.matches("/v1/projects/p1/docs/a/b"), Some(vec![bind(&["name"], "projects/p1/docs/a/b")]));
        assert_eq!(tpl.matches("/v1/projects/p1/other/a"), None);
        assert_eq!(tpl.openapi_path(), "/v1/{name}");
        assert!(PathTemplate::parse("/v1/**/x").is_err());
        assert!(PathTemplate::parse("v1/x").is_err());
        assert!(PathTemplate::parse("/v1/{a{b}}").is_err());
        assert!(PathTemplate::parse("/v1/{}").is_err());
    }

    #[test]
    fn table_from_descriptors_prefers_specific_templates() {
        let table = RouteTable::from_pool(&psa_proto::DESCRIPTOR_POOL).unwrap();
        let Lookup::Found(route, bindings) = table.lookup(&Method::PATCH, "/api/v1/companies/c1") else {
            panic!("no PATCH route for a company");
        };
        assert_eq!(route.method.full_name(), "psa.contracts.v1.CompanyService.UpdateCompany");
        assert_eq!(bindings, vec![bind(&["company", "id"], "c1")]);
        assert!(matches!(&route.body, BodyRule::Field(f) if f.name() == "company"));
        assert_eq!(route.access.permission, "companies.write");

        let Lookup::Found(route, _) = table.lookup(&Method::POST, "/api/v1/companies:import") else {
            panic!("no import route");
        };
        assert_eq!(route.method.name(), "ImportCompanies");
        assert_eq!(route.body, BodyRule::Whole);

        let Lookup::Found(route, _) = table.lookup(&Method::GET, "/api/v1/tickets") else {
            panic!("no list route");
        };
        assert_eq!(route.method.name(), "ListTickets");
        assert_eq!(route.body, BodyRule::None);

        match table.lookup(&Method::PUT, "/api/v1/tickets/1") {
            Lookup::MethodNotAllowed(m) => {
                assert!(m.contains(&Method::GET) && m.contains(&Method::PATCH))
            }
            other => panic!("expected 405, got {other:?}"),
        }
        assert!(matches!(table.lookup(&Method::GET, "/api/v1/nope"), Lookup::NotFound));
        assert!(table.by_method("psa.identity.v1.AuthService.Login").is_some_and(|r| r.access.public));
    }
}
