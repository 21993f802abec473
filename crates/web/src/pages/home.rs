//! The home page: what this role can do here, as a set of cards.

use crate::view::{render, Layout, Page};
use crate::PageError;
use askama::Template;
use axum::response::Response;
use axum::Extension;
use reconnect_domain::Role;

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage {
    layout: Layout,
    name: String,
    role_label: String,
    sites: String,
    no_site: bool,
    cards: Vec<(&'static str, &'static str, &'static str)>,
}

fn cards(role: Role) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut c = Vec::new();
    if matches!(role, Role::Worker | Role::PeerMentor) {
        c.push((
            "/caseload",
            "My caseload",
            "The people you support, with those released soon or recently first.",
        ));
        c.push((
            "/appointments",
            "Appointments",
            "What is coming up this week for the people you support.",
        ));
    }
    if role.reads_cases() {
        c.push((
            "/attention",
            "Needs attention",
            "People whose engagement is wavering or has stopped, with the reasons and any step-up.",
        ));
        c.push((
            "/triage",
            "Referrals to triage",
            "New referrals for your sites: check who is eligible, then accept or decline.",
        ));
        c.push((
            "/unallocated",
            "Unallocated",
            "People being supported who have no RECONNECT worker yet.",
        ));
        c.push((
            "/people",
            "People",
            "Find someone on your site's caseload and open their record.",
        ));
        c.push((
            "/directory",
            "Services directory",
            "Find community services by need, near a postcode or a person's release address, and open now.",
        ));
    }
    if role.writes_cases() {
        c.push((
            "/people/new",
            "Add a person",
            "Add someone who has been referred to RECONNECT.",
        ));
    }
    if role.reads_site_audit() {
        c.push((
            "/team",
            "Team and capacity",
            "Each worker's caseload against the capacity you set.",
        ));
        c.push((
            "/audit",
            "Audit trail",
            "See who opened or changed records at your site, and when.",
        ));
        c.push((
            "/settings",
            "Site settings",
            "How early support starts, how long it lasts after release, and how late referrals are accepted.",
        ));
    }
    if role.reads_aggregates() {
        c.push((
            "/figures",
            "Site figures",
            "Numbers for each site, with no one identifiable.",
        ));
    }
    if role.manages_users() {
        c.push((
            "/admin/users",
            "Staff accounts",
            "Add staff, change roles and sites, or disable an account.",
        ));
        c.push((
            "/admin/sites",
            "Sites and prisons",
            "Add sites and the prisons they serve.",
        ));
        c.push((
            "/admin/audit",
            "Account audit",
            "Sign-ins and changes to accounts and sites.",
        ));
    }
    if role.manages_users() {
        c.push((
            "/admin/jobs",
            "Background jobs",
            "When reminders, deliveries and other jobs last ran, and any errors.",
        ));
    }
    c.push((
        "/messages",
        "Messages",
        if role.reads_site_audit() {
            "Reminders and messages sent, or that would have been sent, to people at your sites and to you."
        } else {
            "Reminders and digests the service has sent, or would have sent, to you."
        },
    ));
    c.push((
        "/account",
        "Your account",
        "Change your password and manage API tokens.",
    ));
    c
}

/// `GET /`
pub async fn home(
    p: Page,
    sites: Option<Extension<crate::view::SitesLabel>>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let role = id.user.role;
    render(&HomePage {
        layout: p.layout("Home"),
        name: id.user.display_name.clone(),
        role_label: role.label().to_string(),
        sites: sites.map(|s| s.0 .0).unwrap_or_default(),
        no_site: role.is_site_based() && id.user.sites.is_empty(),
        cards: cards(role),
    })
}
