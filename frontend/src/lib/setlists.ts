/**
 * Setlists: an ordered list of songs for a gig or a service, each with the transposition and
 * capo it is played with in that set (the same song may be in two sets in two keys). Pure
 * functions over plain data; the app keeps the lists in the browser (components/useSetlists).
 */

export interface SetItem {
  songId: string;
  /** The title when it was added (shown without reading the library). */
  title: string;
  transpose: number;
  capo: number;
}

export interface Setlist {
  id: string;
  name: string;
  items: SetItem[];
}

/** A new, empty setlist with a random id. */
export function newSetlist(name: string, id: string = randomId()): Setlist {
  return { id, name: name.trim() || "New set", items: [] };
}

export function addSong(set: Setlist, song: { songId: string; title: string }, view: { transpose: number; capo: number } = { transpose: 0, capo: 0 }): Setlist {
  return { ...set, items: [...set.items, { songId: song.songId, title: song.title, transpose: view.transpose, capo: view.capo }] };
}

export function removeAt(set: Setlist, position: number): Setlist {
  return { ...set, items: set.items.filter((_, i) => i !== position) };
}

/** Move the song at `position` by `delta` places (clamped to the list). */
export function move(set: Setlist, position: number, delta: number): Setlist {
  const to = Math.max(0, Math.min(set.items.length - 1, position + delta));
  if (to === position || !set.items[position]) return set;
  const items = [...set.items];
  const [item] = items.splice(position, 1);
  items.splice(to, 0, item!);
  return { ...set, items };
}

export function updateItem(set: Setlist, position: number, patch: Partial<Omit<SetItem, "songId" | "title">>): Setlist {
  return { ...set, items: set.items.map((item, i) => (i === position ? { ...item, ...patch } : item)) };
}

/** Setlists read back from storage: anything malformed is dropped, never trusted. */
export function parseSetlists(raw: string | null): Setlist[] {
  if (!raw) return [];
  try {
    const data: unknown = JSON.parse(raw);
    if (!Array.isArray(data)) return [];
    return data.flatMap((s): Setlist[] => {
      if (!s || typeof s !== "object" || typeof s.id !== "string" || typeof s.name !== "string" || !Array.isArray(s.items)) return [];
      const items = (s.items as unknown[]).flatMap((it): SetItem[] => {
        const i = it as Partial<SetItem>;
        if (!i || typeof i.songId !== "string") return [];
        return [{ songId: i.songId, title: typeof i.title === "string" ? i.title : i.songId, transpose: clampInt(i.transpose, -6, 6), capo: clampInt(i.capo, 0, 9) }];
      });
      return [{ id: s.id, name: s.name, items }];
    });
  } catch {
    return [];
  }
}

function clampInt(v: unknown, lo: number, hi: number): number {
  const n = typeof v === "number" && Number.isFinite(v) ? Math.round(v) : 0;
  return Math.max(lo, Math.min(hi, n));
}

function randomId(): string {
  return globalThis.crypto?.randomUUID?.().slice(0, 8) ?? Math.random().toString(36).slice(2, 10);
}
