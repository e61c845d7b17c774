//! Bulk CSV imports (issue #3 "Bulk import and export", seed 002 "CSV Templates and
//! Examples"): the import types, their column layouts and templates, and the row rules.
//!
//! Columns are matched by name, ignoring case and punctuation, in any order; unknown columns
//! are reported as ignored. Each row is validated on its own here (required fields, enums,
//! dates `YYYY-MM-DD`, money as plain decimals, booleans `true/false/yes/no/1/0`); references
//! (client, contract, service, scope, SAF) stay names here and are resolved by the app layer,
//! which also validates scope details against the service's current template version.
//!
//! Layouts (seed 002 columns first; the others are this project's additions, all optional):
//! - clients: see [`super::import`];
//! - contracts: `clientName*, contractName*, startDate*, endDate, totalValue, status,
//!   autoRenewal, renewalTerms, notes` + `contractNumber, contractType` (default
//!   `managed_services`), `currency` (default USD), `billingCycle`, `billingAmount`;
//! - services: `name*, category, description, deliveryModel*, basePrice, pricingUnit, isActive`
//!   + `currency` (default USD); `basePrice` defaults to 0, `pricingUnit` to monthly;
//! - service scopes: `clientName*, contractName*, serviceName*, description, startDate,
//!   endDate, status, deliverables, timeline, notes` + `quantity` (default 1), `unit`,
//!   `unitPrice` (defaults: the service's pricing unit and base price) and one
//!   `scope.<parameter>` column per template parameter (multi-enum values separated by `|`);
//!   seed 002's description/dates/deliverables/timeline/notes have no place on a scope yet
//!   and are reported as ignored columns;
//! - SAFs: `clientName*, contractName*, serviceScopeName, safNumber*, title*, description,
//!   startDate, endDate, status, value, notes` + `currency` (default: the contract's),
//!   `documentUrl`; status `approved` (seed 002) means `signed`;
//! - COCs: `clientName*, contractName*, serviceScopeName, safNumber, cocNumber*, title*,
//!   description, complianceType*, issueDate, expiryDate, status, auditDate, nextAuditDate,
//!   notes` + `documentUrl`; a COC needs a SAF or a scope (`serviceScopeName` names the
//!   scope's service).
//!
//! `contractName` matches a contract of the client by name, or by number.

use chrono::NaiveDate;
use psa_core::validate::Validator;
use psa_core::{DomainError, FieldViolation};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::coc::{CocFields, CocStatus, CocType};
use super::contract::{BillingCycle, ContractFields, ContractStatus, ContractType};
use super::import::RowError;
use super::money::{parse_amount, parse_currency};
use super::saf::{SafFields, SafStatus};
use super::scope::ScopeStatus;
use super::service::{DeliveryModel, PricingUnit, ServiceFields};

/// What an import creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportType {
    Clients,
    Contracts,
    Services,
    ServiceScopes,
    Safs,
    Cocs,
}

impl ImportType {
    /// Every type.
    pub const ALL: [ImportType; 6] = [
        ImportType::Clients,
        ImportType::Contracts,
        ImportType::Services,
        ImportType::ServiceScopes,
        ImportType::Safs,
        ImportType::Cocs,
    ];

