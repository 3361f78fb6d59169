//! The `vsesim` binary: parse the command line, run it, map errors to exit codes
//! (0 done, 1 simulation or I/O failure, 2 bad input).

use clap::Parser;

fn main() {
    let cli = vsesim::cli::Cli::parse();
    if let Err(e) = vsesim::cli::main(cli) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
