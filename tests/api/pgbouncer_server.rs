//! Debian's real PgBouncer (`/usr/sbin/pgbouncer`, apt package `pgbouncer`) on loopback, in
//! transaction pooling mode, in front of a cluster of the tests; stopped and its directory
//! removed when dropped.

use std::{
    net::TcpStream,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use hedgerow::db::child_process::{postgres_user_when_root, spawn_tied_to_this_process};

use crate::helpers::ScratchDir;

pub struct PgBouncer {
    port: u16,
    pid: i32,
    exited: mpsc::Receiver<ExitStatus>,
    dir: ScratchDir,
}

/// How the pooler is set up.
pub struct Pooling {
    /// Server connections per database and user.
    pub server_connections: u32,
    /// Users and their passwords, which PgBouncer also uses to log in upstream.
    pub users: Vec<(String, String)>,
}

impl PgBouncer {
    /// Starts PgBouncer in `pool_mode = transaction` in front of `upstream` (host and port;
    /// every database), with prepared-statement tracking off (1.18 has none; from 1.21 it is
    /// `max_prepared_statements`), as a pooler that cannot carry named statements.
    pub fn start(upstream: (String, u16), pooling: &Pooling) -> Self {
        let (upstream_host, upstream_port) = upstream;
        let binary = Path::new("/usr/sbin/pgbouncer");
        assert!(
            binary.exists(),
            "PgBouncer is not installed: apt-get install -y pgbouncer (.ci/run does)"
        );
        let dir = ScratchDir::new("hedgerow-pgbouncer");
        let port = free_port();
        let users: String = pooling
            .users
            .iter()
            .map(|(user, password)| format!("\"{user}\" \"{password}\"\n"))
            .collect();
        let statement_tracking = if version(binary) >= (1, 21) {
            "max_prepared_statements = 0\n"
        } else {
            ""
        };
        let ini = format!(
            "[databases]\n* = host={upstream_host} port={upstream_port}\n\
             [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
             auth_type = scram-sha-256\nauth_file = {}\npool_mode = transaction\n\
             default_pool_size = {}\nmin_pool_size = 0\nreserve_pool_size = 0\n\
             max_client_conn = 200\n{statement_tracking}",
            dir.0.join("users.txt").display(),
            pooling.server_connections,
        );
        write_readable(&dir.0.join("users.txt"), &users);
        write_readable(&dir.0.join("pgbouncer.ini"), &ini);
        std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755)).unwrap();
        let log = std::fs::File::create(dir.0.join("pgbouncer.log")).unwrap();
        let mut command = Command::new(binary);
        command
            .arg(dir.0.join("pgbouncer.ini"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        // PgBouncer refuses to run as root, as PostgreSQL does.
        if let Some(user) = postgres_user_when_root().expect("a postgres system user") {
            user.apply(&mut command);
        }
        let (pid, exited) = spawn_tied_to_this_process(command).expect("starting pgbouncer");
        let bouncer = PgBouncer {
            port,
            pid,
            exited,
            dir,
        };
        bouncer.wait_until_listening();
        bouncer
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// What PgBouncer logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("pgbouncer.log")).unwrap_or_default()
    }

    /// The directory of its configuration and log, removed when it is dropped.
    pub fn dir(&self) -> PathBuf {
        self.dir.0.clone()
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if self.exited.try_recv().is_ok() || Instant::now() > deadline {
                panic!("pgbouncer did not start:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PgBouncer {
    /// SIGINT: PgBouncer's safe shutdown (it closes its server connections and exits).
    fn drop(&mut self) {
        // SAFETY: signalling our own child's pid.
        unsafe { libc::kill(self.pid, libc::SIGINT) };
        let _ = self.exited.recv_timeout(Duration::from_secs(10));
    }
}

/// The installed PgBouncer's version, from `pgbouncer --version` ("PgBouncer 1.18.0").
fn version(binary: &Path) -> (u32, u32) {
    let output = Command::new(binary).arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let number = text
        .split_whitespace()
        .nth(1)
        .expect("pgbouncer --version names its version");
    let mut parts = number.split('.').map(|part| part.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

fn write_readable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
