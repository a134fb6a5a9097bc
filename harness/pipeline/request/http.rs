//! One HTTP exchange with a server under test, recorded as it happened: status, every
//! header line (repeated `Set-Cookie` lines kept apart), and the body as a timeline of
//! chunks. Redirects are never followed; every request has a time bound and a body cap.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

pub use crate::pipeline::discover::request::Method;

/// A body to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `application/x-www-form-urlencoded` fields.
    Form(Vec<(String, String)>),
    /// A JSON document.
    Json(serde_json::Value),
    /// Bytes as given (set `Content-Type` in the headers).
    Raw(String),
}

/// What to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: Method,
    /// Path and query, e.g. `/search?q=a`.
    pub path: String,
    /// Extra header lines.
    pub headers: Vec<(String, String)>,
    /// Cookies, sent as one `Cookie` header.
    pub cookies: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Body>,
}

impl Request {
    /// A plain GET of `path`.
    pub fn get(path: &str) -> Self {
        Self {
            method: Method::Get,
            path: path.into(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
        }
    }
}

/// One piece of the body and when it arrived, counted from when the request was sent.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// Time since the request was sent.
    pub at: Duration,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A recorded response.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Status code.
    pub status: u16,
    /// The reason phrase as sent (the canonical one when the server sent that).
    pub reason: String,
    /// Every header line in order, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body as it arrived.
    pub chunks: Vec<Chunk>,
    /// False when the body ended with an error, timed out, or hit the size cap.
    pub complete: bool,
    /// Why the body is incomplete.
    pub body_error: Option<String>,
}

impl Exchange {
    /// The whole body.
    pub fn body(&self) -> Vec<u8> {
        self.chunks
            .iter()
            .flat_map(|c| c.bytes.iter().copied())
            .collect()
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body()).into_owned()
    }

    /// Every value of a header, in order.
    pub fn header_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(move |(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The index of the first chunk in which the body so far contains `needle`.
    pub fn chunk_containing(&self, needle: &str) -> Option<usize> {
        let mut seen = Vec::new();
        self.chunks.iter().position(|c| {
            seen.extend_from_slice(&c.bytes);
            String::from_utf8_lossy(&seen).contains(needle)
        })
    }
}

/// Errors before a response arrived.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{method} {url}: no response within {}s (hung server?)", timeout.as_secs_f32())]
    Timeout {
        method: Method,
        url: String,
        timeout: Duration,
    },
    #[error("{method} {url}: {detail}")]
    Failed {
        method: Method,
        url: String,
        detail: String,
    },
}

/// Limits of one exchange.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// For the whole exchange, headers and body.
    pub timeout: Duration,
    /// Body bytes kept; more marks the exchange incomplete.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_body: 4 * 1024 * 1024,
        }
    }
}

/// A client that never follows redirects, keeps no cookies of its own and no idle
/// connection (each request opens its own, so none outlives a server that was stopped).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a plain HTTP client builds")
}

/// The HTTP side of a run: one runtime and one [`client`], shared by every request of
/// every thread. Each caller's request runs on the caller's thread; the runtime's one
/// worker drives the sockets.
pub struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Http {
    /// Starts the runtime.
    pub fn start() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("astro-conform-http")
            .enable_all()
            .build()?;
        Ok(Self {
            runtime,
            client: client(),
        })
    }

    /// Sends `req` to `base` and records the response (see [`send`]); blocks the caller.
    pub fn send(&self, base: &str, req: &Request, limits: Limits) -> Result<Exchange, HttpError> {
        self.runtime.block_on(send(&self.client, base, req, limits))
    }
}

