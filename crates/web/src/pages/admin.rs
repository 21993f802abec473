//! Administration: staff accounts, sites and prisons, and the account audit
//! trail. Administrators manage access but cannot read case records: nothing
//! here touches people.

use super::audit::{trail_page, AuditQuery, Trail};
use super::Form;
use crate::password::{check_new_password, hash_async};
use crate::view::{render, CheckItem, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::validation::Validation;
use reconnect_domain::{EmailAddress, FieldError, Region, Role, SiteId, UserId};
use reconnect_store::sites::Site;
use reconnect_store::users::{NewUser, UserChange};
use reconnect_store::{Actor, StoreError};
use serde::Deserialize;

pub struct UserRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: String,
    pub sites: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "pages/admin/users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    done: String,
}

fn site_names(sites: &[Site], ids: &[SiteId]) -> String {
    let names: Vec<&str> = sites
        .iter()
        .filter(|s| ids.contains(&s.id))
        .map(|s| s.name.as_str())
        .collect();
    if names.is_empty() {
        "None".into()
    } else {
        names.join(", ")
    }
}

/// `GET /admin/users`
pub async fn users(
    State(state): State<AppState>,
    p: Page,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let sites = state.store().list_sites().await?;
    let users = state
        .store()
        .list_users(&id.caller)
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            name: u.display_name,
            email: u.email.to_string(),
            role: u.role.label().to_string(),
            sites: site_names(&sites, &u.sites),
            status: if u.disabled {
                "Disabled".into()
            } else {
                "Active".into()
            },
        })
        .collect();
    let notice = match q.done.as_str() {
        "created" => Some("The account has been created.".to_string()),
        "updated" => Some("The account has been changed. If their role or sites changed, they have been signed out.".to_string()),
        "disabled" => Some("The account has been disabled.".to_string()),
        "enabled" => Some("The account has been re-enabled.".to_string()),
        _ => None,
    };
    render(&UsersPage {
        layout: p.layout("Staff accounts"),
        users,
        notice,
    })
}

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub sites: Vec<String>,
    #[serde(default)]
    pub password: String,
}

#[derive(Template)]
#[template(path = "pages/admin/user_form.html")]
struct UserFormPage {
    layout: Layout,
    heading: String,
    action: String,
    button: &'static str,
    creating: bool,
    errors: Vec<FieldError>,
    form: UserForm,
    roles: Vec<CheckItem>,
    sites: Vec<CheckItem>,
    user_id: Option<UserId>,
    disabled: bool,
}

struct FormView {
    heading: String,
    action: String,
    creating: bool,
    user_id: Option<UserId>,
    disabled: bool,
}

async fn user_form_page(
    state: &AppState,
    p: &Page,
    view: FormView,
    form: UserForm,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let all_sites = state.store().list_sites().await?;
    let roles = Role::ALL
        .iter()
        .map(|r| CheckItem {
            value: r.as_str().to_string(),
            label: r.label().to_string(),
            checked: form.role == r.as_str(),
        })
        .collect();
    let sites = all_sites
        .iter()
        .map(|s| CheckItem {
            value: s.id.to_string(),
            label: s.name.clone(),
            checked: form.sites.contains(&s.id.to_string()),
        })
        .collect();
    let mut res = render(&UserFormPage {
        layout: p.layout_with_errors(view.heading.clone(), &errors),
        heading: view.heading,
        action: view.action,
        button: if view.creating {
            "Create account"
        } else {
            "Save changes"
        },
        creating: view.creating,
        errors,
        form,
        roles,
        sites,
        user_id: view.user_id,
        disabled: view.disabled,
    })?;
    *res.status_mut() = axum::http::StatusCode::OK;
    Ok(res)
}

fn new_view() -> FormView {
    FormView {
        heading: "Add a staff account".into(),
        action: "/admin/users/new".into(),
        creating: true,
        user_id: None,
        disabled: false,
    }
}

/// `GET /admin/users/new`
pub async fn user_new_form(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    user_form_page(&state, &p, new_view(), UserForm::default(), Vec::new()).await
}

