//! Routes, the session context and the signed-in layout.

use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, Me};
use crate::auth;
use crate::components::nav::Nav;
use crate::pages::{
    audit::AuditPage,
    automation::AutomationPage,
    companies::CompaniesPage,
    company_detail::CompanyPage,
    contract_detail::ContractPage,
    contracts::ContractsPage,
    email::{EmailPage, MailboxPage},
    kb::{KbArticlePage, KbPage},
    login::LoginPage,
    not_found::NotFoundPage,
    portal::{ForgotPassword, PortalPage, SetPassword},
    security::SecurityPage,
    services::ServicesPage,
    tenants::TenantsPage,
    ticket_detail::TicketPage,
    ticket_new::TicketNewPage,
    tickets::TicketsPage,
    time::TimePage,
    users::UsersPage,
};

/// The app's paths.
#[derive(Clone, Debug, PartialEq, Routable)]
pub enum Route {
    /// Redirects to the companies list.
    #[at("/")]
    Home,
    /// Sign-in page.
    #[at("/login")]
    Login,
    /// Companies list, search, new company and CSV import.
    #[at("/companies")]
    Companies,
    /// One company with its contacts and tickets.
    #[at("/companies/:id")]
    Company {
        /// Company id.
        id: String,
    },
    /// Bulk CSV import of clients, contracts, services, scopes, SAFs and COCs.
    #[at("/imports")]
    Imports,
    /// The service catalog and its scope templates.
    #[at("/services")]
    Services,
    /// Contracts list and "New contract".
    #[at("/contracts")]
    Contracts,
    /// One contract with its services (scope forms rendered from the service templates).
    #[at("/contracts/:id")]
    Contract {
        /// Contract id.
        id: String,
    },
    /// Tickets list with filters.
    #[at("/tickets")]
    Tickets,
    /// New ticket form (`?company=<id>` preselects the company).
    #[at("/tickets/new")]
    TicketNew,
    /// One ticket with its notes.
    #[at("/tickets/:id")]
    Ticket {
        /// Ticket id.
        id: String,
    },
    /// Knowledge base: articles, search, new article.
    #[at("/kb")]
    Kb,
    /// One knowledge-base article.
    #[at("/kb/:id")]
    KbArticle {
        /// Article id.
        id: String,
    },
    /// The signed-in user's weekly timesheet and, for approvers, the approval queue.
    #[at("/time")]
    Time,
    /// Email to ticket: the tenant's mailboxes and "New mailbox".
    #[at("/email")]
    Email,
    /// One mailbox: settings, poll now, token, parse rules and message log.
    #[at("/email/:id")]
    EmailMailbox {
        /// Mailbox id.
        id: String,
    },
    /// The signed-in user's sessions and the tenant's API keys.
    #[at("/security")]
    Security,
    /// The tenant's audit log (search, details, CSV export).
    #[at("/audit")]
    Audit,
    /// Ticket automation rules: list, editor, dry run and runs.
    #[at("/automation")]
    Automation,
    /// Tenant administration (platform Super Admins).
    #[at("/tenants")]
    Tenants,
    /// Staff users and roles.
    #[at("/users")]
    Users,
    /// Service desk settings: statuses, priorities, queues, types, categories, teams, custom
    /// fields, templates and canned responses.
    #[at("/settings/service-desk")]
    DeskSettings,
    /// SLA policies, business hours, holiday calendars and the compliance report.
    #[at("/sla")]
    Sla,
    /// Settings: custom field definitions per record type.
    #[at("/settings/custom-fields")]
    CustomFields,
    /// Settings: the tenant's default rate card.
    #[at("/settings/rate-cards")]
    RateCards,
    /// Staff: ask for a password-reset link.
    #[at("/forgot-password")]
    ForgotPassword,
    /// Staff: choose a new password with the mailed link (`#token=…`).
    #[at("/reset-password")]
    ResetPassword,
    /// The client portal (its own routes: `pages::portal::PortalRoute`).
    #[at("/portal")]
    Portal,
    /// The client portal's other pages.
    #[at("/portal/*")]
    PortalAny,
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// The signed-in user and how to sign out, provided to every page of the staff app.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// Who is signed in.
    pub me: Rc<Me>,
    /// Ends the session and shows the login page.
    pub sign_out: Callback<()>,
}

/// The current [`Session`]. Only call below the signed-in layout.
#[hook]
pub fn use_session() -> Session {
    use_context::<Session>().expect("use_session outside the signed-in layout")
}

/// The root component: router plus the session gate.
#[function_component(App)]
pub fn app() -> Html {
    html! {
        <BrowserRouter>
            <Root />
        </BrowserRouter>
    }
}

