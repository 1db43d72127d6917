import type { Candidate } from './types';

/** Two values this close (relative, absolute below 1) are a tie; identical texts give identical numbers anyway. */
const TIE_TOLERANCE = 1e-12;

export function same(a: number, b: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= TIE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/** A number for a reason line: 3 significant digits below 100, one decimal above; 'inf' / 'nan' spelled out. */
export function fmt(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Math.abs(value) >= 100) return value.toFixed(1);
  const text = String(Number(value.toPrecision(3)));
  return text === '-0' ? '0' : text;
}

/**
 * A short, unique name per candidate: the backend name when it generated one candidate, `backend#sampleIndex` when
 * it generated several, `backend#sampleIndex@listIndex` if even that repeats.
 */
export function candidateLabels(candidates: readonly Candidate[]): string[] {
  const perBackend = new Map<string, number>();
  for (const c of candidates) perBackend.set(c.backend, (perBackend.get(c.backend) ?? 0) + 1);
  const labels = candidates.map((c) =>
    (perBackend.get(c.backend) ?? 0) > 1 ? `${c.backend}#${c.sampleIndex}` : c.backend,
  );
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return labels.map((label, i) => ((counts.get(label) ?? 0) > 1 ? `${label}@${i}` : label));
}

export function joinLabels(indices: readonly number[], labels: readonly string[]): string {
  return indices.map((i) => labels[i]).join(', ');
}

/** "1.83 (ar) vs 2.40 (diffusion)": the winner first, then the others in list order. */
export function versus(
  winner: number,
  indices: readonly number[],
  value: (i: number) => number,
  labels: readonly string[],
): string {
  const others = indices.filter((i) => i !== winner).map((i) => `${fmt(value(i))} (${labels[i]})`);
  const head = `${fmt(value(winner))} (${labels[winner]})`;
  return others.length ? `${head} vs ${others.join(', ')}` : `${head}, the only candidate`;
}

export interface Pick {
  index: number;
  /** Candidates sharing the best value (the winner included); length 1 when there was no tie. */
  tied: number[];
}

/**
 * The tie rule every strategy shares: among tied candidates the autoregressive one wins, and among several (or no)
 * autoregressive ones the lowest index.
 */
export function breakTie(tied: readonly number[], candidates: readonly Candidate[]): number {
  const sorted = [...tied].sort((a, b) => a - b);
  return sorted.find((i) => candidates[i].kind === 'autoregressive') ?? sorted[0];
}

/** The best of indices by value (lower or higher wins), ties by {@link breakTie}. indices must not be empty. */
export function pickBest(
  indices: readonly number[],
  value: (i: number) => number,
  better: 'lower' | 'higher',
  candidates: readonly Candidate[],
): Pick {
  const sign = better === 'lower' ? 1 : -1;
  let best = value(indices[0]);
  for (const i of indices) if (sign * value(i) < sign * best) best = value(i);
  const tied = indices.filter((i) => same(value(i), best));
  return { index: breakTie(tied, candidates), tied };
}

/** "; tie → autoregressive candidate ar" when the pick was a tie, else "". */
export function tieNote(pick: Pick, candidates: readonly Candidate[], labels: readonly string[]): string {
  if (pick.tied.length < 2) return '';
  const rule =
    candidates[pick.index].kind === 'autoregressive'
      ? 'autoregressive candidate'
      : 'lowest index (no AR candidate)';
  return `; tie between ${joinLabels(pick.tied, labels)} → ${rule} ${labels[pick.index]}`;
}
