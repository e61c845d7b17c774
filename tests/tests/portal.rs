//! Portal users end to end over REST, with mail through a local SMTP server: invitation →
//! accept → portal login; the portal user sees only their company's records and public notes
//! (tickets, notes, contacts, companies, portal users); staff and portal logins refuse each
//! other's credentials; invitation and reset links are single use and expire; forgot-password
//! answers the same for unknown addresses; a reset revokes the sessions; other tenants and other
//! companies' Client Admins get 404.

use psa_testkit::smtp::{ReceivedMail, SmtpSink};
use psa_testkit::{Api, Stack, StackOptions, TenantAdmin};
use serde_json::{Value, json};
use std::time::Duration;

const GOOD_PASSWORD: &str = "a long portal passphrase 42";

struct World {
    smtp: SmtpSink,
    stack: Stack,
    admin: TenantAdmin,
    staff: Api,
    alpha: String,
    beta: String,
    ann: String,
    carl: String,
    bob: String,
    alpha_ticket: String,
    beta_ticket: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

async fn world() -> World {
    let smtp = SmtpSink::start().await;
    let stack = Stack::start_with(StackOptions { smtp_url: Some(smtp.url()), ..Default::default() }).await;
    let admin = stack.create_tenant("acme").await;
    let (staff, _) = stack.login(&admin).await;
    let mut companies = Vec::new();
    for name in ["Alpha Co", "Beta Co"] {
        let (s, c) = staff.post("/api/v1/companies", &json!({"name": name})).await;
        assert_eq!(s, 200, "{c}");
        companies.push(id(&c));
    }
    let mut contacts = Vec::new();
    for (company, first, email) in [
        (&companies[0], "Ann", "ann@alpha.example"),
        (&companies[0], "Carl", "carl@alpha.example"),
        (&companies[1], "Bob", "bob@beta.example"),
    ] {
        let (s, c) = staff
            .post(
                "/api/v1/contacts",
                &json!({"companyId": company, "firstName": first, "lastName": "Client", "email": email}),
            )
            .await;
        assert_eq!(s, 200, "{c}");
        contacts.push(id(&c));
    }
    let mut tickets = Vec::new();
    for company in &companies {
        let (s, t) = staff.post("/api/v1/tickets", &json!({"title": "Printer jam", "companyId": company})).await;
        assert_eq!(s, 200, "{t}");
        tickets.push(id(&t));
    }
    for (ticket, body, vis) in [
        (&tickets[0], "internal: reboot the spooler", "NOTE_VISIBILITY_INTERNAL"),
        (&tickets[0], "We are on it", "NOTE_VISIBILITY_PUBLIC"),
        (&tickets[1], "beta public note", "NOTE_VISIBILITY_PUBLIC"),
    ] {
        let (s, n) =
            staff.post(&format!("/api/v1/tickets/{ticket}/notes"), &json!({"body": body, "visibility": vis})).await;
        assert_eq!(s, 200, "{n}");
    }
    World {
        smtp,
        stack,
        admin,
        staff,
        alpha: companies[0].clone(),
        beta: companies[1].clone(),
        ann: contacts[0].clone(),
        carl: contacts[1].clone(),
        bob: contacts[2].clone(),
        alpha_ticket: tickets[0].clone(),
        beta_ticket: tickets[1].clone(),
    }
}

impl World {
    fn anon(&self) -> Api {
        Api::new(&self.stack.gateway_url(), None)
    }

    async fn invite(&self, by: &Api, company: &str, contact: &str, role: &str) -> (u16, Value) {
        by.post(&format!("/api/v1/companies/{company}/portal-users"), &json!({"contactId": contact, "role": role}))
            .await
    }

    /// The token of the invitation link in the next mail to `email`, after checking the link.
    async fn invitation_token(&self, email: &str) -> String {
        let mail = self.smtp.next_to(email).await;
        link_token(&mail, &format!("{}/portal/accept-invitation#token=", self.stack.gateway_url()))
    }

