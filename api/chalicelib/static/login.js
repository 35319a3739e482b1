// The login view: a password form (local stack), the hosted UI button (AWS) and a
// form for a pasted ID token, as the API's /login-settings allow.

import { LoginError } from "./auth.js";
import { h } from "./dom.js";

function field(label, attributes) {
  return h("label", { class: "field" }, h("span", {}, label), h("input", attributes));
}

function localKeyField(auth, name) {
  if (!auth.localKeyHeader) return null;
  // The stack's key has 32 characters. The limit turns an oversized paste into a wrong
  // key, because headers that large get HTTP 431 after the login has succeeded.
  return field("Local key", {
    name,
    type: "password",
    required: true,
    autocomplete: "off",
    maxlength: "256",
  });
}

/**
 * Render the login view into `root`; `onLoggedIn` runs after a successful login.
 * @param {string} message why the login is shown again, if it is
 */
export function renderLogin(root, auth, onLoggedIn, message = "") {
  const error = h("p", { class: "form-error", role: "alert", id: "login-error" }, message);

  async function submit(event, login) {
    event.preventDefault();
    const form = event.currentTarget;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    error.textContent = "";
    try {
      await login(new FormData(form));
      onLoggedIn();
    } catch (failure) {
      error.textContent = failure instanceof LoginError ? failure.message : `Login failed: ${failure.message}`;
      button.disabled = false;
    }
  }

  const sections = [];
  if (auth.settings.hosted_ui) {
    sections.push(
      h(
        "section",
        { class: "login-option" },
        h("h2", {}, "Log in"),
        h("p", {}, "Log in on the user pool's sign-in page; it sends you back here."),
        h(
          "button",
          { type: "button", id: "hosted-login", onclick: () => auth.startHostedLogin() },
          "Log in with Cognito",
        ),
      ),
    );
  }
  if (auth.settings.password_login) {
    sections.push(
      h(
        "form",
        {
          class: "login-option",
          id: "password-login",
          onsubmit: (event) =>
            submit(event, (data) =>
              auth.passwordLogin(data.get("username"), data.get("password"), data.get("local_key")),
            ),
        },
        h("h2", {}, "Log in with a password"),
        field("User name", { name: "username", required: true, autocomplete: "username" }),
        field("Password", { name: "password", type: "password", required: true, autocomplete: "current-password" }),
        localKeyField(auth, "local_key"),
        h("button", { type: "submit" }, "Log in"),
      ),
    );
  }
  sections.push(
    h(
      "form",
      {
        class: "login-option",
        id: "token-login",
        onsubmit: (event) =>
          submit(event, async (data) => auth.useToken(data.get("id_token"), data.get("local_key"))),
      },
      h("h2", {}, "Use an ID token"),
      h("label", { class: "field" }, h("span", {}, "Cognito ID token"), h("textarea", { name: "id_token", rows: 3, required: true, spellcheck: "false" })),
      localKeyField(auth, "local_key"),
      h("button", { type: "submit" }, "Use token"),
    ),
  );

  const hint = auth.localKeyHeader
    ? h(
        "p",
        { class: "muted" },
        "Local stack: `python -m infra.local_token --dashboard` prints the user name, password and local key.",
      )
    : null;
  root.replaceChildren(h("div", { class: "login" }, h("h1", {}, "paropt dashboard"), error, hint, ...sections));
}
