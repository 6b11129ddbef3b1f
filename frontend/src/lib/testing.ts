/**
 * Song Maps for tests: small, fully specified, valid against the schema. Kept beside the logic
 * (not in e2e/) so unit tests and the browser fixtures share one definition of "a song".
 */
import type { Line, Section, SongMap, Syllable } from "../types/songmap";

export function syl(text: string, startTime: number, duration: number, extra: Partial<Syllable> = {}): Syllable {
  return { text, startTime, duration, chord: null, pitch: null, endsWord: true, confidence: null, ...extra };
}

export function line(syllables: Syllable[]): Line {
  const last = syllables[syllables.length - 1]!;
  let text = "";
  for (const s of syllables) text += s.text + (s.endsWord === false ? "" : " ");
  return {
    startTime: syllables[0]!.startTime,
    endTime: Math.round((last.startTime + last.duration) * 1000) / 1000,
    text: text.trim(),
    syllables,
  };
}

export function section(name: string, kind: Section["kind"], startTime: number, endTime: number, lines: Line[]): Section {
  return { name, kind, startTime, endTime, lines };
}

export function song(sections: Section[], extra: Partial<SongMap> = {}): SongMap {
  return {
    schemaVersion: "1.0.0",
    id: "test-song",
    title: "Test Song",
    artist: "Tests",
    duration: 60,
    sections,
    provenance: { createdAt: "2026-01-01T00:00:00.000+00:00", performiaVersion: "0.1.0", stages: {} },
    ...extra,
  };
}

/** Two verses of two lines, chords on some syllables, a 10 s intro and a gap between verses. */
export function smallSong(): SongMap {
  return song(
    [
      section("Intro", "intro", 0, 10, []),
      section("Verse 1", "verse", 10, 20, [
        line([syl("Hel", 10, 0.5, { chord: "C", endsWord: false }), syl("lo", 10.5, 0.5), syl("world", 11.2, 0.8, { chord: "G" })]),
        line([syl("sing", 13, 0.5, { chord: "Am" }), syl("a", 13.6, 0.3), syl("song", 14, 1)]),
      ]),
      section("Verse 2", "verse", 25, 40, [
        line([syl("a", 25, 0.5, { chord: "F" }), syl("gain", 25.5, 1)]),
        line([syl("the", 27, 0.4), syl("end", 27.5, 1.5, { chord: "C" })]),
      ]),
    ],
    {
      duration: 40,
      key: "C major",
      tempo: 120,
      chords: [
        { startTime: 0, endTime: 5, symbol: "C" },
        { startTime: 5, endTime: 10, symbol: "G" },
        { startTime: 10, endTime: 11.2, symbol: "C" },
        { startTime: 11.2, endTime: 13, symbol: "G" },
        { startTime: 13, endTime: 16, symbol: "Am" },
        { startTime: 16, endTime: 20, symbol: "G" },
        { startTime: 20, endTime: 25, symbol: "G" },
        { startTime: 25, endTime: 27.5, symbol: "F" },
        { startTime: 27.5, endTime: 40, symbol: "C" },
      ],
    },
  );
}
