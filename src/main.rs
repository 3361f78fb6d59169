//! The `vsesim` binary: parse the command line, run it, map errors to exit codes
//! (0 done, 1 simulation or I/O failure, 2 bad input, 3 the verdict exceeds with
//! `--fail-on exceeds`).

use clap::Parser;

fn main() {
    // Rust ignores SIGPIPE, so printing to a closed pipe (`vsesim run | head`) panics. Output
    // files are written before anything is printed, so ending at once, as Unix tools do, loses
    // nothing.
    #[cfg(unix)]
    // SAFETY: called first, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = vsesim::cli::Cli::parse();
    if let Err(e) = vsesim::cli::main(cli) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
