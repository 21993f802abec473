// RECONNECT progressive enhancement. Loaded by layout.html as
// <script type="module">, so it only runs in browsers that support ES modules
// (the same test NHS.UK frontend's own page template uses), and no inline
// script is needed, which keeps the Content-Security-Policy free of
// 'unsafe-inline'. Every page must still work if this file never runs.
import { initAll } from '../nhsuk/nhsuk-frontend.min.js'

// NHS.UK frontend v10 components only initialise (and the CSS only applies its
// JavaScript-dependent styles) when <body> has `nhsuk-frontend-supported`.
// `js-enabled` is kept for any older selectors.
document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')

initAll()
