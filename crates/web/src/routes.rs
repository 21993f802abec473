//! Every route of the service, in one table: method, path, who may use it,
//! and the handler. The router is built only from this table, and the access
//! tests walk it, so no route can exist without an access rule or escape the
//! tests.

use crate::middleware::{access, csrf, headers, identity, request_meta};
use crate::{api, assets, pages, ApiError, AppState, PageError};
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::Method;
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;
use reconnect_domain::Role;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user, whatever their role.
    SignedIn,
    /// Signed-in users with one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::Roles(roles) => roles.contains(&role),
        }
    }
}

/// Roles that work with case records at their own sites.
pub const CASE_ROLES: &[Role] = &[Role::Worker, Role::PeerMentor, Role::SiteManager];
/// Roles that may add and change case records (people, episodes).
pub const CASE_WRITERS: &[Role] = &[Role::Worker, Role::SiteManager];
pub const SITE_MANAGERS: &[Role] = &[Role::SiteManager];
pub const ADMINS: &[Role] = &[Role::Admin];
pub const AGGREGATE_ROLES: &[Role] = &[Role::NationalLead, Role::Reviewer, Role::SiteManager];

/// One row of the table.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub handler: MethodRouter<AppState>,
}

fn r(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> Route {
    Route {
        method,
        path,
        access,
        handler,
    }
}

/// The table.
pub fn table() -> Vec<Route> {
    use Access::*;
    use Method as M;
    let mut table = vec![
        // Operations and static files.
        r(M::GET, "/healthz", Public, get(pages::ops::healthz)),
        r(M::GET, "/readyz", Public, get(pages::ops::readyz)),
        r(
            M::GET,
            "/assets/{version}/{*path}",
            Public,
            get(assets::serve_asset),
        ),
        // Public pages.
        r(M::GET, "/sign-in", Public, get(pages::signin::form)),
        r(M::POST, "/sign-in", Public, post(pages::signin::submit)),
        r(M::POST, "/sign-out", Public, post(pages::signin::sign_out)),
        r(
            M::GET,
            "/accessibility",
            Public,
            get(pages::info::accessibility),
        ),
        r(M::GET, "/privacy", Public, get(pages::info::privacy)),
        // Signed-in pages.
        r(M::GET, "/", SignedIn, get(pages::home::home)),
        r(
            M::GET,
            "/people",
            Roles(CASE_ROLES),
            get(pages::people::list),
        ),
        r(
            M::GET,
            "/people/new",
            Roles(CASE_WRITERS),
            get(pages::people::new_form),
        ),
        r(
            M::POST,
            "/people/new",
            Roles(CASE_WRITERS),
            post(pages::people::create),
        ),
        r(
            M::GET,
            "/people/{person_id}",
            Roles(CASE_ROLES),
            get(pages::people::show),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes",
            Roles(CASE_WRITERS),
            post(pages::episodes::start),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}",
            Roles(CASE_ROLES),
            get(pages::episodes::show),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/actions/{action}",
            Roles(CASE_WRITERS),
            get(pages::episodes::action_form),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/actions/{action}",
            Roles(CASE_WRITERS),
            post(pages::episodes::action_submit),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/release-date",
            Roles(CASE_WRITERS),
            get(pages::episodes::release_form),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/release-date",
            Roles(CASE_WRITERS),
            post(pages::episodes::release_submit),
        ),
        r(
            M::GET,
            "/audit",
            Roles(SITE_MANAGERS),
            get(pages::audit::site_audit),
        ),
        r(
            M::GET,
            "/settings",
            Roles(SITE_MANAGERS),
            get(pages::settings::list),
        ),
        r(
            M::GET,
            "/settings/{site_id}",
            Roles(SITE_MANAGERS),
            get(pages::settings::edit),
        ),
        r(
            M::POST,
            "/settings/{site_id}",
            Roles(SITE_MANAGERS),
            post(pages::settings::save),
        ),
        r(
            M::GET,
            "/figures",
            Roles(AGGREGATE_ROLES),
            get(pages::figures::figures),
        ),
        r(M::GET, "/account", SignedIn, get(pages::account::overview)),
        r(
            M::GET,
            "/account/password",
            SignedIn,
            get(pages::account::password_form),
        ),
        r(
            M::POST,
            "/account/password",
            SignedIn,
            post(pages::account::password_submit),
        ),
        r(
            M::POST,
            "/account/tokens",
            SignedIn,
            post(pages::account::token_create),
        ),
        r(
            M::POST,
            "/account/tokens/{token_id}/revoke",
            SignedIn,
            post(pages::account::token_revoke),
        ),
        r(
            M::GET,
            "/admin/users",
            Roles(ADMINS),
            get(pages::admin::users),
        ),
        r(
            M::GET,
            "/admin/users/new",
            Roles(ADMINS),
            get(pages::admin::user_new_form),
        ),
        r(
            M::POST,
            "/admin/users/new",
            Roles(ADMINS),
            post(pages::admin::user_create),
        ),
        r(
            M::GET,
            "/admin/users/{user_id}",
            Roles(ADMINS),
            get(pages::admin::user_edit_form),
        ),
        r(
            M::POST,
            "/admin/users/{user_id}",
            Roles(ADMINS),
            post(pages::admin::user_update),
        ),
        r(
            M::POST,
            "/admin/users/{user_id}/disable",
            Roles(ADMINS),
            post(pages::admin::user_disable),
        ),
        r(
            M::POST,
            "/admin/users/{user_id}/enable",
            Roles(ADMINS),
            post(pages::admin::user_enable),
        ),
        r(
            M::GET,
            "/admin/sites",
            Roles(ADMINS),
            get(pages::admin::sites),
        ),
        r(
            M::POST,
            "/admin/sites",
            Roles(ADMINS),
            post(pages::admin::site_create),
        ),
        r(
            M::POST,
            "/admin/sites/{site_id}/prisons",
            Roles(ADMINS),
            post(pages::admin::prison_create),
        ),
        r(
            M::GET,
            "/admin/audit",
            Roles(ADMINS),
            get(pages::admin::audit),
        ),
        // The JSON API.
        r(M::GET, "/api/openapi.json", Public, get(api::openapi_json)),
        r(M::GET, "/api/v1/me", SignedIn, get(api::me::me)),
        r(M::GET, "/api/v1/sites", SignedIn, get(api::sites::list)),
        r(
            M::GET,
            "/api/v1/people",
            Roles(CASE_ROLES),
            get(api::people::list),
        ),
        r(
            M::POST,
            "/api/v1/people",
            Roles(CASE_WRITERS),
            post(api::people::create),
        ),
        r(
            M::GET,
            "/api/v1/people/{person_id}",
            Roles(CASE_ROLES),
            get(api::people::show),
        ),
        r(
            M::GET,
            "/api/v1/people/{person_id}/episodes",
            Roles(CASE_ROLES),
            get(api::episodes::list),
        ),
        r(
            M::POST,
            "/api/v1/people/{person_id}/episodes",
            Roles(CASE_WRITERS),
            post(api::episodes::start),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}",
            Roles(CASE_ROLES),
            get(api::episodes::show),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/actions",
            Roles(CASE_WRITERS),
            post(api::episodes::act),
        ),
        r(
            M::PUT,
            "/api/v1/episodes/{episode_id}/release-date",
            Roles(CASE_WRITERS),
            put(api::episodes::change_release_date),
        ),
        r(
            M::GET,
            "/api/v1/users",
            Roles(ADMINS),
            get(api::users::list),
        ),
        r(
            M::POST,
            "/api/v1/users",
            Roles(ADMINS),
            post(api::users::create),
        ),
        r(
            M::GET,
            "/api/v1/audit",
            Roles(SITE_MANAGERS),
            get(api::audit::list),
        ),
        r(M::GET, "/api/v1/tokens", SignedIn, get(api::tokens::list)),
        r(
            M::DELETE,
            "/api/v1/tokens/{token_id}",
            SignedIn,
            delete(api::tokens::revoke),
        ),
    ];
    table.extend(person_detail_routes());
    table.extend(referral_routes());
    table.extend(allocation_routes());
    table.extend(plan_routes());
    table.extend(contact_routes());
    table.extend(engagement_routes());
    table.extend(message_routes());
    table.extend(openreferral_routes());
    table.extend(directory_routes());
    table.extend(onward_referral_routes());
    table
}

