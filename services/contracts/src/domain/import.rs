//! CSV import of companies with their primary contact.
//!
//! Accepted layouts (columns matched by name, case and punctuation ignored, any order):
//! - seed 002's clients template ("CSV Templates and Examples"): `name, industry, companySize,
//!   status, source, address, website, notes, contactName, contactEmail, contactPhone,
//!   contactTitle`;
//! - Alga PSA's client import template: `client_name, website, client_type, is_inactive, notes,
//!   tags, location_name, email, phone_number, phone_extension, address_line1, address_line2,
//!   city, state_province, postal_code, country` (`client_type` company/individual → client;
//!   `location_name` is ignored until sites exist);
//! - HubSpot's required company headers: `Name, Company Domain Name`.
//!
//! The only required column is the company name. File-level problems (empty file, missing
//! name column, duplicated column, an unterminated quote, invalid UTF-8, too many rows) fail
//! the whole import; row problems are collected per line and field.

use std::collections::HashMap;

use psa_core::validate::is_email;
use psa_core::{DomainError, FieldViolation};

use super::company::{CompanyFields, CompanySize, CompanyStatus, CompanyType};
use super::contact::split_name;

/// Most data rows accepted in one file.
pub const MAX_ROWS: usize = 10_000;

/// A problem in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line where the row starts (the header is line 1).
    pub line: u32,
    /// Column as written in the file's header; empty for whole-row problems.
    pub field: String,
    pub message: String,
}

/// The primary contact of an imported company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDraft {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
}

/// A valid row.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u32,
    pub company: CompanyFields,
    pub contact: Option<ContactDraft>,
}

/// The parsed file.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// Data rows read.
    pub total_rows: usize,
    pub rows: Vec<ImportRow>,
    pub errors: Vec<RowError>,
    /// Header columns that map to nothing.
    pub ignored_columns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Name,
    Industry,
    Size,
    Status,
    Inactive,
    Type,
    Source,
    Address,
    Line1,
    Line2,
    City,
    Region,
    PostalCode,
    Country,
    Website,
    Phone,
    PhoneExt,
    Email,
    Notes,
    Tags,
    ContactName,
    ContactEmail,
    ContactPhone,
    ContactTitle,
    Ignored,
}

fn column(header: &str) -> Option<Col> {
    let key: String = header.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    Some(match key.as_str() {
        "name" | "clientname" | "companyname" | "company" => Col::Name,
        "industry" => Col::Industry,
        "companysize" | "size" => Col::Size,
        "status" => Col::Status,
        "isinactive" => Col::Inactive,
        "clienttype" | "companytype" | "type" => Col::Type,
        "source" | "clientsource" => Col::Source,
        "address" => Col::Address,
        "addressline1" | "address1" | "street" => Col::Line1,
        "addressline2" | "address2" => Col::Line2,
        "city" => Col::City,
        "stateprovince" | "state" | "province" | "region" => Col::Region,
        "postalcode" | "zip" | "zipcode" | "postcode" => Col::PostalCode,
        "country" => Col::Country,
        "website" | "url" | "companydomainname" | "domain" => Col::Website,
        "phone" | "phonenumber" => Col::Phone,
        "phoneextension" => Col::PhoneExt,
        "email" | "companyemail" => Col::Email,
        "notes" => Col::Notes,
        "tags" => Col::Tags,
        "contactname" => Col::ContactName,
        "contactemail" => Col::ContactEmail,
        "contactphone" => Col::ContactPhone,
        "contacttitle" => Col::ContactTitle,
        "locationname" => Col::Ignored,
        _ => return None,
    })
}

pub(crate) fn file_error(message: String) -> DomainError {
    DomainError::Invalid(vec![FieldViolation::new("csv", message)])
}

/// The column layout of a clients file, from its header row.
#[derive(Debug, Clone)]
pub struct ClientHeader {
    cols: HashMap<Col, usize>,
    headers: Vec<String>,
    /// Header columns that map to nothing.
    pub ignored_columns: Vec<String>,
}

