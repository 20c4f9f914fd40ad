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
            let on_page: &(dyn Fn(usize, usize) + Sync) = if read == 1 { on_page } else { &|_, _| {} };
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
    async fn read_pages<T, F, Fut>(&self, page: &F, on_page: &(dyn Fn(usize, usize) + Sync)) -> Result<Option<Vec<T>>, ApiError>
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = Result<Page<T>, ApiError>>,
    {
        let (mut items, total) = page(0).await?;
        on_page(items.len(), total);
        let starts: Vec<usize> = (1..total.div_ceil(MAX_PAGE_SIZE)).map(|index| index * MAX_PAGE_SIZE).collect();
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
