//! A deliberately broken HTTP front, to prove that checks fail when a server misbehaves.
//!
//! [`MutantProxy`] listens on 127.0.0.1, forwards every request to a real server and
//! breaks the response in one way, chosen by a [`Mutation`]. Each mutation mimics a real
//! failure (most are bugs from Astro's tracker): the tests put it in front of a real Astro
//! server and show that the matching assertions fail with the right message, while
//! [`Mutation::Passthrough`] keeps every check passing.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};

/// How the proxy breaks responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mutation {
    /// Forwards faithfully, chunk by chunk: the control, every check must still pass.
    Passthrough,
    /// Collects the whole body and sends it at once, ending cleanly even when the real
    /// body broke off (#7886, #7953).
    Buffer,
    /// Joins all `Set-Cookie` lines into one comma-separated line (#4834, #9874).
    MergeCookies,
    /// Strips every attribute from `Set-Cookie` lines, keeping `name=value`.
    BareCookies,
    /// Answers every status as 200 and drops `Location`.
    StatusOk,
    /// Drops a custom reason phrase: the client sees the canonical one.
    CanonicalReason,
    /// Drops `Cache-Control` and `Content-Security-Policy`, sends `Content-Type: text/plain`,
    /// adds `Set-Cookie: mutant=1`.
    Headers,
    /// Rewrites HTML chunk by chunk: `Hello` → `Goodbye`, `<astro-island>` → `<div>`, a
    /// `<meta http-equiv="content-security-policy">` to a plain `<meta name>`,
    /// `early` → `first`, and adds a `<script>` before `</body>`.
    Html,
    /// Rewrites JSON: `true` → `false` and `"/` → `"/mutant/`.
    Json,
    /// Answers each method and path with the first body it got for them: per-request
    /// content is frozen, as if rendered once.
    Frozen,
    /// Appends a comment to every body: prerendered routes no longer equal their file.
    Rebuilt,
    /// Sends the first half of the body, then cuts the connection.
    Truncate,
    /// Never answers.
    Stall,
}

impl Mutation {
    /// Every mutation, the control first.
    pub(crate) const ALL: [Mutation; 13] = [
        Mutation::Passthrough,
        Mutation::Buffer,
        Mutation::MergeCookies,
        Mutation::BareCookies,
        Mutation::StatusOk,
        Mutation::CanonicalReason,
        Mutation::Headers,
        Mutation::Html,
        Mutation::Json,
        Mutation::Frozen,
        Mutation::Rebuilt,
        Mutation::Truncate,
        Mutation::Stall,
    ];
}

type ProxyBody = BoxBody<Bytes, std::io::Error>;

struct State {
    upstream: String,
    mutation: Mutation,
    client: reqwest::Client,
    frozen: Mutex<HashMap<String, Bytes>>,
}

/// A running proxy; dropping it stops it.
pub(crate) struct MutantProxy {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MutantProxy {
    /// Starts a proxy on a free 127.0.0.1 port in front of `upstream` (a base URL such
    /// as `http://127.0.0.1:4321`).
    pub(crate) fn start(upstream: &str, mutation: Mutation) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_string(),
            mutation,
            client: astro_conform::pipeline::request::http::client(),
            frozen: Mutex::new(HashMap::new()),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || {
            runtime.block_on(serve(listener, state, stopped));
        });
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The proxy's base URL.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for MutantProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    state: Arc<State>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(req, state.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<ProxyBody>, Infallible> {
    if state.mutation == Mutation::Stall {
        std::future::pending::<()>().await;
    }
    Ok(forward(req, &state).await.unwrap_or_else(|detail| {
        let mut response = Response::new(full(Bytes::from(format!("mutant proxy: {detail}"))));
        *response.status_mut() = StatusCode::BAD_GATEWAY;
        response
    }))
}

/// Sends `req` upstream and returns the (mutated) response.
/// The upstream body as the mutation passes it on: cut, buffered, rewritten or as is.
async fn mutate_body(upstream: reqwest::Response, state: &State, key: &str) -> ProxyBody {
    let is = |kind: &str| {
        upstream
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains(kind))
    };
    let rewrite: Option<fn(&str) -> String> = match state.mutation {
        Mutation::Html if is("text/html") => Some(rewrite_html),
        Mutation::Json if is("json") => Some(rewrite_json),
        _ => None,
    };
    let chunks = upstream.bytes_stream();
    match state.mutation {
        Mutation::Truncate => {
            let whole = collect_what_arrives(chunks).await;
            let half = whole.slice(..whole.len() / 2);
            // The pause lets the half go out before the connection is cut.
            let broken = futures_util::stream::iter([Ok(Frame::data(half))]).chain(
                futures_util::stream::once(async {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    Err(std::io::Error::other("cut by the mutant proxy"))
                }),
            );
            BodyExt::boxed(StreamBody::new(broken))
        }
        Mutation::Buffer | Mutation::Rebuilt | Mutation::Frozen => {
            let whole = collect_what_arrives(chunks).await;
            full(whole_body(state, key, whole))
        }
        _ => {
            let mapped = chunks.map(move |chunk| match chunk {
                Ok(bytes) => Ok(Frame::data(match rewrite {
                    Some(f) => Bytes::from(f(&String::from_utf8_lossy(&bytes))),
                    None => bytes,
                })),
                Err(e) => Err(std::io::Error::other(e)),
            });
            BodyExt::boxed(StreamBody::new(mapped))
        }
    }
}

