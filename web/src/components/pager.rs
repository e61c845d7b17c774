//! Previous/Next pagination over page tokens.

use yew::prelude::*;

/// Page-token cursor: the token of the current page and those of the pages before it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cursor {
    /// Token of the page shown (empty for the first page).
    pub token: String,
    /// Tokens of the previous pages, oldest first.
    pub previous: Vec<String>,
}

impl Cursor {
    /// The cursor moved to the page whose token is `next`.
    pub fn next(&self, next: String) -> Self {
        let mut previous = self.previous.clone();
        previous.push(self.token.clone());
        Self { token: next, previous }
    }

    /// The cursor moved back one page.
    pub fn back(&self) -> Self {
        let mut previous = self.previous.clone();
        let token = previous.pop().unwrap_or_default();
        Self { token, previous }
    }

    /// 1-based number of the current page.
    pub fn page(&self) -> usize {
        self.previous.len() + 1
    }
}

/// Props of [`Pager`].
#[derive(Properties, PartialEq)]
pub struct PagerProps {
    /// Where we are.
    pub cursor: Cursor,
    /// Token of the following page; empty on the last page.
    pub next_token: String,
    /// Called with the new cursor.
    pub on_change: Callback<Cursor>,
    /// Prefix of the buttons' ids (`<prefix>-prev`, `<prefix>-next`).
    pub id: AttrValue,
}

/// Previous/Next buttons with the page number.
#[function_component(Pager)]
pub fn pager(props: &PagerProps) -> Html {
    let has_prev = !props.cursor.previous.is_empty();
    let has_next = !props.next_token.is_empty();
    if !has_prev && !has_next {
        return Html::default();
    }
    let prev = {
        let cursor = props.cursor.clone();
        let cb = props.on_change.clone();
        Callback::from(move |_| cb.emit(cursor.back()))
    };
    let next = {
        let cursor = props.cursor.clone();
        let token = props.next_token.clone();
        let cb = props.on_change.clone();
        Callback::from(move |_| cb.emit(cursor.next(token.clone())))
    };
    html! {
        <nav class="pager" aria-label="Pagination">
            <button type="button" class="btn btn-secondary btn-small" id={format!("{}-prev", props.id)}
                disabled={!has_prev} onclick={prev}>{ "← Previous" }</button>
            <span class="pager-page">{ format!("Page {}", props.cursor.page()) }</span>
            <button type="button" class="btn btn-secondary btn-small" id={format!("{}-next", props.id)}
                disabled={!has_next} onclick={next}>{ "Next →" }</button>
        </nav>
    }
}
