//! Logs: the one `tracing` subscriber of the process, set up once the configuration is loaded,
//! and the two settings that shape it (`log`, `log_format`).
//!
//! Log lines go to standard error, as text or JSON; standard output stays the commands' own
//! output. The libraries emit events and spans carrying ids only, never contact data or secrets.

use std::fmt;

use anyhow::Result;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::{ConfigError, Origin};

/// The levels a filter may name on their own.
const LEVELS: &[&str] = &["off", "error", "warn", "info", "debug", "trace"];

/// A checked `tracing` filter: a level (`info`) or directives (`warn,atende::request=debug`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogFilter(String);

impl Default for LogFilter {
    fn default() -> Self {
        LogFilter("info".to_owned())
    }
}

impl fmt::Display for LogFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl LogFilter {
    /// Checks a filter written for `log`; the error names the value and how to write one.
    pub fn parse(value: &str, origin: impl FnOnce() -> Origin) -> Result<LogFilter, ConfigError> {
        let invalid = |why: String| ConfigError::Invalid {
            origin: origin(),
            key: "log",
            message: format!(
                "`{value}` is not a log filter ({why}): write a level ({}) or directives such as \"info,atende::request=debug\"",
                LEVELS.join(", ")
            ),
        };
        if value.trim().is_empty() {
            return Err(invalid("it is empty".to_owned()));
        }
        // A bare word is a target at every level for `tracing`: here it must be a level, so
        // that a misspelt level is refused rather than silencing the logs.
        if let Some(word) = value.split(',').map(str::trim).find(|d| {
            !d.is_empty()
                && !d.contains(['=', ':', '['])
                && !LEVELS.contains(&d.to_ascii_lowercase().as_str())
        }) {
            return Err(invalid(format!("`{word}` is not a level")));
        }
        EnvFilter::builder()
            .parse(value)
            .map_err(|e| invalid(e.to_string()))?;
        Ok(LogFilter(value.to_owned()))
    }

    fn env_filter(&self) -> EnvFilter {
        // Checked by `parse`.
        EnvFilter::builder().parse_lossy(&self.0)
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Text,
    /// One JSON object per line, with the event's spans and their fields.
    Json,
}

impl LogFormat {
    /// Reads `text` or `json`; the error names the value.
    pub fn parse(value: &str, origin: impl FnOnce() -> Origin) -> Result<LogFormat, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(ConfigError::Invalid {
                origin: origin(),
                key: "log_format",
                message: format!("`{value}` is not a log format: write text or json"),
            }),
        }
    }
}

/// The subscriber for `filter` and `format`, writing to `writer`.
fn subscriber<W>(
    filter: &LogFilter,
    format: LogFormat,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter.env_filter())
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(builder.json().finish()),
    }
}

/// Sets up the process's one subscriber, writing to standard error.
pub fn init(filter: &LogFilter, format: LogFormat) -> Result<()> {
    tracing::subscriber::set_global_default(subscriber(filter, format, std::io::stderr))
        .map_err(|e| anyhow::anyhow!("setting up the logs: {e}"))
}

#[cfg(test)]
#[path = "logging_tests.rs"]
mod tests;