/// Sends `req` to `base` (e.g. `http://127.0.0.1:4321`) and records the response.
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    req: &Request,
    limits: Limits,
) -> Result<Exchange, HttpError> {
    let url = format!("{base}{}", req.path);
    let failed = |detail: String| HttpError::Failed {
        method: req.method,
        url: url.clone(),
        detail,
    };
    let builder = request_builder(client, &url, req).map_err(failed)?;
    let sent = Instant::now();
    let deadline = tokio::time::Instant::now() + limits.timeout;
    let response = tokio::time::timeout_at(deadline, builder.send())
        .await
        .map_err(|_| HttpError::Timeout {
            method: req.method,
            url: url.clone(),
            timeout: limits.timeout,
        })?
        .map_err(|e| failed(error_chain(&e)))?;
    let mut exchange = head_of(&response);
    read_body(response, &mut exchange, sent, deadline, limits).await;
    Ok(exchange)
}

/// The request as reqwest builds it: method, headers, one `cookie` line, body.
fn request_builder(
    client: &reqwest::Client,
    url: &str,
    req: &Request,
) -> Result<reqwest::RequestBuilder, String> {
    let method =
        reqwest::Method::from_bytes(req.method.as_str().as_bytes()).map_err(|e| e.to_string())?;
    let mut builder = client.request(method, url);
    for (name, value) in &req.headers {
        builder = builder.header(name, value);
    }
    if !req.cookies.is_empty() {
        let line: Vec<String> = req
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        builder = builder.header("cookie", line.join("; "));
    }
    Ok(match &req.body {
        None => builder,
        Some(Body::Form(fields)) => builder
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_urlencode(fields)),
        Some(Body::Json(doc)) => builder
            .header("content-type", "application/json")
            .body(doc.to_string()),
        Some(Body::Raw(text)) => builder.body(text.clone()),
    })
}

/// Status, reason phrase (as the server sent it) and headers; no body yet.
fn head_of(response: &reqwest::Response) -> Exchange {
    let status = response.status();
    let reason = response
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("").to_string());
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    Exchange {
        status: status.as_u16(),
        reason,
        headers,
        chunks: Vec::new(),
        complete: true,
        body_error: None,
    }
}

/// Reads the body chunk by chunk with arrival times, until it ends, fails, passes the
/// deadline or the size cap (then the exchange is incomplete, with why).
async fn read_body(
    response: reqwest::Response,
    exchange: &mut Exchange,
    sent: Instant,
    deadline: tokio::time::Instant,
    limits: Limits,
) {
    let mut stream = response.bytes_stream();
    let mut size = 0;
    let problem = loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => {
                break Some(format!(
                    "the body did not end within {}s",
                    limits.timeout.as_secs_f32()
                ));
            }
            Ok(None) => break None,
            Ok(Some(Err(e))) => {
                break Some(format!("the body ended with an error: {}", error_chain(&e)));
            }
            Ok(Some(Ok(bytes))) => {
                size += bytes.len();
                exchange.chunks.push(Chunk {
                    at: sent.elapsed(),
                    bytes: bytes.to_vec(),
                });
                if size > limits.max_body {
                    break Some(format!(
                        "the body is larger than the cap of {} bytes",
                        limits.max_body
                    ));
                }
            }
        }
    };
    if let Some(problem) = problem {
        exchange.complete = false;
        exchange.body_error = Some(problem);
    }
}

/// An error and its causes on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn form_urlencode(fields: &[(String, String)]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_encoded() {
        let f = vec![("a b".to_string(), "x&y=é".to_string())];
        assert_eq!(form_urlencode(&f), "a+b=x%26y%3D%C3%A9");
    }

    #[test]
    fn chunk_containing_finds_text_split_across_chunks() {
        let ex = Exchange {
            status: 200,
            reason: "OK".into(),
            headers: vec![],
            chunks: vec![
                Chunk {
                    at: Duration::ZERO,
                    bytes: b"<p>ea".to_vec(),
                },
                Chunk {
                    at: Duration::ZERO,
                    bytes: b"rly</p>".to_vec(),
                },
                Chunk {
                    at: Duration::ZERO,
                    bytes: b"late".to_vec(),
                },
            ],
            complete: true,
            body_error: None,
        };
        assert_eq!(ex.chunk_containing("<p>early</p>"), Some(1));
        assert_eq!(ex.chunk_containing("late"), Some(2));
        assert_eq!(ex.chunk_containing("never"), None);
    }
}
