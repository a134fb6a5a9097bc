//! Fixture discovery: `fixtures/<name>/` folders and their `case.toml`.
//!
//! Discovery reads and validates files only: it never builds or installs, so listing the
//! suite is instant. `case.toml` is strict: an unknown key or a bad value is an error that
//! names the file, the line and the key.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::astro::AstroError;
use crate::astro::Mode;
use crate::error::{IoError, Located, parse_toml};
use crate::pipeline::discover::request::RequestCase;

/// Errors of reading fixtures.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error(transparent)]
    Invalid(#[from] Located),
    #[error("fixture {}: {reason}", dir.display())]
    BadFixture { dir: PathBuf, reason: String },
    #[error("two fixtures are named `{name}`: {} and {}; fixture names must be unique across --fixtures folders", first.display(), second.display())]
    SameName {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(transparent)]
    Io(#[from] IoError),
}

/// `case.toml`: what must hold for one fixture.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// One line saying what the fixture is for.
    #[serde(default)]
    pub description: Option<String>,
    /// How the fixture is built and what the build must do.
    #[serde(default)]
    pub build: BuildSpec,
    /// How the built server runs.
    #[serde(default)]
    pub server: ServerSpec,
    /// Expected mode per source file, e.g. `"src/pages/account.astro" = "λ"`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, crate::schema::ModeName>")]
    pub routes: BTreeMap<Spanned<String>, Mode>,
    /// Requests to send to the built server, each a trial of its own.
    #[serde(default, rename = "request")]
    #[schemars(with = "Vec<RequestCase>")]
    pub requests: Vec<Spanned<RequestCase>>,
}

/// The `[build]` table.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildSpec {
    /// `false`: build without any adapter (the project as written). Default `true`: the
    /// adapter under test is added.
    #[serde(default = "yes")]
    pub adapter: bool,
    /// The build must fail with this Astro error name, e.g. `NoAdapterInstalled`.
    #[serde(default)]
    pub expect_error: Option<AstroError>,
    /// Stacks this fixture does not run on, each with the reason.
    #[serde(default)]
    pub skip: BTreeMap<String, String>,
    /// Options for the adapter under test, e.g. `{ experimentalDisableStreaming = true }`,
    /// placed where its profile's expression has `{options}` (profiles without it are
    /// n/a for the fixture).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub adapter_options: BTreeMap<String, toml::Value>,
}

/// The `[server]` table.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    /// Environment variables the built server starts with, never the build: a secret
    /// read at request time (`astro:env/server`), as a host's settings would give it.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

impl Default for BuildSpec {
    fn default() -> Self {
        Self {
            adapter: true,
            expect_error: None,
            skip: BTreeMap::new(),
            adapter_options: BTreeMap::new(),
        }
    }
}

/// A fixture project with its parsed case.
#[derive(Debug)]
pub struct Fixture {
    /// The folder name, used in trial names.
    pub name: String,
    /// The fixture folder.
    pub dir: PathBuf,
    /// Where its snapshots are: `snapshots/` beside the folder of fixtures it is in (for
    /// the built-in fixtures, the built-in `snapshots/`).
    pub snapshots: PathBuf,
    /// Its `case.toml`.
    pub case: Case,
    /// The case file it was read from (`case.toml`, or a site's `astro-conform.toml`).
    pub case_file: PathBuf,
    /// The case file's text, to point at what a failed check asked for.
    pub case_text: String,
}

impl Fixture {
    /// The place in the case file at byte `offset`, saying what was asked for there.
    pub fn asked_at(&self, offset: usize, what: impl Into<String>) -> Located {
        Located::at(&self.case_file, &self.case_text, offset, what)
    }

    /// Where the case asks for request `i`.
    pub fn request_at(&self, i: usize) -> Option<Located> {
        let request = self.case.requests.get(i)?;
        let what = format!("request `{}`", request.get_ref().name);
        Some(self.asked_at(request.span().start, what))
    }

