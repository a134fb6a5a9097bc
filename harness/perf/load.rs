//! A cheap HTTP/1.1 load generator: a closed loop over keep-alive connections, or a fixed
//! arrival rate whose latencies count from the intended send time (no coordinated
//! omission). Latencies go into an HdrHistogram.
//!
//! Cheap means: one thread (a current-thread runtime), an empty request body, response
//! bodies counted frame by frame and dropped, and optionally its own core.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Why a load run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("`{url}` is not a URL this load generator can use: {why}")]
    BadUrl { url: String, why: String },
    #[error("`{0}` does not resolve to an address")]
    Unresolved(String),
    #[error("the header `{0}` is not a valid `name: value`")]
    BadHeader(String),
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("--rate must be a positive number of requests per second, not {0}")]
    BadRate(f64),
    #[error("pinning the load generator to core {cpu}: {source}")]
    Pin { cpu: usize, source: std::io::Error },
    #[error("starting the load generator's runtime: {0}")]
    Runtime(std::io::Error),
}

/// What to send, how hard and for how long.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Where the requests go (GET, `http://` only).
    pub target: Target,
    /// Keep-alive connections, each with at most one request in flight.
    pub connections: usize,
    /// How long to send for.
    pub duration: Duration,
    /// Requests per second in all (fixed arrival rate); `None` is a closed loop.
    pub rate: Option<f64>,
    /// A request that takes longer counts as a `timeout` error and its connection is
    /// replaced.
    pub timeout: Duration,
    /// The core to run on.
    pub cpu: Option<usize>,
    /// Stop after this many requests (sent in all) if the duration has not ended first.
    pub requests: Option<u64>,
}

/// A parsed `http://host:port/path` target and the extra request headers.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL as given.
    pub url: String,
    /// Where to connect.
    pub addr: SocketAddr,
    /// `Host` header value.
    pub host: String,
    /// Path and query.
    pub path: String,
    /// Added to every request (e.g. a `cookie`).
    pub headers: Vec<(String, String)>,
}

impl Target {
    /// Parses and resolves `url`.
    pub fn parse(url: &str) -> Result<Self, LoadError> {
        let bad = |why: &str| LoadError::BadUrl {
            url: url.into(),
            why: why.into(),
        };
        if !url.contains("://") {
            return Err(bad("it needs a scheme, e.g. http://127.0.0.1:4321/"));
        }
        let uri: Uri = url
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| bad(&e.to_string()))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(other) => {
                return Err(bad(&format!(
                    "the scheme `{other}` is not supported, only http"
                )));
            }
            None => return Err(bad("it needs a scheme, e.g. http://127.0.0.1:4321/")),
        }
        let authority = uri.authority().ok_or_else(|| bad("it has no host"))?;
        let port = authority.port_u16().unwrap_or(80);
        let host_port = format!("{}:{port}", authority.host().trim_matches(['[', ']']));
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&host_port)
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| LoadError::Unresolved(host_port.clone()))?;
        Ok(Self {
            url: url.into(),
            addr,
            host: authority.as_str().into(),
            path: uri
                .path_and_query()
                .map_or("/".into(), |p| p.as_str().to_string()),
            headers: Vec::new(),
        })
    }
}

impl Target {
    /// Adds a header sent with every request.
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self, LoadError> {
        let (name, value) = (name.trim(), value.trim());
        if hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err()
            || hyper::header::HeaderValue::from_str(value).is_err()
        {
            return Err(LoadError::BadHeader(format!("{name}: {value}")));
        }
        self.headers.push((name.into(), value.into()));
        Ok(self)
    }
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
}

impl Latency {
    fn of(h: &Histogram<u64>) -> Self {
        Self {
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
            mean: h.mean(),
        }
    }
}

/// The result of one load run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadReport {
    pub url: String,
    pub connections: usize,
    /// The requested arrival rate (`None`: closed loop).
    pub rate: Option<f64>,
    pub seconds: f64,
    /// Responses read to the end.
    pub requests: u64,
    pub requests_per_sec: f64,
    /// Response body bytes.
    pub bytes: u64,
    pub bytes_per_sec: f64,
    /// Of the completed responses; from the intended send time under `--rate`.
    pub latency_us: Latency,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Failed requests by kind (connect, timeout, closed, malformed, io, body).
    pub errors: BTreeMap<String, u64>,
    /// The load generator's own CPU time over the wall time of the run: 1.0 is a full core.
    #[serde(default)]
    pub client_cpu: f64,
}

/// Above this share of a core, the load generator may be what limits the rate measured.
pub const GENERATOR_LIMITED: f64 = 0.9;

impl LoadReport {
    /// Failed requests in all.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Whether the load generator used nearly a full core, so the server may not have been
    /// the bottleneck and the rate measured is a floor, not the server's capacity.
    pub fn generator_limited(&self) -> bool {
        self.client_cpu >= GENERATOR_LIMITED
    }

