/** The app's routes live in the URL hash, so the static build works from any folder or bucket. */

export type Route =
  | { view: "library" }
  | { view: "chart"; songId: string }
  | { view: "blueprint"; songId: string }
  /** Playing a setlist: its song at `position` (from 0). */
  | { view: "set"; setId: string; position: number };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "song" && parts[1]) {
    return parts[2] === "edit" ? { view: "blueprint", songId: parts[1] } : { view: "chart", songId: parts[1] };
  }
  if (parts[0] === "set" && parts[1]) {
    const position = Number(parts[2] ?? 0);
    return { view: "set", setId: parts[1], position: Number.isInteger(position) && position >= 0 ? position : 0 };
  }
  return { view: "library" };
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case "library": return "#/";
    case "chart": return `#/song/${encodeURIComponent(route.songId)}`;
    case "blueprint": return `#/song/${encodeURIComponent(route.songId)}/edit`;
    case "set": return `#/set/${encodeURIComponent(route.setId)}/${route.position}`;
  }
}
