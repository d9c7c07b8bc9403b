/** Windowing for long lists: only the visible rows are ever formatted or rendered. */

/** First visible index so that `selected` stays in view, scrolling as little as possible from `previous`. */
export function windowStart(selected: number, visible: number, total: number, previous = 0): number {
  if (visible <= 0 || total <= visible) return 0;
  let start = Math.min(Math.max(0, previous), total - visible);
  if (selected < start) start = selected;
  if (selected >= start + visible) start = selected - visible + 1;
  return Math.max(0, Math.min(start, total - visible));
}

/** Clamps a scroll offset to the list. */
export function clampScroll(scroll: number, visible: number, total: number): number {
  return Math.max(0, Math.min(scroll, Math.max(0, total - visible)));
}

export function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, perPage)));
}
