//! What a bench measures: a project × stack × adapter × server environment, built once
//! ([`prepare`]) and started as often as needed ([`Prepared::start`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::astro::Mode;
use crate::paths;
use crate::perf::error::BenchError;
use crate::perf::load::Target;
use crate::perf::routes::{self, ROUTES_FILE, RouteSpec};
use crate::pipeline::build::{self, Adapter};
use crate::pipeline::discover::adapter;
use crate::pipeline::install::own;
use crate::pipeline::install::stack::{self, InstalledStack};
use crate::pipeline::model;
use crate::pipeline::serve::{Launch, Server};
use crate::pipeline::session::{Session, check_entry};

/// What is measured: a project built with a stack and served through an adapter profile,
/// with extra environment for the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub project: PathBuf,
    pub stack: String,
    pub adapter: String,
    /// Added to the server's environment (after the profile's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

impl Variant {
    /// The bench's own route set on `stack` with the node adapter.
    pub fn default_for(stack: &str) -> Self {
        Self {
            project: paths::fixtures_dir().join("bench-routes"),
            stack: stack.into(),
            adapter: "node".into(),
            env: BTreeMap::new(),
        }
    }

    /// `key=value,...` (keys `project`, `stack`, `adapter`, `env.NAME`) over `base`.
    pub fn parse(spec: &str, base: &Variant) -> Result<Self, BenchError> {
        let mut out = base.clone();
        for pair in spec.split(',').filter(|p| !p.trim().is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| BenchError::BadVariant(spec.into()))?;
            let value = value.trim().to_string();
            match key.trim() {
                "project" => out.project = PathBuf::from(value),
                "stack" => out.stack = value,
                "adapter" => out.adapter = value,
                key => match key.strip_prefix("env.") {
                    Some(name) if !name.is_empty() => {
                        out.env.insert(name.to_string(), value);
                    }
                    _ => return Err(BenchError::BadVariant(spec.into())),
                },
            }
        }
        Ok(out)
    }

    /// `stack · adapter · project-folder-name`, then ` · NAME=value` per environment entry.
    pub fn label(&self) -> String {
        let project = build::project_label(&self.project);
        let mut label = format!("{} · {} · {project}", self.stack, self.adapter);
        for (name, value) in &self.env {
            label.push_str(&format!(" · {name}={value}"));
        }
        label
    }
}

/// A route of a served variant, ready to load.
#[derive(Debug, Clone)]
pub struct ServedRoute {
    pub spec: RouteSpec,
    /// ▶/λ as the build decided (when the route names its file).
    pub mode: Option<Mode>,
    pub target: Target,
}

/// The packages a variant is built with and the adapter the build adds. `own`: the
/// project's own installed packages (its config's adapter, if it sets one), with the Node
/// its Astro asks for; otherwise the named stack's packages with the profile's.
fn packages(
    variant: &Variant,
    profile: &adapter::Profile,
    session: &Session,
) -> Result<(InstalledStack, Adapter), BenchError> {
    if variant.stack != own::OWN {
        let stack = stack::find(&paths::stacks_dir(), &variant.stack)?;
        return Ok((
            session.installed(&stack, Some(profile))?,
            Adapter::of(profile),
        ));
    }
    // A project's own packages run on the Node of the stack used when none is named.
    let node_from = stack::preferred(&paths::stacks_dir())?;
    let installed = session
        .own_packages(&variant.project, &node_from, false)?
        .ok_or_else(|| BenchError::NoOwnPackages(variant.project.clone()))?;
    let configured = model::Project::read(&variant.project).is_ok_and(|p| p.adapter.value());
    let adapter = if configured {
        Adapter::None
    } else {
        Adapter::of(profile)
    };
    Ok((installed, adapter))
}

/// A variant built and ready to start, as often as needed (each A/B fork starts fresh
/// servers from it).
pub struct Prepared {
    pub variant: Variant,
    /// The Astro version of the stack.
    pub astro: String,
    /// The routes with their ▶/λ from the build.
    routes: Vec<(RouteSpec, Option<Mode>)>,
    launch: Launch,
    adapter: String,
    ready_timeout: Duration,
}

/// A variant built and running. Dropping it stops the server.
pub struct Served {
    pub variant: Variant,
    /// The Astro version of the stack.
    pub astro: String,
    pub routes: Vec<ServedRoute>,
    pub server: Server,
}

