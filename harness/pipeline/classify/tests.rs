//! Unit tests of the parent module.

use std::path::Path;

use super::*;
use crate::astro::{Mode, Origin, RouteType};
use crate::pipeline::classify::buildlog::{PrerenderGroup, PrerenderLog};

fn route(source: &str, pattern: &str, kind: RouteType, mode: Mode, files: &[&str]) -> Route {
    Route {
        source: source.into(),
        pattern: pattern.into(),
        kind,
        origin: Origin::Project,
        mode,
        files: files.iter().map(|f| f.to_string()).collect(),
    }
}

fn sample() -> Classification {
    Classification {
        routes: vec![
            route(
                "src/pages/about.astro",
                "/about",
                RouteType::Page,
                Mode::Prerendered,
                &["/about/index.html"],
            ),
            route(
                "src/pages/account.astro",
                "/account",
                RouteType::Page,
                Mode::OnDemand,
                &[],
            ),
            route(
                "src/pages/blog/[slug].astro",
                "/blog/[slug]",
                RouteType::Page,
                Mode::Prerendered,
                &["/blog/a/index.html", "/blog/b/index.html"],
            ),
            Route {
                origin: Origin::Internal,
                ..route(
                    "node_modules/astro/dist/assets/endpoint/node.js",
                    "/_image",
                    RouteType::Endpoint,
                    Mode::OnDemand,
                    &[],
                )
            },
        ],
        ..Default::default()
    }
}

#[test]
fn listing_matches_the_documented_format() {
    assert_eq!(
        sample().listing(false),
        "▶ src/pages/about.astro\n  └─ /about/index.html\nλ src/pages/account.astro\n▶ src/pages/blog/[slug].astro\n  ├─ /blog/a/index.html\n  └─ /blog/b/index.html\n"
    );
    assert!(sample().listing(true).contains(
        "λ node_modules/astro/dist/assets/endpoint/node.js  [internal endpoint: /_image]\n"
    ));
}

fn write(dir: &Path, files: &[&str]) {
    for f in files {
        let p = dir.join(f.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "x").unwrap();
    }
}

fn astro7_log(files: &[&str]) -> PrerenderLog {
    PrerenderLog {
        found: true,
        groups: vec![PrerenderGroup {
            source: None,
            files: files.iter().map(|f| f.to_string()).collect(),
        }],
        not_created: Vec::new(),
        interrupted: Vec::new(),
    }
}

const ALL: [&str; 3] = [
    "/about/index.html",
    "/blog/a/index.html",
    "/blog/b/index.html",
];

#[test]
fn agreeing_sources_give_no_disagreement() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &ALL);
    assert_eq!(
        cross_check(&sample(), &astro7_log(&ALL), dir.path()),
        vec![]
    );
}

#[test]
fn a_missing_file_and_a_baked_on_demand_route_are_reported_with_all_three_sources() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            "/about/index.html",
            "/blog/a/index.html",
            "/account/index.html",
        ],
    );
    let log = astro7_log(&[
        "/about/index.html",
        "/blog/a/index.html",
        "/blog/b/index.html",
        "/account/index.html",
    ]);
    let found = cross_check(&sample(), &log, dir.path());
    let text: Vec<String> = found.iter().map(|d| d.to_string()).collect();
    assert_eq!(found.len(), 3, "{text:#?}");
    assert!(
        text[0].starts_with("route src/pages/account.astro (/account):"),
        "{}",
        text[0]
    );
    assert!(text[0].contains("probe (astro:routes:resolved / astro:build:done): λ"));
    assert!(text[0].contains("build log: prerendered /account/index.html"));
    assert!(text[0].contains("files on disk: has /account/index.html"));
    assert!(
        text[1].contains("files on disk: missing /blog/b/index.html"),
        "{}",
        text[1]
    );
    assert!(
        text[2].starts_with("file /account/index.html"),
        "{}",
        text[2]
    );
}

#[test]
fn an_astro5_header_with_other_files_disagrees() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &ALL);
    let log = PrerenderLog {
        found: true,
        groups: vec![
            PrerenderGroup {
                source: Some("src/pages/about.astro".into()),
                files: vec!["/about/index.html".into(), "/blog/a/index.html".into()],
            },
            PrerenderGroup {
                source: Some("src/pages/blog/[slug].astro".into()),
                files: vec!["/blog/b/index.html".into()],
            },
        ],
        not_created: Vec::new(),
        interrupted: Vec::new(),
    };
    let found = cross_check(&sample(), &log, dir.path());
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn modes_parse_from_symbols_and_words() {
    #[derive(serde::Deserialize)]
    struct M {
        m: Mode,
    }
    assert_eq!(toml::from_str::<M>("m = \"λ\"").unwrap().m, Mode::OnDemand);
    assert_eq!(
        toml::from_str::<M>("m = \"prerendered\"").unwrap().m,
        Mode::Prerendered
    );
    assert!(toml::from_str::<M>("m = \"static\"").is_err());
}
