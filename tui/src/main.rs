//! The `serlab` executable.

fn main() {
    std::process::exit(serlab::cli::main(std::env::args_os()));
}