/// A person's full details, corrections and search (issue 3).
fn person_detail_routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(
            M::GET,
            "/people/{person_id}/timeline",
            Roles(CASE_ROLES),
            get(pages::timeline::show),
        ),
        r(
            M::GET,
            "/people/{person_id}/details",
            Roles(CASE_WRITERS),
            get(pages::person_details::details_form),
        ),
        r(
            M::POST,
            "/people/{person_id}/details",
            Roles(CASE_WRITERS),
            post(pages::person_details::details_submit),
        ),
        r(
            M::PUT,
            "/api/v1/people/{person_id}",
            Roles(CASE_WRITERS),
            put(api::people::update),
        ),
        r(
            M::GET,
            "/api/v1/people/{person_id}/history",
            Roles(CASE_ROLES),
            get(api::people::history),
        ),
    ]
}

/// Referrals in: the public self-referral form and the triage queue (issue 3).
fn referral_routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/refer", Public, get(pages::referrals::public_form)),
        r(
            M::POST,
            "/refer",
            Public,
            post(pages::referrals::public_submit),
        ),
        r(
            M::GET,
            "/triage",
            Roles(CASE_ROLES),
            get(pages::referrals::queue),
        ),
        r(
            M::GET,
            "/triage/new",
            Roles(CASE_WRITERS),
            get(pages::referrals::new_form),
        ),
        r(
            M::POST,
            "/triage/new",
            Roles(CASE_WRITERS),
            post(pages::referrals::create),
        ),
        r(
            M::GET,
            "/triage/{referral_id}",
            Roles(CASE_ROLES),
            get(pages::referrals::show),
        ),
        r(
            M::POST,
            "/triage/{referral_id}",
            Roles(CASE_WRITERS),
            post(pages::referrals::decide),
        ),
        r(
            M::GET,
            "/api/v1/referrals",
            Roles(CASE_ROLES),
            get(api::referrals::list),
        ),
        r(
            M::POST,
            "/api/v1/referrals",
            Roles(CASE_WRITERS),
            post(api::referrals::create),
        ),
        r(
            M::GET,
            "/api/v1/referrals/{referral_id}",
            Roles(CASE_ROLES),
            get(api::referrals::show),
        ),
        r(
            M::POST,
            "/api/v1/referrals/{referral_id}/decision",
            Roles(CASE_WRITERS),
            post(api::referrals::decide),
        ),
    ]
}

