//! Outputs that appear whole or not at all: a directory or file is written under a hidden
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
    /// Staged by several processes together (one name agreed by all).
    shared: bool,
}

fn hidden(dest: &Path, what: &str) -> Result<PathBuf> {
    let name = dest
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} names no file or directory", dest.display())))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // A clock can repeat: the count makes two names of one process differ anyway.
    static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(dest.with_file_name(format!(
        ".{}.{what}-{}-{nanos}_{n}",
        name.to_string_lossy(),
        owner()
    )))
}

/// This machine's name: a process id means something only on its own machine (an
/// output on a shared file system may be written from several).
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// `HOST-PID` of this process: in the names of what it may leave behind if killed.
pub(crate) fn owner() -> String {
    format!("{}-{}", host(), std::process::id())
}

/// How the processes that write parts of one output agree on where it is staged: one
/// of them runs `prepare` and every one gets its answer (the staging path, or the
/// error), at the same point of each one's program. Given by the caller, which knows
/// who writes (the cluster); `None` where this process writes alone.
pub(crate) type Agree<'a> = &'a dyn Fn(&dyn Fn() -> Result<PathBuf>) -> Result<PathBuf>;

/// Makes `dest`'s parents, cleans up what killed writers left beside it, checks that
/// an existing `dest` may be replaced, and names a fresh staging path.
fn prepare(dest: &Path, replaces: &Replaces) -> Result<PathBuf> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    // Before the check: an output put back is checked like any other.
    recover(dest)?;
    replaces.check(dest)?;
    hidden(dest, "writing")
}

/// [`prepare`] in this process, or through `agree` by the processes writing together.
fn staging_name(dest: &Path, replaces: &Replaces, agree: Option<Agree>) -> Result<PathBuf> {
    match agree {
        Some(agree) => agree(&|| prepare(dest, replaces)),
        None => prepare(dest, replaces),
    }
}

/// Whether `HOST-PID` names a process of this machine that no longer runs (known only
/// where `/proc` is; elsewhere nothing is taken for gone).
pub(crate) fn owner_gone(tag: &str) -> bool {
    let Some((h, pid)) = tag.rsplit_once('-') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    h == host()
        && pid != std::process::id()
        && Path::new("/proc/self").exists()
        && !Path::new(&format!("/proc/{pid}")).exists()
}

/// What writers killed mid-write left beside `dest`: `(path, "writing" | "old")`,
/// for writers whose process is gone (by the process id in the name).
fn leftovers(dest: &Path) -> Vec<(PathBuf, &'static str)> {
    let (Some(parent), Some(name)) = (dest.parent(), dest.file_name()) else {
        return Vec::new();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let mut out = Vec::new();
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        for kind in ["writing", "old"] {
            // `{kind}-{host}-{pid}-{nanos}`, the host possibly holding dashes.
            let owner = rest
                .strip_prefix(kind)
                .and_then(|r| r.strip_prefix('-'))
                .and_then(|r| r.rsplit_once('-'))
                .map(|(owner, _nanos)| owner);
            if owner.is_some_and(owner_gone) {
                out.push((e.path(), kind));
            }
        }
    }
    out
}

/// The previous output a writer killed between its two moves left beside `dest`, if
/// `dest` is missing because of that (for readers' errors).
#[cfg_attr(not(feature = "zarr"), allow(dead_code))]
pub(crate) fn interrupted(dest: &Path) -> Option<PathBuf> {
    if dest.exists() {
        return None;
    }
    leftovers(dest)
        .into_iter()
        .find(|(_, k)| *k == "old")
        .map(|(p, _)| p)
}

/// Cleans up after writers killed mid-write: a half-written directory is removed; a
/// previous output moved aside by a writer killed before it moved the new one in is
/// put back when nothing took its place (else removed).
pub(crate) fn recover(dest: &Path) -> Result<()> {
    for (path, kind) in leftovers(dest) {
        let done = if kind == "old" && !dest.exists() {
            std::fs::rename(&path, dest)
        } else if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match done {
            // Another process cleaning up the same leftovers got there first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            r => r.map_err(|e| Error::io(&path, e))?,
        }
    }
    Ok(())
}

