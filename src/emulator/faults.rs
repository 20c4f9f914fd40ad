//! The HTTP server: the router, the layer that records requests and injects faults, and a
//! listener whose connections can be dropped on purpose (a response lost after a commit).

use super::context::Shared;
use super::envelope::html_response;
use super::rooms::LoseResponse;
use super::{Faults, RequestRecord, operations, people, rooms};
use crate::docspace::MAX_CONCURRENT_WRITES;
use axum::Router;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::serve::{IncomingStream, Listener};
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/2.0/authentication", post(people::login))
        .route("/api/2.0/files/rooms", get(rooms::list).post(rooms::create))
        .route(
            "/api/2.0/files/rooms/{id}",
            get(rooms::get).put(rooms::update).delete(operations::delete),
        )
        .route("/api/2.0/files/rooms/{id}/archive", put(operations::archive))
        .route("/api/2.0/files/rooms/{id}/unarchive", put(operations::unarchive))
        .route("/api/2.0/files/rooms/{id}/tags", put(rooms::add_tags).delete(rooms::remove_tags))
        .route("/api/2.0/files/rooms/{id}/share", get(people::get_share).put(people::put_share))
        .route("/api/2.0/files/fileops", get(operations::fileops))
        .route("/api/2.0/people", get(people::list))
        .route("/api/2.0/people/email", get(people::by_email))
        .route("/api/2.0/group", get(people::groups))
        .layer(middleware::from_fn_with_state(shared.clone(), inject))
        .with_state(shared)
}

/// Serve until `stopped` fires, then finish the open requests.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, stopped: oneshot::Receiver<()>) {
    let app = router(shared).into_make_service_with_connect_info::<Connection>();
    let _ = axum::serve(DroppableListener(listener), app)
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await;
}

/// Counts a non-GET request in flight for as long as it lives.
struct WriteGuard<'a>(&'a Shared, usize);

