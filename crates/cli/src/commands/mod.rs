//! The command line, and what each command shares: loading the
//! configuration, starting logging and connecting to the database.
//!
//! Exit codes: 0 done; 1 the command failed or refused; 2 the command line or
//! the configuration is wrong (clap uses 2 for usage errors too).

pub mod check_config;
pub mod directory;
pub mod jobs;
mod logging;
pub mod migrate;
pub mod postcodes;
pub mod seed;
pub mod serve;
pub mod user;

use crate::config::{self, Config, ConfigError, DatabaseUrl, Inputs};
use anyhow::anyhow;
use clap::{Args, Parser, Subcommand};
use reconnect_domain::{EmailAddress, Role, SystemClock};
use reconnect_store::Store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The exit code for a bad configuration.
pub const EXIT_CONFIG: u8 = 2;

/// How long connecting to the database may take before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Who operator commands are recorded as in the audit trail.
pub const CLI_ACTOR: &str = "cli";

#[derive(Debug, Parser)]
#[command(
    name = "reconnect",
    version,
    about = "RECONNECT care-after-custody service",
    long_about = "RECONNECT care-after-custody service.\n\n\
        Settings come from environment variables, then a TOML file (--config FILE, \
        $RECONNECT_CONFIG, or ./reconnect.toml if it exists), then defaults. \
        Run `reconnect check-config` to see them."
)]
pub struct Cli {
    /// Read settings from this TOML file (default: $RECONNECT_CONFIG, else ./reconnect.toml if it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web service until SIGTERM or Ctrl-C (migrates the database first).
    Serve(ServeArgs),
    /// Apply any database migrations this binary carries.
    Migrate,
    /// Seed synthetic demo data into an empty database.
    Demo(DemoArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the settings and the database connection; exit code 2 if anything is wrong.
    CheckConfig,
    /// Background jobs (reminders, message delivery).
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// The services directory as Open Referral UK 3.0 JSON or CSV tables.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Postcode coordinates from the ONS Postcode Directory.
    #[command(subcommand)]
    Postcodes(PostcodesCommand),
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Add or update services from an Open Referral UK JSON feed (a record,
    /// a page, an array or an export) or a folder of the profile's CSV
    /// tables, by id. Writes nothing if any record is refused.
    Import {
        #[arg(value_name = "FILE_OR_DIR")]
        path: PathBuf,
    },
    /// Write the whole directory out as JSON (one file) or CSV (a folder of tables).
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: directory::Format,
        #[arg(value_name = "OUT")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PostcodesCommand {
    /// Load postcodes and their coordinates from an ONS Postcode Directory CSV (streamed).
    Import {
        #[arg(value_name = "FILE")]
        path: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Run every due job now (each runs once across all instances) and print what ran.
    RunOnce,
    /// List the jobs and their most recent runs.
    List,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Seed demo data when the database is empty, and print the demo sign-ins.
    #[arg(long)]
    pub demo: bool,
    /// Listen on this address (beats RECONNECT_BIND and the file's `bind`).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed for the random generator: the same seed gives the same data.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// How many people to put on each site's caseload.
    #[arg(
        long,
        value_name = "M",
        default_value_t = 25,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1000),
        conflicts_with = "scale"
    )]
    pub people_per_site: usize,
    /// Load a large dataset of this size in bulk instead of the rich demo:
    /// site (one site, seconds), region, national (150 sites, one year) or
    /// national10 (150 sites, ten years, about 600,000 people).
    #[arg(long, value_enum, value_name = "NAME")]
    pub scale: Option<crate::demo::scale::Scale>,
    /// Clear a database that already holds data first (a SQLite file is
    /// removed; a PostgreSQL database's public schema is dropped and made
    /// again). Everything in it is lost.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account. The password is read from standard input (its
    /// first line) when that is not a terminal, else asked for twice; it is
    /// never taken as an argument.
    Add(UserAddArgs),
    /// Set a staff account's password and end its sessions. The password is
    /// read as for `user add`.
    SetPassword(SetPasswordArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Email address, used to sign in.
    #[arg(long, value_parser = parse_email)]
    pub email: EmailAddress,
    /// Name shown to colleagues.
    #[arg(long)]
    pub name: String,
    /// worker, peer_mentor, site_manager, national_lead, reviewer or admin.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// A site (its name, any case, or its id) the account works at; repeat for
    /// several. Required for workers, peer mentors and site managers; not
    /// allowed for other roles.
    #[arg(long = "site", value_name = "SITE")]
    pub sites: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SetPasswordArgs {
    /// Email address of the account.
    #[arg(long, value_parser = parse_email)]
    pub email: EmailAddress,
}

fn parse_email(value: &str) -> Result<EmailAddress, String> {
    EmailAddress::parse(value).map_err(|e| e.to_string())
}

fn parse_role(value: &str) -> Result<Role, String> {
    value
        .parse()
        .map_err(|e: reconnect_domain::role::UnknownRole| e.to_string())
}

/// Runs the command on a new runtime and turns the outcome into an exit code.
pub fn main(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli));
    // Do not wait long for blocking work still running (a prompt, say).
    runtime.shutdown_timeout(Duration::from_secs(2));
    match outcome {
        Ok(code) => code,
        Err(e) => match e.downcast_ref::<ConfigError>() {
            Some(config) => {
                eprintln!("error: {config}");
                eprintln!("(run `reconnect check-config` to see every setting)");
                ExitCode::from(EXIT_CONFIG)
            }
            None => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = cli.config.as_deref();
    match cli.command {
        Command::CheckConfig => Ok(check_config::run(file).await),
        Command::Serve(args) => {
            let config = load(file, args.bind.as_deref())?;
            serve::run(config, args.demo).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            migrate::run(&load(file, None)?).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            seed::run(&load(file, None)?, &args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Add(args)) => {
            user::add(&load(file, None)?, args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::SetPassword(args)) => {
            user::set_password(&load(file, None)?, args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Jobs(JobsCommand::RunOnce) => {
            jobs::run_once(&load(file, None)?).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Jobs(JobsCommand::List) => {
            jobs::list(&load(file, None)?).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Directory(DirectoryCommand::Import { path }) => {
            directory::import(&load(file, None)?, &path).await
        }
        Command::Directory(DirectoryCommand::Export { format, out }) => {
            directory::export(&load(file, None)?, format, &out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Postcodes(PostcodesCommand::Import { path }) => {
            postcodes::import(&load(file, None)?, &path).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads the configuration from the process environment and starts logging.
fn load(file: Option<&Path>, bind: Option<&str>) -> anyhow::Result<Config> {
    let config = config::load(&Inputs::process(file, bind)).into_config()?;
    logging::init(&config)?;
    if let Some(path) = &config.file {
        tracing::debug!(file = %path.display(), "read configuration file");
    }
    Ok(config)
}

/// Connects to the database and applies any missing migrations.
pub async fn connect(config: &Config) -> anyhow::Result<Store> {
    let url = &config.database_url;
    let store = connect_only(url).await?;
    store.migrate().await.map_err(|e| {
        anyhow!(
            "cannot migrate the database at {url}: {}",
            url.scrub(&e.to_string())
        )
    })?;
    Ok(store)
}

/// Connects to the database without changing it. Messages never hold the password.
pub async fn connect_only(url: &DatabaseUrl) -> anyhow::Result<Store> {
    let connecting = Store::connect(url.expose(), Arc::new(SystemClock));
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(store)) => Ok(store),
        Ok(Err(e)) => Err(anyhow!(
            "cannot connect to the database at {url}: {}",
            url.scrub(&e.to_string())
        )),
        Err(_) => Err(anyhow!(
            "cannot connect to the database at {url}: no answer within {} seconds",
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

/// Hashes a password with the web crate's hasher (argon2id, slow on
/// purpose) without stalling the other tasks of the runtime. Must be called
/// from the multi-threaded runtime [`main`] starts.
pub fn hash_password_blocking(plain: &str) -> anyhow::Result<String> {
    tokio::task::block_in_place(|| reconnect_web::password::hash_password(plain))
        .map_err(|e| anyhow!("cannot hash the password: {e}"))
}
