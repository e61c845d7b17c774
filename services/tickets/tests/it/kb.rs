//! Knowledge base over REST against real PostgreSQL: the category tree (slugs, no cycles,
//! delete only when empty), articles (validation → 400 with fields, sanitised HTML, views,
//! versions on text changes, publish/archive, ratings, related articles, links to tickets,
//! a draft from a ticket), full-text search with ranking and stemming, and who reads what
//! (portal users by visibility and status; other tenants nothing).

use psa_core::PrincipalKind;
use psa_core::permissions::Role;
use psa_testkit::{Api, Stack};
use serde_json::{Value, json};

async fn ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

fn titles(v: &Value, key: &str) -> Vec<String> {
    let mut t: Vec<String> = v[key]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| a.get("article").unwrap_or(a)["title"].as_str().unwrap_or("").to_owned())
        .collect();
    t.sort();
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn categories_articles_versions_search_and_tickets() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("kb-a").await).await;

    // Categories: slugs unique per tenant, a tree without cycles.
    let net = ok(&api, "/api/v1/kb/categories", json!({"name": "Networking"})).await;
    assert_eq!(net["slug"], "networking");
    let net2 = ok(&api, "/api/v1/kb/categories", json!({"name": "Networking!"})).await;
    assert_eq!(net2["slug"], "networking-2");
    let vpn = ok(&api, "/api/v1/kb/categories", json!({"name": "VPN", "parentId": id(&net)})).await;
    let (s, v) = api
        .put(&format!("/api/v1/kb/categories/{}", id(&net)), &json!({"name": "Networking", "parentId": id(&vpn)}))
        .await;
    assert!(s == 400 && v.to_string().contains("category.parent_id"), "cycle: {s} {v}");
    let (s, v) = api
        .put(&format!("/api/v1/kb/categories/{}", id(&net)), &json!({"name": "Networking", "parentId": id(&net)}))
        .await;
    assert_eq!(s, 400, "own parent: {v}");
    let (s, v) =
        api.post("/api/v1/kb/categories", &json!({"name": " ", "parentId": uuid::Uuid::now_v7().to_string()})).await;
    assert!(s == 400 && v.to_string().contains("category.name"), "{s} {v}");

    // Articles: bad input names its fields.
    let (s, v) = api
        .post(
            "/api/v1/kb/articles",
            &json!({"title": "", "visibility": "KB_VISIBILITY_CLIENT_SPECIFIC", "relatedTicketIds": ["nope"]}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("article.related_ticket_ids[0]"), "{v}");
    let (s, v) =
        api.post("/api/v1/kb/articles", &json!({"title": "", "visibility": "KB_VISIBILITY_CLIENT_SPECIFIC"})).await;
    assert!(
        s == 400 && v.to_string().contains("article.title") && v.to_string().contains("article.company_ids"),
        "{v}"
    );
    let (s, v) = api
        .post(
            "/api/v1/kb/articles",
            &json!({"title": "x", "relatedArticleIds": [uuid::Uuid::now_v7().to_string()], "relatedTicketIds": [uuid::Uuid::now_v7().to_string()]}),
        )
        .await;
    assert!(
        s == 400
            && v.to_string().contains("article.related_article_ids")
            && v.to_string().contains("article.related_ticket_ids"),
        "{v}"
    );

    let content = "# Reset\n\nOpen the **Okta** admin console and reset the token.\n\n<script>alert(1)</script>";
    let vpn_article = ok(
        &api,
        "/api/v1/kb/articles",
        json!({"title": "Reset a VPN MFA token", "content": content, "summary": "When the VPN rejects codes.",
               "tags": ["VPN", " okta ", "vpn"], "categoryId": id(&vpn), "visibility": "KB_VISIBILITY_PUBLIC"}),
    )
    .await;
    assert_eq!(
        (vpn_article["status"].as_str(), vpn_article["version"].as_i64()),
        (Some("KB_ARTICLE_STATUS_DRAFT"), Some(1))
    );
    assert_eq!(vpn_article["tags"], json!(["vpn", "okta"]));
    assert_eq!(vpn_article["slug"], "reset-a-vpn-mfa-token");
    let html = vpn_article["contentHtml"].as_str().unwrap();
    assert!(html.contains("<strong>Okta</strong>") && !html.contains("<script"), "{html}");
    let printer = ok(
        &api,
        "/api/v1/kb/articles",
        json!({"title": "Printer offline after Windows update", "content": "Restart the print spooler service, then clear the queue.",
               "relatedArticleIds": [id(&vpn_article)]}),
    )
    .await;
    assert_eq!(printer["relatedArticles"][0]["title"], "Reset a VPN MFA token", "{printer}");

    // Views, versions on text changes only.
    let path = format!("/api/v1/kb/articles/{}", id(&vpn_article));
    api.get(&path).await;
    let (_, again) = api.get(&path).await;
    assert_eq!(again["viewCount"], 2);
    let (s, v2) = api.patch(&path, &json!({"content": "Updated steps: reset the Okta token."})).await;
    assert_eq!((s, v2["version"].as_i64()), (200, Some(2)), "{v2}");
    let (_, v2) = api.patch(&path, &json!({"tags": ["vpn", "okta", "mfa"]})).await;
    assert_eq!((v2["version"].as_i64(), v2["tags"].as_array().map(Vec::len)), (Some(2), Some(3)), "{v2}");
    let (_, versions) = api.get(&format!("{path}/versions")).await;
    let numbers: Vec<i64> =
        versions["versions"].as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [2, 1]);
    assert!(versions["versions"][1]["content"].as_str().unwrap().contains("admin console"));

    // Lifecycle.
    let published = ok(&api, &format!("{path}/publish"), json!({})).await;
    assert!(published["publishTime"].is_string(), "{published}");
    assert_eq!(api.post(&format!("{path}/publish"), &json!({})).await.0, 400);
    let archived = ok(&api, &format!("{path}/archive"), json!({})).await;
    assert_eq!(archived["status"], "KB_ARTICLE_STATUS_ARCHIVED");
    assert_eq!(api.post(&format!("{path}/archive"), &json!({})).await.0, 400);
    ok(&api, &format!("{path}/publish"), json!({})).await;

    // Ratings: one per user, changeable.
    let r = ok(&api, &format!("{path}/helpful"), json!({})).await;
    assert_eq!((r["helpfulCount"].as_i64(), r["notHelpfulCount"].as_i64()), (Some(1), None));
    let r = ok(&api, &format!("{path}/not-helpful"), json!({})).await;
    assert_eq!((r["helpfulCount"].as_i64(), r["notHelpfulCount"].as_i64()), (None, Some(1)));

    // Search: ranking (title beats body), stemming, and a clear error for an empty query.
    let extra = ok(
        &api,
        "/api/v1/kb/articles",
        json!({"title": "Onboarding checklist", "content": "Set up the VPN client and the printer."}),
    )
    .await;
    let (s, found) = api.get("/api/v1/kb/search?query=printers").await;
    assert_eq!(s, 200, "{found}");
    let results = found["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{found}");
    assert_eq!(results[0]["article"]["title"], "Printer offline after Windows update", "title match first: {found}");
    assert!(results[0]["rank"].as_f64().unwrap() > results[1]["rank"].as_f64().unwrap_or(0.0));
    let (_, found) = api.get("/api/v1/kb/search?query=spooler%20-printer").await;
    assert!(found["results"].is_null(), "excluded word: {found}");
    let (_, found) = api.get("/api/v1/kb/search?query=okta%20token").await;
    assert_eq!(found["results"][0]["article"]["id"].as_str(), Some(id(&vpn_article).as_str()));
    assert!(found["results"][0]["snippet"].as_str().unwrap().contains("Okta"), "{found}");
    let (s, v) = api.get("/api/v1/kb/search?query=%20").await;
    assert!(s == 400 && v.to_string().contains("query"), "{s} {v}");

    // Lists: by tag, by status.
    let (_, tagged) = api.get("/api/v1/kb/articles?tag=MFA").await;
    assert_eq!(titles(&tagged, "articles"), ["Reset a VPN MFA token"]);
    let (_, drafts) = api.get("/api/v1/kb/articles?filter=status%20%3D%20%22KB_ARTICLE_STATUS_DRAFT%22").await;
    assert_eq!(titles(&drafts, "articles"), ["Onboarding checklist", "Printer offline after Windows update"]);
    assert_eq!(drafts["articles"][0]["content"], Value::Null, "lists carry no content");

    // A draft from a ticket: public notes only.
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let ticket = ok(
        &api,
        "/api/v1/tickets",
        json!({"title": "VPN drops hourly", "description": "Since Monday.", "companyId": id(&company)}),
    )
    .await;
    let tpath = format!("/api/v1/tickets/{}/notes", id(&ticket));
    ok(&api, &tpath, json!({"body": "Raised the MTU to 1400.", "visibility": "NOTE_VISIBILITY_PUBLIC"})).await;
    ok(&api, &tpath, json!({"body": "Client admin is difficult.", "visibility": "NOTE_VISIBILITY_INTERNAL"})).await;
    let drafted = ok(&api, &format!("/api/v1/kb/articles/from-ticket/{}", id(&ticket)), json!({})).await;
    let body = drafted["content"].as_str().unwrap();
    assert!(body.contains("Since Monday.") && body.contains("Raised the MTU") && !body.contains("difficult"), "{body}");
    assert_eq!(
        (drafted["title"].as_str(), drafted["relatedTicketIds"][0].as_str()),
        (Some("VPN drops hourly"), ticket["id"].as_str())
    );
    let (_, linked) = api.get(&format!("/api/v1/kb/articles?ticketId={}", id(&ticket))).await;
    assert_eq!(titles(&linked, "articles"), ["VPN drops hourly"]);
    assert_eq!(api.post(&format!("/api/v1/kb/articles/from-ticket/{}", uuid::Uuid::now_v7()), &json!({})).await.0, 404);

    // Deleting: a category in use cannot go; an article can, and leaves related lists.
    assert_eq!(api.delete(&format!("/api/v1/kb/categories/{}", id(&vpn))).await.0, 400);
    assert_eq!(api.delete(&format!("/api/v1/kb/categories/{}", id(&net2))).await.0, 200);
    assert_eq!(api.delete(&path).await.0, 200);
    assert_eq!(api.get(&path).await.0, 404);
    let (_, p) = api.get(&format!("/api/v1/kb/articles/{}", id(&printer))).await;
    assert_eq!(p["relatedArticleIds"], Value::Null, "{p}");
    assert_eq!(api.delete(&format!("/api/v1/kb/categories/{}", id(&vpn))).await.0, 200);
    let _ = extra;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn portal_users_read_by_visibility_and_other_tenants_read_nothing() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("kb-iso-a").await;
    let (api, _) = stack.login(&a).await;
    let (other, _) = stack.login(&stack.create_tenant("kb-iso-b").await).await;
    let (x, y) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let ticket = ok(&api, "/api/v1/tickets", json!({"title": "Printer", "companyId": id(&company)})).await;
    let mut ids = std::collections::HashMap::new();
    for (title, visibility, companies, publish) in [
        ("Public guide", "KB_VISIBILITY_PUBLIC", vec![], true),
        ("Internal runbook", "KB_VISIBILITY_INTERNAL", vec![], true),
        ("For X", "KB_VISIBILITY_CLIENT_SPECIFIC", vec![x.to_string()], true),
        ("For Y", "KB_VISIBILITY_CLIENT_SPECIFIC", vec![y.to_string()], true),
        ("Public draft", "KB_VISIBILITY_PUBLIC", vec![], false),
    ] {
        let art = ok(
            &api,
            "/api/v1/kb/articles",
            json!({"title": title, "content": "guide for the printer", "visibility": visibility, "companyIds": companies,
                   "relatedTicketIds": [id(&ticket)]}),
        )
        .await;
        if publish {
            ok(&api, &format!("/api/v1/kb/articles/{}/publish", id(&art)), json!({})).await;
        }
        ids.insert(title, id(&art));
    }
    let cat = ok(&api, "/api/v1/kb/categories", json!({"name": "Internal only"})).await;
    ok(&api, "/api/v1/kb/categories", json!({"name": "Shared", "visibility": "KB_VISIBILITY_PUBLIC"})).await;

    // A portal user of X: published public + X's articles; the rest answer 404.
    let claims = Stack::claims(a.tenant_id, PrincipalKind::Portal, Role::ClientUser.permission_names(), Some(x));
    let portal = Api::new(&stack.gateway_url(), Some(stack.mint_token(&claims).await));
    let (s, list) = portal.get("/api/v1/kb/articles").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(titles(&list, "articles"), ["For X", "Public guide"]);
    assert!(list["articles"][0]["relatedTicketIds"].is_null(), "linked tickets are staff knowledge: {list}");
    let (_, found) = portal.get("/api/v1/kb/search?query=printer").await;
    assert_eq!(titles(&found, "results"), ["For X", "Public guide"]);
    for hidden in ["Internal runbook", "For Y", "Public draft"] {
        let path = format!("/api/v1/kb/articles/{}", ids[hidden]);
        assert_eq!(portal.get(&path).await.0, 404, "{hidden}");
        assert_eq!(portal.post(&format!("{path}/helpful"), &json!({})).await.0, 404, "{hidden}");
    }
    let public = format!("/api/v1/kb/articles/{}", ids["Public guide"]);
    let (s, seen) = portal.get(&public).await;
    assert!(s == 200 && seen["relatedTicketIds"].is_null(), "{seen}");
    assert_eq!(portal.post(&format!("{public}/helpful"), &json!({})).await.0, 200);
    assert_eq!(portal.get(&format!("{public}/versions")).await.0, 403);
    assert_eq!(portal.post("/api/v1/kb/articles", &json!({"title": "Mine"})).await.0, 403);
    let (_, cats) = portal.get("/api/v1/kb/categories").await;
    let names: Vec<&str> = cats["categories"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Shared"]);
    // even a portal token that claims kb.write cannot write
    let forged = Stack::claims(a.tenant_id, PrincipalKind::Portal, &["kb.read", "kb.write"], Some(x));
    let forged = Api::new(&stack.gateway_url(), Some(stack.mint_token(&forged).await));
    assert_eq!(forged.post("/api/v1/kb/articles", &json!({"title": "Mine"})).await.0, 403);
    assert_eq!(forged.patch(&public, &json!({"title": "Defaced"})).await.0, 403);
    assert_eq!(forged.delete(&public).await.0, 403);

    // Another tenant: nothing to see or change.
    assert_eq!(other.get(&public).await.0, 404);
    assert!(other.get("/api/v1/kb/articles").await.1["articles"].is_null());
    assert!(other.get("/api/v1/kb/search?query=printer").await.1["results"].is_null());
    assert!(other.get("/api/v1/kb/categories").await.1["categories"].is_null());
    assert_eq!(other.patch(&public, &json!({"title": "Defaced"})).await.0, 404);
    assert_eq!(other.post(&format!("{public}/archive"), &json!({})).await.0, 404);
    assert_eq!(other.delete(&public).await.0, 404);
    assert_eq!(other.delete(&format!("/api/v1/kb/categories/{}", id(&cat))).await.0, 404);
    assert_eq!(other.put(&format!("/api/v1/kb/categories/{}", id(&cat)), &json!({"name": "Mine"})).await.0, 404);
    assert_eq!(other.post(&format!("/api/v1/kb/articles/from-ticket/{}", id(&ticket)), &json!({})).await.0, 404);
    let (s, v) =
        other.post("/api/v1/kb/articles", &json!({"title": "x", "relatedArticleIds": [ids["Public guide"]]})).await;
    assert_eq!(s, 400, "A's article is unknown to B: {v}");
    let (_, still) = api.get(&public).await;
    assert_eq!(still["title"], "Public guide");
    stack.stop().await;
}
