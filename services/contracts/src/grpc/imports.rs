//! gRPC adapter for `psa.contracts.v1.ImportService`: the streamed upload, job status, the
//! job watch (server stream; the gateway turns it into SSE) and templates.

use std::pin::Pin;
use std::time::Duration;

use futures::Stream;
use psa_core::DomainError;
use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::convert::timestamp;
use psa_proto::contracts::{self as pb, import_service_server::ImportService, run_import_request::Part};
use tonic::{Request, Response, Status, Streaming};

use super::{Grpc, err};
use crate::app::ImportMode;
use crate::app::imports::{ImportJob, JobState, StartImport};
use crate::domain::imports::ImportType;

/// How often a watch looks at the job row.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(200);

fn import_type(v: i32) -> Result<ImportType, Status> {
    Ok(match pb::ImportType::try_from(v) {
        Ok(pb::ImportType::Clients) => ImportType::Clients,
        Ok(pb::ImportType::Contracts) => ImportType::Contracts,
        Ok(pb::ImportType::Services) => ImportType::Services,
        Ok(pb::ImportType::ServiceScopes) => ImportType::ServiceScopes,
        Ok(pb::ImportType::Safs) => ImportType::Safs,
        Ok(pb::ImportType::Cocs) => ImportType::Cocs,
        _ => {
            return Err(err(DomainError::invalid(
                "type",
                "must be one of clients, contracts, services, service-scopes, safs, cocs",
            )));
        }
    })
}

fn type_to_proto(t: ImportType) -> pb::ImportType {
    match t {
        ImportType::Clients => pb::ImportType::Clients,
        ImportType::Contracts => pb::ImportType::Contracts,
        ImportType::Services => pb::ImportType::Services,
        ImportType::ServiceScopes => pb::ImportType::ServiceScopes,
        ImportType::Safs => pb::ImportType::Safs,
        ImportType::Cocs => pb::ImportType::Cocs,
    }
}

/// The proto form of a job.
pub fn job(j: &ImportJob) -> pb::ImportJob {
    pb::ImportJob {
        id: j.id.to_string(),
        r#type: type_to_proto(j.import_type) as i32,
        mode: match j.mode {
            ImportMode::AllOrNothing => pb::ImportMode::AllOrNothing,
            ImportMode::ValidRows => pb::ImportMode::ValidRows,
        } as i32,
        state: match j.state {
            JobState::Running => pb::ImportJobState::Running,
            JobState::Succeeded => pb::ImportJobState::Succeeded,
            JobState::Failed => pb::ImportJobState::Failed,
        } as i32,
        file_name: j.file_name.clone(),
        rows_read: j.rows_read,
        rows_valid: j.rows_valid,
        rows_bad: j.rows_bad,
        created: j.created,
        skipped: j.skipped,
        committed: j.committed,
        ignored_columns: j.ignored_columns.clone(),
        failure: j.failure.clone(),
        errors: j
            .errors
            .iter()
            .map(|e| pb::ImportRowError { line: e.line as i32, field: e.field.clone(), message: e.message.clone() })
            .collect(),
        create_time: Some(timestamp(j.created_at)),
        update_time: Some(timestamp(j.updated_at)),
    }
}

type JobStream = Pin<Box<dyn Stream<Item = Result<pb::ImportJob, Status>> + Send>>;

