import { useEffect, useRef } from 'react';
import { useStdin } from 'ink';
import { decodeInput } from '../keys/decode.ts';
import type { KeyPress } from '../keys/decode.ts';

/**
 * Delivers decoded key presses. Subscribes to Ink's raw input events (the documented `useInput` loses function
 * keys) and turns raw mode on like `useInput` does. The handler is read through a ref so a re-render never
 * re-subscribes mid-stream.
 */
export function useKeys(handler: (key: KeyPress) => void): void {
  const { setRawMode, isRawModeSupported, internal_eventEmitter: events } = useStdin();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  }, [handler]);
  useEffect(() => {
    if (!isRawModeSupported) return;
    setRawMode(true);
    return () => setRawMode(false);
  }, [isRawModeSupported, setRawMode]);
  useEffect(() => {
    const onInput = (raw: string): void => {
      for (const key of decodeInput(raw)) ref.current(key);
    };
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
    };
  }, [events]);
}
