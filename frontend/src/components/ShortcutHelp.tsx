/** The keyboard shortcuts overlay (the ? key or button): what useChartKeys does, for a performer to read. */
export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="help-overlay" role="dialog" aria-label="Keyboard shortcuts" onClick={onClose}>
      <dl>
        <dt>Space</dt><dd>play / pause</dd>
        <dt>← →</dt><dd>back / forward 5 s</dd>
        <dt>↑ ↓</dt><dd>previous / next line</dd>
        <dt>PageUp PageDown</dt><dd>previous / next section (page turner)</dd>
        <dt>L</dt><dd>loop this section</dd>
        <dt>B</dt><dd>A–B loop over bars (press at the first and the last)</dd>
        <dt>G</dt><dd>chord grid / lyrics</dd>
        <dt>M</dt><dd>metronome on / off</dd>
        <dt>[ ]</dt><dd>transpose down / up</dd>
        <dt>+ −</dt><dd>text size</dd>
        <dt>D</dt><dd>stage mode</dd>
      </dl>
    </div>
  );
}
