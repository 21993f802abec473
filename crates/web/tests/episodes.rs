//! Episodes of support through the pages and the API: a referral taken
//! through the whole journey, refusals shown with their reason and changing
//! nothing, stale edits answered with the latest details, withdrawal from
//! every open state with no reason, read-only peer mentors, re-referral,
//! transfers, release date changes, bad input, and the audit trail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{error_links_of, error_summary_of, title_of, Browser, Res, TestApp};
use reconnect_domain::episode::{Action, EpisodeState, Reason};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::ReleaseDate;
use reconnect_domain::{EpisodeId, PersonId, Role, UserId};
use reconnect_store::episodes::Episode;
use reconnect_store::testing::TestSite;
use serde_json::{json, Value};
use time::macros::date;
use time::Duration;

/// Form fields as sent: name and value.
type Fields<'a> = Vec<(&'a str, &'a str)>;
/// A step of the journey: the action, its fields, how long before it, the
/// state it leads to and the history line it adds.
type Step<'a> = (&'a str, Fields<'a>, Duration, &'a str, &'a str);
/// A refused form: what, the fields sent, the fields with errors.
type Case<'a> = (&'a str, Fields<'a>, Vec<&'a str>);
/// A refused action form: on which episode, the action, fields, errors.
type ActionCase<'a> = (&'a Episode, &'a str, Fields<'a>, Vec<&'a str>);

const STALE: &str = "Someone else changed this record while you were working on it. Check the latest details below and try again";
const WORKER_NAME: &str = "Test RECONNECT worker";

struct World {
    app: TestApp,
    site: TestSite,
    worker: UserId,
    b: Browser,
}

async fn world_on(app: TestApp) -> World {
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    World {
        app,
        site,
        worker,
        b,
    }
}

async fn world() -> World {
    world_on(TestApp::new().await).await
}

impl World {
    async fn person(&self, family: &str) -> PersonId {
        let caller = self.app.db.caller(self.worker).await;
        self.app
            .db
            .person(&caller, self.site.prisons[0], "Ada", family)
            .await
    }

    /// The person's episodes as the store has them, newest first.
    async fn episodes(&self, person: PersonId) -> Vec<Episode> {
        let caller = self.app.db.caller(self.worker).await;
        self.app
            .db
            .store
            .episodes_of(&caller, person)
            .await
            .unwrap()
    }

    async fn episode(&self, person: PersonId) -> Episode {
        self.episodes(person).await.remove(0)
    }

    /// An episode started and moved on through the store, as `worker`.
    async fn episode_in(&self, person: PersonId, actions: &[Action]) -> Episode {
        let caller = self.app.db.caller(self.worker).await;
        let store = &self.app.db.store;
        let id = store
            .start_episode(
                &caller,
                person,
                ReferralSource::PrisonHealthcare,
                &ReleaseDate::Known(date!(2026 - 04 - 01)),
            )
            .await
            .unwrap();
        for (n, action) in actions.iter().enumerate() {
            store
                .act_on_episode(&caller, id, n as i64 + 1, action)
                .await
                .unwrap_or_else(|e| panic!("{action:?}: {e}"));
        }
        store.episode(&caller, id).await.unwrap()
    }

    async fn refer(&mut self, person: PersonId, fields: &[(&str, &str)]) -> Res {
        self.app
            .get(&mut self.b, &format!("/people/{person}"))
            .await;
        self.app
            .post(&mut self.b, &format!("/people/{person}/episodes"), fields)
            .await
    }

    async fn page(&mut self, path: &str) -> Res {
        self.app.get(&mut self.b, path).await
    }

    /// Opens an action's form and sends it with the version it shows.
    async fn act(
        &mut self,
        person: PersonId,
        episode: EpisodeId,
        slug: &str,
        fields: &[(&str, &str)],
    ) -> Res {
        let path = format!("/people/{person}/episodes/{episode}/actions/{slug}");
        let form = self.app.get(&mut self.b, &path).await;
        assert_eq!(form.status, StatusCode::OK, "GET {path}: {}", form.body);
        let version = version_in(&form.body).unwrap_or_else(|| panic!("no form on {path}"));
        let mut all = vec![("version", version.as_str())];
        all.extend_from_slice(fields);
        self.app.post(&mut self.b, &path, &all).await
    }
}

/// The hidden `version` of a page's form.
fn version_in(html: &str) -> Option<String> {
    let at = html.find("name=\"version\" value=\"")?;
    let rest = &html[at + "name=\"version\" value=\"".len()..];
    rest.split('"').next().map(str::to_string)
}

