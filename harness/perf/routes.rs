//! The routes a bench loads: the project's `bench.toml`, read strictly.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{IoError, Located, parse_toml};
use crate::perf::error::BenchError;

/// The file in a project that lists the routes to measure.
pub(crate) const ROUTES_FILE: &str = "bench.toml";

/// One route to load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// A short name for tables and `--route`.
    pub name: String,
    /// Path and query to GET.
    pub path: String,
    /// The page or endpoint serving it (`src/pages/...`); its ▶/λ is read from the build.
    #[serde(default)]
    pub file: Option<String>,
    /// Request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// `bench.toml`: the routes `astro-conform bench` measures.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoutesFile {
    /// One `[[route]]` per route to load.
    route: Vec<RouteSpec>,
}

/// Reads `<project>/bench.toml`, keeping the routes named in `only` (all when empty).
pub(crate) fn read_routes(project: &Path, only: &[String]) -> Result<Vec<RouteSpec>, BenchError> {
    let file = project.join(ROUTES_FILE);
    let text = match std::fs::read_to_string(&file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BenchError::NoRoutesFile(project.to_path_buf()));
        }
        other => other.map_err(IoError::doing(format!("reading {}", file.display())))?,
    };
    let parsed: RoutesFile = parse_toml(&file, &text)?;
    let mut seen = std::collections::BTreeSet::new();
    for route in &parsed.route {
        if !seen.insert(route.name.as_str()) {
            // Point at the second listing, not the first.
            let quoted = format!("\"{}\"", route.name);
            let at = text.match_indices(&quoted).nth(1).map_or(0, |(at, _)| at);
            return Err(Located::at(
                &file,
                &text,
                at,
                format!("route `{}` is listed twice", route.name),
            )
            .into());
        }
    }
    for name in only {
        if !seen.contains(name.as_str()) {
            return Err(BenchError::UnknownRoute {
                name: name.clone(),
                file,
                known: seen.into_iter().collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(parsed
        .route
        .into_iter()
        .filter(|r| only.is_empty() || only.contains(&r.name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_files_are_read_strictly() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_routes(dir.path(), &[]),
            Err(BenchError::NoRoutesFile(_))
        ));
        std::fs::write(
            dir.path().join(ROUTES_FILE),
            "[[route]]\nname = \"a\"\npath = \"/\"\nspeed = 1\n",
        )
        .unwrap();
        let err = read_routes(dir.path(), &[]).unwrap_err().to_string();
        assert!(err.contains("bench.toml:4:"), "{err}");
        assert!(err.contains("speed"), "{err}");
        std::fs::write(
            dir.path().join(ROUTES_FILE),
            "[[route]]\nname = \"a\"\npath = \"/\"\n[[route]]\nname = \"b\"\npath = \"/b\"\n",
        )
        .unwrap();
        assert_eq!(
            read_routes(dir.path(), &["b".into()]).unwrap()[0].path,
            "/b"
        );
        let err = read_routes(dir.path(), &["c".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no route named `c`") && err.contains("a, b"),
            "{err}"
        );
    }

    #[test]
    fn a_route_listed_twice_points_at_the_second_listing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(ROUTES_FILE),
            "[[route]]\nname = \"a\"\npath = \"/\"\n[[route]]\nname = \"a\"\npath = \"/b\"\n",
        )
        .unwrap();
        let err = read_routes(dir.path(), &[]).unwrap_err().to_string();
        assert!(
            err.contains("bench.toml:5:") && err.contains("listed twice"),
            "{err}"
        );
    }
}
