//! Engagement on the pages: the site "needs attention" list, each episode's
//! engagement page (level, reasons, the rule version that produced them,
//! worker concerns and the step-up with its actions) and the site managers'
//! engagement rules. The store works everything out and decides who may see
//! and do what; these modules only read forms and show results.

mod attention;
mod episode;
mod rules;

pub use attention::attention;
pub use episode::{
    clear_concern, engagement, raise_concern, record_action, step_down, EngagementForm,
};
pub use rules::{rules, save_rules, RulesForm};

use reconnect_domain::engagement::EngagementLevel;

/// "Worked out with ..." for a rule version of a site.
pub fn rule_words(version: i64, site: &str) -> String {
    if version == 0 {
        format!("Worked out with the default rules of {site} (version 0)")
    } else {
        format!("Worked out with rule version {version} of {site}")
    }
}

/// A level as an NHS.UK tag.
pub struct LevelTag {
    pub label: &'static str,
    pub class: &'static str,
}

impl From<EngagementLevel> for LevelTag {
    fn from(l: EngagementLevel) -> Self {
        LevelTag {
            label: l.label(),
            class: l.tag_class(),
        }
    }
}