async fn forward(req: Request<Incoming>, state: &State) -> Result<Response<ProxyBody>, String> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let key = format!("{} {path}", parts.method);
    let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    let mut headers = parts.headers.clone();
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    let upstream = state
        .client
        .request(parts.method.clone(), format!("{}{path}", state.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;

    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = upstream.status();
    if let Some(reason) = upstream.extensions().get::<hyper::ext::ReasonPhrase>()
        && state.mutation != Mutation::CanonicalReason
    {
        response.extensions_mut().insert(reason.clone());
    }
    let headers = response.headers_mut();
    for (name, value) in upstream.headers() {
        if !is_hop_by_hop(name) {
            headers.append(name, value.clone());
        }
    }
    mutate_head(&mut response, state.mutation);

    *response.body_mut() = mutate_body(upstream, state, &key).await;
    Ok(response)
}

/// The body after a whole-body mutation.
fn whole_body(state: &State, key: &str, whole: Bytes) -> Bytes {
    match state.mutation {
        Mutation::Rebuilt => {
            let mut changed = whole.to_vec();
            changed.extend_from_slice(b"\n<!-- rendered again by the mutant proxy -->\n");
            Bytes::from(changed)
        }
        Mutation::Frozen => {
            let mut frozen = state.frozen.lock().unwrap_or_else(|e| e.into_inner());
            frozen.entry(key.to_string()).or_insert(whole).clone()
        }
        _ => whole,
    }
}

/// Everything the body delivers before it ends or breaks off.
async fn collect_what_arrives(
    mut chunks: impl futures_util::Stream<Item = reqwest::Result<Bytes>> + Unpin,
) -> Bytes {
    let mut whole = Vec::new();
    while let Some(Ok(bytes)) = chunks.next().await {
        whole.extend_from_slice(&bytes);
    }
    Bytes::from(whole)
}

fn mutate_head(response: &mut Response<ProxyBody>, mutation: Mutation) {
    let headers = response.headers_mut();
    match mutation {
        Mutation::MergeCookies => {
            let lines: Vec<String> = headers
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_string))
                .collect();
            headers.remove("set-cookie");
            if let Ok(merged) = HeaderValue::from_str(&lines.join(", "))
                && !lines.is_empty()
            {
                headers.insert("set-cookie", merged);
            }
        }
        Mutation::BareCookies => {
            let bare: Vec<HeaderValue> = headers
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .filter_map(|line| HeaderValue::from_str(line.split(';').next()?).ok())
                .collect();
            headers.remove("set-cookie");
            for value in bare {
                headers.append("set-cookie", value);
            }
        }
        Mutation::StatusOk => {
            headers.remove("location");
            *response.status_mut() = StatusCode::OK;
            response
                .extensions_mut()
                .remove::<hyper::ext::ReasonPhrase>();
        }
        Mutation::Headers => {
            headers.remove("cache-control");
            headers.remove("content-security-policy");
            headers.insert("content-type", HeaderValue::from_static("text/plain"));
            headers.append("set-cookie", HeaderValue::from_static("mutant=1"));
        }
        _ => {}
    }
}

fn rewrite_html(chunk: &str) -> String {
    chunk
        .replace("Hello", "Goodbye")
        .replace("<astro-island", "<div")
        .replace("</astro-island>", "</div>")
        .replace("http-equiv=\"content-security-policy\"", "name=\"mutant\"")
        .replace("early", "first")
        .replace("</body>", "<script>/* mutant */</script></body>")
}

fn rewrite_json(chunk: &str) -> String {
    chunk.replace("true", "false").replace("\"/", "\"/mutant/")
}

/// Headers that describe one connection or one body framing, not the response.
const HOP_BY_HOP: [&str; 4] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
];

fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
}

fn full(bytes: Bytes) -> ProxyBody {
    BodyExt::boxed(Full::new(bytes).map_err(|never| match never {}))
}
