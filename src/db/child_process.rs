//! Server processes that hedgerow (or its tests) runs as children: they run as the `postgres`
//! system user when this process is root (PostgreSQL and PgBouncer refuse to run as root), and
//! they are spawned from a thread that lives exactly as long as they do, with
//! PR_SET_PDEATHSIG, so that they stop when this process dies, even by `kill -9`.

use std::{
    ffi::CString,
    io,
    os::unix::process::CommandExt,
    process::{Command, ExitStatus},
    sync::mpsc,
    thread,
};

/// The unprivileged account children run as when this process is root.
#[derive(Debug, Clone, Copy)]
pub struct OsUser {
    pub uid: u32,
    pub gid: u32,
}

impl OsUser {
    /// Makes `command` run as this user.
    pub fn apply(self, command: &mut Command) {
        command.uid(self.uid).gid(self.gid);
    }
}

/// As root, there is no `postgres` system user to run servers as.
#[derive(Debug, Clone, Copy)]
pub struct NoPostgresUser;

/// The `postgres` system user when this process is root; None when it is not root.
pub fn postgres_user_when_root() -> Result<Option<OsUser>, NoPostgresUser> {
    // SAFETY: geteuid has no preconditions; getpwnam returns NULL or a valid static record.
    unsafe {
        if libc::geteuid() != 0 {
            return Ok(None);
        }
        let name = CString::new("postgres").unwrap();
        let record = libc::getpwnam(name.as_ptr());
        if record.is_null() {
            return Err(NoPostgresUser);
        }
        Ok(Some(OsUser {
            uid: (*record).pw_uid,
            gid: (*record).pw_gid,
        }))
    }
}

/// Spawns `command` from a thread that waits for it, with the parent-death signal (SIGINT) set
/// so the child is stopped when this process ends. Returns the pid and a channel that receives
/// its exit status.
pub fn spawn_tied_to_this_process(
    mut command: Command,
) -> io::Result<(i32, mpsc::Receiver<ExitStatus>)> {
    // SAFETY: prctl is async-signal-safe; it runs in the child after fork (and after the uid
    // change, which would otherwise clear the setting).
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (pid_tx, pid_rx) = mpsc::channel();
    let (exit_tx, exit_rx) = mpsc::channel();
    let name = command.get_program().to_string_lossy().into_owned();
    thread::Builder::new()
        .name(format!("waiter of {name}"))
        .spawn(move || match command.spawn() {
            Ok(mut child) => {
                let _ = pid_tx.send(Ok(child.id() as i32));
                if let Ok(status) = child.wait() {
                    let _ = exit_tx.send(status);
                }
            }
            Err(e) => {
                let _ = pid_tx.send(Err(e));
            }
        })?;
    let pid = pid_rx
        .recv()
        .map_err(|_| io::Error::other("the waiter thread died"))??;
    Ok((pid, exit_rx))
}
