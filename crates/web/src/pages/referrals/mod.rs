//! Referrals in, on the pages: the public self-referral form (`/refer`), the
//! triage queue with its reference lookup (`/triage`), the staff form for a
//! professional's referral (`/triage/new`), and one referral with its
//! triage decision (`/triage/{referral_id}`).
//!
//! The store scopes and audits every read and applies the decision in one
//! transaction; these handlers read the forms and show what the store says.

mod decision;
mod form;
mod public;
mod triage;
mod view;

pub use decision::{build_decision, decide, show, DecisionFields, DecisionForm, DecisionInput};
pub use form::ReferralForm;
pub use public::{public_form, public_submit};
pub use triage::{create, new_form, queue};
pub use view::{referral_view, ReferralView};
