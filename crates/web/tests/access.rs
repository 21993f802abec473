//! Deny by default, proven from the route table: for every route and every
//! kind of caller, requests outside the caller's role or sites are refused
//! and leak nothing, including requests with guessed ids. Because the table
//! is the router, a new route is covered the moment it exists.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Browser, TestApp};
use reconnect_domain::episode::Action;
use reconnect_domain::person::NewPerson;
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::ReleaseDate;
use reconnect_domain::{EpisodeId, NhsNumber, PersonId, PrisonNumber, Role, TokenId, UserId};
use reconnect_web::{table, Access};

/// What the victim record at the other site looks like: none of these
/// strings may ever appear in a response to someone outside that site.
const VICTIM_FAMILY: &str = "Victimson";
const VICTIM_NHS: &str = "9990000018";
const VICTIM_PRISON_NO: &str = "Z9876YX";

struct World {
    app: TestApp,
    victim: PersonId,
    victim_episode: EpisodeId,
    own: PersonId,
    other_user: UserId,
    other_token: TokenId,
    other_site: reconnect_domain::SiteId,
    callers: Vec<(String, Option<Role>, Option<String>)>,
    /// The victim's child records, by the path parameter that names them
    /// (e.g. "{note_id}"): every route with such a parameter is tried with
    /// the victim's real record, so it must answer 404 to everyone else.
    children: Vec<(&'static str, String)>,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let a = app.db.site("Site A", &["HMP Alpha"]).await;
    let b = app.db.site("Site B", &["HMP Beta"]).await;

    // The victim lives at site B; "own" lives at site A.
    let b_worker = app
        .user("worker.b@example.org", Role::Worker, &[b.id])
        .await;
    let b_caller = app.db.caller(b_worker).await;
    let nhs = NhsNumber::parse(VICTIM_NHS).unwrap();
    let victim = app
        .db
        .store
        .create_person(
            &b_caller,
            &NewPerson {
                given_name: "Zebedee".into(),
                family_name: VICTIM_FAMILY.into(),
                preferred_name: None,
                date_of_birth: time::macros::date!(1985 - 02 - 14),
                nhs_number: Some(nhs),
                prison_number: PrisonNumber::parse(VICTIM_PRISON_NO).unwrap(),
                prison_id: b.prisons[0],
            },
        )
        .await
        .unwrap();
    // The victim has an episode of support, accepted (so it has a history).
    let victim_episode = app
        .db
        .store
        .start_episode(
            &b_caller,
            victim,
            ReferralSource::Probation,
            &ReleaseDate::Known(time::macros::date!(2026 - 05 - 01)),
        )
        .await
        .unwrap();
    app.db
        .store
        .act_on_episode(&b_caller, victim_episode, 1, &Action::Accept)
        .await
        .unwrap();
    // Child records of the victim's episode: one of every kind that has its
    // own path parameter.
    #[allow(unused_mut)]
    let mut children: Vec<(&'static str, String)> = Vec::new();
    let victim_referral = {
        let mut new = reconnect_domain::referral::NewReferral {
            source: ReferralSource::FamilyOrFriend,
            referrer: Some(reconnect_domain::referral::Referrer {
                name: "Zara Victimson".into(),
                relationship: Some("Sister".into()),
                organisation: None,
                contact: "07700 900123".into(),
            }),
            given_name: "Zebedee".into(),
            family_name: VICTIM_FAMILY.into(),
            preferred_name: None,
            date_of_birth: time::macros::date!(1985 - 02 - 14),
            nhs_number: Some(nhs),
            prison_number: Some(PrisonNumber::parse(VICTIM_PRISON_NO).unwrap()),
            prison_id: Some(b.prisons[0]),
            site_id: None,
            expected_release: None,
            needs: vec![reconnect_domain::referral::HelpNeed::MentalHealth],
            needs_text: None,
            contact_preference: reconnect_domain::referral::ContactPreference::ThroughReferrer,
            contact_details: None,
        };
        new.preferred_name = Some("Zeb".into());
        app.db
            .store
            .create_referral(&b_caller, &new)
            .await
            .unwrap()
            .0
    };
    children.push(("{referral_id}", victim_referral.to_string()));
    let today = app.db.now().date();
    let gp = reconnect_domain::consent::SharingConsent::new(
        reconnect_domain::consent::SharingPartner::Gp,
        today,
        "Medication",
        None,
        today,
    )
    .unwrap();
    let consent = app
        .db
        .store
        .record_sharing_consent(&b_caller, victim_episode, &gp)
        .await
        .unwrap();
    children.push(("{consent_id}", consent.to_string()));
    let need = app
        .db
        .store
        .add_need(
            &b_caller,
            victim_episode,
            &reconnect_store::care_plan::NewNeed {
                area: reconnect_domain::need::NeedArea::new(
                    reconnect_domain::need::NeedDomain::Accommodation,
                    "",
                )
                .unwrap(),
                status: reconnect_domain::need::NeedStatus::Identified,
                party: reconnect_domain::need::ResponsibleParty::Reconnect,
                note: None,
            },
        )
        .await
        .unwrap();
    children.push(("{need_id}", need.to_string()));
    let plan_action = app
        .db
        .store
        .add_action(
            &b_caller,
            victim_episode,
            &reconnect_store::care_plan::NewAction {
                goal: None,
                text: "Book a GP appointment".into(),
                owner: reconnect_domain::plan::ActionOwner::Reconnect,
                due: app.db.now().date(),
            },
        )
        .await
        .unwrap();
    children.push(("{plan_action_id}", plan_action.to_string()));
    let now = app.db.now();
    let appointment = reconnect_domain::id::AppointmentId::new();
    app.db
        .store
        .book_appointment(
            &b_caller,
            victim_episode,
            appointment,
            &reconnect_domain::appointment::AppointmentDetails {
                what: format!("Housing with {VICTIM_FAMILY}"),
                location: "Hull".into(),
                starts_at: now - time::Duration::hours(1),
            },
        )
        .await
        .unwrap();
    children.push(("{appointment_id}", appointment.to_string()));
    let note = reconnect_domain::id::CaseNoteId::new();
    app.db
        .store
        .add_case_note(
            &b_caller,
            victim_episode,
            note,
            &reconnect_store::case_notes::NoteInput {
                body: format!("Note about {VICTIM_FAMILY}"),
                sensitive: false,
            },
        )
        .await
        .unwrap();
    children.push(("{note_id}", note.to_string()));
    let contact = reconnect_domain::id::ContactId::new();
    app.db
        .store
        .log_contact(
            &b_caller,
            victim_episode,
            contact,
            &reconnect_domain::contact::ContactDetails {
                kind: reconnect_domain::contact::ContactKind::Phone,
                at: now - time::Duration::hours(1),
                two_way: true,
                summary: format!("Call with {VICTIM_FAMILY}"),
            },
        )
        .await
        .unwrap();
    children.push(("{contact_id}", contact.to_string()));
    let onward = reconnect_domain::id::OnwardReferralId::new();
    let onward_service = app
        .db
        .dir_service_with_terms("Victim's GP", &["gp-primary-care"])
        .await;
    app.db
        .store
        .create_onward_referral(
            &b_caller,
            victim_episode,
            &reconnect_store::onward_referrals::NewOnwardReferral {
                id: onward,
                service_id: onward_service,
                need: Some(need),
                parts: vec![reconnect_domain::onward_referral::sharing::Part::NhsNumber],
            },
        )
        .await
        .unwrap();
    app.db
        .store
        .send_onward_referral(&b_caller, onward, 1, None)
        .await
        .unwrap();
    children.push(("{onward_referral_id}", onward.to_string()));
    let (other_token, _) = app
        .db
        .store
        .create_token(&b_caller, "b's token", None)
        .await
        .unwrap();
    let a_worker = app
        .user("worker.a@example.org", Role::Worker, &[a.id])
        .await;
    let a_caller = app.db.caller(a_worker).await;
    let own = app
        .db
        .person(&a_caller, a.prisons[0], "Amelia", "Ownsite")
        .await;

    // One caller of every kind at site A (or no site), with a session and a token.
    let mut callers = vec![("anonymous".to_string(), None, None)];
    for role in Role::ALL {
        let sites = if role.is_site_based() || role == Role::SiteManager {
            vec![a.id]
        } else {
            vec![]
        };
        let email = format!("{}.a@example.org", role.as_str());
        let user = if role == Role::Worker {
            a_worker
        } else {
            app.user(&email, role, &sites).await
        };
        let token = app.token(user).await;
        callers.push((email_of(role), Some(role), Some(token)));
        let _ = user;
    }
    let nosite = app.user("nosite@example.org", Role::Worker, &[]).await;
    let nosite_token = app.token(nosite).await;
    callers.push((
        "nosite@example.org".into(),
        Some(Role::Worker),
        Some(nosite_token),
    ));
    // Site B's own manager, given a role with sites elsewhere, is the "other user".
    World {
        app,
        victim,
        victim_episode,
        own,
        other_user: b_worker,
        other_token,
        other_site: b.id,
        callers,
        children,
    }
}

fn email_of(role: Role) -> String {
    match role {
        Role::Worker => "worker.a@example.org".into(),
        r => format!("{}.a@example.org", r.as_str()),
    }
}

/// Ids to put in a route's path: person, episode, user, token, site.
struct Ids<'a> {
    person: &'a str,
    episode: &'a str,
    user: &'a str,
    token: &'a str,
    site: &'a str,
}

fn fill(path: &str, ids: &Ids<'_>, children: &[(&'static str, String)]) -> String {
    let mut path = path.to_string();
    for (param, id) in children {
        path = path.replace(param, &urlenc(id));
    }
    let Ids {
        person,
        episode,
        user,
        token,
        site,
    } = ids;
    path.replace("{person_id}", person)
        .replace("{episode_id}", episode)
        // A real action, so only the ids decide the answer.
        .replace("{action}", "mark-released")
        .replace("{user_id}", user)
        .replace("{token_id}", token)
        .replace("{site_id}", site)
        .replace("{version}", "x")
        .replace("{*path}", "app/app.css")
}

