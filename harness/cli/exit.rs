//! The exit status of every command, decided by the kind of error it ended with:
//! 0 all passed, 1 a check failed, 2 bad usage or a bad input file, 3 the environment
//! failed (Node or npm, an install, a server that never became ready, the file system).

use std::fmt;
use std::process::ExitCode;
use std::sync::Arc;

use astro_conform::error::{IoError, Located};
use astro_conform::perf::error::BenchError;
use astro_conform::perf::load::LoadError;
use astro_conform::pipeline::build::{BuildError, BuildFailed};
use astro_conform::pipeline::classify::ClassifyError;
use astro_conform::pipeline::discover::adapter::ProfileError;
use astro_conform::pipeline::discover::case::CaseError;
use astro_conform::pipeline::install::AdapterInstallError;
use astro_conform::pipeline::install::stack::StackError;
use astro_conform::pipeline::model::RulesError;
use astro_conform::pipeline::request::http::HttpError;
use astro_conform::pipeline::serve::ServeError;
use astro_conform::pipeline::session::SessionError;
use astro_conform::process::ProcessError;
use astro_conform::settings::SettingsError;

/// What went wrong, as the exit status says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A check failed, or the code under test did (its build failed): exit 1.
    Check,
    /// Bad usage, or a file or value the user gave is wrong: exit 2.
    Input,
    /// The machine failed us (Node, npm, a server that never started, I/O): exit 3.
    Environment,
}

impl Kind {
    /// The exit status of this kind.
    pub(crate) fn code(self) -> ExitCode {
        ExitCode::from(match self {
            Kind::Check => 1,
            Kind::Input => 2,
            Kind::Environment => 3,
        })
    }
}

/// The error a command ended with, and its kind.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) kind: Kind,
    error: Box<dyn std::error::Error>,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl CliError {
    pub(crate) fn new(kind: Kind, error: impl Into<Box<dyn std::error::Error>>) -> Self {
        Self {
            kind,
            error: error.into(),
        }
    }
}

/// Each error type of the library, with the kind of each of its variants.
trait Kinded: std::error::Error + Sized + 'static {
    fn kind(&self) -> Kind;
}

macro_rules! from_kinded {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> Self {
                Self::new(e.kind(), e)
            }
        }
    )*};
}

from_kinded!(
    IoError,
    Located,
    SettingsError,
    CaseError,
    ProfileError,
    AdapterInstallError,
    StackError,
    ProcessError,
    BuildError,
    BuildFailed,
    ClassifyError,
    RulesError,
    ServeError,
    SessionError,
    BenchError,
    LoadError,
    HttpError,
);

/// A message the command wrote itself is a usage error.
impl From<String> for CliError {
    fn from(message: String) -> Self {
        Self::new(Kind::Input, message)
    }
}

impl From<&str> for CliError {
    fn from(message: &str) -> Self {
        message.to_string().into()
    }
}

impl From<Arc<SessionError>> for CliError {
    fn from(e: Arc<SessionError>) -> Self {
        Self::new(e.kind(), e.to_string())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        Self::new(Kind::Environment, e)
    }
}

impl Kinded for IoError {
    fn kind(&self) -> Kind {
        Kind::Environment
    }
}

impl Kinded for Located {
    fn kind(&self) -> Kind {
        Kind::Input
    }
}

impl Kinded for SettingsError {
    fn kind(&self) -> Kind {
        Kind::Input
    }
}

impl Kinded for CaseError {
    fn kind(&self) -> Kind {
        match self {
            CaseError::Io(_) => Kind::Environment,
            _ => Kind::Input,
        }
    }
}

impl Kinded for ProfileError {
    fn kind(&self) -> Kind {
        match self {
            ProfileError::Io(_) => Kind::Environment,
            _ => Kind::Input,
        }
    }
}

