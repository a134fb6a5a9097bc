//! The `cookies` and `cookie_count` expectations: each Set-Cookie line and its attributes.

use crate::pipeline::request::http::Exchange;

use super::*;

pub(super) fn check_cookies(expect: &Expect, ex: &Exchange, f: &mut Vec<String>) {
    let lines: Vec<&str> = ex.header_values("set-cookie").collect();
    if let Some(n) = expect.cookie_count
        && lines.len() != n
    {
        f.push(format!(
            "cookies: expected {n} Set-Cookie lines, got {}: {lines:?}",
            lines.len()
        ));
    }
    let parsed: Vec<cookie::Cookie> = lines
        .iter()
        .filter_map(|l| cookie::Cookie::parse(l.to_string()).ok())
        .collect();
    for want in &expect.cookies {
        let Some(c) = parsed.iter().find(|c| c.name() == want.name) else {
            f.push(format!(
                "cookie {}: expected a Set-Cookie line for it, got {lines:?}",
                want.name
            ));
            continue;
        };
        let mut diff = Vec::new();
        let mut compare = |what: &str, expected: Option<String>, got: Option<String>| {
            if let Some(expected) = expected
                && Some(&expected) != got.as_ref()
            {
                diff.push(format!(
                    "{what} expected {expected:?}, got {}",
                    got.map_or("none".into(), |g| format!("{g:?}"))
                ));
            }
        };
        compare("value", want.value.clone(), Some(c.value().to_string()));
        compare("Path", want.path.clone(), c.path().map(str::to_string));
        compare(
            "Domain",
            want.domain.clone(),
            c.domain().map(str::to_string),
        );
        compare(
            "HttpOnly",
            want.http_only.map(|b| b.to_string()),
            Some(c.http_only().unwrap_or(false).to_string()),
        );
        compare(
            "Secure",
            want.secure.map(|b| b.to_string()),
            Some(c.secure().unwrap_or(false).to_string()),
        );
        compare(
            "SameSite",
            want.same_site.clone(),
            c.same_site().map(|s| s.to_string()),
        );
        compare(
            "Max-Age",
            want.max_age.map(|m| m.to_string()),
            c.max_age().map(|m| m.whole_seconds().to_string()),
        );
        let deleted = c.max_age().is_some_and(|m| m.whole_seconds() <= 0)
            || c.expires_datetime()
                .is_some_and(|e| e < cookie::time::OffsetDateTime::now_utc());
        compare(
            "deleted",
            want.deleted.map(|b| b.to_string()),
            Some(deleted.to_string()),
        );
        if !diff.is_empty() {
            f.push(format!(
                "cookie {}: {} (line: {:?})",
                want.name,
                diff.join("; "),
                c.to_string()
            ));
        }
    }
}
