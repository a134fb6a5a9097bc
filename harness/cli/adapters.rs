//! `astro-conform adapters` and `astro-conform lock`: the adapter profiles.

use std::process::ExitCode;

use astro_conform::error::IoError;
use astro_conform::paths;
use astro_conform::pipeline::discover::adapter;
use astro_conform::pipeline::install::stack;

use crate::output::{CliResult, spinner};

/// The options of `lock`.
#[derive(clap::Args)]
pub(crate) struct LockArgs {
    /// Adapter profile: a name from adapters/ or a path to a .toml.
    adapter: String,
    /// Stacks to lock for (repeatable); default: those the profile runs on.
    #[arg(long = "stack")]
    stacks: Vec<String>,
}

/// Lists the profiles in adapters/.
pub(crate) fn list_adapters() -> CliResult<ExitCode> {
    let profiles = adapter::discover(&adapter::adapters_dir())?;
    for p in profiles {
        let stacks = p
            .stacks
            .as_ref()
            .map_or("default stacks".to_string(), |s| s.join(", "));
        let ours = match p.runner {
            adapter::Runner::Ours => " · runner: ours",
            adapter::Runner::Adapter => "",
        };
        println!("{:16} {} ({stacks}{ours})", p.name, p.description);
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the profile's package.json per stack and locks it with relock.mjs.
pub(crate) fn lock(args: &LockArgs) -> CliResult<ExitCode> {
    let (name, stack_names) = (args.adapter.as_str(), args.stacks.as_slice());
    let profile = adapter::find(name)?;
    if profile.packages.is_empty() {
        println!(
            "adapter `{}` adds no packages: it runs on the stacks' own lockfiles",
            profile.name
        );
        return Ok(ExitCode::SUCCESS);
    }
    let all = stack::discover(&paths::stacks_dir())?;
    let names: Vec<String> = if stack_names.is_empty() {
        profile.stacks.clone().unwrap_or_else(|| {
            all.iter()
                .filter(|s| s.default)
                .map(|s| s.name.clone())
                .collect()
        })
    } else {
        stack_names.to_vec()
    };
    let tools = stack::Tools::from_env()?;
    for name in &names {
        let stack = stack::find(&paths::stacks_dir(), name)?;
        let dir = profile.lock_dir(&stack);
        let manifest = profile.manifest(&stack)?;
        std::fs::create_dir_all(&dir)
            .map_err(IoError::doing(format!("creating {}", dir.display())))?;
        let text = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
        std::fs::write(dir.join("package.json"), text)
            .map_err(IoError::doing(format!("writing {}", dir.display())))?;
        let bar = spinner(format!("locking {} for {name} (npm)", profile.name));
        let status = std::process::Command::new(&tools.node.binary)
            .arg(paths::stacks_dir().join("relock.mjs"))
            .arg(&dir)
            .env("PATH", &tools.path_var)
            .status()
            .map_err(IoError::doing("cannot run relock.mjs"))?;
        bar.finish_and_clear();
        if !status.success() {
            return Err(format!(
                "locking {} for {name} failed ({status}); check that every package in [packages] of {} exists at that version",
                profile.name,
                profile.file.display()
            )
            .into());
        }
        println!("wrote {}/package.json and package-lock.json", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}
