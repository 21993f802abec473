//! Runs the built `reconnect` binary against throwaway SQLite databases.
//!
//! Each test gets its own folder (the working directory, so no
//! `./reconnect.toml` is picked up) and a cleared environment, so settings
//! of the machine running the tests cannot leak in.

// Test helpers outside `#[test]` functions fail loudly by design.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_reconnect");
const GOOD_PASSWORD: &str = "glacier tundra moss lantern";

/// A scratch folder holding the database; removed when dropped.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "reconnect-cli-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    fn database_url(&self) -> String {
        format!("sqlite://{}/db/reconnect.db", self.dir.display())
    }

    fn database_file(&self) -> PathBuf {
        self.dir.join("db/reconnect.db")
    }

    /// The binary, with only the database set.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("DATABASE_URL", self.database_url())
            .env("RECONNECT_LOG", "warn");
        cmd
    }

    fn run(&self, args: &[&str]) -> Outcome {
        Outcome::from(self.command(args).output().unwrap())
    }

    fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Outcome::from(cmd.output().unwrap())
    }

    /// Runs with `stdin` piped in.
    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Outcome {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        // The command may refuse before reading; a closed pipe is fine then.
        let _ = input.write_all(stdin.as_bytes());
        drop(input);
        Outcome::from(child.wait_with_output().unwrap())
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Outcome {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Outcome {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    #[track_caller]
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    fn assert_mentions(&self, text: &str) -> &Self {
        assert!(
            self.all().contains(text),
            "expected {text:?} in\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    fn assert_not_mentions(&self, text: &str) -> &Self {
        assert!(
            !self.all().contains(text),
            "did not expect {text:?} in\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

// --- check-config ---------------------------------------------------------------

#[test]
fn check_config_names_a_bad_bind_and_exits_2() {
    let s = Scratch::new("bad-bind");
    s.run_with_env(&["check-config"], &[("RECONNECT_BIND", "abc")])
        .assert_code(2)
        .assert_mentions("RECONNECT_BIND: 'abc' is not an address like 127.0.0.1:8080");
}

#[test]
fn check_config_reports_every_problem() {
    let s = Scratch::new("many-problems");
    s.run_with_env(
        &["check-config"],
        &[
            ("RECONNECT_SESSION_IDLE_MINUTES", "1000"),
            ("RECONNECT_LOG_FORMAT", "xml"),
            ("RECONNECT_PUBLIC_URL", "nope"),
        ],
    )
    .assert_code(2)
    .assert_mentions("3 problems:")
    .assert_mentions("RECONNECT_SESSION_IDLE_MINUTES: 1000 minutes is outside the allowed range")
    .assert_mentions("RECONNECT_LOG_FORMAT: 'xml' must be text or json")
    .assert_mentions("RECONNECT_PUBLIC_URL: 'nope' is not a URL");
}

#[test]
fn check_config_is_happy_with_defaults_and_creates_nothing() {
    let s = Scratch::new("fine");
    let out = s.run(&["check-config"]);
    out.assert_code(0)
        .assert_mentions("Configuration file: none")
        .assert_mentions("RECONNECT_SESSION_IDLE_MINUTES")
        .assert_mentions("does not exist yet")
        .assert_mentions("The configuration is fine.");
    assert!(
        !s.database_file().exists(),
        "check-config created the database"
    );

    s.run(&["migrate"]).assert_code(0);
    s.run(&["check-config"])
        .assert_code(0)
        .assert_mentions("Database: connected to SQLite")
        .assert_mentions("It holds no sites yet.");
}

#[test]
fn check_config_never_shows_the_database_password() {
    let s = Scratch::new("secret");
    // Nothing listens on port 1, so the connection fails quickly.
    let url = "postgres://reconnect:Vx7-very-secret-Kq2@127.0.0.1:1/reconnect";
    s.run_with_env(&["check-config"], &[("DATABASE_URL", url)])
        .assert_code(2)
        .assert_mentions("postgres://reconnect:***@127.0.0.1:1/reconnect")
        .assert_mentions("DATABASE_URL: cannot reach the database server at 127.0.0.1:1")
        .assert_not_mentions("Vx7-very-secret-Kq2");

    // Nor does any other command's error (a bad option fails at once, where
    // a refused connection would be retried for seconds).
    let url = format!("{url}?sslmode=bogus");
    s.run_with_env(
        &["migrate"],
        &[("DATABASE_URL", &url), ("RECONNECT_LOG", "trace")],
    )
    .assert_code(1)
    .assert_mentions("cannot connect to the database at postgres://reconnect:***@")
    .assert_not_mentions("Vx7-very-secret-Kq2");
}

#[test]
fn a_config_file_with_an_unknown_key_is_refused() {
    let s = Scratch::new("unknown-key");
    let file = s.write("settings.toml", "bnd = \"127.0.0.1:9999\"\n");
    let file = file.to_str().unwrap();
    s.run(&["--config", file, "check-config"])
        .assert_code(2)
        .assert_mentions("bnd (in ")
        .assert_mentions("unknown setting");
    // Other commands refuse it too, before touching the database.
    s.run(&["migrate", "--config", file])
        .assert_code(2)
        .assert_mentions("unknown setting");
    assert!(!s.database_file().exists());
}

#[test]
fn the_environment_beats_the_default_config_file() {
    let s = Scratch::new("precedence");
    // ./reconnect.toml in the working directory is read when it exists.
    s.write(
        "reconnect.toml",
        "bind = \"127.0.0.1:7001\"\nsession_idle_minutes = 45\n",
    );
    s.run_with_env(&["check-config"], &[("RECONNECT_BIND", "127.0.0.1:7002")])
        .assert_code(0)
        .assert_mentions("Configuration file: reconnect.toml")
        .assert_mentions("127.0.0.1:7002")
        .assert_mentions("(environment RECONNECT_BIND)")
        .assert_mentions("(file reconnect.toml)")
        .assert_not_mentions("127.0.0.1:7001");
}

// --- migrate ----------------------------------------------------------------------

#[test]
fn migrate_creates_the_database_and_can_run_twice() {
    let s = Scratch::new("migrate");
    for _ in 0..2 {
        s.run(&["migrate"])
            .assert_code(0)
            .assert_mentions("SQLite database")
            .assert_mentions("up to date");
    }
    assert!(s.database_file().exists());
}

// --- user add / set-password ------------------------------------------------------

#[test]
fn user_add_reads_the_password_from_stdin() {
    let s = Scratch::new("user-add");
    s.run_with_stdin(
        &[
            "user",
            "add",
            "--email",
            "Ada.Admin@nhs.example",
            "--name",
            "Ada Admin",
            "--role",
            "admin",
        ],
        &format!("{GOOD_PASSWORD}\n"),
    )
    .assert_code(0)
    .assert_mentions("Created the Administrator account ada.admin@nhs.example for Ada Admin")
    .assert_not_mentions(GOOD_PASSWORD);

    // The same email again is refused.
    s.run_with_stdin(
        &[
            "user",
            "add",
            "--email",
            "ada.admin@nhs.example",
            "--name",
            "Ada Two",
            "--role",
            "admin",
        ],
        &format!("{GOOD_PASSWORD}\n"),
    )
    .assert_code(1)
    .assert_mentions("--email: an account with this email address already exists");
}

#[test]
fn user_add_refuses_a_weak_password() {
    let s = Scratch::new("weak");
    let args = [
        "user",
        "add",
        "--email",
        "jo.smith@nhs.example",
        "--name",
        "Jo Smith",
        "--role",
        "admin",
    ];
    s.run_with_stdin(&args, "password1234\n")
        .assert_code(1)
        .assert_mentions("password: This password is too common");
    s.run_with_stdin(&args, "short\n")
        .assert_code(1)
        .assert_mentions("password: Password must be at least 12 characters");
    s.run_with_stdin(&args, "jo.smith-glacier-moss\n")
        .assert_code(1)
        .assert_mentions("password: Password must not contain your email address or name");
    // None of them made the account.
    s.run_with_stdin(&args, &format!("{GOOD_PASSWORD}\n"))
        .assert_code(0);
}

#[test]
fn user_add_needs_a_password_from_somewhere() {
    let s = Scratch::new("no-password");
    let args = [
        "user",
        "add",
        "--email",
        "jo@nhs.example",
        "--name",
        "Jo Bloggs",
        "--role",
        "admin",
    ];
    // Standard input closed and empty.
    s.run(&args)
        .assert_code(1)
        .assert_mentions("password: none given");
    s.run_with_stdin(&args, "\n")
        .assert_code(1)
        .assert_mentions("password: the first line of standard input is empty");
    // Never as an argument.
    let mut with_flag = args.to_vec();
    with_flag.extend(["--password", GOOD_PASSWORD]);
    s.run(&with_flag)
        .assert_code(2)
        .assert_mentions("unexpected argument '--password'");
}

#[test]
fn user_add_checks_its_arguments() {
    let s = Scratch::new("user-args");
    let base = [
        "user",
        "add",
        "--email",
        "w@nhs.example",
        "--name",
        "Wendy Worker",
    ];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        s.run_with_stdin(&args, &format!("{GOOD_PASSWORD}\n"))
    };
    run(&["--role", "root"])
        .assert_code(2)
        .assert_mentions("Choose a role: worker, peer_mentor");
    run(&["--role", "worker"])
        .assert_code(1)
        .assert_mentions("--site: RECONNECT worker accounts work within sites");
    run(&["--role", "worker", "--site", "Nowhere"])
        .assert_code(1)
        .assert_mentions("--site: there is no site called 'Nowhere'");
    run(&["--role", "national_lead", "--site", "Nowhere"])
        .assert_code(1)
        .assert_mentions("--site: National lead accounts are not tied to sites");
    s.run(&[
        "user",
        "add",
        "--email",
        "not-an-email",
        "--name",
        "X",
        "--role",
        "admin",
    ])
    .assert_code(2)
    .assert_mentions("--email");
}

#[test]
fn set_password_changes_it_and_refuses_unknown_accounts() {
    let s = Scratch::new("set-password");
    let email = "pat.admin@nhs.example";
    s.run_with_stdin(
        &[
            "user",
            "add",
            "--email",
            email,
            "--name",
            "Pat Admin",
            "--role",
            "admin",
        ],
        &format!("{GOOD_PASSWORD}\n"),
    )
    .assert_code(0);
    s.run_with_stdin(
        &["user", "set-password", "--email", email],
        "correct-horse-battery-staple-42\n",
    )
    .assert_code(0)
    .assert_mentions("Changed the password of pat.admin@nhs.example");
    s.run_with_stdin(
        &["user", "set-password", "--email", email],
        "Pat-Admin-lantern-9\n",
    )
    .assert_code(1)
    .assert_mentions("password: Password must not contain your email address or name");
    s.run_with_stdin(
        &["user", "set-password", "--email", "nobody@nhs.example"],
        &format!("{GOOD_PASSWORD}\n"),
    )
    .assert_code(1)
    .assert_mentions("--email: there is no account with the email address nobody@nhs.example");
}

// --- demo -------------------------------------------------------------------------

#[test]
fn demo_seeds_once_then_refuses() {
    let s = Scratch::new("demo");
    let out = s.run(&["demo", "--people-per-site", "3", "--seed", "7"]);
    out.assert_code(0)
        .assert_mentions("Seeded demo data into")
        .assert_mentions("people")
        .assert_mentions("Demo sign-ins:")
        .assert_mentions("@")
        // The password is printed only by `serve --demo`.
        .assert_not_mentions("reconnect-demo-2026");

    s.run(&["demo", "--people-per-site", "3"])
        .assert_code(1)
        .assert_mentions("already holds data");

    // A worker can now be added at a demo site, named in any case.
    let site = demo_site_name(&s);
    s.run_with_stdin(
        &[
            "user",
            "add",
            "--email",
            "new.worker@nhs.example",
            "--name",
            "New Worker",
            "--role",
            "worker",
            "--site",
            &site.to_uppercase(),
        ],
        &format!("{GOOD_PASSWORD}\n"),
    )
    .assert_code(0)
    .assert_mentions(&format!("Sites: {site}"));
}

/// The first site named in `demo`'s sign-in list, read back via a failing `user add`.
fn demo_site_name(s: &Scratch) -> String {
    let out = s.run_with_stdin(
        &[
            "user",
            "add",
            "--email",
            "x@nhs.example",
            "--name",
            "X Y",
            "--role",
            "worker",
            "--site",
            "no such site",
        ],
        &format!("{GOOD_PASSWORD}\n"),
    );
    out.assert_code(1);
    let all = out.all();
    let list = all
        .split("the sites are: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no site list in {all}"));
    list.lines()
        .next()
        .unwrap()
        .split(", ")
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn demo_checks_its_arguments() {
    let s = Scratch::new("demo-args");
    s.run(&["demo", "--people-per-site", "5000"])
        .assert_code(2)
        .assert_mentions("--people-per-site");
    assert!(!s.database_file().exists());
}

// --- serve ------------------------------------------------------------------------

/// Kills the server if a test fails before stopping it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The lines of `output`, read on a thread so the pipe never fills (or
/// closes) under the server.
fn lines(output: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line holding `marker`; returns the lines up to and including it.
fn wait_for(rx: &Receiver<String>, marker: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let found = line.contains(marker);
        seen.push(line);
        if found {
            return seen;
        }
    }
    panic!("no line with {marker:?} in:\n{}", seen.join("\n"));
}

/// The `host:port` after `http://` in the last of `lines`.
fn address_in(lines: &[String]) -> String {
    let line = lines.last().unwrap();
    let rest = line.split("http://").nth(1).unwrap();
    rest.split('/').next().unwrap().to_string()
}

fn terminate(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_for_exit(server: &mut Server, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(unix)]
#[test]
fn serve_answers_and_stops_on_sigterm() {
    let s = Scratch::new("serve");
    let child = s
        .command(&["serve", "--bind", "127.0.0.1:0"])
        .env("RECONNECT_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stderr = lines(server.0.stderr.take().unwrap());
    let addr = address_in(&wait_for(&stderr, "listening on http://"));

    let response = get(&addr, "/readyz");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    terminate(server.0.id());
    let status = wait_for_exit(&mut server, Duration::from_secs(15));
    assert!(status.success(), "{status:?}");
    let mut stdout = String::new();
    server
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    // Without --demo no password is printed.
    assert!(!stdout.contains("reconnect-demo-2026"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn serve_demo_prints_the_sign_ins_once() {
    let s = Scratch::new("serve-demo");
    // Seeded small beforehand, so serve --demo does not seed its 25 per site.
    s.run(&["demo", "--people-per-site", "3"]).assert_code(0);
    let child = s
        .command(&["serve", "--demo", "--bind", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stdout = lines(server.0.stdout.take().unwrap());
    let mut printed = wait_for(&stdout, "reconnect demo: http://127.0.0.1:");
    let addr = address_in(&printed);
    printed.extend(wait_for(&stdout, "The demo password is published"));
    let response = get(&addr, "/readyz");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    terminate(server.0.id());
    assert!(wait_for_exit(&mut server, Duration::from_secs(15)).success());
    printed.extend(stdout.try_iter());
    let stdout = printed.join("\n");
    assert!(stdout.contains("already held data"), "{stdout}");
    assert_eq!(stdout.matches("reconnect-demo-2026").count(), 1, "{stdout}");
    for role in [
        "Administrator",
        "RECONNECT worker",
        "Peer mentor",
        "Site manager",
        "National lead",
        "Lived experience reviewer",
    ] {
        assert!(stdout.contains(role), "{role} missing from {stdout}");
    }
}

#[cfg(unix)]
#[test]
fn serve_refuses_a_bad_bind_flag() {
    let s = Scratch::new("serve-bad-bind");
    s.run(&["serve", "--bind", "nowhere"])
        .assert_code(2)
        .assert_mentions("--bind: 'nowhere' is not an address like 127.0.0.1:8080");
    assert!(!s.database_file().exists());
}

#[test]
fn help_lists_the_commands() {
    let s = Scratch::new("help");
    let out = s.run(&["--help"]);
    out.assert_code(0);
    for command in ["serve", "migrate", "demo", "user", "check-config"] {
        out.assert_mentions(command);
    }
}