/// The history timeline of a page: the text of each entry, newest first.
fn timeline(html: &str) -> Vec<String> {
    let Some(start) = html.find("<ol class=\"app-timeline\"") else {
        return Vec::new();
    };
    let rest = &html[start..];
    let end = rest.find("</ol>").unwrap();
    rest[..end]
        .split("<li class=\"app-timeline__item\">")
        .skip(1)
        .map(|item| {
            let mut text = String::new();
            let mut in_tag = false;
            for c in item.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => {
                        in_tag = false;
                        text.push(' ');
                    }
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

fn assert_redirect_to(what: &str, res: &Res, location: &str) {
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{what}: {}", res.body);
    assert_eq!(res.location(), location, "{what}");
}

fn assert_shows(what: &str, html: &str, texts: &[&str]) {
    for text in texts {
        assert!(html.contains(text), "{what}: no {text:?} in\n{html}");
    }
}

/// A refused form: 200, an error summary linking to exactly these fields.
fn assert_field_errors(what: &str, res: &Res, fields: &[&str]) {
    assert_eq!(res.status, StatusCode::OK, "{what}: {}", res.body);
    assert!(title_of(&res.body).starts_with("Error: "), "{what}");
    let links: Vec<String> = error_links_of(&res.body)
        .into_iter()
        .map(|(href, _)| href)
        .collect();
    let expected: Vec<String> = fields.iter().map(|f| format!("#{f}")).collect();
    assert_eq!(
        links,
        expected,
        "{what}: {}",
        error_summary_of(&res.body).unwrap_or_default()
    );
    for f in fields {
        let id = f.strip_suffix("-day").unwrap_or(f);
        assert!(
            res.body.contains(&format!("id=\"{id}-error\"")),
            "{what}: no message next to {f}"
        );
    }
}

const REFERRAL: &[(&str, &str)] = &[
    ("referral_source", "probation"),
    ("expected_release-day", "1"),
    ("expected_release-month", "4"),
    ("expected_release-year", "2026"),
];

#[tokio::test]
async fn a_worker_takes_a_referral_through_the_whole_journey_with_every_step_in_the_history() {
    let mut w = world().await;
    let person = w.person("Lovelace").await;
    let person_path = format!("/people/{person}");

    let res = w.page(&person_path).await;
    assert_shows(
        "before referral",
        &res.body,
        &[
            "<h2 id=\"support\">Support</h2>",
            "They are not being supported at the moment.",
            "Refer for support",
            "Who made the referral?",
            "Prison healthcare",
            "If the release date is not known, why not?",
        ],
    );

    // Each step: what was sent, and the request id it ran under.
    let mut requests = Vec::new();
    let res = w.refer(person, REFERRAL).await;
    assert_redirect_to("refer", &res, &format!("{person_path}?done=referred"));
    requests.push(res.header("x-request-id").to_string());
    let episode = w.episode(person).await;
    assert_eq!(episode.state, EpisodeState::Referred);
    assert_eq!(episode.source, ReferralSource::Probation);
    assert_eq!(
        episode.expected_release,
        ReleaseDate::Known(date!(2026 - 04 - 01))
    );

    let res = w.page(&format!("{person_path}?done=referred")).await;
    assert_shows(
        "referred",
        &res.body,
        &[
            "Referral recorded",
            "nhsuk-tag--yellow\">Referred</strong>",
            "Site A",
            "Probation",
            "1 April 2026 – released in 30 days",
            "Change<span class=\"nhsuk-u-visually-hidden\"> expected release date</span>",
            "Accept referral",
            "Decline referral",
            "Record that they want to stop",
            "Transfer to another site",
        ],
    );
    assert!(!res.body.contains("Refer for support"));
    assert_eq!(
        timeline(&res.body),
        [format!(
            "Referred by: probation 02 Mar 2026, 09:00 UTC by {WORKER_NAME}"
        )]
    );

    // The journey, one page per action; the clock moves on between some.
    let steps: Vec<Step> = vec![
        (
            "accept",
            vec![],
            Duration::ZERO,
            "Accepted",
            "Referral accepted",
        ),
        (
            "start-engagement",
            vec![],
            Duration::days(2),
            "Engaged before release",
            "Support before release started",
        ),
        (
            "mark-released",
            vec![
                ("date-day", "1"),
                ("date-month", "4"),
                ("date-year", "2026"),
            ],
            Duration::days(28),
            "Released",
            "Marked as released on 1 April 2026",
        ),
        (
            "start-community-support",
            vec![],
            Duration::days(1),
            "Community support",
            "Community support started",
        ),
        (
            "extend-community-support",
            vec![
                ("date-day", "1"),
                ("date-month", "1"),
                ("date-year", "2027"),
                ("reason", "Housing is not settled yet"),
            ],
            Duration::days(150),
            "Community support",
            "Community support extended to 1 January 2027",
        ),
        (
            "begin-stepping-down",
            vec![],
            Duration::days(30),
            "Stepping down",
            "Stepping down started",
        ),
        (
            "close",
            vec![
                ("reason", "support_completed"),
                ("details", "Settled in a flat, registered with a GP"),
            ],
            Duration::days(14),
            "Closed",
            "Episode closed: Support completed",
        ),
    ];
    for (n, (slug, fields, wait, state, summary)) in steps.into_iter().enumerate() {
        if wait > Duration::ZERO {
            w.app.db.advance(wait);
            // Days pass: the session has long ended, so sign in again.
            w.b = w.app.sign_in("worker@example.org").await;
        }
        let res = w.act(person, episode.id, slug, &fields).await;
        assert_redirect_to(slug, &res, &format!("{person_path}?done={slug}"));
        requests.push(res.header("x-request-id").to_string());
        let page = w.page(&format!("{person_path}?done={slug}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("nhsuk-notification-banner--success"),
            "{slug}: no confirmation"
        );
        let history = if state == "Closed" {
            // A closed episode moves to "Earlier episodes"; its own page has the history.
            assert_shows(
                slug,
                &page.body,
                &["Earlier episodes", "Closed</strong>", "Refer for support"],
            );
            let page = w
                .page(&format!("{person_path}/episodes/{}", episode.id))
                .await;
            assert_eq!(page.status, StatusCode::OK);
            timeline(&page.body)
        } else {
            assert!(
                page.body.contains(&format!("\">{state}</strong>")),
                "{slug}: state {state} not shown"
            );
            timeline(&page.body)
        };
        assert_eq!(history.len(), n + 2, "{slug}: {history:?}");
        let now = w.app.db.now();
        let when = format!(
            "{:02} {} {}, 09:00 UTC",
            now.day(),
            &now.month().to_string()[..3],
            now.year()
        );
        assert!(
            history[0].starts_with(summary)
                && history[0].contains(&format!("{when} by {WORKER_NAME}")),
            "{slug}: newest entry is {:?}, expected {summary:?} at {when}",
            history[0]
        );
    }

    // Reasons are kept with their step, and the dates came out right.
    let page = w
        .page(&format!("{person_path}/episodes/{}", episode.id))
        .await;
    let history = timeline(&page.body);
    assert!(
        history[2].ends_with("Housing is not settled yet"),
        "{history:?}"
    );
    assert!(
        history[0].ends_with("Support completed. Settled in a flat, registered with a GP"),
        "{history:?}"
    );
    let closed = w.episode(person).await;
    assert_eq!(closed.state, EpisodeState::Closed);
    assert_eq!(closed.released_on, Some(date!(2026 - 04 - 01)));
    assert_eq!(closed.extended_until, Some(date!(2027 - 01 - 01)));
    assert_eq!(closed.version, 8);

    // Every change is audited with the request that made it.
    let audit = w.app.db.audit_events().await;
    let changes: Vec<_> = audit
        .iter()
        .filter(|e| e.action.starts_with("episode."))
        .collect();
    assert_eq!(changes.len(), 8, "{changes:?}");
    assert_eq!(changes[0].action, "episode.create");
    for (event, request) in changes.iter().zip(&requests) {
        assert_eq!(
            event.request_id.as_deref(),
            Some(request.as_str()),
            "{event:?}"
        );
        assert_eq!(event.actor_user_id, Some(w.worker));
        assert_eq!(event.person_id, Some(person));
        assert_eq!(event.site_id, Some(w.site.id));
        assert_eq!(
            event.record_id.as_deref(),
            Some(episode.id.to_string().as_str())
        );
        assert_eq!(event.ip.as_deref(), Some("127.0.0.1"));
    }
    assert!(changes[1..]
        .iter()
        .all(|e| e.action == "episode.transition"));
    assert_eq!(
        changes[3].detail.as_deref(),
        Some("mark_released: engaged_before_release to released")
    );
}

#[tokio::test]
async fn an_illegal_action_is_refused_with_its_reason_and_changes_nothing() {
    let mut w = world().await;
    let person = w.person("Refused").await;
    let episode = w.episode_in(person, &[]).await;
    let path = format!(
        "/people/{person}/episodes/{}/actions/mark-released",
        episode.id
    );

    // The form explains why it cannot be used now, and offers nothing to send.
    let res = w.page(&path).await;
    assert_eq!(res.status, StatusCode::OK);
    let reason = "You cannot mark someone as released before their episode is accepted.";
    assert_shows("GET", &res.body, &[reason]);
    assert!(version_in(&res.body).is_none());

    // Posting anyway (an old tab, a crafted request) is refused the same way.
    let audit_before = w.app.db.audit_events_for("episode.transition").await.len();
    let res = w
        .app
        .post(
            &mut w.b,
            &path,
            &[
                ("version", "1"),
                ("date-day", "2"),
                ("date-month", "3"),
                ("date-year", "2026"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(title_of(&res.body).starts_with("Error: "));
    let summary = error_summary_of(&res.body).unwrap();
    assert!(summary.contains(&format!("<li>{reason}</li>")), "{summary}");
    let after = w.episode(person).await;
    assert_eq!(after, episode, "a refused action changed the episode");
    assert_eq!(w.app.db.count_rows("episode_event").await, 1);
    assert_eq!(
        w.app.db.audit_events_for("episode.transition").await.len(),
        audit_before
    );

    // A refusal about the data links to the field it is about.
    let res = w.act(person, episode.id, "accept", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = w
        .act(
            person,
            episode.id,
            "mark-released",
            &[
                ("date-day", "3"),
                ("date-month", "3"),
                ("date-year", "2026"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(
        error_links_of(&res.body),
        [(
            "#date-day".to_string(),
            "The release date cannot be in the future. Mark someone as released on or after the day they leave prison.".to_string()
        )]
    );
    // What was typed is kept.
    assert!(res
        .body
        .contains("name=\"date-day\" type=\"text\" inputmode=\"numeric\" value=\"3\""));
    assert_eq!(w.episode(person).await.state, EpisodeState::Accepted);

    // "Support completed" before stepping down is refused next to the reason.
    let res = w
        .act(
            person,
            episode.id,
            "close",
            &[("reason", "support_completed")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(error_links_of(&res.body)[0].0, "#reason");
    assert_eq!(w.episode(person).await.state, EpisodeState::Accepted);
}

#[tokio::test]
async fn a_stale_form_shows_the_latest_details_and_changes_nothing() {
    let mut w = world().await;
    let person = w.person("Stale").await;
    let episode = w.episode_in(person, &[]).await;
    let path = format!("/people/{person}/episodes/{}/actions/accept", episode.id);
    let form = w.page(&path).await;
    assert_eq!(version_in(&form.body).as_deref(), Some("1"));

    // Meanwhile a colleague changes the release date.
    let colleague = w.app.db.staff(Role::Worker, &[w.site.id]).await;
    w.app
        .db
        .store
        .change_expected_release(
            &colleague,
            episode.id,
            1,
            &ReleaseDate::Known(date!(2026 - 05 - 15)),
            &Reason::parse("Parole board decision", "why").unwrap(),
        )
        .await
        .unwrap();

    let res = w.app.post(&mut w.b, &path, &[("version", "1")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let summary = error_summary_of(&res.body).unwrap();
    assert!(summary.contains(STALE), "{summary}");
    // The latest details are on the page, and the form now carries the new version.
    assert_shows("stale", &res.body, &["15 May 2026"]);
    assert_eq!(version_in(&res.body).as_deref(), Some("2"));
    let now = w.episode(person).await;
    assert_eq!(now.state, EpisodeState::Referred);
    assert_eq!(now.version, 2);
    assert!(w
        .app
        .db
        .audit_events_for("episode.transition")
        .await
        .is_empty());

    // Sending it again, having seen the change, works.
    let res = w.app.post(&mut w.b, &path, &[("version", "2")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(w.episode(person).await.state, EpisodeState::Accepted);

    // The release date page is stale-safe too, and keeps what was typed.
    let path = format!("/people/{person}/episodes/{}/release-date", episode.id);
    w.page(&path).await;
    let res = w
        .app
        .post(
            &mut w.b,
            &path,
            &[
                ("version", "2"),
                ("release_unknown_reason", "Waiting for sentencing"),
                ("why", "New charge"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(error_summary_of(&res.body).unwrap().contains(STALE));
    assert_shows(
        "stale release",
        &res.body,
        &["Waiting for sentencing", "New charge"],
    );
    assert_eq!(version_in(&res.body).as_deref(), Some("3"));
    assert_eq!(
        w.episode(person).await.expected_release,
        ReleaseDate::Known(date!(2026 - 05 - 15))
    );
}

#[tokio::test]
async fn a_form_sent_twice_acts_once_and_answers_the_same_both_times() {
    let mut w = world().await;
    let person = w.person("Twice").await;
    let episode = w.episode_in(person, &[]).await;
    let path = format!("/people/{person}/episodes/{}/actions/accept", episode.id);
    w.page(&path).await;
    let first = w.app.post(&mut w.b, &path, &[("version", "1")]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    // The same form again (a double click): the same answer, nothing more done.
    let again = w.app.post(&mut w.b, &path, &[("version", "1")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(again.location(), first.location());
    let now = w.episode(person).await;
    assert_eq!(now.state, EpisodeState::Accepted);
    assert_eq!(now.version, 2);
    assert_eq!(
        w.app.db.audit_events_for("episode.transition").await.len(),
        1
    );

    // A colleague's form from before the change is still told it is stale.
    let colleague = w.app.db.staff(Role::Worker, &[w.site.id]).await;
    let refused = w
        .app
        .db
        .store
        .act_on_episode(&colleague, episode.id, 1, &Action::Accept)
        .await;
    assert!(refused.is_err());
    // And long after, the same form is no longer taken for a repeat.
    w.app.db.advance(time::Duration::minutes(11));
    let mut b = w.app.sign_in("worker@example.org").await;
    let late = w.app.post(&mut b, &path, &[("version", "1")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
}

#[tokio::test]
async fn withdrawal_works_from_every_open_state_without_a_reason() {
    let mut w = world().await;
    let released = Action::MarkReleased {
        on: date!(2026 - 03 - 02),
    };
    let routes: Vec<(EpisodeState, Vec<Action>)> = vec![
        (EpisodeState::Referred, vec![]),
        (EpisodeState::Accepted, vec![Action::Accept]),
        (
            EpisodeState::EngagedBeforeRelease,
            vec![Action::Accept, Action::StartEngagement],
        ),
        (
            EpisodeState::Released,
            vec![Action::Accept, released.clone()],
        ),
        (
            EpisodeState::CommunitySupport,
            vec![
                Action::Accept,
                released.clone(),
                Action::StartCommunitySupport,
            ],
        ),
        (
            EpisodeState::SteppingDown,
            vec![
                Action::Accept,
                released.clone(),
                Action::StartCommunitySupport,
                Action::BeginSteppingDown,
            ],
        ),
        (
            EpisodeState::ReturnedToCustody,
            vec![
                Action::Accept,
                released.clone(),
                Action::ReturnToCustody {
                    on: date!(2026 - 03 - 02),
                    recalled: true,
                },
            ],
        ),
    ];
    for (n, (state, actions)) in routes.into_iter().enumerate() {
        let person = w.person(&format!("Withdrawer{n}")).await;
        let episode = w.episode_in(person, &actions).await;
        assert_eq!(episode.state, state);
        // The page says it is their choice, and the reason box is optional.
        let form = w
            .page(&format!(
                "/people/{person}/episodes/{}/actions/withdraw",
                episode.id
            ))
            .await;
        assert_shows(
            "withdraw form",
            &form.body,
            &["Taking part is their choice", "(optional)"],
        );
        // No reason is needed.
        let res = w
            .act(person, episode.id, "withdraw", &[("reason", "")])
            .await;
        assert_redirect_to(
            &format!("withdraw from {state}"),
            &res,
            &format!("/people/{person}?done=withdraw"),
        );
        let after = w.episode(person).await;
        assert_eq!(after.state, EpisodeState::Withdrawn, "from {state}");
        let page = w
            .page(&format!("/people/{person}/episodes/{}", episode.id))
            .await;
        let newest = &timeline(&page.body)[0];
        assert!(newest.starts_with("They chose to stop support"), "{newest}");
        assert!(!newest.contains("Reason"), "{newest}");
    }

    // A reason no other form would accept (control characters, far too long)
    // is kept as well as it can be, and never blocks the choice either.
    let person = w.person("Withdrawer").await;
    let episode = w.episode_in(person, &[Action::Accept]).await;
    let reason = format!("\u{7}I have moved on\u{0}{}", " and on".repeat(400));
    let res = w
        .act(person, episode.id, "withdraw", &[("reason", &reason)])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = w
        .page(&format!("/people/{person}/episodes/{}", episode.id))
        .await;
    let newest = &timeline(&page.body)[0];
    assert!(
        newest.contains("Reason or note: I have moved on and on"),
        "{newest}"
    );
    assert_eq!(w.episode(person).await.state, EpisodeState::Withdrawn);
}

#[tokio::test]
async fn a_peer_mentor_sees_the_episode_but_cannot_change_it() {
    let w = world().await;
    let person = w.person("Mentored").await;
    let episode = w.episode_in(person, &[Action::Accept]).await;
    let (mentor, mut m) = w
        .app
        .signed_in_at("mentor@example.org", Role::PeerMentor, w.site.id)
        .await;

    let res = w.app.get(&mut m, &format!("/people/{person}")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_shows(
        "mentor",
        &res.body,
        &[
            "Accepted</strong>",
            "Referral accepted",
            "1 April 2026 – released in 30 days",
        ],
    );
    for offered in [
        "/actions/",
        "/release-date",
        "Refer for support",
        "Other changes",
    ] {
        assert!(
            !res.body.contains(offered),
            "a peer mentor is offered {offered}"
        );
    }
    let res = w
        .app
        .get(&mut m, &format!("/people/{person}/episodes/{}", episode.id))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("/release-date"));

    let action = format!(
        "/people/{person}/episodes/{}/actions/start-engagement",
        episode.id
    );
    assert_eq!(
        w.app.get(&mut m, &action).await.status,
        StatusCode::FORBIDDEN
    );
    let res = w.app.post(&mut m, &action, &[("version", "2")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = w
        .app
        .post(&mut m, &format!("/people/{person}/episodes"), REFERRAL)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = w
        .app
        .post(
            &mut m,
            &format!("/people/{person}/episodes/{}/release-date", episode.id),
            &[
                ("version", "2"),
                ("release_unknown_reason", "x"),
                ("why", "y"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // The API agrees: reads yes, changes no.
    let token = w.app.token(mentor).await;
    let res = w
        .app
        .api(
            Method::GET,
            &format!("/api/v1/episodes/{}", episode.id),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = w
        .app
        .api(
            Method::POST,
            &format!("/api/v1/episodes/{}/actions", episode.id),
            Some(&token),
            Some(r#"{"action": "withdraw", "version": 2}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(w.episode(person).await, episode);
}

#[tokio::test]
async fn re_referral_is_refused_while_open_and_linked_after_the_episode_ends() {
    let mut w = world().await;
    let person = w.person("Returner").await;
    assert_eq!(
        w.refer(person, REFERRAL).await.status,
        StatusCode::SEE_OTHER
    );
    let first = w.episode(person).await;

    // A second referral while the first is open: refused, with the reason.
    let res = w.refer(person, REFERRAL).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let summary = error_summary_of(&res.body).unwrap();
    assert!(
        summary.contains("This person already has an open episode (referred)"),
        "{summary}"
    );
    assert_eq!(w.episodes(person).await.len(), 1);

    // Declined: the next referral is a new episode linked to the first.
    let res = w
        .act(
            person,
            first.id,
            "decline",
            &[("reason", "no_health_need"), ("details", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = w.page(&format!("/people/{person}")).await;
    assert_shows(
        "declined",
        &page.body,
        &[
            "Earlier episodes",
            "Declined</strong>",
            "Referral declined: No health need identified",
            "Their earlier support has ended. A new referral starts a new episode, linked to the earlier ones.",
        ],
    );
    let res = w
        .refer(
            person,
            &[
                ("referral_source", "self_referral"),
                ("release_unknown_reason", "On remand"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let episodes = w.episodes(person).await;
    assert_eq!(episodes.len(), 2);
    assert_eq!(episodes[0].linked_from, Some(first.id));
    assert_eq!(episodes[0].state, EpisodeState::Referred);
    assert_eq!(episodes[1].state, EpisodeState::Declined);
    let page = w.page(&format!("/people/{person}")).await;
    assert_shows(
        "re-referred",
        &page.body,
        &[
            "Not known: On remand",
            "The person themselves",
            "Follows",
            &format!("href=\"/people/{person}/episodes/{}\"", first.id),
        ],
    );
}

#[tokio::test]
async fn bad_input_is_shown_next_to_its_field_and_writes_nothing() {
    let mut w = world().await;
    let person = w.person("Typo").await;

    // The referral form.
    let long = "x".repeat(1001);
    let cases: Vec<Case> = vec![
        (
            "nothing",
            vec![],
            vec!["referral_source", "expected_release-day"],
        ),
        (
            "part of a date",
            vec![
                ("referral_source", "probation"),
                ("expected_release-day", "1"),
                ("expected_release-month", "4"),
            ],
            vec!["expected_release-day"],
        ),
        (
            "before birth",
            vec![
                ("referral_source", "probation"),
                ("expected_release-day", "1"),
                ("expected_release-month", "1"),
                ("expected_release-year", "1990"),
            ],
            vec!["expected_release-day"],
        ),
        (
            "impossible",
            vec![
                ("referral_source", "court"),
                ("expected_release-day", "30"),
                ("expected_release-month", "2"),
                ("expected_release-year", "2026"),
            ],
            vec!["referral_source", "expected_release-day"],
        ),
        (
            "both a date and why it is not known",
            vec![
                ("referral_source", "probation"),
                ("expected_release-day", "1"),
                ("expected_release-month", "4"),
                ("expected_release-year", "2026"),
                ("release_unknown_reason", "On remand"),
            ],
            vec!["expected_release-day"],
        ),
        (
            "a reason that is too long",
            vec![
                ("referral_source", "probation"),
                ("release_unknown_reason", long.as_str()),
            ],
            vec!["release_unknown_reason"],
        ),
    ];
    for (what, fields, errors) in cases {
        let res = w.refer(person, &fields).await;
        assert_field_errors(what, &res, &errors);
        assert!(res.body.contains("<h1>Ada Typo</h1>"), "{what}");
    }
    let res = w
        .refer(person, &[("referral_source", "family_or_friend")])
        .await;
    assert!(
        res.body.contains("value=\"family_or_friend\" checked"),
        "the choice is kept"
    );
    assert_eq!(w.app.db.count_rows("episode").await, 0);

    // The action forms, each on an episode where the action is allowed.
    let episode = w.episode_in(person, &[]).await;
    let accepted_person = w.person("Accepted").await;
    let accepted = w.episode_in(accepted_person, &[Action::Accept]).await;
    let supported_person = w.person("Supported").await;
    let supported = w
        .episode_in(
            supported_person,
            &[
                Action::Accept,
                Action::MarkReleased {
                    on: date!(2026 - 03 - 01),
                },
                Action::StartCommunitySupport,
            ],
        )
        .await;
    let cases: Vec<ActionCase> = vec![
        (&episode, "decline", vec![], vec!["reason"]),
        (
            &episode,
            "decline",
            vec![("reason", "other"), ("details", " ")],
            vec!["details"],
        ),
        (
            &accepted,
            "close",
            vec![("reason", "other")],
            vec!["details"],
        ),
        (
            &accepted,
            "close",
            vec![("reason", "no_contact_after_attempts")],
            vec!["details"],
        ),
        (
            &accepted,
            "close",
            vec![("reason", "moved_away"), ("details", long.as_str())],
            vec!["details"],
        ),
        (
            &accepted,
            "mark-released",
            vec![
                ("date-day", "31"),
                ("date-month", "2"),
                ("date-year", "2026"),
            ],
            vec!["date-day"],
        ),
        (
            &accepted,
            "mark-released",
            vec![
                ("date-day", "1"),
                ("date-month", "3"),
                ("date-year", "1900"),
            ],
            vec!["date-day"],
        ),
        (
            &accepted,
            "transfer-site",
            vec![("to_site", "nowhere")],
            vec!["to_site", "handover"],
        ),
        (
            &supported,
            "return-to-custody",
            vec![],
            vec!["date-day", "recalled"],
        ),
        (
            &supported,
            "extend-community-support",
            vec![("date-day", "1"), ("date-month", "1")],
            vec!["date-day", "reason"],
        ),
    ];
    for (ep, slug, fields, errors) in cases {
        let path = format!("/people/{}/episodes/{}/actions/{slug}", ep.person_id, ep.id);
        w.page(&path).await;
        let version = ep.version.to_string();
        let mut all = vec![("version", version.as_str())];
        all.extend(fields);
        let res = w.app.post(&mut w.b, &path, &all).await;
        assert_field_errors(slug, &res, &errors);
    }
    assert_eq!(w.episode(accepted_person).await, accepted);
    assert_eq!(w.episode(supported_person).await, supported);
    // An action the state does not allow is refused before its fields are read.
    let path = format!("/people/{person}/episodes/{}/actions/close", episode.id);
    let res = w.app.post(&mut w.b, &path, &[("version", "1")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(error_summary_of(&res.body)
        .unwrap()
        .contains("A referral that has not been accepted cannot be closed."));
    let path = format!("/people/{person}/episodes/{}/release-date", episode.id);
    w.page(&path).await;
    let res = w
        .app
        .post(
            &mut w.b,
            &path,
            &[("version", "1"), ("expected_release-year", "2026")],
        )
        .await;
    assert_field_errors("release date", &res, &["expected_release-day", "why"]);
    assert_eq!(
        w.episode(person).await,
        episode,
        "bad input changed the episode"
    );
    assert_eq!(w.app.db.count_rows("episode_event").await, 1 + 2 + 4);

    // Addresses that do not fit: not found, never a server error.
    let other = w.person("Other").await;
    for path in [
        format!("/people/{person}/episodes/{}/actions/fly", episode.id),
        format!("/people/{other}/episodes/{}/actions/accept", episode.id),
        format!("/people/{other}/episodes/{}", episode.id),
        format!("/people/{other}/episodes/{}/release-date", episode.id),
        format!("/people/{person}/episodes/not-an-id/actions/accept"),
    ] {
        assert_eq!(w.page(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let res = w
        .app
        .post(
            &mut w.b,
            &format!("/people/{other}/episodes/{}/actions/accept", episode.id),
            &[("version", "1")],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // A tampered version is a bad request.
    let path = format!("/people/{person}/episodes/{}/actions/accept", episode.id);
    w.page(&path).await;
    let res = w.app.post(&mut w.b, &path, &[("version", "x")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(w.episode(person).await.state, EpisodeState::Referred);
}

#[tokio::test]
async fn the_expected_release_date_changes_with_a_reason_and_the_old_one_stays_in_the_history() {
    let mut w = world().await;
    let person = w.person("Moved").await;
    let episode = w.episode_in(person, &[Action::Accept]).await;
    let path = format!("/people/{person}/episodes/{}/release-date", episode.id);
    let form = w.page(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    // The form starts from the current date.
    assert!(form.body.contains(
        "name=\"expected_release-month\" type=\"text\" inputmode=\"numeric\" value=\"4\""
    ));
    let res = w
        .app
        .post(
            &mut w.b,
            &path,
            &[
                ("version", "2"),
                ("release_unknown_reason", "On remand for a new charge"),
                ("why", "Arrested on a new charge"),
            ],
        )
        .await;
    assert_redirect_to(
        "change",
        &res,
        &format!("/people/{person}?done=release-date"),
    );
    let page = w.page(&format!("/people/{person}?done=release-date")).await;
    assert_shows(
        "changed",
        &page.body,
        &[
            "Expected release date updated",
            "Not known: On remand for a new charge",
        ],
    );
    assert!(timeline(&page.body)[0]
        .starts_with("Expected release changed from 1 April 2026 to not known"));
    assert!(timeline(&page.body)[0].ends_with("Arrested on a new charge"));
    let audit = w.app.db.audit_events_for("episode.release_date").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(
        audit[0].request_id.as_deref(),
        Some(res.header("x-request-id"))
    );

    // An ended episode's date cannot change.
    let res = w.act(person, episode.id, "withdraw", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let form = w.page(&path).await;
    assert!(form.body.contains("This episode has ended"));
    assert!(version_in(&form.body).is_none());
}

#[tokio::test]
async fn a_transfer_hands_the_person_to_the_new_site() {
    let mut w = world().await;
    let other = w.app.db.site("Site B", &["HMP Beta"]).await;
    let person = w.person("Mover").await;
    let episode = w.episode_in(person, &[Action::Accept]).await;

    let form = w
        .page(&format!(
            "/people/{person}/episodes/{}/actions/transfer-site",
            episode.id
        ))
        .await;
    assert!(form.body.contains(">Site B</option>"));
    assert!(
        !form.body.contains(">Site A</option>"),
        "the current site is offered"
    );
    let res = w
        .act(
            person,
            episode.id,
            "transfer-site",
            &[
                ("to_site", &other.id.to_string()),
                ("handover", "Prefers texts.\nNeeds a GP near Beta."),
            ],
        )
        .await;
    assert_redirect_to("transfer", &res, "/people?transferred=1");
    let list = w.page("/people?transferred=1").await;
    assert!(list.body.contains("Their support has been transferred"));
    assert_eq!(
        w.page(&format!("/people/{person}")).await.status,
        StatusCode::NOT_FOUND
    );

    let (_, mut b2) = w
        .app
        .signed_in_at("worker.b@example.org", Role::Worker, other.id)
        .await;
    let page = w.app.get(&mut b2, &format!("/people/{person}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_shows("site B", &page.body, &["Site B", "Accepted</strong>"]);
    let newest = &timeline(&page.body)[0];
    assert!(
        newest.starts_with("Transferred to another site")
            && newest.ends_with("Prefers texts. Needs a GP near Beta."),
        "{newest}"
    );
}

async fn api(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Res {
    let body = body.map(|b| b.to_string());
    app.api(method, path, Some(token), body.as_deref()).await
}

fn problem(what: &str, res: &Res, status: StatusCode, kind: &str) -> Value {
    assert_eq!(res.status, status, "{what}: {}", res.body);
    assert_eq!(
        res.header("content-type"),
        "application/problem+json",
        "{what}"
    );
    let doc = res.json();
    assert_eq!(doc["type"], format!("/problems/{kind}"), "{what}: {doc}");
    doc
}

fn error_fields(doc: &Value) -> Vec<&str> {
    doc["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_api_takes_an_episode_through_the_journey() {
    let w = world().await;
    let app = &w.app;
    let person = w.person("Api").await;
    let token = app.token(w.worker).await;
    let episodes = format!("/api/v1/people/{person}/episodes");

    let res = api(app, Method::GET, &episodes, &token, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json(), json!([]));

    // Bad referrals name their fields.
    for (body, fields) in [
        (json!({}), vec!["referral_source"]),
        (json!({"referral_source": "court"}), vec!["referral_source"]),
        (
            json!({"referral_source": "probation"}),
            vec!["expected_release"],
        ),
        (
            json!({"referral_source": "probation", "expected_release": "1 April 2026"}),
            vec!["expected_release"],
        ),
        (
            json!({"referral_source": "probation", "expected_release": "1900-01-01"}),
            vec!["expected_release"],
        ),
        (
            json!({"referral_source": "probation", "release_unknown_reason": "  "}),
            vec!["expected_release"],
        ),
        (
            json!({"referral_source": "probation", "expected_release": "2026-04-01", "colour": "red"}),
            vec!["colour"],
        ),
    ] {
        let res = api(app, Method::POST, &episodes, &token, Some(body.clone())).await;
        let doc = problem(
            &body.to_string(),
            &res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
        assert_eq!(error_fields(&doc), fields, "{body}: {doc}");
    }

    let res = api(
        app,
        Method::POST,
        &episodes,
        &token,
        Some(json!({"referral_source": "self_referral", "expected_release": "2026-04-01"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let created = res.json();
    assert_eq!(created["state"], "referred");
    assert_eq!(created["version"], 1);
    assert_eq!(created["expected_release"], "2026-04-01");
    assert_eq!(created["release_countdown"], "released in 30 days");
    assert_eq!(created["available_actions"][0], "accept");
    let id = created["id"].as_str().unwrap().to_string();
    let actions = format!("/api/v1/episodes/{id}/actions");

    // Refused by the rules: 409 with the reason as the detail; nothing changes.
    let res = api(
        app,
        Method::POST,
        &actions,
        &token,
        Some(json!({"action": "mark_released", "version": 1, "on": "2026-03-01"})),
    )
    .await;
    let doc = problem("illegal", &res, StatusCode::CONFLICT, "refused");
    assert_eq!(
        doc["detail"],
        "You cannot mark someone as released before their episode is accepted."
    );
    let res = api(
        app,
        Method::POST,
        &episodes,
        &token,
        Some(json!({"referral_source": "probation", "expected_release": "2026-04-01"})),
    )
    .await;
    let doc = problem("open", &res, StatusCode::CONFLICT, "refused");
    assert!(doc["detail"]
        .as_str()
        .unwrap()
        .starts_with("This person already has an open episode"));

    // Bad action bodies name their fields.
    for (body, field) in [
        (json!({"version": 1}), "action"),
        (json!({"action": "fly", "version": 1}), "action"),
        (json!({"action": "accept"}), "version"),
        (json!({"action": "accept", "version": "one"}), "version"),
        (json!({"action": "accept", "version": 1, "why": "x"}), "why"),
        (json!({"action": "mark_released", "version": 1}), "on"),
        (
            json!({"action": "mark_released", "version": 1, "on": "2026-02-30"}),
            "on",
        ),
        (
            json!({"action": "return_to_custody", "version": 1, "on": "2026-03-01", "recalled": "yes"}),
            "recalled",
        ),
        (
            json!({"action": "decline", "version": 1, "reason": "other"}),
            "details",
        ),
        (
            json!({"action": "decline", "version": 1, "reason": "boredom"}),
            "reason",
        ),
        (
            json!({"action": "extend_community_support", "version": 1, "until": "2027-01-01", "reason": ""}),
            "reason",
        ),
        (
            json!({"action": "transfer_site", "version": 1, "to_site": "x", "handover": "h"}),
            "to_site",
        ),
        (json!(["accept"]), "body"),
    ] {
        let res = api(app, Method::POST, &actions, &token, Some(body.clone())).await;
        let doc = problem(
            &body.to_string(),
            &res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
        assert_eq!(error_fields(&doc), [field], "{body}: {doc}");
    }

    // The journey.
    let mut version = 1;
    for (body, to) in [
        (json!({"action": "accept"}), "accepted"),
        (
            json!({"action": "mark_released", "on": "2026-03-02"}),
            "released",
        ),
        (
            json!({"action": "start_community_support"}),
            "community_support",
        ),
        (
            json!({"action": "extend_community_support", "until": "2027-01-01", "reason": "Housing"}),
            "community_support",
        ),
        (
            json!({"action": "return_to_custody", "on": "2026-03-02", "recalled": true}),
            "returned_to_custody",
        ),
        (json!({"action": "resume"}), "engaged_before_release"),
    ] {
        let mut body = body;
        body["version"] = json!(version);
        let res = api(app, Method::POST, &actions, &token, Some(body.clone())).await;
        assert_eq!(res.status, StatusCode::OK, "{body}: {}", res.body);
        let doc = res.json();
        assert_eq!(doc["to"], to, "{body}: {doc}");
        assert_eq!(doc["episode"]["state"], to);
        version = doc["episode"]["version"].as_i64().unwrap();
    }

    // A stale version: 409, says so, and changes nothing.
    let res = api(
        app,
        Method::POST,
        &actions,
        &token,
        Some(json!({"action": "withdraw", "version": 1})),
    )
    .await;
    let doc = problem("stale", &res, StatusCode::CONFLICT, "stale");
    assert!(doc["detail"]
        .as_str()
        .unwrap()
        .contains("Someone else changed this record"));

    // The release date: new date with a reason, then stale.
    let release = format!("/api/v1/episodes/{id}/release-date");
    let res = api(
        app,
        Method::PUT,
        &release,
        &token,
        Some(json!({"version": version, "expected_release": "2026-06-30", "why": "New sentence date"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["expected_release"], "2026-06-30");
    let res = api(
        app,
        Method::PUT,
        &release,
        &token,
        Some(json!({"version": version, "release_unknown_reason": "Remand", "why": "x"})),
    )
    .await;
    problem("stale release", &res, StatusCode::CONFLICT, "stale");
    let res = api(
        app,
        Method::PUT,
        &release,
        &token,
        Some(json!({"version": version + 1, "expected_release": "2026-06-30"})),
    )
    .await;
    let doc = problem(
        "no why",
        &res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(error_fields(&doc), ["why"]);

    // Withdrawal with no reason at all.
    let res = api(
        app,
        Method::POST,
        &actions,
        &token,
        Some(json!({"action": "withdraw", "version": version + 1})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["episode"]["available_actions"], json!([]));

    // The whole history, oldest first, with who and why.
    let res = api(
        app,
        Method::GET,
        &format!("/api/v1/episodes/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = res.json();
    assert_eq!(doc["state"], "withdrawn");
    let history = doc["history"].as_array().unwrap();
    let summaries: Vec<&str> = history
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries,
        [
            "Referred by: the person themselves",
            "Referral accepted",
            "Marked as released on 2 March 2026",
            "Community support started",
            "Community support extended to 1 January 2027",
            "Recalled to custody on 2 March 2026",
            "Support resumed in custody",
            "Expected release changed from 1 April 2026 to 30 June 2026",
            "They chose to stop support",
        ]
    );
    assert!(history.iter().all(|e| e["by"] == WORKER_NAME));
    assert_eq!(history[4]["reason"], "Housing");
    assert_eq!(history[7]["reason"], "New sentence date");
    assert!(history[8].get("reason").is_none());

    // Re-referral after the end: a new episode linked to this one.
    let res = api(
        app,
        Method::POST,
        &episodes,
        &token,
        Some(json!({"referral_source": "probation", "release_unknown_reason": "Remand"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.json()["linked_from"], id.as_str());
    let res = api(app, Method::GET, &episodes, &token, None).await;
    assert_eq!(res.json().as_array().unwrap().len(), 2);

    // Audited: every change with its request, and reads as reads of the person.
    assert_eq!(app.db.audit_events_for("episode.create").await.len(), 2);
    assert_eq!(app.db.audit_events_for("episode.transition").await.len(), 7);
    assert_eq!(
        app.db.audit_events_for("episode.release_date").await.len(),
        1
    );
    let views = app.db.audit_events_for("person.view").await;
    assert_eq!(views.len(), 3, "two lists and one episode read");
    assert!(views.iter().all(|v| v.person_id == Some(person)));

    // Someone else's episode does not exist, whatever the body.
    let b_site = app.db.site("Site B", &["HMP Beta"]).await;
    let b_token = app
        .token(app.user("b@example.org", Role::Worker, &[b_site.id]).await)
        .await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/episodes/{id}")),
        (Method::POST, actions.clone()),
        (Method::PUT, release.clone()),
        (Method::GET, episodes.clone()),
        (Method::POST, episodes.clone()),
    ] {
        let body = (method != Method::GET).then(|| json!({"nonsense": true}));
        let res = api(app, method.clone(), &path, &b_token, body).await;
        problem(
            &format!("{method} {path}"),
            &res,
            StatusCode::NOT_FOUND,
            "not-found",
        );
    }
}

#[tokio::test]
async fn the_journey_works_on_postgres_too() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    assert_eq!(app.db.engine(), reconnect_store::Engine::Postgres);
    let mut w = world_on(app).await;
    let person = w.person("Postgres").await;
    let res = w.refer(person, REFERRAL).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let episode = w.episode(person).await;
    for (slug, fields) in [
        ("accept", vec![]),
        (
            "mark-released",
            vec![
                ("date-day", "2"),
                ("date-month", "3"),
                ("date-year", "2026"),
            ],
        ),
        ("start-community-support", vec![]),
    ] {
        let res = w.act(person, episode.id, slug, &fields).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{slug}: {}", res.body);
    }
    // Refused and stale, on this engine too.
    let path = format!("/people/{person}/episodes/{}/actions/accept", episode.id);
    let res = w.app.post(&mut w.b, &path, &[("version", "4")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let path = format!("/people/{person}/episodes/{}/actions/withdraw", episode.id);
    let res = w.app.post(&mut w.b, &path, &[("version", "1")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(error_summary_of(&res.body).unwrap().contains(STALE));
    let res = w
        .act(person, episode.id, "withdraw", &[("reason", "")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = w
        .page(&format!("/people/{person}/episodes/{}", episode.id))
        .await;
    assert_eq!(timeline(&page.body).len(), 5);
    assert_eq!(w.episode(person).await.state, EpisodeState::Withdrawn);
    assert_eq!(
        w.app.db.audit_events_for("episode.transition").await.len(),
        4
    );
}