/// Consent, allocation, caseloads and capacity (issue 3).
fn allocation_routes() -> Vec<Route> {
    use pages::allocation::{allocate, caseload, consent, team};
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/caseload", Roles(CASE_ROLES), get(caseload::mine)),
        r(
            M::GET,
            "/unallocated",
            Roles(CASE_ROLES),
            get(caseload::unallocated),
        ),
        r(M::GET, "/team", Roles(SITE_MANAGERS), get(team::list)),
        r(
            M::GET,
            "/team/{site_id}/{user_id}",
            Roles(SITE_MANAGERS),
            get(team::capacity_form),
        ),
        r(
            M::POST,
            "/team/{site_id}/{user_id}",
            Roles(SITE_MANAGERS),
            post(team::capacity_submit),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/allocation",
            Roles(CASE_ROLES),
            get(allocate::show),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/allocation",
            Roles(CASE_WRITERS),
            post(allocate::submit),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/consent",
            Roles(CASE_ROLES),
            get(consent::show),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/consent/take-part",
            Roles(CASE_WRITERS),
            post(consent::take_part),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/consent/sharing",
            Roles(CASE_WRITERS),
            post(consent::sharing),
        ),
        // Withdrawal is never refused: every role on the case may record it.
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/consent/{consent_id}/withdraw",
            Roles(CASE_ROLES),
            get(consent::withdraw_form),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/consent/{consent_id}/withdraw",
            Roles(CASE_ROLES),
            post(consent::withdraw),
        ),
        r(
            M::GET,
            "/api/v1/caseload",
            Roles(CASE_ROLES),
            get(api::allocation::caseload),
        ),
        r(
            M::GET,
            "/api/v1/unallocated",
            Roles(CASE_ROLES),
            get(api::allocation::unallocated),
        ),
        r(
            M::GET,
            "/api/v1/team",
            Roles(SITE_MANAGERS),
            get(api::allocation::team),
        ),
        r(
            M::PUT,
            "/api/v1/sites/{site_id}/team/{user_id}/capacity",
            Roles(SITE_MANAGERS),
            put(api::allocation::set_capacity),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/allocation",
            Roles(CASE_ROLES),
            get(api::allocation::show),
        ),
        r(
            M::PUT,
            "/api/v1/episodes/{episode_id}/allocation",
            Roles(CASE_WRITERS),
            put(api::allocation::allocate),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/consents",
            Roles(CASE_ROLES),
            get(api::consents::list),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/consents",
            Roles(CASE_WRITERS),
            post(api::consents::record),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/consents/{consent_id}/withdraw",
            Roles(CASE_ROLES),
            post(api::consents::withdraw),
        ),
    ]
}