/// What an existing destination must look like to be replaced: a writer never
/// replaces what it did not write (a typo'd path must not cost a home directory).
#[derive(Clone, Debug)]
pub(crate) enum Replaces {
    /// A file (not a directory).
    File,
    /// A directory that is empty or holds one of these names (a store's metadata).
    DirWith(&'static [&'static str]),
    /// A directory whose every entry's name starts with one of these prefixes.
    DirOf(&'static [&'static str]),
    /// A directory whose every entry's name has this prefix and suffix (the parts a
    /// pattern such as `part-*.txt.gz` names).
    DirMatching(String, String),
}

impl Replaces {
    fn check(&self, dest: &Path) -> Result<()> {
        if !dest.exists() {
            return Ok(());
        }
        let refuse = |why: String| {
            Err(Error::invalid(format!(
                "refusing to replace {}: {why}; remove it or write elsewhere",
                dest.display()
            )))
        };
        let names = || -> Result<Vec<String>> {
            Ok(std::fs::read_dir(dest)
                .map_err(|e| Error::io(dest, e))?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect())
        };
        match self {
            Replaces::File if dest.is_dir() => refuse("it is a directory".into()),
            Replaces::File => Ok(()),
            _ if !dest.is_dir() => refuse("it is not a directory".into()),
            Replaces::DirWith(marks) => {
                let n = names()?;
                if n.is_empty() || marks.iter().any(|m| n.iter().any(|x| x == m)) {
                    Ok(())
                } else {
                    refuse(format!(
                        "it is not an output of this kind (none of {marks:?} in it)"
                    ))
                }
            }
            Replaces::DirOf(prefixes) => match names()?
                .into_iter()
                .find(|x| !prefixes.iter().any(|p| x.starts_with(p)))
            {
                Some(other) => refuse(format!(
                    "it holds {other:?}, which this writer did not write"
                )),
                None => Ok(()),
            },
            Replaces::DirMatching(prefix, suffix) => match names()?
                .into_iter()
                .find(|x| !(x.starts_with(prefix.as_str()) && x.ends_with(suffix.as_str())))
            {
                Some(other) => refuse(format!(
                    "it holds {other:?}, which does not match {prefix}*{suffix}"
                )),
                None => Ok(()),
            },
        }
    }
}

impl StagedDir {
    /// A fresh temporary directory beside `dest` (its parents made), after
    /// cleaning up what killed writers left there ([`recover`]); an existing `dest`
    /// must be what `replaces` allows.
    pub(crate) fn new(dest: &Path, replaces: Replaces) -> Result<StagedDir> {
        Self::new_with(dest, replaces, None)
    }

    /// As [`new`](Self::new), staged by several processes together where `agree` is
    /// given (every MPI rank writing parts of the output): all stage it in one
    /// directory, the name one of them chose; the write's last task, in one process,
    /// commits it.
    pub(crate) fn new_with(
        dest: &Path,
        replaces: Replaces,
        agree: Option<Agree>,
    ) -> Result<StagedDir> {
        let s = Self::file_with(dest, replaces, agree)?;
        if s.shared {
            // Every writer makes the one directory; a fresh name holds nothing yet.
            std::fs::create_dir_all(&s.tmp)
        } else {
            std::fs::create_dir(&s.tmp)
        }
        .map_err(|e| Error::io(&s.tmp, e))?;
        Ok(s)
    }

    /// As [`new`](Self::new) for a single file: the writer creates it at
    /// [`path`](Self::path).
    pub(crate) fn file(dest: &Path, replaces: Replaces) -> Result<StagedDir> {
        Self::file_with(dest, replaces, None)
    }

