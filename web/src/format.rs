//! Display helpers: enum value names to labels, timestamps to local time.

/// Company types offered in forms, as proto enum value names.
pub const COMPANY_TYPES: &[&str] =
    &["COMPANY_TYPE_CLIENT", "COMPANY_TYPE_PROSPECT", "COMPANY_TYPE_VENDOR", "COMPANY_TYPE_PARTNER"];

/// Company statuses.
pub const COMPANY_STATUSES: &[&str] = &[
    "COMPANY_STATUS_ACTIVE",
    "COMPANY_STATUS_PROSPECT",
    "COMPANY_STATUS_RENEWAL",
    "COMPANY_STATUS_INACTIVE",
    "COMPANY_STATUS_ARCHIVED",
];

/// The lifecycle moves the server allows from each company status (mirrors
/// `CompanyStatus::next` in the contracts service).
pub fn company_status_moves(from: &str) -> &'static [&'static str] {
    match from {
        "COMPANY_STATUS_PROSPECT" => &["COMPANY_STATUS_ACTIVE", "COMPANY_STATUS_INACTIVE", "COMPANY_STATUS_ARCHIVED"],
        "COMPANY_STATUS_ACTIVE" => &["COMPANY_STATUS_RENEWAL", "COMPANY_STATUS_INACTIVE", "COMPANY_STATUS_ARCHIVED"],
        "COMPANY_STATUS_RENEWAL" => &["COMPANY_STATUS_ACTIVE", "COMPANY_STATUS_INACTIVE", "COMPANY_STATUS_ARCHIVED"],
        "COMPANY_STATUS_INACTIVE" => &["COMPANY_STATUS_ACTIVE", "COMPANY_STATUS_ARCHIVED"],
        "COMPANY_STATUS_ARCHIVED" => &["COMPANY_STATUS_INACTIVE"],
        _ => &[],
    }
}

/// Engagement roles of team assignments.
pub const TEAM_ROLES: &[&str] = &[
    "TEAM_ROLE_ACCOUNT_MANAGER",
    "TEAM_ROLE_LEAD_ENGINEER",
    "TEAM_ROLE_PROJECT_MANAGER",
    "TEAM_ROLE_SERVICE_DELIVERY_MANAGER",
    "TEAM_ROLE_BACKUP_ENGINEER",
    "TEAM_ROLE_SECURITY_ANALYST",
];

/// Company size bands.
pub const COMPANY_SIZES: &[&str] =
    &["COMPANY_SIZE_SMALL", "COMPANY_SIZE_MEDIUM", "COMPANY_SIZE_LARGE", "COMPANY_SIZE_ENTERPRISE"];

/// Contact types.
pub const CONTACT_TYPES: &[&str] =
    &["CONTACT_TYPE_PRIMARY", "CONTACT_TYPE_TECHNICAL", "CONTACT_TYPE_BILLING", "CONTACT_TYPE_OTHER"];

/// Ticket statuses, in workflow order.
pub const TICKET_STATUSES: &[&str] = &[
    "TICKET_STATUS_NEW",
    "TICKET_STATUS_OPEN",
    "TICKET_STATUS_IN_PROGRESS",
    "TICKET_STATUS_WAITING_ON_CLIENT",
    "TICKET_STATUS_RESOLVED",
    "TICKET_STATUS_CLOSED",
];

/// Ticket priorities, lowest first.
pub const TICKET_PRIORITIES: &[&str] =
    &["TICKET_PRIORITY_LOW", "TICKET_PRIORITY_MEDIUM", "TICKET_PRIORITY_HIGH", "TICKET_PRIORITY_CRITICAL"];

const PREFIXES: &[&str] = &[
    "COMPANY_TYPE_",
    "COMPANY_STATUS_",
    "COMPANY_SIZE_",
    "CONTACT_TYPE_",
    "TICKET_STATUS_",
    "TICKET_PRIORITY_",
    "TICKET_SOURCE_",
    "NOTE_VISIBILITY_",
    "TIMESHEET_STATUS_",
    "KB_ARTICLE_STATUS_",
    "KB_VISIBILITY_",
    "TIME_BILLING_STATUS_",
    "TEAM_ROLE_",
    "SAF_STATUS_",
    "COC_STATUS_",
    "COC_TYPE_",
    "CONTRACT_STATUS_",
    "CONTRACT_TYPE_",
    "BILLING_CYCLE_",
    "SERVICE_SCOPE_STATUS_",
    "PORTAL_ROLE_",
    "PORTAL_USER_STATUS_",
    "UNKNOWN_SENDER_POLICY_",
    "EMAIL_OUTCOME_",
    "EMAIL_DIRECTION_",
    "PROPOSAL_STATUS_",
    "PROPOSAL_TYPE_",
    "HOUR_PERIOD_",
];

/// The value part of an enum value name: `TICKET_STATUS_IN_PROGRESS` → `IN_PROGRESS`.
pub fn enum_suffix(value: &str) -> &str {
    PREFIXES.iter().find_map(|p| value.strip_prefix(p)).unwrap_or(value)
}

/// A label for an enum value name: `TICKET_STATUS_WAITING_ON_CLIENT` → `Waiting on client`.
/// Empty and `*_UNSPECIFIED` values give `—`.
pub fn enum_label(value: &str) -> String {
    let suffix = enum_suffix(value);
    if suffix.is_empty() || suffix == "UNSPECIFIED" {
        return "—".into();
    }
    if matches!(suffix, "API" | "RMM") {
        return suffix.to_string();
    }
    let lower = suffix.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A CSS class fragment for an enum value: `TICKET_STATUS_IN_PROGRESS` → `in-progress`.
pub fn enum_class(value: &str) -> String {
    enum_suffix(value).replace('_', "-").to_lowercase()
}

/// An RFC 3339 timestamp as local `YYYY-MM-DD HH:MM`; `—` when empty, the input when invalid.
pub fn datetime(rfc3339: &str) -> String {
    if rfc3339.is_empty() {
        return "—".into();
    }
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    let ms = date.get_time();
    if ms.is_nan() {
        return rfc3339.to_string();
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// An RFC 3339 timestamp as a local date `YYYY-MM-DD`.
pub fn date(rfc3339: &str) -> String {
    let full = datetime(rfc3339);
    full.split(' ').next().unwrap_or_default().to_string()
}

/// `value`, or `—` when empty.
pub fn or_dash(value: &str) -> String {
    if value.trim().is_empty() { "—".into() } else { value.to_string() }
}

/// A byte count (a decimal string, as proto `int64` arrives in JSON) as `512 B`, `1.5 KB`,
/// `2.0 MB` (1 KB = 1024 B); the input when it is not a number.
pub fn file_size(bytes: &str) -> String {
    let Ok(n) = bytes.parse::<u64>() else {
        return bytes.to_string();
    };
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut size = n as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}
