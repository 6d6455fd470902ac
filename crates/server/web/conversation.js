// The conversation pane: the conversation (`GET /conversations/{id}`), its messages, and buttons
// for exactly the actions the server lists in `actions`. After an action the pane shows the
// answer (200: the conversation as it is now; 204: it left the user's view). This file wires the
// pane's parts: its state (conversation-state.js), its rendering (conversation-view.js, with the
// head in conversation-head.js) and its actions (conversation-actions.js).

import { createActions } from './conversation-actions.js';
import { createView } from './conversation-view.js';

export { channelLabel, statusLabel } from './conversation-head.js';

/**
 * Creates the pane. `ctx`:
 *   me                     the logged-in user
 *   departments()          the account's departments
 *   deptName(id)           a department's name
 *   userName(id)           a user's name (null: unknown)
 *   backHref()             where the back link goes (the list)
 *   onGone(id, notFound)   the conversation is not visible (any more): drop it from the list
 *   onUpdated(detail)      an action changed the conversation
 * Returns {el, id(), open(id, {focus}), close(), refresh(), onMessage(m), render()}.
 */
export function createPane(ctx) {
  // The view's buttons call the actions, which draw with the view: bound once both exist.
  let actions = null;
  const view = createView(ctx, {
    act: (...args) => actions.act(...args),
    send: (mode, text) => actions.send(mode, text),
    sendFile: (mode, caption) => actions.sendFile(mode, caption),
    pickFile: (file) => actions.pickFile(file),
    startVoice: () => actions.startVoice(),
    stopVoice: (send) => actions.stopVoice(send),
    setForm: (form) => actions.setForm(form),
    redrawHead: () => actions.redrawHead(),
    loadOlder: () => actions.loadOlder(),
    chooseMode: (mode) => actions.chooseMode(mode),
    closeTemplate: (how) => actions.closeTemplate(how),
  });
  actions = createActions(ctx, view);

  view.render(actions.state());
  return {
    el: view.el,
    id: () => actions.state().id,
    open: actions.open,
    close: actions.close,
    refresh: actions.refresh,
    onMessage: actions.onMessage,
    render: () => {
      view.rebuildComposer();
      view.render(actions.state());
    },
  };
}