    /// Stored name (`import_jobs.import_type`).
    pub fn as_str(self) -> &'static str {
        match self {
            ImportType::Clients => "clients",
            ImportType::Contracts => "contracts",
            ImportType::Services => "services",
            ImportType::ServiceScopes => "service_scopes",
            ImportType::Safs => "safs",
            ImportType::Cocs => "cocs",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The header row and an example row (seed 002's examples), as a CSV file.
    pub fn template(self) -> &'static str {
        match self {
            ImportType::Clients => {
                "name,industry,companySize,status,source,address,website,notes,contactName,contactEmail,contactPhone,contactTitle\n\
                 \"Acme Corporation\",\"Technology\",\"Large\",\"active\",\"referral\",\"123 Main St, New York, NY 10001\",\"https://acme.com\",\"Primary technology client\",\"John Smith\",\"john.smith@acme.com\",\"+1-555-0123\",\"CTO\"\n"
            }
            ImportType::Contracts => {
                "clientName,contractName,contractNumber,contractType,startDate,endDate,totalValue,currency,status,autoRenewal,renewalTerms,billingCycle,billingAmount,notes\n\
                 \"Acme Corporation\",\"SOC Monitoring Agreement\",\"C-2024-001\",\"managed_services\",\"2024-01-01\",\"2024-12-31\",\"120000.00\",\"USD\",\"active\",\"true\",\"12 months\",\"monthly\",\"10000.00\",\"Annual SOC monitoring contract\"\n"
            }
            ImportType::Services => {
                "name,category,description,deliveryModel,basePrice,currency,pricingUnit,isActive\n\
                 \"24/7 SOC Monitoring\",\"Security Operations\",\"Continuous security monitoring and threat detection\",\"Managed Service\",\"5000.00\",\"USD\",\"monthly\",\"true\"\n"
            }
            ImportType::ServiceScopes => {
                "clientName,contractName,serviceName,quantity,unit,unitPrice,status,scope.endpoints\n\
                 \"Acme Corporation\",\"SOC Monitoring Agreement\",\"24/7 SOC Monitoring\",\"1\",\"monthly\",\"5000.00\",\"active\",\"250\"\n"
            }
            ImportType::Safs => {
                "clientName,contractName,serviceScopeName,safNumber,title,description,startDate,endDate,status,value,currency,documentUrl\n\
                 \"Acme Corporation\",\"SOC Monitoring Agreement\",\"24/7 SOC Monitoring\",\"SAF-2024-001\",\"SOC Monitoring Authorization\",\"Authorization for 24/7 security monitoring services\",\"2024-01-01\",\"2024-12-31\",\"approved\",\"60000.00\",\"USD\",\"\"\n"
            }
            ImportType::Cocs => {
                "clientName,contractName,serviceScopeName,safNumber,cocNumber,title,description,complianceType,issueDate,expiryDate,status,auditDate,nextAuditDate,documentUrl\n\
                 \"Acme Corporation\",\"SOC Monitoring Agreement\",\"24/7 SOC Monitoring\",\"SAF-2024-001\",\"COC-2024-001\",\"SOC 2 Type II Compliance\",\"SOC 2 Type II compliance certificate\",\"SOC2\",\"2024-06-01\",\"2025-06-01\",\"active\",\"2024-05-15\",\"2025-05-15\",\"\"\n"
            }
        }
    }
}

/// A column of a layout: its canonical (seed 002) name and other accepted names.
#[derive(Debug)]
struct Column {
    name: &'static str,
    aliases: &'static [&'static str],
    required: bool,
}

