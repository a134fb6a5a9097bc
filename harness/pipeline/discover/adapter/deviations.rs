//! Where a profile says its adapter differs: known deviations by check name or by
//! behaviour (a request tag), and behaviours its runtime lacks.

use super::Profile;
use crate::pipeline::discover::request::Tag;

impl Profile {
    /// The reason of the known deviation matching `stack/fixture/check`, if any.
    pub fn deviation(&self, check: &str) -> Option<&str> {
        self.deviations
            .iter()
            .find(|(pattern, _)| wildcard_match(pattern, check))
            .map(|(_, reason)| reason.as_str())
    }

    /// Why a request with `tags` does not apply: the first of them the runtime lacks.
    pub fn lacking(&self, tags: &[Tag]) -> Option<String> {
        tags.iter().find_map(|tag| {
            let why = self.lacks.get(tag)?;
            Some(format!("{} lacks `{}`: {why}", self.name, tag.name()))
        })
    }

    /// The first of `tags` the profile lists as a known deviation, with its reason.
    pub fn tag_deviation(&self, tags: &[Tag]) -> Option<(Tag, &str)> {
        self.tag_deviations
            .iter()
            .find(|(tag, _)| tags.contains(tag))
            .map(|(tag, reason)| (*tag, reason.as_str()))
    }
}

/// True when `text` matches `pattern`, where `*` matches any run of characters.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}
