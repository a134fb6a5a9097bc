//! The files a page links to and that a browser fetches from the same server: scripts,
//! stylesheets, module preloads and an island's component and renderer.

use std::collections::BTreeMap;

/// What a linked file must be served as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AssetKind {
    /// A script or module: `Content-Type` names JavaScript.
    Script,
    /// A stylesheet: `Content-Type` is `text/css`.
    Stylesheet,
}

impl AssetKind {
    /// True when `content_type` is one a browser accepts for this kind.
    pub fn accepts(self, content_type: &str) -> bool {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match self {
            AssetKind::Script => essence.ends_with("javascript") || essence == "text/ecmascript",
            AssetKind::Stylesheet => essence == "text/css",
        }
    }

    /// The content type the kind asks for, as a reader says it.
    pub fn wanted(self) -> &'static str {
        match self {
            AssetKind::Script => "a JavaScript content type",
            AssetKind::Stylesheet => "text/css",
        }
    }
}

/// Where a page names files it needs, and what each must be.
const LINKS: [(&str, &str, AssetKind); 6] = [
    ("script[src]", "src", AssetKind::Script),
    ("link[rel~=stylesheet][href]", "href", AssetKind::Stylesheet),
    ("link[rel~=modulepreload][href]", "href", AssetKind::Script),
    (
        "astro-island[component-url]",
        "component-url",
        AssetKind::Script,
    ),
    (
        "astro-island[renderer-url]",
        "renderer-url",
        AssetKind::Script,
    ),
    (
        "astro-island[before-hydration-url]",
        "before-hydration-url",
        AssetKind::Script,
    ),
];

/// The same-server paths `html` links to (absolute paths, not `//host` ones, without a
/// fragment), each once, in path order, with what it must be.
pub fn linked_files(html: &str) -> BTreeMap<String, AssetKind> {
    let doc = scraper::Html::parse_document(html);
    let mut files = BTreeMap::new();
    for (css, attr, kind) in LINKS {
        let selector = scraper::Selector::parse(css).expect("static selector");
        for element in doc.select(&selector) {
            let Some(url) = element.value().attr(attr) else {
                continue;
            };
            let path = url.split('#').next().unwrap_or_default();
            if path.starts_with('/') && !path.starts_with("//") {
                files.entry(path.to_string()).or_insert(kind);
            }
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_styles_and_island_files_on_this_server_are_found_once() {
        let html = r#"<html><head>
            <link rel="stylesheet" href="/_astro/page.css">
            <link rel="preload stylesheet" href="/_astro/page.css">
            <link rel="icon" href="/favicon.svg">
            <script type="module" src="/_astro/hoisted.js#x"></script>
            <script src="https://cdn.example/x.js"></script>
            <script src="//cdn.example/y.js"></script>
            </head><body>
            <astro-island component-url="/_astro/Counter.js" renderer-url="/_astro/client.js" before-hydration-url=""></astro-island>
            </body></html>"#;
        let files: Vec<_> = linked_files(html).into_iter().collect();
        assert_eq!(
            files,
            [
                ("/_astro/Counter.js".to_string(), AssetKind::Script),
                ("/_astro/client.js".to_string(), AssetKind::Script),
                ("/_astro/hoisted.js".to_string(), AssetKind::Script),
                ("/_astro/page.css".to_string(), AssetKind::Stylesheet),
            ]
        );
    }

    #[test]
    fn content_types_are_judged_by_their_essence() {
        assert!(AssetKind::Script.accepts("text/javascript; charset=utf-8"));
        assert!(AssetKind::Script.accepts("application/javascript"));
        assert!(!AssetKind::Script.accepts("text/html"));
        assert!(AssetKind::Stylesheet.accepts("Text/CSS"));
        assert!(!AssetKind::Stylesheet.accepts("text/plain"));
    }
}
