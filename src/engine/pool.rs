//! One rayon pool per worker count, built once and reused by every compute.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::{Error, Result};

static POOLS: Mutex<BTreeMap<usize, Arc<ThreadPool>>> = Mutex::new(BTreeMap::new());

pub(crate) fn pool(workers: usize) -> Result<Arc<ThreadPool>> {
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&workers) {
        return Ok(Arc::clone(p));
    }
    let p = Arc::new(
        ThreadPoolBuilder::new()
            .num_threads(workers)
            .thread_name(|i| format!("chunkwise-{i}"))
            .build()
            .map_err(|e| Error::external(format!("cannot start {workers} threads"), e))?,
    );
    pools.insert(workers, Arc::clone(&p));
    Ok(p)
}
