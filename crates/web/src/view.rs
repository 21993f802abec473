//! What every page template shares: the layout (title, navigation for the
//! caller's role, signed-in user, CSRF token) and the [`Page`] extractor that
//! builds it from the request.

use crate::middleware::identity::{CsrfToken, Identity};
use crate::{assets, PageError};
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use reconnect_domain::{FieldError, Role};
use std::convert::Infallible;

pub struct LayoutUser {
    pub name: String,
    pub role_label: String,
    pub sites_label: String,
}

pub struct NavItem {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// The data `layout.html` needs.
pub struct Layout {
    pub title: String,
    pub assets: String,
    pub user: Option<LayoutUser>,
    pub nav: Vec<NavItem>,
    pub csrf_token: String,
    pub has_errors: bool,
}

/// The navigation of each role: only pages the role may open.
pub fn nav_for(role: Role) -> Vec<(&'static str, &'static str)> {
    let mut items = vec![("/", "Home")];
    if role.reads_cases() {
        // A worker's or mentor's day starts from their caseload.
        if matches!(role, Role::Worker | Role::PeerMentor) {
            items.push(("/caseload", "My caseload"));
        }
        items.push(("/people", "People"));
        items.push(("/triage", "Referrals to triage"));
        items.push(("/unallocated", "Unallocated"));
        items.push(("/appointments", "Appointments"));
        items.push(("/attention", "Needs attention"));
        items.push(("/directory", "Services directory"));
    }
    if role.reads_site_audit() {
        items.push(("/team", "Team"));
        items.push(("/audit", "Audit trail"));
        items.push(("/settings", "Site settings"));
        items.push(("/messages", "Messages"));
    }
    if role.reads_aggregates() {
        items.push(("/figures", "Site figures"));
    }
    if role.manages_users() {
        items.push(("/admin/users", "Staff"));
        items.push(("/admin/sites", "Sites"));
        items.push(("/admin/audit", "Account audit"));
        items.push(("/admin/jobs", "Jobs"));
    }
    items.push(("/account", "Your account"));
    items
}

/// A page request's context: who is signed in (if anyone), the CSRF token,
/// and the path (to mark the current navigation item).
pub struct Page {
    pub identity: Option<Identity>,
    pub csrf: String,
    pub path: String,
    sites_label: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let identity = parts.extensions.get::<Identity>().cloned();
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let sites_label = parts
            .extensions
            .get::<SitesLabel>()
            .map(|s| s.0.clone())
            .unwrap_or_default();
        Ok(Page {
            identity,
            csrf,
            path: parts.uri.path().to_string(),
            sites_label,
        })
    }
}

/// The names of the caller's sites, put in the request by the router so the
/// header can show them.
#[derive(Clone, Debug)]
pub struct SitesLabel(pub String);

impl Page {
    /// The layout for a page titled `title`.
    pub fn layout(&self, title: impl Into<String>) -> Layout {
        self.layout_with_errors(title, &[])
    }

    pub fn layout_with_errors(&self, title: impl Into<String>, errors: &[FieldError]) -> Layout {
        let (user, nav) = match &self.identity {
            Some(id) => {
                let nav = nav_for(id.user.role)
                    .into_iter()
                    .map(|(href, label)| NavItem {
                        href: href.to_string(),
                        label: label.to_string(),
                        current: if href == "/" {
                            self.path == "/"
                        } else {
                            self.path == href || self.path.starts_with(&format!("{href}/"))
                        },
                    })
                    .collect();
                let user = LayoutUser {
                    name: id.user.display_name.clone(),
                    role_label: id.user.role.label().to_string(),
                    sites_label: if self.sites_label.is_empty() {
                        "No site".to_string()
                    } else {
                        self.sites_label.clone()
                    },
                };
                (Some(user), nav)
            }
            None => (None, Vec::new()),
        };
        Layout {
            title: title.into(),
            assets: assets::prefix().to_string(),
            user,
            nav,
            csrf_token: self.csrf.clone(),
            has_errors: !errors.is_empty(),
        }
    }

    /// The signed-in caller; route access rules guarantee one on protected pages.
    pub fn identity(&self) -> Result<&Identity, PageError> {
        self.identity.as_ref().ok_or(PageError::Forbidden)
    }
}

/// Renders a template into an HTML response.
pub fn render<T: Template>(t: &T) -> Result<Response, PageError> {
    Ok(Html(t.render()?).into_response())
}

/// An option in a select list.
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A checkbox or radio item.
pub struct CheckItem {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// The message for one field, for the macros' `error` argument.
pub fn error_for(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

/// Formats an instant for people, in UK time conventions (UTC shown as such).
pub fn when(t: time::OffsetDateTime) -> String {
    let fmt =
        time::macros::format_description!("[day] [month repr:short] [year], [hour]:[minute] UTC");
    t.format(&fmt).unwrap_or_default()
}

/// Formats a date like "3 July 1990".
pub fn date(d: time::Date) -> String {
    let fmt = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
    d.format(&fmt).unwrap_or_default()
}