/// Maps the header row of a clients file.
///
/// # Errors
/// [`DomainError::Invalid`] on field `csv`: a duplicated column or no name column.
pub fn client_header(headers: &csv::StringRecord) -> Result<ClientHeader, DomainError> {
    let mut cols: HashMap<Col, usize> = HashMap::new();
    let mut ignored_columns = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        match column(h) {
            Some(Col::Ignored) => ignored_columns.push(h.to_owned()),
            Some(c) => {
                if cols.insert(c, i).is_some() {
                    return Err(file_error(format!("column `{h}` maps to a field given by an earlier column")));
                }
            }
            None if h.trim().is_empty() => {}
            None => ignored_columns.push(h.to_owned()),
        }
    }
    if !cols.contains_key(&Col::Name) {
        return Err(file_error("missing required column `name` (or `client_name`, `company_name`)".into()));
    }
    Ok(ClientHeader { cols, headers: headers.iter().map(str::to_owned).collect(), ignored_columns })
}

impl ClientHeader {
    /// Column `c` as written in the header.
    fn header_name(&self, c: Col) -> String {
        self.cols.get(&c).map(|&i| self.headers[i].clone()).unwrap_or_default()
    }

    /// Validates one data row starting at `line` (not blank; checked for field count here).
    /// Duplicates within the file are not detected here.
    ///
    /// # Errors
    /// Every problem of the row, by column.
    pub fn row(&self, record: &csv::StringRecord, line: u32) -> Result<ImportRow, Vec<RowError>> {
        let cols = &self.cols;
        if record.len() != self.headers.len() {
            return Err(vec![RowError {
                line,
                field: String::new(),
                message: format!("expected {} fields, found {}", self.headers.len(), record.len()),
            }]);
        }
        let get = |c: Col| cols.get(&c).and_then(|&i| record.get(i)).map(str::trim).unwrap_or("");
        let mut errors = Vec::new();
        let mut err = |c: Col, message: String| errors.push(RowError { line, field: self.header_name(c), message });
        let mut company = CompanyFields {
            name: get(Col::Name).to_owned(),
            industry: get(Col::Industry).to_owned(),
            source: get(Col::Source).to_owned(),
            notes: get(Col::Notes).to_owned(),
            email: get(Col::Email).to_owned(),
            ..Default::default()
        };
        match get(Col::Size) {
            "" => {}
            s => match CompanySize::parse(s) {
                Some(v) => company.company_size = Some(v),
                None => err(Col::Size, format!("must be one of {}", CompanySize::NAMES.join(", "))),
            },
        }
        match get(Col::Status) {
            "" => {}
            s => match CompanyStatus::parse(s) {
                Some(v) => company.status = v,
                None => err(Col::Status, format!("must be one of {}", CompanyStatus::NAMES.join(", "))),
            },
        }
        match get(Col::Inactive).to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "0" => {}
            "true" | "yes" | "1" => company.status = CompanyStatus::Inactive,
            _ => err(Col::Inactive, "must be true or false".into()),
        }
        match get(Col::Type).to_ascii_lowercase().as_str() {
            "" | "company" | "individual" => {}
            s => match CompanyType::parse(s) {
                Some(v) => company.company_type = v,
                None => err(Col::Type, format!("must be one of {}", CompanyType::NAMES.join(", "))),
            },
        }
        let website = get(Col::Website);
        company.website = if !website.is_empty() && !website.contains("://") {
            format!("https://{website}")
        } else {
            website.to_owned()
        };
        company.phone = match (get(Col::Phone), get(Col::PhoneExt)) {
            (p, "") => p.to_owned(),
            (p, ext) => format!("{p} x{ext}"),
        };
        company.address.line1 =
            if get(Col::Line1).is_empty() { get(Col::Address).to_owned() } else { get(Col::Line1).to_owned() };
        company.address.line2 = get(Col::Line2).to_owned();
        company.address.city = get(Col::City).to_owned();
        company.address.region = get(Col::Region).to_owned();
        company.address.postal_code = get(Col::PostalCode).to_owned();
        company.address.country = get(Col::Country).to_owned();
        company.tags = get(Col::Tags).split([',', '|']).map(str::to_owned).collect();
        let contact = {
            let (name, email, phone, title) =
                (get(Col::ContactName), get(Col::ContactEmail), get(Col::ContactPhone), get(Col::ContactTitle));
            if [name, email, phone, title].iter().all(|s| s.is_empty()) {
                None
            } else {
                if name.is_empty() {
                    err(Col::ContactName, "is required when other contact columns are filled".into());
                }
                if !email.is_empty() && !is_email(email) {
                    err(Col::ContactEmail, "must be a valid email address".into());
                }
                let (first_name, last_name) = split_name(name);
                if !name.is_empty() {
                    let check = super::contact::ContactFields {
                        company_id: uuid::Uuid::nil(),
                        first_name: first_name.clone(),
                        last_name: last_name.clone(),
                        email: String::new(),
                        phone: phone.to_owned(),
                        title: title.to_owned(),
                        contact_type: super::contact::ContactType::Primary,
                    };
                    if let Err(DomainError::Invalid(v)) = check.normalize("") {
                        for f in v {
                            let col = match f.field.as_str() {
                                "phone" => Col::ContactPhone,
                                "title" => Col::ContactTitle,
                                _ => Col::ContactName,
                            };
                            err(col, f.description);
                        }
                    }
                }
                Some(ContactDraft {
                    first_name,
                    last_name,
                    email: email.to_owned(),
                    phone: phone.to_owned(),
                    title: title.to_owned(),
                })
            }
        };
        let company = match company.normalize("") {
            Ok(c) => Some(c),
            Err(DomainError::Invalid(v)) => {
                for f in v {
                    let col = match f.field.split('.').next().unwrap_or("") {
                        "name" => Col::Name,
                        "industry" => Col::Industry,
                        "source" => Col::Source,
                        "website" => Col::Website,
                        "phone" => Col::Phone,
                        "email" => Col::Email,
                        "notes" => Col::Notes,
                        "tags" => Col::Tags,
                        _ => Col::Line1,
                    };
                    err(col, f.description);
                }
                None
            }
            Err(other) => {
                err(Col::Name, other.to_string());
                None
            }
        };
        match (company, errors.is_empty()) {
            (Some(company), true) => Ok(ImportRow { line, company, contact }),
            _ => Err(errors),
        }
    }

    /// The error for a company name that an earlier row (`first`) of the file already has.
    pub fn duplicate(&self, line: u32, first: Option<u32>) -> RowError {
        let message = match first {
            Some(first) => format!("duplicates the company on line {first}"),
            None => "duplicates a company on an earlier line of this file".to_owned(),
        };
        RowError { line, field: self.header_name(Col::Name), message }
    }
}

