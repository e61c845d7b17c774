//! Single-use links mailed to users: invitations to the portal and password resets.
//!
//! A link token has the refresh-token shape, `<tenant uuid>.<43 base64url chars of 32 random
//! bytes>` (the tenant prefix lets identity open the right tenant's transaction); only its
//! SHA-256 is stored. The token travels in the URL fragment (`#token=…`), which browsers do not
//! send to servers, so it stays out of access logs.

use chrono::Duration;
use psa_core::permissions::Role;

/// How long an invitation link is valid: 7 days.
pub const INVITATION_TTL: Duration = Duration::days(7);
/// How long a password-reset link is valid: 1 hour (OWASP Forgot Password Cheat Sheet).
pub const RESET_TTL: Duration = Duration::hours(1);

/// A new link token for `tenant`: `(token, sha256(token))`.
pub fn new_token(tenant: uuid::Uuid) -> (String, Vec<u8>) {
    super::tokens::new_refresh_token(tenant)
}

/// The page a link opens: `<public_url><path>#token=<token>`; `public_url` without a trailing
/// slash is expected but tolerated.
pub fn url(public_url: &str, path: &str, token: &str) -> String {
    format!("{}{path}#token={token}", public_url.trim_end_matches('/'))
}

/// The portal roles a portal user may hold, by their stored name (`client_admin`,
/// `client_user`); anything else is `None`.
pub fn portal_role(name: &str) -> Option<Role> {
    Role::parse(name).filter(|r| r.is_portal())
}

/// A mail's subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailText {
    pub subject: String,
    pub text: String,
}

/// The invitation mail to `name` from the MSP `tenant_name`, with `link`.
pub fn invitation_mail(tenant_name: &str, name: &str, link: &str) -> MailText {
    let days = INVITATION_TTL.num_days();
    MailText {
        subject: format!("Your invitation to the {tenant_name} client portal"),
        text: format!(
            "Hello {name},\r\n\r\nYou have been invited to the {tenant_name} client portal, where you can raise and \
             follow your tickets.\r\n\r\nSet your password here (the link works once and expires in {days} days):\r\n\
             {link}\r\n\r\nIf you did not expect this invitation, ignore this mail.\r\n"
        ),
    }
}

/// The password-reset mail, with `link`.
pub fn reset_mail(tenant_name: &str, link: &str) -> MailText {
    let minutes = RESET_TTL.num_minutes();
    MailText {
        subject: format!("Reset your {tenant_name} password"),
        text: format!(
            "Hello,\r\n\r\nSomeone asked to reset the password of your {tenant_name} account.\r\n\r\nChoose a new \
             password here (the link works once and expires in {minutes} minutes):\r\n{link}\r\n\r\nIf it was not you, \
             ignore this mail: your password stays as it is.\r\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_the_token_in_the_fragment() {
        let t = uuid::Uuid::now_v7();
        let (token, hash) = new_token(t);
        assert_eq!(super::super::tokens::refresh_token_tenant(&token), Some(t));
        assert_eq!(hash, super::super::tokens::hash_refresh_token(&token));
        assert_eq!(url("http://h:1/", "/portal/reset-password", "abc"), "http://h:1/portal/reset-password#token=abc");
    }

    #[test]
    fn only_client_roles_are_portal_roles() {
        assert_eq!(portal_role("client_admin"), Some(Role::ClientAdmin));
        assert_eq!(portal_role("client_user"), Some(Role::ClientUser));
        assert_eq!(portal_role("admin"), None);
        assert_eq!(portal_role("nope"), None);
    }

    #[test]
    fn mails_name_the_link_and_its_lifetime() {
        let m = invitation_mail("Acme MSP", "Ann", "http://x/#token=1");
        assert!(m.subject.contains("Acme MSP") && m.text.contains("http://x/#token=1") && m.text.contains("7 days"));
        let r = reset_mail("Acme MSP", "http://x/#token=2");
        assert!(r.text.contains("http://x/#token=2") && r.text.contains("60 minutes"));
    }
}
