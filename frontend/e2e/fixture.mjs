// Synthetic songs for the browser tests and the benchmark, laid out as a store root
// (songs/index.json, songs/{id}/song_map.json, audio) exactly as `performia analyze --out DIR`
// publishes it, so the real viewer serves them. Everything is deterministic: the same call
// writes the same bytes, and every syllable's time is known to the microsecond.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const r3 = (t) => Math.round(t * 1000) / 1000;

/** 16-bit PCM mono WAV from Float32 samples in −1…1. */
export function wav(samples, sampleRate) {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]));
    data.writeInt16LE(Math.round(v * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8);
  header.write("fmt ", 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const NOTE_HZ = (midi) => 440 * 2 ** ((midi - 69) / 12);
const CHORD_ROOT = { G: 55, D: 50, Em: 52, C: 48, Am: 57, Bm: 59 };
const CHORD_SYMBOLS = ["G", "D", "Em", "C"];

/**
 * Render audio for a song: a sine "voice" on each syllable at its pitch, a soft chord-root drone,
 * clicks on the beats. Returns {mix, stems} as Float32Arrays.
 */
function render(song, sampleRate) {
  const n = Math.ceil(song.duration * sampleRate);
  const vocals = new Float32Array(n);
  const bass = new Float32Array(n);
  const drums = new Float32Array(n);
  for (const sec of song.sections)
    for (const line of sec.lines)
      for (const s of line.syllables) {
        const a = Math.floor(s.startTime * sampleRate);
        const b = Math.min(n, Math.floor((s.startTime + s.duration) * sampleRate));
        const f = NOTE_HZ(s.pitch ?? 67);
        for (let i = a; i < b; i++) {
          const env = Math.min(1, (i - a) / 80, (b - i) / 80);
          vocals[i] += 0.3 * env * Math.sin((2 * Math.PI * f * i) / sampleRate);
        }
      }
  for (const c of song.chords) {
    const f = NOTE_HZ((CHORD_ROOT[c.symbol] ?? 48) - 12);
    const a = Math.floor(c.startTime * sampleRate);
    const b = Math.min(n, Math.floor(c.endTime * sampleRate));
    for (let i = a; i < b; i++) bass[i] += 0.12 * Math.sin((2 * Math.PI * f * i) / sampleRate);
  }
  for (const t of song.beats) {
    const a = Math.floor(t * sampleRate);
    for (let i = 0; i < 200 && a + i < n; i++) drums[a + i] += 0.25 * Math.exp(-i / 30) * Math.sin(i * 1.3);
  }
  const mix = new Float32Array(n);
  for (let i = 0; i < n; i++) mix[i] = vocals[i] + bass[i] + drums[i];
  return { mix, stems: { vocals, drums, bass, other: new Float32Array(n) } };
}

const WORDS = [
  ["morn", "ing"], ["light"], ["on"], ["the"], ["riv", "er"], ["we"], ["sing"], ["a", "gain"], ["yel", "low"],
  ["win", "dows"], ["o", "pen"], ["road"], ["home"], ["to", "night"], ["stand"], ["by"], ["me"], ["ev", "er", "y"],
  ["heart", "beat"], ["walk", "ing"], ["through"], ["the"], ["cit", "y"], ["rain"], ["fall", "ing"], ["down"],
];

/**
 * A Song Map with `lines` lyric lines of about `perLine` syllables, grouped in sections of
 * `linesPerSection`, each section preceded by an instrumental bar; 120 BPM in 4/4, key G major,
 * chords G D Em C one per bar. Times are exact multiples of the syllable grid.
 */
export function makeSong({ id, title, artist = "Performia Test Band", progression = CHORD_SYMBOLS, lines = 8, perLine = 6, linesPerSection = 4, syllableSeconds = 0.4, gapSeconds = 0.8, instrumentalSeconds = 8, tail = 6, seed = 1 }) {
  const rand = rng(seed);
  const sections = [];
  let t = instrumentalSeconds; // an intro without lyrics
  sections.push({ startTime: 0, endTime: t, name: "Intro", kind: "intro", lines: [] });
  let wordIndex = Math.floor(rand() * WORDS.length);
  let lineNo = 0;
  let sectionNo = 0;
  while (lineNo < lines) {
    const kind = sectionNo % 2 === 0 ? "verse" : "chorus";
    const sec = { startTime: r3(t), endTime: 0, name: kind === "verse" ? `Verse ${sectionNo / 2 + 1}` : "Chorus", kind, lines: [] };
    for (let l = 0; l < linesPerSection && lineNo < lines; l++, lineNo++) {
      const syllables = [];
      while (syllables.length < perLine) {
        const word = WORDS[wordIndex++ % WORDS.length];
        word.forEach((text, k) => {
          syllables.push({
            text: syllables.length === 0 && k === 0 ? text[0].toUpperCase() + text.slice(1) : text,
            startTime: r3(t),
            duration: r3(syllableSeconds * 0.85),
            chord: null,
            pitch: 60 + Math.floor(rand() * 12),
            endsWord: k === word.length - 1,
            confidence: null,
          });
          t += syllableSeconds;
        });
      }
      const last = syllables[syllables.length - 1];
      let text = "";
      for (const s of syllables) text += s.text + (s.endsWord ? " " : "");
      sec.lines.push({ startTime: syllables[0].startTime, endTime: r3(last.startTime + last.duration), text: text.trim(), syllables });
      t += gapSeconds;
    }
    sec.endTime = r3(t);
    sections.push(sec);
    sectionNo++;
    if (sectionNo % 2 === 0 && lineNo < lines) {
      sections.push({ startTime: r3(t), endTime: r3(t + instrumentalSeconds), name: "Solo", kind: "solo", lines: [] });
      t += instrumentalSeconds;
    }
  }
  const duration = r3(t + tail);
  sections[sections.length - 1].endTime = Math.max(sections[sections.length - 1].endTime, duration);

  // 120 BPM, 4/4: beats every 0.5 s, a chord per bar (2 s).
  const beats = [];
  for (let b = 0; b * 0.5 < duration; b++) beats.push(r3(b * 0.5));
  const downbeats = beats.filter((_, i) => i % 4 === 0);
  const chords = downbeats.map((start, i) => ({
    startTime: start,
    endTime: r3(Math.min(duration, start + 2)),
    symbol: progression[i % progression.length],
    confidence: 0.9,
    alternative: null,
  }));
  // Chord marks on syllables where the harmony changes (the pipeline's assign_chords rule).
  let previous = null;
  for (const sec of sections)
    for (const line of sec.lines)
      for (const s of line.syllables) {
        const c = chords.find((c) => c.startTime <= s.startTime + 1e-6 && s.startTime < c.endTime);
        const symbol = c ? c.symbol : null;
        s.chord = symbol && symbol !== previous ? symbol : null;
        if (symbol) previous = symbol;
      }

  return {
    schemaVersion: "1.0.0",
    id,
    title,
    artist,
    album: "Browser Tests",
    duration,
    language: "en",
    lyricsSource: "given",
    key: "G major",
    keySegments: [{ startTime: 0, endTime: duration, key: "G major", confidence: 0.9 }],
    tuningCents: 0,
    tempo: 120,
    tempoCurve: [],
    timeSignature: { numerator: 4, denominator: 4 },
    beats,
    downbeats,
    chords,
    melody: [],
    sections,
    audio: null,
    stems: [],
    provenance: {
      createdAt: "2026-11-25T12:00:00.000+00:00",
      performiaVersion: "0.1.0",
      sourceSha256: null,
      stages: {},
    },
  };
}

/** The listing entry (what `performia view` rebuilds; here for the Node stand-in server). */
export function libraryEntry(song) {
  const words = [];
  for (const sec of song.sections)
    for (const line of sec.lines) {
      let word = "";
      for (const s of line.syllables) {
        word += s.text;
        if (s.endsWord) {
          words.push(word);
          word = "";
        }
      }
      if (word) words.push(word);
    }
  const fold = (w) => w.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/^[^\p{L}\p{N}']+|[^\p{L}\p{N}']+$/gu, "");
  const start = words.join(" ");
  return {
    songId: song.id,
    title: song.title,
    artist: song.artist,
    key: song.key,
    tempo: song.tempo,
    duration: song.duration,
    lyricsStart: start.length <= 200 ? start : start.slice(0, start.lastIndexOf(" ", 200)),
    lyricsIndex: [...new Set(words.map(fold).filter(Boolean))].join(" "),
  };
}

/**
 * Write songs into `root` as a store root. Each spec: {song, stems?: boolean, stored?: (song) => void}:
 * the audio is rendered from `song` as given, then `stored` may change the Song Map that is
 * written (e.g. lines timed off the singing, for re-align tests).
 * Audio goes to uploads/{id}/song.wav (and jobs/{id}/separate/{stem}.wav), keys relative to
 * the root as the contract says. Returns the songs as written.
 */
export function writeStore(root, specs, { sampleRate = 8000 } = {}) {
  const written = [];
  for (const { song, stems, stored } of specs) {
    const audio = render(song, sampleRate);
    stored?.(song);
    const audioKey = `uploads/${song.id}/song.wav`;
    mkdirSync(join(root, "uploads", song.id), { recursive: true });
    writeFileSync(join(root, audioKey), wav(audio.mix, sampleRate));
    song.audio = { src: audioKey, mimeType: "audio/wav", sampleRate, channels: 1, duration: song.duration };
    if (stems) {
      mkdirSync(join(root, "jobs", song.id, "separate"), { recursive: true });
      song.stems = Object.entries(audio.stems).map(([name, samples]) => {
        const key = `jobs/${song.id}/separate/${name}.wav`;
        writeFileSync(join(root, key), wav(samples, sampleRate));
        return { name, src: key, mimeType: "audio/wav" };
      });
    }
    mkdirSync(join(root, "songs", song.id), { recursive: true });
    writeFileSync(join(root, "songs", song.id, "song_map.json"), JSON.stringify(song, null, 2));
    written.push(song);
  }
  const index = { songs: written.map(libraryEntry).sort((a, b) => (a.title + a.songId).localeCompare(b.title + b.songId)) };
  writeFileSync(join(root, "songs", "index.json"), JSON.stringify(index, null, 1));
  return written;
}

/** Move every line after the first `seconds` later (a chart that slid off the singing). */
export function slideLinesAfterFirst(song, seconds) {
  const lines = song.sections.flatMap((s) => s.lines);
  for (const line of lines.slice(1)) {
    line.startTime = r3(line.startTime + seconds);
    line.endTime = r3(line.endTime + seconds);
    for (const s of line.syllables) s.startTime = r3(s.startTime + seconds);
  }
  for (const sec of song.sections) {
    const last = sec.lines.at(-1);
    if (last) sec.endTime = r3(Math.max(sec.endTime, last.endTime));
  }
  song.duration = r3(Math.max(song.duration, ...lines.map((l) => l.endTime)));
}

/** The songs every browser test uses. */
export function standardSongs() {
  return [
    { song: makeSong({ id: "e2e-river", title: "River Song", lines: 8, seed: 3 }) },
    { song: makeSong({ id: "e2e-stems", title: "Stem Study", artist: "Mixer Quartet", lines: 4, seed: 5 }), stems: true },
    { song: makeSong({ id: "e2e-anthem", title: "Anthem of Tests", artist: "Assertion Choir", progression: ["G", "D/F#", "Em7", "Cmaj7"], lines: 12, perLine: 8, seed: 9 }) },
  ];
}

/** The benchmark song: five minutes, 2,000 syllables. */
export function benchSong() {
  // 250 lines × 8 syllables at 0.13 s per syllable + gaps ≈ 300 s.
  return makeSong({ id: "bench", title: "Benchmark (2,000 syllables)", lines: 250, perLine: 8, linesPerSection: 8, syllableSeconds: 0.125, gapSeconds: 0.05, instrumentalSeconds: 2, tail: 4, seed: 11 });
}
