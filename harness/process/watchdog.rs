//! The watchdog: children die with the harness even when it is SIGKILLed (a CI timeout,
//! the OOM killer), when no handler runs. A `sh` reads a close-on-exec pipe that only the
//! harness writes to; it is told each process group as it starts and ends, and when the
//! pipe closes (the harness has ended, however it ended) it kills the groups left.

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Process groups started by this process and not yet reaped, and the watchdog told
/// about each of them.
pub(super) static LIVE_GROUPS: Mutex<LiveGroups> = Mutex::new(LiveGroups {
    groups: BTreeSet::new(),
    watchdog: None,
});

#[derive(Debug)]
pub(super) struct LiveGroups {
    pub(super) groups: BTreeSet<i32>,
    /// The write end of the watchdog's pipe (close-on-exec, so no child holds it);
    /// `None` until the first spawn, or when the watchdog could not be started.
    pub(super) watchdog: Option<std::io::PipeWriter>,
}

/// The watchdog: lines `+PGID` and `-PGID` add and remove a group; at end of input
/// (this process has ended) it kills the groups left. Its own process group keeps it
/// out of the terminal's Ctrl-C, so it outlives this process long enough to do so.
const WATCHDOG_SCRIPT: &str = r#"groups=""
while read -r line; do
  case "$line" in
    +*) groups="$groups ${line#+}" ;;
    -*) kept=""; for g in $groups; do [ "$g" = "${line#-}" ] || kept="$kept $g"; done; groups=$kept ;;
  esac
done
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
"#;

impl LiveGroups {
    pub(super) fn insert(&mut self, pgid: i32) {
        self.groups.insert(pgid);
        self.tell_watchdog(&format!("+{pgid}\n"));
    }

    pub(super) fn remove(&mut self, pgid: i32) {
        self.groups.remove(&pgid);
        self.tell_watchdog(&format!("-{pgid}\n"));
    }

    /// Starts the watchdog if none runs yet. Without one (no `/bin/sh`), children are
    /// still killed on every death but SIGKILL.
    pub(super) fn ensure_watchdog(&mut self) {
        if self.watchdog.is_none() {
            self.watchdog = start_watchdog().ok();
        }
    }

    fn tell_watchdog(&mut self, line: &str) {
        use std::io::Write;
        // One short write is atomic on a pipe; a watchdog that died is simply not told.
        if let Some(pipe) = &mut self.watchdog
            && pipe.write_all(line.as_bytes()).is_err()
        {
            self.watchdog = None;
        }
    }
}

/// In a child between fork and exec: tells the watchdog `+<own pid>` (the pid is the
/// group, set before this runs), so a harness killed before it has registered the child
/// itself still leaves no orphan. Allocates nothing.
pub(super) fn announce_self(fd: std::os::fd::RawFd) {
    // SAFETY: getpid has no preconditions.
    let mut pid = unsafe { libc::getpid() } as u32;
    let mut buf = [0u8; 16];
    let mut at = buf.len() - 1;
    buf[at] = b'\n';
    loop {
        at -= 1;
        buf[at] = b'0' + (pid % 10) as u8;
        pid /= 10;
        if pid == 0 {
            break;
        }
    }
    at -= 1;
    buf[at] = b'+';
    // SAFETY: writing initialised bytes from a live buffer; a failed write only means the
    // watchdog is gone, and the parent tells it again after spawn.
    unsafe {
        libc::write(fd, buf[at..].as_ptr().cast(), buf.len() - at);
    }
}

fn start_watchdog() -> std::io::Result<std::io::PipeWriter> {
    let (reader, writer) = std::io::pipe()?;
    Command::new("/bin/sh")
        .args(["-c", WATCHDOG_SCRIPT])
        .stdin(reader)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    Ok(writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watchdog_kills_listed_groups_when_its_pipe_closes() {
        use std::io::Write;
        let mut pipe = start_watchdog().unwrap();
        let spawn_sleep = || {
            Command::new("sleep")
                .arg("60")
                .process_group(0)
                .spawn()
                .unwrap()
        };
        let (mut listed, mut removed) = (spawn_sleep(), spawn_sleep());
        write!(
            pipe,
            "+{}\n+{}\n-{}\n",
            listed.id(),
            removed.id(),
            removed.id()
        )
        .unwrap();
        drop(pipe);
        // Only the group still listed at the end is killed.
        let status = listed.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL)
        );
        assert!(
            removed.try_wait().unwrap().is_none(),
            "an unlisted group was killed"
        );
        removed.kill().unwrap();
        removed.wait().unwrap();
    }
}
