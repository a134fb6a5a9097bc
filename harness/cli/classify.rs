//! `astro-conform classify`: build any project and print its ▶/λ listing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use astro_conform::paths;
use astro_conform::pipeline::build::{self, Adapter, BuildRequest};
use astro_conform::pipeline::classify;
use astro_conform::pipeline::install::own;
use astro_conform::pipeline::install::stack::{self, InstalledStack, Stack};
use astro_conform::pipeline::model;
use astro_conform::pipeline::session::Session;

use crate::output::{CliResult, spinner};

/// The options of `classify`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The project folder (with astro.config.* or src/pages/).
    project: PathBuf,
    /// Build with this stack's packages (a folder name under stacks/). Default: the
    /// project's own installed packages when it has them, else the default stack with the
    /// newest Astro (astro7). The stack's Node runs the build either way.
    #[arg(long)]
    stack: Option<String>,
    /// Print JSON (every route, with pattern, kind, origin, mode and files).
    #[arg(long)]
    json: bool,
    /// Build without adding an adapter (the project's own adapter, if any, is kept).
    #[arg(long)]
    no_adapter: bool,
    /// Also list routes Astro injects (/_image, server islands) and config redirects.
    #[arg(long)]
    all_routes: bool,
    /// Build again even if an identical build is cached.
    #[arg(long)]
    rebuild: bool,
    /// For a project with a package-lock.json but no node_modules: install its packages
    /// with `npm ci` into astro-conform's cache (the project folder is not touched).
    #[arg(long)]
    install: bool,
}

/// The packages to build with, and whether they are the project's own: those unless
/// `--stack` names a stack (`forced`).
pub(crate) fn packages(
    forced: bool,
    install: bool,
    project: &Path,
    stack: &Stack,
    session: &Session,
) -> CliResult<(InstalledStack, bool)> {
    if !forced && let Some(own) = session.own_packages(project, stack, install)? {
        return Ok((own, true));
    }
    Ok((session.installed(stack, None)?, false))
}

/// Builds the project and prints its listing (or JSON).
pub(crate) fn run(args: &Args) -> CliResult<ExitCode> {
    let project = args.project.as_path();
    build::check_project(project)?;
    let stack = stack::named_or_preferred(&paths::stacks_dir(), args.stack.as_deref())?;
    let stack_name = stack.name.as_str();
    let bar = spinner(format!("preparing stack {stack_name}"));
    let progress = bar.clone();
    let session = Session::with_progress(move |m| progress.set_message(m.to_string()));
    let (installed, own) = packages(
        args.stack.is_some(),
        args.install,
        project,
        &stack,
        &session,
    )?;
    let packages = match own {
        true => "the project's own packages".to_string(),
        false => format!("stack {stack_name}"),
    };
    bar.set_message(format!(
        "building {} with astro {} ({packages}) on Node {} ({})",
        project.display(),
        installed.astro_version,
        installed.node.version,
        installed.node.origin
    ));
    // A project's own packages may lack @astrojs/node: then it is built as it is.
    let adapter = if args.no_adapter || (own && !own::has_package(&installed, "@astrojs/node")) {
        Adapter::None
    } else {
        Adapter::node()
    };
    // Say so when the listing is of a build with an adapter the project does not set.
    let config_sets_adapter = model::Project::read(project)
        .map(|p| !matches!(p.adapter, model::Setting::Default(_)))
        .unwrap_or(true);
    let added = adapter != Adapter::None && !config_sets_adapter;
    let classification = if args.rebuild {
        let built = build::build(&BuildRequest {
            label: &build::project_label(project),
            project,
            stack: &installed,
            adapter: &adapter,
            use_cache: false,
        })?;
        classify::classify(&built)?
    } else {
        session.classified(&*session.build(project, &installed, &adapter)?)?
    };
    bar.finish_and_clear();
    if args.json {
        let doc = serde_json::json!({
            "stack": if own { own::OWN } else { stack_name },
            "astro": installed.astro_version,
            "output": classification.output,
            "adapter": classification.adapter,
            "adapter_added": added,
            "routes": classification.routes,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        let note = match added {
            true => "; @astrojs/node added: the config sets no adapter",
            false => "",
        };
        println!("# astro {} ({packages}{note})", installed.astro_version);
        print!("{}", classification.listing(args.all_routes));
    }
    Ok(ExitCode::SUCCESS)
}
