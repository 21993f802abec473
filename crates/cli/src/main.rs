//! `reconnect`: see `reconnect --help`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    reconnect::commands::main(reconnect::commands::Cli::parse())
}
