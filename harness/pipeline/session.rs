//! A session: the pipeline's stages (install → build → classify → serve), each done once
//! per key and shared by everything that needs it during one run: `run`, `classify`,
//! `bench`, the conformance target and the tests. A server stops when it is released
//! (the runner releases it after the last trial that needs it) or when the session is
//! dropped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::pipeline::build::{self, Adapter, Build, BuildError, BuildFailed, BuildRequest};
use crate::pipeline::classify::{self, Classification, ClassifyError};
use crate::pipeline::discover::adapter::{Profile, ProfileError};
use crate::pipeline::install::stack::{self, InstalledStack, Stack, StackError, Tools};
use crate::pipeline::install::{AdapterInstallError, moved, own};
use crate::pipeline::serve::{ServeError, Server};

/// Why a stage of the session could not deliver.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Stack(#[from] StackError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    AdapterInstall(#[from] AdapterInstallError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    BuildFailed(#[from] BuildFailed),
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    #[error(
        "the build has no {} (output.entry of {}); the adapter wrote:\n{listing}",
        entry.display(),
        profile.display()
    )]
    NoEntry {
        /// The file the profile names as the server entry.
        entry: PathBuf,
        /// The profile.
        profile: PathBuf,
        /// The build's output tree.
        listing: String,
    },
    #[error("adapter `{adapter}`: {source}")]
    Serve { adapter: String, source: ServeError },
}

/// A result made once and shared: errors are shared too, so they are behind an `Arc`.
pub type Shared<T> = Result<T, Arc<SessionError>>;

/// Values made on first use, one per key, by whichever caller asks first.
type Memo<K, V> = Mutex<BTreeMap<K, Arc<OnceLock<Shared<V>>>>>;

/// Reports progress lines (installs can take minutes).
type Progress = Box<dyn Fn(&str) + Send + Sync>;

/// A build is a project built with an installed stack (its cache key) and an adapter.
type BuildKey = (PathBuf, String, Adapter);

/// A server is one build (its workdir) served as one profile (its file) says.
type ServerKey = (PathBuf, PathBuf);

/// The memoised pipeline of one run.
#[derive(Default)]
pub struct Session {
    tools: OnceLock<Shared<Tools>>,
    installs: Memo<PathBuf, InstalledStack>,
    builds: Memo<BuildKey, Arc<Build>>,
    classifications: Memo<PathBuf, Classification>,
    servers: Memo<ServerKey, Arc<Server>>,
    /// The most servers held at once.
    peak_servers: AtomicUsize,
    progress: Option<Progress>,
}

fn memo<K: Ord, V: Clone>(
    memo: &Memo<K, V>,
    key: K,
    make: impl FnOnce() -> Result<V, SessionError>,
) -> Shared<V> {
    let cell = memo
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_default()
        .clone();
    cell.get_or_init(|| make().map_err(Arc::new)).clone()
}

impl Session {
    /// A session that reports slow steps (installs) through `progress`.
    pub fn with_progress(progress: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self {
            progress: Some(Box::new(progress)),
            ..Self::default()
        }
    }

    fn say(&self, message: &str) {
        if let Some(p) = &self.progress {
            p(message);
        }
    }

    /// `node` and `npm` on PATH, found once.
    fn tools(&self) -> Shared<Tools> {
        self.tools
            .get_or_init(|| Tools::from_env().map_err(|e| Arc::new(e.into())))
            .clone()
    }

    /// `stack`, with the profile's packages when one is given, installed and checked
    /// (once per run, and once per cache key across runs).
    pub fn installed(&self, stack: &Stack, profile: Option<&Profile>) -> Shared<InstalledStack> {
        let tools = self.tools()?;
        let source = match profile {
            Some(p) => p.install_source(stack).map_err(|e| Arc::new(e.into()))?,
            None => stack.clone(),
        };
        let installed = memo(&self.installs, source.dir.clone(), || {
            Ok(stack::install(&source, &tools, &|m| self.say(m))?)
        })?;
        if let Some(p) = profile {
            p.check_installed(&installed)
                .map_err(|e| Arc::new(e.into()))?;
        }
        Ok(installed)
    }

    /// The project's own installed packages, run with `stack`'s Node; `None` when the
    /// project has none (no lockfile and no installed `astro`). With `install`, a project
    /// with a package-lock.json but no node_modules gets `npm ci` into the cache.
    pub fn own_packages(
        &self,
        project: &Path,
        stack: &Stack,
        install: bool,
    ) -> Shared<Option<InstalledStack>> {
        let tools = self.tools()?;
        let run = || -> Result<_, SessionError> {
            let node = stack::node_for(&own::node_needs(project, stack), &tools, &|m| self.say(m))?;
            let path_var = node.path_with(&tools.path_var);
            match own::own_packages(project, &node, &path_var) {
                Err(StackError::NotInstalled { .. })
                    if install && project.join("package-lock.json").is_file() =>
                {
                    let what = format!("the packages of {}", project.display());
                    let say = |m: &str| self.say(m);
                    let origin = stack::LockOrigin::Project;
                    let entry =
                        stack::npm_ci(project, origin, &what, &node, &path_var, &tools, &say)?;
                    let modules = entry.join("node_modules");
                    Ok(Some(own::from_node_modules(
                        project, &modules, &node, &path_var,
                    )?))
                }
                other => Ok(other?),
            }
        };
        run().map_err(Arc::new)
    }