fn assert_no_leak(what: &str, body: &str) {
    for secret in [VICTIM_FAMILY, VICTIM_NHS, "999 000 0018", VICTIM_PRISON_NO] {
        assert!(
            !body.contains(secret),
            "{what}: response leaks {secret}:\n{body}"
        );
    }
}

#[tokio::test]
async fn every_route_refuses_out_of_scope_callers_and_leaks_nothing() {
    let w = world().await;
    let app = &w.app;
    let guessed = uuid::Uuid::now_v7().to_string();
    let victim_episode = w.victim_episode.to_string();
    let id_sets = [
        // Real ids that belong to someone else / another site.
        (
            "other site's ids",
            w.victim.to_string(),
            victim_episode.clone(),
            w.other_user.to_string(),
            w.other_token.to_string(),
            w.other_site.to_string(),
        ),
        // The victim's real episode under a person id the caller can see.
        (
            "own person with another site's episode",
            w.own.to_string(),
            victim_episode.clone(),
            guessed.clone(),
            guessed.clone(),
            guessed.clone(),
        ),
        (
            "guessed ids",
            guessed.clone(),
            guessed.clone(),
            guessed.clone(),
            guessed.clone(),
            guessed.clone(),
        ),
        (
            "malformed ids",
            "1 OR 1=1".into(),
            "-1".into(),
            "..etc".into(),
            "%00".into(),
            "'".into(),
        ),
    ];
    let routes = table();
    let mut checked = 0;

    for (label, role, token) in &w.callers {
        let mut browser = match role {
            Some(_) => app.sign_in(label).await,
            None => {
                let mut b = Browser::default();
                app.get(&mut b, "/sign-in").await;
                b
            }
        };
        assert!(
            role.is_none() || browser.session.is_some(),
            "{label} could not sign in"
        );

        for route in &routes {
            for (ids_label, person, episode, user, tok, site) in &id_sets {
                let (person, episode, user, tok, site) = (
                    urlenc(person),
                    urlenc(episode),
                    urlenc(user),
                    urlenc(tok),
                    urlenc(site),
                );
                let path = fill(
                    route.path,
                    &Ids {
                        person: &person,
                        episode: &episode,
                        user: &user,
                        token: &tok,
                        site: &site,
                    },
                    &w.children,
                );
                // "own person" only matters for routes with both ids.
                if ids_label.starts_with("own person") && !route.path.contains("{episode_id}") {
                    continue;
                }
                let what = format!("{} {} as {label} with {ids_label}", route.method, path);
                let api = path.starts_with("/api/");
                let res = if api {
                    let body = (route.method != Method::GET && route.method != Method::DELETE)
                        .then_some("{}");
                    app.api(route.method.clone(), &path, token.as_deref(), body)
                        .await
                } else if route.method == Method::GET {
                    app.get(&mut browser, &path).await
                } else {
                    app.post(&mut browser, &path, &[]).await
                };
                checked += 1;
                assert!(
                    !res.status.is_server_error(),
                    "{what}: {} {}",
                    res.status,
                    res.body
                );
                assert_no_leak(&what, &res.body);

                match (route.access, role) {
                    (Access::Public, _) => {}
                    (_, None) => {
                        if api {
                            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{what}");
                        } else {
                            assert_eq!(res.status, StatusCode::SEE_OTHER, "{what}");
                            assert!(res.location().starts_with("/sign-in"), "{what}");
                        }
                    }
                    (access, Some(r)) if !access.allows(*r) => {
                        assert_eq!(res.status, StatusCode::FORBIDDEN, "{what}: {}", res.body);
                    }
                    (_, Some(_)) => {
                        let scoped = route.path.contains("{person_id}")
                            || w.children.iter().any(|(p, _)| route.path.contains(p))
                            || route.path.contains("{episode_id}")
                            || route.path.contains("{token_id}")
                            || (route.path.contains("{user_id}")
                                && *ids_label != "other site's ids")
                            || (route.path.contains("{site_id}")
                                && *ids_label != "other site's ids");
                        if scoped {
                            assert_eq!(res.status, StatusCode::NOT_FOUND, "{what}: {}", res.body);
                        }
                    }
                }

                // Signing out ends the session: sign in again for the next route.
                if route.path == "/sign-out" && role.is_some() {
                    browser = app.sign_in(label).await;
                }
            }
        }
    }

    // Nothing was read or written at the other site by anyone but its own worker.
    let views = app.db.audit_events_for("person.view").await;
    assert!(
        views.iter().all(|e| e.person_id != Some(w.victim)),
        "someone outside site B read the victim's record"
    );
    assert_eq!(
        app.db.count_rows("person").await,
        2,
        "a person was added by a refused request"
    );
    // Nor a referral added, by the public form or anyone else.
    assert_eq!(app.db.count_rows("referral").await, 1);
    // Nor was an episode started or changed by a refused request.
    assert_eq!(app.db.count_rows("episode").await, 1);
    assert_eq!(app.db.count_rows("episode_event").await, 2);
    let b_caller = app.db.caller(w.other_user).await;
    let episode = app
        .db
        .store
        .episode(&b_caller, w.victim_episode)
        .await
        .unwrap();
    assert_eq!(episode.version, 2);
    assert_eq!(episode.person_id, w.victim);
    assert!(checked > 300, "only {checked} requests were checked");
}

