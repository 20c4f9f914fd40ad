//! Dates as a portal writes them (`ApiDateTime`): `2025-03-06T11:31:16.0000000+00:00`, seconds
//! resolution, in UTC; both from `crate::time`.

pub(crate) use crate::time::{api_date, now};