#[tonic::async_trait]
impl ImportService for Grpc {
    async fn run_import(
        &self,
        req: Request<Streaming<pb::RunImportRequest>>,
    ) -> Result<Response<pb::ImportJob>, Status> {
        let p = principal(&req)?;
        let mut stream = req.into_inner();
        let first = stream.message().await?;
        let Some(pb::RunImportRequest { part: Some(Part::Start(start)) }) = first else {
            return Err(err(DomainError::invalid("start", "the first message must carry `start`")));
        };
        let import_type = import_type(start.r#type)?;
        let mode = match pb::ImportMode::try_from(start.mode) {
            Ok(pb::ImportMode::ValidRows) => ImportMode::ValidRows,
            _ => ImportMode::AllOrNothing,
        };
        let job_id = if start.job_id.is_empty() { None } else { Some(parse_id("job_id", &start.job_id).map_err(err)?) };
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        // Feeds the parser as chunks arrive; a broken stream reaches it as an error, so a
        // partial file is never committed.
        let pump = tokio::spawn(async move {
            loop {
                let item = match stream.message().await {
                    Ok(Some(pb::RunImportRequest { part: Some(Part::Chunk(b)) })) => Ok(bytes::Bytes::from(b)),
                    // The gateway's mark of an upload that broke off or grew past its limit.
                    Ok(Some(pb::RunImportRequest { part: None })) => {
                        Err("broken off, or larger than the import limit".to_owned())
                    }
                    Ok(Some(_)) => Err("every message after the first must carry a chunk".to_owned()),
                    Ok(None) => break,
                    Err(s) => Err(s.message().to_owned()),
                };
                let stop = item.is_err();
                if tx.send(item).await.is_err() || stop {
                    break;
                }
            }
        });
        let start = StartImport { import_type, mode, job_id, file_name: start.file_name };
        let result = self.app.run_import(&p, start, rx).await;
        pump.abort();
        Ok(Response::new(job(&result?)))
    }

    async fn get_import_job(&self, req: Request<pb::GetImportJobRequest>) -> Result<Response<pb::ImportJob>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(job(&self.app.get_import_job(&p, id, true).await?)))
    }

    type WatchImportJobStream = JobStream;

    async fn watch_import_job(
        &self,
        req: Request<pb::GetImportJobRequest>,
    ) -> Result<Response<Self::WatchImportJobStream>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        // The first look answers NOT_FOUND (other tenants' jobs included) before streaming.
        let first = self.app.get_import_job(&p, id, false).await?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let app = self.app.clone();
        tokio::spawn(async move {
            let mut current = first;
            let mut last: Option<(i32, JobState)> = None;
            loop {
                if current.state != JobState::Running {
                    let done = app.get_import_job(&p, id, true).await.map(|j| job(&j)).map_err(err);
                    let _ = tx.send(done).await;
                    return;
                }
                let key = (current.rows_read, current.state);
                if last != Some(key) {
                    last = Some(key);
                    if tx.send(Ok(job(&current))).await.is_err() {
                        return;
                    }
                }
                tokio::time::sleep(WATCH_INTERVAL).await;
                if tx.is_closed() {
                    return;
                }
                current = match app.get_import_job(&p, id, false).await {
                    Ok(j) => j,
                    Err(e) => {
                        let _ = tx.send(Err(err(e))).await;
                        return;
                    }
                };
            }
        });
        Ok(Response::new(Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))))
    }

    async fn list_import_job_errors(
        &self,
        req: Request<pb::ListImportJobErrorsRequest>,
    ) -> Result<Response<pb::ListImportJobErrorsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        let page = self.app.list_import_job_errors(&p, id, r.page_size, &r.page_token).await?;
        Ok(Response::new(pb::ListImportJobErrorsResponse {
            errors: page
                .errors
                .iter()
                .map(|e| pb::ImportRowError { line: e.line as i32, field: e.field.clone(), message: e.message.clone() })
                .collect(),
            next_page_token: page.next_page_token,
            total_size: i32::try_from(page.total_size).unwrap_or(i32::MAX),
        }))
    }

    async fn get_import_template(
        &self,
        req: Request<pb::GetImportTemplateRequest>,
    ) -> Result<Response<pb::ImportTemplate>, Status> {
        principal(&req)?;
        let t = import_type(req.get_ref().r#type)?;
        Ok(Response::new(pb::ImportTemplate {
            csv: t.template().to_owned(),
            file_name: format!("{}-template.csv", t.as_str().replace('_', "-")),
        }))
    }
}
