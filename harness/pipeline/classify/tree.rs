//! The build-output tree: every file under the output dir, sorted, volatile parts redacted.

use std::path::Path;

use crate::pipeline::classify::redact::Redactor;

/// One line per file under `dir`, as a `/`-separated path relative to it, redacted and
/// sorted (after redaction, so renamed hashes do not reorder lines).
pub fn listing(dir: &Path, redactor: &Redactor) -> String {
    let mut lines: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            let parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            Some(redactor.apply(&parts.join("/")))
        })
        .collect();
    lines.sort();
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_listed_sorted_and_redacted() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "server/chunks/node_BJRjpa6s.mjs",
            "client/index.html",
            "client/about/index.html",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        assert_eq!(
            listing(
                dir.path(),
                &Redactor::default().with_hashed_names(
                    [("node_BJRjpa6s.mjs".into(), "node_[hash].mjs".into())].into()
                )
            ),
            "client/about/index.html\nclient/index.html\nserver/chunks/node_[hash].mjs\n"
        );
    }
}
