//! The profile's page envelope (`total_items`, `total_pages`, `page_number`,
//! `size`, `first_page`, `last_page`, `empty`, `contents`) and the page a
//! client asked for, checked.

use serde::{Deserialize, Serialize};

/// Items per page when the client does not say.
pub const DEFAULT_PER_PAGE: u32 = 50;
/// The most items one page may hold.
pub const MAX_PER_PAGE: u32 = 500;

/// One page of results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub total_items: u64,
    pub total_pages: u64,
    pub page_number: u64,
    pub size: u64,
    pub first_page: bool,
    pub last_page: bool,
    pub empty: bool,
    pub contents: Vec<T>,
}

/// Which page, and how big, a client asked for (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

/// Why a page request was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PageError {
    #[error("page must be a whole number from 1")]
    Page,
    #[error("per_page must be a whole number from 1 to {MAX_PER_PAGE}")]
    PerPage,
    #[error("page {page} is beyond the last page ({last})")]
    BeyondLast { page: u32, last: u64 },
}

impl PageRequest {
    /// Checks `page` and `per_page` as given in a query string.
    pub fn parse(page: Option<&str>, per_page: Option<&str>) -> Result<Self, PageError> {
        let page = match page {
            None => 1,
            Some(p) => p
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or(PageError::Page)?,
        };
        let per_page = match per_page {
            None => DEFAULT_PER_PAGE,
            Some(p) => p
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=MAX_PER_PAGE).contains(p))
                .ok_or(PageError::PerPage)?,
        };
        Ok(Self { page, per_page })
    }

    /// Rows to skip before this page.
    pub fn offset(self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }

    /// Refuses a page beyond the last (page 1 of nothing is fine).
    pub fn check_within(self, total_items: u64) -> Result<(), PageError> {
        let last = total_items.div_ceil(u64::from(self.per_page));
        if u64::from(self.page) > last.max(1) {
            return Err(PageError::BeyondLast {
                page: self.page,
                last,
            });
        }
        Ok(())
    }

    /// Wraps this page's `contents` in the envelope.
    pub fn wrap<T>(self, total_items: u64, contents: Vec<T>) -> Page<T> {
        let total_pages = total_items.div_ceil(u64::from(self.per_page));
        let page_number = u64::from(self.page);
        Page {
            total_items,
            total_pages,
            page_number,
            size: contents.len() as u64,
            first_page: page_number == 1,
            last_page: page_number >= total_pages,
            empty: contents.is_empty(),
            contents,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_counted_from_one_and_bounded() {
        let p = PageRequest::parse(Some("2"), Some("10")).unwrap();
        assert_eq!(p.offset(), 10);
        let page = p.wrap(25, vec![1; 10]);
        assert_eq!(
            (page.total_pages, page.first_page, page.last_page),
            (3, false, false)
        );
        assert!(p.check_within(25).is_ok());
        assert_eq!(
            PageRequest::parse(Some("4"), Some("10"))
                .unwrap()
                .check_within(25),
            Err(PageError::BeyondLast { page: 4, last: 3 })
        );
        assert!(PageRequest::default().check_within(0).is_ok());
        let empty = PageRequest::default().wrap::<u8>(0, vec![]);
        assert!(empty.empty && empty.first_page && empty.last_page);
        for bad in ["0", "-1", "x", "1.5"] {
            assert_eq!(PageRequest::parse(Some(bad), None), Err(PageError::Page));
        }
        assert_eq!(
            PageRequest::parse(None, Some("501")),
            Err(PageError::PerPage)
        );
    }
}