impl<'a> WriteGuard<'a> {
    fn enter(shared: &'a Shared) -> WriteGuard<'a> {
        let now = shared.writes_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_writes.fetch_max(now, Ordering::SeqCst);
        WriteGuard(shared, now)
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.writes_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Record every request and apply the configured faults around the handler.
async fn inject(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let connection = request.extensions().get::<ConnectInfo<Connection>>().map(|c| c.0.clone());
    let faults = shared.faults.lock().expect("faults lock").clone();
    let enforce = shared.behaviour().enforce_write_concurrency;
    let write =
        (method != Method::GET && method != Method::HEAD).then(|| WriteGuard::enter(&shared));
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let sequence = shared.sequence.fetch_add(1, Ordering::SeqCst) + 1;
    let every = |n: Option<u32>| is_nth(n, sequence);
    let now = Instant::now();

    let mut response = if enforce && write.as_ref().is_some_and(|w| w.1 > MAX_CONCURRENT_WRITES) {
        // The concurrency limiter rejects at once, with no Retry-After.
        StatusCode::TOO_MANY_REQUESTS.into_response()
    } else if every(faults.rate_limit_every) || over_per_second(&shared, &faults, now) {
        let limit = faults.rate_limit_per_second.unwrap_or(1500);
        too_many(faults.retry_after_secs, limit, faults.retry_after_secs)
    } else if let Some(retry) = over_window(&shared, &faults, now) {
        let (limit, _) = faults.rate_limit_headers.expect("window configured");
        too_many(retry, limit, retry)
    } else if every(faults.server_error_every) {
        html_response(
            StatusCode::from_u16(faults.server_error_status).unwrap_or(StatusCode::BAD_GATEWAY),
        )
    } else {
        next.run(request).await
    };
    if let Some((limit, window)) = faults.rate_limit_headers {
        window_headers(&shared, &mut response, limit, window, now);
    }
    let lost = response.extensions().get::<LoseResponse>().is_some();
    if lost {
        match &connection {
            Some(connection) => connection.drop_response(),
            // Without a droppable connection, a gateway timeout stands in for the lost response.
            None => response = html_response(StatusCode::GATEWAY_TIMEOUT),
        }
    }
    shared.requests.lock().expect("requests lock").push(RequestRecord {
        method: method.to_string(),
        path,
        status: response.status().as_u16(),
        response_lost: lost,
    });
    drop(write);
    response
}

/// Whether the `count`-th event is one of every `n`th (never when `n` is unset or 0).
pub fn is_nth(n: Option<u32>, count: u64) -> bool {
    n.is_some_and(|n| n > 0 && count.is_multiple_of(u64::from(n)))
}

/// A 429 with an empty body and the limiter's headers.
fn too_many(retry_after: u64, limit: u32, reset: u64) -> Response {
    let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
    let headers = response.headers_mut();
    headers.insert("retry-after", HeaderValue::from(retry_after));
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(0));
    headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
    response
}

/// Slide a window of accepted requests; `true` when it already holds `limit` of them.
fn window_full(window: &mut VecDeque<Instant>, limit: u32, length: Duration, now: Instant) -> bool {
    while window.front().is_some_and(|t| now.duration_since(*t) >= length) {
        window.pop_front();
    }
    if window.len() >= limit as usize {
        return true;
    }
    window.push_back(now);
    false
}

fn over_per_second(shared: &Shared, faults: &Faults, now: Instant) -> bool {
    let Some(limit) = faults.rate_limit_per_second else { return false };
    window_full(
        &mut shared.last_second.lock().expect("rate lock"),
        limit,
        Duration::from_secs(1),
        now,
    )
}

/// `Some(retry-after seconds)` when the sliding window of `rate_limit_headers` is full.
fn over_window(shared: &Shared, faults: &Faults, now: Instant) -> Option<u64> {
    let (limit, length) = faults.rate_limit_headers?;
    let mut window = shared.window.lock().expect("window lock");
    window_full(&mut window, limit, length, now).then(|| seconds_until_free(&window, length, now))
}

fn seconds_until_free(window: &VecDeque<Instant>, length: Duration, now: Instant) -> u64 {
    let wait = window
        .front()
        .map_or(Duration::ZERO, |oldest| (*oldest + length).saturating_duration_since(now));
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

fn window_headers(
    shared: &Shared,
    response: &mut Response,
    limit: u32,
    length: Duration,
    now: Instant,
) {
    let window = shared.window.lock().expect("window lock");
    let remaining = (limit as usize).saturating_sub(window.len());
    let reset = seconds_until_free(&window, length, now);
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", limit as u64),
        ("x-ratelimit-remaining", remaining as u64),
        ("x-ratelimit-reset", reset),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}

/// A TCP listener whose connections can be cut before a response is written.
struct DroppableListener(TcpListener);

impl Listener for DroppableListener {
    type Io = DroppableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (
                        DroppableStream { stream, dropped: Arc::new(AtomicBool::new(false)) },
                        addr,
                    );
                }
                // Out of file descriptors and the like: wait a little, as axum does.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection that refuses to write once its response is to be lost, so the server closes it.
struct DroppableStream {
    stream: TcpStream,
    dropped: Arc<AtomicBool>,
}

impl DroppableStream {
    fn refuse(&self) -> Option<io::Error> {
        self.dropped
            .load(Ordering::SeqCst)
            .then(|| io::Error::new(io::ErrorKind::BrokenPipe, "response dropped by the emulator"))
    }
}

impl AsyncRead for DroppableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for DroppableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.refuse() {
            Some(err) => Poll::Ready(Err(err)),
            None => Pin::new(&mut self.stream).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.refuse() {
            Some(err) => Poll::Ready(Err(err)),
            None => Pin::new(&mut self.stream).poll_flush(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The connection a request came on, as handlers and layers see it.
#[derive(Clone)]
pub struct Connection {
    dropped: Arc<AtomicBool>,
}

impl Connection {
    /// Make the connection fail its next write: the client gets no response at all.
    fn drop_response(&self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, DroppableListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, DroppableListener>) -> Self {
        Connection { dropped: stream.io().dropped.clone() }
    }
}
