//! `astro-conform init`: writes a first astro-conform.toml for a site, from what its build
//! and its server do now.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::ExitCode;

use astro_conform::astro::{Mode, Origin, RouteType};
use astro_conform::error::IoError;
use astro_conform::pipeline::build::Adapter;
use astro_conform::pipeline::classify::Classification;
use astro_conform::pipeline::discover::request as case;
use astro_conform::pipeline::request::http::{self, Request};
use astro_conform::suite::site;

use crate::check::{SiteArgs, prepare};
use crate::output::{CliResult, spinner};

/// The options of `init`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    site: SiteArgs,
    /// Replace an existing astro-conform.toml.
    #[arg(long)]
    force: bool,
}

const HEADER: &str = "\
# astro-conform checks for this site: `astro-conform check` builds it as it is (its own
# packages and adapter) and checks what this file says. The format is astro-conform's
# case format (README, \"Fixtures\"); an unknown key is an error naming its line.
";

const ROUTES: &str = "
# Astro's decision per route: \"▶\" (prerendered at build time) or \"λ\" (rendered on
# demand). A route whose mode changes fails the check; drop the lines you do not care about.
[routes]
";

const REQUESTS: &str = "
# One request per on-demand route, with the status it answered when this file was written.
# Say what else must hold, e.g. expect.html = [{ select = \"h1\", text = \"...\" }],
# expect.cookies = [{ name = \"session\", http_only = true }], expect.headers,
# expect.location, expect.stream, cookies = { session = \"...\" } to send one.
";

