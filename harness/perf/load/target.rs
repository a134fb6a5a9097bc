//! Where the load goes: a parsed `http://` URL and the request headers.

use std::net::SocketAddr;

use hyper::Uri;

use crate::perf::load::LoadError;

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