/// Parses and validates `data`.
///
/// # Errors
/// [`DomainError::Invalid`] on field `csv` for file-level problems (see the module docs).
pub fn parse(data: &[u8]) -> Result<ImportPlan, DomainError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(file_error("the file is empty; expected a header row".into()));
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let headers = reader.headers().map_err(|e| file_error(format!("header row: {}", csv_message(&e))))?.clone();
    let header = client_header(&headers)?;
    let mut plan = ImportPlan { ignored_columns: header.ignored_columns.clone(), ..Default::default() };
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut records = reader.records();
    let mut starts: Vec<(u32, u64)> = Vec::new();
    let mut rows = Vec::new();
    loop {
        let record = match records.next() {
            None => break,
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(file_error(csv_message(&e))),
        };
        let pos = record.position().cloned().unwrap_or_else(csv::Position::new);
        starts.push((pos.line() as u32, pos.byte()));
        rows.push(record);
        if rows.len() > MAX_ROWS {
            return Err(file_error(format!("at most {MAX_ROWS} rows per import")));
        }
    }
    // An odd number of quote characters in a record means a quote was never closed (RFC 4180
    // quotes come in pairs: opening, closing and doubled `""`).
    for (i, &(line, start)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(data.len(), |&(_, b)| b as usize);
        let raw = &data[start as usize..end.min(data.len())];
        if raw.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
            return Err(file_error(format!("line {line}: unterminated quoted field (a `\"` is never closed)")));
        }
    }
    for (record, &(line, _)) in rows.iter().zip(&starts) {
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        plan.total_rows += 1;
        match header.row(record, line) {
            Ok(row) => {
                let key = row.company.name.to_lowercase();
                if let Some(&first) = seen.get(&key) {
                    plan.errors.push(header.duplicate(line, Some(first)));
                } else {
                    seen.insert(key, line);
                    plan.rows.push(row);
                }
            }
            Err(errors) => plan.errors.extend(errors),
        }
    }
    Ok(plan)
}

/// A file-level problem as a user-facing message.
pub fn csv_problem(e: &csv::Error) -> String {
    csv_message(e)
}

