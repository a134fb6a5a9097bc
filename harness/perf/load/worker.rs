//! One keep-alive connection's request loop, and what it counts.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::perf::load::Target;

/// What one connection counted.
pub(super) struct Tally {
    pub(super) histogram: Histogram<u64>,
    pub(super) bytes: u64,
    pub(super) statuses: BTreeMap<u16, u64>,
    pub(super) errors: BTreeMap<String, u64>,
}

impl Tally {
    pub(super) fn new() -> Self {
        Self {
            // 1 µs to 10 min at 3 significant digits; longer values are clamped.
            histogram: Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid bounds"),
            bytes: 0,
            statuses: BTreeMap::new(),
            errors: BTreeMap::new(),
        }
    }

    pub(super) fn merge(&mut self, other: Tally) {
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

    fn error(&mut self, kind: Failure) {
        *self.errors.entry(kind.name().to_string()).or_default() += 1;
    }
}

/// One connection's loop.
pub(super) struct Worker {
    pub(super) target: Target,
    pub(super) timeout: Duration,
    /// First intended send time and the interval, under a fixed rate.
    pub(super) schedule: Option<(Instant, Duration)>,
    pub(super) tally: Tally,
    /// Requests left to send in all, shared by the connections.
    pub(super) budget: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

/// How a request failed: an error kind of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// No response within the request timeout.
    Timeout,
    /// The TCP connection or the HTTP handshake failed.
    Connect,
    /// The request could not be formed (a bad header).
    MalformedRequest,
    /// The response was not HTTP/1.1.
    MalformedResponse,
    /// The server closed the connection before the response was complete.
    Closed,
    /// Another I/O error while sending.
    Io,
    /// The body broke off.
    Body,
}

impl Failure {
    /// The name the report counts it under.
    fn name(self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Connect => "connect",
            Failure::MalformedRequest => "malformed request",
            Failure::MalformedResponse => "malformed response",
            Failure::Closed => "closed",
            Failure::Io => "io",
            Failure::Body => "body",
        }
    }
}

impl Worker {
    pub(super) async fn run(mut self, deadline: Instant) -> Tally {
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
                    self.tally.error(Failure::Timeout);
                    sender = None;
                }
                Ok(Ok(Err(kind))) => {
                    self.tally.error(kind);
                    sender = None;
                    if kind == Failure::Connect {
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
            .map_err(|_| Failure::Connect)?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|_| Failure::Connect)?;
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
            .map_err(|_| Failure::MalformedRequest)?;
        let response = sender.send_request(request).await.map_err(|e| {
            if e.is_parse() {
                Failure::MalformedResponse
            } else if e.is_incomplete_message() || e.is_canceled() {
                Failure::Closed
            } else {
                Failure::Io
            }
        })?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut bytes = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| Failure::Body)?;
            if let Some(data) = frame.data_ref() {
                bytes += data.len() as u64;
            }
        }
        self.tally.bytes += bytes;
        *self.tally.statuses.entry(status).or_default() += 1;
        Ok(())
    }
}
