//! Property-based route tests: proptest generates whole sites (nested static, `[param]`
//! and `[...rest]` routes; pages and endpoints; flags absent, literal, oddly spaced or not
//! literal; output static or server; adapter or not), each is built for real, and Astro's
//! decisions and prerendered files must equal the rules model's prediction.
//!
//! `PROPTEST_CASES` sets the number of sites per stack (default 3, with a fixed seed so
//! CI builds the same sites and reuses cached builds); `PROPTEST_RNG_SEED` picks others.
//! A failing site is shrunk to a minimal one, saved as a ready fixture folder under
//! `failed-sites/` in the cache, and its path printed.

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

use astro_conform::astro::BuildFormat;
use astro_conform::pipeline::model::Kind;

use crate::support;

mod check;
use check::check_site;

#[derive(Debug, Clone, PartialEq)]
enum Last {
    Named(&'static str),
    Param,
    Rest,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum File {
    Astro,
    Ts,
    Js,
}

#[derive(Debug, Clone, PartialEq)]
enum Flag {
    Absent,
    Literal(bool),
    OddSpacing(bool),
    NotLiteral(&'static str),
}

#[derive(Debug, Clone)]
struct GenRoute {
    dirs: Vec<&'static str>,
    last: Last,
    file: File,
    flag: Flag,
}

#[derive(Debug, Clone)]
struct Site {
    server: bool,
    adapter: bool,
    routes: Vec<GenRoute>,
    /// Config settings that change file names (`build.format`) or nothing Astro decides
    /// (`base`, `trailingSlash`).
    format: BuildFormat,
    base: Option<&'static str>,
    trailing_slash: Option<&'static str>,
    /// `redirects`: `/r<k>` to the URL of route `to` (a page without parameters), or to
    /// another site when `None`.
    redirects: Vec<Option<usize>>,
}

impl GenRoute {
    fn kind(&self) -> Kind {
        match self.file {
            File::Astro => Kind::Page,
            File::Ts | File::Js => Kind::Endpoint,
        }
    }

    /// The file under src/pages.
    fn path(&self) -> String {
        let name = match self.last {
            Last::Named(n) => n,
            Last::Param => "[id]",
            Last::Rest => "[...rest]",
        };
        let ext = match self.file {
            File::Astro => "astro",
            File::Ts => "json.ts",
            File::Js => "json.js",
        };
        let mut parts: Vec<&str> = self.dirs.clone();
        let file = format!("{name}.{ext}");
        parts.push(&file);
        parts.join("/")
    }

    /// The URL pattern of a page without parameters (a redirect destination).
    fn page_url(&self) -> Option<String> {
        let name = match (&self.last, self.file) {
            (Last::Named(n), File::Astro) => *n,
            _ => return None,
        };
        let mut parts: Vec<&str> = self.dirs.clone();
        if name != "index" {
            parts.push(name);
        }
        Some(format!("/{}", parts.join("/")))
    }

    /// True for `index.*` files.
    fn is_index(&self) -> bool {
        self.last == Last::Named("index")
    }

    /// Route identity: two files with the same URL would collide.
    fn url(&self) -> String {
        let mut parts = self.dirs.clone();
        let last = match (&self.last, self.file) {
            (Last::Named("index"), File::Astro) => String::new(),
            (Last::Named(n), File::Astro) => n.to_string(),
            (Last::Named(n), _) => format!("{n}.json"),
            (Last::Param, _) => "[id]".into(),
            (Last::Rest, _) => "[rest]".into(),
        };
        parts.push(&last);
        format!("{}:{}", parts.join("/"), matches!(self.file, File::Astro))
    }

    /// The values `getStaticPaths` returns, unique to route `i`.
    fn values(&self, i: usize) -> Vec<String> {
        match self.last {
            Last::Named(_) => Vec::new(),
            Last::Param => vec![format!("p{i}x"), format!("p{i}y")],
            Last::Rest => vec![format!("q{i}/z")],
        }
    }

    fn source(&self, i: usize) -> String {
        let flag = match &self.flag {
            Flag::Absent => String::new(),
            Flag::Literal(v) => format!("export const prerender = {v};\n"),
            Flag::OddSpacing(v) => format!("export   const   prerender={v}\n"),
            Flag::NotLiteral(text) => format!("{text}\n"),
        };
        let paths = if self.values(i).is_empty() {
            String::new()
        } else {
            let key = if self.last == Last::Rest {
                "rest"
            } else {
                "id"
            };
            let entries: Vec<String> = self
                .values(i)
                .iter()
                .map(|v| format!("{{ params: {{ {key}: '{v}' }} }}"))
                .collect();
            format!(
                "export function getStaticPaths() {{ return [{}]; }}\n",
                entries.join(", ")
            )
        };
        match self.file {
            File::Astro => format!("---\n{flag}{paths}---\n<p>route {i}</p>\n"),
            File::Ts | File::Js => format!(
                "{flag}{paths}export function GET() {{ return new Response(JSON.stringify({{ route: {i} }})); }}\n"
            ),
        }
    }
}

fn route() -> impl Strategy<Value = GenRoute> {
    let dirs = prop::collection::vec(prop::sample::select(vec!["a", "b"]), 0..=2);
    let last = prop_oneof![
        3 => prop::sample::select(vec!["index", "about", "feed", "x"]).prop_map(Last::Named),
        1 => Just(Last::Param),
        1 => Just(Last::Rest),
    ];
    let file = prop_oneof![3 => Just(File::Astro), 1 => Just(File::Ts), 1 => Just(File::Js)];
    let flag = prop_oneof![
        2 => Just(Flag::Absent),
        2 => any::<bool>().prop_map(Flag::Literal),
        1 => any::<bool>().prop_map(Flag::OddSpacing),
        1 => prop::sample::select(vec![
            "export const prerender = import.meta.env.DEV;",
            "export const prerender = \"true\";",
            "export const prerender = \"false\";",
            "export let prerender = false;",
        ])
        .prop_map(Flag::NotLiteral),
    ];
    (dirs, last, file, flag).prop_map(|(dirs, last, file, flag)| GenRoute {
        dirs,
        last,
        file,
        flag,
    })
}

fn site() -> impl Strategy<Value = Site> {
    let format = prop::sample::select(vec![
        BuildFormat::Directory,
        BuildFormat::File,
        BuildFormat::Preserve,
    ]);
    let base = prop::option::weighted(0.3, Just("/docs"));
    let slash =
        prop::option::weighted(0.4, prop::sample::select(vec!["always", "never", "ignore"]));
    let redirects = prop::collection::vec(prop::option::weighted(0.8, 0usize..10), 0..=2);
    (
        (any::<bool>(), prop::bool::weighted(0.8)),
        prop::collection::vec(route(), 1..=10),
        (format, base, slash, redirects),
    )
        .prop_map(
            |((server, adapter), routes, (format, base, trailing_slash, redirects))| {
                let mut seen = BTreeSet::new();
                let routes: Vec<GenRoute> = routes
                    .into_iter()
                    .filter(|r| seen.insert(r.url()))
                    .collect();
                // A redirect points at a page without parameters, or elsewhere.
                let redirects = redirects
                    .into_iter()
                    .map(|to| {
                        to.map(|i| i % routes.len())
                            .filter(|&i| routes[i].page_url().is_some())
                    })
                    .collect();
                Site {
                    server,
                    adapter,
                    routes,
                    format,
                    base,
                    trailing_slash,
                    redirects,
                }
            },
        )
}

impl Site {
    fn config(&self) -> String {
        let output = if self.server { "server" } else { "static" };
        let format = match self.format {
            BuildFormat::Directory => "directory",
            BuildFormat::File => "file",
            BuildFormat::Preserve => "preserve",
        };
        let mut config = format!(
            "export default {{\n  output: '{output}',\n  build: {{ format: '{format}' }},\n"
        );
        if let Some(base) = self.base {
            config.push_str(&format!("  base: '{base}',\n"));
        }
        if let Some(slash) = self.trailing_slash {
            config.push_str(&format!("  trailingSlash: '{slash}',\n"));
        }
        if !self.redirects.is_empty() {
            config.push_str("  redirects: {\n");
            for (k, to) in self.redirects.iter().enumerate() {
                let to = to
                    .and_then(|i| self.routes[i].page_url())
                    .unwrap_or_else(|| "https://example.com/".into());
                config.push_str(&format!("    '/r{k}': '{to}',\n"));
            }
            config.push_str("  },\n");
        }
        config.push_str("};\n");
        config
    }

    fn write(&self, dir: &Path) {
        std::fs::write(dir.join("astro.config.mjs"), self.config()).unwrap();
        for (i, r) in self.routes.iter().enumerate() {
            let path = dir.join("src/pages").join(r.path());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, r.source(i)).unwrap();
        }
    }
}

fn config() -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 3;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(20_261_121);
    }
    config.failure_persistence = None;
    config.max_shrink_iters = 64;
    config
}

fn sites_match_the_model(stack_name: &str) {
    let installed = support::installed(stack_name);
    let mut runner = TestRunner::new(config());
    let result = runner.run(&site(), |site| {
        check_site(&site, &installed).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{stack_name}: {e}");
    }
}

#[test]
fn generated_sites_match_the_model_on_astro5() {
    let _machine = crate::support::shared_machine();
    sites_match_the_model("astro5");
}

#[test]
fn generated_sites_match_the_model_on_astro7() {
    let _machine = crate::support::shared_machine();
    sites_match_the_model("astro7");
}
