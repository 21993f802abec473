//! `reconnect serve`: migrate, optionally seed demo data, then serve until
//! SIGTERM or Ctrl-C, finishing the requests in flight before exiting.

use super::seed;
use crate::config::Config;
use crate::demo::{self, DemoOptions};
use anyhow::{anyhow, Context};
use reconnect_store::sessions::SessionPolicy;
use reconnect_web::{AppState, WebConfig};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// What `serve --demo` seeds into an empty database.
pub fn demo_options() -> DemoOptions {
    DemoOptions {
        seed: 1,
        people_per_site: 25,
    }
}

/// After a shutdown signal, how long requests in flight may take to finish.
const GRACE: Duration = Duration::from_secs(10);

/// The web layer's settings, from the configuration.
pub fn web_config(config: &Config) -> WebConfig {
    WebConfig {
        secure_cookies: config.secure_cookies(),
        trust_proxy_headers: config.trust_proxy,
        session: SessionPolicy {
            idle: time::Duration::minutes(i64::from(config.session_idle_minutes)),
            ..SessionPolicy::default()
        },
        ..WebConfig::default()
    }
}

pub async fn run(config: Config, demo: bool) -> anyhow::Result<()> {
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let store = super::connect(&config).await?;
    tracing::info!(
        engine = store.engine().name(),
        database = %config.database_url,
        "database ready"
    );

    let seeded = if demo {
        if !config.bind.ip().is_loopback() {
            tracing::warn!(
                "--demo with RECONNECT_BIND {}: the demo accounts' password is published, so \
                 anyone who can reach this address can sign in",
                config.bind
            );
        }
        if store
            .is_empty()
            .await
            .context("cannot check whether the database is empty")?
        {
            seed::seed(&store, &demo_options()).await?;
            true
        } else {
            tracing::info!("the database already holds data, so no demo data was added");
            false
        }
    } else {
        false
    };

    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let bound = listener
        .local_addr()
        .context("cannot read the address listened on")?;
    tracing::info!(
        secure_cookies = config.secure_cookies(),
        trust_proxy = config.trust_proxy,
        session_idle_minutes = config.session_idle_minutes,
        "listening on http://{bound}/"
    );
    if demo {
        print_demo_sign_ins(&config.site_url(bound), seeded);
    }

    let signals = Signals::register().context("cannot listen for shutdown signals")?;
    let stopping = Arc::new(Notify::new());
    let notify = stopping.clone();
    let shutdown = async move {
        let signal = signals.recv().await;
        tracing::info!("{signal} received: finishing the requests in flight, then stopping");
        notify.notify_one();
    };
    let state = AppState::new(store.clone(), web_config(&config));
    let jobs_stop = Arc::new(Notify::new());
    let runner = super::jobs::runner(&config, store.clone());
    let stop_jobs = jobs_stop.clone();
    let jobs = tokio::spawn(runner.run_until(crate::jobs::runner::TICK, async move {
        stop_jobs.notified().await;
    }));
    let server = reconnect_web::serve(listener, state, shutdown);
    let result = tokio::select! {
        served = server => served.map_err(|e| anyhow!("the server stopped: {e}")),
        () = async {
            stopping.notified().await;
            tokio::time::sleep(GRACE).await;
        } => {
            tracing::warn!(
                "requests still in flight {} seconds after the shutdown signal; stopping anyway",
                GRACE.as_secs()
            );
            Ok(())
        }
    };
    // Let a job pass in progress finish (within the grace period), then stop.
    jobs_stop.notify_one();
    if tokio::time::timeout(GRACE, jobs).await.is_err() {
        tracing::warn!("a job was still running at shutdown; another run will take it over");
    }
    store.close().await;
    tracing::info!("stopped");
    result
}

/// The address and one sign-in per role. The only place a password is printed.
fn print_demo_sign_ins(url: &str, seeded: bool) {
    println!();
    println!("reconnect demo: {url}");
    println!();
    if !seeded {
        println!("The database already held data, so no demo data was added. If it was seeded");
        println!("by `reconnect serve --demo` or `reconnect demo` earlier, these sign-ins work:");
    }
    println!(
        "Sign in as (every demo account's password is {}):",
        demo::DEMO_PASSWORD
    );
    seed::print_logins(&demo::primary_logins());
    println!();
    println!("The demo password is published: never add real people's details to a demo database.");
    println!();
    // Printed before the server logs anything else, even when piped.
    let _ = std::io::stdout().flush();
}

/// The signals that stop the server, registered before serving so that an
/// early SIGTERM is not lost (or fatal).
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn register() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(unix)]
    async fn recv(mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }

    #[cfg(not(unix))]
    fn register() -> std::io::Result<Self> {
        Ok(Self {})
    }

    #[cfg(not(unix))]
    async fn recv(self) -> &'static str {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            Err(_) => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load, Inputs};
    use std::collections::HashMap;

    #[test]
    fn web_config_follows_the_configuration() {
        let env: HashMap<String, String> = [
            ("RECONNECT_PUBLIC_URL", "https://reconnect.example.org"),
            ("RECONNECT_TRUST_PROXY", "true"),
            ("RECONNECT_SESSION_IDLE_MINUTES", "45"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let missing = std::env::temp_dir().join("reconnect-no-such-config.toml");
        let config = load(&Inputs {
            env: &env,
            config_flag: None,
            bind_flag: None,
            default_file: &missing,
        })
        .into_config()
        .unwrap();
        let web = web_config(&config);
        assert!(web.secure_cookies);
        assert!(web.trust_proxy_headers);
        assert_eq!(web.session.idle, time::Duration::minutes(45));
        assert_eq!(web.session.absolute, SessionPolicy::default().absolute);
        assert_eq!(web.max_body_bytes, WebConfig::default().max_body_bytes);
    }
}