const fn col(name: &'static str, aliases: &'static [&'static str], required: bool) -> Column {
    Column { name, aliases, required }
}

const CONTRACT_COLUMNS: &[Column] = &[
    col("clientName", &["client", "companyName", "company"], true),
    col("contractName", &["name"], true),
    col("contractNumber", &["number"], false),
    col("contractType", &["type"], false),
    col("startDate", &[], true),
    col("endDate", &[], false),
    col("totalValue", &["value"], false),
    col("currency", &[], false),
    col("status", &[], false),
    col("autoRenewal", &["autoRenew"], false),
    col("renewalTerms", &[], false),
    col("billingCycle", &[], false),
    col("billingAmount", &[], false),
    col("notes", &["description"], false),
];

const SERVICE_COLUMNS: &[Column] = &[
    col("name", &["serviceName"], true),
    col("category", &[], false),
    col("description", &[], false),
    col("deliveryModel", &[], true),
    col("basePrice", &["price"], false),
    col("currency", &[], false),
    col("pricingUnit", &["unit"], false),
    col("isActive", &["active"], false),
];

const SCOPE_COLUMNS: &[Column] = &[
    col("clientName", &["client", "companyName", "company"], true),
    col("contractName", &["contract", "contractNumber"], true),
    col("serviceName", &["service"], true),
    col("quantity", &[], false),
    col("unit", &[], false),
    col("unitPrice", &["price"], false),
    col("status", &[], false),
];

const SAF_COLUMNS: &[Column] = &[
    col("clientName", &["client", "companyName", "company"], true),
    col("contractName", &["contract", "contractNumber"], true),
    col("serviceScopeName", &["serviceName", "scope"], false),
    col("safNumber", &["number"], true),
    col("title", &[], true),
    col("description", &[], false),
    col("startDate", &[], false),
    col("endDate", &[], false),
    col("status", &[], false),
    col("value", &[], false),
    col("currency", &[], false),
    col("documentUrl", &[], false),
];

const COC_COLUMNS: &[Column] = &[
    col("clientName", &["client", "companyName", "company"], true),
    col("contractName", &["contract", "contractNumber"], true),
    col("serviceScopeName", &["serviceName", "scope"], false),
    col("safNumber", &[], false),
    col("cocNumber", &["number"], true),
    col("title", &[], true),
    col("description", &[], false),
    col("complianceType", &["cocType", "type"], true),
    col("issueDate", &[], false),
    col("expiryDate", &[], false),
    col("status", &[], false),
    col("auditDate", &[], false),
    col("nextAuditDate", &[], false),
    col("documentUrl", &[], false),
];

fn key(header: &str) -> String {
    header.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase()
}

fn file_error(message: String) -> DomainError {
    DomainError::Invalid(vec![FieldViolation::new("csv", message)])
}

/// A header row mapped onto a layout.
#[derive(Debug, Clone)]
pub struct Layout {
    columns: &'static [Column],
    /// Per layout column: its index in the file, if present.
    index: Vec<Option<usize>>,
    headers: Vec<String>,
    /// `scope.<parameter>` columns: (parameter, index).
    pub scope_columns: Vec<(String, usize)>,
    /// Header columns that map to nothing.
    pub ignored_columns: Vec<String>,
}

fn layout(columns: &'static [Column], headers: &csv::StringRecord, scope_params: bool) -> Result<Layout, DomainError> {
    let mut index = vec![None; columns.len()];
    let mut out = Layout {
        columns,
        index: Vec::new(),
        headers: headers.iter().map(str::to_owned).collect(),
        scope_columns: Vec::new(),
        ignored_columns: Vec::new(),
    };
    for (i, h) in headers.iter().enumerate() {
        if scope_params && let Some(param) = h.trim().strip_prefix("scope.") {
            out.scope_columns.push((param.trim().to_owned(), i));
            continue;
        }
        let k = key(h);
        if k.is_empty() {
            continue;
        }
        // exact names first, then aliases
        let found = columns
            .iter()
            .position(|c| key(c.name) == k)
            .or_else(|| columns.iter().position(|c| c.aliases.iter().any(|a| key(a) == k)));
        match found {
            Some(c) if index[c].is_none() => index[c] = Some(i),
            Some(c) => {
                return Err(file_error(format!("column `{h}` gives `{}` again", columns[c].name)));
            }
            None => out.ignored_columns.push(h.to_owned()),
        }
    }
    let missing: Vec<&str> =
        columns.iter().zip(&index).filter(|(c, i)| c.required && i.is_none()).map(|(c, _)| c.name).collect();
    if !missing.is_empty() {
        return Err(file_error(format!("missing required column(s) {}", missing.join(", "))));
    }
    out.index = index;
    Ok(out)
}

impl Layout {
    fn pos(&self, name: &str) -> usize {
        self.columns.iter().position(|c| c.name == name).expect("a column of the layout")
    }

    /// The trimmed value of column `name` (empty when absent).
    fn get<'r>(&self, r: &'r csv::StringRecord, name: &str) -> &'r str {
        self.index[self.pos(name)].and_then(|i| r.get(i)).map(str::trim).unwrap_or("")
    }

    /// Column `name` as written in the file's header (the canonical name when absent).
    pub fn header(&self, name: &str) -> String {
        match self.index[self.pos(name)] {
            Some(i) => self.headers[i].clone(),
            None => name.to_owned(),
        }
    }

    fn field_count(&self, r: &csv::StringRecord, line: u32) -> Result<(), Vec<RowError>> {
        if r.len() == self.headers.len() {
            Ok(())
        } else {
            Err(vec![RowError {
                line,
                field: String::new(),
                message: format!("expected {} fields, found {}", self.headers.len(), r.len()),
            }])
        }
    }
}

/// Collects the problems of one row by column.
struct RowCheck<'a> {
    layout: &'a Layout,
    line: u32,
    errors: Vec<RowError>,
}

impl<'a> RowCheck<'a> {
    fn new(layout: &'a Layout, line: u32) -> Self {
        Self { layout, line, errors: Vec::new() }
    }

    fn push(&mut self, column: &str, message: impl Into<String>) {
        self.errors.push(RowError { line: self.line, field: self.layout.header(column), message: message.into() });
    }

