//! Unit tests of the parent module.

use super::*;
use crate::pipeline::request::http::HttpError;

fn answer(status: u16, location: Option<&str>, body: &str) -> http::Exchange {
    http::Exchange {
        status,
        reason: String::new(),
        headers: location
            .map(|l| ("location".to_string(), l.to_string()))
            .into_iter()
            .collect(),
        chunks: vec![http::Chunk {
            at: std::time::Duration::ZERO,
            bytes: body.as_bytes().to_vec(),
        }],
        complete: true,
        body_error: None,
    }
}

#[test]
fn a_followed_chain_sends_the_cookies_it_set_and_drops_the_deleted() {
    let base = "http://127.0.0.1:1";
    let sent = std::cell::RefCell::new(Vec::new());
    let chain = |req: &Request| {
        sent.borrow_mut().push(req.cookies.clone());
        let mut hop = match req.path.as_str() {
            "/login" => answer(302, Some("/swap"), ""),
            "/swap" => answer(302, Some("/me"), ""),
            _ => answer(200, None, "page"),
        };
        let set: &[&str] = match req.path.as_str() {
            "/login" => &["session=s1; Path=/; HttpOnly", "flash=hi; Path=/"],
            "/swap" => &["session=s2; Path=/", "flash=; Max-Age=0; Path=/"],
            _ => &[],
        };
        for line in set {
            hop.headers.push(("set-cookie".into(), line.to_string()));
        }
        Ok(hop)
    };
    let mut login = Request::get("/login");
    login.cookies.push(("theme".into(), "dark".into()));
    follow(&login, base, &chain).unwrap();
    let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
    assert_eq!(
        *sent.borrow(),
        [
            vec![pair("theme", "dark")],
            vec![
                pair("theme", "dark"),
                pair("session", "s1"),
                pair("flash", "hi")
            ],
            vec![pair("theme", "dark"), pair("session", "s2")],
        ]
    );
}

#[test]
fn following_ends_at_the_page_keeps_307s_method_and_reports_a_loop() {
    let base = "http://127.0.0.1:1";
    let seen = std::cell::RefCell::new(Vec::new());
    let chain = |req: &Request| {
        seen.borrow_mut()
            .push(format!("{} {}", req.method, req.path));
        Ok(match req.path.as_str() {
            "/a" => answer(307, Some("http://127.0.0.1:1/b"), ""),
            "/b" => answer(302, Some("/c"), ""),
            _ => answer(200, None, "page"),
        })
    };
    let mut post = Request::get("/a");
    post.method = Method::Post;
    let followed = follow(&post, base, &chain).unwrap();
    assert_eq!((followed.last.status, followed.problems.len()), (200, 0));
    assert_eq!(*seen.borrow(), ["POST /a", "POST /b", "GET /c"]);

    let looping = |_: &Request| Ok(answer(301, Some("/loop"), ""));
    let followed = follow(&Request::get("/loop"), base, &looping).unwrap();
    assert!(
        followed.problems[0]
            .message
            .starts_with("redirects: more than 10 in a row (a loop?): /loop → /loop"),
        "{:?}",
        followed.problems
    );
    // A redirect to another site is the last response.
    let away = |_: &Request| Ok(answer(302, Some("https://example.com/"), ""));
    let followed = follow(&Request::get("/x"), base, &away).unwrap();
    assert_eq!(followed.last.status, 302);
}

#[test]
fn a_repeat_that_answers_otherwise_fails() {
    let first = answer(200, None, "same");
    assert!(check_repeat(2, &first, &answer(200, None, "same")).is_empty());
    let failures = check_repeat(3, &first, &answer(500, None, "other!"));
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures[0]
            .message
            .starts_with("repeat: request 3 answered 500"),
        "{failures:?}"
    );
    assert!(
        failures[1]
            .message
            .contains("different body (6 bytes) than the first (4 bytes)")
    );
}

#[test]
fn only_a_5xx_showing_a_listed_transport_error_counts_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    std::fs::write(&log, "old: (failed after 1 attempt)\n").unwrap();
    let listed = [
        "(failed after 1 attempt)".to_string(),
        "restarted mid-request".into(),
    ];
    let http = http::Http::start().unwrap();
    let target = |errors| Target {
        base: String::new(),
        server_log: &log,
        client_dir: None,
        limits: http::Limits::default(),
        http: &http,
        transport_errors: errors,
    };
    let before = log_len(&log);
    // Lines logged before the request do not count; a body that says so does.
    assert_eq!(
        transport_error(&target(&listed), before, &Ok(answer(500, None, "boom"))),
        None
    );
    let body = Ok(answer(503, None, "Your worker restarted mid-request."));
    assert_eq!(
        transport_error(&target(&listed), before, &body).as_deref(),
        Some("Your worker restarted mid-request.")
    );
    std::fs::write(
        &log,
        "old: (failed after 1 attempt)\nPOST /x (failed after 1 attempt): lost\n",
    )
    .unwrap();
    let lost = Ok(answer(500, None, ""));
    assert_eq!(
        transport_error(&target(&listed), before, &lost).as_deref(),
        Some("POST /x (failed after 1 attempt): lost")
    );
    // A connection closed before the answer, with the runner's error in the log.
    let dropped = Err(HttpError::Failed {
        method: Method::Post,
        url: "/x".into(),
        detail: "connection closed before message completed".into(),
    });
    assert_eq!(
        transport_error(&target(&listed), before, &dropped).as_deref(),
        Some("POST /x (failed after 1 attempt): lost")
    );
    // Not a 5xx, no answer in time, or a profile that lists none: never.
    assert_eq!(
        transport_error(&target(&listed), 0, &Ok(answer(200, None, ""))),
        None
    );
    let hung = Err(HttpError::Timeout {
        method: Method::Post,
        url: "/x".into(),
        timeout: std::time::Duration::from_secs(1),
    });
    assert_eq!(transport_error(&target(&listed), before, &hung), None);
    assert_eq!(transport_error(&target(&[]), 0, &lost), None);
}
