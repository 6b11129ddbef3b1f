/** The setlist strip above a chart played from a set: where in the set, and the next song a touch away. */
import type { SongView } from "./settings";

/** Playing from a setlist: where in it, and the key and capo this set plays the song in. */
export interface SetlistPlay extends SongView {
  name: string;
  position: number;
  titles: string[];
  /** Open the set's song at `position`. */
  go: (position: number) => void;
}

export function SetlistBar({ setlist }: { setlist: SetlistPlay }) {
  return (
    <nav className="setlist-bar" aria-label="Setlist" data-testid="setlist-bar">
      <button className="ghost" onClick={() => setlist.go(setlist.position - 1)} disabled={setlist.position === 0} aria-label="Previous song in the set">‹</button>
      <span>
        <b>{setlist.name}</b> · {setlist.position + 1} of {setlist.titles.length}
      </span>
      {setlist.position + 1 < setlist.titles.length ? (
        <button className="ghost next" onClick={() => setlist.go(setlist.position + 1)} data-testid="set-next">
          Next: {setlist.titles[setlist.position + 1]} ›
        </button>
      ) : (
        <span className="muted">last song</span>
      )}
    </nav>
  );
}
