// Package browser holds the real-browser end-to-end test of the troubleshooter: headless Debian
// Chromium, driven by playwright-core (record-har.mjs), loads a single-page app whose script
// calls the demo gateway (`portcullis serve`) with fetch(), Playwright records the HAR file,
// and `portcullis diagnose` must explain every 403 in it with the catalogue cause the live
// gateway decided (DESIGN.md §1 "Diagnosis output"). See README.md in this directory.
//
// The package has no code of its own; the test is in package browser_test.
package browser
