/** A small search box over the knowledge base (POST kbQueryUrl): passages with where they come from. */
import { useRef, useState } from "react";
import type { KbPassage } from "../data/source";

export function HelpSearch({ query }: { query: (q: string, k?: number) => Promise<KbPassage[]> }) {
  const [text, setText] = useState("");
  const [results, setResults] = useState<KbPassage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const latest = useRef(0);

  const run = async () => {
    const q = text.trim();
    if (!q) return;
    const ticket = ++latest.current;
    setBusy(true);
    setError(null);
    try {
      const found = await query(q, 5);
      if (ticket === latest.current) setResults(found);
    } catch (e) {
      if (ticket === latest.current) setError((e as Error).message);
    } finally {
      if (ticket === latest.current) setBusy(false);
    }
  };

  return (
    <div className="help">
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <input
          type="search"
          placeholder="Help: ask a question"
          aria-label="Search the help"
          value={text}
          data-testid="help-search"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => e.key === "Escape" && setResults(null)}
        />
      </form>
      {(results || error || busy) && (
        <div className="help-results" data-testid="help-results" role="region" aria-label="Help results">
          <button className="ghost close" onClick={() => { setResults(null); setError(null); }} aria-label="Close help">×</button>
          {busy && <p className="muted">Searching…</p>}
          {error && <p className="error">{error}</p>}
          {results?.length === 0 && <p className="muted">Nothing found for “{text}”.</p>}
          {results?.map((r, i) => (
            <article key={i} className="passage">
              <header>
                <span className="source">{r.source}</span>
                {r.headingPath.length > 0 && <span className="path"> › {r.headingPath.join(" › ")}</span>}
              </header>
              <p>{r.text}</p>
            </article>
          ))}
        </div>
      )}
    </div>
  );
}
