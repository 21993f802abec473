//! `reconnect user add` and `reconnect user set-password`: staff accounts
//! from the server's command line, recorded in the audit trail as the
//! operator command `cli`.
//!
//! The password is never an argument (it would sit in the shell history and
//! the process list): it is the first line of standard input when that is
//! not a terminal, else it is asked for twice without echo.

use super::{hash_password_blocking, SetPasswordArgs, UserAddArgs, CLI_ACTOR};
use crate::config::Config;
use anyhow::{anyhow, bail, Context};
use reconnect_domain::password::check_new_password;
use reconnect_domain::{FieldError, SiteId};
use reconnect_store::sites::Site;
use reconnect_store::users::NewUser;
use reconnect_store::{Actor, StoreError};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal};

/// The most bytes read from standard input for a password (the policy
/// allows 128 characters, up to 4 bytes each).
const MAX_PASSWORD_INPUT: u64 = 1024;

pub async fn add(config: &Config, args: UserAddArgs) -> anyhow::Result<()> {
    let name = args.name.trim().to_string();
    if args.role.is_site_based() && args.sites.is_empty() {
        bail!(
            "--site: {} accounts work within sites, so give at least one --site",
            args.role.label()
        );
    }
    if !args.role.is_site_based() && !args.sites.is_empty() {
        bail!(
            "--site: {} accounts are not tied to sites, so leave out --site",
            args.role.label()
        );
    }

    let store = super::connect(config).await?;
    let outcome = async {
        let sites = store.list_sites().await.context("cannot list the sites")?;
        let mut site_ids = Vec::new();
        for wanted in &args.sites {
            let id = resolve_site(&sites, wanted)?;
            if !site_ids.contains(&id) {
                site_ids.push(id);
            }
        }
        if store.find_user_id(&args.email).await?.is_some() {
            bail!("--email: an account with this email address already exists");
        }

        let password = read_new_password(&[args.email.local_part(), &name])?;
        let hash = hash_password_blocking(password.expose_secret())?;
        drop(password);

        let new = NewUser {
            email: args.email.clone(),
            display_name: name.clone(),
            role: args.role,
            sites: site_ids.clone(),
            password_hash: hash,
        };
        let id = store
            .create_user(&Actor::System(CLI_ACTOR), new)
            .await
            .map_err(explain)?;
        let site_names: Vec<&str> = sites
            .iter()
            .filter(|s| site_ids.contains(&s.id))
            .map(|s| s.name.as_str())
            .collect();
        println!(
            "Created the {} account {} for {name} (id {id}).",
            args.role.label(),
            args.email
        );
        if !site_names.is_empty() {
            println!("Sites: {}", site_names.join(", "));
        }
        tracing::info!(user = %id, role = %args.role, "account created by operator command");
        Ok(())
    }
    .await;
    store.close().await;
    outcome
}

pub async fn set_password(config: &Config, args: SetPasswordArgs) -> anyhow::Result<()> {
    let store = super::connect(config).await?;
    let outcome = async {
        let Some(id) = store.find_user_id(&args.email).await? else {
            bail!(
                "--email: there is no account with the email address {}",
                args.email
            );
        };
        let active = store.active_user(id).await?;
        let name = active.as_ref().map(|(user, _)| user.display_name.clone());
        let mut context = vec![args.email.local_part()];
        if let Some(name) = &name {
            context.push(name);
        }

        let password = read_new_password(&context)?;
        let hash = hash_password_blocking(password.expose_secret())?;
        drop(password);

        store
            .set_password(&Actor::System(CLI_ACTOR), id, &hash, None)
            .await
            .map_err(explain)?;
        println!(
            "Changed the password of {}; any sessions the account had have ended.",
            args.email
        );
        if name.is_none() {
            println!(
                "The account is disabled: an administrator must enable it before it can sign in."
            );
        }
        tracing::info!(user = %id, "password set by operator command");
        Ok(())
    }
    .await;
    store.close().await;
    outcome
}

/// A site by id or by name (any case).
fn resolve_site(sites: &[Site], wanted: &str) -> anyhow::Result<SiteId> {
    let wanted = wanted.trim();
    if let Ok(id) = wanted.parse::<SiteId>() {
        if sites.iter().any(|s| s.id == id) {
            return Ok(id);
        }
    }
    if let Some(site) = sites.iter().find(|s| s.name.eq_ignore_ascii_case(wanted)) {
        return Ok(site.id);
    }
    if sites.is_empty() {
        bail!("--site: there is no site called '{wanted}': there are no sites yet");
    }
    let names: Vec<&str> = sites.iter().map(|s| s.name.as_str()).collect();
    bail!(
        "--site: there is no site called '{wanted}'; the sites are: {}",
        names.join(", ")
    )
}

/// A store error, with field names turned into the flags they came from.
fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(errors) => {
            let lines: Vec<String> = errors.iter().map(describe).collect();
            anyhow!("{}", lines.join("\n"))
        }
        other => anyhow!(other),
    }
}

fn describe(e: &FieldError) -> String {
    let flag = match e.field.as_str() {
        "email" => "--email",
        "display_name" => "--name",
        "role" => "--role",
        "sites" => "--site",
        other => other,
    };
    format!("{flag}: {}", e.message)
}

