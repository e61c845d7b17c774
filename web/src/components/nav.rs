//! The top navigation bar.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::{Route, use_session};

/// Brand, section links, the signed-in user and Sign out.
#[function_component(Nav)]
pub fn nav() -> Html {
    let session = use_session();
    let route = use_route::<Route>();
    let section = |r: &Route| match r {
        Route::Companies | Route::Company { .. } => "companies",
        Route::Tickets | Route::TicketNew | Route::Ticket { .. } => "tickets",
        Route::Contracts | Route::Contract { .. } => "contracts",
        Route::Services => "services",
        Route::Imports => "imports",
        Route::Time => "time",
        Route::Kb | Route::KbArticle { .. } => "kb",
        Route::Email | Route::EmailMailbox { .. } => "email",
        Route::Security => "security",
        Route::Audit => "audit",
        Route::Automation => "automation",
        Route::Tenants => "tenants",
        Route::Users => "users",
        Route::DeskSettings => "desk",
        Route::Sla => "sla",
        Route::CustomFields | Route::RateCards => "settings",
        _ => "",
    };
    let current = route.as_ref().map(section).unwrap_or("");
    let link_class = |name: &str| classes!("nav-link", (current == name).then_some("active"));
    let sign_out = {
        let cb = session.sign_out.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let has = |p: &str| session.me.permissions.iter().any(|x| x == p || x == "*");
    let who =
        if session.me.display_name.is_empty() { session.me.email.clone() } else { session.me.display_name.clone() };
    html! {
        <header class="topbar">
            <div class="topbar-inner">
                <Link<Route> to={Route::Companies} classes="brand">
                    <span class="brand-mark">{ "P" }</span>
                    <span class="brand-name">{ "PSA" }</span>
                </Link<Route>>
                <nav class="nav-links" aria-label="Main">
                    <Link<Route> to={Route::Companies} classes={link_class("companies")}>
                        <span id="nav-companies">{ "Companies" }</span>
                    </Link<Route>>
                    <Link<Route> to={Route::Contracts} classes={link_class("contracts")}>
                        <span id="nav-contracts">{ "Contracts" }</span>
                    </Link<Route>>
                    <Link<Route> to={Route::Services} classes={link_class("services")}>
                        <span id="nav-services">{ "Services" }</span>
                    </Link<Route>>
                    if has("imports.write") {
                        <Link<Route> to={Route::Imports} classes={link_class("imports")}>
                            <span id="nav-imports">{ "Import" }</span>
                        </Link<Route>>
                    }
                    <Link<Route> to={Route::Tickets} classes={link_class("tickets")}>
                        <span id="nav-tickets">{ "Tickets" }</span>
                    </Link<Route>>
                    <Link<Route> to={Route::Kb} classes={link_class("kb")}>
                        <span id="nav-kb">{ "Knowledge base" }</span>
                    </Link<Route>>
                    <Link<Route> to={Route::Time} classes={link_class("time")}>
                        <span id="nav-time">{ "Time" }</span>
                    </Link<Route>>
                    if session.me.permissions.iter().any(|p| p == "users.read") {
                        <Link<Route> to={Route::Users} classes={link_class("users")}>
                            <span id="nav-users">{ "Users" }</span>
                        </Link<Route>>
                    }
                    if has("email.read") {
                        <Link<Route> to={Route::Email} classes={link_class("email")}>
                            <span id="nav-email">{ "Email" }</span>
                        </Link<Route>>
                    }
                    if has("automation.read") {
                        <Link<Route> to={Route::Automation} classes={link_class("automation")}>
                            <span id="nav-automation">{ "Automation" }</span>
                        </Link<Route>>
                    }
                    if has("ticket_settings.read") {
                        <Link<Route> to={Route::DeskSettings} classes={link_class("desk")}>
                            <span id="nav-desk">{ "Service desk" }</span>
                        </Link<Route>>
                    }
                    if has("sla.read") {
                        <Link<Route> to={Route::Sla} classes={link_class("sla")}>
                            <span id="nav-sla">{ "SLA" }</span>
                        </Link<Route>>
                    }
                    if has("custom_fields.write") || has("services.write") {
                        <Link<Route> to={if has("custom_fields.write") { Route::CustomFields } else { Route::RateCards }}
                            classes={link_class("settings")}>
                            <span id="nav-settings">{ "Settings" }</span>
                        </Link<Route>>
                    }
                    <Link<Route> to={Route::Security} classes={link_class("security")}>
                        <span id="nav-security">{ "Security" }</span>
                    </Link<Route>>
                    if has("audit.read") {
                        <Link<Route> to={Route::Audit} classes={link_class("audit")}>
                            <span id="nav-audit">{ "Audit log" }</span>
                        </Link<Route>>
                    }
                    if has("tenants.read") {
                        <Link<Route> to={Route::Tenants} classes={link_class("tenants")}>
                            <span id="nav-tenants">{ "Tenants" }</span>
                        </Link<Route>>
                    }
                </nav>
                <div class="nav-user">
                    <span class="nav-user-name" title={session.me.email.clone()}>
                        <span class="avatar" aria-hidden="true">{ initials(&who) }</span>
                        <span id="nav-user-email">{ &session.me.email }</span>
                    </span>
                    <span class="nav-tenant">{ &session.me.tenant_slug }</span>
                    <button type="button" class="btn btn-ghost btn-small" id="nav-signout" onclick={sign_out}>
                        { "Sign out" }
                    </button>
                </div>
            </div>
        </header>
    }
}

fn initials(name: &str) -> String {
    let letters: String = name
        .split(|c: char| c.is_whitespace() || c == '.' || c == '@')
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    letters.to_uppercase()
}
