import { describe, expect, it } from "vitest";
import { parseRoute, routeHash } from "./route";

describe("routes", () => {
  it("round-trips every view, with ids that need escaping", () => {
    for (const r of [{ view: "library" }, { view: "chart", songId: "ab12" }, { view: "blueprint", songId: "a b/c" }, { view: "set", setId: "s 1", position: 2 }] as const) {
      expect(parseRoute(routeHash(r))).toEqual(r);
    }
  });
  it("falls back to the library for anything unknown", () => {
    expect(parseRoute("")).toEqual({ view: "library" });
    expect(parseRoute("#/nowhere")).toEqual({ view: "library" });
    expect(parseRoute("#/song/")).toEqual({ view: "library" });
    expect(parseRoute("#/set/x/-3")).toEqual({ view: "set", setId: "x", position: 0 });
  });
});
