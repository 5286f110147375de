//! Results written to disk under the memory budget (zstd), read back on demand, and
//! removed with their directory when the compute ends.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tempfile::TempDir;

use crate::encode::Codec;
use crate::graph::Value;
use crate::{Error, Result};

const PREFIX: &str = "chunkwise-spill-";

/// Removes the spill directories in `parent` of runs whose process is gone (killed: a
/// run that ends removes its own), once per directory per process.
fn remove_stale(parent: &Path) {
    static CLEANED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
    if !CLEANED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(parent.to_path_buf())
    {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        // `chunkwise-spill-{host}-{pid}-{random}`
        let gone = name
            .strip_prefix(PREFIX)
            .and_then(|r| r.rsplit_once('-'))
            .is_some_and(|(owner, _)| crate::io::owner_gone(owner));
        if gone {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

pub(crate) struct Spill {
    parent: Option<PathBuf>,
    dir: Mutex<Option<Arc<TempDir>>>,
}

/// A run's output left on disk (`RunOptions::outputs_may_stay_spilled`): the file, how
/// to decode it, and its directory, kept while this lives.
pub(crate) struct SpilledOutput {
    path: PathBuf,
    codec: Codec,
    _dir: Arc<TempDir>,
}

impl SpilledOutput {
    /// The value, read back.
    pub(crate) fn load(&self) -> Result<Value> {
        Spill::read(&self.path, &self.codec)
    }
}

impl Spill {
    pub(crate) fn new(parent: Option<&Path>) -> Self {
        Spill {
            parent: parent.map(Path::to_path_buf),
            dir: Mutex::new(None),
        }
    }

    fn path(&self, id: u32) -> Result<PathBuf> {
        let mut dir = self.dir.lock().unwrap_or_else(|e| e.into_inner());
        if dir.is_none() {
            let parent = self.parent.clone().unwrap_or_else(std::env::temp_dir);
            remove_stale(&parent);
            let d = tempfile::Builder::new()
                .prefix(&format!("{PREFIX}{}-", crate::io::owner()))
                .tempdir_in(&parent)
                .map_err(|e| Error::io(&parent, e))?;
            *dir = Some(Arc::new(d));
        }
        Ok(dir
            .as_ref()
            .expect("created above")
            .path()
            .join(format!("{id}.zst")))
    }

    pub(crate) fn write(&self, id: u32, value: &Value, codec: &Codec) -> Result<PathBuf> {
        let path = self.path(id)?;
        let io = |e| Error::io(&path, e);
        let file = File::create(&path).map_err(io)?;
        let mut enc = zstd::Encoder::new(BufWriter::new(file), codec.spill_level).map_err(io)?;
        (codec.encode)(value, &mut enc).map_err(io)?;
        enc.finish().map_err(io)?.flush().map_err(io)?;
        Ok(path)
    }

    /// A spilled result handed out of the run, keeping the directory alive.
    pub(crate) fn keep(&self, path: PathBuf, codec: Codec) -> Option<SpilledOutput> {
        let dir = self.dir.lock().unwrap_or_else(|e| e.into_inner());
        Some(SpilledOutput {
            path,
            codec,
            _dir: Arc::clone(dir.as_ref()?),
        })
    }

    pub(crate) fn read(path: &Path, codec: &Codec) -> Result<Value> {
        let io = |e| Error::io(path, e);
        let file = File::open(path).map_err(io)?;
        let mut dec = zstd::Decoder::with_buffer(BufReader::new(file)).map_err(io)?;
        (codec.decode)(&mut dec).map_err(io)
    }
}
