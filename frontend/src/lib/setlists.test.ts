import { describe, expect, it } from "vitest";
import { addSong, move, newSetlist, parseSetlists, removeAt, updateItem } from "./setlists";

describe("setlists", () => {
  it("adds, orders, re-keys and removes songs without touching the original", () => {
    let set = newSetlist("  Sunday  ", "s1");
    expect(set).toEqual({ id: "s1", name: "Sunday", items: [] });
    const song = (songId: string) => ({ songId, title: songId.toUpperCase() });
    set = addSong(addSong(addSong(set, song("a")), song("b"), { transpose: 2, capo: 0 }), song("c"));
    const before = set;
    set = move(set, 2, -2);
    expect(set.items.map((i) => i.songId)).toEqual(["c", "a", "b"]);
    expect(before.items.map((i) => i.songId)).toEqual(["a", "b", "c"]);
    expect(move(set, 0, -1)).toBe(set);
    set = updateItem(set, 2, { capo: 3 });
    expect(set.items[2]).toEqual({ songId: "b", title: "B", transpose: 2, capo: 3 });
    expect(removeAt(set, 0).items.map((i) => i.songId)).toEqual(["a", "b"]);
  });

  it("reads back only well-formed setlists, clamping keys", () => {
    const raw = JSON.stringify([
      { id: "x", name: "Gig", items: [{ songId: "a", title: "A", transpose: 40, capo: -2 }, { nope: 1 }, { songId: "b" }] },
      { id: 3, name: "bad" },
      "junk",
    ]);
    expect(parseSetlists(raw)).toEqual([{ id: "x", name: "Gig", items: [{ songId: "a", title: "A", transpose: 6, capo: 0 }, { songId: "b", title: "b", transpose: 0, capo: 0 }] }]);
    expect(parseSetlists("{oops")).toEqual([]);
    expect(parseSetlists(null)).toEqual([]);
  });
});
