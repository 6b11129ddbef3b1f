/**
 * Setlists in the Library: make a set, add songs from the list below (the "+ Set" button on each
 * row), put them in order, give each the key and capo it is played with in this set, and play
 * the set: the Living Chart opens the first song and the pedal (PageDown past the last section,
 * PageUp before the first) moves through the set.
 */
import { useState } from "react";
import { signed } from "../lib/format";
import { move, newSetlist, removeAt, updateItem, type Setlist } from "../lib/setlists";
import { routeHash } from "../lib/route";

interface Props {
  setlists: Setlist[];
  update: (change: (sets: Setlist[]) => Setlist[]) => void;
  selected: string | null;
  onSelect: (id: string | null) => void;
}

export function SetlistPanel({ setlists, update, selected, onSelect }: Props) {
  const [name, setName] = useState("");
  const current = setlists.find((s) => s.id === selected) ?? null;
  const change = (fn: (s: Setlist) => Setlist) => current && update((sets) => sets.map((s) => (s.id === current.id ? fn(s) : s)));

  return (
    <section className="setlists" aria-label="Setlists" data-testid="setlists">
      <div className="setlist-head">
        <h2>Setlists</h2>
        <select value={selected ?? ""} onChange={(e) => onSelect(e.target.value || null)} aria-label="Setlist" data-testid="setlist-select">
          <option value="">{setlists.length ? "Choose a set…" : "No sets yet"}</option>
          {setlists.map((s) => (
            <option key={s.id} value={s.id}>{s.name} ({s.items.length})</option>
          ))}
        </select>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const set = newSetlist(name);
            update((sets) => [...sets, set]);
            onSelect(set.id);
            setName("");
          }}
        >
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="New set name" aria-label="New set name" data-testid="setlist-name" />
          <button type="submit" data-testid="setlist-create">New set</button>
        </form>
      </div>
      {current && (
        <div className="setlist" data-testid="setlist">
          {current.items.length === 0 ? (
            <p className="muted">Add songs with “+ Set” on the list below.</p>
          ) : (
            <ol className="set-items">
              {current.items.map((item, i) => (
                <li key={`${item.songId}-${i}`} className="set-item" data-testid="set-item">
                  <span className="set-pos">{i + 1}</span>
                  <a className="set-title" href={routeHash({ view: "set", setId: current.id, position: i })}>{item.title}</a>
                  <label>
                    Key
                    <select value={item.transpose} onChange={(e) => change((s) => updateItem(s, i, { transpose: Number(e.target.value) }))} aria-label={`Transpose ${item.title}`} data-testid="set-transpose">
                      {Array.from({ length: 13 }, (_, k) => k - 6).map((t) => (
                        <option key={t} value={t}>{t === 0 ? "as recorded" : signed(t)}</option>
                      ))}
                    </select>
                  </label>
                  <label>
                    Capo
                    <select value={item.capo} onChange={(e) => change((s) => updateItem(s, i, { capo: Number(e.target.value) }))} aria-label={`Capo for ${item.title}`} data-testid="set-capo">
                      {Array.from({ length: 10 }, (_, k) => (
                        <option key={k} value={k}>{k === 0 ? "none" : k}</option>
                      ))}
                    </select>
                  </label>
                  <span className="set-actions">
                    <button className="ghost" onClick={() => change((s) => move(s, i, -1))} disabled={i === 0} aria-label={`Move ${item.title} up`}>↑</button>
                    <button className="ghost" onClick={() => change((s) => move(s, i, 1))} disabled={i === current.items.length - 1} aria-label={`Move ${item.title} down`}>↓</button>
                    <button className="ghost" onClick={() => change((s) => removeAt(s, i))} aria-label={`Remove ${item.title} from the set`}>✕</button>
                  </span>
                </li>
              ))}
            </ol>
          )}
          <div className="setlist-actions">
            <a className={`button primary${current.items.length ? "" : " disabled"}`} href={current.items.length ? routeHash({ view: "set", setId: current.id, position: 0 }) : undefined} data-testid="play-set">
              ▶ Play the set
            </a>
            <button
              className="ghost"
              onClick={() => {
                if (confirm(`Delete the set “${current.name}”?`)) {
                  update((sets) => sets.filter((s) => s.id !== current.id));
                  onSelect(null);
                }
              }}
            >
              Delete set
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
