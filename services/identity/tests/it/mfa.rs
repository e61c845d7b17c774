//! TOTP MFA (RFC 6238): enrolment, two-step login, wrong / reused / drifted codes, single-use
//! recovery codes and challenges, lockout interplay, per-tenant enforcement, isolation.

use psa_identity::domain::mfa::code_at;
use psa_proto::identity as pb;
use psa_testkit::Stack;
use sqlx::Executor as _;
use tonic::Code;

use crate::access::{Clients, admin_token, auth, clients, create_user, login, violations, who};

const PW: &str = "violet-otter-93";

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

/// The code of base32 `secret` `offset` seconds from now.
fn code(secret: &str, offset: i64) -> String {
    let raw = totp_rs::Secret::try_from_base32(secret).unwrap();
    code_at(raw.as_ref(), now().checked_add_signed(offset).unwrap()).unwrap()
}

/// Forgets the last accepted step of every enrolment, so a test can use another code within
/// the same 30 seconds (the reuse rule has its own assertions).
async fn forget_steps(db: &mut sqlx::PgConnection) {
    db.execute("update identity.user_mfa set last_used_step = null").await.unwrap();
}

async fn enrol(c: &mut Clients, token: &str) -> (String, Vec<String>) {
    let s = c.auth.setup_mfa(auth(pb::SetupMfaRequest {}, token)).await.unwrap().into_inner();
    let v = c.auth.verify_mfa(auth(pb::VerifyMfaRequest { code: code(&s.secret, 0) }, token)).await.unwrap();
    (s.secret, v.into_inner().recovery_codes)
}

