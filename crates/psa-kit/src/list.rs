//! List requests (AIP-132/158/160): `page_size`, opaque keyset `page_token`, `filter` and
//! `order_by`, turned into SQL with bound parameters by `sqlx::QueryBuilder`.
//!
//! A service declares a [`ListSpec`] (which fields may be filtered and ordered, and their SQL
//! columns); [`ListSpec::plan`] validates a request into a [`ListPlan`], which appends the
//! `WHERE` terms and the `ORDER BY … LIMIT` to a query and builds the next page token from the
//! last row. Tokens carry the last row's sort key and id (keyset pagination: stable under
//! inserts) plus the filter and order they were made for; reusing one with another filter or
//! order is INVALID_ARGUMENT.
//!
//! Entities with admin-defined custom fields (a `jsonb` object column) are listed with
//! [`ListSpec::plan_with_custom_fields`]: the filter may then also name
//! `custom_fields.<key>` (see there).

use base64::Engine as _;
use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_core::filter::{self, Op};
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

/// Default `page_size`.
pub const DEFAULT_PAGE_SIZE: i32 = 50;
/// Largest `page_size` accepted.
pub const MAX_PAGE_SIZE: i32 = 200;

/// How a filterable field is compared.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    /// Text: `=`/`!=` exact, `:` contains (case-insensitive).
    Text,
    /// UUID: `=`/`!=`.
    Uuid,
    /// An enum stored as lower-case text: API values `PREFIX_VALUE` (or `VALUE`) map to
    /// `value`; `values` are the allowed stored values.
    Enum { prefix: &'static str, values: &'static [&'static str] },
}

/// A field that may appear in `filter`.
#[derive(Debug, Clone, Copy)]
pub struct FilterField {
    /// snake_case name in the API.
    pub name: &'static str,
    /// SQL expression (trusted, from code).
    pub column: &'static str,
    pub kind: FieldKind,
}

/// How an order key is typed in the page token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKind {
    Text,
    Time,
    Int,
}

/// A field that may appear in `order_by`.
#[derive(Debug, Clone, Copy)]
pub struct OrderField {
    /// snake_case name in the API.
    pub name: &'static str,
    /// SQL expression; must be non-null.
    pub column: &'static str,
    pub kind: SortKind,
}

/// What a list endpoint allows.
#[derive(Debug, Clone, Copy)]
pub struct ListSpec {
    pub filters: &'static [FilterField],
    pub orders: &'static [OrderField],
    /// `order_by` used when the request has none, e.g. `create_time desc`.
    pub default_order: &'static str,
    /// SQL expression of the row id (tie-breaker).
    pub id_column: &'static str,
}

/// The paging fields of a list request.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub page_size: i32,
    pub page_token: String,
    pub filter: String,
    pub order_by: String,
}

/// A bound filter value.
#[derive(Debug, Clone)]
enum Bound {
    Text(String),
    Uuid(Uuid),
}

/// A `custom_fields.<key>` filter term.
#[derive(Debug, Clone)]
struct CustomTerm {
    key: String,
    op: Op,
    value: String,
}

#[derive(Debug, Clone)]
struct Term {
    column: &'static str,
    kind: FieldKind,
    op: Op,
    value: Bound,
}

