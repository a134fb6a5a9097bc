//! How much memory a server used: the peak resident set of its process group; and how
//! much a whole run used: the sampled peak of the harness and every process it started.
//! Read from `/proc` (Linux; `None` elsewhere).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Every process now, with its parent and its process group (from `/proc/<pid>/stat`).
fn processes() -> Option<Vec<Process>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The fields after the command name, which is in parentheses: state, ppid, pgrp.
        let fields: Vec<u32> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().skip(1).take(2))
            .into_iter()
            .flatten()
            .filter_map(|f| f.parse().ok())
            .collect();
        if let [parent, group] = fields[..] {
            out.push(Process { pid, parent, group });
        }
    }
    Some(out)
}

struct Process {
    pid: u32,
    parent: u32,
    group: u32,
}

/// Peak resident memory, in kB, of every process in the process group `pgid` (VmHWM
/// summed), or `None` when it cannot be read.
pub fn peak_rss_kb(pgid: u32) -> Option<u64> {
    processes()?
        .iter()
        .filter(|p| p.group == pgid)
        .filter_map(|p| status_kb(p.pid, "VmHWM:"))
        .reduce(|a, b| a + b)
}

/// A `/proc/<pid>/status` field in kB (`VmRSS`, `VmHWM`).
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let value = status.lines().find_map(|l| l.strip_prefix(field))?;
    value.trim().trim_end_matches("kB").trim().parse().ok()
}

/// Resident memory now, in kB, of process `root` and all its descendants (VmRSS summed).
pub fn tree_rss_kb(root: u32) -> Option<u64> {
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for p in processes()? {
        children.entry(p.parent).or_default().push(p.pid);
    }
    let mut total = status_kb(root, "VmRSS:")?;
    let mut todo = children.remove(&root).unwrap_or_default();
    while let Some(pid) = todo.pop() {
        total += status_kb(pid, "VmRSS:").unwrap_or(0);
        todo.extend(children.remove(&pid).unwrap_or_default());
    }
    Some(total)
}

/// Samples [`tree_rss_kb`] of this process twice a second until dropped or finished, and
/// keeps the peak.
pub struct PeakSampler {
    peak_kb: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl PeakSampler {
    /// Starts sampling.
    pub fn start() -> Self {
        let peak_kb = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (peak, done) = (peak_kb.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("memory-sampler".into())
            .spawn(move || {
                let me = std::process::id();
                while !done.load(Ordering::Relaxed) {
                    if let Some(kb) = tree_rss_kb(me) {
                        peak.fetch_max(kb, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            })
            .ok();
        Self {
            peak_kb,
            stop,
            thread,
        }
    }

    /// The highest sample so far, in kB (`None` before the first or where `/proc` is absent).
    pub fn peak_kb(&self) -> Option<u64> {
        Some(self.peak_kb.load(Ordering::Relaxed)).filter(|kb| *kb > 0)
    }
}

impl Drop for PeakSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_rss_of_this_process_group_is_read() {
        let pgid = unsafe { libc::getpgrp() } as u32;
        assert!(peak_rss_kb(pgid).unwrap() > 0);
    }

    #[test]
    fn a_grandchild_counts_in_the_tree() {
        // The shell waits for its sleep, so the sleep is the shell's child.
        let mut shell = std::process::Command::new("sh")
            .args(["-c", "sleep 2; true"])
            .spawn()
            .unwrap();
        let pid = shell.id();
        let mut counted = false;
        for _ in 0..100 {
            std::thread::sleep(Duration::from_millis(20));
            let (tree, own) = (tree_rss_kb(pid), status_kb(pid, "VmRSS:"));
            if tree.zip(own).is_some_and(|(t, o)| t > o) {
                counted = true;
                break;
            }
        }
        shell.kill().unwrap();
        shell.wait().unwrap();
        assert!(counted, "the sleep's memory was not counted with its shell");
        let sampler = PeakSampler::start();
        let sampled = (0..250).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            sampler.peak_kb().is_some()
        });
        assert!(sampled);
    }
}
