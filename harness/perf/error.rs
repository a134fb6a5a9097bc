//! Why a bench, an A/B comparison or a baseline could not run, or why its numbers cannot
//! be trusted.

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{IoError, Located};
use crate::perf::load;
use crate::perf::routes::ROUTES_FILE;
use crate::pipeline::build::BuildError;
use crate::pipeline::discover::adapter::ProfileError;
use crate::pipeline::install::AdapterInstallError;
use crate::pipeline::install::stack::StackError;
use crate::pipeline::serve::ServeError;
use crate::pipeline::session::SessionError;

/// Why a bench could not run or its numbers cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(
        "{0} has no {ROUTES_FILE}; list the routes to measure there, e.g.\n\n[[route]]\nname = \"home\"\npath = \"/\"\nfile = \"src/pages/index.astro\"   # optional: shows its ▶/λ\nheaders = {{ cookie = \"a=1\" }}   # optional"
    )]
    NoRoutesFile(PathBuf),
    #[error(transparent)]
    InvalidRoutesFile(#[from] Located),
    #[error("no route named `{name}` in {file} (it has: {known})")]
    UnknownRoute {
        name: String,
        file: PathBuf,
        known: String,
    },
    #[error("{file}: route `{route}` names {source_file}, which the build did not route")]
    UnroutedFile {
        file: PathBuf,
        route: String,
        source_file: String,
    },
    #[error(
        "{} has no installed packages of its own (no node_modules/astro): install them, or measure it with a stack (--stack NAME)",
        .0.display()
    )]
    NoOwnPackages(PathBuf),
    #[error(
        "`{0}` is not a variant: use key=value pairs joined by commas, keys project, stack, adapter and env.NAME (e.g. stack=astro5,adapter=node or env.NODE_OPTIONS=--jitless)"
    )]
    BadVariant(String),
    #[error("A and B must measure the same routes; A has {a}, B has {b}")]
    RouteSetsDiffer { a: String, b: String },
    #[error("`{0}` is not a baseline name (letters, digits, `.`, `_`, `-`)")]
    BadBaselineName(String),
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("{} is not a bench report: {source}", file.display())]
    NotAReport {
        file: PathBuf,
        source: serde_json::Error,
    },
    #[error("{side} {route}: {why}")]
    Untrustworthy {
        side: String,
        route: String,
        why: String,
    },
    /// A stage of the pipeline (install, build, classify) could not deliver.
    #[error(transparent)]
    Session(#[from] Arc<SessionError>),
    #[error("adapter `{adapter}`: {source}")]
    Serve {
        adapter: String,
        source: Box<ServeError>,
    },
    #[error(transparent)]
    Load(#[from] load::LoadError),
}

/// Errors of the stages before the session (finding the project, stack and profile).
macro_rules! via_session {
    ($($ty:ty),*) => {$(
        impl From<$ty> for BenchError {
            fn from(e: $ty) -> Self {
                BenchError::Session(Arc::new(e.into()))
            }
        }
    )*};
}
via_session!(StackError, ProfileError, AdapterInstallError, BuildError);
