//! Shared setup and checks of the contracts-service REST tests (commercial documents, SAFs and
//! COCs): problem field names, POSTs that must succeed, a seeded tenant (two companies, a
//! contract each, a service scope) and the row-level-security check of contracts tables.
//! Each test binary uses a different subset, hence `dead_code` is allowed here.
#![allow(dead_code)]

use psa_testkit::{Api, Stack};
use serde_json::{Value, json};
use uuid::Uuid;

/// The sorted field names of a problem's `errors` (empty when it has none).
pub fn fields(problem: &Value) -> Vec<String> {
    let mut f: Vec<String> = problem["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default();
    f.sort();
    f
}

/// How many items the array `v[key]` has (0 when it is missing).
pub fn len(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, Vec::len)
}

/// POSTs `body` to `path` and returns the answer, which must be 200.
pub async fn post_ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

/// The `id` of a resource.
pub fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// POSTs `body` to `path` (which must answer 200) and returns the new resource's id.
pub async fn create(api: &Api, path: &str, body: Value) -> String {
    id(&post_ok(api, path, body).await)
}

/// Creates the catalog's "24/7 SOC Monitoring" managed service (5000 USD monthly); its id.
pub async fn soc_service(api: &Api) -> String {
    create(
        api,
        "/api/v1/services",
        json!({"name": "24/7 SOC Monitoring", "deliveryModel": "DELIVERY_MODEL_MANAGED_SERVICE", "basePrice": "5000",
               "currency": "USD", "pricingUnit": "PRICING_UNIT_MONTHLY"}),
    )
    .await
}

/// What [`seed`] created (ids).
pub struct Seeded {
    /// "Alpha Co", owner of `contract` and `scope`.
    pub company: String,
    /// "Beta Co", owner of `other_contract`.
    pub other_company: String,
    pub contract: String,
    pub other_contract: String,
    /// The managed service on `contract` (PENDING).
    pub scope: String,
}

/// Creates two companies, a managed service, a 2026 contract of each company (in USD) and a
/// scope of the service on the first company's contract.
pub async fn seed(api: &Api) -> Seeded {
    let company = id(&post_ok(api, "/api/v1/companies", json!({"name": "Alpha Co"})).await);
    let other_company = id(&post_ok(api, "/api/v1/companies", json!({"name": "Beta Co"})).await);
    let service = soc_service(api).await;
    let mut contracts = Vec::new();
    for c in [&company, &other_company] {
        let k = post_ok(
            api,
            "/api/v1/contracts",
            json!({"name": "SOC Monitoring Agreement", "companyId": c, "startDate": "2026-01-01", "endDate": "2026-12-31",
                   "currency": "USD"}),
        )
        .await;
        contracts.push(id(&k));
    }
    let scope =
        id(&post_ok(api, &format!("/api/v1/contracts/{}/items", contracts[0]), json!({"serviceId": service})).await);
    Seeded { company, other_company, contract: contracts[0].clone(), other_contract: contracts[1].clone(), scope }
}

/// Checks that row-level security hides every row of `owner` in each `contracts.<table>` from
/// the service role: visible as `owner`, invisible as `other` and with no tenant set. `owner`
/// must have rows in each table.
pub async fn assert_tenant_rows_isolated(stack: &Stack, tables: &[&str], owner: Uuid, other: Uuid) {
    use sqlx::{Connection, Executor, Row};
    for table in tables {
        for (tenant, expect_rows) in [(Some(owner), true), (Some(other), false), (None, false)] {
            let mut conn = sqlx::PgConnection::connect(&stack.database_url).await.unwrap();
            conn.execute("set role psa_contracts").await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            if let Some(t) = tenant {
                sqlx::query("select set_config('app.tenant_id', $1, true)")
                    .bind(t.to_string())
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            let n: i64 = sqlx::query(&format!("select count(*) from contracts.{table} where tenant_id = $1"))
                .bind(owner)
                .fetch_one(&mut *tx)
                .await
                .unwrap()
                .get(0);
            assert_eq!(n > 0, expect_rows, "{table} as {tenant:?}");
        }
    }
}
