//! Outputs that appear whole or not at all: a directory is written under a hidden
//! temporary name beside its destination and moved into place when complete, so a
//! reader never sees a half-written store under the destination's name.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A directory being written; [`commit`](Self::commit) moves it to its destination
/// (replacing what was there whole), dropping it uncommitted removes it.
#[derive(Debug)]
pub(crate) struct StagedDir {
    tmp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

fn hidden(dest: &Path, what: &str) -> Result<PathBuf> {
    let name = dest
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} names no file or directory", dest.display())))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    Ok(dest.with_file_name(format!(
        ".{}.{what}-{}-{nanos}",
        name.to_string_lossy(),
        std::process::id()
    )))
}

impl StagedDir {
    /// A fresh temporary directory beside `dest` (whose parent must exist).
    pub(crate) fn new(dest: &Path) -> Result<StagedDir> {
        let tmp = hidden(dest, "writing")?;
        std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(StagedDir {
            tmp,
            dest: dest.to_path_buf(),
            committed: false,
        })
    }

    /// Where to write.
    pub(crate) fn path(&self) -> &Path {
        &self.tmp
    }

    /// Moves the written directory to the destination. An existing destination is
    /// first moved aside and removed after, so the destination holds either the old
    /// output or the new one; a process killed between the two moves leaves no
    /// destination (an error to readers), never a mix.
    pub(crate) fn commit(mut self) -> Result<()> {
        let old = if self.dest.exists() {
            let old = hidden(&self.dest, "old")?;
            std::fs::rename(&self.dest, &old).map_err(|e| Error::io(&self.dest, e))?;
            Some(old)
        } else {
            None
        };
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| Error::io(&self.dest, e))?;
        self.committed = true;
        if let Some(old) = old {
            let removed = if old.is_dir() {
                std::fs::remove_dir_all(&old)
            } else {
                std::fs::remove_file(&old)
            };
            removed.map_err(|e| Error::io(&old, e))?;
        }
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_or_leaves_the_old() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        std::fs::create_dir(&dest).unwrap();
        for k in 0..3 {
            std::fs::write(dest.join(format!("stale{k}")), "old").unwrap();
        }
        // Dropped uncommitted: the old output stays, the temporary goes.
        let s = StagedDir::new(&dest).unwrap();
        std::fs::write(s.path().join("a"), "new").unwrap();
        drop(s);
        assert!(dest.join("stale0").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Committed: only the new files.
        let s = StagedDir::new(&dest).unwrap();
        std::fs::write(s.path().join("a"), "new").unwrap();
        s.commit().unwrap();
        let names: Vec<_> = std::fs::read_dir(&dest)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a")]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
