use super::sharing::{Part, Snapshot};
use super::*;
use proptest::prelude::*;

fn reason() -> Reason {
    Reason::parse("They moved away", "a reason").unwrap()
}

fn action(n: u8) -> Action {
    match n % 8 {
        0 => Action::Send,
        1 => Action::Accept,
        2 => Action::Decline(reason()),
        3 => Action::BookFirstAppointment(time::macros::datetime!(2026-03-10 10:00 UTC)),
        4 => Action::Attended,
        5 => Action::DidNotAttend,
        6 => Action::Close(Outcome::NeedMet),
        _ => Action::Withdraw(reason()),
    }
}

/// The states reachable from Draft, with the route the diagram draws.
fn legal(from: State, to: State) -> bool {
    use State::*;
    matches!(
        (from, to),
        (Draft, Sent)
            | (Sent, Accepted | Declined)
            | (Accepted, Booked)
            | (Booked, Attended | DidNotAttend)
            | (Declined | Attended | DidNotAttend, Closed)
    ) || (!from.is_final() && to == Withdrawn)
}

#[test]
fn the_happy_path() {
    let mut s = State::Draft;
    for a in [
        Action::Send,
        Action::Accept,
        Action::BookFirstAppointment(time::macros::datetime!(2026-03-10 10:00 UTC)),
        Action::Attended,
        Action::Close(Outcome::NeedMet),
    ] {
        s = apply(s, &a).unwrap();
    }
    assert_eq!(s, State::Closed);
}

#[test]
fn refusals_say_what_to_do_instead() {
    let e = apply(State::Draft, &Action::Accept).unwrap_err();
    assert!(e.0.contains("send it first"), "{e}");
    let e = apply(State::Closed, &Action::Withdraw(reason())).unwrap_err();
    assert!(e.0.contains("cannot change any more"), "{e}");
    assert!(apply(State::Sent, &Action::Close(Outcome::NotMet)).is_err());
}

#[test]
fn next_steps_are_exactly_the_allowed_actions() {
    for s in State::ALL.iter().copied() {
        let offered = next_steps(s);
        for n in 0..8u8 {
            let a = action(n);
            assert_eq!(
                apply(s, &a).is_ok(),
                offered.contains(&a.code()),
                "{s:?} {:?}",
                a.code()
            );
        }
    }
}

#[test]
fn every_need_but_other_maps_to_a_real_term() {
    for d in crate::need::NeedDomain::ALL.iter().copied() {
        match term_for_need(d) {
            Some(code) => assert!(crate::service_taxonomy::by_code(code).is_some(), "{code}"),
            None => assert_eq!(d, crate::need::NeedDomain::Other),
        }
    }
}

#[test]
fn parts_round_trip_as_stored() {
    let parts = vec![Part::Needs, Part::Contact, Part::Needs];
    let code = Part::list_code(&parts);
    assert_eq!(code, "contact,needs");
    assert_eq!(
        Part::parse_list(&code).unwrap(),
        vec![Part::Contact, Part::Needs]
    );
    assert_eq!(Part::parse_list("").unwrap(), vec![]);
    assert!(Part::parse_list("contact,everything").is_err());
    assert!(!Part::default_parts().contains(&Part::CaseNotes));
}

#[test]
fn a_snapshot_holds_only_its_parts() {
    let s = Snapshot {
        taken_at: "2026-03-02T09:00:00Z".into(),
        name: "Ann Example".into(),
        date_of_birth: "1990-07-03".into(),
        nhs_number: Some("9990000018".into()),
        ..Snapshot::default()
    };
    assert_eq!(s.parts(), vec![Part::NhsNumber]);
}

proptest! {
    #[test]
    fn random_actions_never_reach_an_illegal_state(actions in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut s = State::Draft;
        let mut path = vec![s];
        for n in actions {
            let a = action(n);
            if let Ok(next) = apply(s, &a) {
                prop_assert!(!s.is_final(), "a final state changed");
                prop_assert!(legal(s, next), "{s:?} -> {next:?}");
                s = next;
                path.push(s);
            }
        }
        // Nothing is answered, booked or attended before it was sent.
        for later in [State::Accepted, State::Declined, State::Booked, State::Attended] {
            if let Some(i) = path.iter().position(|x| *x == later) {
                prop_assert!(path[..i].contains(&State::Sent), "{path:?}");
            }
        }
        if let Some(i) = path.iter().position(|x| *x == State::Attended) {
            prop_assert!(path[..i].contains(&State::Booked), "{path:?}");
        }
    }

    #[test]
    fn final_states_refuse_everything(n in any::<u8>()) {
        prop_assert!(apply(State::Closed, &action(n)).is_err());
        prop_assert!(apply(State::Withdrawn, &action(n)).is_err());
    }

    #[test]
    fn withdrawal_is_open_from_every_unfinished_state(i in 0usize..9) {
        let s = State::ALL[i];
        prop_assert_eq!(apply(s, &Action::Withdraw(reason())).is_ok(), !s.is_final());
    }
}
