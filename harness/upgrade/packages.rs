//! The site's packages moved to another Astro: `astro` at the target version, and each
//! official `@astrojs/*` package that declares a peer range on `astro` moved to its newest
//! release whose range accepts the target. A package with no such release is named, not
//! guessed: it stays at its version and the report says so.

use serde::Serialize;

use crate::pipeline::install::stack::npm_range_matches;

/// One release of a package, as the registry lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub version: semver::Version,
    /// Its `peerDependencies.astro`, when it declares one.
    pub astro_peer: Option<String>,
}

/// What happens to one dependency of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    pub package: String,
    /// The version (or range) the site's package.json names.
    pub from: String,
    /// The version the upgrade installs; `None` when no release supports the target.
    pub to: Option<String>,
    /// Why (e.g. `peerDependencies.astro ^7.0.0`, `no release declares support for 7.3.5`).
    pub why: String,
}

/// The plan: every moved or stuck package, and the upgraded package.json.
#[derive(Debug, Clone, Serialize)]
pub struct PackagePlan {
    pub moves: Vec<Move>,
    #[serde(skip)]
    pub manifest: serde_json::Value,
}

/// A package's releases that may support a target: the registry's, or a table in tests.
pub type Releases<'a> = dyn FnMut(&str, &semver::Version) -> Result<Vec<Release>, String> + 'a;

/// Plans the move of `manifest` (the site's package.json) to `astro@target`. `releases`
/// lists a package's releases, at least those of its newest major that supports the
/// target (see [`newest_supporting`]).
pub fn plan(
    manifest: &serde_json::Value,
    project: &std::path::Path,
    target: &semver::Version,
    releases: &mut Releases,
) -> Result<PackagePlan, String> {
    let mut upgraded = manifest.clone();
    anchor_local_paths(&mut upgraded, project);
    let mut moves = Vec::new();
    for field in ["dependencies", "devDependencies"] {
        let Some(deps) = manifest.get(field).and_then(|d| d.as_object()) else {
            continue;
        };
        for (name, from) in deps {
            let from = from.as_str().unwrap_or_default().to_string();
            let to = if name == "astro" {
                Some((target.to_string(), "the target".to_string()))
            } else if name.starts_with("@astrojs/") {
                newest_supporting(&releases(name, target)?, target)
            } else {
                continue;
            };
            let mv = match to {
                Some((version, why)) => {
                    upgraded[field][name] = serde_json::Value::String(version.clone());
                    Move {
                        package: name.clone(),
                        from,
                        to: Some(version),
                        why,
                    }
                }
                None => Move {
                    package: name.clone(),
                    from,
                    to: None,
                    why: format!("no release declares support for astro {target}"),
                },
            };
            moves.push(mv);
        }
    }
    Ok(PackagePlan {
        moves,
        manifest: upgraded,
    })
}

/// `file:` dependencies are relative to the project; the moved package.json lives in the
/// cache, so each becomes absolute.
fn anchor_local_paths(manifest: &mut serde_json::Value, project: &std::path::Path) {
    let project = std::path::absolute(project).unwrap_or_else(|_| project.to_path_buf());
    for field in ["dependencies", "devDependencies", "optionalDependencies"] {
        let Some(deps) = manifest.get_mut(field).and_then(|d| d.as_object_mut()) else {
            continue;
        };
        for spec in deps.values_mut() {
            let Some(path) = spec.as_str().and_then(|s| s.strip_prefix("file:")) else {
                continue;
            };
            if std::path::Path::new(path).is_relative() {
                *spec = format!("file:{}", project.join(path).display()).into();
            }
        }
    }
}

/// The newest stable release whose `astro` peer range accepts `target`, with the range; a
/// package whose newest stable release declares no peer on astro (e.g. `@astrojs/rss`)
/// moves to that release.
pub fn newest_supporting(
    releases: &[Release],
    target: &semver::Version,
) -> Option<(String, String)> {
    let stable = || releases.iter().filter(|r| r.version.pre.is_empty());
    let supporting = stable()
        .filter(|r| {
            r.astro_peer
                .as_deref()
                .is_some_and(|range| npm_range_matches(range, target))
        })
        .max_by(|a, b| a.version.cmp(&b.version));
    if let Some(r) = supporting {
        let range = r.astro_peer.clone().unwrap_or_default();
        return Some((
            r.version.to_string(),
            format!("peerDependencies.astro {range}"),
        ));
    }
    // A package whose newest release declares no peer on astro (e.g. @astrojs/rss).
    let newest = stable().max_by(|a, b| a.version.cmp(&b.version))?;
    newest.astro_peer.is_none().then(|| {
        let why = "declares no astro peer: its newest".to_string();
        (newest.version.to_string(), why)
    })
}

/// Reads `npm view PACKAGE@>=0.0.0 version peerDependencies --json`: an array (or, for one
/// release, a single entry) of `{version, peerDependencies}`, where a release without
/// peer dependencies is its bare version string.
pub fn parse_npm_view(json: &str) -> Result<Vec<Release>, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("unexpected npm view output: {e}"))?;
    let entries = match value {
        serde_json::Value::Array(entries) => entries,
        one => vec![one],
    };
    let mut out = Vec::new();
    for entry in entries {
        let (version, peers) = match &entry {
            serde_json::Value::String(v) => (v.as_str(), None),
            other => (
                other["version"].as_str().unwrap_or_default(),
                other.get("peerDependencies"),
            ),
        };
        let Ok(version) = semver::Version::parse(version) else {
            continue;
        };
        let astro_peer = peers
            .and_then(|p| p.get("astro"))
            .and_then(|r| r.as_str())
            .map(str::to_string);
        out.push(Release {
            version,
            astro_peer,
        });
    }
    Ok(out)
}

