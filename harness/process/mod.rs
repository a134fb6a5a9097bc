//! Child processes that cannot outlive the harness.
//!
//! Every process is started as the leader of its own process group. A [`GroupGuard`]
//! kills the whole group when it is dropped (success, failure, timeout or panic), and
//! [`install_interrupt_handler`] kills every live group on Ctrl-C or SIGTERM before exiting.
//! For the deaths no handler sees (SIGKILL: a CI timeout, the OOM killer), a watchdog
//! process holds the read end of a pipe that only this process writes to: when this
//! process ends, however it ends, the kernel closes the pipe and the watchdog kills every
//! group still listed.

use crate::error::IoError;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Once;

use watchdog::LIVE_GROUPS;

mod watchdog;
use std::time::{Duration, Instant};

/// How much of a log the error messages quote.
pub(crate) const LOG_TAIL_LINES: usize = 30;

/// Errors of running a child process.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("could not start `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`{program}` did not finish within {}s and was killed; last lines of {}:\n{tail}", timeout.as_secs(), log.display())]
    Timeout {
        program: String,
        timeout: Duration,
        log: PathBuf,
        tail: String,
    },
    #[error(transparent)]
    Io(#[from] IoError),
}

/// Kills the process group on SIGINT/SIGTERM, then exits with status 130.
/// Safe to call more than once.
pub fn install_interrupt_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            kill_all_groups();
            eprintln!("astro-conform: interrupted; all child processes were stopped");
            std::process::exit(130);
        });
    });
}

/// The variable the npm launcher (`npm/astro-conform/bin/astro-conform.js`) sets to its
/// own pid when it starts the binary.
pub const LAUNCHER_PID_VAR: &str = "ASTRO_CONFORM_LAUNCHER_PID";

/// Started by the npm launcher, which cannot `exec` into this binary: asks the kernel for
/// SIGTERM when the launcher dies, so a launcher killed by SIGKILL still ends this process
/// (and, through the interrupt handler, every child). Call first in `main`, before any
/// thread starts; the variable is removed so no child inherits it.
pub fn die_with_launcher() {
    let Some(launcher) = std::env::var(LAUNCHER_PID_VAR)
        .ok()
        .and_then(|p| p.parse::<i32>().ok())
    else {
        return;
    };
    // SAFETY: no other thread runs yet; prctl and getppid only read or set this process.
    unsafe {
        std::env::remove_var(LAUNCHER_PID_VAR);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
        // The launcher died before the request took effect.
        if libc::getppid() != launcher {
            std::process::exit(143);
        }
    }
}

/// Prints panics as one message without a backtrace: trials report failures as
/// messages, and insta's snapshot panics already print their diff.
pub fn install_quiet_panic_hook() {
    std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
}

/// Sends SIGKILL to every process group this process started and still tracks.
pub(crate) fn kill_all_groups() {
    let groups = LIVE_GROUPS
        .lock()
        .map(|live| live.groups.clone())
        .unwrap_or_default();
    for pgid in groups {
        kill_group(pgid);
    }
}

