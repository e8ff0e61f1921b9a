import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Renders only the rows in view (plus a margin), so a list of 100,000 costs what 30 rows cost.
 * Rows have a fixed height; `onEnd` is called when the last rows come into view (load the next page).
 */
export function VirtualList<T>(props: {
  items: T[];
  rowHeight: number;
  height: number;
  row: (item: T, index: number) => ComponentChildren;
  onEnd?: () => void;
}) {
  const { items, rowHeight, height } = props;
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / rowHeight) - 10);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + 10);

  useEffect(() => {
    if (props.onEnd && last >= items.length - 5 && items.length > 0) props.onEnd();
  }, [last, items.length]);

  return (
    <div
      class="vlist"
      ref={box}
      style={{ height: `${height}px` }}
      onScroll={(e) => setTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      <div style={{ height: `${items.length * rowHeight}px`, position: 'relative' }}>
        {items.slice(first, last).map((item, i) => (
          <div class="vrow" key={first + i} style={{ top: `${(first + i) * rowHeight}px`, height: `${rowHeight}px` }}>
            {props.row(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
