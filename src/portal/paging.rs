//! Reading an offset-paged list whole: the first page gives `total`, the others are read
//! `--parallelism` at a time. Pages are addressed by offset, so an item created or deleted by
//! someone else between two page reads shifts the later pages and one item goes unseen (or is
//! seen twice). Pages that disagree on `total` are that sign; such a list is read again.

use super::client::Portal;
use super::error::ApiError;
use crate::docspace::MAX_PAGE_SIZE;
use futures::{StreamExt, TryStreamExt};
use std::future::Future;

/// Reads of a list that found it changing under them before the list fails.
pub(super) const READS: u32 = 3;

/// One page: its items and the list's `total` as that page reported it.
pub(super) type Page<T> = (Vec<T>, usize);

impl Portal {
    /// Every item of the list `page` reads, in page order. `consistent` may reject a complete
    /// read on its own grounds (rooms: the same id twice). `on_page` hears of the first read's
    /// pages (items read, total). Fails with [`ApiError::ListingChanged`] after [`READS`] reads
    /// that saw the list change.
    pub(super) async fn read_list<T, F, Fut>(
        &self,
        request: &str,
        page: F,
        consistent: impl Fn(&mut Vec<T>) -> bool,
        on_page: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<T>, ApiError>
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = Result<Page<T>, ApiError>>,
    {
        for read in 1..=READS {
            let on_page: &(dyn Fn(usize, usize) + Sync) =
                if read == 1 { on_page } else { &|_, _| {} };
            if let Some(mut items) = self.read_pages(&page, on_page).await?
                && consistent(&mut items)
            {
                return Ok(items);
            }
            tracing::info!(request, read, "the list changed while it was read; reading it again");
        }
        Err(ApiError::ListingChanged { request: request.to_owned(), reads: READS })
    }

    /// One read of every page, or `None` when the pages disagree on `total`.
    async fn read_pages<T, F, Fut>(
        &self,
        page: &F,
        on_page: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Option<Vec<T>>, ApiError>
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = Result<Page<T>, ApiError>>,
    {
        let (mut items, total) = page(0).await?;
        on_page(items.len(), total);
        let starts: Vec<usize> =
            (1..total.div_ceil(MAX_PAGE_SIZE)).map(|index| index * MAX_PAGE_SIZE).collect();
        // Awaited as they come, so one slow page does not hold back the next requests.
        let mut rest: Vec<(usize, Page<T>)> = futures::stream::iter(starts)
            .map(|start| async move {
                let read = page(start).await?;
                on_page(read.0.len(), total);
                Ok::<_, ApiError>((start, read))
            })
            .buffer_unordered(self.config().parallelism.max(1))
            .try_collect()
            .await?;
        if rest.iter().any(|(_, (_, page_total))| *page_total != total) {
            return Ok(None);
        }
        rest.sort_unstable_by_key(|(start, _)| *start);
        items.reserve_exact(total.saturating_sub(items.len()));
        for (_, (page_items, _)) in rest {
            items.extend(page_items);
        }
        Ok(Some(items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::PortalConfig;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn portal() -> Portal {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = PortalConfig::new(
            "http://127.0.0.1:9/".parse().unwrap(),
            String::from("sk-test").into(),
        );
        Portal::new(config).unwrap()
    }

    type PageFuture = futures::future::BoxFuture<'static, Result<Page<usize>, ApiError>>;

    /// Pages of `items` by offset, later pages answering sooner (so they arrive out of order);
    /// while `changing_reads` whole reads remain, the last page reports one item fewer in
    /// `total`, as after a deletion between page reads. Also counts the reads.
    fn pages(
        items: usize,
        changing_reads: usize,
    ) -> (impl Fn(usize) -> PageFuture, std::sync::Arc<AtomicUsize>) {
        let reads = std::sync::Arc::new(AtomicUsize::new(0));
        let counter = reads.clone();
        let last = (items - 1) / MAX_PAGE_SIZE * MAX_PAGE_SIZE;
        let page = move |start: usize| -> PageFuture {
            let read = if start == 0 {
                counter.fetch_add(1, Ordering::SeqCst) + 1
            } else {
                counter.load(Ordering::SeqCst)
            };
            let total = if start == last && read <= changing_reads { items - 1 } else { items };
            let delay = std::time::Duration::from_millis(((items - start) / MAX_PAGE_SIZE) as u64);
            Box::pin(async move {
                tokio::time::sleep(delay).await;
                Ok(((start..(start + MAX_PAGE_SIZE).min(items)).collect(), total))
            })
        };
        (page, reads)
    }

    #[tokio::test]
    async fn pages_fetched_out_of_order_are_joined_in_page_order() {
        let (page, reads) = pages(1_050, 0);
        let items = portal().read_list("GET /list", page, |_| true, &|_, _| {}).await.unwrap();
        assert_eq!(items, (0..1_050).collect::<Vec<_>>());
        assert_eq!(reads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_list_that_changed_while_it_was_read_is_read_again() {
        let (page, reads) = pages(250, 2);
        let items = portal().read_list("GET /list", page, |_| true, &|_, _| {}).await.unwrap();
        assert_eq!(items.len(), 250);
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_list_that_keeps_changing_is_an_error_after_three_reads() {
        let (page, reads) = pages(250, usize::MAX);
        let err = portal().read_list("GET /list", page, |_| true, &|_, _| {}).await.unwrap_err();
        assert!(matches!(err, ApiError::ListingChanged { reads: 3, .. }), "{err}");
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_read_its_caller_finds_inconsistent_is_read_again() {
        let (page, reads) = pages(150, 0);
        let calls = AtomicUsize::new(0);
        let items = portal()
            .read_list("GET /list", page, |_| calls.fetch_add(1, Ordering::SeqCst) > 0, &|_, _| {})
            .await
            .unwrap();
        assert_eq!(items.len(), 150);
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }
}