    fn required<'r>(&mut self, r: &'r csv::StringRecord, column: &str) -> &'r str {
        let v = self.layout.get(r, column);
        if v.is_empty() {
            self.push(column, "is required");
        }
        v
    }

    fn date(&mut self, r: &csv::StringRecord, column: &str) -> Option<NaiveDate> {
        let v = self.layout.get(r, column);
        if v.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.push(column, "must be a date YYYY-MM-DD");
                None
            }
        }
    }

    fn money(&mut self, r: &csv::StringRecord, column: &str, empty: Decimal) -> Decimal {
        let mut v = Validator::new();
        let d = parse_amount(&mut v, column, self.layout.get(r, column), empty);
        self.absorb(v, column);
        d
    }

    fn currency(&mut self, r: &csv::StringRecord, column: &str) -> Option<String> {
        let s = self.layout.get(r, column);
        if s.is_empty() {
            return None;
        }
        let mut v = Validator::new();
        let c = parse_currency(&mut v, column, s);
        self.absorb(v, column);
        Some(c)
    }

    fn boolean(&mut self, r: &csv::StringRecord, column: &str, empty: bool) -> bool {
        match self.layout.get(r, column).to_ascii_lowercase().as_str() {
            "" => empty,
            "true" | "yes" | "y" | "1" => true,
            "false" | "no" | "n" | "0" => false,
            _ => {
                self.push(column, "must be true or false");
                empty
            }
        }
    }

    /// An enum value: matched ignoring case, spaces, hyphens and underscores.
    fn choice<T: Copy>(&mut self, r: &csv::StringRecord, column: &str, names: &[&str], all: &[T], empty: T) -> T {
        let v = self.layout.get(r, column);
        if v.is_empty() {
            return empty;
        }
        match names.iter().position(|n| key(n) == key(v)) {
            Some(i) => all[i],
            None => {
                self.push(column, format!("must be one of {}", names.join(", ")));
                empty
            }
        }
    }

    fn absorb(&mut self, v: Validator, column: &str) {
        if let Err(DomainError::Invalid(list)) = v.finish() {
            for f in list {
                self.push(column, f.description);
            }
        }
    }

    /// Maps the violations of a `normalize` (fields `prefix.snake_name`) onto columns.
    fn absorb_domain(&mut self, e: DomainError, columns: &[(&str, &str)]) {
        match e {
            DomainError::Invalid(list) => {
                for f in list {
                    let name = f.field.rsplit('.').next().unwrap_or("").to_owned();
                    let column = columns.iter().find(|(n, _)| *n == name).map_or("", |(_, c)| *c);
                    let field = if column.is_empty() { name } else { self.layout.header(column) };
                    self.errors.push(RowError { line: self.line, field, message: f.description });
                }
            }
            other => self.errors.push(RowError { line: self.line, field: String::new(), message: other.to_string() }),
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<RowError>> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }
}

/// A contract row; `fields.company_id` is nil until the client is resolved.
#[derive(Debug, Clone)]
pub struct ContractDraft {
    pub line: u32,
    pub client: String,
    pub fields: ContractFields,
}

/// A service row.
#[derive(Debug, Clone)]
pub struct ServiceDraft {
    pub line: u32,
    pub fields: ServiceFields,
}

/// A service scope row; details as written (`scope.<parameter>` → text), typed against the
/// template when the service is known.
#[derive(Debug, Clone)]
pub struct ScopeDraft {
    pub line: u32,
    pub client: String,
    pub contract: String,
    pub service: String,
    pub quantity: Decimal,
    pub unit: Option<PricingUnit>,
    pub unit_price: Option<Decimal>,
    pub status: ScopeStatus,
    pub details: Vec<(String, String)>,
}

/// A SAF row; `fields.contract_id`/`service_scope_id` are resolved later.
#[derive(Debug, Clone)]
pub struct SafDraft {
    pub line: u32,
    pub client: String,
    pub contract: String,
    /// Name of the scope's service; empty for none.
    pub scope_service: String,
    /// `None`: the contract's currency.
    pub currency: Option<String>,
    pub fields: SafFields,
}

/// A COC row; `fields.saf_id`/`service_scope_id` are resolved later.
#[derive(Debug, Clone)]
pub struct CocDraft {
    pub line: u32,
    pub client: String,
    pub contract: String,
    pub scope_service: String,
    pub saf_number: String,
    pub fields: CocFields,
}

/// One validated row of any type.
// Not boxed: a batch holds rows of one type, and boxing would cost an allocation per row on
// the clients fast path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Draft {
    Client(super::import::ImportRow),
    Contract(ContractDraft),
    Service(ServiceDraft),
    Scope(ScopeDraft),
    Saf(SafDraft),
    Coc(CocDraft),
}

/// Row rules of one import type, from the file's header.
#[derive(Debug, Clone)]
pub enum RowParser {
    Clients(super::import::ClientHeader),
    Other(ImportType, Layout),
}

impl RowParser {
    /// Maps `headers` for `t`.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `csv`: a required column missing or a column given twice.
    pub fn new(t: ImportType, headers: &csv::StringRecord) -> Result<Self, DomainError> {
        Ok(match t {
            ImportType::Clients => RowParser::Clients(super::import::client_header(headers)?),
            ImportType::Contracts => RowParser::Other(t, layout(CONTRACT_COLUMNS, headers, false)?),
            ImportType::Services => RowParser::Other(t, layout(SERVICE_COLUMNS, headers, false)?),
            ImportType::ServiceScopes => RowParser::Other(t, layout(SCOPE_COLUMNS, headers, true)?),
            ImportType::Safs => RowParser::Other(t, layout(SAF_COLUMNS, headers, false)?),
            ImportType::Cocs => RowParser::Other(t, layout(COC_COLUMNS, headers, false)?),
        })
    }

