export interface RawSummary {
  sampleTypes: { type: string; unit: string }[];
  samples: number;
  totals: number[];
  periodType: { type: string; unit: string } | null;
  period: number | null;
}
export function summarizeRaw(text: string): RawSummary;
