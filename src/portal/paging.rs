//! Reading an offset-paged list whole. The first page gives `total` and the page size the
//! portal really serves (its item count: a portal or a proxy may cap pages below the
//! `count` asked for); the other pages are read at that stride, `--parallelism` at a time.
//! Pages are addressed by offset, so an item created or deleted by someone else between two
//! page reads shifts the later pages and one item goes unseen (or is seen twice). Pages that
//! disagree on `total`, a page shorter or longer than the stride before the end, or items that
//! do not add up to `total` are that sign (or a server not paging as it says); such a list is
//! read again.

use super::client::Portal;
use super::error::ApiError;
use futures::{StreamExt, TryStreamExt};
use std::future::Future;

/// Reads of a list that found it changing under them before the list fails.
pub(super) const READS: u32 = 3;

/// The longest list read whole (ten times the largest portal measured in BENCHMARKS.md): a
/// `total` beyond it is a server not paging as it says, whose pages would never end and whose
/// list could not be held.
pub(crate) const MAX_LIST_ITEMS: usize = 1_000_000;

/// One page: its items and the list's `total` as that page reported it.
pub(super) type Page<T> = (Vec<T>, usize);

/// How one whole read of a list went.
enum Read<T> {
    /// Every page agreed, the items add up to `total`, and the caller finds them consistent.
    Whole(Vec<T>),
    /// The pages disagree on `total`, or the caller found the items inconsistent: the list
    /// changed during the read.
    Changed,
    /// The pages' items do not add up to the `total` they announce.
    Short { read: usize, total: usize },
    /// The first page announced more than [`MAX_LIST_ITEMS`].
    TooLong { total: usize },
}

impl<T> Read<T> {
    fn whole(mut items: Vec<T>, consistent: impl Fn(&mut Vec<T>) -> bool) -> Read<T> {
        if consistent(&mut items) { Read::Whole(items) } else { Read::Changed }
    }
}