    /// Header columns that map to nothing.
    pub fn ignored_columns(&self) -> &[String] {
        match self {
            RowParser::Clients(h) => &h.ignored_columns,
            RowParser::Other(_, l) => &l.ignored_columns,
        }
    }

    /// The layout (not for clients).
    pub fn layout(&self) -> Option<&Layout> {
        match self {
            RowParser::Clients(_) => None,
            RowParser::Other(_, l) => Some(l),
        }
    }

    /// Validates the row starting at `line`.
    ///
    /// # Errors
    /// Every problem of the row, by column.
    pub fn row(&self, r: &csv::StringRecord, line: u32) -> Result<Draft, Vec<RowError>> {
        match self {
            RowParser::Clients(h) => h.row(r, line).map(Draft::Client),
            RowParser::Other(t, l) => {
                l.field_count(r, line)?;
                match t {
                    ImportType::Contracts => contract_row(l, r, line).map(Draft::Contract),
                    ImportType::Services => service_row(l, r, line).map(Draft::Service),
                    ImportType::ServiceScopes => scope_row(l, r, line).map(Draft::Scope),
                    ImportType::Safs => saf_row(l, r, line).map(Draft::Saf),
                    ImportType::Cocs => coc_row(l, r, line).map(Draft::Coc),
                    ImportType::Clients => unreachable!("clients use ClientHeader"),
                }
            }
        }
    }
}

fn contract_row(l: &Layout, r: &csv::StringRecord, line: u32) -> Result<ContractDraft, Vec<RowError>> {
    let mut c = RowCheck::new(l, line);
    let client = c.required(r, "clientName").to_owned();
    let name = c.required(r, "contractName").to_owned();
    if l.get(r, "startDate").is_empty() {
        c.push("startDate", "is required");
    }
    let start_date = c.date(r, "startDate");
    let end_date = c.date(r, "endDate");
    let contract_type =
        c.choice(r, "contractType", ContractType::NAMES, ContractType::ALL, ContractType::ManagedServices);
    let status = c.choice(r, "status", ContractStatus::NAMES, ContractStatus::ALL, ContractStatus::Draft);
    let billing_cycle = c.choice(r, "billingCycle", BillingCycle::NAMES, BillingCycle::ALL, BillingCycle::Monthly);
    let value = c.money(r, "totalValue", Decimal::ZERO);
    let billing_amount = c.money(r, "billingAmount", Decimal::ZERO);
    let currency = c.currency(r, "currency").unwrap_or_else(|| "USD".into());
    let auto_renew = c.boolean(r, "autoRenewal", false);
    let fields = ContractFields {
        number: l.get(r, "contractNumber").to_owned(),
        name,
        company_id: Uuid::nil(),
        contract_type,
        status,
        start_date: start_date.unwrap_or_default(),
        end_date,
        renewal_date: None,
        auto_renew,
        renewal_term_months: 12,
        renewal_terms: l.get(r, "renewalTerms").to_owned(),
        billing_cycle,
        billing_amount,
        value,
        currency,
        signed_date: None,
        signer_contact_id: None,
        description: l.get(r, "notes").to_owned(),
    };
    let fields = if c.errors.is_empty() {
        match fields.normalize("") {
            Ok(f) => f,
            Err(e) => {
                c.absorb_domain(
                    e,
                    &[
                        ("number", "contractNumber"),
                        ("name", "contractName"),
                        ("end_date", "endDate"),
                        ("renewal_terms", "renewalTerms"),
                        ("description", "notes"),
                    ],
                );
                return Err(c.errors);
            }
        }
    } else {
        fields
    };
    c.finish(ContractDraft { line, client, fields })
}

fn service_row(l: &Layout, r: &csv::StringRecord, line: u32) -> Result<ServiceDraft, Vec<RowError>> {
    let mut c = RowCheck::new(l, line);
    c.required(r, "name");
    c.required(r, "deliveryModel");
    let delivery_model =
        c.choice(r, "deliveryModel", DeliveryModel::NAMES, DeliveryModel::ALL, DeliveryModel::ManagedService);
    let pricing_unit = c.choice(r, "pricingUnit", PricingUnit::NAMES, PricingUnit::ALL, PricingUnit::Monthly);
    let base_price = c.money(r, "basePrice", Decimal::ZERO);
    let currency = c.currency(r, "currency").unwrap_or_else(|| "USD".into());
    let active = c.boolean(r, "isActive", true);
    let fields = ServiceFields {
        name: l.get(r, "name").to_owned(),
        category: l.get(r, "category").to_owned(),
        description: l.get(r, "description").to_owned(),
        delivery_model,
        base_price,
        currency,
        pricing_unit,
        active,
    };
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    match fields.normalize("") {
        Ok(fields) => Ok(ServiceDraft { line, fields }),
        Err(e) => {
            c.absorb_domain(e, &[("name", "name"), ("category", "category"), ("description", "description")]);
            Err(c.errors)
        }
    }
}