/// Builds and serves the site, then writes the file.
pub(crate) fn run(args: &Args) -> CliResult<ExitCode> {
    let project = args.site.project.as_path();
    let file = project.join(site::CASE_FILE);
    if file.exists() && !args.force {
        return Err(format!(
            "{} exists; keep it, or pass --force to replace it",
            file.display()
        )
        .into());
    }
    // `--force` keeps what only a person could write: the server's environment.
    let server_env = match file.exists() {
        true => site::load(project).map(|f| f.case.server.env).unwrap_or_else(|e| {
            eprintln!("astro-conform init: the file it replaces does not read ({e}): its [server] env is not kept");
            Default::default()
        }),
        false => Default::default(),
    };
    let p = prepare(&args.site)?;
    let bar = spinner(format!("building and serving {}", project.display()));
    let adapter = Adapter::for_site(&p.profile, &p.installed.node_modules);
    let build = p.session.build(project, &p.installed, &adapter)?;
    let classification = p.session.classified(&build)?;
    let http = http::Http::start().map_err(IoError::doing("starting the HTTP runtime"))?;
    // Served only when a route is on demand: a static site may have no adapter at all.
    let server = std::cell::OnceCell::new();
    let answered = |path: &str| -> CliResult<Answer> {
        let server = match server.get() {
            Some(server) => server,
            None => {
                let started =
                    p.session
                        .server_with_env(&build, &p.installed, &p.profile, &server_env)?;
                server.get_or_init(|| started)
            }
        };
        let request = Request::get(path);
        let ex = http.send(&server.base_url(), &request, http::Limits::default())?;
        let location = ex.header_values("location").next().map(str::to_string);
        let logged = (ex.status >= 500)
            .then(|| last_error(&server.log))
            .flatten();
        Ok(Answer {
            status: ex.status,
            location,
            broken: ex.body_error.clone(),
            logged,
        })
    };
    let mut text = case_file(&classification, &answered)?;
    text.push_str(&server_table(&server_env));
    bar.finish_and_clear();
    std::fs::write(&file, text)
        .map_err(IoError::doing(format!("cannot write {}", file.display())))?;
    println!(
        "wrote {}: run `astro-conform check {}`",
        file.display(),
        project.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What a route answered to a GET when the file was written.
struct Answer {
    status: u16,
    location: Option<String>,
    /// Why the body did not arrive whole, if it did not.
    broken: Option<String>,
    /// For a 5xx: the server log's last line that names an error.
    logged: Option<String>,
}

/// The last line of a server log that names an error or a missing variable, trimmed.
fn last_error(log: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let line = text.lines().rev().map(str::trim).find(|l| {
        let lower = l.to_ascii_lowercase();
        !l.starts_with("at ") && (lower.contains("error") || lower.contains("missing"))
    })?;
    Some(line.chars().take(160).collect())
}

/// The `[server]` table: the environment kept from the file `--force` replaces, or a
/// commented-out example.
fn server_table(env: &std::collections::BTreeMap<String, String>) -> String {
    if env.is_empty() {
        return "
# The built server's environment (never the build's), e.g. the secrets it reads
# through astro:env/server:
# [server]
# env = { API_SECRET = \"...\" }
"
        .into();
    }
    // Quoted by the toml crate where needed, so any name or value reads back as it was.
    let bare = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let pairs: Vec<String> = env
        .iter()
        .map(|(k, v)| {
            let value = toml::Value::String(v.clone());
            match bare(k) {
                true => format!("{k} = {value}"),
                false => format!("{} = {value}", toml::Value::String(k.clone())),
            }
        })
        .collect();
    format!(
        "\n# The built server's environment (never the build's).\n[server]\nenv = {{ {} }}\n",
        pairs.join(", ")
    )
}

type Answered<'a> = dyn Fn(&str) -> CliResult<Answer> + 'a;

/// The file's text: `[routes]` from the build, a request per on-demand route.
fn case_file(c: &Classification, answered: &Answered) -> CliResult<String> {
    let own: Vec<_> = c
        .routes
        .iter()
        .filter(|r| r.origin == Origin::Project)
        .filter(|r| matches!(r.kind, RouteType::Page | RouteType::Endpoint))
        .collect();
    let mut out = String::from(HEADER);
    out.push_str(ROUTES);
    for r in &own {
        let _ = writeln!(out, "{:?} = \"{}\"", r.source, r.mode);
    }
    out.push_str(REQUESTS);
    let mut names = BTreeSet::new();
    for r in own.iter().filter(|r| r.mode == Mode::OnDemand) {
        if r.pattern.contains('[') {
            let _ = writeln!(
                out,
                "\n# {} takes parameters ({}): write a path to request.\n# [[request]]\n# name = \"GET {}\"\n# path = \"{}\"\n# expect.status = 200",
                r.source, r.pattern, r.pattern, r.pattern
            );
            continue;
        }
        let mut name = format!("GET {}", r.pattern);
        for n in 2.. {
            if names.insert(case::slug(&name)) {
                break;
            }
            name = format!("GET {} ({n})", r.pattern);
        }
        let Answer {
            status,
            location,
            broken,
            logged,
        } = answered(&r.pattern)?;
        // A route that errs or breaks off is not what the site relies on: written, but
        // commented out, with what happened, for a person to decide.
        let trouble = match (&broken, status) {
            (Some(why), _) => Some(format!("its body broke off ({why})")),
            (None, 500..) => Some(match &logged {
                Some(line) => format!("it answered {status} (server log: {line:?})"),
                None => format!("it answered {status}"),
            }),
            _ => None,
        };
        let prefix = if trouble.is_some() { "# " } else { "" };
        if let Some(trouble) = &trouble {
            let _ = write!(
                out,
                "\n# {name}: when this file was written {trouble}. Fix the route, or say what it should answer."
            );
            eprintln!("astro-conform init: {name}: {trouble}; written commented out");
        }
        let _ = write!(
            out,
            "\n{prefix}[[request]]\n{prefix}name = {name:?}\n{prefix}path = {:?}\n{prefix}expect.status = {status}\n",
            r.pattern
        );
        if let Some(location) = location {
            let _ = writeln!(out, "{prefix}expect.location = {location:?}");
        }
        if r.kind == RouteType::Endpoint && matches!(status, 404 | 405) {
            let _ = writeln!(
                out,
                "# GET answered {status}: if the endpoint takes another method, say so, e.g.\n# method = \"POST\"\n# form = {{ field = \"value\" }}"
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::server_table;

    #[test]
    fn the_kept_server_env_reads_back_as_it_was() {
        let env = [
            (
                "API_SECRET",
                "a \"quoted\" \\ value\nwith a line and \u{1f}",
            ),
            ("odd name", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let text = server_table(&env);
        assert!(text.contains("\n[server]\nenv = { API_SECRET = "), "{text}");
        let read: toml::Table = toml::from_str(&text).unwrap();
        let back: std::collections::BTreeMap<String, String> =
            read["server"]["env"].clone().try_into().unwrap();
        assert_eq!(back, env);
        assert!(server_table(&Default::default()).contains("# [server]"));
    }
}
