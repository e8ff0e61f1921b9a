/** Status words as coloured badges, and progress as a bar. */

export const Badge = ({ value }: { value: string }) => <span class={`badge b-${value.toLowerCase()}`}>{value}</span>;

export const Progress = ({ value }: { value: number }) => (
  <span class="progress" role="progressbar" aria-valuenow={Math.round(value * 100)} aria-valuemin={0} aria-valuemax={100}>
    <span style={{ width: `${Math.round(value * 100)}%` }} />
  </span>
);