/// Reads a new password (see the module documentation) and checks it
/// against the password policy, with `context` (email local part and name)
/// as words it must not contain.
fn read_new_password(context: &[&str]) -> anyhow::Result<SecretString> {
    tokio::task::block_in_place(|| {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            prompt_twice(context)
        } else {
            let password = read_first_line(stdin.lock())?;
            check(&password, context)?;
            Ok(password)
        }
    })
}

fn check(password: &SecretString, context: &[&str]) -> anyhow::Result<()> {
    check_new_password(password.expose_secret(), context)
        .map_err(|problem| anyhow!("password: {problem}"))
}

fn prompt_twice(context: &[&str]) -> anyhow::Result<SecretString> {
    let first = SecretString::from(
        rpassword::prompt_password("New password: ")
            .context("password: cannot read it from the terminal")?,
    );
    check(&first, context)?;
    let second = SecretString::from(
        rpassword::prompt_password("Type the password again: ")
            .context("password: cannot read it from the terminal")?,
    );
    if first.expose_secret() != second.expose_secret() {
        bail!("password: the two passwords were not the same");
    }
    Ok(first)
}

/// The first line of `input`, without its line ending.
fn read_first_line(input: impl BufRead) -> anyhow::Result<SecretString> {
    let mut line = Zeroizing::new(Vec::new());
    input
        .take(MAX_PASSWORD_INPUT)
        .read_until(b'\n', &mut line)
        .context("password: cannot read standard input")?;
    if line.is_empty() {
        bail!(
            "password: none given. Pipe it in on standard input (the first line is used), or run \
             the command in a terminal to be asked for it; it is never taken as an argument"
        );
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    } else if line.len() as u64 >= MAX_PASSWORD_INPUT {
        bail!("password: the first line of standard input is too long");
    }
    if line.is_empty() {
        bail!("password: the first line of standard input is empty");
    }
    let text = std::str::from_utf8(&line)
        .map_err(|_| anyhow!("password: standard input is not valid UTF-8"))?;
    Ok(SecretString::from(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reconnect_domain::{EmailAddress, Region};

    fn first_line(input: &[u8]) -> anyhow::Result<String> {
        read_first_line(input).map(|s| s.expose_secret().to_string())
    }

    #[test]
    fn the_first_line_is_the_password() {
        assert_eq!(
            first_line(b"glacier tundra moss\n").unwrap(),
            "glacier tundra moss"
        );
        assert_eq!(
            first_line(b"glacier tundra moss\r\nsecond line\n").unwrap(),
            "glacier tundra moss"
        );
        assert_eq!(first_line(b"  spaces kept  ").unwrap(), "  spaces kept  ");
    }

    #[test]
    fn missing_empty_long_and_garbled_input_is_refused() {
        assert!(first_line(b"")
            .unwrap_err()
            .to_string()
            .contains("none given"));
        assert!(first_line(b"\n")
            .unwrap_err()
            .to_string()
            .contains("is empty"));
        assert!(first_line(&[b'x'; 2000])
            .unwrap_err()
            .to_string()
            .contains("too long"));
        assert!(first_line(&[0xff, 0xfe, b'\n'])
            .unwrap_err()
            .to_string()
            .contains("UTF-8"));
    }

    #[test]
    fn the_policy_names_the_password_and_knows_the_person() {
        let weak = SecretString::from("password1234".to_string());
        let err = check(&weak, &["jsmith42", "Jo Smith"])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "password: This password is too common. Choose a different password"
        );
        let personal = SecretString::from("jsmith42-glacier-moss".to_string());
        assert!(check(&personal, &["jsmith42", "Jo Smith"]).is_err());
        let good = SecretString::from("correct-horse-battery-staple-42".to_string());
        assert!(check(&good, &["jsmith42", "Jo Smith"]).is_ok());
    }

    #[test]
    fn sites_by_name_or_id() {
        let sites = vec![
            Site {
                id: SiteId::new(),
                name: "Leeds Reconnect".into(),
                region: Region::NorthEastAndYorkshire,
                prisons: vec![],
            },
            Site {
                id: SiteId::new(),
                name: "Bristol Reconnect".into(),
                region: Region::SouthWest,
                prisons: vec![],
            },
        ];
        assert_eq!(
            resolve_site(&sites, "leeds reconnect").unwrap(),
            sites[0].id
        );
        assert_eq!(
            resolve_site(&sites, &sites[1].id.to_string()).unwrap(),
            sites[1].id
        );
        let err = resolve_site(&sites, "York").unwrap_err().to_string();
        assert_eq!(
            err,
            "--site: there is no site called 'York'; the sites are: Leeds Reconnect, Bristol Reconnect"
        );
        assert!(resolve_site(&sites, &SiteId::new().to_string()).is_err());
    }

    #[test]
    fn store_field_errors_name_the_flag() {
        let e = explain(StoreError::Invalid(vec![
            FieldError::new("email", "An account with this email address already exists"),
            FieldError::new("display_name", "Enter a name"),
        ]));
        assert_eq!(
            e.to_string(),
            "--email: An account with this email address already exists\n--name: Enter a name"
        );
    }

    #[test]
    fn email_addresses_parse_for_context() {
        let email = EmailAddress::parse("Jo.Smith@nhs.example").unwrap();
        assert_eq!(email.local_part(), "jo.smith");
    }
}
