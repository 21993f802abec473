//! Signing in: failures never reveal whether an account exists, are audited,
//! and lock the account name (or the network address) for a while after too
//! many; success is audited with where it came from.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{
    error_links_of, error_summary_of, form_body, title_of, Browser, Res, TestApp, PASSWORD,
};
use reconnect_domain::Role;
use reconnect_web::pages::signin::{ACCOUNT_RULE, ADDRESS_RULE};
use time::Duration;

const WRONG: &str = "Enter a correct email address and password";
const LOCKED: &str =
    "There have been too many attempts to sign in. Wait 15 minutes and try again, or ask an administrator for help";

/// A browser that has opened the sign-in page (so holds a CSRF cookie).
async fn at_sign_in(app: &TestApp, ip: Option<&str>) -> Browser {
    let mut b = Browser {
        ip: ip.map(str::to_string),
        ..Browser::default()
    };
    let res = app.get(&mut b, "/sign-in").await;
    assert_eq!(res.status, StatusCode::OK);
    b
}

async fn attempt(app: &TestApp, b: &mut Browser, email: &str, password: &str) -> Res {
    app.post(b, "/sign-in", &[("email", email), ("password", password)])
        .await
}

/// The attempt was refused with exactly this one message, on the email field.
fn assert_refused(what: &str, res: &Res, message: &str) {
    assert_eq!(res.status, StatusCode::OK, "{what}");
    assert!(
        res.cookie("reconnect_session").is_none(),
        "{what}: a session was started"
    );
    assert_eq!(
        error_links_of(&res.body),
        vec![("#email".to_string(), message.to_string())],
        "{what}"
    );
    assert!(
        title_of(&res.body).starts_with("Error: "),
        "{what}: {}",
        title_of(&res.body)
    );
}

