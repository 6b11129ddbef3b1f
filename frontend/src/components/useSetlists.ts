/**
 * The performer's setlists, kept in this browser (localStorage) and shared live between its tabs
 * (the storage event), so a set built on the laptop in the Library is the one the chart tab plays.
 */
import { useCallback, useEffect, useState } from "react";
import { parseSetlists, type Setlist } from "../lib/setlists";

const KEY = "performia.setlists";

function read(): Setlist[] {
  try {
    return parseSetlists(localStorage.getItem(KEY));
  } catch {
    return [];
  }
}

export function useSetlists(): [Setlist[], (change: (sets: Setlist[]) => Setlist[]) => void] {
  const [sets, setSets] = useState<Setlist[]>(read);
  useEffect(() => {
    const onStorage = (e: StorageEvent) => e.key === KEY && setSets(read());
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);
  const update = useCallback((change: (sets: Setlist[]) => Setlist[]) => {
    setSets((old) => {
      const next = change(old);
      try {
        localStorage.setItem(KEY, JSON.stringify(next));
      } catch {
        /* private mode: the sets last for this visit */
      }
      return next;
    });
  }, []);
  return [sets, update];
}
