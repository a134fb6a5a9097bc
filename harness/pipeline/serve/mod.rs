//! Starting a built project's server on 127.0.0.1 and waiting until it answers.
//!
//! The server runs in its own process group (see [`crate::process`]): dropping the
//! [`Server`] kills the group. A port taken between choosing and binding is retried on
//! another port; a server that exits early or never becomes ready is reported with the
//! tail of its log.

pub mod cpu;
mod launch;
pub mod memory;
mod port;
pub mod remote;

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::error::IoError;
use crate::pipeline::build::{Build, HARNESS_DIR};
use crate::pipeline::install::stack::InstalledStack;
use crate::process::{self, GroupGuard, ProcessError};

pub(crate) use port::free_port;

/// Attempts at binding before giving up on "address in use".
const PORT_ATTEMPTS: usize = 3;

/// Errors of starting a server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the build has no server entry {}: was it built with an adapter?", entry.display())]
    NoEntry { entry: PathBuf },
    #[error("the server exited before it was ready ({status}); last lines of {}:\n{tail}", log.display())]
    Exited {
        status: String,
        log: PathBuf,
        tail: String,
    },
    #[error("the server did not answer on {addr} within {}s; last lines of {}:\n{tail}", timeout.as_secs(), log.display())]
    NotReady {
        addr: SocketAddr,
        timeout: Duration,
        log: PathBuf,
        tail: String,
    },
    #[error("the deploy script did not finish within {}s; last lines of {}:\n{tail}", timeout.as_secs(), log.display())]
    DeployHung {
        timeout: Duration,
        log: PathBuf,
        tail: String,
    },
    #[error("the deploy script printed no URL (its last line that is only an http:// or https:// URL is the target); last lines of {}:\n{tail}", log.display())]
    NoUrl { log: PathBuf, tail: String },
    #[error("the deployment at {url} did not answer within {}s; last lines of {}:\n{tail}", timeout.as_secs(), log.display())]
    DeployNotAnswering {
        url: String,
        timeout: Duration,
        log: PathBuf,
        tail: String,
    },
    #[error(
        "the deploy printed {url}: only http:// targets can be checked (the client has no TLS)"
    )]
    UnsupportedUrl { url: String },
    #[error("no free port after {PORT_ATTEMPTS} attempts (each was taken before the server bound it); last lines of {}:\n{tail}", log.display())]
    PortsTaken { log: PathBuf, tail: String },
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error(transparent)]
    Io(#[from] IoError),
}

/// What a server takes from the harness's own environment: where its user's files and
/// temporary files go, its locale, and the harness's own `ASTRO_CONFORM_*` settings (no
/// server reads them; they mark the processes the harness started). Everything else it
/// gets from [`Launch::env`], so a verdict never depends on a variable set in one shell
/// and not in another (a secret the case gives in `[server] env`, `NODE_ENV`,
/// `NODE_OPTIONS`).
pub const HOST_ENV: &[&str] = &["HOME", "TMPDIR", "LANG"];

/// The prefix of the harness's own variables, passed on to servers (see [`HOST_ENV`]).
const OWN_ENV_PREFIX: &str = "ASTRO_CONFORM_";

/// How long a server may take to answer its first connection.
pub fn ready_timeout() -> Duration {
    crate::settings::get().ready_timeout
}

/// What to start. `{port}` in the arguments and environment values is replaced by the
/// port chosen for the server.
#[derive(Debug, Clone)]
pub struct Launch {
    /// Program and arguments.
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Working directory.
    pub cwd: PathBuf,
    /// The server's whole environment besides [`HOST_ENV`] (PATH included): nothing else
    /// of the shell that runs the harness reaches the server.
    pub env: Vec<(String, String)>,
    /// Where the server's output goes (one file per port under this dir).
    pub log_dir: PathBuf,
    /// The core the server (and every process it starts) runs on; `None`: any.
    pub cpu: Option<usize>,
    /// `Some`: the program is a deploy script, not the server (see [`remote`]).
    pub deploy: Option<remote::Deploy>,
}

