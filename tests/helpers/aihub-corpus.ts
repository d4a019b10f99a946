// Generates AIHub-shaped corpora on disk for the data-pipeline tests and the
// preprocess benchmark: the folder names of shared/specs/aihub.md, dialect JSON
// (with BOM, null/NaN/string timestamps, utterance 0, same-form and short
// utterances), elder JSON + WAV pairs (an unpaired one each way, an unknown
// region code), 한국인대화음성 `*_metadata.txt` with region fields, WAVs at
// 16 kHz and 48 kHz (tone + noise from a seeded PRNG), one float WAV with NaN
// samples inside one utterance, one unreadable WAV.
//
// The generator also returns what it planted: the segments a correct
// implementation must produce and the skipped items with their reasons. These
// come from the plan below, never from the implementation under test.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { makeZip, type ZipEntrySpec } from './archives.ts';
import type { MockDataset } from './mock-aihub.ts';
import { mulberry32 } from '../../src/core/random/mulberry32.ts';

export type CorpusSet = 'dialect' | 'seoul' | 'elder';

export interface PlantedSegment {
  set: CorpusSet;
  /** Output file name: `<stem>_<index>.wav`, or `<stem>.wav` for whole seoul files. */
  name: string;
  dialect: string;
  speaker: string;
  /** Seconds (end - start, or the whole file). */
  duration: number;
  /** Absolute path of the source WAV. */
  source: string;
  sourceRate: number;
  /** Bytes per frame of the source (2 for 16-bit mono, 4 for float32 or 16-bit stereo). */
  sourceBlockAlign: number;
}

export interface PlantedReject {
  set: CorpusSet;
  /** Base name of the file the item belongs to. */
  file: string;
  /** Utterance/sentence index, metadata line number, or '' for a whole file. */
  item: string;
  reason: string;
}

export interface CorpusOptions {
  seed?: number;
  /** Dialect recordings per region (5 regions); 0 leaves the dialect datasets out. */
  dialectRecordingsPerRegion?: number;
  /** Seoul/Gyeonggi whole-sentence recordings (region 1); as many non-Seoul lines again are planted. */
  seoulRecordings?: number;
  /** Elder speakers per region (gw, gs, cc, jl, jj). */
  elderSpeakersPerRegion?: number;
  /** Elder recordings per speaker. */
  elderRecordingsPerSpeaker?: number;
  /** The per-speaker cap the expectations assume. */
  elderMaxPerSpeaker?: number;
  /** Plant the defects (unreadable WAV, NaN samples, unpaired files…). Default true. */
  defects?: boolean;
  /** Source sample rates, used in turn (default [16000, 48000]). */
  sampleRates?: number[];
  /** Seconds of audio per dialect utterance slot (default 4.5, at least 4). Larger makes bigger files. */
  slotSeconds?: number;
}

export interface GeneratedCorpus {
  root: string;
  /** Dataset folders (absolute), as they are after download + unpack. */
  datasets: { dialect: string[]; seoul: string; elder: string[] };
  expected: Record<CorpusSet, PlantedSegment[]>;
  rejects: Record<CorpusSet, PlantedReject[]>;
  /** Every file written, relative to root (forward slashes). */
  files: string[];
  /** Bytes of source audio written per set. */
  audioBytes: Record<CorpusSet, number>;
  /** The folders AIHub ships as one zip each (`[원천]…`, `[라벨]…`), relative to root, with their keys. */
  archives: CorpusArchive[];
}

export interface CorpusArchive {
  /** Folder relative to root; the zip is this path + `.zip`. */
  dir: string;
  dataset: string;
  filekey: string;
  /** Folder inside the zip that holds the files (Korean, stored as CP949 names), or ''. */
  inner: string;
}

// ---------------------------------------------------------------- audio

export interface WavSpec {
  sampleRate: number;
  seconds: number;
  channels?: number;
  format?: 'pcm16' | 'float32';
  seed?: number;
  /** Sample ranges [startSec, endSec) set to NaN (float32 only). */
  nanAt?: [number, number][];
}