impl Kinded for AdapterInstallError {
    fn kind(&self) -> Kind {
        match self {
            AdapterInstallError::Stack(e) => e.kind(),
            AdapterInstallError::MissingPackage { .. } | AdapterInstallError::Io(_) => {
                Kind::Environment
            }
            _ => Kind::Input,
        }
    }
}

impl Kinded for StackError {
    fn kind(&self) -> Kind {
        match self {
            StackError::Unknown { .. } | StackError::Invalid { .. } => Kind::Input,
            StackError::NoDefault { .. } => Kind::Input,
            StackError::NotInstalled { .. } => Kind::Input,
            _ => Kind::Environment,
        }
    }
}

impl Kinded for ProcessError {
    fn kind(&self) -> Kind {
        Kind::Environment
    }
}

impl Kinded for BuildError {
    fn kind(&self) -> Kind {
        match self {
            BuildError::NotAProject(_) => Kind::Input,
            _ => Kind::Environment,
        }
    }
}

impl Kinded for BuildFailed {
    fn kind(&self) -> Kind {
        Kind::Check
    }
}

impl Kinded for ClassifyError {
    fn kind(&self) -> Kind {
        Kind::Check
    }
}

impl Kinded for RulesError {
    fn kind(&self) -> Kind {
        match self {
            RulesError::NotAProject(_) => Kind::Input,
            RulesError::Io(_) => Kind::Environment,
        }
    }
}

impl Kinded for ServeError {
    fn kind(&self) -> Kind {
        match self {
            // The build lacks what the profile serves: the adapter's output is wrong.
            ServeError::NoEntry { .. } => Kind::Check,
            ServeError::UnsupportedUrl { .. } => Kind::Input,
            _ => Kind::Environment,
        }
    }
}

impl Kinded for SessionError {
    fn kind(&self) -> Kind {
        match self {
            SessionError::Stack(e) => e.kind(),
            SessionError::Profile(e) => e.kind(),
            SessionError::AdapterInstall(e) => e.kind(),
            SessionError::Build(e) => e.kind(),
            SessionError::BuildFailed(e) => e.kind(),
            SessionError::Classify(e) => e.kind(),
            SessionError::NoEntry { .. } => Kind::Check,
            SessionError::Serve { source, .. } => source.kind(),
        }
    }
}

impl Kinded for BenchError {
    fn kind(&self) -> Kind {
        match self {
            BenchError::Io(_) | BenchError::Untrustworthy { .. } => Kind::Environment,
            BenchError::Session(e) => e.kind(),
            BenchError::Serve { source, .. } => source.kind(),
            BenchError::Load(e) => e.kind(),
            _ => Kind::Input,
        }
    }
}

impl Kinded for HttpError {
    /// No response from a server the harness started: the machine's or the server's fault.
    fn kind(&self) -> Kind {
        Kind::Environment
    }
}

impl Kinded for LoadError {
    fn kind(&self) -> Kind {
        match self {
            LoadError::Pin { .. } | LoadError::Runtime(_) => Kind::Environment,
            _ => Kind::Input,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn each_kind_has_its_documented_status() {
        let status = |e: CliError| e.kind;
        assert_eq!(status("no trial matches x".into()), Kind::Input);
        let settings = SettingsError {
            name: "ASTRO_CONFORM_BUILD_TIMEOUT",
            value: "abc".into(),
            accepts: "seconds",
        };
        assert_eq!(status(settings.into()), Kind::Input);
        let missing = StackError::ToolMissing { tool: "npm" };
        assert_eq!(status(missing.into()), Kind::Environment);
        let session = SessionError::NoEntry {
            entry: PathBuf::from("dist/server/entry.mjs"),
            profile: PathBuf::from("adapters/node.toml"),
            listing: String::new(),
        };
        assert_eq!(status(Arc::new(session).into()), Kind::Check);
        assert_eq!(
            [Kind::Check, Kind::Input, Kind::Environment].map(Kind::code),
            [ExitCode::from(1), ExitCode::from(2), ExitCode::from(3)]
        );
    }
}