    /// As [`new_with`](Self::new_with) for a single file.
    pub(crate) fn file_with(
        dest: &Path,
        replaces: Replaces,
        agree: Option<Agree>,
    ) -> Result<StagedDir> {
        Ok(StagedDir {
            tmp: staging_name(dest, &replaces, agree)?,
            dest: dest.to_path_buf(),
            shared: agree.is_some(),
        })
    }

    /// Whether several processes stage this output together.
    pub(crate) fn shared(&self) -> bool {
        self.shared
    }

    /// Where to write.
    pub(crate) fn path(&self) -> &Path {
        &self.tmp
    }

    /// Commits a directory of parts written at `parts` (paths in [`path`](Self::path))
    /// and returns where they are now.
    pub(crate) fn commit_parts(&self, parts: &[PathBuf]) -> Result<Vec<PathBuf>> {
        // A part written anywhere else (another rank's staging) is not committed as
        // if it were here.
        if let Some(gone) = parts
            .iter()
            .find(|p| p.parent() != Some(self.tmp.as_path()) || !p.is_file())
        {
            return Err(Error::invalid(format!(
                "{}: part {} is not in the staged output {}; nothing committed",
                self.dest.display(),
                gone.display(),
                self.tmp.display()
            )));
        }
        self.commit()?;
        Ok(parts
            .iter()
            .map(|p| self.dest.join(p.file_name().unwrap_or_default()))
            .collect())
    }

    /// Moves what was written to the destination. An existing destination is first
    /// moved aside and removed after, so the destination holds either the old output
    /// or the new one; a process killed between the two moves leaves no destination
    /// (an error to readers naming where the old one is, restored by the next write),
    /// never a mix.
    pub(crate) fn commit(&self) -> Result<()> {
        if !self.tmp.exists() {
            return Err(Error::invalid(format!(
                "{}: nothing was written to commit (was it committed already?)",
                self.dest.display()
            )));
        }
        let old = if self.dest.exists() {
            let old = hidden(&self.dest, "old")?;
            std::fs::rename(&self.dest, &old).map_err(|e| Error::io(&self.dest, e))?;
            Some(old)
        } else {
            None
        };
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| Error::io(&self.dest, e))?;
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
        if self.shared {
            // Another writer may still be building into it (writing a store's
            // metadata): removed once every writer is known to be past that point.
            if self.tmp.exists() {
                ABANDONED
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(self.tmp.clone());
            }
            return;
        }
        remove(&self.tmp);
    }
}

/// Shared staging paths dropped uncommitted, for [`remove_abandoned`].
static ABANDONED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Whatever was written and not committed (nothing if it is gone already).
fn remove(tmp: &Path) {
    let _ = if tmp.is_dir() {
        std::fs::remove_dir_all(tmp)
    } else {
        std::fs::remove_file(tmp)
    };
}

