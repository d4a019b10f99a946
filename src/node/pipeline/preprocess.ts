// `saturi preprocess dialect|seoul|elder`: turns an unpacked AIHub corpus into
// 16 kHz mono segment WAVs plus a CSV of rows and a CSV of rejects.
//
// The main thread only lists files and pairs them (paths in memory, no audio);
// each source recording is one task for the worker pool. Results are written
// in input order through a bounded window, so the CSVs are the same on every
// run and memory does not grow with the corpus.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { capLeft, parseElderStem, shareCap, speakerCapDetail, speakerCapRejects } from '../../core/dataset/elder-rules.ts';
import { dialectLabelFromPath, stemOf } from '../../core/dataset/paths.ts';
import { dropMarker } from './done-marker.ts';
import { countReasons, REJECT_COLUMNS, type ReasonCounts, type RejectRow } from '../../core/dataset/reasons.ts';
import { SEGMENT_COLUMNS, type SegmentRow } from '../../core/dataset/rows.ts';
import { parseSeoulMetadataLine } from '../../core/dataset/seoul-rules.ts';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { CsvFileWriter } from './csv-io.ts';
import { mapOrdered } from './ordered.ts';
import { WorkerPool } from './pool.ts';
import type { PreprocessSet } from './preprocess-config.ts';
import type { CutOptions, ElderCutTask, PlanResult, RecordingResult, TaskRequest } from './tasks.ts';
import { hasExt, walkFiles } from './walk.ts';

export interface PreprocessOptions {
  set: PreprocessSet;
  /** Root of the audio. */
  input: string;
  /** Root of the label files (often the same as input). */
  labels: string;
  /** Segment WAVs go to `<outDir>/<dialect>/`, done-markers to `<outDir>/.done/`. */
  outDir: string;
  csv: string;
  rejectsCsv: string;
  workers: number;
  minSeconds: number;
  sampleRate: number;
  /** Only paths matching this are taken (keeps corpora apart under one root). */
  pathPattern?: RegExp;
  /** Called for each file of the set's kinds left out by pathPattern. */
  onOutsidePattern?: () => void;
  skipFirstUtterance: boolean;
  maxPerSpeaker: number;
  onProgress?: (recordingsDone: number) => void;
}

export interface PreprocessSummary {
  set: PreprocessSet;
  recordings: number;
  reused: number;
  segments: number;
  seconds: number;
  written: number;
  sourceBytesRead: number;
  rejected: number;
  /** Audio and label files not read because their path does not match the set's path pattern. */
  outsidePattern: number;
  /** The pattern's source, when there is one. */
  pathPattern?: string;
  reasons: ReasonCounts;
  perDialect: Record<string, number>;
  csv: string;
  rejectsCsv: string;
  workers: number;
  workersStarted: number;
  peakBusyWorkers: number;
  maxRssBytes: number;
  elapsedMs: number;
}

/** A unit of output: a worker task, rejects known without one, or one elder speaker's recordings. */
type Job = { task: TaskRequest } | { rejects: RejectRow[] } | { elder: ElderRecording[] };

/** What a job gives: rejects, and the result of a recording's task when it had one. */
interface Part {
  rejects: RejectRow[];
  result?: RecordingResult;
}

const nfc = (s: string) => s.normalize('NFC');

/** Files under `root` with one of `exts` whose path matches the set's path pattern; the others are counted. */
async function* pathsUnder(root: string, exts: string[], o: Pick<PreprocessOptions, 'pathPattern' | 'onOutsidePattern'>): AsyncGenerator<string> {
  for await (const path of walkFiles(root, hasExt(...exts))) {
    if (!o.pathPattern || o.pathPattern.test(nfc(path))) yield path;
    else o.onOutsidePattern?.();
  }
}

/** Label files by stem; a second file with the same stem is a reject. */
async function indexByStem(root: string, exts: string[], o: Pick<PreprocessOptions, 'pathPattern' | 'onOutsidePattern'>, dupes: RejectRow[]): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  for await (const path of pathsUnder(root, exts, o)) {
    const stem = nfc(stemOf(path));
    const prev = map.get(stem);
    if (prev !== undefined) dupes.push({ file: path, item: '', reason: 'duplicate_stem', detail: `same name as ${prev}` });
    else map.set(stem, path);
  }
  return map;
}

