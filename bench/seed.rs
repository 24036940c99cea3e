//! The dataset generator: COPY in batches, then ANALYZE. Deterministic for a given --seed.

use std::{fmt::Write as _, time::Instant};

use bytes::Bytes;
use clap::Args;
use futures_util::SinkExt;
use rand::{Rng, RngExt, SeedableRng, rngs::StdRng};
use tokio_postgres::Client;
use uuid::Uuid;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Args)]
pub struct SeedArgs {
    /// A superuser's connection to a migrated hedgerow database.
    #[arg(long, env = "HEDGEROW_ADMIN_DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    #[arg(long, default_value_t = 1_000_000)]
    sessions: usize,
    #[arg(long, default_value_t = 50)]
    tracks: usize,
    #[arg(long, default_value_t = 100_000)]
    shelves: usize,
    #[arg(long, default_value_t = 1_000_000)]
    books: usize,
    #[arg(long, default_value_t = 100_000)]
    plans: usize,
    /// Invitations and share links, each.
    #[arg(long, default_value_t = 100_000)]
    shares: usize,
    #[arg(long, default_value_t = 1_000_000)]
    log_rows: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Rows are sent to COPY in chunks of about this many bytes.
const CHUNK: usize = 1 << 20;

pub async fn run(args: SeedArgs) -> Result<()> {
    let client = hedgerow::db::connect(&args.database_url).await?;
    let mut rng = StdRng::seed_from_u64(args.seed);
    let started = Instant::now();
    // Bulk loading skips the per-row triggers (as a superuser may): the seeder writes what they
    // would have kept — best laps, books' effective levels — and the public counts are
    // counted once at the end.
    client
        .batch_execute("SET session_replication_role = replica")
        .await?;

    let users: Vec<Uuid> = (0..args.users).map(|_| uuid(&mut rng)).collect();
    copy(
        &client,
        "data.profiles (id, username, display_name)",
        users.iter().enumerate(),
        |line, (n, id)| {
            write!(line, "{id}\tuser_{n}\tUser {n}").unwrap();
        },
    )
    .await?;
    report("users", args.users, started);

    // Sessions: 60% private, 10% unlisted, 30% public, over the last year.
    let sessions = resources(&mut rng, &users, args.sessions, [60, 10, 30]);
    let tracks: Vec<String> = (0..args.tracks).map(|n| format!("Track {n:02}")).collect();
    copy(
        &client,
        "data.sessions (id, owner_id, visibility, created_at, updated_at, track, title, recorded_at, laps, best_lap_ms)",
        sessions.iter(),
        |line, r| {
            let mut rng = StdRng::seed_from_u64(r.id.as_u128() as u64);
            let laps: Vec<u32> = (0..rng.random_range(1..20))
                .map(|_| rng.random_range(60_000..150_000))
                .collect();
            let best = laps.iter().min().unwrap();
            let laps: Vec<String> = laps.iter().map(u32::to_string).collect();
            let track = &tracks[rng.random_range(0..tracks.len())];
            let (columns, at, laps) = (r.columns(), &r.created_at, laps.join(","));
            write!(line, "{columns}\t{track}\tSession\t{at}\t{{{laps}}}\t{best}").unwrap();
        },
    )
    .await?;
    report("sessions", args.sessions, started);

    // Shelves: 70% public; books on them, 80% inheriting, the rest overridden.
    let shelves = resources(&mut rng, &users, args.shelves, [15, 15, 70]);
    copy(
        &client,
        "data.shelves (id, owner_id, visibility, created_at, updated_at, name)",
        shelves.iter().enumerate(),
        |line, (n, r)| {
            write!(
                line,
                "{}\tShelf {n} of {}",
                r.columns(),
                ["fiction", "poetry", "history", "science"][n % 4]
            )
            .unwrap();
        },
    )
    .await?;
    copy(
        &client,
        "data.books (id, owner_id, shelf_id, visibility, effective_visibility, created_at, updated_at, isbn13)",
        (0..args.books).map(|_| {
            let shelf = &shelves[rng.random_range(0..shelves.len())];
            let own = match rng.random_range(0..100) {
                0..80 => None,
                80..90 => Some("private"),
                90..95 => Some("public"),
                _ => Some("unlisted"),
            };
            (uuid(&mut rng), shelf, own)
        }),
        |line, (id, shelf, own)| {
            write!(
                line,
                "{id}\t{}\t{}\t{}\t{}\t{4}\t{4}\t9780306406157",
                shelf.owner,
                shelf.id,
                own.unwrap_or("\\N"),
                own.unwrap_or(shelf.level),
                shelf.created_at
            )
            .unwrap();
        },
    )
    .await?;
    report("shelves and books", args.shelves + args.books, started);

    let plans = resources(&mut rng, &users, args.plans, [80, 5, 15]);
    copy(
        &client,
        "data.plans (id, owner_id, visibility, created_at, updated_at, title, filename, content)",
        plans.iter(),
        |line, r| {
            write!(
                line,
                "{}\tPlan\tplan.md\t# Plan\\n\\nStep one.",
                r.columns()
            )
            .unwrap();
        },
    )
    .await?;
    report("plans", args.plans, started);

    // Invitations and share links on plans and sessions, made by SQL (tokens come from the
    // database's CSPRNG, like real ones).
    let shareable = "SELECT 'session' AS kind, id, owner_id FROM data.sessions \
                     UNION ALL SELECT 'plan', id, owner_id FROM data.plans";
    client
        .execute(
            &format!(
                "INSERT INTO data.grants (kind, resource_id, grantee_id, owner_id, granted_by)
                 SELECT r.kind, r.id, u.id, r.owner_id, r.owner_id
                   FROM (SELECT kind, id, owner_id, row_number() OVER () AS n FROM ({shareable}) s
                          ORDER BY id LIMIT $1) r
                   JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM data.profiles) u
                     ON u.n = 1 + r.n % (SELECT count(*) FROM data.profiles)
                  WHERE u.id <> r.owner_id
                 ON CONFLICT DO NOTHING"
            ),
            &[&(args.shares as i64)],
        )
        .await?;
    client
        .execute(
            &format!(
                "INSERT INTO data.share_links (kind, resource_id, owner_id, token, token_hash)
                 SELECT kind, id, owner_id, t, sha256(convert_to(t, 'UTF8'))
                   FROM (SELECT kind, id, owner_id,
                                rtrim(translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '=') AS t
                           FROM ({shareable}) s ORDER BY id DESC LIMIT $1) r"
            ),
            &[&(args.shares as i64)],
        )
        .await?;
    report("invitations and links", 2 * args.shares, started);