/// Installs and builds `variant` (cached), and finds the ▶/λ of the routes of its
/// bench.toml named in `only`. The server is started by [`Prepared::start`], on
/// `server_cpu`.
pub fn prepare(
    variant: &Variant,
    session: &Session,
    only: &[String],
    server_cpu: Option<usize>,
) -> Result<Prepared, BenchError> {
    build::check_project(&variant.project)?;
    let specs = routes::read_routes(&variant.project, only)?;
    let profile = adapter::select(std::slice::from_ref(&variant.adapter))?.remove(0);
    let (installed, adapter) = packages(variant, &profile, session)?;
    let packages = (&installed, &adapter);
    prepare_installed(variant, specs, &profile, packages, session, server_cpu)
}

/// [`prepare`] with the routes, the profile and the packages already chosen (`upgrade`
/// measures a site on packages of its own making). `variant.stack` is then only a label.
pub fn prepare_installed(
    variant: &Variant,
    specs: Vec<RouteSpec>,
    profile: &adapter::Profile,
    (installed, adapter): (&InstalledStack, &Adapter),
    session: &Session,
    server_cpu: Option<usize>,
) -> Result<Prepared, BenchError> {
    let built = session.build(&variant.project, installed, adapter)?;
    let classification = session.classified(&built)?;
    check_entry(&built, profile).map_err(Arc::new)?;
    let mut launch = profile.launch(&built, installed);
    launch.cpu = server_cpu;
    launch
        .env
        .extend(variant.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut routes = Vec::new();
    for spec in specs {
        let mode = match &spec.file {
            None => None,
            Some(file) => Some(
                classification
                    .routes
                    .iter()
                    .find(|r| &r.source == file)
                    .map(|r| r.mode)
                    .ok_or_else(|| BenchError::UnroutedFile {
                        file: variant.project.join(ROUTES_FILE),
                        route: spec.name.clone(),
                        source_file: file.clone(),
                    })?,
            ),
        };
        routes.push((spec, mode));
    }
    Ok(Prepared {
        variant: variant.clone(),
        astro: installed.astro_version.to_string(),
        routes,
        launch,
        adapter: profile.name.clone(),
        ready_timeout: profile.ready_timeout(),
    })
}

impl Prepared {
    /// The names of the routes, in bench.toml's order.
    pub fn route_names(&self) -> Vec<String> {
        self.routes.iter().map(|(s, _)| s.name.clone()).collect()
    }

    /// Each route's name and ▶/λ.
    pub fn route_modes(&self) -> Vec<(String, Option<Mode>)> {
        self.routes
            .iter()
            .map(|(s, m)| (s.name.clone(), *m))
            .collect()
    }

    /// Starts a fresh server and resolves each route's URL against it.
    pub fn start(&self) -> Result<Served, BenchError> {
        let server = Server::start(&self.launch, self.ready_timeout).map_err(|source| {
            BenchError::Serve {
                adapter: self.adapter.clone(),
                source: Box::new(source),
            }
        })?;
        let base = server.base_url();
        let mut routes = Vec::new();
        for (spec, mode) in &self.routes {
            let mut target = Target::parse(&format!("{base}{}", spec.path))?;
            for (name, value) in &spec.headers {
                target = target.with_header(name, value)?;
            }
            routes.push(ServedRoute {
                spec: spec.clone(),
                mode: *mode,
                target,
            });
        }
        Ok(Served {
            variant: self.variant.clone(),
            astro: self.astro.clone(),
            routes,
            server,
        })
    }
}

/// [`prepare`], then [`Prepared::start`].
pub fn serve(
    variant: &Variant,
    session: &Session,
    only: &[String],
    server_cpu: Option<usize>,
) -> Result<Served, BenchError> {
    prepare(variant, session, only, server_cpu)?.start()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_parse_over_a_base() {
        let base = Variant::default_for("astro7");
        let v = Variant::parse("stack=astro5, adapter=node-middleware", &base).unwrap();
        assert_eq!(
            (v.stack.as_str(), v.adapter.as_str()),
            ("astro5", "node-middleware")
        );
        assert_eq!(v.project, base.project);
        assert!(Variant::parse("astro5", &base).is_err());
        assert!(Variant::parse("colour=red", &base).is_err());
        assert!(Variant::parse("env.=1", &base).is_err());
        let v = Variant::parse("env.BURN=/a:30;/b:20", &base).unwrap();
        assert_eq!(v.env["BURN"], "/a:30;/b:20");
        assert!(v.label().ends_with(" · BURN=/a:30;/b:20"), "{}", v.label());
    }
}