/// Parses role and sites, shared by create and update.
fn role_and_sites(form: &UserForm, v: &mut Validation) -> (Option<Role>, Vec<SiteId>) {
    let role = v.check("role", form.role.parse::<Role>());
    let mut sites = Vec::new();
    for s in &form.sites {
        match s.parse::<SiteId>() {
            Ok(id) => sites.push(id),
            Err(_) => v.add("sites", "Choose sites from the list"),
        }
    }
    sites.sort();
    sites.dedup();
    if let Some(r) = role {
        if r.is_site_based() && sites.is_empty() {
            v.add(
                "sites",
                format!(
                    "Choose at least one site: a {} without a site sees no one",
                    r.label().to_lowercase()
                ),
            );
        }
    }
    (role, sites)
}

/// `POST /admin/users/new`
pub async fn user_create(
    State(state): State<AppState>,
    p: Page,
    Form(form): Form<UserForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let mut v = Validation::new();
    let name = form.display_name.trim().to_string();
    if name.is_empty() {
        v.add("display_name", "Enter their full name");
    }
    let email = v.check("email", EmailAddress::parse(&form.email));
    let (role, sites) = role_and_sites(&form, &mut v);
    let context: Vec<&str> = email
        .as_ref()
        .map(|e| e.local_part())
        .into_iter()
        .chain(name.split_whitespace())
        .collect();
    v.check("password", check_new_password(&form.password, &context));
    let (Some(email), Some(role), true) = (email, role, v.is_empty()) else {
        return user_form_page(&state, &p, new_view(), form, v.into_errors()).await;
    };
    let hash = hash_async(form.password.clone())
        .await
        .map_err(PageError::internal)?;
    let new = NewUser {
        email,
        display_name: name,
        role,
        sites,
        password_hash: hash,
    };
    match state
        .store()
        .create_user(&Actor::User(&id.caller), new)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/users?done=created").into_response()),
        Err(StoreError::Invalid(errors)) => {
            user_form_page(&state, &p, new_view(), form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

fn parse_user(s: &str) -> Result<UserId, PageError> {
    s.parse().map_err(|_| PageError::NotFound)
}

/// `GET /admin/users/{user_id}`
pub async fn user_edit_form(
    State(state): State<AppState>,
    p: Page,
    Path(user): Path<String>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let user = state
        .store()
        .get_user(&id.caller, parse_user(&user)?)
        .await?;
    let form = UserForm {
        display_name: user.display_name.clone(),
        email: user.email.to_string(),
        role: user.role.as_str().to_string(),
        sites: user.sites.iter().map(|s| s.to_string()).collect(),
        password: String::new(),
    };
    let view = FormView {
        heading: format!("Change {}'s account", user.display_name),
        action: format!("/admin/users/{}", user.id),
        creating: false,
        user_id: Some(user.id),
        disabled: user.disabled,
    };
    user_form_page(&state, &p, view, form, Vec::new()).await
}

/// `POST /admin/users/{user_id}`
pub async fn user_update(
    State(state): State<AppState>,
    p: Page,
    Path(user): Path<String>,
    Form(mut form): Form<UserForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let user = state
        .store()
        .get_user(&id.caller, parse_user(&user)?)
        .await?;
    form.email = user.email.to_string();
    let view = FormView {
        heading: format!("Change {}'s account", user.display_name),
        action: format!("/admin/users/{}", user.id),
        creating: false,
        user_id: Some(user.id),
        disabled: user.disabled,
    };
    let mut v = Validation::new();
    let (role, sites) = role_and_sites(&form, &mut v);
    let (Some(role), true) = (role, v.is_empty()) else {
        return user_form_page(&state, &p, view, form, v.into_errors()).await;
    };
    let change = UserChange {
        display_name: form.display_name.clone(),
        role,
        sites,
    };
    match state.store().update_user(&id.caller, user.id, change).await {
        Ok(()) => Ok(Redirect::to("/admin/users?done=updated").into_response()),
        Err(StoreError::Invalid(errors)) => user_form_page(&state, &p, view, form, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn set_disabled(
    state: &AppState,
    p: &Page,
    user: &str,
    disabled: bool,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    match state
        .store()
        .set_user_disabled(&id.caller, parse_user(user)?, disabled)
        .await
    {
        Ok(()) => Ok(Redirect::to(if disabled {
            "/admin/users?done=disabled"
        } else {
            "/admin/users?done=enabled"
        })
        .into_response()),
        Err(StoreError::Conflict(_)) => Err(PageError::BadRequest),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{user_id}/disable`
pub async fn user_disable(
    State(state): State<AppState>,
    p: Page,
    Path(user): Path<String>,
) -> Result<Response, PageError> {
    set_disabled(&state, &p, &user, true).await
}

/// `POST /admin/users/{user_id}/enable`
pub async fn user_enable(
    State(state): State<AppState>,
    p: Page,
    Path(user): Path<String>,
) -> Result<Response, PageError> {
    set_disabled(&state, &p, &user, false).await
}

pub struct SiteRow {
    pub id: SiteId,
    pub name: String,
    pub region: String,
    pub prisons: Vec<String>,
}

#[derive(Template)]
#[template(path = "pages/admin/sites.html")]
struct SitesPage {
    layout: Layout,
    errors: Vec<FieldError>,
    sites: Vec<SiteRow>,
    form_name: String,
    regions: Vec<SelectOption>,
}

async fn sites_page(
    state: &AppState,
    p: &Page,
    errors: Vec<FieldError>,
    name: String,
    region: String,
) -> Result<Response, PageError> {
    let sites = state
        .store()
        .list_sites()
        .await?
        .into_iter()
        .map(|s| SiteRow {
            id: s.id,
            name: s.name,
            region: s.region.label().to_string(),
            prisons: s.prisons.into_iter().map(|p| p.name).collect(),
        })
        .collect();
    let mut regions = vec![SelectOption {
        value: String::new(),
        label: "Choose a region".into(),
        selected: region.is_empty(),
    }];
    regions.extend(Region::ALL.iter().map(|r| SelectOption {
        value: r.as_str().to_string(),
        label: r.label().to_string(),
        selected: region == r.as_str(),
    }));
    let mut res = render(&SitesPage {
        layout: p.layout_with_errors("Sites and prisons", &errors),
        errors,
        sites,
        form_name: name,
        regions,
    })?;
    *res.status_mut() = axum::http::StatusCode::OK;
    Ok(res)
}

/// `GET /admin/sites`
pub async fn sites(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    sites_page(&state, &p, Vec::new(), String::new(), String::new()).await
}

#[derive(Deserialize, Default)]
pub struct SiteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    region: String,
}

/// `POST /admin/sites`
pub async fn site_create(
    State(state): State<AppState>,
    p: Page,
    Form(form): Form<SiteForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let region = match form.region.parse::<Region>() {
        Ok(r) => r,
        Err(e) => {
            let mut errors = Vec::new();
            if form.name.trim().is_empty() {
                errors.push(FieldError::new("name", "Enter a site name"));
            }
            errors.push(FieldError::new("region", e.to_string()));
            return sites_page(&state, &p, errors, form.name, form.region).await;
        }
    };
    match state
        .store()
        .create_site(&Actor::User(&id.caller), &form.name, region)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/sites").into_response()),
        Err(StoreError::Invalid(errors)) => {
            sites_page(&state, &p, errors, form.name, form.region).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct PrisonForm {
    #[serde(default)]
    prison_name: String,
}

/// `POST /admin/sites/{site_id}/prisons`
pub async fn prison_create(
    State(state): State<AppState>,
    p: Page,
    Path(site): Path<String>,
    Form(form): Form<PrisonForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let site: SiteId = site.parse().map_err(|_| PageError::NotFound)?;
    state.store().get_site(site).await?;
    match state
        .store()
        .add_prison(&Actor::User(&id.caller), site, &form.prison_name)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/sites").into_response()),
        Err(StoreError::Invalid(mut errors)) => {
            for e in &mut errors {
                e.field = format!("prison_name-{site}");
            }
            sites_page(&state, &p, errors, String::new(), String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /admin/audit`
pub async fn audit(
    State(state): State<AppState>,
    p: Page,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    trail_page(&state, &p, q, Trail::Accounts).await
}
