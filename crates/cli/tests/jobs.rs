//! `reconnect jobs run-once` and `reconnect jobs list` on a throwaway SQLite
//! database: every due job runs, a second pass runs none of them again, and
//! a bad message-service setting is refused with exit code 2.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_reconnect");

struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("reconnect-cli-jobs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/db/reconnect.db", self.dir.display()),
            )
            .env("RECONNECT_LOG", "warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `(job, run)` pairs a run-once printed as run.
fn ran(stdout: &str) -> HashSet<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ran "))
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect()
}

#[test]
fn run_once_runs_each_due_job_once_and_list_shows_them() {
    let s = Scratch::new("run-once");
    let (code, _, err) = s.run(&["demo", "--people-per-site", "3"], &[]);
    assert_eq!(code, 0, "{err}");
    let (code, first, err) = s.run(&["jobs", "run-once"], &[]);
    assert_eq!(code, 0, "{first}{err}");
    let first_ran = ran(&first);
    assert!(
        first_ran.iter().any(|r| r.starts_with("outbox-delivery (")),
        "{first}"
    );
    let (code, second, err) = s.run(&["jobs", "run-once"], &[]);
    assert_eq!(code, 0, "{second}{err}");
    // Nothing that ran is run again (a new delivery slot may have begun).
    assert!(ran(&second).is_disjoint(&first_ran), "{first}\n{second}");

    let (code, list, err) = s.run(&["jobs", "list"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(list.contains("appointment-reminders"), "{list}");
    assert!(list.contains("daily at 10:00 UK time"), "{list}");
    assert!(list.contains("outbox-delivery"), "{list}");
    assert!(list.contains("Recent runs:"), "{list}");
    assert!(list.contains("done"), "{list}");
}

#[test]
fn a_bad_message_service_setting_is_refused() {
    let s = Scratch::new("bad-notify");
    let (code, out, err) = s.run(
        &["jobs", "run-once"],
        &[("RECONNECT_NOTIFY_URL", "https://api.example.org/")],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("RECONNECT_NOTIFY_URL"), "{err}");
    assert!(err.contains("must start with http://"), "{err}");
    // A URL without its key is refused too.
    let (code, out, err) = s.run(
        &["jobs", "run-once"],
        &[("RECONNECT_NOTIFY_URL", "http://127.0.0.1:9/")],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("RECONNECT_NOTIFY_KEY"), "{err}");
}
