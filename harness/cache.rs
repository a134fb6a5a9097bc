//! Content-addressed cache entries shared by threads and processes.
//!
//! An entry is a directory `<root>/<key>/` guarded by the lock file `<root>/<key>.lock`.
//! It counts as present only once its completion marker has been written, so an entry
//! left half-made by a crash or a kill is removed and made again.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// The file whose presence marks a finished entry.
pub(crate) const COMPLETE_MARKER: &str = ".astro-conform-complete";

/// A hex digest of everything that goes into a cache key.
#[derive(Default)]
pub struct KeyHasher(blake3::Hasher);

impl KeyHasher {
    /// Adds a labelled piece of input; labels keep pieces from running into each other.
    pub fn add(&mut self, label: &str, bytes: &[u8]) -> &mut Self {
        self.0.update(&(label.len() as u64).to_le_bytes());
        self.0.update(label.as_bytes());
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// The first 16 hex digits of the digest: short enough for paths, long enough here.
    pub fn finish(&self) -> String {
        self.0.finalize().to_hex()[..16].to_string()
    }
}

/// An exclusive lock on a cache entry, released on drop.
pub struct EntryLock {
    _file: File,
    /// The entry's directory.
    pub dir: PathBuf,
}

impl EntryLock {
    /// Blocks until this thread holds the entry `<root>/<key>`.
    pub fn acquire(root: &Path, key: &str) -> io::Result<Self> {
        fs::create_dir_all(root)?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(format!("{key}.lock")))?;
        file.lock()?;
        Ok(Self {
            _file: file,
            dir: root.join(key),
        })
    }

    /// True when the entry was finished by an earlier holder.
    pub fn is_complete(&self) -> bool {
        self.dir.join(COMPLETE_MARKER).is_file()
    }

    /// Removes whatever a failed or killed holder left, and creates the empty directory.
    pub fn reset(&self) -> io::Result<()> {
        if self.dir.exists() {
            fs::remove_dir_all(&self.dir)?;
        }
        fs::create_dir_all(&self.dir)
    }

    /// Marks the entry finished; call last.
    pub fn mark_complete(&self) -> io::Result<()> {
        fs::write(self.dir.join(COMPLETE_MARKER), b"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_labels_and_bytes() {
        let a = KeyHasher::default().add("a", b"bc").finish();
        let b = KeyHasher::default().add("ab", b"c").finish();
        assert_ne!(a, b);
        assert_eq!(a, KeyHasher::default().add("a", b"bc").finish());
    }

    #[test]
    fn an_unfinished_entry_is_not_complete_and_reset_clears_it() {
        let root = tempfile::tempdir().unwrap();
        let lock = EntryLock::acquire(root.path(), "k").unwrap();
        fs::create_dir_all(lock.dir.join("half")).unwrap();
        assert!(!lock.is_complete());
        lock.reset().unwrap();
        assert!(!lock.dir.join("half").exists());
        lock.mark_complete().unwrap();
        assert!(lock.is_complete());
    }

    #[test]
    fn the_lock_excludes_other_holders() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().to_path_buf();
        let first = EntryLock::acquire(&path, "k").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            let _second = EntryLock::acquire(&path, "k").unwrap();
            tx.send(()).unwrap();
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err()
        );
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        t.join().unwrap();
    }
}
