//! Test harness: an emulated portal on a free loopback port, the one way tests call it over
//! HTTP, and the real binary pointed at it.
#![allow(dead_code)]

pub(crate) mod schema;

use assert_cmd::Command;
use docspace_rooms::docspace::RoomType;
use docspace_rooms::emulator::faults::Faults;
use docspace_rooms::emulator::{Clock, Emulator, EmulatorConfig};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::PathBuf;

/// How long after its 504 a [`TestPortal::committing_late`] portal commits the write.
pub(crate) const COMMITTED_LATE: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) struct TestPortal {
    pub emulator: Emulator,
    pub dir: tempfile::TempDir,
    pub api: Api,
    runtime: tokio::runtime::Runtime,
}

impl TestPortal {
    pub(crate) fn start() -> TestPortal {
        TestPortal::with(EmulatorConfig::default())
    }

    /// A portal on `clock`, which the test advances instead of waiting.
    pub(crate) fn on_clock(clock: Clock) -> TestPortal {
        TestPortal::with(EmulatorConfig { clock, ..EmulatorConfig::default() })
    }

    /// A portal on a manual clock whose gateway gives up (504) on the first request matching
    /// `entry` (`"METHOD /path/*"`), which the portal commits [`COMMITTED_LATE`] later (see
    /// `Faults::commit_late_once`); run the binary with [`TestPortal::run_committed_late`].
    pub(crate) fn committing_late(entry: &str) -> TestPortal {
        TestPortal::with(EmulatorConfig {
            faults: Faults {
                commit_late_once: vec![(entry.to_owned(), COMMITTED_LATE)],
                ..Faults::default()
            },
            clock: Clock::manual(),
            ..EmulatorConfig::default()
        })
    }

