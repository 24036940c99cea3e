//! `hedgerow-bench`: tools for the benchmarks (bench/run.sh drives them).
//!
//! `seed` loads a realistic dataset with COPY: users, sessions over many tracks in a mix of
//! visibilities, shelves and books with some overrides, plans, invitations, share links and
//! access-log rows.

mod seed;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "hedgerow-bench", about = "Benchmark tools for hedgerow")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a dataset into a migrated database (as a superuser: row-level security does not
    /// apply to bulk loading).
    Seed(seed::SeedArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    hedgerow::cli::run_command(async {
        match cli.command {
            Command::Seed(args) => seed::run(args).await,
        }
    })
}
