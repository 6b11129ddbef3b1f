/** The app's routes live in the URL hash, so the static build works from any folder or bucket. */

export type Route =
  | { view: "library" }
  | { view: "chart"; songId: string }
  | { view: "blueprint"; songId: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "song" && parts[1]) {
    return parts[2] === "edit" ? { view: "blueprint", songId: parts[1] } : { view: "chart", songId: parts[1] };
  }
  return { view: "library" };
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case "library": return "#/";
    case "chart": return `#/song/${encodeURIComponent(route.songId)}`;
    case "blueprint": return `#/song/${encodeURIComponent(route.songId)}/edit`;
  }
}