/// Sort key value of a row, as stored in tokens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum SortValue {
    Int(i64),
    Text(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct Token {
    f: String,
    o: String,
    v: SortValue,
    id: Uuid,
}

/// A validated list request.
#[derive(Debug, Clone)]
pub struct ListPlan {
    terms: Vec<Term>,
    custom: Vec<CustomTerm>,
    /// SQL expression of the `jsonb` custom-fields object (when custom terms are allowed).
    custom_column: &'static str,
    order: OrderField,
    desc: bool,
    id_column: &'static str,
    /// Rows per page.
    pub page_size: i64,
    after: Option<(SortValue, Uuid)>,
    filter: String,
    order_by: String,
}

impl ListSpec {
    /// Validates `params`.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming `page_size`, `page_token`, `filter` or `order_by`.
    pub fn plan(&self, params: &ListParams) -> Result<ListPlan, DomainError> {
        self.plan_inner(params, None)
    }

    /// Like [`Self::plan`], and the filter may also name the entity's custom fields, stored as
    /// a `jsonb` object in the SQL expression `column` (e.g. `custom_fields`):
    /// `custom_fields.<key> = "v"` / `!=` compare the value as text (numbers as stored, e.g.
    /// `40` or `40.5`; booleans `true`/`false`; a missing key is `!=` every value),
    /// `custom_fields.<key>:"v"` matches a multi-select value or a text value containing `v`
    /// (case-insensitive). Keys are not checked against the definitions: an unknown key
    /// matches nothing.
    ///
    /// # Errors
    /// As [`Self::plan`]; `filter` for `custom_fields.` without a key.
    pub fn plan_with_custom_fields(&self, params: &ListParams, column: &'static str) -> Result<ListPlan, DomainError> {
        self.plan_inner(params, Some(column))
    }

    fn plan_inner(&self, params: &ListParams, custom_column: Option<&'static str>) -> Result<ListPlan, DomainError> {
        let page_size = match params.page_size {
            0 => DEFAULT_PAGE_SIZE,
            n if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            n => {
                return Err(DomainError::invalid(
                    "page_size",
                    format!("must be between 1 and {MAX_PAGE_SIZE} (got {n})"),
                ));
            }
        };
        let mut terms = Vec::new();
        let mut custom = Vec::new();
        for c in filter::parse(&params.filter)? {
            if custom_column.is_some()
                && let Some(key) = c.field.strip_prefix("custom_fields.")
            {
                if key.is_empty() {
                    return Err(DomainError::invalid("filter", "name a custom field: `custom_fields.<key>`"));
                }
                custom.push(CustomTerm { key: key.to_owned(), op: c.op, value: c.value });
                continue;
            }
            let Some(f) = self.filters.iter().find(|f| f.name == c.field) else {
                let mut allowed: Vec<_> = self.filters.iter().map(|f| f.name).collect();
                if custom_column.is_some() {
                    allowed.push("custom_fields.<key>");
                }
                return Err(DomainError::invalid(
                    "filter",
                    format!("cannot filter on `{}`; allowed: {}", c.field, allowed.join(", ")),
                ));
            };
            let value = match f.kind {
                FieldKind::Text => Bound::Text(c.value),
                FieldKind::Uuid => {
                    if c.op == Op::Has {
                        return Err(DomainError::invalid("filter", format!("`{}` supports `=` and `!=` only", f.name)));
                    }
                    Bound::Uuid(
                        c.value
                            .parse()
                            .map_err(|_| DomainError::invalid("filter", format!("`{}` must be a UUID", f.name)))?,
                    )
                }
                FieldKind::Enum { prefix, values } => {
                    let v = c.value.strip_prefix(prefix).unwrap_or(&c.value).to_ascii_lowercase();
                    if !values.contains(&v.as_str()) {
                        return Err(DomainError::invalid("filter", format!("`{}` has no value `{}`", f.name, c.value)));
                    }
                    Bound::Text(v)
                }
            };
            terms.push(Term { column: f.column, kind: f.kind, op: c.op, value });
        }
        let order_by = if params.order_by.trim().is_empty() { self.default_order } else { params.order_by.trim() };
        let mut parts = order_by.split_whitespace();
        let name = filter::to_snake(parts.next().unwrap_or_default());
        let desc = match parts.next() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(x) => return Err(DomainError::invalid("order_by", format!("expected `asc` or `desc`, got `{x}`"))),
        };
        if parts.next().is_some() || order_by.contains(',') {
            return Err(DomainError::invalid("order_by", "only one order field is supported"));
        }
        let Some(order) = self.orders.iter().find(|o| o.name == name).copied() else {
            let allowed: Vec<_> = self.orders.iter().map(|o| o.name).collect();
            return Err(DomainError::invalid(
                "order_by",
                format!("cannot order by `{name}`; allowed: {}", allowed.join(", ")),
            ));
        };
        let mut plan = ListPlan {
            terms,
            custom,
            custom_column: custom_column.unwrap_or("custom_fields"),
            order,
            desc,
            id_column: self.id_column,
            page_size: i64::from(page_size),
            after: None,
            filter: params.filter.clone(),
            order_by: params.order_by.clone(),
        };
        if !params.page_token.is_empty() {
            let bad = || DomainError::invalid("page_token", "invalid page token");
            let bytes =
                base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&params.page_token).map_err(|_| bad())?;
            let t: Token = serde_json::from_slice(&bytes).map_err(|_| bad())?;
            if t.f != plan.filter || t.o != plan.order_by {
                return Err(DomainError::invalid("page_token", "page token was made for another filter or order_by"));
            }
            let ok = matches!(
                (&t.v, order.kind),
                (SortValue::Int(_), SortKind::Int) | (SortValue::Text(_), SortKind::Text | SortKind::Time)
            );
            if !ok {
                return Err(bad());
            }
            if order.kind == SortKind::Time
                && let SortValue::Text(s) = &t.v
            {
                DateTime::parse_from_rfc3339(s).map_err(|_| bad())?;
            }
            plan.after = Some((t.v, t.id));
        }
        Ok(plan)
    }
}

