/**
 * The shell: header, routing between Library, Living Chart and Blueprint View, and the open
 * song's session (the saved version, its baseVersion, and the edit history), which lives here so
 * switching between chart and editor keeps unsaved edits and the chart shows them.
 */
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import type { SongSource } from "../data/source";
import { startHistory, type History } from "../lib/history";
import { parseRoute, routeHash, type Route } from "../lib/route";
import type { SongMap } from "../types/songmap";
import { HelpSearch } from "./HelpSearch";
import { Library } from "./Library";
import { LivingChart } from "./LivingChart";
import { useChartSettings } from "./settings";
import { updateItem } from "../lib/setlists";
import { useSetlists } from "./useSetlists";
import type { SetlistPlay } from "./LivingChart";

/** The editor, with its Song Map validator and hyphenation, loads when first opened: a singer
 * who only reads charts never downloads or parses it. */
const Blueprint = lazy(() => import("./Blueprint").then((m) => ({ default: m.Blueprint })));

export interface SongSession {
  songId: string;
  /** The version last loaded or saved (baseVersion of the next save). */
  version: string;
  /** The Song Map as last saved. */
  saved: SongMap;
  history: History;
}

function useRoute(): [Route, (r: Route) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  return [route, (r) => (location.hash = routeHash(r))];
}

export function App({ source }: { source: SongSource }) {
  const [route, go] = useRoute();
  const [settings, updateSettings] = useChartSettings();
  const [session, setSession] = useState<SongSession | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [setlists, updateSetlists] = useSetlists();
  const playingSet = route.view === "set" ? setlists.find((s) => s.id === route.setId) ?? null : null;
  const setPosition = route.view === "set" ? route.position : 0;
  const setItem = playingSet?.items[setPosition] ?? null;
  const songId = route.view === "library" ? null : route.view === "set" ? setItem?.songId ?? null : route.songId;
  const setlistPlay: SetlistPlay | undefined =
    playingSet && setItem
      ? {
          name: playingSet.name,
          position: setPosition,
          titles: playingSet.items.map((i) => i.title),
          view: { transpose: setItem.transpose, capo: setItem.capo },
          updateView: (patch) => updateSetlists((sets) => sets.map((s) => (s.id === playingSet.id ? updateItem(s, setPosition, patch) : s))),
          go: (position) => go({ view: "set", setId: playingSet.id, position }),
        }
      : undefined;

  const load = useCallback(
    async (id: string) => {
      setLoadError(null);
      performance.mark("performia:song-load-start");
      try {
        const { song, version } = await source.loadSong(id);
        performance.mark("performia:song-loaded");
        setSession({ songId: id, version, saved: song, history: startHistory(song) });
      } catch (e) {
        setLoadError((e as Error).message);
      }
    },
    [source],
  );

  useEffect(() => {
    if (songId && session?.songId !== songId) {
      setSession(null);
      void load(songId);
    }
  }, [songId, session?.songId, load]);

  useEffect(() => {
    document.documentElement.classList.toggle("stage", settings.stageMode && (route.view === "chart" || route.view === "set"));
  }, [settings.stageMode, route.view]);

  const title = session && songId ? session.history.present.title : null;
  useEffect(() => {
    document.title = title ? `${title} · Performia` : "Performia";
  }, [title]);

  return (
    <div className={`app view-${route.view === "set" ? "chart" : route.view}`}>
      <header className="topbar">
        <a className="brand" href="#/" aria-label="Performia library">
          Performia
        </a>
        <nav className="crumbs" aria-label="Where you are">
          <a href="#/" aria-current={route.view === "library" ? "page" : undefined}>
            Library
          </a>
          {songId && (
            <>
              <span aria-hidden="true">›</span>
              <a href={routeHash({ view: "chart", songId })} aria-current={route.view === "chart" ? "page" : undefined} data-testid="nav-chart">
                Living Chart
              </a>
              <a href={routeHash({ view: "blueprint", songId })} aria-current={route.view === "blueprint" ? "page" : undefined} data-testid="nav-blueprint">
                Blueprint
              </a>
            </>
          )}
        </nav>
        {source.kbQuery && <HelpSearch query={source.kbQuery} />}
      </header>
      {route.view === "library" && (
        <Library source={source} onOpen={(id, edit) => go({ view: edit ? "blueprint" : "chart", songId: id })} setlists={setlists} updateSetlists={updateSetlists} />
      )}
      {route.view === "set" && !setItem && (
        <main className="loading">
          <div className="banner error" role="alert">
            {playingSet ? `The set “${playingSet.name}” has ${playingSet.items.length} songs: there is no song ${setPosition + 1}.` : "This setlist is not in this browser (setlists are kept where they were made)."}{" "}
            <a href="#/">Back to the library</a>
          </div>
        </main>
      )}
      {songId && !session && (
        <main className="loading" aria-busy={!loadError}>
          {loadError ? (
            <div className="banner error" role="alert">
              <p>{loadError}</p>
              <button onClick={() => void load(songId)}>Try again</button> <a href="#/">Back to the library</a>
            </div>
          ) : (
            <p>Loading the song…</p>
          )}
        </main>
      )}
      {songId && session && (route.view === "chart" || route.view === "set") && (
        <LivingChart
          key={`${session.songId}/${setlistPlay ? setPosition : ""}`}
          setlist={setlistPlay}
          source={source}
          song={session.history.present}
          settings={settings}
          updateSettings={updateSettings}
          onEdit={() => go({ view: "blueprint", songId })}
        />
      )}
      {songId && session && route.view === "blueprint" && (
        <Suspense fallback={<p className="muted">Loading the editor…</p>}>
          <Blueprint
            key={session.songId}
            source={source}
            session={session}
            setSession={setSession}
            reload={() => load(songId)}
            onPlay={() => go({ view: "chart", songId })}
          />
        </Suspense>
      )}
    </div>
  );
}
