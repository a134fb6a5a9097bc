//! `csp_contains`: the page's Content-Security-Policy, wherever Astro put it.

use super::*;

/// Where a page's policies came from: each `content-security-policy` header line, then each
/// `<meta http-equiv="content-security-policy">` of its HTML.
fn policies(ex: &Exchange, text: &str) -> Vec<(&'static str, String)> {
    let mut found: Vec<(&'static str, String)> = ex
        .header_values("content-security-policy")
        .map(|v| ("header", v.to_string()))
        .collect();
    let doc = scraper::Html::parse_document(text);
    let metas = scraper::Selector::parse("meta[http-equiv][content]").expect("static selector");
    for meta in doc.select(&metas) {
        let equiv = meta.value().attr("http-equiv").unwrap_or_default();
        if equiv.eq_ignore_ascii_case("content-security-policy") {
            let content = meta.value().attr("content").unwrap_or_default();
            found.push(("meta", content.to_string()));
        }
    }
    found
}

/// Fails unless one of the page's policies contains `part`.
pub(super) fn check_csp(part: &str, ex: &Exchange, text: &str, f: &mut Vec<Mismatch>) {
    let found = policies(ex, text);
    if found.iter().any(|(_, policy)| policy.contains(part)) {
        return;
    }
    let actual = match found.as_slice() {
        [] => "no policy (no content-security-policy header, no <meta http-equiv>)".to_string(),
        some => some
            .iter()
            .map(|(from, policy)| format!("{from}: {}", excerpt(policy)))
            .collect::<Vec<_>>()
            .join("; "),
    };
    f.push(Mismatch::new(
        "csp_contains",
        "csp",
        format!("a policy containing {part:?}"),
        actual,
    ));
}
