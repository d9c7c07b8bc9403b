/**
 * Runs what key bindings ask for against the engines and the query service, and feeds the outcome back as
 * actions. Engine calls may throw or reject (a bad spec, a broker down): that becomes a message in the pane,
 * never an unhandled rejection.
 */
import type { Effect } from './effects-types.ts';
import type { MonitorServices } from './services.ts';
import type { MonitorAction } from './state.ts';

type Dispatch = (actions: MonitorAction[]) => void;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function notice(dispatch: Dispatch, text: string): void {
  dispatch([{ type: 'producers', action: { type: 'notice', tone: 'bad', text } }]);
}

function guarded(dispatch: Dispatch, what: string, fn: () => void | Promise<void>): void {
  try {
    const r = fn();
    if (r) r.catch((e: unknown) => notice(dispatch, `${what} failed: ${message(e)}`));
  } catch (e) {
    notice(dispatch, `${what} failed: ${message(e)}`);
  }
}

export function runEffect(effect: Effect, services: MonitorServices, dispatch: Dispatch): void {
  const producers = services.producers;
  const query = services.query;
  switch (effect.kind) {
    case 'quit':
      services.quit();
      return;
    case 'leavePane':
      return;
    case 'startProducer':
      if (producers) guarded(dispatch, 'start', () => producers.actions.startProducer(effect.id));
      return;
    case 'stopProducer':
      if (producers) guarded(dispatch, 'stop', () => producers.actions.stopProducer(effect.id));
      return;
    case 'startAll':
      if (producers) guarded(dispatch, 'start all', () => producers.actions.startAll());
      return;
    case 'stopAll':
      if (producers) guarded(dispatch, 'stop all', () => producers.actions.stopAll());
      return;
    case 'setPace':
      if (producers)
        guarded(dispatch, 'rate change', () => producers.actions.setPace(effect.id, effect.pace));
      return;
    case 'addProducer': {
      if (!producers) return;
      try {
        const before = producers.store.getSnapshot().producers.length;
        const id = producers.actions.add(effect.spec, { autostart: true });
        const after = producers.store.getSnapshot().producers;
        const name = after.find((p) => p.id === id)?.name ?? effect.spec;
        dispatch([
          { type: 'producers', action: { type: 'added', name, count: Math.max(after.length, before + 1) } },
        ]);
      } catch (e) {
        dispatch([
          { type: 'producers', action: { type: 'addRejected', text: effect.spec, error: message(e) } },
        ]);
      }
      return;
    }
    case 'runSql':
      services.history.append(effect.sql);
      if (!query) {
        dispatch([
          {
            type: 'sql',
            action: { type: 'finished', outcome: { kind: 'error', message: 'no query service' } },
          },
        ]);
        return;
      }
      void query
        .run(effect.sql)
        .catch((e: unknown) => ({ kind: 'error' as const, message: message(e) }))
        .then((outcome) => dispatch([{ type: 'sql', action: { type: 'finished', outcome } }]));
      return;
    case 'runSaved':
      if (!query) return;
      void query
        .runSaved(effect.name)
        .catch((e: unknown) => ({ kind: 'error' as const, message: message(e) }))
        .then((outcome) => dispatch([{ type: 'sql', action: { type: 'finished', outcome } }]));
      return;
    case 'cancelSql':
      if (query) void query.cancel().catch(() => {});
      return;
    default: {
      const never: never = effect;
      return never;
    }
  }
}
