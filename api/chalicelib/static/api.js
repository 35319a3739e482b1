// Client of the paropt HTTP API (/api/v1): the same routes and bodies as the Python SDK.

const JOB_STATUSES = ["queued", "running", "finished", "failed", "stopped"];
const NEXT_TOKEN_HEADER = "X-Paropt-Next-Token";
const PAGE_SIZE = 1000;

/** An HTTP error of the API, with its status and the server's message. */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export class ApiClient {
  /**
   * @param {URL} baseUrl the API root, ending in /api/v1/
   * @param {{headers: () => Promise<object>, rejected: (message: string) => void}} auth
   */
  constructor(baseUrl, auth) {
    this.baseUrl = baseUrl;
    this.auth = auth;
  }

  async request(method, path, { body, query } = {}) {
    const url = new URL(path.replace(/^\//, ""), this.baseUrl);
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
    const headers = await this.auth.headers();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (response.status === 401) {
      const message = parsed?.message ?? "unauthorized";
      this.auth.rejected(message);
      throw new ApiError(401, message, parsed);
    }
    if (!response.ok) {
      const message = parsed?.message ?? `${method} ${path} failed with HTTP ${response.status}`;
      throw new ApiError(response.status, message, parsed);
    }
    return { body: parsed, headers: response.headers };
  }

  async listExperiments() {
    return (await this.request("GET", "experiments")).body;
  }

  async getExperiment(experimentId) {
    return (await this.request("GET", `experiments/${encodeURIComponent(experimentId)}`)).body;
  }

  /** Return every trial of the experiment, following the next-page token. */
  async listTrials(experimentId) {
    const trials = [];
    const query = { limit: String(PAGE_SIZE) };
    for (;;) {
      const page = await this.request("GET", `experiments/${encodeURIComponent(experimentId)}/trials`, {
        query,
      });
      trials.push(...page.body);
      const token = page.headers.get(NEXT_TOKEN_HEADER);
      if (!token) return trials;
      query.next_token = token;
    }
  }

  async getJob(jobId) {
    return (await this.request("GET", `jobs/${encodeURIComponent(jobId)}`)).body;
  }

  /** Return the caller's jobs in every status, newest first. */
  async listJobs() {
    const lists = await Promise.all(
      JOB_STATUSES.map(async (status) => (await this.request("GET", `jobs/${status}`)).body),
    );
    return lists.flat().sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  }

  async startRun(experimentId, runRequest) {
    const path = `experiments/${encodeURIComponent(experimentId)}/trials`;
    return (await this.request("POST", path, { body: runRequest })).body;
  }

  async stopRun(experimentId) {
    return (await this.request("POST", `experiments/${encodeURIComponent(experimentId)}/stop`)).body;
  }
}