    /// Human-readable summary.
    pub fn text(&self) -> String {
        let mode = match self.rate {
            Some(r) => format!("fixed rate {r}/s (latency from the intended send time)"),
            None => "closed loop".into(),
        };
        let l = &self.latency_us;
        let statuses = join_counts(self.statuses.iter().map(|(k, v)| (k.to_string(), *v)));
        let errors = join_counts(self.errors.iter().map(|(k, v)| (k.clone(), *v)));
        format!(
            "{url}: {connections} connections, {seconds:.1} s, {mode}\n\
             \x20 requests  {requests} ({rps:.1}/s)\n\
             \x20 bytes     {bytes} ({bps})\n\
             \x20 latency   p50 {p50}  p90 {p90}  p99 {p99}  p99.9 {p999}  max {max}\n\
             \x20 statuses  {statuses}\n\
             \x20 errors    {errors}\n\
             \x20 client    {cpu:.0}% of a core{limited}\n",
            url = self.url,
            connections = self.connections,
            seconds = self.seconds,
            requests = self.requests,
            rps = self.requests_per_sec,
            bytes = self.bytes,
            bps = per_second(self.bytes_per_sec),
            p50 = micros(l.p50),
            p90 = micros(l.p90),
            p99 = micros(l.p99),
            p999 = micros(l.p999),
            max = micros(l.max),
            cpu = self.client_cpu * 100.0,
            limited = if self.generator_limited() {
                " (GENERATOR-LIMITED: the load generator, not the server, may set this rate)"
            } else {
                ""
            },
        )
    }
}

