//! The `serlab` executable.

fn main() {
    // Before any thread starts, so every thread allocates from the tuned arena.
    serlab_engine::allocator::keep_freed_memory();
    std::process::exit(serlab::cli::main(std::env::args_os()));
}
