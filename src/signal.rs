//! Waiting for the signals that ask a job to stop: Ctrl-C, and SIGTERM on Unix (as CI runners
//! and container stops send it).

/// Resolves at the next Ctrl-C or SIGTERM; never, if the handlers cannot be installed.
pub(crate) async fn shutdown() {
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