impl Launch {
    /// `HOST=127.0.0.1 PORT=<port> node dist/server/entry.mjs` for an @astrojs/node
    /// standalone build, with the stack's Node.
    pub fn node_standalone(build: &Build, stack: &InstalledStack) -> Result<Self, ServeError> {
        let entry = build.out_dir().join("server/entry.mjs");
        if !entry.is_file() {
            return Err(ServeError::NoEntry { entry });
        }
        Ok(Self {
            program: stack.node.binary.clone(),
            args: vec![entry.to_string_lossy().into_owned()],
            cwd: build.workdir.clone(),
            env: vec![
                ("HOST".into(), "127.0.0.1".into()),
                ("PORT".into(), "{port}".into()),
                ("PATH".into(), stack.path_var.to_string_lossy().into_owned()),
                ("ASTRO_TELEMETRY_DISABLED".into(), "1".into()),
                ("NO_COLOR".into(), "1".into()),
            ],
            log_dir: build.workdir.join(HARNESS_DIR).join("logs"),
            cpu: None,
            deploy: None,
        })
    }
}

/// A running server; dropping it kills its whole process group (after the deploy's
/// cleanup, for a deployed one).
#[derive(Debug)]
pub struct Server {
    guard: GroupGuard,
    /// Where it answers, e.g. `http://127.0.0.1:4321`.
    base: String,
    /// Its stdout and stderr (for a deployed one, the deploy script's).
    pub log: PathBuf,
    /// Run when the server is dropped (a deploy's cleanup).
    cleanup: Option<remote::Cleanup>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup.run();
        }
    }
}