/// Needs, assessments, the plan and the release-day plan (issue 3).
fn plan_routes() -> Vec<Route> {
    use pages::care_plan as cp;
    use Access::*;
    use Method as M;
    vec![
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/needs",
            Roles(CASE_ROLES),
            get(cp::needs),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/needs",
            Roles(CASE_WRITERS),
            post(cp::need_add),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/needs/{need_id}",
            Roles(CASE_ROLES),
            get(cp::need_page),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/needs/{need_id}",
            Roles(CASE_WRITERS),
            post(cp::need_update),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/assessments",
            Roles(CASE_ROLES),
            get(cp::assessments),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/assessments/new",
            Roles(CASE_WRITERS),
            get(cp::assessment_form),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/assessments/new",
            Roles(CASE_WRITERS),
            post(cp::assessment_submit),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/plan",
            Roles(CASE_ROLES),
            get(cp::plan),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/plan/goals",
            Roles(CASE_WRITERS),
            post(cp::goal_add),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/plan/actions",
            Roles(CASE_WRITERS),
            post(cp::action_add),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/plan/actions/{plan_action_id}",
            Roles(CASE_ROLES),
            get(cp::action_page),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/plan/actions/{plan_action_id}",
            Roles(CASE_WRITERS),
            post(cp::action_close),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/release-day",
            Roles(CASE_ROLES),
            get(cp::release_day),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/release-day/edit",
            Roles(CASE_WRITERS),
            get(cp::release_day_edit),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/release-day/edit",
            Roles(CASE_WRITERS),
            post(cp::release_day_save),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/needs",
            Roles(CASE_ROLES),
            get(api::care_plan::needs::list),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/needs",
            Roles(CASE_WRITERS),
            post(api::care_plan::needs::add),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/needs/{need_id}/updates",
            Roles(CASE_WRITERS),
            post(api::care_plan::needs::update),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/assessments",
            Roles(CASE_ROLES),
            get(api::care_plan::assessments::list),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/assessments",
            Roles(CASE_WRITERS),
            post(api::care_plan::assessments::record),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/plan",
            Roles(CASE_ROLES),
            get(api::care_plan::plan::show),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/plan/goals",
            Roles(CASE_WRITERS),
            post(api::care_plan::plan::add_goal),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/plan/actions",
            Roles(CASE_WRITERS),
            post(api::care_plan::plan::add_action),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/plan/actions/{plan_action_id}/close",
            Roles(CASE_WRITERS),
            post(api::care_plan::plan::close_action),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/release-plan",
            Roles(CASE_ROLES),
            get(api::care_plan::release_plan::show),
        ),
        r(
            M::PUT,
            "/api/v1/episodes/{episode_id}/release-plan",
            Roles(CASE_WRITERS),
            put(api::care_plan::release_plan::save),
        ),
    ]
}