    /// `project`'s packages as `manifest` (a moved package.json) says, installed in the
    /// cache (lockfile resolved once, then `npm ci`), run by a Node in `node_range`.
    pub fn moved_packages(
        &self,
        project: &Path,
        manifest: &serde_json::Value,
        node_range: &str,
    ) -> Shared<InstalledStack> {
        let tools = self.tools()?;
        let run = || -> Result<_, SessionError> {
            let preferred = stack::preferred(&crate::paths::stacks_dir())?;
            let wanted = Stack {
                node_range: node_range.to_string(),
                ..preferred
            };
            let node = stack::node_for(&wanted, &tools, &|m| self.say(m))?;
            let path_var = node.path_with(&tools.path_var);
            let name = crate::pipeline::build::project_label(project);
            let say = |m: &str| self.say(m);
            let source = moved::locked_manifest(&name, manifest, &node, &path_var, &tools, &say)?;
            let what = format!("the moved packages of {name}");
            let origin = stack::LockOrigin::Project;
            let entry = stack::npm_ci(&source, origin, &what, &node, &path_var, &tools, &say)?;
            let modules = entry.join("node_modules");
            Ok(own::from_node_modules(project, &modules, &node, &path_var)?)
        };
        run().map_err(Arc::new)
    }

    /// `project` built with `stack` and `adapter` (from the build cache when an identical
    /// build is there). A failed build is returned too: see [`Build::succeeded`].
    pub fn build(
        &self,
        project: &Path,
        stack: &InstalledStack,
        adapter: &Adapter,
    ) -> Shared<Arc<Build>> {
        let key = (project.to_path_buf(), stack.key.clone(), adapter.clone());
        memo(&self.builds, key, || {
            Ok(Arc::new(build::build(&BuildRequest {
                label: &build::project_label(project),
                project,
                stack,
                adapter,
                use_cache: true,
            })?))
        })
    }

    /// The verified ▶/λ classification of a build.
    pub fn classified(&self, build: &Build) -> Shared<Classification> {
        memo(&self.classifications, build.workdir.clone(), || {
            Ok(classify::classify(build)?)
        })
    }

    /// The server of a build under a profile, started as the profile says on first use
    /// and shared; it is stopped when released ([`Session::release_server`]) and no caller
    /// holds it any more, or when the session is dropped.
    pub fn server(
        &self,
        build: &Build,
        stack: &InstalledStack,
        profile: &Profile,
    ) -> Shared<Arc<Server>> {
        self.server_with_env(build, stack, profile, &BTreeMap::new())
    }

    /// [`Session::server`], the server started with these environment variables besides
    /// the profile's (a case's `[server] env`; a build belongs to one project, so one set).
    pub fn server_with_env(
        &self,
        build: &Build,
        stack: &InstalledStack,
        profile: &Profile,
        env: &BTreeMap<String, String>,
    ) -> Shared<Arc<Server>> {
        let key = (build.workdir.clone(), profile.file.clone());
        memo(&self.servers, key, || {
            build.require_success()?;
            check_entry(build, profile)?;
            let mut launch = profile.launch(build, stack);
            launch
                .env
                .extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
            let server = Server::start(&launch, profile.ready_timeout())
                .map(Arc::new)
                .map_err(|source| SessionError::Serve {
                    adapter: profile.name.clone(),
                    source,
                })?;
            let held = self
                .servers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len();
            self.peak_servers.fetch_max(held, Ordering::Relaxed);
            Ok(server)
        })
    }

    /// Lets the server of `workdir` under the profile file `profile` stop (once no caller
    /// holds it); a later [`Session::server`] starts a new one.
    pub fn release_server(&self, workdir: &Path, profile: &Path) {
        let key = (workdir.to_path_buf(), profile.to_path_buf());
        let released = self
            .servers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key);
        drop(released);
    }

    /// The most servers this session held at once (started or starting).
    pub fn peak_servers(&self) -> usize {
        self.peak_servers.load(Ordering::Relaxed)
    }
}

/// Fails, listing what the adapter wrote, when the build lacks the profile's server entry.
pub(crate) fn check_entry(build: &Build, profile: &Profile) -> Result<(), SessionError> {
    let entry = profile.entry(build);
    if entry.exists() {
        return Ok(());
    }
    Err(SessionError::NoEntry {
        entry,
        profile: profile.file.clone(),
        listing: classify::tree::listing(
            &build.out_dir(),
            &classify::redact::Redactor::for_build(build, None),
        ),
    })
}