fn join_counts(items: impl Iterator<Item = (String, u64)>) -> String {
    let parts: Vec<String> = items.map(|(k, v)| format!("{k}: {v}")).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// `1.23 ms` style.
pub fn micros(us: u64) -> String {
    match us {
        0..1_000 => format!("{us} µs"),
        1_000..1_000_000 => format!("{:.2} ms", us as f64 / 1e3),
        _ => format!("{:.2} s", us as f64 / 1e6),
    }
}

fn per_second(bytes: f64) -> String {
    match bytes {
        b if b >= 1e9 => format!("{:.2} GB/s", b / 1e9),
        b if b >= 1e6 => format!("{:.2} MB/s", b / 1e6),
        b => format!("{:.1} kB/s", b / 1e3),
    }
}

/// Runs the load on its own single-threaded runtime (pinned if asked) and blocks until
/// it ends.
pub fn run(options: &LoadOptions) -> Result<LoadReport, LoadError> {
    let options = options.clone();
    std::thread::scope(|scope| {
        scope
            .spawn(move || {
                if let Some(cpu) = options.cpu {
                    crate::pipeline::serve::cpu::pin_current_thread(cpu)
                        .map_err(|source| LoadError::Pin { cpu, source })?;
                }
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(LoadError::Runtime)?;
                runtime.block_on(run_async(&options))
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Runs the load on the current runtime. Use a current-thread runtime to keep it cheap.
pub async fn run_async(options: &LoadOptions) -> Result<LoadReport, LoadError> {
    if options.connections == 0 {
        return Err(LoadError::Zero("the number of connections"));
    }
    if let Some(rate) = options.rate
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(LoadError::BadRate(rate));
    }
    let cpu_start = thread_cpu_time();
    let start = Instant::now();
    let deadline = start + options.duration;
    let budget = options
        .requests
        .map(|n| std::sync::Arc::new(std::sync::atomic::AtomicU64::new(n)));
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..options.connections {
        let worker = Worker {
            target: options.target.clone(),
            timeout: options.timeout,
            schedule: options.rate.map(|rate| {
                // Each connection sends every `connections / rate` seconds, offset so the
                // arrivals in all are evenly spaced.
                let interval = Duration::from_secs_f64(options.connections as f64 / rate);
                let offset = Duration::from_secs_f64(index as f64 / rate);
                (start + offset, interval)
            }),
            tally: Tally::new(),
            budget: budget.clone(),
        };
        tasks.spawn(worker.run(deadline));
    }
    let mut tally = Tally::new();
    while let Some(done) = tasks.join_next().await {
        let part = done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        tally.merge(part);
    }
    // Under a request budget the run may end early: rates are per the time it took.
    let wall = start.elapsed();
    let client_cpu =
        (thread_cpu_time().saturating_sub(cpu_start)).as_secs_f64() / wall.as_secs_f64().max(1e-9);
    let seconds = match options.requests {
        Some(_) => wall.min(options.duration).as_secs_f64(),
        None => options.duration.as_secs_f64(),
    };
    Ok(LoadReport {
        url: options.target.url.clone(),
        connections: options.connections,
        rate: options.rate,
        seconds,
        requests: tally.histogram.len(),
        requests_per_sec: tally.histogram.len() as f64 / seconds,
        bytes: tally.bytes,
        bytes_per_sec: tally.bytes as f64 / seconds,
        latency_us: Latency::of(&tally.histogram),
        statuses: tally.statuses,
        errors: tally.errors,
        client_cpu,
    })
}

/// CPU time used by the calling thread so far (the load generator's runtime thread).
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec owned by this frame.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// What one connection counted.
struct Tally {
    histogram: Histogram<u64>,
    bytes: u64,
    statuses: BTreeMap<u16, u64>,
    errors: BTreeMap<String, u64>,
}

impl Tally {
    fn new() -> Self {
        Self {
            // 1 µs to 10 min at 3 significant digits; longer values are clamped.
            histogram: Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid bounds"),
            bytes: 0,
            statuses: BTreeMap::new(),
            errors: BTreeMap::new(),
        }
    }

    fn merge(&mut self, other: Tally) {
        self.histogram
            .add(&other.histogram)
            .expect("histograms share their bounds");
        self.bytes += other.bytes;
        for (k, v) in other.statuses {
            *self.statuses.entry(k).or_default() += v;
        }
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
    }

    fn error(&mut self, kind: &str) {
        *self.errors.entry(kind.to_string()).or_default() += 1;
    }
}

/// One connection's loop.
struct Worker {
    target: Target,
    timeout: Duration,
    /// First intended send time and the interval, under a fixed rate.
    schedule: Option<(Instant, Duration)>,
    tally: Tally,
    /// Requests left to send in all, shared by the connections.
    budget: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

/// How a request failed: an error kind for the report.
type Failure = &'static str;

impl Worker {
    async fn run(mut self, deadline: Instant) -> Tally {
        let mut sender: Option<http1::SendRequest<Empty<Bytes>>> = None;
        let mut next = self.schedule.map(|(first, _)| first);
        loop {
            let intended = match next {
                Some(at) => {
                    if at >= deadline {
                        break;
                    }
                    tokio::time::sleep_until(at).await;
                    at
                }
                None => Instant::now(),
            };
            if intended >= deadline {
                break;
            }
            if let Some(left) = &self.budget {
                let take = left.fetch_update(
                    std::sync::atomic::Ordering::Relaxed,
                    std::sync::atomic::Ordering::Relaxed,
                    |n| n.checked_sub(1),
                );
                if take.is_err() {
                    break;
                }
            }
            let attempt = tokio::time::timeout_at(deadline, async {
                tokio::time::timeout(self.timeout, self.request(&mut sender)).await
            })
            .await;
            match attempt {
                // The run ended with this request in flight: it is not counted.
                Err(_) => break,
                Ok(Err(_)) => {
                    self.tally.error("timeout");
                    sender = None;
                }
                Ok(Ok(Err(kind))) => {
                    self.tally.error(kind);
                    sender = None;
                    if kind == "connect" {
                        // Do not spin on a refused port.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
                Ok(Ok(Ok(()))) => {
                    let took = Instant::now().saturating_duration_since(intended);
                    self.tally
                        .histogram
                        .saturating_record(took.as_micros().max(1) as u64);
                }
            }
            if let (Some(at), Some((_, interval))) = (next.as_mut(), self.schedule) {
                *at += interval;
            }
        }
        self.tally
    }

    async fn connect(&self) -> Result<http1::SendRequest<Empty<Bytes>>, Failure> {
        let stream = TcpStream::connect(self.target.addr)
            .await
            .map_err(|_| "connect")?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|_| "connect")?;
        tokio::spawn(connection);
        Ok(sender)
    }

    /// Sends one GET on the kept-alive connection (opening one when there is none or the
    /// server closed it) and reads the body to the end.
    async fn request(
        &mut self,
        slot: &mut Option<http1::SendRequest<Empty<Bytes>>>,
    ) -> Result<(), Failure> {
        let reusable = match slot.as_mut() {
            Some(s) => s.ready().await.is_ok(),
            None => false,
        };
        if !reusable {
            *slot = Some(self.connect().await?);
        }
        let sender = slot.as_mut().expect("connected above");
        let mut request = Request::get(self.target.path.as_str())
            .header(hyper::header::HOST, self.target.host.as_str());
        for (name, value) in &self.target.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request
            .body(Empty::new())
            .map_err(|_| "malformed request")?;
        let response = sender.send_request(request).await.map_err(|e| {
            if e.is_parse() {
                "malformed response"
            } else if e.is_incomplete_message() || e.is_canceled() {
                "closed"
            } else {
                "io"
            }
        })?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut bytes = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| "body")?;
            if let Some(data) = frame.data_ref() {
                bytes += data.len() as u64;
            }
        }
        self.tally.bytes += bytes;
        *self.tally.statuses.entry(status).or_default() += 1;
        Ok(())
    }
}
