/**
 * Loads a JSON answer, again when `key` changes, when `refresh` moves (a live event) or when
 * `reload()` is called (after an action).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';

export interface Loaded<T> {
  data?: T;
  error?: string;
  reload(): void;
}

export function useData<T>(key: string | undefined, load: () => Promise<T>, refresh = 0): Loaded<T> {
  const [state, setState] = useState<{ key?: string; data?: T; error?: string }>({});
  const [generation, setGeneration] = useState(0);
  // Not on `load`: it is a new closure each render; `key` says what it loads. A refresh of the same
  // key keeps what is shown until the new answer comes: were it cleared, the view would unmount and
  // remount its forms, losing what the developer was typing when a live event arrived.
  useEffect(() => {
    if (key === undefined) return;
    let current = true;
    load().then(
      (data) => current && setState({ key, data }),
      (e: Error) => current && setState({ key, error: e.message }),
    );
    return () => {
      current = false;
    };
  }, [key, generation, refresh]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  // Data of another key is not shown under this one's heading.
  return state.key === key ? { data: state.data, error: state.error, reload } : { reload };
}