/// Contacts, appointments and case notes (issue 3).
fn contact_routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(
            M::GET,
            "/appointments",
            Roles(CASE_ROLES),
            get(pages::contacts::my_appointments),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/contacts",
            Roles(CASE_ROLES),
            get(pages::contacts::contacts),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/contacts",
            Roles(CASE_WRITERS),
            post(pages::contacts::log_contact),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/contacts/{contact_id}/correct",
            Roles(CASE_WRITERS),
            get(pages::contacts::correct_contact_form),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/contacts/{contact_id}/correct",
            Roles(CASE_WRITERS),
            post(pages::contacts::correct_contact),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/appointments",
            Roles(CASE_ROLES),
            get(pages::contacts::appointments),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/appointments",
            Roles(CASE_WRITERS),
            post(pages::contacts::book),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/appointments/{appointment_id}/attendance",
            Roles(CASE_WRITERS),
            get(pages::contacts::attendance_form),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/appointments/{appointment_id}/attendance",
            Roles(CASE_WRITERS),
            post(pages::contacts::attendance_submit),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/appointments/{appointment_id}/reschedule",
            Roles(CASE_WRITERS),
            get(pages::contacts::reschedule_form),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/appointments/{appointment_id}/reschedule",
            Roles(CASE_WRITERS),
            post(pages::contacts::reschedule_submit),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/appointments/{appointment_id}/cancel",
            Roles(CASE_WRITERS),
            get(pages::contacts::cancel_form),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/appointments/{appointment_id}/cancel",
            Roles(CASE_WRITERS),
            post(pages::contacts::cancel_submit),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/notes",
            Roles(CASE_ROLES),
            get(pages::contacts::notes),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/notes",
            Roles(CASE_WRITERS),
            post(pages::contacts::add_note),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/notes/{note_id}/correct",
            Roles(CASE_WRITERS),
            get(pages::contacts::correct_note_form),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/notes/{note_id}/correct",
            Roles(CASE_WRITERS),
            post(pages::contacts::correct_note),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/contacts",
            Roles(CASE_ROLES),
            get(api::contact_work::contacts::list),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/contacts",
            Roles(CASE_WRITERS),
            post(api::contact_work::contacts::log),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/contacts/{contact_id}/corrections",
            Roles(CASE_WRITERS),
            post(api::contact_work::contacts::correct),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/appointments",
            Roles(CASE_ROLES),
            get(api::contact_work::appointments::list),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/appointments",
            Roles(CASE_WRITERS),
            post(api::contact_work::appointments::book),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/appointments/{appointment_id}/actions",
            Roles(CASE_WRITERS),
            post(api::contact_work::appointments::act),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/notes",
            Roles(CASE_ROLES),
            get(api::contact_work::notes::list),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/notes",
            Roles(CASE_WRITERS),
            post(api::contact_work::notes::add),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/notes/{note_id}/corrections",
            Roles(CASE_WRITERS),
            post(api::contact_work::notes::correct),
        ),
    ]
}

/// Engagement levels, the needs-attention list, step-ups and escalation (issue 4).
fn engagement_routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(
            M::GET,
            "/attention",
            Roles(CASE_ROLES),
            get(pages::engagement::attention),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/engagement",
            Roles(CASE_ROLES),
            get(pages::engagement::engagement),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/engagement/concerns",
            Roles(CASE_WRITERS),
            post(pages::engagement::raise_concern),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/engagement/concerns/clear",
            Roles(CASE_WRITERS),
            post(pages::engagement::clear_concern),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/engagement/record",
            Roles(CASE_WRITERS),
            post(pages::engagement::record_action),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/engagement/step-down",
            Roles(CASE_WRITERS),
            post(pages::engagement::step_down),
        ),
        r(
            M::GET,
            "/settings/{site_id}/engagement",
            Roles(SITE_MANAGERS),
            get(pages::engagement::rules),
        ),
        r(
            M::POST,
            "/settings/{site_id}/engagement",
            Roles(SITE_MANAGERS),
            post(pages::engagement::save_rules),
        ),
        r(
            M::GET,
            "/api/v1/attention",
            Roles(CASE_ROLES),
            get(api::engagement::attention),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/engagement",
            Roles(CASE_ROLES),
            get(api::engagement::episode),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/concerns",
            Roles(CASE_WRITERS),
            post(api::engagement::raise_concern),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/concerns/clear",
            Roles(CASE_WRITERS),
            post(api::engagement::clear_concern),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/step-up/records",
            Roles(CASE_WRITERS),
            post(api::engagement::record_action),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/step-up/step-down",
            Roles(CASE_WRITERS),
            post(api::engagement::step_down),
        ),
        r(
            M::GET,
            "/api/v1/sites/{site_id}/engagement-rules",
            Roles(CASE_ROLES),
            get(api::engagement_rules::get_rules),
        ),
        r(
            M::PUT,
            "/api/v1/sites/{site_id}/engagement-rules",
            Roles(SITE_MANAGERS),
            put(api::engagement_rules::put_rules),
        ),
    ]
}