    async fn portal_login(&self, email: &str, password: &str) -> (u16, Value) {
        self.anon()
            .post(
                "/api/v1/portal/auth/login",
                &json!({"tenant": self.admin.slug, "email": email, "password": password}),
            )
            .await
    }

    async fn portal_api(&self, email: &str, password: &str) -> (Api, Value) {
        let (s, body) = self.portal_login(email, password).await;
        assert_eq!(s, 200, "portal login {email}: {body}");
        (Api::new(&self.stack.gateway_url(), Some(body["accessToken"].as_str().unwrap().to_owned())), body)
    }

    /// Invites `contact` of `company` (by staff), accepts, and signs in.
    async fn onboard(&self, company: &str, contact: &str, email: &str, role: &str) -> (Api, String) {
        let (s, u) = self.invite(&self.staff, company, contact, role).await;
        assert_eq!(s, 200, "{u}");
        let token = self.invitation_token(email).await;
        let (s, b) = self
            .anon()
            .post("/api/v1/portal/auth/accept-invitation", &json!({"token": token, "password": GOOD_PASSWORD}))
            .await;
        assert_eq!(s, 200, "{b}");
        (self.portal_api(email, GOOD_PASSWORD).await.0, id(&u))
    }
}

fn link_token(mail: &ReceivedMail, prefix: &str) -> String {
    let (_, token) = mail.link_with(prefix).unwrap_or_else(|| panic!("no link {prefix}… in {:?}", mail.text()));
    assert!(!token.is_empty());
    token
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key].as_array().unwrap_or_else(|| panic!("no {key} in {v}")).iter().map(id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invitation_accept_login_and_company_isolation() {
    let w = world().await;
    // Staff invites Ann as Client Admin of Alpha.
    let (s, ann) = w.invite(&w.staff, &w.alpha, &w.ann, "PORTAL_ROLE_CLIENT_ADMIN").await;
    assert_eq!(s, 200, "{ann}");
    assert_eq!(ann["status"], "PORTAL_USER_STATUS_INVITED");
    assert_eq!(ann["email"], "ann@alpha.example");
    assert_eq!(ann["companyId"], w.alpha.as_str());
    assert!(ann["invitationExpireTime"].is_string(), "{ann}");
    let mail = w.smtp.next_to("ann@alpha.example").await;
    assert!(mail.subject().contains("acme MSP client portal"), "{}", mail.subject());
    assert_eq!(mail.envelope_from, "psa@msp.example");
    let token = link_token(&mail, &format!("{}/portal/accept-invitation#token=", w.stack.gateway_url()));
    // The same contact twice: ALREADY_EXISTS.
    assert_eq!(w.invite(&w.staff, &w.alpha, &w.ann, "PORTAL_ROLE_CLIENT_USER").await.0, 409);

    // Not yet accepted: no sign-in.
    assert_eq!(w.portal_login("ann@alpha.example", GOOD_PASSWORD).await.0, 401);
    // Password policy applies, and a refused attempt does not spend the link.
    let accept = |password: &str| {
        let body = json!({"token": token, "password": password, "displayName": "Ann C."});
        let anon = w.anon();
        async move { anon.post("/api/v1/portal/auth/accept-invitation", &body).await }
    };
    let (s, b) = accept("short").await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["field"], "password", "{b}");
    assert_eq!(accept(GOOD_PASSWORD).await.0, 200);
    let (s, b) = accept(GOOD_PASSWORD).await;
    assert_eq!((s, b["errors"][0]["field"].as_str()), (400, Some("token")), "single use: {b}");

    // Portal login: kind portal, with the company; staff login refuses the same credentials
    // and the portal login refuses staff credentials.
    let (ann_api, pair) = w.portal_api("ann@alpha.example", GOOD_PASSWORD).await;
    let (_, me) = ann_api.get("/api/v1/auth/me").await;
    assert_eq!((me["kind"].as_str(), me["companyId"].as_str()), (Some("portal"), Some(w.alpha.as_str())), "{me}");
    assert_eq!(me["displayName"], "Ann C.");
    let (s, _) = w
        .anon()
        .post(
            "/api/v1/auth/login",
            &json!({"tenant": w.admin.slug, "email": "ann@alpha.example", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(s, 401, "portal credentials on the staff login");
    assert_eq!(w.portal_login(&w.admin.email, &w.admin.password).await.0, 401, "staff credentials on the portal login");
    // Refresh works for portal sessions and keeps the kind and company.
    let (s, refreshed) = w.anon().post("/api/v1/auth/refresh", &json!({"refreshToken": pair["refreshToken"]})).await;
    assert_eq!(s, 200, "{refreshed}");
    let (_, me) = Api::new(&w.stack.gateway_url(), refreshed["accessToken"].as_str().map(str::to_owned))
        .get("/api/v1/auth/me")
        .await;
    assert_eq!(me["companyId"], w.alpha.as_str());

    // Only Alpha's records, only public notes.
    let (_, tickets) = ann_api.get("/api/v1/tickets").await;
    assert_eq!(ids(&tickets, "tickets"), std::slice::from_ref(&w.alpha_ticket));
    let (_, notes) = ann_api.get(&format!("/api/v1/tickets/{}/notes", w.alpha_ticket)).await;
    let bodies: Vec<&str> = notes["notes"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["We are on it"], "never an internal note");
    let (_, contacts) = ann_api.get("/api/v1/contacts").await;
    let mut seen = ids(&contacts, "contacts");
    seen.sort();
    let mut alpha_contacts = vec![w.ann.clone(), w.carl.clone()];
    alpha_contacts.sort();
    assert_eq!(seen, alpha_contacts);
    for path in [
        format!("/api/v1/tickets/{}", w.beta_ticket),
        format!("/api/v1/tickets/{}/notes", w.beta_ticket),
        format!("/api/v1/contacts/{}", w.bob),
        format!("/api/v1/companies/{}", w.beta),
        format!("/api/v1/companies/{}/portal-users", w.beta),
    ] {
        let (s, b) = ann_api.get(&path).await;
        assert_eq!(s, 404, "GET {path}: {b}");
    }
    let (s, _) = ann_api
        .post(
            &format!("/api/v1/tickets/{}/notes", w.beta_ticket),
            &json!({"body": "x", "visibility": "NOTE_VISIBILITY_PUBLIC"}),
        )
        .await;
    assert_eq!(s, 404);

    // Ann (Client Admin) manages Alpha's portal users: invites Carl, not Beta's Bob.
    let (s, carl) = w.invite(&ann_api, &w.alpha, &w.carl, "PORTAL_ROLE_CLIENT_USER").await;
    assert_eq!(s, 200, "{carl}");
    assert_eq!(carl["role"], "PORTAL_ROLE_CLIENT_USER");
    let carl_id = id(&carl);
    let carl_token = w.invitation_token("carl@alpha.example").await;
    let (s, b) = w.invite(&ann_api, &w.alpha, &w.bob, "PORTAL_ROLE_CLIENT_USER").await;
    assert_eq!((s, b["errors"][0]["field"].as_str()), (400, Some("portalUser.contactId")), "{b}");
    assert_eq!(w.invite(&ann_api, &w.beta, &w.bob, "PORTAL_ROLE_CLIENT_USER").await.0, 404);
    let (_, list) = ann_api.get(&format!("/api/v1/companies/{}/portal-users", w.alpha)).await;
    assert_eq!(ids(&list, "portalUsers").len(), 2, "{list}");

    // Bob of Beta, invited by staff: invisible and untouchable for Ann.
    let (s, bob) = w.invite(&w.staff, &w.beta, &w.bob, "PORTAL_ROLE_CLIENT_ADMIN").await;
    assert_eq!(s, 200, "{bob}");
    let bob_path = format!("/api/v1/portal-users/{}", id(&bob));
    assert_eq!(ann_api.get(&bob_path).await.0, 404);
    assert_eq!(ann_api.patch(&bob_path, &json!({"role": "PORTAL_ROLE_CLIENT_USER"})).await.0, 404);
    assert_eq!(ann_api.post(&format!("{bob_path}:disable"), &json!({})).await.0, 404);
    assert_eq!(ann_api.post(&format!("{bob_path}:resendInvitation"), &json!({})).await.0, 404);
    let (_, bob_now) = w.staff.get(&bob_path).await;
    assert_eq!(bob_now["status"], "PORTAL_USER_STATUS_INVITED", "unchanged: {bob_now}");

    // Carl accepts; as a Client User he cannot manage portal users.
    let (s, _) = w
        .anon()
        .post("/api/v1/portal/auth/accept-invitation", &json!({"token": carl_token, "password": GOOD_PASSWORD}))
        .await;
    assert_eq!(s, 200);
    let (carl_api, _) = w.portal_api("carl@alpha.example", GOOD_PASSWORD).await;
    assert_eq!(carl_api.get(&format!("/api/v1/companies/{}/portal-users", w.alpha)).await.0, 403);
    assert_eq!(carl_api.get("/api/v1/contacts").await.0, 403);
    // Ann promotes Carl, cannot change or disable herself, then disables Carl: his token and
    // his login stop working.
    let carl_path = format!("/api/v1/portal-users/{carl_id}");
    let (s, promoted) = ann_api.patch(&carl_path, &json!({"role": "PORTAL_ROLE_CLIENT_ADMIN"})).await;
    assert_eq!((s, promoted["role"].as_str()), (200, Some("PORTAL_ROLE_CLIENT_ADMIN")), "{promoted}");
    let ann_path = format!("/api/v1/portal-users/{}", id(&ann));
    assert_eq!(ann_api.post(&format!("{ann_path}:disable"), &json!({})).await.0, 400);
    assert_eq!(ann_api.patch(&ann_path, &json!({"role": "PORTAL_ROLE_CLIENT_USER"})).await.0, 400);
    let (s, disabled) = ann_api.post(&format!("{carl_path}:disable"), &json!({})).await;
    assert_eq!((s, disabled["status"].as_str()), (200, Some("PORTAL_USER_STATUS_DISABLED")), "{disabled}");
    psa_testkit::eventually(10, "disabled user's token refused", || {
        let carl_api = carl_api.clone();
        async move { (carl_api.get("/api/v1/tickets").await.0 == 401).then_some(()) }
    })
    .await;
    assert_eq!(w.portal_login("carl@alpha.example", GOOD_PASSWORD).await.0, 401);
    let (s, enabled) = w.staff.post(&format!("{carl_path}:enable"), &json!({})).await;
    assert_eq!((s, enabled["status"].as_str()), (200, Some("PORTAL_USER_STATUS_ACTIVE")));
    assert_eq!(w.portal_login("carl@alpha.example", GOOD_PASSWORD).await.0, 200);

    // Portal users are not staff users: the staff user API does not list or reach them.
    let (_, users) = w.staff.get("/api/v1/users").await;
    assert_eq!(users["users"].as_array().unwrap().len(), 1, "{users}");
    assert_eq!(w.staff.get(&format!("/api/v1/users/{carl_id}")).await.0, 404);
    w.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invitation_links_expire_and_resending_voids_the_old_one() {
    let w = world().await;
    let (s, ann) = w.invite(&w.staff, &w.alpha, &w.ann, "PORTAL_ROLE_CLIENT_USER").await;
    assert_eq!(s, 200, "{ann}");
    assert_eq!(ann["role"], "PORTAL_ROLE_CLIENT_USER");
    let first = w.invitation_token("ann@alpha.example").await;
    let mut db = w.stack.db().await;
    sqlx::query(
        "update identity.user_tokens set expires_at = now() - interval '1 second' where purpose = 'invitation'",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let accept = |token: String| {
        let anon = w.anon();
        async move {
            anon.post("/api/v1/portal/auth/accept-invitation", &json!({"token": token, "password": GOOD_PASSWORD}))
                .await
        }
    };
    let (s, b) = accept(first.clone()).await;
    assert_eq!((s, b["errors"][0]["field"].as_str()), (400, Some("token")), "expired: {b}");
    // Resend: a new link that works (the mail is the next one to Ann).
    let path = format!("/api/v1/portal-users/{}:resendInvitation", id(&ann));
    assert_eq!(w.staff.post(&path, &json!({})).await.0, 200);
    let mails_to_ann = || w.smtp.messages().into_iter().filter(|m| m.envelope_to == ["ann@alpha.example"]).count();
    psa_testkit::eventually(10, "second invitation", || async { (mails_to_ann() == 2).then_some(()) }).await;
    let second = w.smtp.messages().into_iter().rfind(|m| m.envelope_to == ["ann@alpha.example"]).unwrap();
    let second = link_token(&second, &format!("{}/portal/accept-invitation#token=", w.stack.gateway_url()));
    assert_ne!(first, second);
    // A third link voids the second one.
    assert_eq!(w.staff.post(&path, &json!({})).await.0, 200);
    psa_testkit::eventually(10, "third invitation", || async { (mails_to_ann() == 3).then_some(()) }).await;
    let third = w.smtp.messages().into_iter().rfind(|m| m.envelope_to == ["ann@alpha.example"]).unwrap();
    let third = link_token(&third, &format!("{}/portal/accept-invitation#token=", w.stack.gateway_url()));
    assert_eq!(accept(second).await.0, 400, "voided by the newer link");
    assert_eq!(accept(third).await.0, 200);
    assert_eq!(w.staff.post(&path, &json!({})).await.0, 400, "already accepted");
    // Garbage tokens: a field error, not a 500.
    let (s, b) = accept("not-a-token".into()).await;
    assert_eq!((s, b["errors"][0]["field"].as_str()), (400, Some("token")));
    w.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forgot_and_reset_password() {
    let w = world().await;
    let (_, _) = w.onboard(&w.alpha, &w.ann, "ann@alpha.example", "PORTAL_ROLE_CLIENT_USER").await;
    let (old_api, old_pair) = w.portal_api("ann@alpha.example", GOOD_PASSWORD).await;
    let forgot = |email: &str| {
        let body = json!({"tenant": w.admin.slug, "email": email});
        let anon = w.anon();
        async move { anon.post("/api/v1/portal/auth/forgot-password", &body).await }
    };
    // Known, unknown, staff and wrong-tenant addresses all answer the same.
    let known = forgot("ann@alpha.example").await;
    assert_eq!(known.0, 200);
    assert_eq!(forgot("nobody@alpha.example").await, known);
    assert_eq!(forgot(&w.admin.email).await, known, "staff account on the portal endpoint");
    let (s, b) = w
        .anon()
        .post("/api/v1/portal/auth/forgot-password", &json!({"tenant": "no-such-tenant", "email": "ann@alpha.example"}))
        .await;
    assert_eq!((s, &b), (known.0, &known.1));
    let mail = w.smtp.next_to("ann@alpha.example").await;
    let prefix = format!("{}/portal/reset-password#token=", w.stack.gateway_url());
    let token = link_token(&mail, &prefix);
    // Only Ann got a mail (invitation + reset).
    let total = w.smtp.count_after(Duration::from_millis(500)).await;
    assert_eq!(total, 2, "{:?}", w.smtp.messages().iter().map(|m| m.envelope_to.clone()).collect::<Vec<_>>());

    let reset = |token: &str, password: &str| {
        let body = json!({"token": token, "newPassword": password});
        let anon = w.anon();
        async move { anon.post("/api/v1/portal/auth/reset-password", &body).await }
    };
    let (s, b) = reset(&token, "short").await;
    assert_eq!((s, b["errors"][0]["field"].as_str()), (400, Some("newPassword")), "{b}");
    let new_password = "another long passphrase 7";
    assert_eq!(reset(&token, new_password).await.0, 200);
    let (s, b) = reset(&token, "yet another passphrase 9").await;
    assert_eq!((s, b["errors"][0]["field"].as_str()), (400, Some("token")), "single use: {b}");
    // Sessions revoked: the refresh token and (within seconds) the access token stop working.
    assert_eq!(w.anon().post("/api/v1/auth/refresh", &json!({"refreshToken": old_pair["refreshToken"]})).await.0, 401);
    psa_testkit::eventually(10, "old access token refused", || {
        let old_api = old_api.clone();
        async move { (old_api.get("/api/v1/tickets").await.0 == 401).then_some(()) }
    })
    .await;
    assert_eq!(w.portal_login("ann@alpha.example", GOOD_PASSWORD).await.0, 401);
    assert_eq!(w.portal_login("ann@alpha.example", new_password).await.0, 200);

    // Expiry.
    assert_eq!(forgot("ann@alpha.example").await.0, 200);
    let mail = w
        .smtp
        .wait_for(|m| {
            m.envelope_to == ["ann@alpha.example"] && m.text().contains("reset") && {
                m.link_with(&prefix).is_some_and(|(_, t)| t != token)
            }
        })
        .await
        .expect("second reset mail");
    let expired = link_token(&mail, &prefix);
    let mut db = w.stack.db().await;
    sqlx::query(
        "update identity.user_tokens set expires_at = now() - interval '1 second' where purpose = 'password_reset'",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let (s, b) = reset(&expired, "a third long passphrase").await;
    assert_eq!((s, b["errors"][0]["field"].as_str()), (400, Some("token")), "expired: {b}");

    // Staff: the same flow on the staff endpoints, with a link to the staff app; a staff token
    // does not work on the portal endpoint.
    let (s, _) =
        w.anon().post("/api/v1/auth/forgot-password", &json!({"tenant": w.admin.slug, "email": w.admin.email})).await;
    assert_eq!(s, 200);
    let mail = w.smtp.next_to(&w.admin.email).await;
    let staff_token = link_token(&mail, &format!("{}/reset-password#token=", w.stack.gateway_url()));
    assert_eq!(reset(&staff_token, "staff long passphrase 1").await.0, 400, "staff token on the portal endpoint");
    let (s, _) = w
        .anon()
        .post("/api/v1/auth/reset-password", &json!({"token": staff_token, "newPassword": "staff long passphrase 1"}))
        .await;
    // The portal endpoint spent nothing: the token was for another kind, and the refused
    // attempt rolled back.
    assert_eq!(s, 200);
    let (s, _) = w
        .anon()
        .post(
            "/api/v1/auth/login",
            &json!({"tenant": w.admin.slug, "email": w.admin.email, "password": "staff long passphrase 1"}),
        )
        .await;
    assert_eq!(s, 200);
    w.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn other_tenant_cannot_reach_portal_users() {
    let w = world().await;
    let (s, ann) = w.invite(&w.staff, &w.alpha, &w.ann, "PORTAL_ROLE_CLIENT_ADMIN").await;
    assert_eq!(s, 200, "{ann}");
    let other = w.stack.create_tenant("other").await;
    let (b, _) = w.stack.login(&other).await;
    let path = format!("/api/v1/portal-users/{}", id(&ann));
    assert_eq!(b.get(&path).await.0, 404);
    assert_eq!(b.patch(&path, &json!({"role": "PORTAL_ROLE_CLIENT_USER"})).await.0, 404);
    assert_eq!(b.post(&format!("{path}:disable"), &json!({})).await.0, 404);
    assert_eq!(b.post(&format!("{path}:resendInvitation"), &json!({})).await.0, 404);
    let (s, list) = b.get(&format!("/api/v1/companies/{}/portal-users", w.alpha)).await;
    assert_eq!(s, 200);
    assert_eq!(list["portalUsers"].as_array().map_or(0, Vec::len), 0, "{list}");
    // Another tenant's contact cannot be invited (contracts does not show it to this caller).
    let (s, e) = w.invite(&b, &w.alpha, &w.carl, "PORTAL_ROLE_CLIENT_USER").await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (400, Some("portalUser.contactId")), "{e}");
    // A portal token of the other tenant naming this tenant's company sees nothing either.
    let forged = w.stack.portal_api(other.tenant_id, w.alpha.parse().unwrap()).await;
    assert_eq!(forged.get(&path).await.0, 403, "Client User permissions lack portal_users.read");
    let (_, ann_now) = w.staff.get(&path).await;
    assert_eq!(ann_now["role"], "PORTAL_ROLE_CLIENT_ADMIN");
    // Row-level security alone hides the link tokens (raw SQL as identity's role).
    let owner = w.admin.tenant_id;
    assert_eq!(tokens_as(&w.stack.database_url, owner, Some(owner)).await, 1);
    assert_eq!(tokens_as(&w.stack.database_url, owner, Some(other.tenant_id)).await, 0);
    assert_eq!(tokens_as(&w.stack.database_url, owner, None).await, 0);
    w.stack.stop().await;
}

/// `owner`'s rows of `identity.user_tokens` as role `psa_identity` with `app.tenant_id` =
/// `tenant` (or unset): the query asks for them outright, so only RLS stands in the way.
async fn tokens_as(url: &str, owner: uuid::Uuid, tenant: Option<uuid::Uuid>) -> i64 {
    use sqlx::{Connection as _, Executor as _};
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    conn.execute("set role psa_identity").await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    if let Some(t) = tenant {
        sqlx::query("select set_config('app.tenant_id', $1, true)")
            .bind(t.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query_scalar("select count(*) from identity.user_tokens where tenant_id = $1")
        .bind(owner)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn portal_login_and_forgot_password_are_rate_limited() {
    let stack = Stack::start_with(StackOptions {
        login_rate_limit_per_minute: 5,
        login_account_rate_limit_per_minute: 2,
        ..Default::default()
    })
    .await;
    let admin = stack.create_tenant("acme").await;
    let anon = Api::new(&stack.gateway_url(), None);
    let wrong = json!({"tenant": admin.slug, "email": "ann@alpha.example", "password": "not the password"});
    assert_eq!(anon.post("/api/v1/portal/auth/login", &wrong).await.0, 401);
    assert_eq!(anon.post("/api/v1/portal/auth/login", &wrong).await.0, 401);
    let (s, b) = anon.post("/api/v1/portal/auth/login", &wrong).await;
    assert_eq!((s, b["code"].as_str()), (429, Some("RESOURCE_EXHAUSTED")), "per account: {b}");
    // Forgotten-password requests count per IP: the 4th and 5th pass, then 429.
    let forgot = json!({"tenant": admin.slug, "email": "someone@alpha.example"});
    assert_eq!(anon.post("/api/v1/portal/auth/forgot-password", &forgot).await.0, 200);
    assert_eq!(anon.post("/api/v1/auth/forgot-password", &forgot).await.0, 200);
    assert_eq!(anon.post("/api/v1/portal/auth/forgot-password", &forgot).await.0, 429);
    // Resetting with a token is not limited (the token is the secret).
    let (s, _) = anon.post("/api/v1/portal/auth/reset-password", &json!({"token": "x", "newPassword": "y"})).await;
    assert_eq!(s, 400);
    stack.stop().await;
}