    /// Where the case's `[routes]` names `source`.
    pub fn route_at(&self, source: &str) -> Option<Located> {
        let key = self.case.routes.keys().find(|k| k.get_ref() == source)?;
        Some(self.asked_at(key.span().start, format!("routes.{source}")))
    }

    /// Where the case's `[routes]` start (its first key), if it has any.
    pub fn routes_at(&self) -> Option<Located> {
        let first = self.case.routes.keys().map(|k| k.span().start).min()?;
        Some(self.asked_at(first, "[routes]"))
    }

    /// The case file's name, for messages.
    pub fn case_file_name(&self) -> String {
        self.case_file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

impl Fixture {
    /// Reads and validates one fixture folder.
    pub fn load(dir: &Path) -> Result<Self, CaseError> {
        if dir.join("src/pages").is_dir() && !dir.join("astro.config.mjs").is_file() {
            return Err(CaseError::BadFixture {
                dir: dir.to_path_buf(),
                reason:
                    "no astro.config.mjs (fixtures keep their config there, without an adapter)"
                        .into(),
            });
        }
        Self::load_case(dir, &dir.join("case.toml"))
    }

    /// Reads an Astro project with the case file `file` (a site's `astro-conform.toml`):
    /// the project is the fixture, its config whatever Astro accepts.
    pub fn load_case(dir: &Path, file: &Path) -> Result<Self, CaseError> {
        let name = dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !dir.join("src/pages").is_dir() {
            return Err(CaseError::BadFixture {
                dir: dir.to_path_buf(),
                reason: "no src/pages folder: an Astro project keeps its routes there".into(),
            });
        }
        let file = file.to_path_buf();
        let text = fs::read_to_string(&file).map_err(IoError::reading(&file))?;
        let case = parse_case(&file, &text)?;
        for source in case.routes.keys() {
            if !dir.join(source.get_ref()).is_file() {
                return Err(Located::at(
                    &file,
                    &text,
                    source.span().start,
                    format!(
                        "[routes] names `{}`, which is not a file of this fixture",
                        source.get_ref()
                    ),
                )
                .into());
            }
        }
        let mut slugs = std::collections::BTreeSet::new();
        for request in &case.requests {
            let slug = request.get_ref().slug();
            let problem = if slug.is_empty() || !slugs.insert(slug.clone()) {
                Some(format!(
                    "request name `{}` is empty or repeats another (as `{slug}`)",
                    request.get_ref().name
                ))
            } else {
                request.get_ref().problem()
            };
            if let Some(message) = problem {
                return Err(Located::at(&file, &text, request.span().start, message).into());
            }
        }
        Ok(Self {
            name,
            dir: dir.to_path_buf(),
            snapshots: crate::paths::snapshots_beside(dir.parent().unwrap_or(dir)),
            case,
            case_file: file,
            case_text: text,
        })
    }
}

/// Parses the text of a `case.toml`; errors carry file, line, column and the key.
pub(crate) fn parse_case(file: &Path, text: &str) -> Result<Case, CaseError> {
    Ok(parse_toml(file, text)?)
}

/// A fixture, or its folder name and the error that stopped it from loading.
pub type Discovered = Result<Fixture, (String, CaseError)>;

/// Every fixture under `dir` (folders with a `case.toml`), sorted by name. Each entry is
/// the fixture or the error that stopped it from loading, so one bad case hides no other.
pub fn discover(dir: &Path) -> Result<Vec<Discovered>, CaseError> {
    let entries = fs::read_dir(dir).map_err(IoError::reading(dir))?;
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("case.toml").is_file())
        .collect();
    dirs.sort();
    Ok(dirs
        .iter()
        .map(|d| {
            Fixture::load(d).map_err(|e| {
                let name = d
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                (name, e)
            })
        })
        .collect())
}

/// Every fixture in each of `dirs`, sorted by name; two fixtures of one name are an error
/// (trial names must say which fixture they run).
pub fn discover_all(dirs: &[PathBuf]) -> Result<Vec<Discovered>, CaseError> {
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut all = Vec::new();
    for dir in dirs {
        for found in discover(dir)? {
            let (name, at) = match &found {
                Ok(f) => (f.name.clone(), f.dir.clone()),
                Err((name, _)) => (name.clone(), dir.join(name)),
            };
            if let Some(first) = seen.insert(name.clone(), at.clone()) {
                return Err(CaseError::SameName {
                    name,
                    first,
                    second: at,
                });
            }
            all.push(found);
        }
    }
    let key = |d: &Discovered| match d {
        Ok(f) => f.name.clone(),
        Err((name, _)) => name.clone(),
    };
    all.sort_by_key(key);
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Case, CaseError> {
        parse_case(Path::new("fixtures/x/case.toml"), text)
    }

    #[test]
    fn a_full_case_parses() {
        let case = parse(
            r#"
description = "blog"
[build]
adapter = false
expect_error = "NoAdapterInstalled"
skip = { astro5 = "needs astro 7" }
[routes]
"src/pages/a.astro" = "λ"
"src/pages/b.astro" = "prerendered"
"#,
        )
        .unwrap();
        assert!(!case.build.adapter);
        assert_eq!(
            case.build.expect_error,
            Some(AstroError::NoAdapterInstalled)
        );
        assert_eq!(case.routes.len(), 2);
        assert!(parse("").unwrap().build.adapter);
    }

    #[test]
    fn requests_parse_and_unknown_expectations_are_errors() {
        let case = parse(
            "[[request]]\nname = \"Account: no session\"\npath = \"/account\"\nexpect.status = 302\nexpect.location = \"/login\"\n",
        )
        .unwrap();
        let r = case.requests[0].get_ref();
        assert_eq!(r.slug(), "account-no-session");
        assert_eq!(r.expect.status, Some(302));
        let msg = parse("[[request]]\nname = \"x\"\npath = \"/\"\nexpect.stauts = 200\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("stauts"), "{msg}");
        assert!(msg.starts_with("fixtures/x/case.toml:4:"), "{msg}");
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let err = parse("[build]\nadapter = true\nexpect_eror = \"X\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("fixtures/x/case.toml:3:1: "), "{msg}");
        assert!(msg.contains("expect_eror"), "{msg}");
    }

    #[test]
    fn bad_values_name_the_line() {
        let msg = parse("[routes]\n\"src/pages/a.astro\" = \"maybe\"\n")
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("fixtures/x/case.toml:2:"), "{msg}");
        assert!(msg.contains("maybe"), "{msg}");
        let msg = parse("[build]\nadapter = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("fixtures/x/case.toml:2:"), "{msg}");
        let msg = parse("[build\n").unwrap_err().to_string();
        assert!(msg.starts_with("fixtures/x/case.toml:1:"), "{msg}");
    }

    #[test]
    fn a_fixture_without_pages_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("case.toml"), "").unwrap();
        fs::write(dir.path().join("astro.config.mjs"), "export default {}").unwrap();
        let msg = Fixture::load(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("no src/pages"), "{msg}");
    }

    #[test]
    fn routes_must_name_files_of_the_fixture() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("src/pages")).unwrap();
        fs::write(dir.path().join("astro.config.mjs"), "export default {}").unwrap();
        fs::write(
            dir.path().join("case.toml"),
            "[routes]\n\"src/pages/gone.astro\" = \"▶\"\n",
        )
        .unwrap();
        let msg = Fixture::load(dir.path()).unwrap_err().to_string();
        assert!(
            msg.contains("case.toml:2:1: [routes] names `src/pages/gone.astro`"),
            "{msg}"
        );
    }

    #[test]
    fn the_shipped_fixtures_all_load() {
        for fixture in discover(&crate::paths::fixtures_dir()).unwrap() {
            if let Err((name, e)) = fixture {
                panic!("fixture {name}: {e}");
            }
        }
    }
}
