//! A TCP proxy on loopback that can freeze: from then on it passes no byte either way and
//! accepts connections it never serves, while every connection stays open — a server that
//! stops answering, as behind a network partition. Its tasks end when it is dropped.

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{
        TcpListener, TcpStream,
        tcp::{OwnedReadHalf, OwnedWriteHalf},
    },
    sync::watch,
    task::JoinHandle,
};

pub struct FrozenProxy {
    port: u16,
    frozen: watch::Sender<bool>,
    accepting: JoinHandle<()>,
}

impl FrozenProxy {
    /// Passes connections to 127.0.0.1:`upstream` until frozen.
    pub async fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (frozen, _) = watch::channel(false);
        let thaw = frozen.clone();
        let accepting = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                connections.spawn(pass(client_read, server_write, thaw.subscribe()));
                connections.spawn(pass(server_read, client_write, thaw.subscribe()));
            }
        });
        FrozenProxy {
            port,
            frozen,
            accepting,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops passing bytes, for good.
    pub fn freeze(&self) {
        self.frozen.send_replace(true);
    }
}

impl Drop for FrozenProxy {
    fn drop(&mut self) {
        // Its connections are tasks of the accepting task's set: they end with it.
        self.accepting.abort();
    }
}

/// Copies `from` to `to` while not frozen; once frozen, holds what it read, forever.
async fn pass(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut frozen: watch::Receiver<bool>) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if frozen.wait_for(|frozen| !frozen).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
