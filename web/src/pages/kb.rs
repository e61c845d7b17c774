//! Knowledge base: the article list with full-text search and a status filter, "New
//! article", and one article (rendered Markdown, ratings, edit, publish/archive, versions).

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::ApiError;
use crate::api::kb::{self as api, Article};
use crate::app::{Route, use_session};
use crate::components::badge::Badge;
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select, enum_options, event_value};
use crate::format::{datetime, enum_label};
use crate::hooks::use_fetch;

const STATUSES: &[&str] = &["KB_ARTICLE_STATUS_DRAFT", "KB_ARTICLE_STATUS_PUBLISHED", "KB_ARTICLE_STATUS_ARCHIVED"];
const VISIBILITIES: &[&str] = &["KB_VISIBILITY_INTERNAL", "KB_VISIBILITY_PUBLIC"];

/// Whether the signed-in user may write articles.
#[hook]
fn use_kb_writer() -> bool {
    let session = use_session();
    session.me.permissions.iter().any(|p| p == "kb.write" || p == "*")
}

/// `vpn, Okta` → `["vpn", "Okta"]`.
fn split_tags(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

/// The knowledge-base list and search page.
#[function_component(KbPage)]
pub fn kb_page() -> Html {
    let writer = use_kb_writer();
    let query = use_state(String::new);
    let submitted = use_state(String::new);
    let status = use_state(String::new);
    let navigator = use_navigator();
    let list = use_fetch((*status).clone(), |status| async move {
        let filter = if status.is_empty() { String::new() } else { format!("status = {status}") };
        api::list_articles(&filter).await
    });
    let hits = use_fetch((*submitted).clone(), |q| async move {
        if q.trim().is_empty() { Ok(Vec::new()) } else { api::search(&q).await }
    });
    let on_search = {
        let (query, submitted) = (query.clone(), submitted.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            submitted.set((*query).clone());
        })
    };
    let open = |id: String| {
        let navigator = navigator.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            if let Some(nav) = &navigator {
                nav.push(&Route::KbArticle { id: id.clone() });
            }
        })
    };
    let results = if submitted.trim().is_empty() {
        html! {}
    } else {
        match &hits.result {
            None => html! { <Loading /> },
            Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
            Some(Ok(h)) if h.is_empty() => html! { <Empty title="No article matches" hint="Try other words." /> },
            Some(Ok(h)) => html! {
                <ul class="kb-results" id="kb-results">
                    { for h.iter().map(|r| html! {
                        <li class="kb-result" data-id={r.article.id.clone()}>
                            <a href="#" class="kb-result-title" onclick={open(r.article.id.clone())}>
                                { &r.article.title }</a>
                            <p class="kb-snippet">{ &r.snippet }</p>
                        </li>
                    }) }
                </ul>
            },
        }
    };
    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(a)) if a.is_empty() => html! { <Empty title="No articles yet" hint="Write the first one." /> },
        Some(Ok(a)) => html! {
            <div class="table-wrap">
                <table class="table" id="kb-articles">
                    <thead><tr><th>{ "Title" }</th><th>{ "Status" }</th><th>{ "Visibility" }</th>
                        <th>{ "Tags" }</th><th>{ "Updated" }</th></tr></thead>
                    <tbody>
                        { for a.iter().map(|art| html! {
                            <tr class="kb-row clickable" data-id={art.id.clone()} onclick={open(art.id.clone())}>
                                <td>{ &art.title }</td>
                                <td><Badge kind="kb" value={art.status.clone()} /></td>
                                <td>{ enum_label(&art.visibility) }</td>
                                <td>{ art.tags.join(", ") }</td>
                                <td>{ datetime(&art.update_time) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <div class="page" id="kb-page">
            <div class="page-header"><h1>{ "Knowledge base" }</h1></div>
            <div class="stack">
                <section class="card">
                    <form class="toolbar" id="kb-search" onsubmit={on_search}>
                        <input id="kb-query" type="search" placeholder="Search articles…" value={(*query).clone()}
                            oninput={bind(&query)} />
                        <button type="submit" class="btn" id="kb-search-submit">{ "Search" }</button>
                        <label class="toolbar-field">{ "Status" }
                            <select id="kb-status" onchange={bind_select(&status)}>
                                { enum_options(STATUSES, &status, Some("All")) }
                            </select>
                        </label>
                    </form>
                    { results }
                    { body }
                </section>
                if writer { <NewArticle /> }
            </div>
        </div>
    }
}

#[function_component(NewArticle)]
fn new_article() -> Html {
    let title = use_state(String::new);
    let content = use_state(String::new);
    let tags = use_state(String::new);
    let visibility = use_state(|| "KB_VISIBILITY_INTERNAL".to_owned());
    let error = use_state(|| None::<ApiError>);
    let navigator = use_navigator();
    let fields = ["title", "content", "tags", "visibility"];
    let submit = {
        let (title, content, tags, visibility, error) =
            (title.clone(), content.clone(), tags.clone(), visibility.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let article = Article {
                title: (*title).clone(),
                content: (*content).clone(),
                tags: split_tags(&tags),
                visibility: (*visibility).clone(),
                ..Article::default()
            };
            let (error, navigator) = (error.clone(), navigator.clone());
            spawn_local(async move {
                match api::create_article(&article).await {
                    Ok(a) => {
                        if let Some(nav) = &navigator {
                            nav.push(&Route::KbArticle { id: a.id });
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let field_error = |f: &str| (*error).as_ref().and_then(|e| e.field(f));
    html! {
        <section class="card" id="kb-new">
            <div class="card-header"><h2>{ "New article" }</h2></div>
            <form id="kb-new-form" onsubmit={submit} novalidate=true>
                if let Some(e) = &*error { { form_error(e, &fields) } }
                <Field label="Title" id="kb-new-title" required=true error={field_error("title")}>
                    <input id="kb-new-title" type="text" value={(*title).clone()} oninput={bind(&title)} />
                </Field>
                <Field label="Content (Markdown)" id="kb-new-content" error={field_error("content")}>
                    <textarea id="kb-new-content" rows="8" value={(*content).clone()}
                        oninput={Callback::from({ let c = content.clone(); move |e: InputEvent| c.set(event_value(&e)) })} />
                </Field>
                <Field label="Tags (comma-separated)" id="kb-new-tags" error={field_error("tags")}>
                    <input id="kb-new-tags" type="text" value={(*tags).clone()} oninput={bind(&tags)} />
                </Field>
                <Field label="Visibility" id="kb-new-visibility">
                    <select id="kb-new-visibility" onchange={bind_select(&visibility)}>
                        { enum_options(VISIBILITIES, &visibility, None) }
                    </select>
                </Field>
                <button type="submit" class="btn btn-primary" id="kb-new-submit">{ "Create draft" }</button>
            </form>
        </section>
    }
}

/// Props of [`KbArticlePage`].
#[derive(Properties, PartialEq)]
pub struct KbArticleProps {
    /// Article id.
    pub id: String,
}

/// One article.
#[function_component(KbArticlePage)]
pub fn kb_article_page(props: &KbArticleProps) -> Html {
    let writer = use_kb_writer();
    let reload = use_state(|| 0u32);
    let article = use_fetch((props.id.clone(), *reload), |(id, _)| async move { api::get_article(&id).await });
    let error = use_state(|| None::<ApiError>);
    let editing = use_state(|| false);
    let act = |action: &'static str| {
        let (id, reload, error) = (props.id.clone(), reload.clone(), error.clone());
        Callback::from(move |_| {
            let (id, reload, error) = (id.clone(), reload.clone(), error.clone());
            spawn_local(async move {
                match api::article_action(&id, action).await {
                    Ok(_) => {
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let body = match &article.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(a)) => {
            let toggle = {
                let editing = editing.clone();
                Callback::from(move |_| editing.set(!*editing))
            };
            let saved = {
                let (editing, reload) = (editing.clone(), reload.clone());
                Callback::from(move |_| {
                    editing.set(false);
                    reload.set(*reload + 1);
                })
            };
            html! {
                <>
                    <div class="page-header">
                        <h1 id="kb-title">{ &a.title }</h1>
                        <span id="kb-article-status"><Badge kind="kb" value={a.status.clone()} /></span>
                    </div>
                    <p class="muted" id="kb-meta">
                        { format!("{} · version {} · {} views · tags: {}", enum_label(&a.visibility), a.version,
                            a.view_count, if a.tags.is_empty() { "—".to_owned() } else { a.tags.join(", ") }) }
                    </p>
                    if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
                    if writer {
                        <div class="toolbar">
                            <button type="button" class="btn btn-small" id="kb-edit" onclick={toggle}>
                                { if *editing { "Cancel" } else { "Edit" } }</button>
                            if a.status != "KB_ARTICLE_STATUS_PUBLISHED" {
                                <button type="button" class="btn btn-small btn-primary" id="kb-publish"
                                    onclick={act("publish")}>{ "Publish" }</button>
                            }
                            if a.status != "KB_ARTICLE_STATUS_ARCHIVED" {
                                <button type="button" class="btn btn-small" id="kb-archive"
                                    onclick={act("archive")}>{ "Archive" }</button>
                            }
                        </div>
                    }
                    if *editing {
                        <EditArticle article={a.clone()} on_saved={saved} />
                    } else {
                        <article class="card kb-content" id="kb-content">
                            { Html::from_html_unchecked(AttrValue::from(a.content_html.clone())) }
                        </article>
                    }
                    <div class="toolbar" id="kb-rating">
                        <span>{ "Was this helpful?" }</span>
                        <button type="button" class="btn btn-small" id="kb-helpful" onclick={act("helpful")}>
                            { format!("Yes ({})", a.helpful_count) }</button>
                        <button type="button" class="btn btn-small" id="kb-not-helpful" onclick={act("not-helpful")}>
                            { format!("No ({})", a.not_helpful_count) }</button>
                    </div>
                    if !a.related_articles.is_empty() {
                        <section class="card" id="kb-related">
                            <h2>{ "Related articles" }</h2>
                            <ul>
                                { for a.related_articles.iter().map(|r| html! {
                                    <li><Link<Route> to={Route::KbArticle { id: r.id.clone() }}>{ &r.title }</Link<Route>></li>
                                }) }
                            </ul>
                        </section>
                    }
                    if writer { <Versions id={a.id.clone()} version={a.version} /> }
                </>
            }
        }
    };
    html! {
        <div class="page" id="kb-article-page">
            <p><Link<Route> to={Route::Kb}>{ "← Knowledge base" }</Link<Route>></p>
            { body }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct EditProps {
    article: Article,
    on_saved: Callback<()>,
}

#[function_component(EditArticle)]
fn edit_article(props: &EditProps) -> Html {
    let a = &props.article;
    let title = use_state(|| a.title.clone());
    let summary = use_state(|| a.summary.clone());
    let content = use_state(|| a.content.clone());
    let tags = use_state(|| a.tags.join(", "));
    let visibility = use_state(|| a.visibility.clone());
    let error = use_state(|| None::<ApiError>);
    let fields = ["title", "summary", "content", "tags", "visibility"];
    let submit = {
        let id = a.id.clone();
        let (title, summary, content, tags, visibility, error, done) = (
            title.clone(),
            summary.clone(),
            content.clone(),
            tags.clone(),
            visibility.clone(),
            error.clone(),
            props.on_saved.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let patch = serde_json::json!({
                "title": *title, "summary": *summary, "content": *content,
                "tags": split_tags(&tags), "visibility": *visibility,
            });
            let (id, error, done) = (id.clone(), error.clone(), done.clone());
            spawn_local(async move {
                match api::update_article(&id, &patch).await {
                    Ok(_) => done.emit(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let field_error = |f: &str| (*error).as_ref().and_then(|e| e.field(f));
    let on_content = {
        let content = content.clone();
        Callback::from(move |e: InputEvent| content.set(event_value(&e)))
    };
    html! {
        <form class="card" id="kb-edit-form" onsubmit={submit} novalidate=true>
            if let Some(e) = &*error { { form_error(e, &fields) } }
            <Field label="Title" id="kb-edit-title" required=true error={field_error("title")}>
                <input id="kb-edit-title" type="text" value={(*title).clone()} oninput={bind(&title)} />
            </Field>
            <Field label="Summary" id="kb-edit-summary" error={field_error("summary")}>
                <input id="kb-edit-summary" type="text" value={(*summary).clone()} oninput={bind(&summary)} />
            </Field>
            <Field label="Content (Markdown)" id="kb-edit-content" error={field_error("content")}>
                <textarea id="kb-edit-content" rows="14" value={(*content).clone()} oninput={on_content} />
            </Field>
            <Field label="Tags (comma-separated)" id="kb-edit-tags" error={field_error("tags")}>
                <input id="kb-edit-tags" type="text" value={(*tags).clone()} oninput={bind(&tags)} />
            </Field>
            <Field label="Visibility" id="kb-edit-visibility">
                <select id="kb-edit-visibility" onchange={bind_select(&visibility)}>
                    { enum_options(VISIBILITIES, &visibility, None) }
                </select>
            </Field>
            <button type="submit" class="btn btn-primary" id="kb-save">{ "Save" }</button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct VersionsProps {
    id: String,
    /// Refetches when the article's version changes.
    version: i32,
}

#[function_component(Versions)]
fn versions(props: &VersionsProps) -> Html {
    let list = use_fetch((props.id.clone(), props.version), |(id, _)| async move { api::versions(&id).await });
    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(v)) => html! {
            <ul id="kb-versions">
                { for v.iter().map(|v| html! {
                    <li>{ format!("v{} · {} · {}", v.version, datetime(&v.create_time), v.title) }</li>
                }) }
            </ul>
        },
    };
    html! {
        <section class="card" id="kb-history">
            <h2>{ "History" }</h2>
            { body }
        </section>
    }
}
