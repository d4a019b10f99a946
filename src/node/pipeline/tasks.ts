// Messages between the pipeline's main thread and its worker threads.
// One task = one source recording (or one batch of CSV rows for `filter`),
// so what a worker holds at a time is bounded by one recording's segments.
import type { SegmentPlan } from '../../core/dataset/dialect-rules.ts';
import type { RejectReason, RejectRow } from '../../core/dataset/reasons.ts';
import type { SegmentRow } from '../../core/dataset/rows.ts';

export interface CutOptions {
  /** Output rate (16 kHz). */
  sampleRate: number;
  minSeconds: number;
}

export interface DialectTask {
  kind: 'dialect';
  wav: string;
  label: string;
  dialect: string;
  outDir: string;
  skipFirst: boolean;
  cut: CutOptions;
}

export interface SeoulTask {
  kind: 'seoul';
  wav: string;
  dialect: string;
  outDir: string;
  cut: CutOptions;
}

export interface ElderPlanTask {
  kind: 'elder-plan';
  label: string;
  speaker: string;
  minSeconds: number;
}

export interface ElderCutTask {
  kind: 'elder-cut';
  wav: string;
  label: string;
  dialect: string;
  speaker: string;
  outDir: string;
  /** Every segment the label rules keep, in order. */
  segments: SegmentPlan[];
  /**
   * Cut segments in order until this many are written (the speaker's place left under
   * the cap, at most segments.length); the ones after that are `speaker_cap` rejects.
   */
  take: number;
  /** Segments already cut from the speaker's earlier recordings. */
  speakerHas: number;
  cut: CutOptions;
}

export interface ProbeTask {
  kind: 'probe';
  paths: string[];
  minSeconds: number;
}

export type TaskRequest = DialectTask | SeoulTask | ElderPlanTask | ElderCutTask | ProbeTask;

export interface RecordingResult {
  rows: SegmentRow[];
  rejects: RejectRow[];
  /** Outputs came from an earlier run's done-marker; nothing was read or written. */
  reused: boolean;
  /** Segment files written by this task. */
  written: number;
  /** Bytes read from the source WAV (header + segment ranges). */
  sourceBytesRead: number;
  /** Seconds of audio in the rows. */
  seconds: number;
}

export interface PlanResult {
  segments: SegmentPlan[];
  rejects: RejectRow[];
  /** The label could not be read for a reason of the moment: keep what an earlier run cut, retry next run. */
  retry?: boolean;
}

export interface ProbeOutcome {
  /** Undefined when the row is kept. */
  reason?: RejectReason;
  detail: string;
  duration: number;
}

export interface ProbeResult {
  outcomes: ProbeOutcome[];
}

export type TaskResult = RecordingResult | PlanResult | ProbeResult;

export type TaskResponse = { id: number; ok: true; result: TaskResult } | { id: number; ok: false; error: string; stack?: string };
