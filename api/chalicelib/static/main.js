// Entry point: loads the login settings, logs in, and shows the view that the URL's
// fragment names (#/ for the list, #/experiments/<id> for one experiment). A view
// refreshes itself while a job of it is queued or running.

import { ApiClient, ApiError } from "./api.js";
import { Auth } from "./auth.js";
import { h } from "./dom.js";
import { ExperimentView } from "./experiment.js";
import { ExperimentListView } from "./experiments.js";
import { renderLogin } from "./login.js";

const main = document.getElementById("main");
const notice = document.getElementById("notice");
const userLabel = document.getElementById("user");
const logoutButton = document.getElementById("logout");
let auth = null;
let api = null;
let currentView = null;
// A problem that outlasts every view, such as a missing chart library.
let standingNotice = "";

function showNotice(message) {
  notice.textContent = message || standingNotice;
  notice.hidden = !notice.textContent;
}

function leaveView() {
  if (currentView) {
    clearTimeout(currentView.timer);
    currentView.destroy?.();
  }
  currentView = null;
}

function showLogin(message = "") {
  leaveView();
  userLabel.hidden = true;
  logoutButton.hidden = true;
  showNotice("");
  renderLogin(main, auth, route, message);
}

// While no job runs, a view still reloads this often, so runs started elsewhere show up.
const IDLE_INTERVAL_MS = 30 * 1000;

/**
 * Load the view now, then again every `view.interval` ms while `view.refresh` returns true,
 * and every IDLE_INTERVAL_MS while it returns false.
 */
async function runView(view) {
  currentView = view;
  const tick = async () => {
    if (currentView !== view) return;
    let again = view.polling ?? false;
    if (!document.hidden || !view.loaded) {
      try {
        again = await view.refresh();
        view.loaded = true;
        view.polling = again;
        if (currentView === view) showNotice("");
      } catch (error) {
        if (currentView !== view || !auth.loggedIn) return;
        const text = error instanceof ApiError ? error.message : `The dashboard failed: ${error.message}`;
        showNotice(text);
        if (!view.loaded) main.replaceChildren(h("p", { class: "muted" }, "Nothing to show."));
      }
    }
    if (currentView === view) {
      view.timer = setTimeout(tick, again ? view.interval : IDLE_INTERVAL_MS);
    }
  };
  view.wake = () => {
    clearTimeout(view.timer);
    tick();
  };
  await tick();
}

function route() {
  if (!auth.loggedIn) {
    showLogin();
    return;
  }
  leaveView();
  userLabel.textContent = auth.username;
  userLabel.hidden = false;
  logoutButton.hidden = false;
  const match = window.location.hash.match(/^#\/experiments\/([0-9a-f]{32})$/);
  const view = match ? new ExperimentView(main, api, match[1]) : new ExperimentListView(main, api);
  runView(view);
}

async function boot() {
  let settings;
  try {
    const response = await fetch("login-settings", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    settings = await response.json();
  } catch (error) {
    main.replaceChildren(h("p", { class: "form-error" }, `The login settings could not be loaded: ${error.message}`));
    return;
  }
  if (!window.Chart) {
    standingNotice =
      "The chart library static/chart.umd.min.js did not load, so the charts stay empty; build it with `make assets`.";
    showNotice("");
  }
  auth = new Auth(settings, (message) => showLogin(message));
  api = new ApiClient(new URL(`${settings.api_path}/`, document.baseURI), auth);
  logoutButton.addEventListener("click", () => {
    auth.logout();
    showLogin();
  });
  window.addEventListener("hashchange", route);

  const query = new URLSearchParams(window.location.search);
  if (query.has("code") || query.has("error")) {
    // The hosted UI's response; the code is single-use, so it leaves the address bar at once.
    window.history.replaceState(null, "", window.location.pathname + window.location.hash);
    try {
      await auth.completeHostedLogin(query);
    } catch (error) {
      showLogin(error.message);
      return;
    }
  }
  route();
}

boot();
