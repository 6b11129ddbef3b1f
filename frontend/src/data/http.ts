/** JSON over HTTP with errors a person can read. */

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The server's `{"error": "..."}` message, or a plain description of the status. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === "string" && body.error) return body.error;
  } catch {
    /* not JSON */
  }
  return `${response.status} ${response.statusText || "error"} from ${new URL(response.url, location.href).pathname}`;
}

let userToken: () => Promise<string | null> = async () => null;

/** Where POSTs get the signed-in user's token from (set once the config is known). */
export function setTokenProvider(provider: () => Promise<string | null>): void {
  userToken = provider;
}

export async function postJson<T>(url: string, body: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    const token = await userToken();
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new HttpError(`could not reach the server (${(e as Error).message}); check your connection and try again`, 0);
  }
  if (!response.ok) throw new HttpError(await errorMessage(response), response.status);
  return (await response.json()) as T;
}

export async function getJson<T>(url: string): Promise<{ body: T; response: Response }> {
  let response: Response;
  try {
    response = await fetch(url, { cache: "no-store" });
  } catch (e) {
    throw new HttpError(`could not reach the server (${(e as Error).message})`, 0);
  }
  if (!response.ok) throw new HttpError(await errorMessage(response), response.status);
  return { body: (await response.json()) as T, response };
}