fn kill_group(pgid: i32) {
    // SAFETY: killpg has no memory-safety preconditions; ESRCH (already gone) is ignored.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}

/// A started child that is the leader of its own process group.
/// Dropping it kills the whole group and reaps the leader.
#[derive(Debug)]
pub struct GroupGuard {
    child: Child,
    pgid: i32,
    program: String,
}

impl GroupGuard {
    /// Starts `cmd` in a new process group, with stdin closed.
    pub fn spawn(cmd: &mut Command) -> Result<Self, ProcessError> {
        let program = cmd.get_program().to_string_lossy().into_owned();
        cmd.process_group(0).stdin(Stdio::null());
        // Register under the lock so an interrupt between spawn and insert cannot miss it.
        let mut live = LIVE_GROUPS.lock().unwrap_or_else(|e| e.into_inner());
        live.ensure_watchdog();
        if let Some(fd) = live.watchdog.as_ref().map(std::os::fd::AsRawFd::as_raw_fd) {
            // SAFETY: the closure only calls getpid and write, both async-signal-safe,
            // on a stack buffer; `fd` stays open while the lock is held.
            unsafe {
                cmd.pre_exec(move || {
                    watchdog::announce_self(fd);
                    Ok(())
                });
            }
        }
        let child = cmd.spawn().map_err(|source| ProcessError::Spawn {
            program: program.clone(),
            source,
        })?;
        let pgid = child.id() as i32;
        live.insert(pgid);
        Ok(Self {
            child,
            pgid,
            program,
        })
    }

    /// The leader's process id (also the group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Returns the exit status if the leader has exited.
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>, ProcessError> {
        Ok(self
            .child
            .try_wait()
            .map_err(IoError::doing(format!("waiting for `{}`", self.program)))?)
    }

    /// Waits for the leader up to `timeout`; `None` when it is still running.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<Option<ExitStatus>, ProcessError> {
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_millis(5);
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(Some(status));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        // The leader may be gone while helpers it started (esbuild, workers) live on.
        kill_group(self.pgid);
        let _ = self.child.wait();
        if let Ok(mut live) = LIVE_GROUPS.lock() {
            live.remove(self.pgid);
        }
    }
}

/// Runs `cmd` to completion with stdout and stderr appended to `log`, killing its
/// process group when `timeout` passes.
pub(crate) fn run_logged(
    cmd: &mut Command,
    log: &Path,
    timeout: Duration,
) -> Result<ExitStatus, ProcessError> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let io = || IoError::doing(format!("creating the log of `{program}`"));
    let out = File::create(log).map_err(io())?;
    let err = out.try_clone().map_err(io())?;
    cmd.stdout(out).stderr(err);
    let mut child = GroupGuard::spawn(cmd)?;
    match child.wait_timeout(timeout)? {
        Some(status) => Ok(status),
        None => {
            drop(child);
            Err(ProcessError::Timeout {
                program,
                timeout,
                log: log.to_path_buf(),
                tail: log_tail(log, LOG_TAIL_LINES),
            })
        }
    }
}

/// The last `lines` lines of a log file (at most 64 KiB read), each indented by two spaces.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let mut text = String::new();
    if let Ok(mut f) = File::open(path) {
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
        let mut bytes = Vec::new();
        let _ = f.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    tail_lines(&text, lines)
}

/// The last `lines` non-empty-trailing lines of `text`, each indented by two spaces.
pub(crate) fn tail_lines(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    let start = all.len().saturating_sub(lines);
    if all.is_empty() {
        return "  (the log is empty)".to_string();
    }
    all[start..]
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(pid: u32) -> bool {
        // SAFETY: signal 0 only checks for existence.
        unsafe { libc::kill(pid as i32, 0) == 0 }
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let pidfile = dir.path().join("grandchild");
        let script = format!(
            "sleep 60 & echo $! > {}; echo started; wait",
            pidfile.display()
        );
        let err = run_logged(
            Command::new("sh").args(["-c", &script]),
            &log,
            Duration::from_millis(500),
        )
        .unwrap_err();
        assert!(matches!(err, ProcessError::Timeout { .. }), "{err}");
        assert!(err.to_string().contains("started"), "{err}");
        let grandchild: u32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // The grandchild is reaped by init shortly after the kill.
        let gone = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            !alive(grandchild)
                || std::fs::read_to_string(format!("/proc/{grandchild}/stat"))
                    .map(|s| s.contains(") Z "))
                    .unwrap_or(true)
        });
        assert!(gone, "grandchild {grandchild} survived the timeout");
    }

    #[test]
    fn drop_during_panic_kills_the_group() {
        let result = std::panic::catch_unwind(|| {
            let guard = GroupGuard::spawn(Command::new("sleep").arg("60")).unwrap();
            let pid = guard.pid();
            std::panic::panic_any(pid);
        });
        let pid = *result.unwrap_err().downcast::<u32>().unwrap();
        assert!(!alive(pid), "sleep {pid} survived a panic");
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail_lines("a\nb\nc\n", 2), "  b\n  c");
        assert_eq!(tail_lines("", 2), "  (the log is empty)");
    }
}