impl ListPlan {
    /// Appends ` AND <term>` for every filter term and the keyset condition. The query must
    /// already contain a `WHERE` clause (e.g. `where t.tenant_id = $1`).
    pub fn push_where(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        for t in &self.terms {
            qb.push(" and ");
            match (&t.value, t.op, t.kind) {
                (Bound::Text(v), Op::Has, FieldKind::Text) => {
                    qb.push(t.column).push(" ilike ").push_bind(format!("%{}%", escape_like(v))).push(" escape '\\'");
                }
                (Bound::Text(v), op, _) => {
                    qb.push(t.column).push(if op == Op::Ne { " <> " } else { " = " }).push_bind(v.clone());
                }
                (Bound::Uuid(v), op, _) => {
                    qb.push(t.column).push(if op == Op::Ne { " is distinct from " } else { " = " }).push_bind(*v);
                }
            }
        }
        let col = self.custom_column;
        for c in &self.custom {
            match c.op {
                Op::Eq => {
                    qb.push(" and (").push(col).push(" ->> ").push_bind(c.key.clone()).push(") = ");
                    qb.push_bind(c.value.clone());
                }
                Op::Ne => {
                    qb.push(" and (").push(col).push(" ->> ").push_bind(c.key.clone()).push(") is distinct from ");
                    qb.push_bind(c.value.clone());
                }
                Op::Has => {
                    qb.push(" and (coalesce(jsonb_typeof(").push(col).push(" -> ").push_bind(c.key.clone());
                    qb.push(") = 'array' and (").push(col).push(" -> ").push_bind(c.key.clone()).push(") ? ");
                    qb.push_bind(c.value.clone()).push(", false) or strpos(lower(").push(col).push(" ->> ");
                    qb.push_bind(c.key.clone()).push("), lower(").push_bind(c.value.clone()).push(")) > 0)");
                }
            }
        }
        if let Some((v, id)) = &self.after {
            let cmp = if self.desc { " < " } else { " > " };
            qb.push(" and (").push(self.order.column).push(", ").push(self.id_column).push(")").push(cmp).push("(");
            match (v, self.order.kind) {
                (SortValue::Int(i), _) => {
                    qb.push_bind(*i);
                }
                (SortValue::Text(s), SortKind::Time) => {
                    let t = DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_default();
                    qb.push_bind(t);
                }
                (SortValue::Text(s), _) => {
                    qb.push_bind(s.clone());
                }
            }
            qb.push(", ").push_bind(*id).push(")");
        }
    }

    /// Appends `ORDER BY <key>, <id> LIMIT page_size + 1` (the extra row tells whether a next
    /// page exists).
    ///
    /// The limit is a literal, not a parameter (it is a validated integer): PostgreSQL's
    /// generic plan for a prepared list then knows it and costs the same as a custom one, so
    /// the statement is planned once per connection. With `LIMIT $n` the generic plan assumes
    /// a tenth of the table, loses to the custom plan, and every page was planned anew (about
    /// 0.4 ms for the tickets list, more than running it).
    pub fn push_order_limit(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        let dir = if self.desc { " desc" } else { " asc" };
        qb.push(" order by ").push(self.order.column).push(dir).push(", ").push(self.id_column).push(dir);
        qb.push(format_args!(" limit {}", self.page_size + 1));
    }

    /// The order field's API name (so callers know which key to return in `finish`).
    pub fn order_name(&self) -> &'static str {
        self.order.name
    }

    /// Trims the extra row and returns the next page token (empty on the last page).
    /// `key` gives a row's sort value for the plan's order field (see [`Self::order_name`])
    /// — exactly the value of the SQL order column — and its id.
    pub fn finish<T>(&self, rows: &mut Vec<T>, key: impl Fn(&T, &str) -> (SortValue, Uuid)) -> String {
        if rows.len() as i64 <= self.page_size {
            return String::new();
        }
        rows.truncate(self.page_size as usize);
        let Some(last) = rows.last() else { return String::new() };
        let (v, id) = key(last, self.order.name);
        let token = Token { f: self.filter.clone(), o: self.order_by.clone(), v, id };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
    }
}