async fn second_step(
    c: &mut Clients,
    challenge: &str,
    code: &str,
    recovery: &str,
) -> Result<pb::TokenPair, tonic::Status> {
    c.auth
        .login_mfa(pb::LoginMfaRequest {
            mfa_challenge: challenge.into(),
            code: code.into(),
            recovery_code: recovery.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn enrolment_and_two_step_login_with_wrong_reused_and_drifted_codes() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = clients(&stack).await;
    let mut db = stack.db().await;
    let token = admin_token(&mut c, &admin).await;
    create_user(&mut c, &token, "tech@demo.example", PW, &["technician"]).await;
    let tech = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    assert!(!tech.mfa_required && !tech.access_token.is_empty());

    // verify without setup; setup; a wrong code does not activate
    let e = c.auth.verify_mfa(auth(pb::VerifyMfaRequest { code: "123456".into() }, &tech.access_token)).await;
    assert_eq!(e.unwrap_err().code(), Code::FailedPrecondition);
    let s = c.auth.setup_mfa(auth(pb::SetupMfaRequest {}, &tech.access_token)).await.unwrap().into_inner();
    assert_eq!(s.secret.len(), 32, "20 bytes in base32");
    assert!(s.otpauth_uri.starts_with("otpauth://totp/PSA%20demo:tech%40demo.example?"), "{}", s.otpauth_uri);
    assert!(s.otpauth_uri.contains(&format!("secret={}", s.secret)));
    assert!(s.qr_code_svg.contains("<svg"));
    let e = c.auth.verify_mfa(auth(pb::VerifyMfaRequest { code: code(&s.secret, -120) }, &tech.access_token)).await;
    let e = e.unwrap_err();
    assert_eq!((e.code(), violations(&e)), (Code::InvalidArgument, vec!["code".to_owned()]));
    let still_password_only = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    assert!(!still_password_only.mfa_required, "a pending enrolment is not active");
    // The code verified here and the one replayed below must fall in the same 30-second step.
    settle().await;
    let v = c.auth.verify_mfa(auth(pb::VerifyMfaRequest { code: code(&s.secret, 0) }, &tech.access_token)).await;
    let codes = v.unwrap().into_inner().recovery_codes;
    assert_eq!(codes.len(), 10);
    let again = c.auth.setup_mfa(auth(pb::SetupMfaRequest {}, &tech.access_token)).await.unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition, "active: no new secret handed out");

    // step one: no tokens, a challenge
    let first = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    assert!(first.mfa_required && first.access_token.is_empty() && first.refresh_token.is_empty());
    assert!(first.mfa_challenge.starts_with("mfa_"));
    let ch = first.mfa_challenge;

    // the code used for verification (same step) is refused: reuse
    let reused = second_step(&mut c, &ch, &code(&s.secret, 0), "").await.unwrap_err();
    assert_eq!(reused.code(), Code::Unauthenticated);
    forget_steps(&mut db).await;
    let wrong = second_step(&mut c, &ch, "000000", "").await.unwrap_err();
    let drifted = second_step(&mut c, &ch, &code(&s.secret, -90), "").await.unwrap_err();
    let ahead = second_step(&mut c, &ch, &code(&s.secret, 90), "").await.unwrap_err();
    for e in [&wrong, &drifted, &ahead] {
        assert_eq!((e.code(), e.message()), (Code::Unauthenticated, reused.message()));
    }
    let bad_args = second_step(&mut c, &ch, "", "").await.unwrap_err();
    assert_eq!(bad_args.code(), Code::InvalidArgument);

    // one step of drift is fine; the pair works; the challenge is single use
    let pair = second_step(&mut c, &ch, &code(&s.secret, -30), "").await.unwrap();
    assert_eq!(pair.token_type, "Bearer");
    assert!(who(&mut c, &pair.access_token).await.unwrap().permissions.contains(&"tickets.read".to_owned()));
    forget_steps(&mut db).await;
    let e = second_step(&mut c, &ch, &code(&s.secret, 0), "").await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Code::Unauthenticated, reused.message()), "challenge used");
    // the same code again on a fresh challenge: that step was used
    settle().await;
    let ch2 = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap().mfa_challenge;
    second_step(&mut c, &ch2, &code(&s.secret, 0), "").await.unwrap();
    let ch3 = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap().mfa_challenge;
    assert_eq!(second_step(&mut c, &ch3, &code(&s.secret, 0), "").await.unwrap_err().code(), Code::Unauthenticated);

    // expired challenge
    db.execute("update identity.mfa_challenges set expires_at = now() - interval '1 second' where used_at is null")
        .await
        .unwrap();
    forget_steps(&mut db).await;
    assert_eq!(second_step(&mut c, &ch3, &code(&s.secret, 0), "").await.unwrap_err().code(), Code::Unauthenticated);
    let stored: i64 = sqlx::query_scalar("select count(*) from identity.mfa_challenges where token_hash = $1")
        .bind(ch3.as_bytes())
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(stored, 0, "challenges are stored hashed");

    // recovery codes: single use, case and dashes ignored
    let ch = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap().mfa_challenge;
    second_step(&mut c, &ch, "", &codes[0].to_uppercase()).await.unwrap();
    let ch = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap().mfa_challenge;
    assert_eq!(second_step(&mut c, &ch, "", &codes[0]).await.unwrap_err().code(), Code::Unauthenticated);
    second_step(&mut c, &ch, "", &codes[1].replace('-', "")).await.unwrap();

    // disable needs a current code
    forget_steps(&mut db).await;
    let e = c.auth.disable_mfa(auth(pb::DisableMfaRequest { code: "000000".into() }, &pair.access_token)).await;
    assert_eq!(e.unwrap_err().code(), Code::InvalidArgument);
    c.auth.disable_mfa(auth(pb::DisableMfaRequest { code: code(&s.secret, 0) }, &pair.access_token)).await.unwrap();
    let plain = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    assert!(!plain.mfa_required && !plain.access_token.is_empty());
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_codes_count_towards_the_lockout() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = clients(&stack).await;
    let mut db = stack.db().await;
    let token = admin_token(&mut c, &admin).await;
    let upd = pb::UpdateSecuritySettingsRequest { lockout_threshold: 3, ..Default::default() };
    c.settings.update_security_settings(auth(upd, &token)).await.unwrap();
    let user = create_user(&mut c, &token, "tech@demo.example", PW, &["technician"]).await;
    let tech = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    let (secret, _) = enrol(&mut c, &tech.access_token).await;
    forget_steps(&mut db).await;

    // a password success with a pending second step does not reset the counter
    login(&mut c, "demo", "tech@demo.example", "wrong-password-x").await.unwrap_err();
    let ch = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap().mfa_challenge;
    for _ in 0..2 {
        second_step(&mut c, &ch, "000000", "").await.unwrap_err();
    }
    let u = c.users.get_user(auth(pb::GetUserRequest { id: user.id.clone() }, &token)).await.unwrap().into_inner();
    assert_eq!((u.failed_login_attempts, u.locked), (3, true));
    // locked: the right code and the right password are refused alike
    let e = second_step(&mut c, &ch, &code(&secret, 0), "").await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    assert!(login(&mut c, "demo", "tech@demo.example", PW).await.is_err());
    c.users.unlock_user(auth(pb::UnlockUserRequest { id: user.id.clone() }, &token)).await.unwrap();
    let pair = second_step(&mut c, &ch, &code(&secret, 0), "").await.unwrap();
    assert!(!pair.access_token.is_empty());
    let u = c.users.get_user(auth(pb::GetUserRequest { id: user.id }, &token)).await.unwrap().into_inner();
    assert_eq!(u.failed_login_attempts, 0, "a completed second step resets the counter");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenant_enforcement_limits_tokens_until_enrolment() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = clients(&stack).await;
    let mut db = stack.db().await;
    let token = admin_token(&mut c, &admin).await;
    create_user(&mut c, &token, "tech@demo.example", PW, &["technician"]).await;
    let upd = pb::UpdateSecuritySettingsRequest { mfa_required: true, ..Default::default() };
    let s = c.settings.update_security_settings(auth(upd, &token)).await.unwrap().into_inner();
    assert!(s.mfa_required);

    let tech = login(&mut c, "demo", "tech@demo.example", PW).await.unwrap();
    assert!(tech.mfa_setup_required && !tech.mfa_required);
    assert_eq!(who(&mut c, &tech.access_token).await.unwrap().permissions, ["account.self"]);
    let e = c.users.list_users(auth(pb::ListUsersRequest::default(), &tech.access_token)).await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
    // refresh keeps the restriction until enrolment, then carries the full permissions
    let r = c.auth.refresh(pb::RefreshRequest { refresh_token: tech.refresh_token }).await.unwrap().into_inner();
    assert!(r.mfa_setup_required);
    enrol(&mut c, &r.access_token).await;
    let r = c.auth.refresh(pb::RefreshRequest { refresh_token: r.refresh_token }).await.unwrap().into_inner();
    assert!(!r.mfa_setup_required);
    assert!(who(&mut c, &r.access_token).await.unwrap().permissions.contains(&"tickets.read".to_owned()));
    forget_steps(&mut db).await;
    assert!(login(&mut c, "demo", "tech@demo.example", PW).await.unwrap().mfa_required);

    // turning enforcement off needs the mask
    let off = pb::UpdateSecuritySettingsRequest {
        mfa_required: false,
        update_mask: Some(prost_types::FieldMask { paths: vec!["mfa_required".into()] }),
        ..Default::default()
    };
    assert!(!c.settings.update_security_settings(auth(off, &token)).await.unwrap().into_inner().mfa_required);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_tenant_cannot_use_or_touch_a_users_mfa() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("alpha").await;
    let b = stack.create_tenant("beta").await;
    let mut c = clients(&stack).await;
    let mut db = stack.db().await;
    let a_token = admin_token(&mut c, &a).await;
    let (secret, codes) = enrol(&mut c, &a_token).await;
    forget_steps(&mut db).await;
    let b_token = admin_token(&mut c, &b).await;
    // B's admin has no enrolment of their own and cannot reach A's
    let e = c.auth.disable_mfa(auth(pb::DisableMfaRequest { code: code(&secret, 0) }, &b_token)).await;
    assert_eq!(e.unwrap_err().code(), Code::FailedPrecondition);
    let e = c.auth.verify_mfa(auth(pb::VerifyMfaRequest { code: code(&secret, 0) }, &b_token)).await;
    assert_eq!(e.unwrap_err().code(), Code::FailedPrecondition);
    // A's challenge re-labelled with B's tenant id is unknown there
    let ch = login(&mut c, &a.slug, &a.email, &a.password).await.unwrap().mfa_challenge;
    let forged = format!("mfa_{}{}", b.tenant_id.simple(), &ch[36..]);
    let e = second_step(&mut c, &forged, &code(&secret, 0), "").await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    let e = second_step(&mut c, &forged, "", &codes[0]).await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    // A's enrolment is intact
    second_step(&mut c, &ch, &code(&secret, 0), "").await.unwrap();
    assert!(login(&mut c, &a.slug, &a.email, &a.password).await.unwrap().mfa_required);
    stack.stop().await;
}

/// Waits, when fewer than 10 seconds are left in the current 30-second TOTP step (RFC 6238),
/// for the next one, so that codes computed now and a few seconds later are the same step.
async fn settle() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let left = 30 - now % 30;
    if left < 10 {
        tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
    }
}
