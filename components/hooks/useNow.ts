import { useEffect, useState } from 'react';

/** Current time, refreshed every `everyMs` (for uptime and ages); keeps Date.now() out of render. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    t.unref?.();
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
