// The live events stream (`GET /api/v1/events`): one EventSource, its events parsed and handed to
// the inbox. The browser reconnects by itself with `Last-Event-ID`; when the stream fails for
// good (the server refused it), a new one starts after the last id seen, or the session is over.

const EVENTS = ['ready', 'conversation', 'message', 'removed', 'counts', 'access', 'reset', 'closed'];

/**
 * Connects. `handlers` has one function per event name (data parsed from JSON), plus
 * `lost()` (the connection dropped) and `failed()` (the server refused the stream: check the
 * session). Returns `{close}`.
 */
export function connect(handlers) {
  let source = null;
  let lastId = null;
  let closed = false;
  let retry = null;
  let dropped = false;

  function open() {
    const url = lastId ? `/api/v1/events?after=${encodeURIComponent(lastId)}` : '/api/v1/events';
    source = new EventSource(url);
    for (const name of EVENTS) {
      source.addEventListener(name, (e) => {
        if (e.lastEventId) lastId = e.lastEventId;
        let data = {};
        try {
          data = e.data ? JSON.parse(e.data) : {};
        } catch {
          return;
        }
        if (name === 'ready' && dropped) {
          dropped = false;
          handlers.restored?.();
        }
        if (name === 'closed') {
          close();
        }
        handlers[name]?.(data);
      });
    }
    source.addEventListener('error', () => {
      if (closed) return;
      if (source.readyState === EventSource.CLOSED) {
        // Refused (401, say): the browser gives up; decide whether to start again.
        source = null;
        dropped = true;
        handlers.failed?.(() => {
          if (!closed) {
            clearTimeout(retry);
            retry = setTimeout(open, 2000);
          }
        });
      } else if (!dropped) {
        // Reconnecting by itself.
        dropped = true;
        handlers.lost?.();
      }
    });
  }

  function close() {
    closed = true;
    clearTimeout(retry);
    source?.close();
    source = null;
  }

  open();
  return { close };
}
