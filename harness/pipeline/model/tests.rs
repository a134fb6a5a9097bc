//! Unit tests of the parent module.

use std::path::Path;

use super::read::*;
use super::*;
use crate::astro::Output;

#[test]
fn the_flag_is_read_as_astro_reads_it() {
    let lit = |t| read_flag(t);
    assert_eq!(
        lit("---\nexport const prerender = false;\n---"),
        Flag::Literal {
            value: false,
            line: 2
        }
    );
    assert_eq!(
        lit("---\nexport   const   prerender=true\n---"),
        Flag::Literal {
            value: true,
            line: 2
        }
    );
    assert!(matches!(
        lit("export const prerender = import.meta.env.DEV;"),
        Flag::Ignored { line: 1, .. }
    ));
    assert!(matches!(
        lit("export const prerender = \"true\";"),
        Flag::Ignored { .. }
    ));
    assert!(matches!(
        lit("export let prerender = true;"),
        Flag::Ignored { .. }
    ));
    assert_eq!(lit("// export const prerender = false;"), Flag::Absent);
    assert_eq!(lit("<p>no flag</p>"), Flag::Absent);
}

#[test]
fn patterns_and_built_files_follow_astro_routing() {
    let route = |rel: &str| route_file(&format!("src/pages/{rel}"), Path::new(rel), "");
    assert_eq!(route("index.astro").unwrap().pattern, "/");
    assert_eq!(route("blog/[slug].astro").unwrap().pattern, "/blog/[slug]");
    assert_eq!(route("feed.xml.ts").unwrap().pattern, "/feed.xml");
    assert_eq!(route("feed.xml.ts").unwrap().kind, Kind::Endpoint);
    assert!(route("_draft.astro").is_none());
    assert!(route("_parts/x.astro").is_none());
    assert!(route("styles.css").is_none());
    assert_eq!(built_file("/", Kind::Page, &[]), "/index.html");
    assert_eq!(built_file("/about", Kind::Page, &[]), "/about/index.html");
    assert_eq!(built_file("/404", Kind::Page, &[]), "/404.html");
    assert_eq!(built_file("/feed.xml", Kind::Endpoint, &[]), "/feed.xml");
    assert_eq!(
        built_file("/blog/[slug]", Kind::Page, &["a"]),
        "/blog/a/index.html"
    );
    assert_eq!(
        built_file("/docs/[...path]", Kind::Page, &[""]),
        "/docs/index.html"
    );
    assert_eq!(
        built_file("/docs/[...path]", Kind::Page, &["a/b"]),
        "/docs/a/b/index.html"
    );
}

#[test]
fn config_settings_are_read_or_reported_unreadable() {
    assert_eq!(
        read_output("export default { output: 'server' }").value(),
        Output::Server
    );
    assert_eq!(
        read_output("export default {}"),
        Setting::Default(Output::Static)
    );
    assert!(matches!(
        read_output("{ output: process.env.OUT }"),
        Setting::Unreadable { .. }
    ));
    assert!(read_adapter("{ adapter: node() }").value());
    assert!(!read_adapter("{}").value());
    let r = read_redirects(
        "{\n redirects: {\n  '/old': '/new',\n  \"/a\": { status: 302, destination: '/b' } } }",
    );
    assert_eq!(r.len(), 2);
    assert_eq!(
        (r[0].from.as_str(), r[0].to.as_str(), r[0].line),
        ("/old", "/new", 3)
    );
    assert_eq!((r[1].from.as_str(), r[1].to.as_str()), ("/a", "/b"));
    // Astro routes a source written with a trailing slash without it (found by the
    // request-shapes fixture, whose trailingSlash is "always").
    let r = read_redirects("{ redirects: { '/old-tags/': '/tags/?tag=x', '/': '/home' } }");
    let sources: Vec<&str> = r.iter().map(|r| r.from.as_str()).collect();
    assert_eq!(sources, ["/old-tags", "/"]);
}

#[test]
fn build_format_names_the_files_of_pages_not_endpoints() {
    use super::read::read_build_format;
    use crate::astro::BuildFormat;
    assert_eq!(
        read_build_format("build: { format: 'file' }"),
        BuildFormat::File
    );
    assert_eq!(
        read_build_format("build: {format:\"preserve\"}"),
        BuildFormat::Preserve
    );
    assert_eq!(read_build_format("{}"), BuildFormat::Directory);
    let file = |source: &str, pattern: &str, kind| RouteFile {
        source: source.into(),
        pattern: pattern.into(),
        kind,
        flag: Flag::Absent,
        get_static_paths: None,
        request_apis: Vec::new(),
    };
    let about = file("src/pages/about.astro", "/about", Kind::Page);
    let guide = file("src/pages/guide/index.astro", "/guide", Kind::Page);
    let home = file("src/pages/index.astro", "/", Kind::Page);
    let feed = file("src/pages/feed.xml.ts", "/feed.xml", Kind::Endpoint);
    let names = |format| [&about, &guide, &home, &feed].map(|f| built_file_as(f, format));
    assert_eq!(
        names(BuildFormat::Directory),
        [
            "/about/index.html",
            "/guide/index.html",
            "/index.html",
            "/feed.xml"
        ]
    );
    assert_eq!(
        names(BuildFormat::File),
        ["/about.html", "/guide.html", "/index.html", "/feed.xml"]
    );
    assert_eq!(
        names(BuildFormat::Preserve),
        [
            "/about.html",
            "/guide/index.html",
            "/index.html",
            "/feed.xml"
        ]
    );
}

#[test]
fn the_readme_lists_every_lint_with_its_level_and_summary() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let rows: Vec<&str> = readme
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("| AC0"))
        .collect();
    let expected: Vec<String> = LintCode::ALL
        .iter()
        .map(|c| {
            format!(
                "| {} | {} | {} |",
                c.code(),
                c.severity().name(),
                c.summary()
            )
        })
        .collect();
    assert_eq!(rows, expected, "README's lint table differs from LintCode");
}
