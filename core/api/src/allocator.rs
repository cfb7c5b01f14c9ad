//! Keep freed buffers in the process instead of handing them back to the kernel.
//!
//! Training allocates and frees the same large buffers every batch (activations, saved
//! gates, gradients, im2col matrices: megabytes each). With glibc's defaults, every batch
//! unmapped them and the next one page-faulted them back in, zero-filled: blocks above a
//! (dynamic) threshold are served by `mmap`, the heap top is trimmed after frees, and a
//! worker thread allocates from its own arena, whose heaps are at most 64 MiB and are
//! released as soon as they empty. On the training benchmark
//! (`plugins/neural/examples/nn_epoch.rs`, one thread) the LSTM epoch took 0.78–0.87 s
//! with glibc's defaults and 0.45–0.52 s with the settings below (page faults 504 000 →
//! 18 000); the CNN epoch kept its speed (2.8–3.1 s) with a sixth of the page faults.
//!
//! [`keep_freed_memory`] sets, once per process: one arena for all threads
//! (`M_ARENA_MAX`), the largest mmap threshold glibc accepts (32 MiB) and a trim threshold
//! of 256 MiB. The cost is that up to 256 MiB of freed memory stays mapped while the
//! process lives, and threads share one allocator lock (the hot loops allocate per batch,
//! not per value). `serlab` calls it at start-up, before any thread exists, and the
//! neural training loop calls it again (a no-op then) so library users get it too. It
//! does nothing when the user tunes glibc through its `MALLOC_*_` variables, on other C
//! libraries and on other systems.

/// glibc's environment variables for the same settings; if any is set, the user decides.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const USER_TUNING: [&str; 4] = [
    "MALLOC_ARENA_MAX",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_TOP_PAD_",
];

/// Tune glibc's allocator for large, short-lived buffers (once per process; see the
/// module docs).
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            if USER_TUNING.iter().any(|v| std::env::var_os(v).is_some()) {
                return;
            }
            // SAFETY: `mallopt` only sets allocator parameters; each value is in the range
            // glibc documents, and a rejected one leaves that default in place.
            unsafe {
                libc::mallopt(libc::M_ARENA_MAX, 1);
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
            }
        });
    }
}
