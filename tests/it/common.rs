//! Test harness: an emulated portal on a free loopback port, and the real binary pointed at it.
#![allow(dead_code)]

use assert_cmd::Command;
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::{Emulator, EmulatorConfig};
use std::io::{Read, Write};
use std::path::PathBuf;

pub(crate) struct TestPortal {
    pub emulator: Emulator,
    pub dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
}

impl TestPortal {
    pub(crate) fn start() -> TestPortal {
        TestPortal::with(EmulatorConfig::default())
    }

    pub(crate) fn with(config: EmulatorConfig) -> TestPortal {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emulator = runtime.block_on(Emulator::start(config)).expect("the emulator starts");
        TestPortal { emulator, dir: tempfile::tempdir().unwrap(), runtime }
    }

    pub(crate) fn seed(
        &self,
        title: &str,
        room_type: RoomType,
        archived: bool,
        tags: &[&str],
    ) -> u64 {
        self.emulator.seed_room(title, room_type, archived, tags)
    }

    /// Writes `rooms.yaml` in the test's directory.
    pub(crate) fn manifest(&self, yaml: &str) -> PathBuf {
        self.file("rooms.yaml", yaml)
    }

    pub(crate) fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The binary, run in the test's directory against this portal, without colour.
    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::from_std(self.process(args));
        cmd.timeout(std::time::Duration::from_secs(120));
        cmd
    }

    /// The binary as a process to spawn (to signal it, or to give it a terminal), set up as
    /// every test runs it: in the test's directory, against this portal, without colour.
    pub(crate) fn process(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("docspace-rooms"));
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DOCSPACE_URL", self.emulator.url())
            .env("DOCSPACE_TOKEN", self.emulator.token())
            .env("NO_COLOR", "1")
            .args(args);
        cmd
    }

    /// The binary started in the background against this portal, its output captured.
    pub(crate) fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.process(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Titles and states of every room, sorted by title then id.
    pub(crate) fn rooms(&self) -> Vec<(String, bool, Vec<String>)> {
        let mut rooms: Vec<_> =
            self.emulator.rooms().into_iter().map(|r| (r.title, r.archived, r.tags)).collect();
        rooms.sort();
        rooms
    }

    /// Every non-GET request the portal received.
    pub(crate) fn writes(&self) -> Vec<String> {
        self.emulator
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    pub(crate) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// Waits for a state the test needs, looking every few milliseconds, and fails the test naming
/// `what` if it has not come within `within`. Never a fixed delay: it returns as soon as
/// `done` holds.
pub(crate) fn wait_until(what: &str, within: std::time::Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + within;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Sends `signal` (`-TERM`, `-INT`) to a process, as a supervisor or Ctrl-C would.
pub(crate) fn signal(child: &std::process::Child, signal: &str) {
    let sent = std::process::Command::new("kill").args([signal, &child.id().to_string()]).status();
    assert!(sent.unwrap().success(), "kill {signal} {}", child.id());
}

pub(crate) fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

impl TestPortal {
    /// Sends a request to the portal over HTTP, as another administrator would.
    pub(crate) fn http(&self, method: &str, path: &str, body: serde_json::Value) -> u16 {
        self.call(method, path, Some(body)).0
    }

    /// A request to the emulator as another client would send it, with the API token: the
    /// status and the envelope's `response` (`null` when the body is not JSON).
    pub(crate) fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let url = format!("{}{path}", self.emulator.url());
        let token = self.emulator.token().to_owned();
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        self.block_on(async move {
            let mut request = reqwest::Client::new().request(method, url).bearer_auth(token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.expect("the emulator answers");
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (status, body["response"].clone())
        })
    }
}

/// Serves `response` (raw HTTP bytes) to every connection on a free loopback port.
pub(crate) fn serve(response: &'static [u8]) -> String {
    serve_connections(response, usize::MAX)
}

/// Serves `response` to the first connection only, then stops listening (later connections are
/// refused), as a portal going down would.
pub(crate) fn serve_once(response: &'static [u8]) -> String {
    serve_connections(response, 1)
}

fn serve_connections(response: &'static [u8], connections: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 8192];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(response);
            let _ = stream.flush();
        }
    });
    url
}

/// A raw HTTP/1.1 response with this status line, content type and body.
pub(crate) fn http(status: &str, content_type: &str, body: &str) -> &'static [u8] {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    Box::leak(response.into_bytes().into_boxed_slice())
}

/// `plan` of `manifest` (written to a fresh directory) against any `url`, with a fake token and
/// this retry budget: for servers that are not an emulator.
pub(crate) fn plan_at(url: &str, manifest: &str, budget_secs: &str) -> std::process::Output {
    run_at(url, manifest, &["plan", "--retry-budget", budget_secs])
}

/// A hand-rolled portal for what the emulator cannot do: `router` served on a free loopback
/// port, on its own runtime, every request it receives logged.
pub(crate) struct FakePortal {
    pub(crate) url: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<Logged>>>,
    // Dropped last: the server task runs on it.
    runtime: tokio::runtime::Runtime,
}

/// One request a [`FakePortal`] received.
#[derive(Debug, Clone)]
pub(crate) struct Logged {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
}

impl FakePortal {
    pub(crate) fn start(router: axum::Router) -> FakePortal {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let logger = log.clone();
        let router = router.layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                logger.lock().unwrap().push(Logged {
                    method: request.method().to_string(),
                    path: request.uri().path().to_owned(),
                    query: request.uri().query().unwrap_or_default().to_owned(),
                });
                next.run(request)
            },
        ));
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, router).await });
        FakePortal { url, log, runtime }
    }

    /// Every request received, in order.
    pub(crate) fn requests(&self) -> Vec<Logged> {
        self.log.lock().unwrap().clone()
    }

    /// How many `method path` requests were received.
    pub(crate) fn count(&self, method: &str, path: &str) -> usize {
        self.requests().iter().filter(|r| r.method == method && r.path == path).count()
    }

    /// Every non-GET request received, as `METHOD /path`.
    pub(crate) fn writes(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// A client of this portal, with a fake token and these settings changed.
    pub(crate) fn client(
        &self,
        configure: impl FnOnce(&mut docspace_rooms::portal::PortalConfig),
    ) -> docspace_rooms::portal::Portal {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut config = docspace_rooms::portal::PortalConfig::new(
            self.url.parse().unwrap(),
            String::from("sk-test").into(),
        );
        configure(&mut config);
        docspace_rooms::portal::Portal::new(config).unwrap()
    }

    pub(crate) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// The portal's success envelope around `response`, with `total` where the endpoint sets one.
pub(crate) fn envelope(response: serde_json::Value, total: Option<usize>) -> serde_json::Value {
    let count = response.as_array().map_or(1, Vec::len);
    let mut body = serde_json::json!({"count": count, "status": 0, "statusCode": 200});
    body["response"] = response;
    if let Some(total) = total {
        body["total"] = total.into();
    }
    body
}

/// The binary with `args` against any `url` with a fake token, run in a fresh directory
/// holding `manifest` as `rooms.yaml`: for servers that are not an emulator.
pub(crate) fn run_at(url: &str, manifest: &str, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rooms.yaml"), manifest).unwrap();
    Command::cargo_bin("docspace-rooms")
        .unwrap()
        .current_dir(dir.path())
        .env("DOCSPACE_URL", url)
        .env("DOCSPACE_TOKEN", "sk-test")
        .env("NO_COLOR", "1")
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}