/// Reminders, the message outbox and background jobs (issue 4).
fn message_routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(
            M::GET,
            "/people/{person_id}/messages",
            Roles(CASE_ROLES),
            get(pages::messages::person),
        ),
        r(
            M::GET,
            "/people/{person_id}/contact-preferences",
            Roles(CASE_ROLES),
            get(pages::messages::preferences),
        ),
        r(
            M::POST,
            "/people/{person_id}/contact-preferences",
            Roles(CASE_WRITERS),
            post(pages::messages::save_preferences),
        ),
        r(M::GET, "/messages", SignedIn, get(pages::messages::log)),
        r(
            M::GET,
            "/admin/jobs",
            Roles(ADMINS),
            get(pages::messages::jobs),
        ),
        r(
            M::GET,
            "/api/v1/people/{person_id}/messages",
            Roles(CASE_ROLES),
            get(api::messages::person_messages),
        ),
        r(
            M::PUT,
            "/api/v1/people/{person_id}/contact-preferences",
            Roles(CASE_WRITERS),
            put(api::messages::put_contact_preferences),
        ),
        r(
            M::GET,
            "/api/v1/jobs",
            Roles(ADMINS),
            get(api::messages::jobs),
        ),
    ]
}

/// The public Open Referral UK 3.0 feed under /openreferral (issue 5).
fn openreferral_routes() -> Vec<Route> {
    use crate::openreferral::handlers as h;
    use Access::Public;
    use Method as M;
    vec![
        r(M::GET, "/openreferral", Public, get(h::about)),
        r(M::GET, "/openreferral/", Public, get(h::about)),
        r(M::GET, "/openreferral/services", Public, get(h::services)),
        r(
            M::GET,
            "/openreferral/services/{service_id}",
            Public,
            get(h::service),
        ),
        r(
            M::GET,
            "/openreferral/service_at_locations",
            Public,
            get(h::service_at_locations),
        ),
        r(
            M::GET,
            "/openreferral/service_at_locations/{service_at_location_id}",
            Public,
            get(h::service_at_location),
        ),
        r(
            M::GET,
            "/openreferral/taxonomies",
            Public,
            get(h::taxonomies),
        ),
        r(
            M::GET,
            "/openreferral/taxonomies/{taxonomy_id}",
            Public,
            get(h::taxonomy),
        ),
        r(
            M::GET,
            "/openreferral/taxonomy_terms",
            Public,
            get(h::taxonomy_terms),
        ),
        r(
            M::GET,
            "/openreferral/taxonomy_terms/{taxonomy_term_id}",
            Public,
            get(h::taxonomy_term),
        ),
    ]
}

/// Staff pages and API for the services directory (issue 5). Staff at
/// sites search and read; site managers curate their site's list and mark
/// services verified. National leads, reviewers and admins have no site
/// list and read the directory through the public feed instead.
fn directory_routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(
            M::GET,
            "/directory",
            Roles(CASE_ROLES),
            get(pages::directory::search),
        ),
        r(
            M::GET,
            "/directory/site-list",
            Roles(CASE_ROLES),
            get(pages::directory::site_list),
        ),
        r(
            M::GET,
            "/directory/services/{service_id}",
            Roles(CASE_ROLES),
            get(pages::directory::service),
        ),
        r(
            M::POST,
            "/directory/services/{service_id}/verify",
            Roles(SITE_MANAGERS),
            post(pages::directory::verify),
        ),
        r(
            M::POST,
            "/directory/services/{service_id}/site-list/add",
            Roles(SITE_MANAGERS),
            post(pages::directory::add_to_list),
        ),
        r(
            M::POST,
            "/directory/services/{service_id}/site-list/remove",
            Roles(SITE_MANAGERS),
            post(pages::directory::remove_from_list),
        ),
    ]
}

