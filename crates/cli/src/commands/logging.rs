//! Logging to standard error with tracing: human-readable text, or one JSON
//! object per line for log collectors. Standard output is left for what a
//! command reports.

use crate::config::{Config, LogFormat};
use anyhow::anyhow;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Starts logging as configured (`log` is an `EnvFilter` directive).
pub fn init(config: &Config) -> anyhow::Result<()> {
    let filter = EnvFilter::builder()
        .parse(&config.log)
        .map_err(|e| anyhow!("RECONNECT_LOG: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let started = match config.log_format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
    started.map_err(|e| anyhow!("cannot start logging: {e}"))
}
