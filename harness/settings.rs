//! Every `ASTRO_CONFORM_*` variable, read once and checked: a bad value is an error that
//! names the variable and what it accepts, never a silent default. The entry points (the
//! CLI and the conformance target) call [`load`] first; the library reads [`get`].

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The settings of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `ASTRO_CONFORM_CACHE`: the cache root (installs, builds, reports).
    pub cache: Option<PathBuf>,
    /// `ASTRO_CONFORM_HOME`: where the built-in fixtures, stacks and profiles are.
    pub home: Option<PathBuf>,
    /// `ASTRO_CONFORM_KEEP=1`: keep temporary build workdirs and print their paths.
    pub keep: bool,
    /// `ASTRO_CONFORM_BUILD_TIMEOUT`: seconds one `astro build` may take (300).
    pub build_timeout: Duration,
    /// `ASTRO_CONFORM_INSTALL_TIMEOUT`: seconds one `npm ci` may take (600).
    pub install_timeout: Duration,
    /// `ASTRO_CONFORM_READY_TIMEOUT`: seconds a server may take to answer (30).
    pub ready_timeout: Duration,
    /// `ASTRO_CONFORM_ADAPTERS`: the conformance target's profiles (names or paths, or
    /// `all`); `None` for the default ones.
    pub adapters: Option<Vec<String>>,
    /// `ASTRO_CONFORM_FIXTURES`: more fixture folders, separated like PATH.
    pub fixtures: Vec<PathBuf>,
    /// `ASTRO_CONFORM_NO_BUILTIN=1`: leave the built-in fixtures out.
    pub no_builtin: bool,
}

/// A variable whose value is not one it accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?} is not valid: it takes {accepts}")]
pub struct SettingsError {
    /// The variable.
    pub name: &'static str,
    /// Its value.
    pub value: String,
    /// What it accepts.
    pub accepts: &'static str,
}

impl Settings {
    /// Reads the settings from `var` (the process environment in [`load`]).
    pub fn read(var: impl Fn(&str) -> Option<OsString>) -> Result<Self, SettingsError> {
        let text = |name: &'static str| var(name).map(|v| v.to_string_lossy().into_owned());
        let flag = |name: &'static str| match text(name).as_deref() {
            None | Some("" | "0") => Ok(false),
            Some("1") => Ok(true),
            Some(other) => Err(SettingsError {
                name,
                value: other.into(),
                accepts: "1 (on) or 0 (off)",
            }),
        };
        let seconds = |name: &'static str, default: u64| match text(name) {
            None => Ok(Duration::from_secs(default)),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(s) if s > 0 => Ok(Duration::from_secs(s)),
                _ => Err(SettingsError {
                    name,
                    value: v,
                    accepts: "a whole number of seconds above 0",
                }),
            },
        };
        let path = |name: &'static str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let adapters = text("ASTRO_CONFORM_ADAPTERS").map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        });
        Ok(Settings {
            cache: path("ASTRO_CONFORM_CACHE"),
            home: path("ASTRO_CONFORM_HOME"),
            keep: flag("ASTRO_CONFORM_KEEP")?,
            build_timeout: seconds("ASTRO_CONFORM_BUILD_TIMEOUT", 300)?,
            install_timeout: seconds("ASTRO_CONFORM_INSTALL_TIMEOUT", 600)?,
            ready_timeout: seconds("ASTRO_CONFORM_READY_TIMEOUT", 30)?,
            adapters: adapters.filter(|a| !a.is_empty()),
            fixtures: var("ASTRO_CONFORM_FIXTURES")
                .map(|v| std::env::split_paths(&v).collect())
                .unwrap_or_default(),
            no_builtin: flag("ASTRO_CONFORM_NO_BUILTIN")?,
        })
    }
}

static SETTINGS: OnceLock<Result<Settings, SettingsError>> = OnceLock::new();

/// The process's settings, read from its environment on the first call.
pub fn load() -> Result<&'static Settings, SettingsError> {
    SETTINGS
        .get_or_init(|| Settings::read(|name| std::env::var_os(name)))
        .as_ref()
        .map_err(Clone::clone)
}

/// The settings; the entry points have called [`load`] and stopped on its error, so a
/// bad value reaching here is a bug of the caller.
pub fn get() -> &'static Settings {
    match load() {
        Ok(settings) => settings,
        Err(e) => panic!("astro-conform: {e} (the entry point should have reported it)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::read(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn nothing_set_gives_the_defaults() {
        let s = read(&[]).unwrap();
        assert_eq!(s.build_timeout, Duration::from_secs(300));
        assert_eq!(s.install_timeout, Duration::from_secs(600));
        assert_eq!(s.ready_timeout, Duration::from_secs(30));
        assert!(!s.keep && !s.no_builtin && s.adapters.is_none() && s.cache.is_none());
    }

    #[test]
    fn a_bad_value_names_the_variable_and_what_it_takes() {
        let e = read(&[("ASTRO_CONFORM_BUILD_TIMEOUT", "abc")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ASTRO_CONFORM_BUILD_TIMEOUT=\"abc\" is not valid: it takes a whole number of seconds above 0"
        );
        assert!(read(&[("ASTRO_CONFORM_READY_TIMEOUT", "0")]).is_err());
        let e = read(&[("ASTRO_CONFORM_KEEP", "yes")]).unwrap_err();
        assert_eq!(e.name, "ASTRO_CONFORM_KEEP");
    }

    #[test]
    fn lists_are_split_and_trimmed() {
        let s = read(&[
            ("ASTRO_CONFORM_ADAPTERS", " node, deno ,"),
            ("ASTRO_CONFORM_BUILD_TIMEOUT", "20"),
            ("ASTRO_CONFORM_KEEP", "1"),
        ])
        .unwrap();
        assert_eq!(s.adapters.unwrap(), ["node", "deno"]);
        assert_eq!(s.build_timeout, Duration::from_secs(20));
        assert!(s.keep);
    }
}
