//! Remote targets: a profile whose `[serve]` command is a deploy script (`deploy = true`).
//! The script runs to completion, deploys the build wherever it deploys to (a preview
//! deployment of a hosting platform, or a local server), and prints the base URL as the
//! last line of its output that is nothing but a URL. The requests go there; when the
//! server is dropped, the profile's `cleanup` command runs with `{url}` filled in.
//! Anything the script left running in its process group is killed afterwards, as for a
//! local server. Only `http://` URLs can be checked: the client has no TLS.

use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::error::IoError;
use crate::process::{self, GroupGuard};

use super::{Launch, ServeError, Server, answers_http, free_port};

/// What a deploy launch adds: the command that undoes the deployment.
#[derive(Debug, Clone, Default)]
pub struct Deploy {
    /// Program and arguments, placeholders filled in but `{url}`.
    pub cleanup: Option<Vec<String>>,
}

/// A cleanup to run when the deployed server is dropped.
#[derive(Debug)]
pub(super) struct Cleanup {
    command: Vec<String>,
    env: Vec<(String, String)>,
    log: PathBuf,
}

impl Cleanup {
    /// Runs the command (bounded), appending to its log; a failure is in that log.
    pub(super) fn run(self) {
        let Some((program, args)) = self.command.split_first() else {
            return;
        };
        let mut cmd = Command::new(program);
        cmd.args(args).envs(self.env.iter().map(|(k, v)| (k, v)));
        let _ = process::run_logged(&mut cmd, &self.log, Duration::from_secs(60));
    }
}

/// Runs the deploy script of `launch`, reads the URL it printed and waits until it
/// answers; the script's process group lives as long as the server.
pub(super) fn deploy(launch: &Launch, timeout: Duration) -> Result<Server, ServeError> {
    let port = free_port().map_err(IoError::doing("choosing a free port"))?;
    let log = launch.log_dir.join(format!("deploy-{port}.log"));
    let fill = |s: &String| s.replace("{port}", &port.to_string());
    let mut cmd = Command::new(&launch.program);
    cmd.args(launch.args.iter().map(fill))
        .current_dir(&launch.cwd)
        .envs(launch.env.iter().map(|(k, v)| (k, fill(v))));
    let io = || IoError::doing("creating the deploy log");
    let out = std::fs::File::create(&log).map_err(io())?;
    cmd.stdout(out.try_clone().map_err(io())?).stderr(out);
    let mut guard = GroupGuard::spawn(&mut cmd)?;
    let tail = || process::log_tail(&log, process::LOG_TAIL_LINES);
    let status = guard
        .wait_timeout(timeout)?
        .ok_or_else(|| ServeError::DeployHung {
            timeout,
            log: log.clone(),
            tail: tail(),
        })?;
    if !status.success() {
        return Err(ServeError::Exited {
            status: status.to_string(),
            log: log.clone(),
            tail: tail(),
        });
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let base = printed_url(&text).ok_or_else(|| ServeError::NoUrl {
        log: log.clone(),
        tail: tail(),
    })?;
    wait_until_it_answers(&base, timeout, &log)?;
    let cleanup = launch
        .deploy
        .as_ref()
        .and_then(|d| d.cleanup.clone())
        .map(|command| Cleanup {
            command: command
                .iter()
                .map(|a| fill(a).replace("{url}", &base))
                .collect(),
            env: launch
                .env
                .iter()
                .map(|(k, v)| (k.clone(), fill(v)))
                .collect(),
            log: launch.log_dir.join(format!("cleanup-{port}.log")),
        });
    Ok(Server {
        guard,
        base,
        log,
        cleanup,
    })
}

/// The last line of `output` that is only an `http://` or `https://` URL, without a
/// trailing slash.
pub(crate) fn printed_url(output: &str) -> Option<String> {
    output
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| {
            (l.starts_with("http://") || l.starts_with("https://"))
                && !l.contains(char::is_whitespace)
        })
        .map(|l| l.trim_end_matches('/').to_string())
}

/// Waits until `base` (an `http://host:port` URL) answers HTTP.
fn wait_until_it_answers(
    base: &str,
    timeout: Duration,
    log: &std::path::Path,
) -> Result<(), ServeError> {
    let unsupported = || ServeError::UnsupportedUrl {
        url: base.to_string(),
    };
    let authority = base.strip_prefix("http://").ok_or_else(unsupported)?;
    let authority = authority.split('/').next().unwrap_or_default();
    let with_port = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let deadline = Instant::now() + timeout;
    loop {
        let addrs: Vec<_> = with_port
            .to_socket_addrs()
            .map(|a| a.collect())
            .unwrap_or_default();
        if addrs.iter().any(|a| answers_http(*a)) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(ServeError::DeployNotAnswering {
                url: base.to_string(),
                timeout,
                log: log.to_path_buf(),
                tail: process::log_tail(log, process::LOG_TAIL_LINES),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_the_last_line_that_is_only_a_url() {
        let out = "deploying…\nsee https://docs.example/x for help\nhttp://127.0.0.1:4000/\ndone\n";
        assert_eq!(printed_url(out).as_deref(), Some("http://127.0.0.1:4000"));
        assert_eq!(printed_url("no url here\n"), None);
    }
}
