//! Pinning to CPU cores, so a server and the load generator driving it do not share one.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// The cores this process may run on, in order.
pub(crate) fn allowed() -> Vec<usize> {
    // SAFETY: `set` is a plain bit set owned by this frame; the call only writes into it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
            .collect()
    }
}

/// Where a server and its load generator go: different cores when there are two or more,
/// nowhere in particular otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The server's core (its children inherit it).
    pub server: Option<usize>,
    /// The load generator's core.
    pub client: Option<usize>,
}

impl Placement {
    /// The first allowed core for the server, the last for the client.
    pub fn split() -> Self {
        match allowed().as_slice() {
            [first, .., last] => Self {
                server: Some(*first),
                client: Some(*last),
            },
            _ => Self {
                server: None,
                client: None,
            },
        }
    }
}

fn set_for(pid: libc::pid_t, cpu: usize) -> std::io::Result<()> {
    // SAFETY: as in `allowed`; `cpu` is checked against the set's size first.
    unsafe {
        if cpu >= libc::CPU_SETSIZE as usize {
            return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
        }
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Pins the calling thread to `cpu`.
pub fn pin_current_thread(cpu: usize) -> std::io::Result<()> {
    set_for(0, cpu)
}

/// Makes `cmd`'s process (and every thread and child it starts) run on `cpu` only.
pub(crate) fn pin_command(cmd: &mut Command, cpu: usize) {
    // SAFETY: the closure runs between fork and exec and only makes one system call.
    unsafe {
        cmd.pre_exec(move || set_for(0, cpu));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_thread_runs_on_its_core_only() {
        let first = allowed()[0];
        std::thread::spawn(move || {
            pin_current_thread(first).unwrap();
            assert_eq!(allowed(), vec![first]);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_core_out_of_range_is_an_error() {
        assert!(pin_current_thread(1 << 20).is_err());
    }
}
