//! `astro-conform classify`: build any project and print its ▶/λ listing.

use std::path::PathBuf;
use std::process::ExitCode;

use astro_conform::paths;
use astro_conform::pipeline::build::{self, Adapter, BuildRequest};
use astro_conform::pipeline::classify;
use astro_conform::pipeline::install::stack;
use astro_conform::pipeline::session::Session;

use crate::output::{CliResult, spinner};

/// The options of `classify`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The project folder (with astro.config.* or src/pages/).
    project: PathBuf,
    /// The stack (Astro line) to build with: a folder name under stacks/.
    #[arg(long, default_value = "astro7")]
    stack: String,
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
}

/// Builds the project and prints its listing (or JSON).
pub(crate) fn run(args: &Args) -> CliResult<ExitCode> {
    let (project, stack_name) = (args.project.as_path(), args.stack.as_str());
    build::check_project(project)?;
    let stack = stack::find(&paths::stacks_dir(), stack_name)?;
    let bar = spinner(format!("preparing stack {stack_name}"));
    let progress = bar.clone();
    let session = Session::with_progress(move |m| progress.set_message(m.to_string()));
    let installed = session.installed(&stack, None)?;
    bar.set_message(format!(
        "building {} with astro {} on Node {} ({})",
        project.display(),
        installed.astro_version,
        installed.node.version,
        installed.node.origin
    ));
    let adapter = if args.no_adapter {
        Adapter::None
    } else {
        Adapter::node()
    };
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
            "stack": stack_name,
            "astro": installed.astro_version,
            "output": classification.output,
            "adapter": classification.adapter,
            "routes": classification.routes,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print!("{}", classification.listing(args.all_routes));
    }
    Ok(ExitCode::SUCCESS)
}
