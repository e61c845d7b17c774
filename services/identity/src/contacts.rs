//! Looks a contact up in contracts (which owns companies and contacts) for an invitation.
//!
//! The call carries the inviting caller's own bearer token, so contracts applies its own rules
//! to it: a Client Admin only sees their company's contacts (another company's contact is
//! NOT_FOUND), staff need `contacts.read`. This validates the ids at the moment of the
//! command without a projection of every contact in identity (DESIGN.md §6 allows synchronous
//! gRPC for commands, with deadlines: 5 s here).

use std::time::Duration;

use psa_core::DomainError;
use psa_proto::contracts::{GetContactRequest, contact_service_client::ContactServiceClient};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};
use uuid::Uuid;

use crate::app::ContactInfo;

/// A lazily connecting client of contracts' ContactService.
#[derive(Clone)]
pub struct Contacts {
    channel: Channel,
}

impl Contacts {
    /// A client for `url` (`PSA_CONTRACTS_URL`, e.g. `http://127.0.0.1:50052`).
    ///
    /// # Errors
    /// A malformed URL.
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let channel = Endpoint::from_shared(url.to_owned())?
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(5))
            .connect_lazy();
        Ok(Self { channel })
    }

    /// Contact `id` as seen with `authorization` (the caller's `Bearer …` header value).
    /// Not found, or not visible to the caller: INVALID_ARGUMENT on `field`. Contracts
    /// unreachable: UNAVAILABLE.
    pub async fn get(&self, authorization: &str, id: Uuid, field: &str) -> Result<ContactInfo, Status> {
        let mut req = tonic::Request::new(GetContactRequest { id: id.to_string() });
        req.metadata_mut().insert(
            "authorization",
            authorization.parse().map_err(|_| Status::unauthenticated("invalid authorization header"))?,
        );
        let contact = match ContactServiceClient::new(self.channel.clone()).get_contact(req).await {
            Ok(r) => r.into_inner(),
            Err(s) if s.code() == Code::NotFound || s.code() == Code::PermissionDenied => {
                return Err(psa_kit::Error::from(DomainError::invalid(field, "no such contact")).into());
            }
            Err(s) if s.code() == Code::Unavailable || s.code() == Code::DeadlineExceeded => {
                tracing::warn!(error = %s, "contracts unreachable for a contact lookup");
                return Err(Status::unavailable("the contact could not be checked; try again"));
            }
            Err(s) => return Err(s),
        };
        let company_id = contact.company_id.parse().map_err(|_| Status::internal("contracts sent a bad company id"))?;
        let display_name = format!("{} {}", contact.first_name.trim(), contact.last_name.trim()).trim().to_owned();
        Ok(ContactInfo { id, company_id, email: contact.email, display_name })
    }
}
