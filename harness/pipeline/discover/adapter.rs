//! Adapter profiles: `adapters/<name>.toml`, or any path a user passes.
//!
//! A profile says which npm packages the adapter adds to a stack (pinned; the combined
//! lockfile is committed at `<profile dir>/<name>/<stack>/`), what goes into the config's
//! `adapter` field, which Astro versions and stacks it supports, how the built output is
//! started and where it lands, and where the adapter is known to deviate. Profiles are
//! strict: an unknown key is an error naming the file, line and key.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::request::Tag;
use crate::error::{IoError, Located, parse_toml};

/// The placeholders a profile's `[serve]` strings may use (`{url}` only in `cleanup`).
pub(crate) const PLACEHOLDERS: [&str; 9] = [
    "node",
    "project",
    "modules",
    "profile_dir",
    "host",
    "port",
    "entry",
    "static",
    "url",
];

/// The profiles run when none is named: fast, and no installs beyond the stacks.
pub const DEFAULT_PROFILES: [&str; 2] = ["node", "node-middleware"];

/// Errors of finding, reading and preparing profiles.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Invalid(#[from] Located),
    #[error("unknown adapter `{name}`: no {} (known: {}); pass a profile's path to use one from elsewhere", file.display(), known.join(", "))]
    Unknown {
        name: String,
        file: PathBuf,
        known: Vec<String>,
    },
    #[error(transparent)]
    Io(#[from] IoError),
}

/// How a deviation key names a behaviour instead of checks: `"tag:not-found-page"`.
pub(crate) const TAG_PREFIX: &str = "tag:";

/// The file as written.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileFile {
    /// One line for reports, e.g. "@astrojs/cloudflare 14.3.3, run by wrangler dev".
    description: String,
    /// Astro versions supported (a semver range); other stacks are n/a.
    #[serde(default)]
    astro: Option<String>,
    /// Stacks to run on (default: the default stacks).
    #[serde(default)]
    stacks: Option<Vec<String>>,
    /// "ours" when a program of astro-conform's serves the output (reports say so).
    #[serde(default)]
    runner: Runner,
    /// npm packages added to the stack: exact versions, or "file:…" tarballs.
    #[serde(default)]
    packages: BTreeMap<String, String>,
    /// What the wrapper config adds (the project's own config is kept).
    config: ConfigSection,
    /// Where the build lands.
    output: OutputSection,
    /// How the built output is started.
    serve: ServeSection,
    /// Known deviations: "stack/fixture/check" (`*` matches anything) or "tag:<behaviour>"
    /// → the reason.
    #[serde(default)]
    deviations: BTreeMap<String, String>,
    /// Behaviours the runtime cannot have at all (a request tag → why): the requests
    /// with the tag are n/a with that reason, not failures.
    #[serde(default)]
    lacks: BTreeMap<Tag, String>,
}

/// Who wrote the program that serves the built output.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Runner {
    /// The adapter's own server or its vendor's tool.
    #[default]
    Adapter,
    /// A runner of ours (the report says so).
    Ours,
}

/// `[config]`: what the wrapper config adds.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigSection {
    /// The import line(s), e.g. `import node from '@astrojs/node';`.
    pub import: String,
    /// The expression placed in the config's `adapter` field.
    pub adapter: String,
    /// Environment added to `astro build`'s (`{project}` is the build's workdir), e.g. to
    /// keep a tool's config files in the workdir.
    #[serde(default)]
    pub build_env: BTreeMap<String, String>,
}

/// `[output]`: where the build lands.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// The folder of static files, relative to the project (e.g. `dist/client`).
    #[serde(rename = "static")]
    pub static_dir: String,
    /// The server entry (or runner input) that must exist after the build; a list names
    /// the alternatives in order (e.g. a static-only build's config), the first found is
    /// `{entry}`.
    pub entry: Entries,
    /// Snapshot the output tree (`dist` check) for this adapter.
    #[serde(default)]
    pub snapshot: bool,
}

/// `output.entry`: one path, or alternatives in order.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Entries {
    /// The one file.
    One(String),
    /// The first of these that exists.
    FirstOf(Vec<String>),
}

impl Entries {
    /// The paths, in order.
    pub fn paths(&self) -> &[String] {
        match self {
            Entries::One(p) => std::slice::from_ref(p),
            Entries::FirstOf(ps) => ps,
        }
    }
}

