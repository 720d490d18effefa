//! The review queue as one HTML file, for reviewers who do not use a terminal or the server:
//! each pair with both records side by side and the waterfall of its score, drawn with the
//! review page's own waterfall (`templates/waterfall.html`), in English, Arabic or Ukrainian.
//! Written by `athar review --format html`; nothing in it calls home (no script, the style
//! sheet inline). Owns the file's layout; the queue and its order are the registry's.

use crate::i18n::Lang;
use crate::pages::{waterfall, Frame, Step};
use askama::Template;
use athar_registry::{RecordCard, ReviewQueue};

/// A pair as the file shows it.
pub struct PairView {
    pub a: RecordCard,
    pub b: RecordCard,
    pub probability: String,
    pub steps: Vec<Step>,
}

#[derive(Template)]
#[template(path = "review_export.html")]
struct ReviewExport {
    page: Frame,
    title: &'static str,
    css: &'static str,
    pairs: Vec<PairView>,
    total: usize,
    number: usize,
    pages: usize,
    band: String,
}

/// The page `queue` as a standalone HTML document in `lang`.
pub fn review_html(queue: &ReviewQueue, lang: Lang) -> Result<String, askama::Error> {
    let page = Frame::standalone(lang);
    let pairs = queue
        .items
        .iter()
        .map(|i| PairView {
            a: i.a.clone(),
            b: i.b.clone(),
            probability: format!("{:.3}", i.probability),
            steps: i.explanation.as_ref().map(|e| waterfall(e, page.t("review.prior"))).unwrap_or_default(),
        })
        .collect();
    ReviewExport {
        title: page.t("review.title"),
        page,
        css: include_str!("../static/athar.css"),
        pairs,
        total: queue.total,
        number: queue.page,
        pages: queue.pages,
        band: format!("{:.2}–{:.2}", queue.band.0, queue.band.1),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(id: &str, name: &str, source: &str) -> RecordCard {
        RecordCard {
            record_id: id.into(),
            name: name.into(),
            born: Some("1985".into()),
            source: source.into(),
            row: 3,
            ..Default::default()
        }
    }

    #[test]
    fn the_export_shows_both_records_and_escapes_what_the_lists_hold() {
        let queue = ReviewQueue {
            total: 1,
            page: 1,
            pages: 1,
            band: (0.5, 0.95),
            items: vec![athar_registry::ReviewItem {
                record_a: "4".into(),
                record_b: "9".into(),
                probability: 0.7,
                a: card("4", "محمد أحمد الحلبي", "register"),
                b: card("9", "Mohammed <script>alert(1)</script>", "ngo"),
                explanation: None,
            }],
        };
        let html = review_html(&queue, Lang::Ar).expect("render");
        assert!(html.contains("dir=\"rtl\"") && html.contains("محمد أحمد الحلبي"), "{html}");
        assert!(!html.contains("<script>"), "what a list holds is escaped");
        assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"), "{html}");
        assert!(html.contains("0.700") && html.contains("register") && html.contains("ngo"));
    }
}
