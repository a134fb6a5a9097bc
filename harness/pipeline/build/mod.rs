//! `astro build` of a project in a workdir of its own, with the probe integration added.
//!
//! The project folder is copied (never touched), the stack's `node_modules` is linked in,
//! and a wrapper config imports the project's config and adds the adapter and the probe.
//! A finished build is kept in the cache under a key made of the project's files, the
//! installed stack, the probe and the adapter, so an unchanged project is not rebuilt.

mod adapter;
mod output;
mod probe_report;

pub use adapter::Adapter;
pub use output::{Build, BuildFailed};
use output::{Outcome, load_build};
pub use probe_report::{AdapterDeclares, ProbeBuild, ProbeReport, ProbeRoute};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::cache::{EntryLock, KeyHasher};
use crate::error::IoError;
use crate::pipeline::install::stack::InstalledStack;
use crate::process::{self, ProcessError};
use crate::project::{NotAProject, find_config};

/// The probe integration's source, written into every workdir.
pub(crate) const PROBE_SOURCE: &str = include_str!("probe/probe.mjs");

/// Bumped when the build procedure changes in a way that invalidates cached builds.
const BUILD_FORMAT: &str = "2";

/// Folder inside the workdir for the harness's own files.
pub(crate) const HARNESS_DIR: &str = ".astro-conform";

/// Folders of a project that are outputs or caches, not inputs.
const SKIPPED: [&str; 5] = ["node_modules", "dist", ".astro", ".git", HARNESS_DIR];
/// The harness's own files beside a project's config: what to ask of the build, not input
/// to it, so editing a request or the server's environment never rebuilds.
const CASE_FILES: [&str; 2] = ["case.toml", "astro-conform.toml"];

/// Errors of preparing and running a build (a build that runs and fails is not an error:
/// see [`Build::succeeded`]).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    NotAProject(#[from] NotAProject),
    #[error("astro build of {project} timed out: {source}")]
    Timeout {
        project: String,
        source: ProcessError,
    },
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("the probe report {} is unreadable: {detail}", path.display())]
    Probe { path: PathBuf, detail: String },
}

/// A short name for a project folder (its canonical folder name) in cache entries.
pub fn project_label(project: &Path) -> String {
    project
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "project".into())
}

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildRequest<'a> {
    /// A short name for cache entries and messages (the fixture or folder name).
    pub label: &'a str,
    /// The project folder (never modified).
    pub project: &'a Path,
    /// The installed stack to build with.
    pub stack: &'a InstalledStack,
    /// The adapter added when the project has none.
    pub adapter: &'a Adapter,
    /// Reuse a cached build of identical inputs.
    pub use_cache: bool,
}

/// The wrapper config: the project's config plus the adapter (if it has none) and the probe.
fn wrapper_config(project_config: Option<&str>, adapter: &Adapter) -> String {
    let import_user = match project_config {
        Some(name) => format!("import projectConfig from '../{name}';\n"),
        None => "const projectConfig = {};\n".to_string(),
    };
    format!(
        "// Written by astro-conform: the project's config plus its adapter and probe.\n\
         {import_user}{adapter_import}\nimport astroConformProbe from './probe.mjs';\n\
         const config = projectConfig ?? {{}};\n\
         export default {{\n\
         \x20 ...config,\n\
         \x20 adapter: config.adapter ?? {adapter_expr},\n\
         \x20 // Keep Astro's and Vite's caches out of the shared node_modules.\n\
         \x20 cacheDir: config.cacheDir ?? './{HARNESS_DIR}/cache',\n\
         \x20 vite: {{ ...config.vite, cacheDir: config.vite?.cacheDir ?? './{HARNESS_DIR}/vite' }},\n\
         \x20 integrations: [...(config.integrations ?? []), astroConformProbe()],\n\
         }};\n",
        adapter_import = adapter.import(),
        adapter_expr = adapter.expression(),
    )
}

/// The input files of a project, sorted, relative to it (outputs and caches left out).
fn project_files(project: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(project)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !SKIPPED.iter().any(|s| e.file_name() == *s))
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.depth() != 1 || !CASE_FILES.iter().any(|c| e.file_name() == *c))
        .filter_map(|e| e.path().strip_prefix(project).ok().map(Path::to_path_buf))
        .collect();
    files.sort();
    files
}

fn cache_key(req: &BuildRequest, files: &[PathBuf]) -> Result<String, BuildError> {
    let mut hasher = KeyHasher::default();
    hasher
        .add("format", BUILD_FORMAT.as_bytes())
        .add("stack", req.stack.key.as_bytes())
        .add("adapter import", req.adapter.import().as_bytes())
        .add("adapter", req.adapter.expression().as_bytes())
        .add(
            "build env",
            format!("{:?}", req.adapter.build_env()).as_bytes(),
        )
        .add("probe", PROBE_SOURCE.as_bytes())
        .add("wrapper", wrapper_config(Some("x"), req.adapter).as_bytes());
    for file in files {
        let bytes = fs::read(req.project.join(file))
            .map_err(IoError::doing(format!("reading {}", file.display())))?;
        hasher.add(&file.to_string_lossy(), &bytes);
    }
    Ok(hasher.finish())
}

