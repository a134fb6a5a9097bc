//! The errors every stage shares: an I/O failure with what was being done ([`IoError`]),
//! and a problem at a place in one of the files a user writes ([`Located`]: `case.toml`,
//! adapter profiles, `bench.toml`). Stage errors wrap them.

use std::fmt;
use std::path::{Path, PathBuf};

/// An I/O failure, with what the harness was doing.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct IoError {
    /// What was being done, e.g. "cannot read fixtures/x/case.toml".
    pub context: String,
    /// The operating system's error.
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    /// For `map_err`: `source` happened while doing `context`.
    pub fn doing(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self { context, source }
    }

    /// For `map_err`: reading `path` failed.
    pub fn reading(path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        Self::doing(format!("cannot read {}", path.display()))
    }
}

/// Reads and parses a JSON file; a parse error is an [`IoError`] of kind `InvalidData`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, IoError> {
    let text = std::fs::read_to_string(path).map_err(IoError::reading(path))?;
    serde_json::from_str(&text).map_err(|e| IoError {
        context: format!("{} is not valid JSON", path.display()),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

/// A problem at a place in a text file. Printed like a compiler diagnostic: the first line
/// is `file:line:column: message`, then the line itself with a caret under the column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Located {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong (names the key where there is one).
    pub message: String,
    /// The text of the line (empty when unknown).
    pub snippet: String,
}

impl Located {
    /// The problem `message` at byte `offset` of `text`, the contents of `file`.
    pub fn at(file: &Path, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = floor_char_boundary(text, offset);
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        Self {
            file: file.to_path_buf(),
            line: text[..offset].matches('\n').count() + 1,
            column: text[start..offset].chars().count() + 1,
            message: message.into(),
            snippet: text[start..end].trim_end_matches('\r').to_string(),
        }
    }

    /// The first line that starts with `key` (bare, quoted or as a table header), else the
    /// first place `key` appears, else the start of the file.
    pub fn at_key(file: &Path, text: &str, key: &str, message: impl Into<String>) -> Self {
        let mut offset = 0;
        let mut found = None;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start().trim_start_matches(['"', '[']);
            if trimmed.starts_with(key) {
                found = Some(offset);
                break;
            }
            offset += line.len();
        }
        let offset = found.or_else(|| text.find(key)).unwrap_or(0);
        Self::at(file, text, offset, message)
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if self.snippet.trim().is_empty() {
            return Ok(());
        }
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        let caret = " ".repeat(self.column.saturating_sub(1));
        write!(
            f,
            "\n{gutter} |\n{number} | {}\n{gutter} | {caret}^",
            self.snippet
        )
    }
}

/// Parses TOML strictly into `T` (the types deny unknown fields); an error points at the
/// offending key or value of `file`.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &Path,
    text: &str,
) -> Result<T, Located> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        Located::at(file, text, offset, e.message().trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn located_points_at_line_and_column_with_the_line_shown() {
        let text = "a = 1\n  bad = 2\n";
        let at = Located::at(Path::new("x.toml"), text, text.find("bad").unwrap(), "no");
        assert_eq!((at.line, at.column), (2, 3));
        assert_eq!(
            at.to_string(),
            "x.toml:2:3: no\n  |\n2 |   bad = 2\n  |   ^"
        );
        let start = Located::at(Path::new("x.toml"), "", 0, "empty");
        assert_eq!(start.to_string(), "x.toml:1:1: empty");
    }

    #[test]
    fn columns_count_characters_and_offsets_inside_a_character_are_safe() {
        let text = "\"▶\" = 1";
        let at = Located::at(Path::new("x"), text, text.find('=').unwrap(), "m");
        assert_eq!(at.column, 5);
        let inside = Located::at(Path::new("x"), text, 2, "m");
        assert_eq!(inside.column, 2);
    }

    #[test]
    fn parse_errors_name_the_key() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            a: u32,
        }
        let e = parse_toml::<T>(Path::new("t.toml"), "a = 1\nb = 2\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("`b`"), "{e}");
    }
}
