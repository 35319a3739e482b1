// Login and the session's tokens: a password login against Cognito (the local stack),
// the Cognito hosted UI with the authorization code flow and PKCE (AWS), or a pasted
// ID token. The session lives in sessionStorage, so it ends with the browser tab.

const SESSION_KEY = "paropt.session";
const PENDING_LOGIN_KEY = "paropt.pending-login";
// An ID token is refreshed when it expires within this many milliseconds.
const REFRESH_MARGIN_MS = 2 * 60 * 1000;

/** A failed login, with a message that gives the reason and the next step. */
export class LoginError extends Error {}

function base64UrlDecode(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64.padEnd(Math.ceil(base64.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(padded), (character) => character.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function base64UrlEncode(bytes) {
  const text = String.fromCharCode(...new Uint8Array(bytes));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(byteCount) {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/**
 * Return the claims of a JWT without verifying it. The page reads only the user
 * name and the expiry from them; the API verifies every token itself.
 */
export function tokenClaims(token) {
  const parts = String(token).trim().split(".");
  if (parts.length !== 3) throw new LoginError("The ID token is not a JWT: it needs three parts.");
  try {
    return JSON.parse(base64UrlDecode(parts[1]));
  } catch {
    throw new LoginError("The ID token is not a JWT: its claims cannot be read.");
  }
}

function redirectUri() {
  return window.location.origin + window.location.pathname;
}

async function cognitoCall(endpoint, operation, payload) {
  let response;
  try {
    response = await fetch(new URL("/", endpoint), {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify(payload),
    });
  } catch (error) {
    throw new LoginError(`Cognito at ${endpoint} could not be reached: ${error.message}`);
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const reason = body.message ?? body.Message ?? `HTTP ${response.status}`;
    throw new LoginError(`Login failed: ${reason}`);
  }
  return body;
}

async function tokenEndpointCall(domain, parameters) {
  let response;
  try {
    response = await fetch(new URL("/oauth2/token", domain), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(parameters),
    });
  } catch (error) {
    throw new LoginError(`Cognito at ${domain} could not be reached: ${error.message}`);
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.id_token) {
    throw new LoginError(`Login failed: ${body.error ?? `HTTP ${response.status}`}`);
  }
  return body;
}

export class Auth {
  /**
   * @param {object} settings the API's /login-settings
   * @param {(message: string) => void} onEnded called when the session ends without a logout
   */
  constructor(settings, onEnded) {
    this.settings = settings;
    this.onEnded = onEnded;
    this.refreshing = null;
    try {
      this.session = JSON.parse(sessionStorage.getItem(SESSION_KEY));
    } catch {
      this.session = null;
    }
  }

  get loggedIn() {
    return this.session !== null;
  }

  get username() {
    if (!this.session) return "";
    const claims = tokenClaims(this.session.idToken);
    return claims["cognito:username"] ?? claims.email ?? claims.sub ?? "";
  }

  get localKeyHeader() {
    return this.settings.local_key_header;
  }

  store(method, idToken, refreshToken, localKey) {
    const claims = tokenClaims(idToken);
    if (typeof claims.exp !== "number") throw new LoginError("The ID token has no exp claim.");
    this.session = { method, idToken, refreshToken, localKey, expiresAt: claims.exp * 1000 };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(this.session));
  }

  clear() {
    this.session = null;
    sessionStorage.removeItem(SESSION_KEY);
  }

  /** End the session because the API or Cognito rejected it, and tell the page why. */
  end(message) {
    this.clear();
    this.onEnded(message);
  }

  rejected(message) {
    this.end(`The API rejected the session (${message}). Log in again.`);
  }

  /** Return the headers that authenticate an API request, refreshing the token first if needed. */
  async headers() {
    if (!this.session) throw new LoginError("Not logged in.");
    if (this.session.expiresAt - Date.now() < REFRESH_MARGIN_MS) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = null;
      });
      await this.refreshing;
    }
    const headers = { Authorization: `Bearer ${this.session.idToken}` };
    if (this.localKeyHeader) headers[this.localKeyHeader] = this.session.localKey;
    return headers;
  }

  async refresh() {
    const { method, refreshToken, localKey, expiresAt } = this.session;
    try {
      if (method === "password" && refreshToken) {
        const login = this.settings.password_login;
        const body = await cognitoCall(login.endpoint, "InitiateAuth", {
          AuthFlow: "REFRESH_TOKEN_AUTH",
          ClientId: login.client_id,
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        });
        this.store(method, body.AuthenticationResult.IdToken, refreshToken, localKey);
      } else if (method === "hosted" && refreshToken) {
        const hosted = this.settings.hosted_ui;
        const body = await tokenEndpointCall(hosted.domain, {
          grant_type: "refresh_token",
          client_id: hosted.client_id,
          refresh_token: refreshToken,
        });
        this.store(method, body.id_token, refreshToken, localKey);
      } else if (expiresAt <= Date.now()) {
        throw new LoginError("The ID token has expired; log in again or paste a new token.");
      }
    } catch (error) {
      this.end(error.message);
      throw error;
    }
  }

  /** Log in with Cognito's USER_PASSWORD_AUTH flow, as the SDK does. */
  async passwordLogin(username, password, localKey) {
    const login = this.settings.password_login;
    if (!login) throw new LoginError("This deployment offers no password login.");
    const body = await cognitoCall(login.endpoint, "InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: login.client_id,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    });
    if (!body.AuthenticationResult) {
      throw new LoginError(
        `Login failed: Cognito requires ${body.ChallengeName ?? "a challenge"}, which this page does not support.`,
      );
    }
    const result = body.AuthenticationResult;
    this.store("password", result.IdToken, result.RefreshToken ?? null, localKey || null);
  }

  /** Use a pasted ID token; the page cannot refresh it. */
  useToken(idToken, localKey) {
    this.store("token", idToken.trim(), null, localKey || null);
  }

  // NOTE: the hosted UI methods have run only against a stand-in for Cognito that the
  // browser tests build with Playwright's request interception, never against AWS.
  /** Send the browser to the hosted UI; it comes back to this page with a code. */
  async startHostedLogin() {
    const hosted = this.settings.hosted_ui;
    const verifier = randomText(48);
    const state = randomText(16);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    sessionStorage.setItem(PENDING_LOGIN_KEY, JSON.stringify({ verifier, state }));
    const url = new URL("/oauth2/authorize", hosted.domain);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: hosted.client_id,
      redirect_uri: redirectUri(),
      scope: "openid",
      state,
      code_challenge: base64UrlEncode(digest),
      code_challenge_method: "S256",
    }).toString();
    window.location.assign(url.toString());
  }

  /** Exchange the code that the hosted UI sent back for tokens. */
  async completeHostedLogin(query) {
    const pending = JSON.parse(sessionStorage.getItem(PENDING_LOGIN_KEY) ?? "null");
    sessionStorage.removeItem(PENDING_LOGIN_KEY);
    if (query.get("error")) {
      throw new LoginError(`Cognito rejected the login: ${query.get("error_description") ?? query.get("error")}`);
    }
    if (!pending || pending.state !== query.get("state")) {
      throw new LoginError("The login response does not belong to a login started in this tab; log in again.");
    }
    const hosted = this.settings.hosted_ui;
    const body = await tokenEndpointCall(hosted.domain, {
      grant_type: "authorization_code",
      client_id: hosted.client_id,
      code: query.get("code"),
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    });
    this.store("hosted", body.id_token, body.refresh_token ?? null, null);
  }

  /** End the session; after a hosted UI login, end the hosted UI's session too. */
  logout() {
    const method = this.session?.method;
    this.clear();
    const hosted = this.settings.hosted_ui;
    if (method === "hosted" && hosted) {
      const url = new URL("/logout", hosted.domain);
      url.search = new URLSearchParams({ client_id: hosted.client_id, logout_uri: redirectUri() }).toString();
      window.location.assign(url.toString());
    }
  }
}
