//! `psa.export.v1.TenantExportService`, served by every service: a tenant's rows in each of
//! the service's tenant tables (the row-level-security tables of its schema), for the full
//! tenant export the gateway zips (issue 5: no lock-in).

use std::pin::Pin;

use psa_core::validate::parse_id;
use psa_proto::export::tenant_export_service_server::{TenantExportService, TenantExportServiceServer};
use psa_proto::export::{ExportTenantDataRequest, TableRows};
use sqlx::PgPool;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};
use uuid::Uuid;

/// Columns never exported in clear (secrets, also when sealed at rest); they read
/// `"[redacted]"`.
pub const REDACTED_COLUMNS: &[&str] = &[
    "password_hash",
    "key_hash",
    "token_hash",
    "code_hash",
    "secret",
    "private_der",
    "client_secret_sealed",
    "service_password_sealed",
];

/// Rows per streamed message.
pub const CHUNK: usize = 500;

/// The export service of one service's schema.
#[derive(Clone)]
pub struct TenantExport {
    pool: PgPool,
    service: &'static str,
}

/// The gRPC server for `service` (also its schema) on `pool`; add it to the service's routes
/// and `psa.export.v1.TenantExportService` to its served names.
pub fn server(pool: PgPool, service: &'static str) -> TenantExportServiceServer<TenantExport> {
    TenantExportServiceServer::new(TenantExport { pool, service })
}

/// Fully-qualified name of the export service (for health reporting).
pub const SERVICE_NAME: &str = "psa.export.v1.TenantExportService";

type RowStream = Pin<Box<dyn Stream<Item = Result<TableRows, Status>> + Send>>;

#[tonic::async_trait]
impl TenantExportService for TenantExport {
    type ExportTenantDataStream = RowStream;

    async fn export_tenant_data(
        &self,
        req: Request<ExportTenantDataRequest>,
    ) -> Result<Response<Self::ExportTenantDataStream>, Status> {
        crate::auth::principal(&req)?;
        let tenant =
            parse_id("tenant_id", &req.get_ref().tenant_id).map_err(|e| Status::from(crate::Error::from(e)))?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.stream(tenant, &tx).await {
                tracing::error!(error = %e, tenant = %tenant, "tenant export failed");
                let _ = tx.send(Err(Status::internal("export failed"))).await;
            }
        });
        Ok(Response::new(Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))))
    }
}

impl TenantExport {
    async fn stream(
        &self,
        tenant: Uuid,
        out: &tokio::sync::mpsc::Sender<Result<TableRows, Status>>,
    ) -> anyhow::Result<()> {
        let mut tx = crate::db::begin(&self.pool, tenant).await?;
        let tables: Vec<String> = sqlx::query_scalar(
            "select c.relname::text from pg_class c \
             where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and c.relrowsecurity \
             and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id') \
             order by 1",
        )
        .fetch_all(&mut *tx)
        .await?;
        let redacted: Vec<String> = REDACTED_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
        for table in tables {
            // Identifiers come from the catalog; quote them anyway.
            let sql = format!(
                "declare export_rows cursor for select (select jsonb_object_agg(k, case when k = any($2) \
                 then '\"[redacted]\"'::jsonb else v end) from jsonb_each(to_jsonb(t)) as e(k, v))::text \
                 from \"{table}\" t where t.tenant_id = $1"
            );
            sqlx::query(&sql).bind(tenant).bind(&redacted).execute(&mut *tx).await?;
            loop {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("fetch {CHUNK} from export_rows")).fetch_all(&mut *tx).await?;
                let done = rows.len() < CHUNK;
                if !rows.is_empty() {
                    let msg = TableRows { service: self.service.to_owned(), table: table.clone(), rows };
                    if out.send(Ok(msg)).await.is_err() {
                        return Ok(()); // the caller went away
                    }
                }
                if done {
                    break;
                }
            }
            sqlx::query("close export_rows").execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