/// Removes the shared staging paths this process dropped uncommitted. The caller
/// knows that every process sharing them is past building them (under MPI: at the
/// collective that starts the next compute, which every rank reaches only after
/// building, and dropping, the same writes).
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub(crate) fn remove_abandoned() {
    let gone = std::mem::take(&mut *ABANDONED.lock().unwrap_or_else(|e| e.into_inner()));
    for tmp in gone {
        remove(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_of_dead_writers_are_cleaned_and_the_old_output_restored() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        // pid 0 is never a writer's: both count as left by a dead process.
        let h = host();
        let old = dir.path().join(format!(".out.old-{h}-0-1"));
        let half = dir.path().join(format!(".out.writing-{h}-0-2"));
        std::fs::create_dir(&old).unwrap();
        std::fs::write(old.join("a"), "previous").unwrap();
        std::fs::create_dir(&half).unwrap();
        // A writer of another output is left alone.
        let other = dir.path().join(format!(".outer.writing-{h}-0-3"));
        std::fs::create_dir(&other).unwrap();
        // Another machine's writer (its process id means nothing here) is left too.
        let remote = dir.path().join(".out.writing-elsewhere-0-4");
        std::fs::create_dir(&remote).unwrap();
        assert_eq!(interrupted(&dest), Some(old.clone()));
        recover(&dest).unwrap();
        assert!(remote.exists());
        assert_eq!(std::fs::read_to_string(dest.join("a")).unwrap(), "previous");
        assert!(!half.exists() && !old.exists() && other.exists());
    }

    /// Parts reported written but not in the staged directory (another rank's, say)
    /// stop the commit: nothing is moved, the old output stays.
    #[test]
    fn a_shared_output_dropped_uncommitted_waits_for_every_writer() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        // Writers that agree by running the preparation here (as rank 0 does).
        let agree: Agree = &|prepare| prepare();
        let alone = StagedDir::new(&dest, Replaces::DirOf(&["part-"])).unwrap();
        let alone_tmp = alone.path().to_path_buf();
        drop(alone);
        assert!(
            !alone_tmp.exists(),
            "this process's own is removed when dropped"
        );
        let shared = StagedDir::new_with(&dest, Replaces::DirOf(&["part-"]), Some(agree)).unwrap();
        let tmp = shared.path().to_path_buf();
        std::fs::write(tmp.join("part-0"), b"x").unwrap();
        drop(shared);
        // Another writer may still be writing into it.
        assert!(tmp.join("part-0").exists());
        remove_abandoned();
        assert!(!tmp.exists());
        assert!(!dest.exists());
    }

    #[test]
    fn parts_missing_from_the_staged_directory_commit_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        std::fs::create_dir(&dest).unwrap();
        std::fs::write(dest.join("part-0"), "old").unwrap();
        let s = StagedDir::new(&dest, Replaces::DirOf(&["part-"])).unwrap();
        let here = s.path().join("part-0");
        std::fs::write(&here, "new").unwrap();
        let elsewhere = dir.path().join("other").join("part-1");
        let e = s
            .commit_parts(&[here.clone(), elsewhere])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("part-1") && e.contains("nothing committed"),
            "{e}"
        );
        let never = s.path().join("part-2");
        assert!(s.commit_parts(&[here.clone(), never]).is_err());
        assert_eq!(std::fs::read_to_string(dest.join("part-0")).unwrap(), "old");
        let got = s.commit_parts(std::slice::from_ref(&here)).unwrap();
        assert_eq!(got, vec![dest.join("part-0")]);
        assert_eq!(std::fs::read_to_string(dest.join("part-0")).unwrap(), "new");
    }

    #[test]
    fn replaces_whole_or_leaves_the_old() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        std::fs::create_dir(&dest).unwrap();
        for k in 0..3 {
            std::fs::write(dest.join(format!("stale{k}")), "old").unwrap();
        }
        // Dropped uncommitted: the old output stays, the temporary goes.
        let s = StagedDir::new(&dest, Replaces::DirOf(&["stale", "a"])).unwrap();
        std::fs::write(s.path().join("a"), "new").unwrap();
        drop(s);
        assert!(dest.join("stale0").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Committed: only the new files.
        let s = StagedDir::new(&dest, Replaces::DirOf(&["stale", "a"])).unwrap();
        std::fs::write(s.path().join("a"), "new").unwrap();
        s.commit().unwrap();
        assert!(s.commit().is_err(), "committed twice");
        let names: Vec<_> = std::fs::read_dir(&dest)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a")]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // What the writer did not write is never replaced.
        std::fs::write(dest.join("notes.txt"), "mine").unwrap();
        let e = StagedDir::new(&dest, Replaces::DirOf(&["a"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("refusing") && e.contains("notes.txt"), "{e}");
        let e = StagedDir::new(&dest, Replaces::DirWith(&["zarr.json"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("refusing"), "{e}");
        assert!(StagedDir::file(&dest, Replaces::File).is_err());
    }
}