impl Portal {
    /// Every item of the list `page` reads, in page order. `consistent` may reject a complete
    /// read on its own grounds (rooms: the same id twice). `on_page` hears of the first read's
    /// pages (items read, total). Fails after [`READS`] reads that did not add up: with
    /// [`ApiError::ListingIncomplete`] when the last one came up short of `total`, else with
    /// [`ApiError::ListingChanged`].
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
        let mut last = None;
        for read in 1..=READS {
            let on_page: &(dyn Fn(usize, usize) + Sync) =
                if read == 1 { on_page } else { &|_, _| {} };
            match self.read_pages(&page, &consistent, on_page).await? {
                Read::Whole(items) => return Ok(items),
                Read::Changed => {
                    tracing::info!(
                        request,
                        read,
                        "the list changed while it was read; reading it again"
                    );
                    last = None;
                }
                Read::Short { read: got, total } => {
                    tracing::info!(
                        request,
                        read,
                        got,
                        total,
                        "the pages do not add up to their total; reading the list again"
                    );
                    last = Some((got, total));
                }
                Read::TooLong { total } => {
                    let request = request.to_owned();
                    return Err(ApiError::ListTooLong { request, total, limit: MAX_LIST_ITEMS });
                }
            }
        }
        let request = request.to_owned();
        Err(match last {
            Some((read, total)) => {
                ApiError::ListingIncomplete { request, reads: READS, read, total }
            }
            None => ApiError::ListingChanged { request, reads: READS },
        })
    }

    /// One read of every page: the first, then the rest concurrently at the first's size.
    async fn read_pages<T, F, Fut>(
        &self,
        page: &F,
        consistent: &impl Fn(&mut Vec<T>) -> bool,
        on_page: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Read<T>, ApiError>
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = Result<Page<T>, ApiError>>,
    {
        let (mut items, total) = page(0).await?;
        if total > MAX_LIST_ITEMS {
            return Ok(Read::TooLong { total });
        }
        on_page(items.len(), total);
        let stride = items.len();
        if stride >= total || stride == 0 {
            return Ok(if stride == total {
                Read::Whole(items)
            } else {
                Read::Short { read: stride, total }
            });
        }
        // Each page goes to its place in one list as it arrives, so a large list is held once,
        // not once in pages and again whole. `Option<T>` is as large as `T` for the items read
        // here (they hold a `String`), so the final collect can reuse the allocation.
        let mut slots: Vec<Option<T>> = Vec::with_capacity(total);
        slots.extend(items.drain(..).map(Some));
        slots.resize_with(total, || None);
        let (mut changed, mut short, mut read) = (false, false, stride);
        // Awaited as they come, so one slow page does not hold back the next requests.
        let mut pages = futures::stream::iter((stride..total).step_by(stride))
            .map(|start| async move {
                let read = page(start).await?;
                on_page(read.0.len(), total);
                Ok::<_, ApiError>((start, read))
            })
            .buffer_unordered(self.config().parallelism.get());
        while let Some((start, (page_items, page_total))) = pages.try_next().await? {
            if page_total != total {
                changed = true;
                continue;
            }
            // A page shorter than the stride before the end would leave a gap; a longer one
            // overlaps the next. Either way the items do not add up to `total`.
            read += page_items.len();
            if page_items.len() != stride.min(total - start) {
                short = true;
                continue;
            }
            for (slot, item) in slots[start..].iter_mut().zip(page_items) {
                *slot = Some(item);
            }
        }
        if changed {
            return Ok(Read::Changed);
        }
        if short {
            return Ok(Read::Short { read, total });
        }
        // `filter_map`, not `flatten`: the standard library collects a `vec::IntoIter` through
        // `filter_map` into its own allocation, but not through `flatten`, which would hold the
        // list twice for a moment.
        #[allow(clippy::filter_map_identity)]
        let items: Vec<T> = slots.into_iter().filter_map(|slot| slot).collect();
        Ok(Read::whole(items, consistent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docspace::MAX_PAGE_SIZE;
    use crate::portal::PortalConfig;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn portal() -> Portal {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = PortalConfig::new(
            "http://127.0.0.1:9/".parse().unwrap(),
            String::from("sk-test").into(),
        );
        Portal::new(config).unwrap()
    }

    type PageFuture = futures::future::BoxFuture<'static, Result<Page<usize>, ApiError>>;

    /// A paged list of `items` numbers, serving at most `cap` a page whatever is asked, later
    /// pages answering sooner (so they arrive out of order).
    #[derive(Clone, Copy)]
    struct List {
        items: usize,
        cap: usize,
        /// While this many whole reads remain, the last page reports one item fewer in `total`,
        /// as after a deletion between page reads.
        changing_reads: usize,
        /// While this many whole reads remain, the second page is one item short.
        short_reads: usize,
    }

    /// What the list saw: whole reads (first pages), every offset asked for, and the most
    /// pages in flight at once.
    #[derive(Default)]
    struct Seen {
        reads: AtomicUsize,
        starts: std::sync::Mutex<Vec<usize>>,
        in_flight: AtomicUsize,
        most_in_flight: AtomicUsize,
    }

    impl List {
        fn new(items: usize, cap: usize) -> List {
            List { items, cap, changing_reads: 0, short_reads: 0 }
        }

        fn serve(self) -> (impl Fn(usize) -> PageFuture, Arc<Seen>) {
            let seen = Arc::new(Seen::default());
            let counter = seen.clone();
            let List { items, cap, changing_reads, short_reads } = self;
            let last = (items - 1) / cap * cap;
            let page = move |start: usize| -> PageFuture {
                let seen = counter.clone();
                let read = if start == 0 {
                    seen.reads.fetch_add(1, Ordering::SeqCst) + 1
                } else {
                    seen.reads.load(Ordering::SeqCst)
                };
                seen.starts.lock().unwrap().push(start);
                let total = if start == last && read <= changing_reads { items - 1 } else { items };
                let mut end = (start + cap).min(items);
                if start == cap && read <= short_reads {
                    end -= 1;
                }
                let delay = Duration::from_millis(((items - start) / cap) as u64);
                Box::pin(async move {
                    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    seen.in_flight.fetch_sub(1, Ordering::SeqCst);
                    Ok(((start..end).collect(), total))
                })
            };
            (page, seen)
        }
    }

    async fn read(list: List) -> (Result<Vec<usize>, ApiError>, Arc<Seen>) {
        let (page, seen) = list.serve();
        (portal().read_list("GET /list", page, |_| true, &|_, _| {}).await, seen)
    }

    #[tokio::test]
    async fn pages_fetched_out_of_order_are_joined_in_page_order() {
        let (items, seen) = read(List::new(1_050, MAX_PAGE_SIZE)).await;
        assert_eq!(items.unwrap(), (0..1_050).collect::<Vec<_>>());
        assert_eq!(seen.reads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn pages_capped_below_the_size_asked_for_are_read_at_the_size_served() {
        let (items, seen) = read(List::new(250, 30)).await;
        assert_eq!(items.unwrap(), (0..250).collect::<Vec<_>>());
        assert_eq!(seen.reads.load(Ordering::SeqCst), 1);
        let mut starts = seen.starts.lock().unwrap().clone();
        starts.sort_unstable();
        assert_eq!(starts, (0..250).step_by(30).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn pages_are_read_no_more_than_parallelism_at_a_time() {
        let (items, seen) = read(List::new(2_000, 20)).await;
        assert_eq!(items.unwrap().len(), 2_000);
        let most = seen.most_in_flight.load(Ordering::SeqCst);
        let parallelism = portal().config().parallelism.get();
        assert!(
            most > 1 && most <= parallelism,
            "{most} pages in flight, parallelism {parallelism}"
        );
    }

    #[tokio::test]
    async fn a_list_that_changed_while_it_was_read_is_read_again() {
        let (items, seen) = read(List { changing_reads: 2, ..List::new(250, MAX_PAGE_SIZE) }).await;
        assert_eq!(items.unwrap().len(), 250);
        assert_eq!(seen.reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_list_that_keeps_changing_is_an_error_after_three_reads() {
        let list = List { changing_reads: usize::MAX, ..List::new(250, MAX_PAGE_SIZE) };
        let (result, seen) = read(list).await;
        let err = result.unwrap_err();
        assert!(matches!(err, ApiError::ListingChanged { reads: 3, .. }), "{err}");
        assert_eq!(seen.reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_page_short_before_the_end_is_read_again() {
        let (items, seen) = read(List { short_reads: 1, ..List::new(250, 30) }).await;
        assert_eq!(items.unwrap(), (0..250).collect::<Vec<_>>());
        assert_eq!(seen.reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn pages_that_never_add_up_to_their_total_are_an_error_after_three_reads() {
        let (result, seen) = read(List { short_reads: usize::MAX, ..List::new(250, 30) }).await;
        let err = result.unwrap_err();
        assert!(
            matches!(err, ApiError::ListingIncomplete { reads: 3, read: 249, total: 250, .. }),
            "{err}"
        );
        assert!(err.to_string().starts_with("`GET /list`: its pages held 249 items"), "{err}");
        assert_eq!(seen.reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_first_page_short_of_a_total_it_cannot_reach_is_read_again() {
        // An empty first page with a non-zero total gives no stride to read the rest at.
        let page = |_start: usize| async { Ok::<_, ApiError>((Vec::<usize>::new(), 5)) };
        let err = portal().read_list("GET /list", page, |_| true, &|_, _| {}).await.unwrap_err();
        assert!(matches!(err, ApiError::ListingIncomplete { read: 0, total: 5, .. }), "{err}");
    }

    #[tokio::test]
    async fn a_read_its_caller_finds_inconsistent_is_read_again() {
        let (page, seen) = List::new(150, MAX_PAGE_SIZE).serve();
        let calls = AtomicUsize::new(0);
        let items = portal()
            .read_list("GET /list", page, |_| calls.fetch_add(1, Ordering::SeqCst) > 0, &|_, _| {})
            .await
            .unwrap();
        assert_eq!(items.len(), 150);
        assert_eq!(seen.reads.load(Ordering::SeqCst), 2);
    }
}