fn scope_row(l: &Layout, r: &csv::StringRecord, line: u32) -> Result<ScopeDraft, Vec<RowError>> {
    let mut c = RowCheck::new(l, line);
    let client = c.required(r, "clientName").to_owned();
    let contract = c.required(r, "contractName").to_owned();
    let service = c.required(r, "serviceName").to_owned();
    let quantity = c.money(r, "quantity", Decimal::ONE);
    if quantity <= Decimal::ZERO {
        c.push("quantity", "must be greater than 0");
    }
    let unit = if l.get(r, "unit").is_empty() {
        None
    } else {
        Some(c.choice(r, "unit", PricingUnit::NAMES, PricingUnit::ALL, PricingUnit::Monthly))
    };
    let unit_price = if l.get(r, "unitPrice").is_empty() { None } else { Some(c.money(r, "unitPrice", Decimal::ZERO)) };
    let status = c.choice(r, "status", ScopeStatus::NAMES, ScopeStatus::ALL, ScopeStatus::Pending);
    let details = l
        .scope_columns
        .iter()
        .filter_map(|(p, i)| {
            let v = r.get(*i).map(str::trim).unwrap_or("");
            (!v.is_empty()).then(|| (p.clone(), v.to_owned()))
        })
        .collect();
    c.finish(ScopeDraft { line, client, contract, service, quantity, unit, unit_price, status, details })
}

/// SAF statuses by name; seed 002's `approved` is `signed`.
fn saf_status(c: &mut RowCheck<'_>, r: &csv::StringRecord) -> SafStatus {
    if key(c.layout.get(r, "status")) == "approved" {
        return SafStatus::Signed;
    }
    c.choice(r, "status", SafStatus::NAMES, SafStatus::ALL, SafStatus::Draft)
}

fn saf_row(l: &Layout, r: &csv::StringRecord, line: u32) -> Result<SafDraft, Vec<RowError>> {
    let mut c = RowCheck::new(l, line);
    let client = c.required(r, "clientName").to_owned();
    let contract = c.required(r, "contractName").to_owned();
    let number = c.required(r, "safNumber").to_owned();
    c.required(r, "title");
    let start_date = c.date(r, "startDate");
    let end_date = c.date(r, "endDate");
    let status = saf_status(&mut c, r);
    let value = c.money(r, "value", Decimal::ZERO);
    let currency = c.currency(r, "currency");
    let fields = SafFields {
        number,
        title: l.get(r, "title").to_owned(),
        description: l.get(r, "description").to_owned(),
        document_url: l.get(r, "documentUrl").to_owned(),
        contract_id: Uuid::nil(),
        service_scope_id: None,
        start_date,
        end_date,
        value,
        currency: currency.clone().unwrap_or_default(),
        status,
    };
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    match fields.normalize() {
        Ok(fields) => Ok(SafDraft {
            line,
            client,
            contract,
            scope_service: l.get(r, "serviceScopeName").to_owned(),
            currency,
            fields,
        }),
        Err(e) => {
            c.absorb_domain(
                e,
                &[
                    ("number", "safNumber"),
                    ("title", "title"),
                    ("description", "description"),
                    ("document_url", "documentUrl"),
                    ("end_date", "endDate"),
                ],
            );
            Err(c.errors)
        }
    }
}