fn csv_message(e: &csv::Error) -> String {
    let line = e.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => format!("{line}not valid UTF-8 text"),
        _ => format!("{line}{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_002: &str = "name,industry,companySize,status,source,address,website,notes,contactName,contactEmail,contactPhone,contactTitle\n\"Acme Corporation\",\"Technology\",\"Large\",\"active\",\"referral\",\"123 Main St, New York, NY 10001\",\"https://acme.com\",\"Primary technology client\",\"John Smith\",\"john.smith@acme.com\",\"+1-555-0123\",\"CTO\"\n";

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../../../shared/fixtures/csv/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
    }

    fn csv_error(data: &[u8]) -> String {
        match parse(data) {
            Err(DomainError::Invalid(v)) => {
                assert_eq!(v[0].field, "csv");
                v[0].description.clone()
            }
            other => panic!("expected a file error, got {other:?}"),
        }
    }

    #[test]
    fn seed_template_row() {
        let plan = parse(SEED_002.as_bytes()).unwrap();
        assert_eq!((plan.total_rows, plan.errors.len()), (1, 0));
        let row = &plan.rows[0];
        assert_eq!(row.line, 2);
        assert_eq!(row.company.name, "Acme Corporation");
        assert_eq!(row.company.company_size, Some(CompanySize::Large));
        assert_eq!(row.company.address.line1, "123 Main St, New York, NY 10001");
        let c = row.contact.as_ref().unwrap();
        assert_eq!((c.first_name.as_str(), c.last_name.as_str(), c.title.as_str()), ("John", "Smith", "CTO"));
    }

    #[test]
    fn alga_template_maps_its_columns() {
        let plan = parse(&fixture("alga-psa_client_import_template.csv")).unwrap();
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        let c = &plan.rows[0].company;
        assert_eq!(c.name, "Mad Hatter Tea Client");
        assert_eq!(c.company_type, CompanyType::Client);
        assert_eq!(c.status, CompanyStatus::Active);
        assert_eq!(c.tags, ["Tea", "Party Planning", "Whimsical"]);
        assert_eq!(c.phone, "+1 212-555-0106 x300");
        assert_eq!(c.email, "hatter@teaparty.wonderland");
        assert_eq!(c.address.city, "Wonderland");
        assert_eq!(c.address.postal_code, "WL001");
        assert_eq!(plan.ignored_columns, ["location_name"]);
        assert!(plan.rows[0].contact.is_none());
    }

    #[test]
    fn hubspot_headers_and_escaped_quotes() {
        let plan = parse(&fixture("hubspot_companies_required_headers.constructed.csv")).unwrap();
        assert_eq!(plan.total_rows, 0);
        let plan = parse(b"Name,Company Domain Name\n\"The \"\"Best\"\" Account\",best.example\n").unwrap();
        assert_eq!(plan.rows[0].company.name, "The \"Best\" Account");
        assert_eq!(plan.rows[0].company.website, "https://best.example");
    }

    #[test]
    fn reports_every_bad_row_by_line_and_column() {
        let data = "name,companySize,status,contactName,contactEmail,website\n\
                    Good Co,small,active,Ann Lee,ann@good.example,good.example\n\
                    ,huge,active,,,\n\
                    Bad Mail,,dormant,Bob,bob@nowhere,\n\
                    \"Multi\nLine\",,,,,\n\
                    good co,,,,,\n";
        let plan = parse(data.as_bytes()).unwrap();
        assert_eq!(plan.total_rows, 5);
        let errs: Vec<_> = plan.errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(errs, [(3, "companySize"), (3, "name"), (4, "status"), (4, "contactEmail"), (7, "name")]);
        assert!(plan.errors[4].message.contains("line 2"));
        assert_eq!(plan.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 5]);
    }

    #[test]
    fn file_level_errors() {
        assert!(csv_error(b"").contains("empty"));
        assert!(csv_error(b"industry,website\nTech,x\n").contains("missing required column `name`"));
        assert!(csv_error(b"name,industry\n\"Acme,Tech\nBeta,Finance\n").contains("line 2: unterminated"));
        assert!(csv_error(b"name,industry\nAcme,Tech\nBeta,\"Fin\n").contains("line 3: unterminated"));
        assert!(csv_error(b"name,client_name\na,b\n").contains("earlier column"));
        assert!(csv_error(b"name\n\xff\xfe\n").contains("UTF-8"));
    }

    #[test]
    fn bom_is_skipped() {
        let plan = parse(b"\xEF\xBB\xBFname,industry\nAcme,Tech\n").unwrap();
        assert_eq!(plan.rows[0].company.name, "Acme");
        // the salesforce BOM fixture has no name column: a clear file error, not a panic
        assert!(csv_error(&fixture("salesforce-dataloader_csvtext_BOM_UTF8.csv")).contains("missing required column"));
    }
}
