//! The allocator of the db-benchmark examples (group-by, join, sort): mimalloc, as
//! polars advises its users, told to keep the pages it frees rather than hand them
//! back to the kernel after 10 ms. Each partition parses into fresh columns of tens of
//! megabytes; handed back, every one is faulted in and zeroed again (a tenth of the
//! group-by's profile on 2 cores). Shared with `#[path = "common/alloc.rs"] mod alloc;`.
//! An allocator is the program's choice, not the library's: chunkwise sets none.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mimalloc.h` (libmimalloc-sys names no
/// constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed pages for reuse (`MIMALLOC_PURGE_DELAY=-1`) unless the environment
/// says otherwise.
pub fn keep_freed_pages() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an option mimalloc reads on each purge; no memory is touched.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
    }
}
