//! gRPC adapter for `psa.tickets.v1.EmailService`: proto ⇄ domain, errors → status.

use std::sync::Arc;

use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::list::ListParams;
use psa_proto::tickets::{self as pb, email_service_server::EmailService};
use tonic::{Request, Response, Status};

use super::{err, required};
use crate::app::Tickets;
use crate::proto::email as conv;

/// The email service implementation.
pub struct EmailGrpc {
    pub app: Arc<Tickets>,
}

#[tonic::async_trait]
impl EmailService for EmailGrpc {
    async fn list_email_mailboxes(
        &self,
        req: Request<pb::ListEmailMailboxesRequest>,
    ) -> Result<Response<pb::ListEmailMailboxesResponse>, Status> {
        let p = principal(&req)?;
        let list = self.app.list_mailboxes(&p).await?;
        Ok(Response::new(pb::ListEmailMailboxesResponse {
            mailboxes: list.iter().map(|m| conv::mailbox(m, None)).collect(),
        }))
    }

    async fn get_email_mailbox(
        &self,
        req: Request<pb::GetEmailMailboxRequest>,
    ) -> Result<Response<pb::EmailMailbox>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::mailbox(&self.app.get_mailbox(&p, id).await?, None)))
    }

    async fn create_email_mailbox(
        &self,
        req: Request<pb::CreateEmailMailboxRequest>,
    ) -> Result<Response<pb::EmailMailbox>, Status> {
        let p = principal(&req)?;
        let (f, password) = conv::mailbox_fields(required(req.into_inner().mailbox, "mailbox")?).map_err(err)?;
        let made = self.app.create_mailbox(&p, f, &password).await?;
        Ok(Response::new(conv::mailbox(&made.mailbox, Some(&made.token))))
    }

    async fn update_email_mailbox(
        &self,
        req: Request<pb::UpdateEmailMailboxRequest>,
    ) -> Result<Response<pb::EmailMailbox>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let m = required(r.mailbox, "mailbox")?;
        let id = parse_id("mailbox.id", &m.id).map_err(err)?;
        let mask = r.update_mask.map(|m| m.paths).unwrap_or_default();
        let (f, password) = conv::mailbox_fields(m).map_err(err)?;
        Ok(Response::new(conv::mailbox(&self.app.update_mailbox(&p, id, f, &password, &mask).await?, None)))
    }

    async fn delete_email_mailbox(
        &self,
        req: Request<pb::DeleteEmailMailboxRequest>,
    ) -> Result<Response<pb::EmailMailbox>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::mailbox(&self.app.delete_mailbox(&p, id).await?, None)))
    }

    async fn rotate_email_mailbox_token(
        &self,
        req: Request<pb::RotateEmailMailboxTokenRequest>,
    ) -> Result<Response<pb::EmailMailbox>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        let made = self.app.rotate_mailbox_token(&p, id).await?;
        Ok(Response::new(conv::mailbox(&made.mailbox, Some(&made.token))))
    }

    async fn poll_email_mailbox(
        &self,
        req: Request<pb::PollEmailMailboxRequest>,
    ) -> Result<Response<pb::PollEmailMailboxResponse>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        let r = self.app.poll_mailbox(&p, id).await?;
        let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        Ok(Response::new(pb::PollEmailMailboxResponse {
            fetched: n(r.fetched),
            created_tickets: n(r.created_tickets),
            added_notes: n(r.added_notes),
            ignored: n(r.ignored),
            rejected: n(r.rejected),
            duplicates: n(r.duplicates),
        }))
    }

    async fn receive_email_message(
        &self,
        req: Request<pb::ReceiveEmailMessageRequest>,
    ) -> Result<Response<pb::EmailMessage>, Status> {
        let r = req.into_inner();
        let id = parse_id("mailbox_id", &r.mailbox_id).map_err(err)?;
        let got = self.app.receive_message(id, &r.token, &r.raw).await?;
        Ok(Response::new(conv::message(&got.record)))
    }

    async fn list_email_messages(
        &self,
        req: Request<pb::ListEmailMessagesRequest>,
    ) -> Result<Response<pb::ListEmailMessagesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("mailbox_id", &r.mailbox_id).map_err(err)?;
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, ..Default::default() };
        let (list, next_page_token) = self.app.list_messages(&p, id, &params).await?;
        Ok(Response::new(pb::ListEmailMessagesResponse {
            messages: list.iter().map(conv::message).collect(),
            next_page_token,
        }))
    }

    async fn list_email_parse_rules(
        &self,
        req: Request<pb::ListEmailParseRulesRequest>,
    ) -> Result<Response<pb::ListEmailParseRulesResponse>, Status> {
        let p = principal(&req)?;
        let id = parse_id("mailbox_id", &req.get_ref().mailbox_id).map_err(err)?;
        let list = self.app.list_rules(&p, id).await?;
        Ok(Response::new(pb::ListEmailParseRulesResponse { rules: list.iter().map(conv::rule).collect() }))
    }

    async fn create_email_parse_rule(
        &self,
        req: Request<pb::CreateEmailParseRuleRequest>,
    ) -> Result<Response<pb::EmailParseRule>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mailbox = parse_id("mailbox_id", &r.mailbox_id).map_err(err)?;
        let f = conv::rule_fields(mailbox, required(r.rule, "rule")?).map_err(err)?;
        Ok(Response::new(conv::rule(&self.app.create_rule(&p, f).await?)))
    }

    async fn update_email_parse_rule(
        &self,
        req: Request<pb::UpdateEmailParseRuleRequest>,
    ) -> Result<Response<pb::EmailParseRule>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mailbox = parse_id("mailbox_id", &r.mailbox_id).map_err(err)?;
        let rule = required(r.rule, "rule")?;
        let id = parse_id("rule.id", &rule.id).map_err(err)?;
        let f = conv::rule_fields(mailbox, rule).map_err(err)?;
        Ok(Response::new(conv::rule(&self.app.update_rule(&p, id, f).await?)))
    }

    async fn delete_email_parse_rule(
        &self,
        req: Request<pb::DeleteEmailParseRuleRequest>,
    ) -> Result<Response<pb::EmailParseRule>, Status> {
        let p = principal(&req)?;
        let r = req.get_ref();
        let mailbox = parse_id("mailbox_id", &r.mailbox_id).map_err(err)?;
        let id = parse_id("id", &r.id).map_err(err)?;
        Ok(Response::new(conv::rule(&self.app.delete_rule(&p, mailbox, id).await?)))
    }
}
