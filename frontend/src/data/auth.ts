/**
 * Who the user is, for the HTTP functions (upload_url, save_song) and Firestore's rules.
 *
 * The cloud functions want a Firebase ID token (`Authorization: Bearer …`): the uploader owns
 * the job and the song, and only the owner may save it. Three cases:
 * - the embedded viewer: one local user, no token;
 * - the local emulator stack: `authToken` in config.json, the unsigned token `performia dev up`
 *   prints (the stack accepts the Firebase Auth emulator's unsigned tokens, the cloud does not);
 * - the cloud: Firebase Authentication on the deployment's project. Until the app grows an
 *   account page, each browser signs in anonymously, so its uploads are its own.
 */

import type { AppConfig } from "./config";

export type TokenProvider = () => Promise<string | null>;

let firebaseUser: Promise<{ getIdToken: () => Promise<string> }> | null = null;

async function anonymousUser(config: AppConfig) {
  firebaseUser ??= (async () => {
    const [{ getApps, initializeApp }, auth] = await Promise.all([import("firebase/app"), import("firebase/auth")]);
    const fs = config.firestore!;
    const app =
      getApps()[0] ??
      initializeApp({ projectId: fs.projectId, apiKey: fs.apiKey!, ...(fs.authDomain ? { authDomain: fs.authDomain } : {}) });
    const session = auth.getAuth(app);
    await session.authStateReady();
    return session.currentUser ?? (await auth.signInAnonymously(session)).user;
  })();
  return firebaseUser;
}

/** The token source for a deployment's config (see the module comment). */
export function tokenProvider(config: AppConfig): TokenProvider {
  if (config.authToken) {
    const token = config.authToken;
    return async () => token;
  }
  if (config.mode === "cloud" && config.firestore?.apiKey && !config.firestore.emulatorHost) {
    return async () => (await anonymousUser(config)).getIdToken();
  }
  return async () => null;
}
