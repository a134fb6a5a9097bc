//! Unit tests of the parent module.

use super::*;
use crate::pipeline::discover::request::{PathFrom, RequestCase};
use crate::pipeline::request::case::find_path;
use crate::pipeline::request::http::Chunk;
use std::time::Duration;

fn exchange(status: u16, headers: &[(&str, &str)], chunks: &[(u64, &str)]) -> Exchange {
    Exchange {
        status,
        reason: "OK".into(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        chunks: chunks
            .iter()
            .map(|(ms, b)| Chunk {
                at: Duration::from_millis(*ms),
                bytes: b.as_bytes().to_vec(),
            })
            .collect(),
        complete: true,
        body_error: None,
    }
}

fn expect(toml_text: &str) -> Expect {
    toml::from_str(toml_text).unwrap()
}

fn fails(e: &Expect, ex: &Exchange) -> String {
    let f = check(e, ex);
    assert!(!f.is_empty(), "expected a failure");
    f.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn status_reason_location_and_headers_fail_with_expected_and_actual() {
    let ex = exchange(
        200,
        &[("location", "/x"), ("cache-control", "no-store")],
        &[(1, "")],
    );
    assert!(fails(&expect("status = 302"), &ex).contains("status: expected 302, got 200 OK"));
    assert!(
        fails(&expect("reason = \"Not Found\""), &ex)
            .contains("expected \"200 Not Found\", got \"200 OK\"")
    );
    assert!(fails(&expect("location = \"/login\""), &ex).contains("expected /login, got \"/x\""));
    assert!(
        fails(&expect("headers = { cache-control = \"max-age=60\" }"), &ex)
            .contains("header cache-control")
    );
    assert!(
        fails(
            &expect("header_contains = { cache-control = \"max-age\" }"),
            &ex
        )
        .contains("expected to contain")
    );
    assert!(
        fails(&expect("headers_absent = [\"cache-control\"]"), &ex).contains("expected absent")
    );
    assert!(
        check(
            &expect("status = 200\nheaders = { Cache-Control = \"no-store\" }"),
            &ex
        )
        .is_empty()
    );
}

#[test]
fn merged_or_wrong_cookies_fail() {
    let separate = exchange(
        200,
        &[
            ("set-cookie", "a=1; Path=/; HttpOnly"),
            ("set-cookie", "b=2; Max-Age=0"),
        ],
        &[(1, "")],
    );
    let merged = exchange(
        200,
        &[("set-cookie", "a=1; Path=/; HttpOnly, b=2; Max-Age=0")],
        &[(1, "")],
    );
    let ok = expect(
        "cookie_count = 2\ncookies = [{ name = \"a\", value = \"1\", path = \"/\", http_only = true }, { name = \"b\", deleted = true }]",
    );
    assert!(
        check(&ok, &separate).is_empty(),
        "{:?}",
        check(&ok, &separate)
    );
    let msg = fails(&ok, &merged);
    assert!(msg.contains("expected 2 Set-Cookie lines, got 1"), "{msg}");
    assert!(
        msg.contains("cookie b: expected a Set-Cookie line"),
        "{msg}"
    );
    let msg = fails(
        &expect("cookies = [{ name = \"a\", secure = true, same_site = \"Lax\" }]"),
        &separate,
    );
    assert!(
        msg.contains("Secure expected \"true\", got \"false\""),
        "{msg}"
    );
    assert!(msg.contains("SameSite expected \"Lax\", got none"), "{msg}");
}

#[test]
fn html_and_json_fail_with_what_was_found() {
    let page = exchange(
        200,
        &[],
        &[(
            1,
            "<html><body><p class=g>Hi</p><a href=/a>x</a><astro-island></astro-island><script>1</script></body></html>",
        )],
    );
    assert!(
        fails(
            &expect("html = [{ select = \"p.g\", text = \"Hello\" }]"),
            &page
        )
        .contains("expected text \"Hello\", got \"Hi\"")
    );
    assert!(
        fails(&expect("html = [{ select = \"p\", count = 2 }]"), &page)
            .contains("expected 2 matches, got 1")
    );
    assert!(
        fails(
            &expect("html = [{ select = \"a\", attr = \"href\", equals = \"/b\" }]"),
            &page
        )
        .contains("got \"/a\"")
    );
    assert!(fails(&expect("islands = 0"), &page).contains("expected 0 <astro-island>, got 1"));
    assert!(fails(&expect("no_scripts = true"), &page).contains("expected no <script>, got 1"));
    assert!(fails(&expect("json = { \"/a\" = 1 }"), &page).contains("not JSON"));
    let doc = exchange(200, &[], &[(1, "{\"a\": {\"b\": 2}}")]);
    assert!(check(&expect("json = { \"/a/b\" = 2 }"), &doc).is_empty());
    assert!(
        fails(&expect("json = { \"/a/b\" = 3 }"), &doc).contains("json /a/b: expected 3, got 2")
    );
}

#[test]
fn a_buffered_late_or_broken_stream_fails() {
    let e = expect("stream = { before = \"early\", then = \"late\", delay_ms = 500 }");
    let streamed = exchange(200, &[], &[(5, "<p>early</p>"), (505, "<p>late</p>")]);
    assert!(check(&e, &streamed).is_empty());
    let buffered = exchange(200, &[], &[(505, "<p>early</p><p>late</p>")]);
    let msg = fails(&e, &buffered);
    assert!(msg.contains("the response was buffered"), "{msg}");
    assert!(
        msg.contains("after the page's declared delay of 500 ms"),
        "{msg}"
    );
    let mut broken = streamed.clone();
    broken.complete = false;
    broken.body_error = Some("the body ended with an error: connection reset".into());
    assert!(fails(&e, &broken).contains("stream: incomplete"));
    // Without a stream expectation an incomplete body fails too.
    assert!(fails(&expect("status = 200"), &broken).contains("body: incomplete"));
    // An abort that is expected passes; a clean end then fails.
    let aborted = expect("complete = false");
    assert!(check(&aborted, &broken).is_empty());
    assert!(fails(&aborted, &streamed).contains("expected an aborted response"));
}

fn path_from(select: &str, attr: &str) -> PathFrom {
    PathFrom {
        page: "/shell".into(),
        select: select.into(),
        attr: attr.into(),
    }
}

#[test]
fn path_from_reads_a_decoded_attribute_or_says_what_is_missing() {
    let html = r#"<link rel="preload" as="fetch" href="/_island?e=1&amp;p=">"#;
    let found = find_path(&path_from("link[as=fetch]", "href"), html);
    assert_eq!(found.unwrap(), "/_island?e=1&p=");
    let none = find_path(&path_from("script", "src"), html)
        .unwrap_err()
        .to_string();
    assert!(
        none.contains("no element of /shell matches \"script\""),
        "{none}"
    );
    let attr = find_path(&path_from("link", "data-x"), html)
        .unwrap_err()
        .to_string();
    assert!(attr.contains("has no attribute \"data-x\""), "{attr}");
}

#[test]
fn a_request_needs_exactly_one_of_path_and_path_from() {
    let req = |text: &str| -> RequestCase { toml::from_str(text).unwrap() };
    assert!(req("name = 'a'\npath = '/'").problem().is_none());
    let neither = req("name = 'a'").problem().unwrap();
    assert!(neither.contains("needs `path` or `path_from`"));
    let both =
        req("name = 'a'\npath = '/'\npath_from = { page = '/', select = 'a', attr = 'href' }");
    assert!(both.problem().unwrap().contains("both"));
    let once = req("name = 'a'\npath = '/'\nrepeat = 1").problem().unwrap();
    assert!(once.contains("`repeat` counts every request sent, so it is at least 2"));
}

#[test]
fn an_exact_header_set_fails_on_a_missing_or_an_extra_name() {
    let ex = exchange(
        200,
        &[
            ("content-type", "text/html"),
            ("x-extra", "1"),
            ("transfer-encoding", "chunked"),
            ("connection", "keep-alive"),
            ("date", "Tue, 01 Dec 2026 10:00:00 GMT"),
            ("content-length", "0"),
        ],
        &[(1, "")],
    );
    // Hop-by-hop headers and the server's date and length do not count.
    assert!(
        check(
            &expect("header_names = [\"Content-Type\", \"x-extra\"]"),
            &ex
        )
        .is_empty()
    );
    let msg = fails(&expect("header_names = [\"content-type\", \"vary\"]"), &ex);
    assert!(
        msg.contains("missing [\"vary\"], not expected [\"x-extra\"]"),
        "{msg}"
    );
}

#[test]
fn set_cookie_lines_in_order_and_absent_attributes_fail_when_they_differ() {
    let ex = exchange(
        200,
        &[
            ("set-cookie", "a=1; Path=/"),
            ("set-cookie", "b=2; Path=/; Domain=example.com"),
        ],
        &[(1, "")],
    );
    assert!(
        check(
            &expect("set_cookie = [\"a=1; Path=/\", \"b=2; Path=/; Domain=example.com\"]"),
            &ex
        )
        .is_empty()
    );
    let msg = fails(
        &expect("set_cookie = [\"b=2; Path=/; Domain=example.com\", \"a=1; Path=/\"]"),
        &ex,
    );
    assert!(msg.contains("in this order, got [\"a=1; Path=/\""), "{msg}");
    assert!(
        check(
            &expect("cookies = [{ name = \"a\", absent = [\"Domain\", \"Expires\"] }]"),
            &ex
        )
        .is_empty()
    );
    let msg = fails(
        &expect("cookies = [{ name = \"b\", absent = [\"domain\"] }]"),
        &ex,
    );
    assert!(
        msg.contains("cookie b: domain expected absent, got it"),
        "{msg}"
    );
}

#[test]
fn a_body_prefix_fails_when_the_body_starts_otherwise() {
    let ex = exchange(200, &[], &[(1, "<!DOCTYPE html>"), (2, "<html></html>")]);
    assert!(check(&expect("body_starts_with = \"<!DOCTYPE html><html>\""), &ex).is_empty());
    let msg = fails(&expect("body_starts_with = \"<html>\""), &ex);
    assert!(
        msg.contains("body: expected to start with \"<html>\""),
        "{msg}"
    );
}

#[test]
fn every_tag_reads_back_from_its_name() {
    use crate::pipeline::discover::request::Tag;
    for tag in Tag::ALL {
        assert_eq!(Tag::from_name(tag.name()), Some(tag));
        let parsed: RequestCase = toml::from_str(&format!(
            "name = 'a'\npath = '/'\ntags = ['{}']",
            tag.name()
        ))
        .unwrap();
        assert_eq!(parsed.tags, [tag]);
    }
}

#[test]
fn a_body_in_more_or_fewer_pieces_than_allowed_fails() {
    let streamed = exchange(200, &[], &[(1, "<p>early</p>"), (500, "<p>late</p>")]);
    let whole = exchange(200, &[], &[(1, "<p>early</p><p>late</p>")]);
    assert!(check(&expect("chunks = { min = 2 }"), &streamed).is_empty());
    let msg = fails(&expect("chunks = { min = 2 }"), &whole);
    assert!(
        msg.contains("chunks: expected the body in at least 2 pieces, it came in 1"),
        "{msg}"
    );
    assert!(check(&expect("chunks = { max = 1 }"), &whole).is_empty());
    let msg = fails(&expect("chunks = { max = 1 }"), &streamed);
    assert!(msg.contains("at most 1 pieces, it came in 2"), "{msg}");
}

#[test]
fn a_mismatch_is_data_the_expectation_what_was_asked_and_what_came() {
    let ex = exchange(
        200,
        &[
            ("cache-control", "no-store"),
            ("set-cookie", "a=1; Path=/x"),
        ],
        &[(1, "")],
    );
    let found = check(
        &expect(
            "status = 302\nheaders = { cache-control = \"max-age=60\" }\ncookies = [{ name = \"a\", path = \"/\" }]",
        ),
        &ex,
    );
    let fields: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|m| {
            (
                m.expectation.as_str(),
                m.expected.as_str(),
                m.actual.as_str(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("status", "302", "200 OK"),
            ("headers.cache-control", "\"max-age=60\"", "\"no-store\""),
            ("cookies.a", "Path \"/\"", "Path \"/x\""),
        ]
    );
    assert_eq!(found[0].to_string(), "status: expected 302, got 200 OK");
}

#[test]
fn csp_contains_reads_the_header_or_the_meta_tag() {
    let e = expect(r#"csp_contains = "script-src""#);
    let header = exchange(
        200,
        &[("content-security-policy", "script-src 'self'")],
        &[(0, "<p>x</p>")],
    );
    assert!(check(&e, &header).is_empty());
    let meta =
        r#"<head><meta http-equiv="Content-Security-Policy" content="script-src 'self'"></head>"#;
    assert!(check(&e, &exchange(200, &[], &[(0, meta)])).is_empty());
    let none = fails(&e, &exchange(200, &[], &[(0, "<p>x</p>")]));
    assert!(none.contains("no policy"), "{none}");
    let other = exchange(
        200,
        &[("content-security-policy", "img-src 'self'")],
        &[(0, "")],
    );
    assert!(fails(&e, &other).contains("header: \"img-src 'self'\""));
}