fn coc_row(l: &Layout, r: &csv::StringRecord, line: u32) -> Result<CocDraft, Vec<RowError>> {
    let mut c = RowCheck::new(l, line);
    let client = c.required(r, "clientName").to_owned();
    let contract = c.required(r, "contractName").to_owned();
    let number = c.required(r, "cocNumber").to_owned();
    c.required(r, "title");
    c.required(r, "complianceType");
    let coc_type = c.choice(r, "complianceType", CocType::NAMES, CocType::ALL, CocType::Other);
    let status = c.choice(r, "status", CocStatus::NAMES, CocStatus::ALL, CocStatus::Draft);
    let issue_date = c.date(r, "issueDate");
    let expiry_date = c.date(r, "expiryDate");
    let audit_date = c.date(r, "auditDate");
    let next_audit_date = c.date(r, "nextAuditDate");
    let scope_service = l.get(r, "serviceScopeName").to_owned();
    let saf_number = l.get(r, "safNumber").to_owned();
    if scope_service.is_empty() && saf_number.is_empty() {
        c.push("safNumber", "give a SAF number or a service scope (serviceScopeName) to link the certificate to");
    }
    // Placeholder links so that `normalize` checks the rest; the real ids are resolved later.
    let fields = CocFields {
        number,
        title: l.get(r, "title").to_owned(),
        description: l.get(r, "description").to_owned(),
        coc_type,
        status,
        issue_date,
        expiry_date,
        audit_date,
        next_audit_date,
        saf_id: Some(Uuid::nil()),
        service_scope_id: None,
        document_url: l.get(r, "documentUrl").to_owned(),
    };
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    match fields.normalize() {
        Ok(mut fields) => {
            fields.saf_id = None;
            Ok(CocDraft { line, client, contract, scope_service, saf_number, fields })
        }
        Err(e) => {
            c.absorb_domain(
                e,
                &[
                    ("number", "cocNumber"),
                    ("title", "title"),
                    ("description", "description"),
                    ("document_url", "documentUrl"),
                    ("expiry_date", "expiryDate"),
                    ("next_audit_date", "nextAuditDate"),
                ],
            );
            Err(c.errors)
        }
    }
}