/// `[serve]`: how the built output is started.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServeSection {
    /// Program and arguments; placeholders such as `{node}` and `{port}` are filled in.
    pub command: Vec<String>,
    /// Working directory (default `{project}`).
    #[serde(default)]
    pub cwd: Option<String>,
    /// Environment added to the harness's own.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Seconds the server may take to answer its first HTTP request (default 30); for a
    /// deploy, the script's time and then the deployment's.
    #[serde(default)]
    pub ready_timeout: Option<u64>,
    /// `true`: `command` is a deploy script that prints the base URL (its last line that
    /// is only a URL) and exits; the requests go to that URL.
    #[serde(default)]
    pub deploy: bool,
    /// With `deploy`: run when the checks are done, e.g. to delete a preview deployment;
    /// `{url}` is the URL the deploy printed.
    #[serde(default)]
    pub cleanup: Option<Vec<String>>,
    /// Text the serving program writes (to its log or in the body) when its own transport
    /// lost a request, not the adapter: a 5xx with one of them is sent once more, and the
    /// result says so.
    #[serde(default)]
    pub transport_errors: Vec<String>,
}

/// A loaded adapter profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The file stem, used in trial names and reports.
    pub name: String,
    /// The profile file.
    pub file: PathBuf,
    /// One line saying what it runs.
    pub description: String,
    /// Supported Astro versions (a semver requirement), if limited.
    pub astro: Option<semver::VersionReq>,
    /// The stacks it runs on; `None`: the default stacks.
    pub stacks: Option<Vec<String>>,
    /// Who wrote the serving program.
    pub runner: Runner,
    /// npm packages added to the stack, pinned.
    pub packages: BTreeMap<String, String>,
    /// What the wrapper config adds.
    pub config: ConfigSection,
    /// Where the build lands.
    pub output: OutputSection,
    /// How the output is started.
    pub serve: ServeSection,
    /// Known deviations: a `stack/fixture/check` pattern (`*` matches anything) → reason.
    pub deviations: Vec<(String, String)>,
    /// Known deviations by behaviour: every request with the tag, in any fixture.
    pub tag_deviations: Vec<(Tag, String)>,
    /// Behaviours the runtime lacks: requests with the tag are n/a, with the reason.
    pub lacks: BTreeMap<Tag, String>,
}

impl Profile {
    /// Reads and validates a profile file.
    pub fn load(file: &Path) -> Result<Self, ProfileError> {
        let text = fs::read_to_string(file).map_err(IoError::reading(file))?;
        let mut profile = Self::parse(file, &text)?;
        // Commands run in the build's workdir: `{profile_dir}` must not be relative.
        if let Ok(absolute) = file.canonicalize() {
            profile.file = absolute;
        }
        Ok(profile)
    }

    /// Parses the text of a profile.
    pub fn parse(file: &Path, text: &str) -> Result<Self, ProfileError> {
        let raw: ProfileFile = parse_toml(file, text)?;
        let at_key = |key: &str, message: String| Located::at_key(file, text, key, message);
        let astro = match &raw.astro {
            None => None,
            Some(req) => Some(semver::VersionReq::parse(req).map_err(|e| {
                at_key(
                    "astro",
                    format!("`astro = \"{req}\"` is not a version range: {e}"),
                )
            })?),
        };
        validate::check_values(&raw).map_err(|(key, message)| at_key(&key, message))?;
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            name,
            file: file.to_path_buf(),
            description: raw.description,
            astro,
            stacks: raw.stacks,
            runner: raw.runner,
            packages: raw.packages,
            config: raw.config,
            output: raw.output,
            serve: raw.serve,
            tag_deviations: raw
                .deviations
                .iter()
                .filter_map(|(key, reason)| {
                    let tag = Tag::from_name(key.strip_prefix(TAG_PREFIX)?)?;
                    Some((tag, reason.clone()))
                })
                .collect(),
            deviations: raw
                .deviations
                .into_iter()
                .filter(|(key, _)| !key.starts_with(TAG_PREFIX))
                .collect(),
            lacks: raw.lacks,
        })
    }

    /// The folder the profile lives in (its lockfiles and helper scripts are below it).
    pub fn dir(&self) -> PathBuf {
        self.file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

mod deviations;
mod validate;
mod lookup;

pub use lookup::{adapters_dir, discover, find, select};

#[cfg(test)]
mod tests;
