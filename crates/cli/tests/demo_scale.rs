//! `reconnect demo --scale` from the command line: an unknown scale name is a
//! usage error naming the scales, a database that holds data is refused
//! without `--force` and cleared with it, and the scale cannot be mixed with
//! the rich demo's `--people-per-site`.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_reconnect");

struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("reconnect-cli-scale-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    /// Runs the binary; (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/db/reconnect.db", self.dir.display()),
            )
            .env("RECONNECT_LOG", "warn")
            .output()
            .unwrap();
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

#[test]
fn an_unknown_scale_is_a_usage_error_naming_the_scales() {
    let s = Scratch::new("unknown");
    let (code, _, err) = s.run(&["demo", "--scale", "galaxy"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid value 'galaxy'"), "{err}");
    for name in ["site", "region", "national", "national10"] {
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn the_scale_does_not_mix_with_people_per_site() {
    let s = Scratch::new("mix");
    let (code, _, err) = s.run(&["demo", "--scale", "site", "--people-per-site", "3"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn a_database_with_data_is_refused_unless_forced_and_then_cleared() {
    let s = Scratch::new("force");
    let (code, out, err) = s.run(&["demo", "--scale", "site", "--seed", "4"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("400 people"), "{out}");
    assert!(
        out.contains("worker1.site001@scale.reconnect.test"),
        "{out}"
    );

    let (code, _, err) = s.run(&["demo", "--scale", "site"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already holds data"), "{err}");
    assert!(err.contains("--force"), "{err}");
    // The rich demo refuses the same way.
    let (code, _, err) = s.run(&["demo"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already holds data"), "{err}");

    let (code, out, err) = s.run(&["demo", "--scale", "site", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Cleared the database"), "{err}");
    assert!(out.contains("400 people"), "{out}");
    // Cleared, not added to: the same 400 people, and the rich demo can
    // replace the scale data with --force too.
    let (code, out, err) = s.run(&["demo", "--force", "--people-per-site", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("6 people"), "{out}");
}