/** A test WAV written independently of the code under test: tone + noise, 16-bit PCM or float32. */
export function makeWav(spec: WavSpec): Uint8Array {
  const channels = spec.channels ?? 1;
  const float = spec.format === 'float32';
  const bytesPerSample = float ? 4 : 2;
  const frames = Math.round(spec.seconds * spec.sampleRate);
  const dataBytes = frames * channels * bytesPerSample;
  const buf = new ArrayBuffer(44 + dataBytes);
  const v = new DataView(buf);
  const ascii = (o: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, float ? 3 : 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, spec.sampleRate, true);
  v.setUint32(28, spec.sampleRate * channels * bytesPerSample, true);
  v.setUint16(32, channels * bytesPerSample, true);
  v.setUint16(34, bytesPerSample * 8, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  const random = mulberry32(spec.seed ?? 1);
  const freq = 120 + Math.floor(random() * 300);
  // One block of tone + noise, tiled over the file: generating big corpora stays
  // cheap, and a block of 1.37 s never lines up with the utterance grid.
  const blockFrames = Math.min(frames, Math.round(1.37 * spec.sampleRate));
  const block = new Uint8Array(blockFrames * channels * bytesPerSample);
  const bv = new DataView(block.buffer);
  for (let i = 0, o = 0; i < blockFrames; i++) {
    const s = 0.3 * Math.sin((2 * Math.PI * freq * i) / spec.sampleRate) + 0.1 * (random() * 2 - 1);
    for (let c = 0; c < channels; c++, o += bytesPerSample) {
      if (float) bv.setFloat32(o, s, true);
      else bv.setInt16(o, Math.round(s * 32767), true);
    }
  }
  const bytes = new Uint8Array(buf);
  for (let at = 0; at < dataBytes; at += block.byteLength) bytes.set(block.subarray(0, Math.min(block.byteLength, dataBytes - at)), 44 + at);
  for (const [a, b] of spec.nanAt ?? []) {
    if (!float) throw new Error('makeWav: NaN samples need format float32');
    for (let i = Math.floor(a * spec.sampleRate); i < Math.min(frames, Math.floor(b * spec.sampleRate)); i++) {
      for (let c = 0; c < channels; c++) v.setFloat32(44 + (i * channels + c) * 4, Number.NaN, true);
    }
  }
  return new Uint8Array(buf);
}

// ---------------------------------------------------------------- layout

/** [Korean region, label, AIHub region code, folder number, datasetkey, audio filekey, label filekey] (shared/specs/aihub.md). */
const DIALECT_REGIONS = [
  ['강원도', 'Gangwon-do', 'gw', '013', '118', '37495', '37496'],
  ['경상도', 'Gyeongsang-do', 'gs', '014', '119', '37408', '37407'],
  ['전라도', 'Jeolla-do', 'jl', '015', '120', '37369', '37452'],
  ['제주도', 'Jeju-do', 'jj', '016', '121', '37350', '37329'],
  ['충청도', 'Chungcheong-do', 'cc', '017', '122', '37297', '37295'],
] as const;
const SEOUL_KEYS = ['130', '39493', '39424'] as const;

export const DIALECT_DATASET_FOLDERS = DIALECT_REGIONS.map(([ko, , , n]) => `${n}.한국어_방언_발화_데이터(${ko})`);
export const SEOUL_DATASET_FOLDER = '009.한국인대화음성';
export const ELDER_DATASET_FOLDERS = ['139-1.중·노년층_한국어_방언_데이터_(강원도,_경상도)', '139-2.중·노년층_한국어_방언_데이터_(충청도,_전라도,_제주도)'];
/** [region code, label, dataset folder index, datasetkey, audio filekey, label filekey]. */
const ELDER_REGIONS: [string, string, number, string, string, string][] = [
  ['gw', 'Gangwon-do', 0, '71517', '538305', '538311'],
  ['gs', 'Gyeongsang-do', 0, '71517', '538308', '538314'],
  ['cc', 'Chungcheong-do', 1, '71558', '538329', '538338'],
  ['jl', 'Jeolla-do', 1, '71558', '538332', '538341'],
  ['jj', 'Jeju-do', 1, '71558', '538335', '538344'],
];

// ---------------------------------------------------------------- generator

class Writer {
  files: string[] = [];
  constructor(readonly root: string) {}
  write(rel: string, data: Uint8Array | string): string {
    const abs = join(this.root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, data);
    this.files.push(relative(this.root, abs).split('\\').join('/'));
    return abs;
  }
}

type UttKind = 'ok' | 'first' | 'null' | 'nan' | 'string' | 'reversed' | 'same' | 'short' | 'boundary' | 'nanAudio';

interface UttPlan {
  kind: UttKind;
  start: number;
  end: number;
}

/**
 * One dialect recording's utterance list. Slot k spans [k·slot, (k+1)·slot);
 * utterance lengths vary between kinds, all within their slot.
 */
function dialectUtterances(kinds: UttKind[], slot: number): UttPlan[] {
  return kinds.map((kind, k) => {
    const start = k * slot + 0.5;
    // Kept utterances vary in length (slot − 1 down to 3 s); `boundary` is exactly 3 s.
    const len = kind === 'short' ? 2.5 : kind === 'boundary' ? 3 : Math.max(3, slot - 1 - 0.25 * (k % 3));
    return { kind, start, end: start + len };
  });
}

function dialectJson(stem: string, speaker: string, utts: UttPlan[], bom: boolean): string {
  const NAN = '__NAN_TOKEN__';
  const obj = {
    id: stem,
    metadata: { title: '방언 발화', creator: 'generator', distributor: 'test', year: 2020, category: '일상대화' },
    speaker: [{ id: speaker, name: speaker, age: '60대', occupation: '', sex: '여성', birthplace: '', principal_residence: '', current_residence: '' }],
    setting: { relation: '친구' },
    utterance: utts.map((u, i) => {
      const dialect = `방언 문장 ${i} 했당께`;
      const standard = u.kind === 'same' ? dialect : `표준 문장 ${i} 했다`;
      let start: unknown = u.start;
      let end: unknown = u.end;
      if (u.kind === 'null') start = null;
      if (u.kind === 'nan') end = NAN;
      if (u.kind === 'string') start = String(u.start);
      if (u.kind === 'reversed') [start, end] = [u.end, u.start];
      return { id: `${stem}.${i + 1}`, form: dialect, standard_form: standard, dialect_form: dialect, speaker_id: speaker, start, end, note: '', eojeolList: [] };
    }),
  };
  // Python's json.dump writes a bare NaN, which is what the parser has to survive.
  const text = JSON.stringify(obj, null, 1).split(`"${NAN}"`).join('NaN');
  return (bom ? '\uFEFF' : '') + text;
}

function hms(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds - h * 3600 - m * 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}

export function generateAihubCorpus(root: string, options: CorpusOptions = {}): GeneratedCorpus {
  const seed = options.seed ?? 7;
  const defects = options.defects ?? true;
  const perRegion = options.dialectRecordingsPerRegion ?? 2;
  const seoulCount = options.seoulRecordings ?? 4;
  const elderSpeakers = options.elderSpeakersPerRegion ?? 1;
  const elderRecs = options.elderRecordingsPerSpeaker ?? 2;
  const cap = options.elderMaxPerSpeaker ?? 3;
  const slot = options.slotSeconds ?? 4.5;
  const rates = options.sampleRates ?? [16000, 48000];
  const rateAt = (i: number) => rates[i % rates.length]!;
  const random = mulberry32(seed); // the corpus is the same for the same seed
  const w = new Writer(root);
  const expected: GeneratedCorpus['expected'] = { dialect: [], seoul: [], elder: [] };
  const rejects: GeneratedCorpus['rejects'] = { dialect: [], seoul: [], elder: [] };
  const audioBytes: Record<CorpusSet, number> = { dialect: 0, seoul: 0, elder: 0 };
  const archives: CorpusArchive[] = [];
  let wavSeed = seed * 1000;
  const wav = (set: CorpusSet, rel: string, spec: WavSpec): string => {
    const bytes = makeWav({ seed: ++wavSeed, ...spec });
    audioBytes[set] += bytes.byteLength;
    return w.write(rel, bytes);
  };

  // ---- 한국어 방언 발화: Training/[원천]<region>_학습데이터_1/…wav, Training/[라벨]<region>_학습데이터_1/…json
  const dialectFolders: string[] = [];
  if (perRegion > 0) {
    DIALECT_REGIONS.forEach(([ko, label, code, num, key, audioKey, labelKey], r) => {
      const ds = `${num}.한국어_방언_발화_데이터(${ko})`;
      dialectFolders.push(join(root, ds));
      const audioDir = `${ds}/Training/[원천]${ko}_학습데이터_1`;
      const labelDir = `${ds}/Training/[라벨]${ko}_학습데이터_1`;
      archives.push({ dir: audioDir, dataset: key, filekey: audioKey, inner: `${ko}_원천` }, { dir: labelDir, dataset: key, filekey: labelKey, inner: `${ko}_라벨` });
      for (let k = 0; k < perRegion; k++) {
        // Two recordings per speaker, so speakers span several files (split disjointness).
        const speaker = `${code.toUpperCase()}-SPK-${String(Math.floor(k / 2) + 1).padStart(2, '0')}`;
        const stem = `D${code.toUpperCase()}${String(20000001 + k)}`;
        const rate = rateAt(r + k);
        const channels = defects && r === 1 && k === 0 ? 2 : 1;
        const nanRecording = defects && r === 0 && k === 0;
        const kinds: UttKind[] = ['first', 'ok', 'same', 'short', 'ok', 'boundary'];
        if (defects && k === 0) kinds.push('null', 'nan', 'string', 'reversed');
        if (nanRecording) kinds.push('nanAudio');
        // A little variety in how many good utterances each file has.
        for (let extra = Math.floor(random() * 3); extra > 0; extra--) kinds.push('ok');
        const utts = dialectUtterances(kinds, slot);
        const seconds = kinds.length * slot + 0.5;
        const nanAt = utts.filter((u) => u.kind === 'nanAudio').map((u) => [u.start + 1, u.start + 1.01] as [number, number]);
        const source = wav('dialect', `${audioDir}/${stem}.wav`, {
          sampleRate: rate,
          seconds,
          channels,
          format: nanRecording ? 'float32' : 'pcm16',
          nanAt,
        });
        w.write(`${labelDir}/${stem}.json`, dialectJson(stem, speaker, utts, k % 2 === 0));
        utts.forEach((u, i) => {
          const file = `${stem}.json`;
          const rej = (reason: string) => rejects.dialect.push({ set: 'dialect', file, item: String(i), reason });
          switch (u.kind) {
            case 'first':
              return rej('first_utterance');
            case 'null':
            case 'nan':
            case 'string':
            case 'reversed':
              return rej('bad_timestamp');
            case 'same':
              return rej('same_form');
            case 'short':
              return rej('too_short');
            case 'nanAudio':
              return rejects.dialect.push({ set: 'dialect', file: `${stem}.wav`, item: String(i), reason: 'nan_audio' });
            default:
              expected.dialect.push({ set: 'dialect', name: `${stem}_${i}.wav`, dialect: label, speaker, duration: u.end - u.start, source, sourceRate: rate, sourceBlockAlign: channels * (nanRecording ? 4 : 2) });
          }
        });
      }
      if (defects && r === 2) {
        // Audio without a label, a label without audio, an unreadable WAV with a good label.
        wav('dialect', `${audioDir}/D${code.toUpperCase()}29999991.wav`, { sampleRate: 16000, seconds: 5 });
        rejects.dialect.push({ set: 'dialect', file: `D${code.toUpperCase()}29999991.wav`, item: '', reason: 'no_label_file' });
        const orphan = dialectUtterances(['first', 'ok'], slot);
        w.write(`${labelDir}/D${code.toUpperCase()}29999992.json`, dialectJson(`D${code.toUpperCase()}29999992`, 'X', orphan, true));
        rejects.dialect.push({ set: 'dialect', file: `D${code.toUpperCase()}29999992.json`, item: '', reason: 'no_audio_file' });
        const badStem = `D${code.toUpperCase()}29999993`;
        w.write(`${audioDir}/${badStem}.wav`, new TextEncoder().encode('this is not a RIFF file at all, just text'));
        w.write(`${labelDir}/${badStem}.json`, dialectJson(badStem, 'Y', dialectUtterances(['first', 'ok'], slot), true));
        rejects.dialect.push({ set: 'dialect', file: `${badStem}.wav`, item: '', reason: 'unreadable_file' });
      }
    });
  }

  // ---- 한국인대화음성: whole sentences; `*_metadata.txt` lines path|text|speaker|age|region|x|y
  const seoulRoot = join(root, SEOUL_DATASET_FOLDER);
  if (seoulCount > 0) {
    const audioDir = `${SEOUL_DATASET_FOLDER}/Training/[원천]1.한국인대화음성_1`;
    const labelDir = `${SEOUL_DATASET_FOLDER}/Training/[라벨]1.한국인대화음성_1`;
    archives.push({ dir: audioDir, dataset: SEOUL_KEYS[0], filekey: SEOUL_KEYS[1], inner: '' }, { dir: labelDir, dataset: SEOUL_KEYS[0], filekey: SEOUL_KEYS[2], inner: '' });
    const lines: string[][] = [[], []];
    const line = (stem: string, region: string, extra = '') =>
      `/data/audio/${stem}.wav|안녕하세요 문장입니다|SPK${stem.slice(-3)}|30대|${region}|${extra || '0'}|N`;
    for (let k = 0; k < seoulCount; k++) {
      const stem = `KDS${String(100 + k)}`;
      const rate = k % 3 === 2 ? rateAt(1) : rateAt(0);
      const seconds = 3.5 + (k % 4);
      const source = wav('seoul', `${audioDir}/${stem}.wav`, { sampleRate: rate, seconds });
      // Region field with spaces around it: the rule trims.
      lines[k % 2]!.push(line(stem, k % 2 === 0 ? '1' : ' 1 '));
      expected.seoul.push({ set: 'seoul', name: `${stem}.wav`, dialect: 'Seoul_Gyeonggi-do', speaker: '', duration: seconds, source, sourceRate: rate, sourceBlockAlign: 2 });
      // A non-Seoul recording for every Seoul one.
      const other = `KDO${String(100 + k)}`;
      wav('seoul', `${audioDir}/${other}.wav`, { sampleRate: 16000, seconds: 4 });
      lines[k % 2]!.push(line(other, String(2 + (k % 5))));
    }
    if (defects) {
      wav('seoul', `${audioDir}/KDS900.wav`, { sampleRate: 16000, seconds: 2.2 });
      lines[0]!.push(line('KDS900', '1'));
      lines[0]!.push(line('KDS901', '1')); // no audio
      lines[1]!.push('broken line without fields');
      // Audio that no metadata line mentions.
      wav('seoul', `${audioDir}/KDS999.wav`, { sampleRate: 16000, seconds: 4 });
      rejects.seoul.push({ set: 'seoul', file: 'KDS999.wav', item: '', reason: 'no_label_file' });
    }
    const fileNames = ['KDS_part1_metadata.txt', 'KDS_part2_metadata.txt'];
    lines.forEach((ls, f) => {
      w.write(`${labelDir}/${fileNames[f]}`, ls.join('\n') + '\n');
      ls.forEach((l, i) => {
        const stem = l.split('|')[0]!.split('/').pop()!.replace(/\.wav$/, '');
        const item = String(i + 1);
        const file = fileNames[f]!;
        const fields = l.split('|');
        if (fields.length < 4) rejects.seoul.push({ set: 'seoul', file, item, reason: 'bad_label_file' });
        else if (fields[fields.length - 3]!.trim() !== '1') rejects.seoul.push({ set: 'seoul', file, item, reason: 'not_seoul' });
        else if (stem === 'KDS900') rejects.seoul.push({ set: 'seoul', file: 'KDS900.wav', item: '', reason: 'too_short' });
        else if (stem === 'KDS901') rejects.seoul.push({ set: 'seoul', file, item, reason: 'no_audio_file' });
      });
    });
  }

  // ---- 중·노년층 방언: JSON + WAV pairs, stem `say_set1_collector<code>1_speaker<code><n>_<age>_<k>`
  const elderFolders = ELDER_DATASET_FOLDERS.map((f) => join(root, f));
  if (elderSpeakers > 0) {
    for (const [code, label, ds, key, audioKey, labelKey] of ELDER_REGIONS) {
      const folder = ELDER_DATASET_FOLDERS[ds]!;
      const audioDir = `${folder}/Training/[원천]${code}_3.자유대화`;
      const labelDir = `${folder}/Training/[라벨]${code}_3.자유대화`;
      archives.push({ dir: audioDir, dataset: key, filekey: audioKey, inner: '' }, { dir: labelDir, dataset: key, filekey: labelKey, inner: '' });
      for (let s = 0; s < elderSpeakers; s++) {
        const speaker = `${code}${101 + s}`;
        const candidates: PlantedSegment[] = [];
        const speakerRejects: PlantedReject[] = [];
        for (let k = 0; k < elderRecs; k++) {
          const stem = `say_set1_collector${code}1_speaker${speaker}_6${s % 10}_${k}`;
          const rate = rateAt(k);
          // Sentences: kinds cycle so every speaker has more candidates than a small cap.
          const kinds: ('ok' | 'same' | 'short' | 'bad')[] = ['ok', 'same', 'ok', 'short', 'ok'];
          if (defects && k === 0) kinds.push('bad');
          const sentences = kinds.map((kind, i) => {
            const start = i * 4 + 0.56;
            const end = kind === 'short' ? start + 2.4 : start + 3.2;
            const dialect = `사투리 ${i} 했어예`;
            return {
              startTime: kind === 'bad' ? '0:0:xx' : hms(start),
              endTime: hms(end),
              dialect,
              standard: kind === 'same' ? dialect : `표준어 ${i} 했어요`,
              speakerId: speaker,
              kind,
              start,
              end,
            };
          });
          const seconds = kinds.length * 4 + 0.5;
          const source = wav('elder', `${audioDir}/${stem}.wav`, { sampleRate: rate, seconds });
          const json = { id: stem, speaker: { id: speaker }, transcription: { sentences: sentences.map(({ kind: _k, start: _s, end: _e, ...rest }) => rest) } };
          w.write(`${labelDir}/${stem}.json`, JSON.stringify(json));
          sentences.forEach((st, i) => {
            const item = String(i);
            const file = `${stem}.json`;
            if (st.kind === 'bad') speakerRejects.push({ set: 'elder', file, item, reason: 'bad_timestamp' });
            else if (st.kind === 'same') speakerRejects.push({ set: 'elder', file, item, reason: 'same_form' });
            else if (st.kind === 'short') speakerRejects.push({ set: 'elder', file, item, reason: 'too_short' });
            else candidates.push({ set: 'elder', name: `${stem}_${i}.wav`, dialect: label, speaker, duration: st.end - st.start, source, sourceRate: rate, sourceBlockAlign: 2 });
          });
        }
        // The cap is shared among the speaker's recordings (in stem order), one sentence to each in
        // turn; within a recording its first sentences are taken.
        candidates.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const byRecording = new Map<string, typeof candidates>();
        for (const c of candidates) {
          const stemOfCandidate = /^(.*)_\d+\.wav$/.exec(c.name)![1]!;
          byRecording.set(stemOfCandidate, [...(byRecording.get(stemOfCandidate) ?? []), c]);
        }
        const queues = [...byRecording.values()];
        const taken = queues.map(() => 0);
        for (let given = 0, turn = 0; given < Math.min(cap, candidates.length); turn = (turn + 1) % queues.length) {
          if (taken[turn]! < queues[turn]!.length) {
            taken[turn]!++;
            given++;
          }
        }
        queues.forEach((q, k) => {
          expected.elder.push(...q.slice(0, taken[k]));
          for (const c of q.slice(taken[k])) {
            const m = /^(.*)_(\d+)\.wav$/.exec(c.name)!;
            speakerRejects.push({ set: 'elder', file: `${m[1]}.json`, item: m[2]!, reason: 'speaker_cap' });
          }
        });
        rejects.elder.push(...speakerRejects);
      }
    }
    if (defects) {
      const folder = ELDER_DATASET_FOLDERS[0]!;
      const audioDir = `${folder}/Training/[원천]gw_3.자유대화`;
      const labelDir = `${folder}/Training/[라벨]gw_3.자유대화`;
      const sentence = { startTime: '00:00:00.500', endTime: '00:00:04.500', dialect: '했드래요', standard: '했어요' };
      // Unknown region code `xx`: reported for that file, the run goes on.
      const unknown = 'say_set1_collectorxx1_speakerxx101_60_0';
      wav('elder', `${audioDir}/${unknown}.wav`, { sampleRate: 16000, seconds: 5 });
      w.write(`${labelDir}/${unknown}.json`, JSON.stringify({ transcription: { sentences: [sentence] } }));
      rejects.elder.push({ set: 'elder', file: `${unknown}.json`, item: '', reason: 'unknown_region_code' });
      // Unpaired both ways.
      const noLabel = 'say_set1_collectorgw1_speakergw901_60_0';
      wav('elder', `${audioDir}/${noLabel}.wav`, { sampleRate: 16000, seconds: 5 });
      rejects.elder.push({ set: 'elder', file: `${noLabel}.wav`, item: '', reason: 'no_label_file' });
      const noAudio = 'say_set1_collectorgw1_speakergw902_60_0';
      w.write(`${labelDir}/${noAudio}.json`, JSON.stringify({ transcription: { sentences: [sentence] } }));
      rejects.elder.push({ set: 'elder', file: `${noAudio}.json`, item: '', reason: 'no_audio_file' });
    }
  }

  return {
    root,
    datasets: { dialect: dialectFolders, seoul: seoulRoot, elder: elderFolders },
    expected,
    rejects,
    files: w.files,
    audioBytes,
    archives,
  };
}

// ---------------------------------------------------------------- archives

export interface PackedArchive {
  dataset: string;
  filekey: string;
  /** Path of the zip as AIHub's tar delivers it: `<dataset folder>/Training/[원천]….zip`. */
  path: string;
  data: Uint8Array;
}

/**
 * Packs each `[원천]…` / `[라벨]…` folder of a generated corpus into a zip the
 * way AIHub ships them: entry names in CP949 without the UTF-8 flag (dialect
 * archives put their files in a Korean inner folder, so the names need
 * decoding), audio stored, text deflated. Unpacking gives back the same files
 * (under the inner folder where there is one).
 */
export function packCorpusZips(corpus: GeneratedCorpus): PackedArchive[] {
  return corpus.archives.map((a) => {
    const prefix = a.dir + '/';
    const entries: ZipEntrySpec[] = [];
    if (a.inner) entries.push({ name: `${a.inner}/`, encoding: 'cp949' });
    for (const rel of corpus.files.filter((f) => f.startsWith(prefix)).sort()) {
      const name = (a.inner ? `${a.inner}/` : '') + rel.slice(prefix.length);
      entries.push({ name, data: readFileSync(join(corpus.root, rel)), encoding: 'cp949', method: rel.endsWith('.wav') ? 'store' : 'deflate' });
    }
    return { dataset: a.dataset, filekey: a.filekey, path: `${a.dir}.zip`, data: makeZip(entries) };
  });
}

/** The packed corpus as the mock AIHub server's datasets (one zip per filekey). */
export function corpusMockDatasets(archives: PackedArchive[]): MockDataset[] {
  const byKey = new Map<string, MockDataset>();
  for (const a of archives) {
    let ds = byKey.get(a.dataset);
    if (!ds) byKey.set(a.dataset, (ds = { key: a.dataset, name: a.path.split('/')[0]!, files: [] }));
    ds.files.push({ filekey: a.filekey, path: a.path, data: a.data });
  }
  return [...byKey.values()];
}