function cutOptions(o: PreprocessOptions): CutOptions {
  return { sampleRate: o.sampleRate, minSeconds: o.minSeconds };
}

async function* dialectJobs(o: PreprocessOptions): AsyncGenerator<Job> {
  const dupes: RejectRow[] = [];
  const labels = await indexByStem(o.labels, ['.json'], o, dupes);
  if (dupes.length) yield { rejects: dupes };
  const seen = new Set<string>();
  for await (const wav of pathsUnder(o.input, ['.wav'], o)) {
    const stem = nfc(stemOf(wav));
    if (seen.has(stem)) {
      yield { rejects: [{ file: wav, item: '', reason: 'duplicate_stem', detail: 'an earlier recording has the same name' }] };
      continue;
    }
    seen.add(stem);
    const label = labels.get(stem);
    if (label === undefined) {
      yield { rejects: [{ file: wav, item: '', reason: 'no_label_file', detail: `no ${stem}.json under ${o.labels}` }] };
      continue;
    }
    labels.delete(stem);
    const dialect = dialectLabelFromPath(nfc(wav)) ?? dialectLabelFromPath(nfc(label));
    if (dialect === undefined) {
      yield { rejects: [{ file: wav, item: '', reason: 'no_region', detail: 'no folder in the path names one of 경상도/전라도/충청도/제주도/강원도' }] };
      continue;
    }
    yield { task: { kind: 'dialect', wav, label, dialect, outDir: o.outDir, skipFirst: o.skipFirstUtterance, cut: cutOptions(o) } };
  }
  for (const label of [...labels.values()].sort()) {
    yield { rejects: [{ file: label, item: '', reason: 'no_audio_file', detail: `no ${stemOf(label)}.wav under ${o.input}` }] };
  }
}

async function* seoulJobs(o: PreprocessOptions): AsyncGenerator<Job> {
  const dupes: RejectRow[] = [];
  const wavs = await indexByStem(o.input, ['.wav'], o, dupes);
  if (dupes.length) yield { rejects: dupes };
  const mentioned = new Set<string>();
  const taken = new Set<string>();
  const seoul = LABEL_NAMES[5]!;
  for await (const meta of pathsUnder(o.labels, ['_metadata.txt'], o)) {
    const lines = createInterface({ input: createReadStream(meta, 'utf8'), crlfDelay: Infinity });
    let lineNo = 0;
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '' || (lineNo === 1 && line.trim() === '\uFEFF')) continue;
      const item = String(lineNo);
      const parsed = parseSeoulMetadataLine(line);
      if (!parsed) {
        yield { rejects: [{ file: meta, item, reason: 'bad_label_file', detail: 'fewer than 4 |-separated fields' }] };
        continue;
      }
      const name = nfc(parsed.name);
      mentioned.add(name);
      if (!parsed.isSeoul) {
        yield { rejects: [{ file: meta, item, reason: 'not_seoul', detail: `region "${parsed.region}"` }] };
        continue;
      }
      const wav = wavs.get(name);
      if (wav === undefined) {
        yield { rejects: [{ file: meta, item, reason: 'no_audio_file', detail: `no ${name}.wav under ${o.input}` }] };
        continue;
      }
      if (taken.has(name)) {
        yield { rejects: [{ file: meta, item, reason: 'duplicate_stem', detail: `${name} is listed twice` }] };
        continue;
      }
      taken.add(name);
      yield { task: { kind: 'seoul', wav, dialect: seoul, outDir: o.outDir, cut: cutOptions(o) } };
    }
  }
  const unmentioned = [...wavs.entries()].filter(([name]) => !mentioned.has(name)).map(([, p]) => p);
  for (const wav of unmentioned.sort()) {
    yield { rejects: [{ file: wav, item: '', reason: 'no_label_file', detail: 'no *_metadata.txt line names it' }] };
  }
}

interface ElderRecording {
  wav: string;
  label: string;
  dialect: string;
  speaker: string;
}

/**
 * 중·노년층: recordings are grouped by speaker (groups in the order their first
 * recording is found, recordings in that order within a group); each group is one
 * job, so speakers are worked on in parallel and a speaker's recordings one after
 * the other, which the per-speaker cap needs: it counts the segments really cut.
 */