/// A package's releases, from the registry, one major at a time from the newest, until a
/// major has a release that supports `target` (npm's answer for a range of many majors
/// drops fields, so each query stays within one).
pub fn registry_releases(package: &str, target: &semver::Version) -> Result<Vec<Release>, String> {
    let versions: Vec<semver::Version> =
        serde_json::from_str::<Vec<String>>(&npm_view(&[package, "versions", "--json"])?)
            .map_err(|e| format!("unexpected npm view output for {package}: {e}"))?
            .iter()
            .filter_map(|v| semver::Version::parse(v).ok())
            .collect();
    let mut majors: Vec<u64> = versions.iter().map(|v| v.major).collect();
    majors.sort_unstable();
    majors.dedup();
    let mut out = Vec::new();
    for major in majors.into_iter().rev() {
        // One major at a time (`^0.0.0` would mean 0.0.x only), prereleases included.
        let spec = format!("{package}@>={major}.0.0-0 <{}.0.0-0", major + 1);
        let view = npm_view(&[&spec, "version", "peerDependencies", "--json"])?;
        if !view.trim().is_empty() {
            out.extend(parse_npm_view(&view)?);
        }
        if newest_supporting(&out, target).is_some() {
            break;
        }
    }
    Ok(out)
}

/// `npm view ARGS`, its standard output.
pub fn npm_view(args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("npm")
        .arg("view")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run npm view: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "npm view {} failed: {}",
            args.join(" "),
            stderr.trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn release(version: &str, peer: Option<&str>) -> Release {
        Release {
            version: semver::Version::parse(version).unwrap(),
            astro_peer: peer.map(str::to_string),
        }
    }

    #[test]
    fn moves_each_official_package_to_its_newest_release_that_supports_the_target() {
        let manifest = serde_json::json!({
            "dependencies": {
                "astro": "5.18.2",
                "@astrojs/node": "9.5.5",
                "@astrojs/rss": "4.0.1",
                "@astrojs/old": "1.0.0",
                "svelte": "5.0.0"
            },
            "devDependencies": { "local": "file:../pkg.tgz" }
        });
        let target = semver::Version::new(7, 3, 5);
        let mut releases = |name: &str, _: &semver::Version| -> Result<Vec<Release>, String> {
            Ok(match name {
                "@astrojs/node" => vec![
                    release("9.5.5", Some("^5.3.0")),
                    release("11.0.0", Some("^7.0.0-alpha.2")),
                    release("11.1.6", Some("^7.2.1")),
                    release("12.0.0-beta.1", Some("^7.0.0")),
                ],
                "@astrojs/rss" => vec![release("4.0.1", None), release("4.0.19", None)],
                _ => vec![release("1.0.0", Some("^4.0.0"))],
            })
        };
        let plan = plan(&manifest, Path::new("/site"), &target, &mut releases).unwrap();
        let to = |name: &str| plan.moves.iter().find(|m| m.package == name).unwrap();
        assert_eq!(to("astro").to.as_deref(), Some("7.3.5"));
        assert_eq!(to("@astrojs/node").to.as_deref(), Some("11.1.6"));
        assert_eq!(to("@astrojs/rss").to.as_deref(), Some("4.0.19"));
        assert_eq!(to("@astrojs/old").to, None, "named, not guessed");
        assert!(plan.moves.iter().all(|m| m.package != "svelte"));
        assert_eq!(plan.manifest["dependencies"]["@astrojs/node"], "11.1.6");
        assert_eq!(plan.manifest["dependencies"]["@astrojs/old"], "1.0.0");
        assert_eq!(plan.moves.iter().filter(|m| m.to.is_none()).count(), 1);
        assert_eq!(
            plan.manifest["devDependencies"]["local"],
            "file:/site/../pkg.tgz"
        );
    }

    #[test]
    fn a_package_whose_newest_release_drops_its_astro_peer_moves_to_that_release() {
        let target = semver::Version::new(7, 3, 5);
        let releases = [release("1.0.0", Some("^4.0.0")), release("2.0.0", None)];
        let (version, why) = newest_supporting(&releases, &target).unwrap();
        assert_eq!(version, "2.0.0");
        assert!(why.starts_with("declares no astro peer"), "{why}");
        let stuck = [release("1.0.0", None), release("2.0.0", Some("^5.0.0"))];
        assert_eq!(newest_supporting(&stuck, &target), None);
    }

    #[test]
    fn reads_npm_view_entries_with_and_without_peers() {
        let json = r#"[{"version":"1.0.0","peerDependencies":{"astro":"^5.0.0"}},"1.0.1"]"#;
        let releases = parse_npm_view(json).unwrap();
        assert_eq!(releases[0].astro_peer.as_deref(), Some("^5.0.0"));
        assert_eq!(releases[1].astro_peer, None);
        let one = r#"{"version":"2.0.0","peerDependencies":{"astro":"^7.0.0"}}"#;
        assert_eq!(parse_npm_view(one).unwrap().len(), 1);
    }
}