impl Server {
    /// Starts the server on a free port and waits until it accepts connections; a deploy
    /// launch runs its script and waits for the URL it printed.
    pub fn start(launch: &Launch, timeout: Duration) -> Result<Self, ServeError> {
        std::fs::create_dir_all(&launch.log_dir).map_err(IoError::doing(format!(
            "creating {}",
            launch.log_dir.display()
        )))?;
        if launch.deploy.is_some() {
            return remote::deploy(launch, timeout);
        }
        let mut last_log = PathBuf::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port().map_err(IoError::doing("choosing a free port"))?;
            match Self::start_on(launch, port, timeout) {
                Err(ServeError::Exited { log, tail, .. }) if tail.contains("EADDRINUSE") => {
                    last_log = log
                }
                other => return other,
            }
        }
        Err(ServeError::PortsTaken {
            tail: process::log_tail(&last_log, process::LOG_TAIL_LINES),
            log: last_log,
        })
    }

    /// Starts the server on `port` (no retry).
    pub fn start_on(launch: &Launch, port: u16, timeout: Duration) -> Result<Self, ServeError> {
        let log = launch.log_dir.join(format!("server-{port}.log"));
        let out = File::create(&log).map_err(IoError::doing("creating the server log"))?;
        let err = out
            .try_clone()
            .map_err(IoError::doing("creating the server log"))?;
        let port_text = port.to_string();
        let fill = |s: &String| s.replace("{port}", &port_text);
        let mut cmd = Command::new(&launch.program);
        let host_env = std::env::vars_os().filter(|(name, _)| {
            name.to_str()
                .is_some_and(|n| HOST_ENV.contains(&n) || n.starts_with(OWN_ENV_PREFIX))
        });
        cmd.args(launch.args.iter().map(fill))
            .current_dir(&launch.cwd)
            .env_clear()
            .envs(host_env)
            .envs(launch.env.iter().map(|(k, v)| (k.clone(), fill(v))))
            .stdout(out)
            .stderr(err);
        if let Some(cpu) = launch.cpu {
            crate::pipeline::serve::cpu::pin_command(&mut cmd, cpu);
        }
        let mut guard = GroupGuard::spawn(&mut cmd)?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = guard.try_wait()? {
                return Err(ServeError::Exited {
                    status: status.to_string(),
                    tail: process::log_tail(&log, process::LOG_TAIL_LINES),
                    log,
                });
            }
            if answers_http(addr) && guard.try_wait()?.is_none() {
                return Ok(Self {
                    guard,
                    base: format!("http://{addr}"),
                    log,
                    cleanup: None,
                });
            }
            if Instant::now() >= deadline {
                return Err(ServeError::NotReady {
                    addr,
                    timeout,
                    tail: process::log_tail(&log, process::LOG_TAIL_LINES),
                    log,
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// `http://127.0.0.1:<port>`, or the URL a deploy printed.
    pub fn base_url(&self) -> String {
        self.base.clone()
    }

    /// The server's process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.guard.pid()
    }

    /// True while the server process is running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.guard.try_wait(), Ok(None))
    }
}

/// True when something on `addr` answers an HTTP request with a status line. A bare
/// connect is not enough: another process holding the port would accept it too.
pub(crate) fn answers_http(addr: SocketAddr) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.set_write_timeout(Some(Duration::from_millis(500)));
    if stream
        .write_all(b"HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A launch of a shell script, for tests of the lifecycle itself.
    fn shell_launch(script: &str, log_dir: &std::path::Path) -> Launch {
        Launch {
            program: PathBuf::from("sh"),
            args: vec!["-c".into(), script.into()],
            cwd: log_dir.to_path_buf(),
            env: vec![("PORT".into(), "{port}".into())],
            log_dir: log_dir.to_path_buf(),
            cpu: None,
            deploy: None,
        }
    }

    const SHORT: Duration = Duration::from_secs(5);

    #[test]
    fn a_server_that_exits_early_shows_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let err = Server::start(
            &shell_launch("echo 'cannot find module x'; exit 3", dir.path()),
            SHORT,
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("exited before it was ready"), "{msg}");
        assert!(msg.contains("cannot find module x"), "{msg}");
    }

    #[test]
    fn a_server_gets_only_its_launch_env_and_the_host_basics() {
        // cargo sets CARGO_MANIFEST_DIR for the tests it runs: it must not reach a server.
        assert!(std::env::var("CARGO_MANIFEST_DIR").is_ok());
        let dir = tempfile::tempdir().unwrap();
        let mut launch = shell_launch(
            "echo \"cargo=${CARGO_MANIFEST_DIR:-unset} home=${HOME:+set} given=$GIVEN\"; exit 3",
            dir.path(),
        );
        launch.env.push(("GIVEN".into(), "yes".into()));
        let msg = Server::start(&launch, SHORT).unwrap_err().to_string();
        assert!(msg.contains("cargo=unset home=set given=yes"), "{msg}");
    }

    #[test]
    fn a_server_that_never_listens_times_out_and_is_killed() {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let err = Server::start(
            &shell_launch("echo waiting forever; exec sleep 60", dir.path()),
            Duration::from_millis(600),
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        let msg = err.to_string();
        assert!(msg.contains("did not answer on 127.0.0.1:"), "{msg}");
        assert!(msg.contains("waiting forever"), "{msg}");
    }

    #[test]
    fn a_taken_port_is_retried_elsewhere_and_exhaustion_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        // Always "address in use": every attempt fails the same way.
        let err = Server::start(
            &shell_launch(
                "echo 'Error: listen EADDRINUSE: address already in use'; exit 1",
                dir.path(),
            ),
            SHORT,
        )
        .unwrap_err();
        assert!(matches!(err, ServeError::PortsTaken { .. }), "{err}");
    }

    #[test]
    fn a_pinned_server_and_its_children_run_on_that_core() {
        let dir = tempfile::tempdir().unwrap();
        let core = *crate::pipeline::serve::cpu::allowed().last().unwrap();
        let mut launch = shell_launch(
            "sh -c 'grep Cpus_allowed_list /proc/self/status'; exit 3",
            dir.path(),
        );
        launch.cpu = Some(core);
        let msg = Server::start(&launch, SHORT).unwrap_err().to_string();
        assert!(
            msg.contains(&format!("Cpus_allowed_list:\t{core}")),
            "{msg}"
        );
    }
}