fn build_timeout() -> Duration {
    crate::settings::get().build_timeout
}

/// Refuses a folder that has neither an Astro config nor `src/pages`.
pub fn check_project(project: &Path) -> Result<(), BuildError> {
    crate::project::check(project)?;
    Ok(())
}

/// Builds the project, or returns the cached build of identical inputs.
pub fn build(req: &BuildRequest) -> Result<Build, BuildError> {
    check_project(req.project)?;
    let files = project_files(req.project);
    if !req.use_cache {
        let temp = tempfile::Builder::new()
            .prefix(&format!("astro-conform-{}-", req.label))
            .tempdir()
            .map_err(IoError::doing("creating a workdir"))?;
        let mut build = run_build(req, &files, temp.path())?;
        if crate::paths::keep_workdirs() {
            eprintln!("astro-conform: kept the workdir {}", temp.keep().display());
        } else {
            build._temp = Some(temp);
        }
        return Ok(build);
    }
    let key = cache_key(req, &files)?;
    let root = crate::paths::cache_dir().join("builds");
    // Profiles that add the same adapter share builds, so the name is not in the key.
    let entry = format!("{}-{}-{key}", req.label, req.stack.stack.name);
    let lock =
        EntryLock::acquire(&root, &entry).map_err(IoError::doing("locking the build cache"))?;
    if lock.is_complete() {
        let mut build = load_build(&lock.dir)?;
        build.cached = true;
        return Ok(build);
    }
    lock.reset()
        .map_err(IoError::doing("preparing the build workdir"))?;
    let build = run_build(req, &files, &lock.dir)?;
    lock.mark_complete()
        .map_err(IoError::doing("marking the build complete"))?;
    Ok(build)
}

/// Copies the project into `workdir`, runs `astro build` there and reads the results.
fn run_build(req: &BuildRequest, files: &[PathBuf], workdir: &Path) -> Result<Build, BuildError> {
    prepare_workdir(req, files, workdir)?;
    let harness = workdir.join(HARNESS_DIR);
    let log_path = harness.join("build.log");
    let mut cmd = Command::new(&req.stack.node.binary);
    cmd.arg(workdir.join("node_modules/.bin/astro"))
        .args(["build", "--root", "."])
        .arg("--config")
        .arg(format!("{HARNESS_DIR}/astro.config.mjs"))
        .current_dir(workdir)
        .env("PATH", &req.stack.path_var)
        .env("ASTRO_TELEMETRY_DISABLED", "1")
        .env("NO_COLOR", "1")
        .env("ASTRO_CONFORM_PROBE_OUT", harness.join("probe.json"));
    for (key, value) in req.adapter.build_env() {
        cmd.env(key, value.replace("{project}", &workdir.to_string_lossy()));
    }
    let status =
        process::run_logged(&mut cmd, &log_path, build_timeout()).map_err(
            |source| match source {
                ProcessError::Timeout { .. } => BuildError::Timeout {
                    project: req.label.to_string(),
                    source,
                },
                other => BuildError::Process(other),
            },
        )?;
    let outcome = Outcome {
        succeeded: status.success(),
        exit: status.to_string(),
    };
    fs::write(
        harness.join("outcome.json"),
        serde_json::to_string(&outcome).unwrap_or_default(),
    )
    .map_err(IoError::doing("writing the build outcome"))?;
    load_build(workdir)
}

/// Copies the project's files into the workdir, links the stack's `node_modules`, and
/// writes the probe and the wrapper config.
fn prepare_workdir(
    req: &BuildRequest,
    files: &[PathBuf],
    workdir: &Path,
) -> Result<(), BuildError> {
    for file in files {
        let to = workdir.join(file);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(IoError::doing("creating the workdir"))?;
        }
        fs::copy(req.project.join(file), &to)
            .map_err(IoError::doing(format!("copying {}", file.display())))?;
    }
    std::os::unix::fs::symlink(&req.stack.node_modules, workdir.join("node_modules"))
        .map_err(IoError::doing("linking node_modules"))?;
    // Astro finds UI framework renderers (e.g. @astrojs/preact) through the project's
    // dependencies and bundles them; a fixture without a package.json gets the stack's.
    let manifest = workdir.join("package.json");
    if !manifest.exists()
        && let Some(stack_dir) = req.stack.node_modules.parent()
    {
        fs::copy(stack_dir.join("package.json"), &manifest)
            .map_err(IoError::doing("copying the stack's package.json"))?;
    }
    let harness = workdir.join(HARNESS_DIR);
    fs::create_dir_all(&harness).map_err(IoError::doing("creating the harness folder"))?;
    fs::write(harness.join("probe.mjs"), PROBE_SOURCE)
        .map_err(IoError::doing("writing the probe"))?;
    fs::write(
        harness.join("astro.config.mjs"),
        wrapper_config(find_config(req.project), req.adapter),
    )
    .map_err(IoError::doing("writing the wrapper config"))?;
    Ok(())
}

#[cfg(test)]
mod tests;
