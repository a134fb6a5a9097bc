//! The `cookies` and `cookie_count` expectations: each Set-Cookie line and its attributes.

use crate::pipeline::request::http::Exchange;

use super::*;
use crate::pipeline::discover::expect::CookieExpect;

pub(super) fn check_cookies(expect: &Expect, ex: &Exchange, f: &mut Vec<Mismatch>) {
    let lines: Vec<&str> = ex.header_values("set-cookie").collect();
    if let Some(n) = expect.cookie_count
        && lines.len() != n
    {
        let expected = format!("{n} Set-Cookie lines");
        let actual = format!("{}: {lines:?}", lines.len());
        f.push(Mismatch::new("cookie_count", "cookies", expected, actual));
    }
    if let Some(want) = &expect.set_cookie
        && lines != *want
    {
        let expected = format!("the Set-Cookie lines {want:?} in this order");
        f.push(Mismatch::new(
            "set_cookie",
            "cookies",
            expected,
            format!("{lines:?}"),
        ));
    }
    let parsed: Vec<cookie::Cookie> = lines
        .iter()
        .filter_map(|l| cookie::Cookie::parse(l.to_string()).ok())
        .collect();
    for want in &expect.cookies {
        let Some(c) = parsed.iter().find(|c| c.name() == want.name) else {
            let (key, label) = (
                format!("cookies.{}", want.name),
                format!("cookie {}", want.name),
            );
            let expected = "a Set-Cookie line for it";
            f.push(Mismatch::new(key, &label, expected, format!("{lines:?}")));
            continue;
        };
        let mut diff = cookie_diff(want, c);
        let line = lines
            .iter()
            .find(|l| l.trim_start().starts_with(&format!("{}=", want.name)));
        diff.extend(present_attributes(
            &want.absent,
            line.copied().unwrap_or_default(),
        ));
        if !diff.is_empty() {
            let (key, label) = (
                format!("cookies.{}", want.name),
                format!("cookie {}", want.name),
            );
            let joined = |part: fn(&Attribute) -> String| {
                diff.iter().map(part).collect::<Vec<_>>().join("; ")
            };
            let expected = joined(|a| format!("{} {}", a.name, a.expected));
            let actual = joined(|a| format!("{} {}", a.name, a.actual));
            let mismatch = Mismatch::new(key, &label, expected, actual);
            f.push(mismatch.worded(format!(
                "cookie {}: {} (line: {:?})",
                want.name,
                joined(|a| format!("{} expected {}, got {}", a.name, a.expected, a.actual)),
                c.to_string()
            )));
        }
    }
}

/// One attribute of a cookie that is not as expected.
struct Attribute {
    name: String,
    expected: String,
    actual: String,
}

/// The attributes of `absent` that the raw Set-Cookie `line` carries.
fn present_attributes(absent: &[String], line: &str) -> Vec<Attribute> {
    let carried: Vec<&str> = line
        .split(';')
        .skip(1)
        .map(|a| a.split('=').next().unwrap_or_default().trim())
        .collect();
    absent
        .iter()
        .filter(|name| carried.iter().any(|c| c.eq_ignore_ascii_case(name)))
        .map(|name| Attribute {
            name: name.clone(),
            expected: "absent".into(),
            actual: "it".into(),
        })
        .collect()
}

/// Each attribute `want` names that `got` does not have as expected.
fn cookie_diff(want: &CookieExpect, got: &cookie::Cookie) -> Vec<Attribute> {
    let deleted = got.max_age().is_some_and(|m| m.whole_seconds() <= 0)
        || got
            .expires_datetime()
            .is_some_and(|e| e < cookie::time::OffsetDateTime::now_utc());
    let flag = |b: Option<bool>| b.unwrap_or(false).to_string();
    let pairs = [
        ("value", want.value.clone(), Some(got.value().to_string())),
        ("Path", want.path.clone(), got.path().map(str::to_string)),
        (
            "Domain",
            want.domain.clone(),
            got.domain().map(str::to_string),
        ),
        (
            "HttpOnly",
            want.http_only.map(|b| b.to_string()),
            Some(flag(got.http_only())),
        ),
        (
            "Secure",
            want.secure.map(|b| b.to_string()),
            Some(flag(got.secure())),
        ),
        (
            "SameSite",
            want.same_site.clone(),
            got.same_site().map(|s| s.to_string()),
        ),
        (
            "Max-Age",
            want.max_age.map(|m| m.to_string()),
            got.max_age().map(|m| m.whole_seconds().to_string()),
        ),
        (
            "deleted",
            want.deleted.map(|b| b.to_string()),
            Some(deleted.to_string()),
        ),
    ];
    pairs
        .into_iter()
        .filter_map(|(what, expected, actual)| {
            let expected = expected?;
            (Some(&expected) != actual.as_ref()).then(|| Attribute {
                name: what.into(),
                expected: format!("{expected:?}"),
                actual: actual.map_or("none".into(), |g| format!("{g:?}")),
            })
        })
        .collect()
}
