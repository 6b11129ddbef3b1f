import { createRoot } from "react-dom/client";
import { App } from "./components/App";
import { tokenProvider } from "./data/auth";
import { loadConfig } from "./data/config";
import { setTokenProvider } from "./data/http";
import { CloudSource } from "./data/cloud";
import { EmbeddedSource } from "./data/embedded";
import "./styles/base.css";

const root = createRoot(document.getElementById("root")!);

loadConfig()
  .then((config) => {
    setTokenProvider(tokenProvider(config));
    const source = config.mode === "cloud" ? new CloudSource(config) : new EmbeddedSource(config);
    // Open the newest song straight away when the viewer asks and no route was chosen.
    if (config.openSong && (location.hash === "" || location.hash === "#")) {
      location.replace(`#/song/${encodeURIComponent(config.openSong)}`);
    }
    root.render(<App source={source} />);
  })
  .catch((e: Error) => {
    root.render(
      <main className="fatal" role="alert">
        <h1>Performia could not start</h1>
        <p>{e.message}</p>
      </main>,
    );
  });
