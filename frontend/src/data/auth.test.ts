import { afterEach, describe, expect, it, vi } from "vitest";
import { tokenProvider } from "./auth";
import { parseConfig } from "./config";
import { postJson, setTokenProvider } from "./http";

describe("signing requests", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setTokenProvider(async () => null);
  });

  it("sends no token in the embedded viewer and the stack's token on the local stack", async () => {
    expect(await tokenProvider(parseConfig({ mode: "embedded" }))()).toBeNull();
    const stack = parseConfig({ mode: "cloud", libraryUrl: "http://127.0.0.1:9000/library/", authToken: "dev.jwt." });
    expect(await tokenProvider(stack)()).toBe("dev.jwt.");
  });

  it("puts the token on POSTs as a bearer credential", async () => {
    const fetchMock = vi.fn(async () => new Response('{"ok": true}', { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    setTokenProvider(async () => "abc.def.");
    await postJson("/api/save_song", { songId: "x" });
    const init = (fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer abc.def.");
    setTokenProvider(async () => null);
    await postJson("/api/save_song", { songId: "x" });
    const plain = (fetchMock.mock.calls[1] as unknown as [string, RequestInit])[1];
    expect((plain.headers as Record<string, string>).Authorization).toBeUndefined();
  });
});
