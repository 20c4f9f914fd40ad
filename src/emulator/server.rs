//! The HTTP server: the router, the layer that records requests and applies the faults, and a
//! listener whose connections can be dropped on purpose (a response lost after a commit).

use super::context::Shared;
use super::envelope::html_response;
use super::faults::LoseResponse;
use super::snapshot::RequestRecord;
use super::{auth, folders, links, operations, people, portal_settings, rooms, settings};
use axum::Router;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::serve::{IncomingStream, Listener};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/2.0/authentication", post(people::login))
        .route("/api/2.0/files/rooms", get(rooms::list).post(rooms::create))
        .route("/api/2.0/files/rooms/covers", get(settings::covers))
        .route("/api/2.0/portal/payment/quota", get(settings::payment_quota))
        .route(
            "/api/2.0/files/rooms/{id}",
            get(rooms::get).put(rooms::update).delete(operations::delete),
        )
        .route("/api/2.0/files/rooms/{id}/archive", put(operations::archive))
        .route("/api/2.0/files/rooms/{id}/unarchive", put(operations::unarchive))
        .route("/api/2.0/files/rooms/{id}/tags", put(rooms::add_tags).delete(rooms::remove_tags))
        .route("/api/2.0/files/rooms/{id}/share", get(people::get_share).put(people::put_share))
        .route("/api/2.0/files/rooms/{id}/links", get(links::list).put(links::set))
        .route("/api/2.0/files/rooms/{id}/link", get(links::primary))
        .route("/api/2.0/files/share/{key}", get(links::share_data))
        .route("/api/2.0/files/settings", get(portal_settings::files_settings))
        .route("/api/2.0/settings/security/password", get(portal_settings::password_settings))
        .route("/api/2.0/files/fileops", get(operations::fileops))
        .route("/api/2.0/files/fileops/delete", put(folders::delete))
        .route(
            "/api/2.0/files/folder/{id}",
            post(folders::create)
                .get(folders::info)
                .put(folders::rename)
                .delete(folders::delete_one),
        )
        .route("/api/2.0/files/{id}/subfolders", get(folders::subfolders))
        .route("/api/2.0/files/{id}", get(folders::content))
        .route("/api/2.0/people", get(people::list))
        .route("/api/2.0/people/email", get(people::by_email))
        .route("/api/2.0/group", get(people::groups))
        .route("/api/2.0/keys/@self", get(auth::own))
        .route_layer(middleware::from_fn_with_state(shared.clone(), auth::authorize))
        .layer(middleware::from_fn_with_state(shared.clone(), inject))
        .with_state(shared)
}

/// Serve until `stopped` fires, then finish the open requests.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    stopped: oneshot::Receiver<()>,
) {
    let app = router(shared).into_make_service_with_connect_info::<Connection>();
    let _ = axum::serve(DroppableListener(listener), app)
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await;
}

/// Counts a non-GET request in flight for as long as it lives.
struct WriteGuard<'a>(&'a Shared);

impl<'a> WriteGuard<'a> {
    fn enter(shared: &'a Shared) -> WriteGuard<'a> {
        let now = shared.writes_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_writes.fetch_max(now, Ordering::SeqCst);
        WriteGuard(shared)
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.writes_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `Faults::commit_late_once`: the gateway's 504 now; the request is handled once `delay` has
/// passed on the emulator's clock (the scheduled change runs at the next request after that).
/// Its body is read first: the connection it came on is answered and may be gone by then.
async fn handle_later(shared: &Shared, delay: Duration, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let request = Request::from_parts(parts, axum::body::Body::from(bytes));
    let (due, wait) = oneshot::channel();
    shared.schedule(delay, move |_, _| {
        // The request may have been given up on (the emulator stopping): nothing to handle.
        let _ = due.send(());
    });
    tokio::spawn(async move {
        if wait.await.is_ok() {
            drop(next.run(request).await);
        }
    });
    html_response(StatusCode::GATEWAY_TIMEOUT)
}

/// Record every request and apply the rate limiter and the configured faults around the
/// handler.
async fn inject(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let connection = request.extensions().get::<ConnectInfo<Connection>>().map(|c| c.0.clone());
    let faults = shared.faults.current();
    let limiter = shared.behaviour().limiter;
    let write =
        (method != Method::GET && method != Method::HEAD).then(|| WriteGuard::enter(&shared));
    // As on a portal, the limiter runs after authentication (its partition is the user) and
    // before anything else: a request refused later (401, 403) was counted. Its window slides
    // on the emulator's clock; a concurrency slot is held until the response is made.
    let (request, admission) = if limiter.is_on() {
        let (parts, body) = request.into_parts();
        let user =
            shared.authenticate(&parts).person.map_or_else(|| "anonymous".to_owned(), |p| p.id);
        let now = shared.clock.since_epoch();
        let admission = shared.limits.admit(&limiter, &user, method.as_str(), now);
        (Request::from_parts(parts, body), admission)
    } else {
        (request, Ok(None))
    };
    shared.faults.gather(&faults).await;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let sequence = shared.faults.count_request();
    // Faults go by the emulator's clock too; the latency above is the network's.
    let now = shared.clock.since_epoch();

    // The endpoint policy of `PUT …/share` after the chain (see `limiter`).
    let (request, admission) = match admission {
        Ok(slot)
            if limiter.email_invitations.is_some() && method == Method::PUT && is_share(&path) =>
        {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 16 << 20).await.unwrap_or_default();
            let invitations = super::limiter::email_invitations(&body);
            let admitted =
                shared.limits.admit_invitations(&limiter, invitations, shared.clock.since_epoch());
            (Request::from_parts(parts, body.into()), admitted.map(|()| slot))
        }
        admission => (request, admission),
    };
    let mut response = match admission {
        Err(refusal) => refusal.into_response(),
        Ok(slot) => {
            let response = if let Some(response) = faults.before_request(sequence, now) {
                response
            } else if let Some(response) = shared.faults.fail_once(&faults, method.as_str(), &path)
            {
                response
            } else if let Some(delay) =
                shared.faults.commit_late_once(&faults, method.as_str(), &path)
            {
                handle_later(&shared, delay, request, next).await
            } else {
                next.run(request).await
            };
            drop(slot);
            shared.faults.hold_response_once(&faults, method.as_str(), &path).await;
            response
        }
    };
    if response.status().is_success() && shared.faults.lose_once(&faults, method.as_str(), &path) {
        response.extensions_mut().insert(LoseResponse);
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

/// Whether `path` is a room's `…/share`, the one endpoint of the email-invitation policy the
/// tool calls (`VirtualRoomsController.cs` L485-487).
fn is_share(path: &str) -> bool {
    path.strip_prefix("/api/2.0/files/rooms/")
        .and_then(|rest| rest.strip_suffix("/share"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
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
pub(crate) struct Connection {
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