async function* elderJobs(o: PreprocessOptions): AsyncGenerator<Job> {
  const dupes: RejectRow[] = [];
  const wavs = await indexByStem(o.input, ['.wav'], o, dupes);
  if (dupes.length) yield { rejects: dupes };
  const items: (ElderRecording[] | RejectRow)[] = [];
  const bySpeaker = new Map<string, ElderRecording[]>();
  const labelDupes = new Set<string>();
  for await (const label of pathsUnder(o.labels, ['.json'], o)) {
    const stem = nfc(stemOf(label));
    if (labelDupes.has(stem)) {
      items.push({ file: label, item: '', reason: 'duplicate_stem', detail: 'an earlier label has the same name' });
      continue;
    }
    labelDupes.add(stem);
    const wav = wavs.get(stem);
    if (wav === undefined) {
      items.push({ file: label, item: '', reason: 'no_audio_file', detail: `no ${stem}.wav under ${o.input}` });
      continue;
    }
    wavs.delete(stem);
    const parsed = parseElderStem(stem);
    if (!parsed.ok) {
      items.push({ file: label, item: '', reason: parsed.reason, detail: parsed.detail });
      continue;
    }
    let group = bySpeaker.get(parsed.speaker);
    if (group === undefined) {
      group = [];
      bySpeaker.set(parsed.speaker, group);
      items.push(group);
    }
    group.push({ wav, label, dialect: parsed.dialect, speaker: parsed.speaker });
  }
  bySpeaker.clear();
  for (const item of items) yield Array.isArray(item) ? { elder: item } : { rejects: [item] };
  const unpaired = [...wavs.values()].sort();
  if (unpaired.length) yield { rejects: unpaired.map((wav) => ({ file: wav, item: '', reason: 'no_label_file' as const, detail: `no ${stemOf(wav)}.json under ${o.labels}` })) };
}

/**
 * One speaker's recordings: plan every label, then share the cap among the recordings, one
 * sentence to each in turn, so a speaker's n come from all its recordings (and their recording
 * styles) rather than the first few in path order. Cutting counts what it writes: a sentence it
 * rejects (unreadable WAV, past the end, NaN audio) passes its place on to the next recordings.
 */
async function runElderSpeaker(o: PreprocessOptions, pool: WorkerPool, recordings: ElderRecording[]): Promise<Part[]> {
  const plans: PlanResult[] = [];
  for (const r of recordings) plans.push(await pool.run<PlanResult>({ kind: 'elder-plan', label: r.label, speaker: r.speaker, minSeconds: o.minSeconds }));
  const quotas = shareCap(plans.map((p) => p.segments.length), o.maxPerSpeaker);
  const results: (RecordingResult | undefined)[] = recordings.map(() => undefined);
  const takes = recordings.map(() => 0);
  let has = 0;
  const cut = async (i: number, take: number) => {
    const r = recordings[i]!;
    const task: ElderCutTask = { kind: 'elder-cut', wav: r.wav, label: r.label, dialect: r.dialect, speaker: r.speaker, outDir: o.outDir, segments: plans[i]!.segments, take, speakerHas: has - (results[i]?.rows.length ?? 0), cut: cutOptions(o) };
    const result = await pool.run<RecordingResult>(task);
    has += result.rows.length - (results[i]?.rows.length ?? 0);
    results[i] = result;
    takes[i] = take;
  };
  let owed = 0; // places earlier recordings could not fill
  for (let i = 0; i < recordings.length; i++) {
    const take = Math.min(plans[i]!.segments.length, quotas[i]! + owed, capLeft(o.maxPerSpeaker, has));
    if (take === 0) {
      owed += quotas[i]!;
      continue;
    }
    await cut(i, take);
    owed = Math.max(0, owed + quotas[i]! - results[i]!.rows.length);
  }
  // Places still owed at the end (the last recordings failed): recordings with sentences left give more.
  for (let i = 0; i < recordings.length && has < o.maxPerSpeaker; i++) {
    const more = Math.min(plans[i]!.segments.length, takes[i]! + o.maxPerSpeaker - has);
    if (more > takes[i]!) await cut(i, more);
  }
  const parts: Part[] = [];
  for (let i = 0; i < recordings.length; i++) {
    const r = recordings[i]!;
    const plan = plans[i]!;
    const result = results[i];
    if (result) {
      parts.push({ rejects: plan.rejects, result });
      continue;
    }
    // No task, so no marker rewrite: what an earlier run cut from it (a higher cap, another label) goes here.
    // A label that failed to read for a reason of the moment keeps it for the next run.
    if (!plan.retry) await dropMarker(o.outDir, stemOf(r.wav));
    parts.push({ rejects: [...plan.rejects, ...speakerCapRejects(plan.segments, r.label, r.speaker, has)] });
  }
  // A speaker_cap reject says how many the speaker ended with, not how many it had when its recording came.
  for (const part of parts) for (const rej of [...part.rejects, ...(part.result?.rejects ?? [])]) if (rej.reason === 'speaker_cap') rej.detail = speakerCapDetail(recordings[0]!.speaker, has);
  return parts;
}