/// Types the text of `scope.<parameter>` columns by the service's template (`None`: no
/// template, so no parameter is allowed): integers, numbers, booleans, multi-enums (`|`
/// separated), text otherwise. The result still has to pass the template's validation.
///
/// # Errors
/// `(parameter, reason)` for a value that does not parse or a parameter the template lacks.
pub fn scope_details(template: Option<&Value>, raw: &[(String, String)]) -> Result<Value, Vec<(String, String)>> {
    let props = template.and_then(|t| t.get("properties")).and_then(Value::as_object);
    let mut out = Map::new();
    let mut errors = Vec::new();
    for (name, text) in raw {
        let Some(prop) = props.and_then(|p| p.get(name)) else {
            errors.push((name.clone(), "the service's scope template has no such parameter".to_owned()));
            continue;
        };
        let value = match prop.get("type").and_then(Value::as_str) {
            Some("integer") => text.parse::<i64>().map(Value::from).map_err(|_| "must be a whole number"),
            Some("number") => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or("must be a number"),
            Some("boolean") => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok(Value::Bool(true)),
                "false" | "no" | "0" => Ok(Value::Bool(false)),
                _ => Err("must be true or false"),
            },
            Some("array") => Ok(Value::Array(text.split('|').map(|s| Value::String(s.trim().to_owned())).collect())),
            _ => Ok(Value::String(text.clone())),
        };
        match value {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(e) => errors.push((name.clone(), e.to_owned())),
        }
    }
    if errors.is_empty() { Ok(Value::Object(out)) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: ImportType, csv: &str) -> (RowParser, Vec<Result<Draft, Vec<RowError>>>) {
        let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(csv.as_bytes());
        let p = RowParser::new(t, r.headers().unwrap()).unwrap();
        let rows = r.records().map(|rec| {
            let rec = rec.unwrap();
            let line = rec.position().unwrap().line() as u32;
            p.row(&rec, line)
        });
        let rows = rows.collect();
        (p, rows)
    }

    #[test]
    fn templates_parse_cleanly() {
        for t in ImportType::ALL {
            let (p, rows) = parse(t, t.template());
            assert_eq!(rows.len(), 1, "{t:?}");
            assert!(rows[0].is_ok(), "{t:?}: {:?}", rows[0]);
            let ignored: &[String] = &[];
            assert_eq!(p.ignored_columns(), ignored, "{t:?}");
            assert_eq!(ImportType::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn seed_002_layouts_are_accepted() {
        let contracts = "clientName,contractName,startDate,endDate,totalValue,status,autoRenewal,renewalTerms,notes\n\"Acme Corporation\",\"SOC Monitoring Agreement\",\"2024-01-01\",\"2024-12-31\",\"120000.00\",\"active\",\"true\",\"12 months\",\"Annual SOC monitoring contract\"\n";
        let (_, rows) = parse(ImportType::Contracts, contracts);
        let Ok(Draft::Contract(c)) = &rows[0] else { panic!("{rows:?}") };
        assert_eq!(c.client, "Acme Corporation");
        assert_eq!(c.fields.status, ContractStatus::Active);
        assert!(c.fields.auto_renew);
        assert_eq!(c.fields.value.to_string(), "120000");
        let services = "name,category,description,deliveryModel,basePrice,pricingUnit,isActive\n\"24/7 SOC Monitoring\",\"Security Operations\",\"x\",\"Managed Service\",\"5000.00\",\"monthly\",\"true\"\n";
        let (_, rows) = parse(ImportType::Services, services);
        let Ok(Draft::Service(s)) = &rows[0] else { panic!("{rows:?}") };
        assert_eq!(s.fields.delivery_model, DeliveryModel::ManagedService);
        let scopes = "clientName,contractName,serviceName,description,startDate,endDate,status,deliverables,timeline,notes\n\"Acme Corporation\",\"SOC Monitoring Agreement\",\"24/7 SOC Monitoring\",\"d\",\"2024-01-01\",\"2024-12-31\",\"active\",\"a|b\",\"12 months\",\"n\"\n";
        let (p, rows) = parse(ImportType::ServiceScopes, scopes);
        assert!(rows[0].is_ok());
        assert_eq!(p.ignored_columns(), ["description", "startDate", "endDate", "deliverables", "timeline", "notes"]);
        let safs = "clientName,contractName,serviceScopeName,safNumber,title,description,startDate,endDate,status,value,notes\n\"Acme Corporation\",\"SOC Monitoring Agreement\",\"24/7 SOC Monitoring\",\"SAF-2024-001\",\"SOC Monitoring Authorization\",\"d\",\"2024-01-01\",\"2024-12-31\",\"approved\",\"60000.00\",\"n\"\n";
        let (_, rows) = parse(ImportType::Safs, safs);
        let Ok(Draft::Saf(s)) = &rows[0] else { panic!("{rows:?}") };
        assert_eq!(s.fields.status, SafStatus::Signed);
        let cocs = "clientName,contractName,serviceScopeName,safNumber,cocNumber,title,description,complianceType,issueDate,expiryDate,status,auditDate,nextAuditDate,notes\n\"Acme Corporation\",\"SOC Monitoring Agreement\",\"24/7 SOC Monitoring\",\"SAF-2024-001\",\"COC-2024-001\",\"SOC 2 Type II Compliance\",\"d\",\"SOC2\",\"2024-06-01\",\"2025-06-01\",\"active\",\"2024-05-15\",\"2025-05-15\",\"n\"\n";
        let (_, rows) = parse(ImportType::Cocs, cocs);
        let Ok(Draft::Coc(c)) = &rows[0] else { panic!("{rows:?}") };
        assert_eq!(c.fields.coc_type, CocType::Soc2);
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let csv = "clientName,contractName,startDate,endDate,totalValue,status\n\
                   ,X,2024-13-01,,12,active\n\
                   A,Y,2024-01-01,2023-01-01,-5,running\n";
        let (_, rows) = parse(ImportType::Contracts, csv);
        let e: Vec<_> = rows[0].as_ref().unwrap_err().iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(e, [(2, "clientName"), (2, "startDate")]);
        let e: Vec<_> = rows[1].as_ref().unwrap_err().iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(e, [(3, "status"), (3, "totalValue")]);
        let csv = "clientName,contractName,startDate,endDate\nA,Y,2024-01-01,2023-01-01\n";
        let (_, rows) = parse(ImportType::Contracts, csv);
        let e = rows[0].as_ref().unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].message.as_str()), ("endDate", "must not be before start_date"));
    }

    #[test]
    fn missing_required_columns_fail_the_file() {
        let mut r = csv::Reader::from_reader("name,category\n".as_bytes());
        let e = RowParser::new(ImportType::Services, r.headers().unwrap()).unwrap_err();
        assert!(e.to_string().contains("deliveryModel"), "{e}");
    }

    #[test]
    fn scope_details_are_typed_by_the_template() {
        let t = serde_json::json!({"properties": {
            "endpoints": {"type": "integer"}, "edr": {"type": "string"},
            "sites": {"type": "array"}, "managed": {"type": "boolean"}}});
        let raw = |v: &[(&str, &str)]| v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect::<Vec<_>>();
        let d = scope_details(
            Some(&t),
            &raw(&[("endpoints", "250"), ("edr", "CrowdStrike"), ("sites", "A| B"), ("managed", "yes")]),
        )
        .unwrap();
        assert_eq!(
            d,
            serde_json::json!({"endpoints": 250, "edr": "CrowdStrike", "sites": ["A", "B"], "managed": true})
        );
        let e = scope_details(Some(&t), &raw(&[("endpoints", "many"), ("color", "red")])).unwrap_err();
        assert_eq!(e.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["endpoints", "color"]);
        assert!(scope_details(None, &raw(&[("endpoints", "1")])).is_err());
    }
}