    copy(
        &client,
        "data.access_log (resource_id, owner_id, viewer_id, accessed_via, ip_address, accessed_at)",
        (0..args.log_rows).map(|n| (n, &sessions[n % sessions.len()])),
        |line, (n, r)| {
            let via = ["owner", "public", "share_link", "invited"][n % 4];
            write!(
                line,
                "{}\t{}\t\\N\t{via}\t192.0.2.{}\t{}",
                r.id,
                r.owner,
                n % 250,
                r.created_at
            )
            .unwrap();
        },
    )
    .await?;
    report("access-log rows", args.log_rows, started);

    client
        .batch_execute(
            "SET session_replication_role = origin;
             INSERT INTO data.public_counts AS c (kind, scope, n)
             SELECT kind, scope, n FROM hedgerow.counted_public() WHERE n > 0
             ON CONFLICT (kind, scope) DO UPDATE SET n = excluded.n;
             ANALYZE;",
        )
        .await?;
    report("counted and analyzed", 0, started);
    Ok(())
}

/// A top-level resource as generated.
struct Resource {
    id: Uuid,
    owner: Uuid,
    level: &'static str,
    created_at: String,
}

impl Resource {
    /// Its id, owner_id, visibility, created_at and updated_at, tab-separated for COPY.
    fn columns(&self) -> String {
        format!(
            "{}\t{}\t{}\t{3}\t{3}",
            self.id, self.owner, self.level, self.created_at
        )
    }
}

fn uuid(rng: &mut StdRng) -> Uuid {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// `count` top-level resources, with visibility weights [private, unlisted, public] in percent.
fn resources(rng: &mut StdRng, users: &[Uuid], count: usize, weights: [u32; 3]) -> Vec<Resource> {
    (0..count)
        .map(|_| {
            let roll = rng.random_range(0..100);
            let level = if roll < weights[0] {
                "private"
            } else if roll < weights[0] + weights[1] {
                "unlisted"
            } else {
                "public"
            };
            let created_at =
                chrono::Utc::now() - chrono::Duration::seconds(rng.random_range(0..365 * 86_400));
            Resource {
                id: uuid(rng),
                owner: users[rng.random_range(0..users.len())],
                level,
                created_at: created_at.to_rfc3339(),
            }
        })
        .collect()
}

/// COPY `rows` into `target` (a table and its columns), each written as one text-format line.
async fn copy<T>(
    client: &Client,
    target: &str,
    rows: impl Iterator<Item = T>,
    write: impl Fn(&mut String, T),
) -> Result<()> {
    let sink = client.copy_in(&format!("COPY {target} FROM STDIN")).await?;
    futures_util::pin_mut!(sink);
    let mut buffer = String::with_capacity(CHUNK + 4096);
    for row in rows {
        write(&mut buffer, row);
        buffer.push('\n');
        if buffer.len() >= CHUNK {
            sink.send(Bytes::from(std::mem::take(&mut buffer))).await?;
        }
    }
    if !buffer.is_empty() {
        sink.send(Bytes::from(buffer)).await?;
    }
    sink.finish().await?;
    Ok(())
}

fn report(what: &str, rows: usize, started: Instant) {
    eprintln!(
        "seed: {what} ({rows} rows) at {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