export async function runPreprocess(o: PreprocessOptions): Promise<PreprocessSummary> {
  const started = Date.now();
  for (const [what, dir] of [['input', o.input], ['labels', o.labels]] as const) {
    const s = await stat(dir).catch(() => undefined);
    if (!s?.isDirectory()) throw new PreprocessInputError(`${what} folder not found: ${resolve(dir)}`);
  }
  const pool = new WorkerPool(o.workers);
  // Twice the pool keeps every worker fed while results wait to be written in order.
  const window = o.workers * 2;
  const rowsOut = await CsvFileWriter.open<SegmentRow>(o.csv, SEGMENT_COLUMNS);
  const rejectsOut = await CsvFileWriter.open<RejectRow>(o.rejectsCsv, REJECT_COLUMNS);
  const summary: PreprocessSummary = {
    set: o.set,
    recordings: 0,
    reused: 0,
    segments: 0,
    seconds: 0,
    written: 0,
    sourceBytesRead: 0,
    rejected: 0,
    outsidePattern: 0,
    ...(o.pathPattern ? { pathPattern: o.pathPattern.source } : {}),
    reasons: {},
    perDialect: {},
    csv: o.csv,
    rejectsCsv: o.rejectsCsv,
    workers: o.workers,
    workersStarted: 0,
    peakBusyWorkers: 0,
    maxRssBytes: 0,
    elapsedMs: 0,
  };
  const emitRejects = async (rejects: RejectRow[]) => {
    countReasons(rejects, summary.reasons);
    summary.rejected += rejects.length;
    for (const r of rejects) await rejectsOut.write(r);
  };
  const emit = async (result: RecordingResult) => {
    await emitRejects(result.rejects);
    for (const row of result.rows) {
      await rowsOut.write(row);
      summary.perDialect[row.dialect] = (summary.perDialect[row.dialect] ?? 0) + 1;
    }
    summary.segments += result.rows.length;
    summary.seconds += result.seconds;
    summary.written += result.written;
    summary.sourceBytesRead += result.sourceBytesRead;
    summary.recordings++;
    if (result.reused) summary.reused++;
    o.onProgress?.(summary.recordings);
  };
  try {
    let jobs: AsyncIterable<Job> | Iterable<Job>;
    const walked: PreprocessOptions = {
      ...o,
      onOutsidePattern: () => {
        summary.outsidePattern++;
        o.onOutsidePattern?.();
      },
    };
    if (o.set === 'dialect') jobs = dialectJobs(walked);
    else if (o.set === 'seoul') jobs = seoulJobs(walked);
    else jobs = elderJobs(walked);
    await mapOrdered(
      jobs,
      window,
      async (job): Promise<Part[]> => {
        if ('task' in job) return [{ rejects: [], result: await pool.run<RecordingResult>(job.task) }];
        if ('elder' in job) return runElderSpeaker(o, pool, job.elder);
        return [{ rejects: job.rejects }];
      },
      async (parts) => {
        for (const part of parts) {
          await emitRejects(part.rejects);
          if (part.result) await emit(part.result);
        }
      },
    );
    await rowsOut.close();
    await rejectsOut.close();
  } catch (e) {
    await rowsOut.abort();
    await rejectsOut.abort();
    throw e;
  } finally {
    summary.workersStarted = pool.started;
    summary.peakBusyWorkers = pool.peakBusy;
    await pool.close();
  }
  // maxRSS covers the whole process: main thread and every worker thread.
  summary.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  summary.elapsedMs = Date.now() - started;
  return summary;
}

/** A missing input folder: the command turns it into a UserError. */
export class PreprocessInputError extends Error {}