/// A timestamp as a sort value (RFC 3339 with microseconds, as PostgreSQL stores them).
pub fn time_key(t: DateTime<Utc>) -> SortValue {
    SortValue::Text(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: ListSpec = ListSpec {
        filters: &[
            FilterField { name: "name", column: "c.name", kind: FieldKind::Text },
            FilterField { name: "company_id", column: "c.company_id", kind: FieldKind::Uuid },
            FilterField {
                name: "status",
                column: "c.status",
                kind: FieldKind::Enum { prefix: "COMPANY_STATUS_", values: &["active", "inactive"] },
            },
        ],
        orders: &[
            OrderField { name: "name", column: "lower(c.name)", kind: SortKind::Text },
            OrderField { name: "create_time", column: "c.created_at", kind: SortKind::Time },
        ],
        default_order: "name",
        id_column: "c.id",
    };

    fn params(filter: &str, order_by: &str) -> ListParams {
        ListParams { filter: filter.into(), order_by: order_by.into(), ..Default::default() }
    }

    #[test]
    fn builds_sql_with_binds() {
        let plan = SPEC.plan(&params(r#"name:"ac_me" AND status=COMPANY_STATUS_ACTIVE"#, "create_time desc")).unwrap();
        let mut qb = QueryBuilder::<Postgres>::new("select * from c where c.tenant_id = $1");
        plan.push_where(&mut qb);
        plan.push_order_limit(&mut qb);
        let sql = qb.sql();
        assert!(sql.contains("c.name ilike $1 escape"), "{sql}");
        assert!(sql.contains("c.status = $2"), "{sql}");
        // The limit (default page size 50, plus the look-ahead row) is a literal: see push_order_limit.
        assert!(sql.ends_with("order by c.created_at desc, c.id desc limit 51"), "{sql}");
    }

    #[test]
    fn custom_field_terms_only_where_allowed() {
        let f = r#"custom_fields.tier = "gold" AND name:"a" AND custom_fields.os:"linux" AND custom_fields.x != "1""#;
        assert!(SPEC.plan(&params(f, "")).is_err(), "plain plans refuse custom fields");
        let plan = SPEC.plan_with_custom_fields(&params(f, ""), "c.custom_fields").unwrap();
        let mut qb = QueryBuilder::<Postgres>::new("select * from c where c.tenant_id = $1");
        plan.push_where(&mut qb);
        let sql = qb.sql();
        assert!(sql.contains("c.name ilike $1"), "{sql}");
        assert!(sql.contains("(c.custom_fields ->> $2) = $3"), "{sql}");
        assert!(sql.contains("jsonb_typeof(c.custom_fields -> $4) = 'array'"), "{sql}");
        assert!(sql.contains("(c.custom_fields ->> $9) is distinct from $10"), "{sql}");
        let e = SPEC.plan_with_custom_fields(&params("custom_fields. = x", ""), "c.custom_fields");
        assert!(e.is_err());
        match SPEC.plan_with_custom_fields(&params("secret = x", ""), "c.custom_fields") {
            Err(DomainError::Invalid(v)) => assert!(v[0].description.contains("custom_fields.<key>"), "{v:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_unknown_fields_values_and_sizes() {
        let field = |p: &ListParams| match SPEC.plan(p) {
            Err(DomainError::Invalid(v)) => v[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(&params("secret = x", "")), "filter");
        assert_eq!(field(&params("status = COMPANY_STATUS_NOPE", "")), "filter");
        assert_eq!(field(&params("company_id = nope", "")), "filter");
        assert_eq!(field(&params("", "password")), "order_by");
        assert_eq!(field(&ListParams { page_size: 500, ..Default::default() }), "page_size");
        assert_eq!(field(&ListParams { page_token: "!!".into(), ..Default::default() }), "page_token");
    }

    #[test]
    fn token_round_trip_and_binding() {
        let p = params("status = active", "name");
        let plan = SPEC.plan(&p).unwrap();
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let mut rows: Vec<(String, Uuid)> = ids.iter().map(|id| ("acme".to_string(), *id)).collect();
        let plan1 = ListPlan { page_size: 2, ..plan };
        let token = plan1.finish(&mut rows, |r, _| (SortValue::Text(r.0.clone()), r.1));
        assert_eq!(rows.len(), 2);
        assert!(!token.is_empty());
        let next = SPEC.plan(&ListParams { page_token: token.clone(), ..p.clone() }).unwrap();
        assert_eq!(next.after, Some((SortValue::Text("acme".into()), ids[1])));
        // same token with another filter is refused
        assert!(SPEC.plan(&ListParams { page_token: token, ..params("", "name") }).is_err());
        // last page: no token
        let mut few = vec![("a".to_string(), ids[0])];
        assert_eq!(plan1.finish(&mut few, |r, _| (SortValue::Text(r.0.clone()), r.1)), "");
    }
}
