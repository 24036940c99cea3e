//! A private PostgreSQL cluster run from the server binaries on this machine: the embedded
//! default of `hedgerow serve`, and the throwaway cluster of the tests.
//!
//! `postgres` runs as a child process tied to this one (child_process.rs): if hedgerow dies,
//! even by `kill -9`, its cluster shuts down too. PostgreSQL refuses to run as root, so as root
//! the cluster runs as the `postgres` user.

use std::{
    fs,
    io::Write,
    net::TcpListener,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Stdio},
    sync::{Mutex, mpsc},
    thread,
    time::{Duration, Instant},
};

use super::child_process::{OsUser, postgres_user_when_root, spawn_tied_to_this_process};

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The longest path a Unix-domain socket may have (sun_path, with its terminating NUL).
const MAX_SOCKET_PATH: usize = 107;

/// Where the cluster's socket goes: its data directory, which only the cluster's user (and
/// root) may enter. None when the socket's path would be too long for the kernel, or the
/// directory's name cannot be written into `unix_socket_directories` (a list split at commas)
/// and a URL as it is; the cluster then listens on loopback TCP only.
fn socket_dir(pgdata: &Path, port: u16) -> Option<PathBuf> {
    let dir = fs::canonicalize(pgdata).ok()?;
    let usable = dir.to_str().is_some_and(|name| !name.contains([',', '"']));
    let socket = dir.join(format!(".s.PGSQL.{port}"));
    (usable && socket.as_os_str().len() <= MAX_SOCKET_PATH).then_some(dir)
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL server binaries (initdb, postgres) were not found on PATH or in \
         /usr/lib/postgresql/*/bin. Install them: sudo apt-get install -y postgresql \
         (or set DATABASE_URL to use an existing server)"
    )]
    NoBinaries,
    #[error(
        "running as root, the cluster must run as the 'postgres' system user, which does not \
         exist (sudo apt-get install -y postgresql creates it)"
    )]
    NoPostgresUser,
    #[error("{action} failed: {detail}")]
    Io { action: String, detail: String },
    #[error("initdb failed:\n{0}")]
    Initdb(String),
    #[error("postgres did not start; its log ({log}) ends with:\n{tail}")]
    Start { log: String, tail: String },
}

fn io_error(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> ClusterError {
    let action = action.into();
    move |e| ClusterError::Io {
        action,
        detail: e.to_string(),
    }
}

/// The directory that holds `initdb` and `postgres`.
#[derive(Debug, Clone)]
pub struct PgBinaries(PathBuf);

impl PgBinaries {
    /// PATH first, then the newest /usr/lib/postgresql/<version>/bin; the directory of the
    /// `postgres` binary itself, links resolved.
    pub fn locate() -> Result<Self, ClusterError> {
        let on_path = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut debian: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let version = entry.file_name().to_str()?.parse().ok()?;
                Some((version, entry.path().join("bin")))
            })
            .collect();
        debian.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
        on_path
            .into_iter()
            .chain(debian.into_iter().map(|(_, dir)| dir))
            .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
            .map(|dir| {
                // Where `postgres` really lives (PATH may hold only links to it): the server's
                // other tools (pg_basebackup) are there.
                let real = fs::canonicalize(dir.join("postgres")).ok();
                PgBinaries(
                    real.and_then(|p| p.parent().map(Path::to_path_buf))
                        .unwrap_or(dir),
                )
            })
            .ok_or(ClusterError::NoBinaries)
    }

    fn command(&self, name: &str, run_as: Option<OsUser>) -> Command {
        let mut command = Command::new(self.0.join(name));
        if let Some(user) = run_as {
            user.apply(&mut command);
        }
        command
    }
}

/// How a cluster is set up.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// The superuser (`postgres`) password; connections are password-authenticated.
    pub admin_password: String,
    /// The port to use when it is free; otherwise a free one is picked (never 5432).
    pub preferred_port: Option<u16>,
    /// false for throwaway clusters: no fsync, faster and disposable.
    pub durable: bool,
    /// Serve TLS with this certificate (tests of TLS connections); None: no TLS.
    pub tls: Option<ServerTls>,
}

/// A server certificate and its private key, both PEM.
#[derive(Debug, Clone)]
pub struct ServerTls {
    pub certificate_pem: String,
    pub key_pem: String,
}

/// A running cluster; stopped (fast shutdown) when dropped.
#[derive(Debug)]
pub struct LocalCluster {
    port: u16,
    /// The directory of the cluster's Unix-domain socket, when its path is short enough for one.
    socket_dir: Option<PathBuf>,
    admin_password: String,
    pid: i32,
    /// Receives the postmaster's exit status; None once stopped. (A Mutex so clusters can be
    /// shared between threads, as the tests do.)
    exited: Mutex<Option<mpsc::Receiver<ExitStatus>>>,
}

impl LocalCluster {
    /// Creates the cluster under `dir` (in `dir/pg`) unless it exists, and starts it.
    pub fn start(dir: &Path, options: &ClusterOptions) -> Result<Self, ClusterError> {
        let binaries = PgBinaries::locate()?;
        let run_as = postgres_user_when_root().map_err(|_| ClusterError::NoPostgresUser)?;
        let pgdata = dir.join("pg");
        if !pgdata.join("PG_VERSION").exists() {
            init(&binaries, run_as, dir, &pgdata, options)?;
        }
        let port = free_port(options.preferred_port)?;
        let socket_dir = socket_dir(&pgdata, port);
        if let Some(tls) = &options.tls {
            install_tls(&pgdata, run_as, tls)?;
        }
        let log_path = dir.join("postgres.log");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(io_error(format!("opening {}", log_path.display())))?;
        let mut command = binaries.command("postgres", run_as);
        command
            .arg("-D")
            .arg(&pgdata)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!(
                "unix_socket_directories={}",
                socket_dir
                    .as_deref()
                    .map(Path::to_string_lossy)
                    .unwrap_or_default()
            ))
            .args(["-c", "max_connections=200"])
            .stdin(Stdio::null())
            .stdout(
                log.try_clone()
                    .map_err(io_error("duplicating the log file"))?,
            )
            .stderr(log);
        if options.tls.is_some() {
            command.args([
                "-c",
                "ssl=on",
                "-c",
                "ssl_cert_file=server.crt",
                "-c",
                "ssl_key_file=server.key",
            ]);
        }
        if !options.durable {
            command.args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]);
        }
        let (pid, exited) =
            spawn_tied_to_this_process(command).map_err(io_error("starting postgres"))?;
        let cluster = LocalCluster {
            port,
            socket_dir,
            admin_password: options.admin_password.clone(),
            pid,
            exited: Mutex::new(Some(exited)),
        };
        cluster.wait_until_ready(&pgdata, &log_path)?;
        Ok(cluster)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection string for `user` on `database` of this cluster (loopback: no TLS).
    pub fn url(&self, user: &str, password: &str, database: &str) -> String {
        format!(
            "postgres://{user}:{password}@127.0.0.1:{}/{database}?sslmode=disable",
            self.port
        )
    }

    /// Like `url`, through the cluster's Unix-domain socket when it has one: a process on this
    /// machine saves the loopback TCP stack's work on every round trip (in one measurement,
    /// pgbench's smallest query ran twice as fast over the socket as over 127.0.0.1).
    pub fn local_url(&self, user: &str, password: &str, database: &str) -> String {
        match &self.socket_dir {
            Some(dir) => format!(
                "postgres://{user}:{password}@{}:{}/{database}?sslmode=disable",
                percent_encoding::utf8_percent_encode(
                    &dir.to_string_lossy(),
                    percent_encoding::NON_ALPHANUMERIC
                ),
                self.port
            ),
            None => self.url(user, password, database),
        }
    }

    /// The superuser's connection string for `database`.
    pub fn admin_url(&self, database: &str) -> String {
        self.url("postgres", &self.admin_password, database)
    }

    /// Copies this running cluster into `dir/pg` as a streaming standby of it (`pg_basebackup
    /// -R`, with WAL streamed meanwhile); `LocalCluster::start(dir, …)` then runs it as a hot
    /// standby that replicates from this cluster.
    pub fn clone_as_standby(&self, dir: &Path) -> Result<(), ClusterError> {
        let binaries = PgBinaries::locate()?;
        let run_as = postgres_user_when_root().map_err(|_| ClusterError::NoPostgresUser)?;
        let pgdata = dir.join("pg");
        fs::create_dir_all(&pgdata).map_err(io_error(format!("creating {}", pgdata.display())))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o711))
            .map_err(io_error("setting permissions"))?;
        fs::set_permissions(&pgdata, fs::Permissions::from_mode(0o700))
            .map_err(io_error("setting permissions"))?;
        hand_over(&pgdata, run_as)?;
        let output = binaries
            .command("pg_basebackup", run_as)
            .arg("-D")
            .arg(&pgdata)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args(["-R", "-X", "stream", "-c", "fast", "--no-sync"])
            .env("PGPASSWORD", &self.admin_password)
            .output()
            .map_err(io_error("running pg_basebackup"))?;
        if !output.status.success() {
            return Err(ClusterError::Io {
                action: "pg_basebackup".into(),
                detail: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        Ok(())
    }

    /// Stops the cluster (fast shutdown: open sessions are ended, data is kept).
    pub fn stop(&self) {
        let exited = self.exited.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(exited) = exited {
            // SAFETY: signalling our own child's pid.
            unsafe { libc::kill(self.pid, libc::SIGINT) };
            let _ = exited.recv_timeout(Duration::from_secs(30));
        }
    }

    /// Waits for postmaster.pid to say "ready", as pg_ctl does.
    fn wait_until_ready(&self, pgdata: &Path, log_path: &Path) -> Result<(), ClusterError> {
        let deadline = Instant::now() + START_TIMEOUT;
        let exited = self.exited.lock().unwrap_or_else(|e| e.into_inner());
        let exited = exited.as_ref().expect("a started cluster has a waiter");
        loop {
            // Line 1 is the postmaster's pid (a stale file from a crash names another), line 8
            // its status.
            let status = fs::read_to_string(pgdata.join("postmaster.pid")).unwrap_or_default();
            let lines: Vec<&str> = status.lines().collect();
            if lines.first() == Some(&self.pid.to_string().as_str())
                && lines.get(7).is_some_and(|line| line.trim() == "ready")
            {
                return Ok(());
            }
            if exited.try_recv().is_ok() || Instant::now() > deadline {
                let log = fs::read_to_string(log_path).unwrap_or_default();
                let tail = log
                    .lines()
                    .rev()
                    .take(10)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev();
                return Err(ClusterError::Start {
                    log: log_path.display().to_string(),
                    tail: tail.collect::<Vec<_>>().join("\n"),
                });
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn init(
    binaries: &PgBinaries,
    run_as: Option<OsUser>,
    dir: &Path,
    pgdata: &Path,
    options: &ClusterOptions,
) -> Result<(), ClusterError> {
    fs::create_dir_all(pgdata).map_err(io_error(format!("creating {}", pgdata.display())))?;
    // The cluster user must be able to pass through `dir`, which also holds our secrets.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o711))
        .map_err(io_error("setting permissions"))?;
    fs::set_permissions(pgdata, fs::Permissions::from_mode(0o700))
        .map_err(io_error("setting permissions"))?;
    let password_file = dir.join("initdb.pw");
    let mut file =
        fs::File::create(&password_file).map_err(io_error("writing the initdb password file"))?;
    file.write_all(options.admin_password.as_bytes())
        .map_err(io_error("writing the initdb password file"))?;
    for path in [pgdata, &password_file] {
        hand_over(path, run_as)?;
    }
    let mut command = binaries.command("initdb", run_as);
    command
        .arg("-D")
        .arg(pgdata)
        .args([
            "-U",
            "postgres",
            "-A",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
        ])
        .arg(format!("--pwfile={}", password_file.display()));
    if !options.durable {
        command.arg("--no-sync");
    }
    let output = command.output().map_err(io_error("running initdb"));
    let _ = fs::remove_file(&password_file);
    let output = output?;
    if !output.status.success() {
        let mut detail = String::from_utf8_lossy(&output.stderr).into_owned();
        if run_as.is_some() {
            detail.push_str("\n(as root the cluster runs as 'postgres', which must be able to reach this directory)");
        }
        let _ = fs::remove_dir_all(pgdata);
        return Err(ClusterError::Initdb(detail));
    }
    Ok(())
}

/// Writes the server's certificate and key into the data directory, readable by the cluster
/// user only (PostgreSQL refuses a key others can read).
fn install_tls(pgdata: &Path, run_as: Option<OsUser>, tls: &ServerTls) -> Result<(), ClusterError> {
    for (name, pem) in [
        ("server.crt", &tls.certificate_pem),
        ("server.key", &tls.key_pem),
    ] {
        let path = pgdata.join(name);
        fs::write(&path, pem).map_err(io_error(format!("writing {}", path.display())))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
            .map_err(io_error("setting permissions"))?;
        hand_over(&path, run_as)?;
    }
    Ok(())
}

/// Gives `path` to the user the cluster runs as (when hedgerow runs as root).
fn hand_over(path: &Path, run_as: Option<OsUser>) -> Result<(), ClusterError> {
    match run_as {
        Some(user) => std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid)).map_err(
            io_error(format!("handing {} to the postgres user", path.display())),
        ),
        None => Ok(()),
    }
}

/// `preferred` if nobody listens there, else a port the OS picks (never 5432).
fn free_port(preferred: Option<u16>) -> Result<u16, ClusterError> {
    if let Some(port) =
        preferred.filter(|&p| p != 5432 && TcpListener::bind(("127.0.0.1", p)).is_ok())
    {
        return Ok(port);
    }
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(io_error("finding a free port"))?;
    Ok(listener
        .local_addr()
        .map_err(io_error("finding a free port"))?
        .port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_path_too_long_for_the_kernel_or_the_setting_leaves_the_cluster_on_tcp() {
        let short = std::env::temp_dir();
        assert_eq!(socket_dir(&short, 5432), fs::canonicalize(&short).ok());
        let long = short.join("d".repeat(MAX_SOCKET_PATH));
        let listed = short.join("a,b");
        for dir in [&long, &listed] {
            fs::create_dir_all(dir).unwrap();
            assert_eq!(socket_dir(dir, 5432), None, "{}", dir.display());
            fs::remove_dir(dir).unwrap();
        }
        assert_eq!(
            socket_dir(&short.join("missing-dir-for-socket-test"), 5432),
            None
        );
    }
}