    pub(crate) fn with(config: EmulatorConfig) -> TestPortal {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emulator = runtime.block_on(Emulator::start(config)).expect("the emulator starts");
        let api = Api::new(&emulator.url(), emulator.token());
        TestPortal { emulator, dir: tempfile::tempdir().unwrap(), api, runtime }
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

    /// The binary run with `args` against a [`TestPortal::committing_late`] portal: its clock
    /// moves on once the run has looked up (a GET whose path `lookup` accepts) after the 504,
    /// so that lookup certainly missed the write.
    pub(crate) fn run_committed_late(
        &self,
        args: &[&str],
        lookup: &dyn Fn(&str) -> bool,
    ) -> std::process::Output {
        let child = self.spawn(args);
        wait_until("a lookup after the 504", std::time::Duration::from_secs(30), || {
            let requests = self.emulator.requests();
            let sent = requests.iter().position(|r| r.method != "GET" && r.status == 504);
            sent.is_some_and(|at| {
                requests[at..].iter().any(|r| r.method == "GET" && lookup(&r.path))
            })
        });
        self.emulator.clock().advance(COMMITTED_LATE);
        child.wait_with_output().unwrap()
    }

    /// Titles and states of every room, sorted by title then id.
    pub(crate) fn rooms(&self) -> Vec<(String, bool, Vec<String>)> {
        let mut rooms: Vec<_> =
            self.emulator.rooms().into_iter().map(|r| (r.title, r.archived, r.tags)).collect();
        rooms.sort();
        rooms
    }

    /// The paths of the folders of `room` not in the trash (`A/B`), sorted.
    pub(crate) fn folder_paths(&self, room: u64) -> Vec<String> {
        let folders = self.emulator.folders(room);
        let path_of = |mut id: u64| {
            let mut titles = Vec::new();
            while let Some(folder) = folders.iter().find(|f| f.id == id) {
                titles.push(folder.title.clone());
                id = folder.parent;
            }
            titles.reverse();
            titles.join("/")
        };
        let mut paths: Vec<String> =
            folders.iter().filter(|f| !f.trashed).map(|f| path_of(f.id)).collect();
        paths.sort();
        paths
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

    /// Stops the emulator and waits until it has (its state file written).
    pub(crate) fn shutdown(self) {
        self.runtime.block_on(self.emulator.shutdown());
    }

    pub(crate) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// Waits for a state the test needs, looking every few milliseconds, and fails the test naming
/// `what` if it has not come within `within`. Never a fixed delay: it returns as soon as
/// `done` holds.
pub(crate) fn wait_until(what: &str, within: std::time::Duration, done: impl FnMut() -> bool) {
    assert!(comes_within(within, done), "{what}: not within {within:?}");
}

/// Whether `done` comes to hold within `within`, looking every few milliseconds: as
/// [`wait_until`], for a test that has something to release before it fails.
pub(crate) fn comes_within(within: std::time::Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + within;
    while !done() {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    true
}

/// A pseudo-terminal: the controlling side, and the side a program sees as its terminal.
fn open_pty() -> (std::fs::File, std::os::fd::OwnedFd) {
    use std::os::fd::FromRawFd;
    let (mut controller, mut terminal) = (-1, -1);
    // SAFETY: `openpty` writes two new descriptors into the two integers and reads no other
    // argument when they are null; each descriptor is owned exactly once below.
    let status = unsafe {
        libc::openpty(
            &raw mut controller,
            &raw mut terminal,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(status, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and nothing else owns them.
    unsafe { (std::fs::File::from_raw_fd(controller), std::os::fd::OwnedFd::from_raw_fd(terminal)) }
}

/// Runs `apply` with a pseudo-terminal as stdin, stdout and stderr, calls `meanwhile` once the
/// prompt is on the screen (the plan is made), then types `answer`, and returns the exit code and
/// the screen.
pub(crate) fn apply_on_a_terminal(
    portal: &TestPortal,
    answer: &str,
    meanwhile: impl FnOnce(),
) -> (i32, String) {
    use std::io::{Read, Write};
    let (mut controller, terminal) = open_pty();
    let mut child = portal
        .process(&["apply"])
        .stdin(terminal.try_clone().unwrap())
        .stdout(terminal.try_clone().unwrap())
        .stderr(terminal)
        .spawn()
        .unwrap();
    let mut screen = Vec::new();
    let mut buffer = [0u8; 4096];
    let mut meanwhile = Some(meanwhile);
    // Reading ends when the program has exited and closed the terminal (EIO on Linux).
    while let Ok(n @ 1..) = controller.read(&mut buffer) {
        screen.extend_from_slice(&buffer[..n]);
        if meanwhile.is_some()
            && String::from_utf8_lossy(&screen).contains("Apply these changes? [y/N]")
            && let Some(meanwhile) = meanwhile.take()
        {
            meanwhile();
            controller.write_all(answer.as_bytes()).unwrap();
        }
    }
    let code = child.wait().unwrap().code().unwrap_or(-1);
    (code, String::from_utf8_lossy(&screen).into_owned())
}

/// Sends `signal` (`-TERM`, `-INT`) to a process, as a supervisor or Ctrl-C would.
pub(crate) fn signal(child: &std::process::Child, signal: &str) {
    let sent = std::process::Command::new("kill").args([signal, &child.id().to_string()]).status();
    assert!(sent.unwrap().success(), "kill {signal} {}", child.id());
}

/// The CI examples users copy (`examples/ci/*.yml`), as `(file name, text)`, sorted.
pub(crate) fn ci_examples() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci");
    let mut examples: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    examples.sort();
    assert!(examples.len() >= 3, "{examples:?}");
    examples
}

pub(crate) fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Calls to the portal as another client would send them, answered before they return.
impl TestPortal {
    /// `path` below `/api/2.0/`, a verbatim body with its content type.
    pub(crate) fn raw(
        &self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        body: Option<&str>,
        content_type: Option<&str>,
    ) -> Reply {
        self.block_on(self.api.send(method, path, auth, body, content_type))
            .expect("the emulator answers")
    }

    /// `path` below `/api/2.0/` with a JSON body, if any.
    pub(crate) fn call(
        &self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        body: Option<Value>,
    ) -> Reply {
        self.block_on(self.api.call(method, path, auth, body)).expect("the emulator answers")
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
        self.call("GET", path, Auth::Owner, None)
    }

    pub(crate) fn post(&self, path: &str, body: Value) -> Reply {
        self.call("POST", path, Auth::Owner, Some(body))
    }

    pub(crate) fn put(&self, path: &str, body: Value) -> Reply {
        self.call("PUT", path, Auth::Owner, Some(body))
    }

    pub(crate) fn delete(&self, path: &str, body: Value) -> Reply {
        self.call("DELETE", path, Auth::Owner, Some(body))
    }

    /// Creates a room over HTTP; its JSON.
    pub(crate) fn create(&self, title: &str, room_type: Value) -> Value {
        let mut body = json!({ "title": title });
        body["roomType"] = room_type;
        let reply = self.post("files/rooms", body);
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.response().clone()
    }

    /// The operations `/fileops` reports now.
    pub(crate) fn fileops(&self) -> Vec<Value> {
        let reply = self.get("files/fileops");
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.response().as_array().unwrap().clone()
    }

    /// Polls `/fileops` until every operation was reported finished, as a client does.
    pub(crate) fn settle(&self) {
        for _ in 0..20 {
            if self.fileops().iter().all(|op| op["finished"] == json!(true)) {
                return;
            }
        }
        panic!("operations did not finish");
    }

    pub(crate) fn room(&self, id: u64) -> Reply {
        self.get(&format!("files/rooms/{id}"))
    }

    /// Titles listed by a rooms query.
    pub(crate) fn titles(&self, query: &str) -> Vec<String> {
        let reply = self.get(&format!("files/rooms?{query}"));
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.response()["folders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["title"].as_str().unwrap().to_string())
            .collect()
    }

    /// Logs `email` in with the portal's password; the session token.
    pub(crate) fn login(&self, email: &str) -> String {
        let body = json!({"userName": email, "password": self.emulator.password()});
        let reply = self.call("POST", "authentication", Auth::Anonymous, Some(body));
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.response()["token"].as_str().unwrap().to_string()
    }
}

/// An emulator's API over HTTP (`base` is `http://host:port`), with its owner's API token.
pub(crate) struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    pub(crate) fn new(base: &str, token: &str) -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http =
            reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build().unwrap();
        Api { base: base.to_owned(), token: token.to_owned(), http }
    }

    /// The URL of `path` below `/api/2.0/`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/api/2.0/{path}", self.base)
    }

    /// Sends a request: the one way tests call an emulator. An error only when no response
    /// came at all.
    pub(crate) async fn send(
        &self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        body: Option<&str>,
        content_type: Option<&str>,
    ) -> reqwest::Result<Reply> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, self.url(path));
        request = match auth {
            Auth::Owner => request.bearer_auth(&self.token),
            Auth::Anonymous => request,
            Auth::Header(value) => request.header("Authorization", value),
            Auth::Cookie(value) => request.header("Cookie", format!("asc_auth_key={value}")),
        };
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await?;
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Reply { status, headers, text, json })
    }

    /// [`Api::send`] with a JSON body, if any.
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        body: Option<Value>,
    ) -> reqwest::Result<Reply> {
        let body = body.map(|b| b.to_string());
        let content_type = body.as_ref().map(|_| "application/json");
        self.send(method, path, auth, body.as_deref(), content_type).await
    }
}

