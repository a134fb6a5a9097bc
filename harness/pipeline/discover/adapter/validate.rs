//! The values of a profile serde cannot check: pinned versions, a command, known
//! placeholders and deviation keys.

use super::{PLACEHOLDERS, ProfileFile, TAG_PREFIX};
use crate::pipeline::discover::request::Tag;

/// The values serde cannot check: pinned versions, a command, known placeholders and
/// deviation patterns. An error is the key to point at and the message.
pub(super) fn check_values(raw: &ProfileFile) -> Result<(), (String, String)> {
    for (package, version) in &raw.packages {
        if !version.starts_with("file:") && semver::Version::parse(version).is_err() {
            return Err((
                package.clone(),
                format!(
                    "package `{package}` must be pinned to an exact version (or a `file:` tarball), not `{version}`"
                ),
            ));
        }
    }
    if raw.serve.command.is_empty() {
        return Err(("command".into(), "`serve.command` is empty".into()));
    }
    if raw.output.entry.paths().is_empty() {
        return Err(("entry".into(), "`output.entry` lists no path".into()));
    }
    let strings = raw
        .serve
        .command
        .iter()
        .chain(raw.serve.cwd.iter())
        .chain(raw.serve.env.values())
        .chain(raw.serve.cleanup.iter().flatten());
    if raw.serve.cleanup.is_some() && !raw.serve.deploy {
        return Err((
            "cleanup".into(),
            "`serve.cleanup` undoes a deployment: it needs `deploy = true`".into(),
        ));
    }
    for s in strings {
        if let Some(bad) = unknown_placeholder(s, &PLACEHOLDERS) {
            return Err((
                s.clone(),
                format!(
                    "unknown placeholder `{{{bad}}}` in `{s}`; known: {}",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(" ")
                ),
            ));
        }
    }
    for value in raw.config.build_env.values() {
        if let Some(bad) = unknown_placeholder(value, &["project"]) {
            return Err((
                value.clone(),
                format!("`build_env` knows only the placeholder {{project}}, not `{{{bad}}}`"),
            ));
        }
    }
    for key in raw.deviations.keys() {
        let problem = match key.strip_prefix(TAG_PREFIX) {
            Some(name) if Tag::from_name(name).is_none() => format!(
                "deviation `{key}` names no known behaviour; known tags: {}",
                Tag::ALL.map(Tag::name).join(", ")
            ),
            None if key.split('/').count() < 3 => format!(
                "deviation `{key}` must name stack/fixture/check (`*` matches anything) or `tag:<behaviour>`"
            ),
            _ => continue,
        };
        return Err((key.clone(), problem));
    }
    Ok(())
}

/// The first `{name}` in `s` that is not one of `known`.
fn unknown_placeholder<'s>(s: &'s str, known: &[&str]) -> Option<&'s str> {
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = &after[..close];
        if !known.contains(&name) {
            return Some(name);
        }
        rest = &after[close + 1..];
    }
    None
}