fn assert_signed_in(what: &str, res: &Res) {
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{what}: {}", res.body);
    assert!(
        res.cookie("reconnect_session")
            .is_some_and(|s| !s.is_empty()),
        "{what}: no session"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_account_look_exactly_the_same() {
    let app = TestApp::new().await;
    app.user("worker@example.org", Role::Worker, &[]).await;
    let mut b = at_sign_in(&app, None).await;

    let wrong = attempt(&app, &mut b, "worker@example.org", "not-the-password-1").await;
    let unknown = attempt(&app, &mut b, "nobody@example.org", "not-the-password-1").await;
    assert_refused("wrong password", &wrong, WRONG);
    assert_refused("unknown account", &unknown, WRONG);

    assert_eq!(
        error_summary_of(&wrong.body),
        error_summary_of(&unknown.body)
    );
    assert_eq!(title_of(&wrong.body), title_of(&unknown.body));
    // The whole page differs only in the email address typed.
    assert_eq!(
        wrong.body.replace("worker@example.org", "EMAIL"),
        unknown.body.replace("nobody@example.org", "EMAIL")
    );
    assert_eq!(
        wrong.headers.get("set-cookie"),
        unknown.headers.get("set-cookie")
    );

    let failures = app.db.audit_events_for("sign_in.failure").await;
    assert_eq!(failures.len(), 2, "{failures:?}");
    let labels: Vec<_> = failures
        .iter()
        .map(|e| e.actor_name.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(labels, ["worker@example.org", "nobody@example.org"]);
    for e in &failures {
        assert_eq!(
            e.actor_user_id, None,
            "a failure is attributed to an account: {e:?}"
        );
        assert_eq!(e.ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(e.detail.as_deref(), Some("attempt 1"));
    }
    assert_eq!(app.db.count_rows("staff_session").await, 0);
}

#[tokio::test]
async fn empty_and_malformed_fields_get_their_own_messages() {
    let app = TestApp::new().await;
    let mut b = at_sign_in(&app, None).await;

    let res = attempt(&app, &mut b, "", "").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        error_links_of(&res.body),
        vec![
            ("#email".to_string(), "Enter an email address".to_string()),
            ("#password".to_string(), "Enter your password".to_string()),
        ]
    );
    assert!(res.body.contains("id=\"email-error\""));
    assert!(res.body.contains("id=\"password-error\""));
    assert!(res.body.contains("nhsuk-input--error"));

    let res = attempt(&app, &mut b, "not-an-email", "something").await;
    assert_eq!(
        error_links_of(&res.body),
        vec![(
            "#email".to_string(),
            "Enter an email address in the correct format, like name@example.org".to_string()
        )]
    );
    // What was typed is kept (except the password, which is never echoed).
    assert!(res.body.contains("value=\"not-an-email\""));
    assert!(!res.body.contains("something"));

    // Incomplete forms are not attempts: nothing is counted against anyone.
    assert!(app.db.audit_events_for("sign_in.failure").await.is_empty());
    assert_eq!(app.db.count_rows("login_throttle").await, 0);
}

/// Fails `ACCOUNT_RULE.lock_after` times for `email`, checking each message.
async fn fail_until_locked(app: &TestApp, b: &mut Browser, email: &str) -> Vec<Res> {
    let mut all = Vec::new();
    for n in 1..=ACCOUNT_RULE.lock_after {
        let res = attempt(app, b, email, "a-wrong-guess-here").await;
        let expected = if n < ACCOUNT_RULE.lock_after {
            WRONG
        } else {
            LOCKED
        };
        assert_refused(&format!("{email} attempt {n}"), &res, expected);
        all.push(res);
    }
    all
}

#[tokio::test]
async fn too_many_failures_lock_the_account_name_for_15_minutes() {
    let app = TestApp::new().await;
    app.user("worker@example.org", Role::Worker, &[]).await;
    app.user("other@example.org", Role::Worker, &[]).await;
    let mut b = at_sign_in(&app, None).await;

    let known = fail_until_locked(&app, &mut b, "worker@example.org").await;
    // Now even the right password is refused.
    let res = attempt(&app, &mut b, "worker@example.org", PASSWORD).await;
    assert_refused("right password while locked", &res, LOCKED);
    // Writing the address differently is the same account name.
    let res = attempt(&app, &mut b, " Worker@EXAMPLE.org ", PASSWORD).await;
    assert_refused("another spelling while locked", &res, LOCKED);
    let refused = app.db.audit_events_for("sign_in.refused").await;
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[0].actor_name.as_deref(), Some("worker@example.org"));
    assert_eq!(refused[1].actor_name.as_deref(), Some("worker@example.org"));
    assert_eq!(refused[0].detail.as_deref(), Some("locked"));

    // An account name that does not exist locks the same way, so locking
    // does not reveal which accounts exist.
    let unknown = fail_until_locked(&app, &mut b, "nobody@example.org").await;
    for (k, u) in known.iter().zip(&unknown) {
        assert_eq!(error_summary_of(&k.body), error_summary_of(&u.body));
    }
    let res_unknown = attempt(&app, &mut b, "nobody@example.org", PASSWORD).await;
    assert_refused("unknown account while locked", &res_unknown, LOCKED);
    assert_eq!(
        error_summary_of(&res.body),
        error_summary_of(&res_unknown.body)
    );

    // Other accounts are not locked.
    let mut elsewhere = at_sign_in(&app, None).await;
    assert_signed_in(
        "other account",
        &attempt(&app, &mut elsewhere, "other@example.org", PASSWORD).await,
    );

    // Just before the 15 minutes are up, still locked; then the right password works.
    app.db.advance(ACCOUNT_RULE.lock_for - Duration::seconds(1));
    let res = attempt(&app, &mut b, "worker@example.org", PASSWORD).await;
    assert_refused("a second early", &res, LOCKED);
    app.db.advance(Duration::seconds(1));
    let res = attempt(&app, &mut b, "worker@example.org", PASSWORD).await;
    assert_signed_in("after the lock", &res);
    assert_eq!(app.db.audit_events_for("sign_in.success").await.len(), 2);
}

#[tokio::test]
async fn a_successful_sign_in_clears_the_failure_count() {
    let app = TestApp::new().await;
    app.user("worker@example.org", Role::Worker, &[]).await;
    let mut b = at_sign_in(&app, None).await;
    for _ in 1..ACCOUNT_RULE.lock_after {
        assert_refused(
            "early failure",
            &attempt(&app, &mut b, "worker@example.org", "wrong-wrong-wrong").await,
            WRONG,
        );
    }
    assert_signed_in(
        "before the lock",
        &attempt(&app, &mut b, "worker@example.org", PASSWORD).await,
    );
    let mut b = at_sign_in(&app, None).await;
    for _ in 1..ACCOUNT_RULE.lock_after {
        assert_refused(
            "later failure",
            &attempt(&app, &mut b, "worker@example.org", "wrong-wrong-wrong").await,
            WRONG,
        );
    }
    assert_signed_in(
        "still not locked",
        &attempt(&app, &mut b, "worker@example.org", PASSWORD).await,
    );
}

#[tokio::test]
async fn too_many_failures_from_one_address_lock_that_address() {
    let app = TestApp::new().await;
    app.user("worker@example.org", Role::Worker, &[]).await;
    let sprayer = "203.0.113.9";
    let mut b = at_sign_in(&app, Some(sprayer)).await;

    // One guess at each of many account names (password spraying); half of
    // them claim to come from elsewhere, which is not believed without a
    // trusted proxy.
    for n in 1..=ADDRESS_RULE.lock_after {
        let email = format!("guess{n}@example.org");
        let res = if n % 2 == 0 {
            let cookies = app.cookies_of(&b);
            let body = form_body(&[
                ("csrf_token", &b.csrf),
                ("email", &email),
                ("password", "Spring-2026-guess"),
            ]);
            let forged = format!("198.51.100.{n}");
            let headers = [
                ("cookie", cookies.as_str()),
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-forwarded-for", forged.as_str()),
            ];
            app.request(Method::POST, "/sign-in", &headers, body, Some(sprayer))
                .await
        } else {
            attempt(&app, &mut b, &email, "Spring-2026-guess").await
        };
        let expected = if n < ADDRESS_RULE.lock_after {
            WRONG
        } else {
            LOCKED
        };
        assert_refused(&format!("guess {n}"), &res, expected);
    }

    // The address is locked, even for a real account with its right password.
    let res = attempt(&app, &mut b, "worker@example.org", PASSWORD).await;
    assert_refused("right password from the locked address", &res, LOCKED);

    // From another address, the same account signs in.
    let mut elsewhere = at_sign_in(&app, Some("192.0.2.44")).await;
    let res = attempt(&app, &mut elsewhere, "worker@example.org", PASSWORD).await;
    assert_signed_in("another address", &res);

    let failures = app.db.audit_events_for("sign_in.failure").await;
    assert_eq!(failures.len() as i64, ADDRESS_RULE.lock_after);
    assert!(
        failures.iter().all(|e| e.ip.as_deref() == Some(sprayer)),
        "{failures:?}"
    );
}

#[tokio::test]
async fn a_successful_sign_in_is_audited_with_the_address() {
    let app = TestApp::new().await;
    let user = app.user("worker@example.org", Role::Worker, &[]).await;
    let mut b = at_sign_in(&app, Some("198.51.100.23")).await;
    let res = attempt(&app, &mut b, "worker@example.org", PASSWORD).await;
    assert_signed_in("sign-in", &res);
    assert_eq!(res.location(), "/");

    let events = app.db.audit_events_for("sign_in.success").await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.actor_user_id, Some(user));
    assert_eq!(e.actor_name.as_deref(), Some("worker@example.org"));
    assert_eq!(e.ip.as_deref(), Some("198.51.100.23"));
    assert_eq!(e.request_id.as_deref(), Some(res.header("x-request-id")));
    assert!(app.db.audit_events_for("sign_in.failure").await.is_empty());
}

#[tokio::test]
async fn a_disabled_account_gets_the_same_generic_refusal() {
    let app = TestApp::new().await;
    let user = app.user("worker@example.org", Role::Worker, &[]).await;
    let admin = app.db.staff(Role::Admin, &[]).await;
    app.db
        .store
        .set_user_disabled(&admin, user, true)
        .await
        .unwrap();

    let mut b = at_sign_in(&app, None).await;
    let disabled = attempt(&app, &mut b, "worker@example.org", PASSWORD).await;
    assert_refused("disabled, right password", &disabled, WRONG);
    let wrong = attempt(&app, &mut b, "worker@example.org", "not-the-password-1").await;
    assert_refused("disabled, wrong password", &wrong, WRONG);
    assert_eq!(disabled.body, wrong.body);
    assert_eq!(app.db.audit_events_for("sign_in.failure").await.len(), 2);
    assert_eq!(app.db.count_rows("staff_session").await, 0);

    // Re-enabled, the account signs in again.
    app.db
        .store
        .set_user_disabled(&admin, user, false)
        .await
        .unwrap();
    assert_signed_in(
        "re-enabled",
        &attempt(&app, &mut b, "worker@example.org", PASSWORD).await,
    );
}