#[function_component(Root)]
fn root() -> Html {
    let me = use_state(|| None::<Rc<Me>>);
    // Whether the stored tokens (if any) have been checked against /auth/me.
    let checked = use_state(|| auth::load().is_none());
    let route = use_route::<Route>();
    let navigator = use_navigator();

    let in_portal = matches!(route, Some(Route::Portal | Route::PortalAny));
    {
        let (me, checked) = (me.clone(), checked.clone());
        use_effect_with(in_portal, move |in_portal| {
            // The portal keeps its own session state.
            if *in_portal {
                return;
            }
            let expired = me.clone();
            auth::set_on_expired(Callback::from(move |_| expired.set(None)));
            if !*checked {
                spawn_local(async move {
                    // A portal session (same token storage) is not a staff sign-in.
                    if let Ok(user) = api::me().await
                        && user.kind != "portal"
                    {
                        me.set(Some(Rc::new(user)));
                    }
                    checked.set(true);
                });
            }
        });
    }

    if in_portal {
        return html! { <PortalPage /> };
    }
    match route {
        Some(Route::ForgotPassword) => return html! { <ForgotPassword portal=false /> },
        Some(Route::ResetPassword) => return html! { <SetPassword purpose="reset" portal=false /> },
        _ => {}
    }
    if !*checked {
        return html! {
            <div class="splash" data-testid="splash">
                <span class="spinner" aria-hidden="true"></span>
            </div>
        };
    }
    let Some(user) = (*me).clone() else {
        let on_signed_in = {
            let me = me.clone();
            let navigator = navigator.clone();
            let route = route.clone();
            Callback::from(move |user: Me| {
                // A token limited to `account.self` (MFA setup or password change pending)
                // can only use the security page.
                let restricted = user.permissions.iter().all(|p| p == "account.self");
                me.set(Some(Rc::new(user)));
                if let Some(nav) = &navigator {
                    if restricted {
                        nav.replace(&Route::Security);
                    } else if matches!(route, Some(Route::Login | Route::Home) | None) {
                        nav.replace(&Route::Companies);
                    }
                }
            })
        };
        return html! { <LoginPage {on_signed_in} /> };
    };

    let sign_out = {
        let me = me.clone();
        Callback::from(move |_| {
            if let Some(tokens) = auth::load() {
                spawn_local(async move {
                    // The session ends server-side too; the tokens go whatever the answer.
                    let _ = api::logout(&tokens.refresh_token).await;
                });
            }
            auth::clear();
            me.set(None);
            if let Some(nav) = &navigator {
                nav.push(&Route::Login);
            }
        })
    };
    let session = Session { me: user, sign_out };
    html! {
        <ContextProvider<Session> context={session}>
            <Nav />
            <main class="container">
                <Switch<Route> render={switch} />
            </main>
        </ContextProvider<Session>>
    }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Home | Route::Login => html! { <Redirect<Route> to={Route::Companies} /> },
        Route::Companies => html! { <CompaniesPage /> },
        Route::Company { id } => html! { <CompanyPage {id} /> },
        Route::Services => html! { <ServicesPage /> },
        Route::Imports => html! { <crate::pages::imports::ImportsPage /> },
        Route::Contracts => html! { <ContractsPage /> },
        Route::Contract { id } => html! { <ContractPage {id} /> },
        Route::Tickets => html! { <TicketsPage /> },
        Route::TicketNew => html! { <TicketNewPage /> },
        Route::Ticket { id } => html! { <TicketPage {id} /> },
        Route::Time => html! { <TimePage /> },
        Route::Kb => html! { <KbPage /> },
        Route::KbArticle { id } => html! { <KbArticlePage {id} /> },
        Route::Email => html! { <EmailPage /> },
        Route::EmailMailbox { id } => html! { <MailboxPage {id} /> },
        Route::Security => html! { <SecurityPage /> },
        Route::Audit => html! { <AuditPage /> },
        Route::Automation => html! { <AutomationPage /> },
        Route::Tenants => html! { <TenantsPage /> },
        Route::Users => html! { <UsersPage /> },
        Route::DeskSettings => html! { <crate::pages::desk_settings::DeskSettingsPage /> },
        Route::Sla => html! { <crate::pages::sla::SlaPage /> },
        Route::CustomFields => html! { <crate::pages::custom_fields::CustomFieldsPage /> },
        Route::RateCards => html! { <crate::pages::rate_cards::RateCardsPage /> },
        Route::Portal | Route::PortalAny => html! { <PortalPage /> },
        Route::ForgotPassword => html! { <ForgotPassword portal=false /> },
        Route::ResetPassword => html! { <SetPassword purpose="reset" portal=false /> },
        Route::NotFound => html! { <NotFoundPage /> },
    }
}