/// Onward referrals from an episode to a directory service (issue 5).
fn onward_referral_routes() -> Vec<Route> {
    use pages::onward_referrals as o;
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/onward-referrals", Roles(CASE_ROLES), get(o::open_referrals)),
        r(M::GET, "/onward-referrals/measures", Roles(CASE_ROLES), get(o::measures)),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/onward-referrals",
            Roles(CASE_ROLES),
            get(o::list),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/onward-referrals",
            Roles(CASE_WRITERS),
            post(o::create),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/onward-referrals/new",
            Roles(CASE_WRITERS),
            get(o::new_form),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/onward-referrals/{onward_referral_id}",
            Roles(CASE_ROLES),
            get(o::show),
        ),
        r(
            M::POST,
            "/people/{person_id}/episodes/{episode_id}/onward-referrals/{onward_referral_id}",
            Roles(CASE_WRITERS),
            post(o::act),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/onward-referrals/{onward_referral_id}/letter",
            Roles(CASE_ROLES),
            get(o::letter),
        ),
        r(
            M::GET,
            "/people/{person_id}/episodes/{episode_id}/onward-referrals/{onward_referral_id}/letter.pdf",
            Roles(CASE_ROLES),
            get(o::letter_pdf),
        ),
        r(
            M::GET,
            "/api/v1/episodes/{episode_id}/onward-referrals",
            Roles(CASE_ROLES),
            get(api::onward_referrals::list),
        ),
        r(
            M::POST,
            "/api/v1/episodes/{episode_id}/onward-referrals",
            Roles(CASE_WRITERS),
            post(api::onward_referrals::create),
        ),
        r(
            M::GET,
            "/api/v1/onward-referrals/{onward_referral_id}",
            Roles(CASE_ROLES),
            get(api::onward_referrals::show),
        ),
        r(
            M::POST,
            "/api/v1/onward-referrals/{onward_referral_id}/transitions",
            Roles(CASE_WRITERS),
            post(api::onward_referrals::transition),
        ),
        r(
            M::GET,
            "/api/v1/onward-referrals/{onward_referral_id}/fhir",
            Roles(CASE_ROLES),
            get(api::onward_referrals::fhir::service_request),
        ),
    ]
}

/// Builds the router from the table and wraps it in the middleware stack.
pub fn build(state: AppState) -> Router {
    let mut router = Router::new();
    for route in table() {
        let access = route.access;
        let guarded = route
            .handler
            .route_layer(from_fn(move |req: Request, next: Next| {
                access::enforce(access, req, next)
            }));
        router = router.route(route.path, guarded);
    }
    let max_body = state.config().max_body_bytes;
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(from_fn_with_state(
                    state.clone(),
                    request_meta::request_meta,
                ))
                .layer(from_fn_with_state(state.clone(), identity::identity))
                .layer(from_fn_with_state(state.clone(), headers::headers))
                .layer(from_fn_with_state(state.clone(), csrf::csrf))
                .layer(CatchPanicLayer::custom(panicked))
                // A request the service could not finish in time is the
                // service's fault, not the client's: 503, "busy, try again".
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(30),
                ))
                .layer(DefaultBodyLimit::max(max_body)),
        )
        .with_state(state)
}

async fn not_found(req: Request) -> Response {
    if crate::middleware::is_api_path(req.uri().path()) {
        ApiError::not_found().into_response()
    } else {
        PageError::NotFound.into_response()
    }
}

async fn method_not_allowed(req: Request) -> Response {
    if crate::middleware::is_api_path(req.uri().path()) {
        ApiError::method_not_allowed().into_response()
    } else {
        let mut res = PageError::NotFound.into_response();
        *res.status_mut() = axum::http::StatusCode::METHOD_NOT_ALLOWED;
        res.extensions_mut().insert(crate::error::ErrorPage::Status(
            axum::http::StatusCode::METHOD_NOT_ALLOWED,
        ));
        res
    }
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    PageError::Internal("panic".into()).into_response()
}
