//! The accessibility statement and privacy notice. Their text is written here
//! in plain English and kept with the code, so it changes when the service does.

use crate::view::{render, Layout, Page};
use crate::PageError;
use askama::Template;
use axum::response::Response;

#[derive(Template)]
#[template(path = "pages/info.html")]
struct InfoPage {
    layout: Layout,
    body: &'static str,
}

const ACCESSIBILITY: &str = r#"
<h1>Accessibility statement</h1>
<p>This statement covers the RECONNECT staff service. We want as many people as possible to be able to use it. You should be able to:</p>
<ul>
  <li>change colours, contrast levels and fonts using your browser or device settings</li>
  <li>zoom in up to 400% without the text spilling off the screen</li>
  <li>get around the service using just a keyboard</li>
  <li>use the service with a screen reader and with speech recognition software</li>
  <li>use the service without JavaScript</li>
</ul>
<h2>How accessible this service is</h2>
<p>The service is built with the NHS.UK frontend and aims to meet the Web Content Accessibility Guidelines (WCAG) version 2.2 to level AA. Every page reachable from the menu is checked automatically with the axe-core accessibility engine each time the service is changed.</p>
<p>Automated checks do not find every problem. We have not yet had the service audited by people who use assistive technology, and we plan to.</p>
<h2>Reporting problems</h2>
<p>If you find a problem that is not listed here, or you need information in a different format, tell your site manager. They will pass it to the team that runs the service, who aim to reply within 5 working days.</p>
<h2>Enforcement procedure</h2>
<p>The Equality and Human Rights Commission (EHRC) is responsible for enforcing the accessibility regulations. If you are not happy with how we respond to your complaint, contact the Equality Advisory and Support Service (EASS).</p>
"#;

const PRIVACY: &str = r#"
<h1>Privacy notice</h1>
<p>RECONNECT supports people leaving prison to get the health and care they need. This notice explains what this staff service records and why.</p>
<h2>What we hold about the people we support</h2>
<p>Names, dates of birth, NHS numbers, prison numbers and the prison someone is in, and, as the service grows, information about their health and the support they receive. This is special category health data and criminal offence data under UK data protection law.</p>
<p>Taking part in RECONNECT is voluntary. It is never a licence condition, and people can stop at any time.</p>
<h2>Who can see it</h2>
<ul>
  <li>RECONNECT workers, peer mentors and site managers see only the people supported by their own site.</li>
  <li>National leads see only numbers, never who someone is.</li>
  <li>Lived experience reviewers see only anonymised information.</li>
  <li>Administrators manage staff accounts and sites. That does not let them read anyone's record.</li>
</ul>
<h2>What we record about staff</h2>
<p>Your name, email address, role and sites. We record every sign-in, every record you open and every change you make, with the time and the network address it came from. Site managers can see this audit trail for their site. The audit trail cannot be changed or deleted.</p>
<h2>Cookies</h2>
<p>We use 2 cookies, both strictly necessary: one keeps you signed in (it ends when you sign out or after 30 minutes without activity) and one protects forms from being sent by other websites. We do not use analytics or advertising cookies.</p>
<h2>Your rights</h2>
<p>People we support, and staff, can ask to see the information held about them, and ask for it to be corrected. Ask any RECONNECT worker or your site manager, who will pass the request to the data protection officer of the organisation that runs your site.</p>
"#;

/// `GET /accessibility`
pub async fn accessibility(p: Page) -> Result<Response, PageError> {
    render(&InfoPage {
        layout: p.layout("Accessibility statement"),
        body: ACCESSIBILITY,
    })
}

/// `GET /privacy`
pub async fn privacy(p: Page) -> Result<Response, PageError> {
    render(&InfoPage {
        layout: p.layout("Privacy notice"),
        body: PRIVACY,
    })
}
