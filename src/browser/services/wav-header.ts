// Is this the start of a WAV file (RIFF or RF64 container, WAVE form)? Used by
// the page and the audio worker to pick the WAV decoder over decodeAudioData.
export function isWavHeader(head: Uint8Array): boolean {
  if (head.length < 12) return false;
  const tag = String.fromCharCode(head[0], head[1], head[2], head[3]);
  const wave = String.fromCharCode(head[8], head[9], head[10], head[11]);
  return (tag === 'RIFF' || tag === 'RF64') && wave === 'WAVE';
}