/// Whose credentials a request carries.
#[derive(Clone, Copy)]
pub(crate) enum Auth<'a> {
    /// The API token, as `Authorization: Bearer`.
    Owner,
    Anonymous,
    /// `Authorization: <value>` verbatim.
    Header(&'a str),
    /// `Cookie: asc_auth_key=<value>`.
    Cookie(&'a str),
}

/// An emulator's answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) text: String,
    /// The body as JSON; `null` when it is not.
    pub(crate) json: Value,
}

impl Reply {
    /// The envelope's `response`.
    pub(crate) fn response(&self) -> &Value {
        &self.json["response"]
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The exception envelope's `error.message`; empty when there is none.
    pub(crate) fn error_message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or_default()
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

/// The binary with `args` against any `url` with a fake login token (not an API key, so no
/// `keys/@self` comes first), run in a fresh directory holding `manifest` as `rooms.yaml`: for
/// servers that are not an emulator.
pub(crate) fn run_at(url: &str, manifest: &str, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rooms.yaml"), manifest).unwrap();
    Command::cargo_bin("docspace-rooms")
        .unwrap()
        .current_dir(dir.path())
        .env("DOCSPACE_URL", url)
        .env("DOCSPACE_TOKEN", "test-login-token")
        .env("NO_COLOR", "1")
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

/// `text` with its year 2030 made two years after the real one: a link declared with a date
/// must lie ahead of the tool's clock, whatever day the tests run.
pub(crate) fn dated(text: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    // Years of 365.2425 days: off by a day at most around New Year, which two years absorb.
    let year = 1970 + now.as_secs() / 31_556_952 + 2;
    text.replace("2030", &year.to_string())
}

/// `docspace-rooms emulator` with `args`, started: the process, the first line it printed, the
/// URL that line gives and the API token the next one does.
pub(crate) fn emulator_command(
    args: &[&std::ffi::OsStr],
) -> (std::process::Child, String, String, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_docspace-rooms"))
        .arg("emulator")
        .args(args)
        .env_remove("DOCSPACE_EMULATOR_TOKEN")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("DocSpace emulator listening on ").unwrap_or_default();
    let url = url.split(' ').next().unwrap_or_default().to_owned();
    let second = lines.next().unwrap().unwrap();
    let token = second.rsplit(' ').next().unwrap().to_string();
    assert!(token.starts_with("sk-"), "{second}");
    (child, first, url, token)
}
