//! A progress bar for the load, on standard error: how many people of the
//! total are written, how many rows a second, and the time so far. On a
//! terminal it redraws one line; elsewhere (CI logs) it prints a line at each
//! tenth of the way.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    total: usize,
    done: usize,
    rows: u64,
    started: Instant,
    last_drawn: Instant,
    last_tenth: usize,
    terminal: bool,
}

const WIDTH: usize = 30;
const REDRAW: Duration = Duration::from_millis(200);

impl Progress {
    pub fn new(total: usize) -> Self {
        let now = Instant::now();
        Self {
            total,
            done: 0,
            rows: 0,
            started: now,
            last_drawn: now,
            last_tenth: 0,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// `people` more people are written, with `rows` rows in all so far.
    pub fn advance(&mut self, people: usize, rows: u64) {
        self.done += people;
        self.rows = rows;
        let tenth = self.done * 10 / self.total.max(1);
        if self.terminal {
            if self.last_drawn.elapsed() >= REDRAW || self.done >= self.total {
                self.last_drawn = Instant::now();
                eprint!("\r{}", self.line());
                let _ = std::io::stderr().flush();
            }
        } else if tenth > self.last_tenth {
            self.last_tenth = tenth;
            eprintln!("{}", self.line());
        }
    }

    /// Ends the bar's line.
    pub fn finish(&self) {
        if self.terminal {
            eprintln!("\r{}", self.line());
        }
    }

    fn line(&self) -> String {
        let filled = self.done * WIDTH / self.total.max(1);
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        format!(
            "[{}{}] {}/{} people, {} rows, {:.0} rows/s, {:.0}s",
            "#".repeat(filled.min(WIDTH)),
            "-".repeat(WIDTH - filled.min(WIDTH)),
            self.done,
            self.total,
            self.rows,
            self.rows as f64 / secs,
            secs
        )
    }
}
