//! `reconnect directory import FILE_OR_DIR` and `reconnect directory export`:
//! the services directory in and out as Open Referral UK 3.0 JSON or CSV
//! tables. An import is all or nothing: every record is read and checked
//! first, and one problem anywhere means nothing is written.

use crate::config::Config;
use crate::feed::{self, csv_tables, json};
use reconnect_store::StoreError;
use std::path::Path;
use std::process::ExitCode;

/// The export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON file: taxonomies, organisations, locations and fully nested services.
    Json,
    /// A folder of the profile's CSV tables.
    Csv,
}

pub async fn import(config: &Config, path: &Path) -> anyhow::Result<ExitCode> {
    let loaded = feed::load(path)?;
    if !loaded.problems.is_empty() {
        eprintln!(
            "Refused: {} could not be read. Nothing was written.",
            path.display()
        );
        for p in &loaded.problems {
            eprintln!("  refused: {p}");
        }
        return Ok(ExitCode::FAILURE);
    }
    if loaded.tables.is_empty() {
        eprintln!(
            "{} holds no directory records. Nothing was written.",
            path.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    let store = super::connect(config).await?;
    let outcome = store.upsert_directory(&loaded.tables).await;
    store.close().await;
    match outcome {
        Ok(report) => {
            println!("Imported {}:", path.display());
            for (table, c) in &report.tables {
                println!(
                    "  {:<28} {} added, {} changed, {} unchanged",
                    table.trim_start_matches("dir_"),
                    c.added,
                    c.changed,
                    c.unchanged
                );
            }
            let t = report.total();
            println!(
                "In all: {} added, {} changed, {} unchanged, 0 refused.",
                t.added, t.changed, t.unchanged
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::Invalid(errors)) => {
            eprintln!(
                "Refused: {} problem(s) in {}. Nothing was written.",
                errors.len(),
                path.display()
            );
            for e in errors {
                let at = loaded
                    .origin_of(&e.field)
                    .map(|o| format!("{o}: "))
                    .unwrap_or_default();
                eprintln!("  refused: {at}{}: {}", e.field, e.message);
            }
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export(config: &Config, format: Format, out: &Path) -> anyhow::Result<()> {
    let store = super::connect(config).await?;
    let tables = store.export_directory_tables().await?;
    match format {
        Format::Csv => csv_tables::write_dir(&tables, out)?,
        Format::Json => {
            let (services, taxonomies) = store.export_directory_nested().await?;
            let package = json::package(services, taxonomies, &tables);
            let text = serde_json::to_string_pretty(&package)?;
            std::fs::write(out, text + "\n")
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
        }
    }
    store.close().await;
    println!(
        "Exported {} services, {} organisations and {} locations to {}.",
        tables.services.len(),
        tables.organizations.len(),
        tables.locations.len(),
        out.display()
    );
    Ok(())
}