#[tokio::test]
async fn the_matrix_is_not_vacuous_in_scope_reads_work() {
    let w = world().await;
    let app = &w.app;
    let mut b = app.sign_in("worker.a@example.org").await;
    let res = app.get(&mut b, &format!("/people/{}", w.own)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Ownsite"));
    let res = app.get(&mut b, &format!("/people/{}", w.victim)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Site B's worker sees the victim (so the strings above would be caught).
    let mut b2 = app.sign_in("worker.b@example.org").await;
    let res = app.get(&mut b2, &format!("/people/{}", w.victim)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(VICTIM_FAMILY));
    assert!(res.body.contains("999 000 0018"));
    // ... and the victim's episode, through the same routes the matrix refused.
    let res = app
        .get(
            &mut b2,
            &format!("/people/{}/episodes/{}", w.victim, w.victim_episode),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(VICTIM_FAMILY));
    let res = app
        .get(
            &mut b2,
            &format!(
                "/people/{}/episodes/{}/actions/mark-released",
                w.victim, w.victim_episode
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(VICTIM_FAMILY));
}

#[tokio::test]
async fn every_role_has_a_working_navigation() {
    let w = world().await;
    let app = &w.app;
    for (label, role, _) in w.callers.iter().filter(|c| c.1.is_some()) {
        let mut b = app.sign_in(label).await;
        for (href, _) in reconnect_web::view_nav_for(role.unwrap()) {
            let res = app.get(&mut b, href).await;
            assert_eq!(res.status, StatusCode::OK, "{label} {href}: {}", res.body);
            assert!(res.body.contains("<h1"), "{label} {href}");
        }
    }
}

fn urlenc(s: &str) -> String {
    s.replace('%', "%25")
        .replace(' ', "%20")
        .replace('\'', "%27")
        .replace('=', "%3D")
}

// Services directory (issue 5): the search reads a person's release address
// from its `person_id` query parameter, which the route table does not
// name, so it is tried here with the victim's id for every caller.
#[tokio::test]
async fn the_directory_never_reads_another_sites_person() {
    let w = world().await;
    let app = &w.app;
    for (label, role, _) in w.callers.iter().filter(|c| c.1.is_some()) {
        let mut b = app.sign_in(label).await;
        for path in [
            format!("/directory?person_id={}", w.victim),
            format!("/directory?person_id={}&postcode=M1+1AE", w.victim),
        ] {
            let res = app.get(&mut b, &path).await;
            // Site roles (with or without a site) find nobody; others may not search.
            let expected = if role.unwrap().reads_cases() {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(res.status, expected, "{label} {path}");
            assert_no_leak(&format!("{label} {path}"), &res.body);
        }
    }
    assert!(app
        .db
        .audit_events_for("directory.person_address")
        .await
        .is_empty());
}
