// The /demo page's Live Chat tab (/demo?tab=livechat): a visitor of a company's website, played the way
// OneTalk's official clients call Parley (docs/livechat.md). The launcher's REST calls go to
// /api/visitor/v1/ with the Secret-Key (the demo's app key: any app key's secret is a Secret-Key); the
// case's conversation, the room `case:<id>`, comes through TapTalk's unmodified web SDK
// (window.TapTalkSDK) set up from get_configs. As in OneTalk's clients the chat SDK does not send:
// a message goes through client/case/send_message with its localID and comes back on the socket.
(() => {
  if (document.documentElement.dataset.tab !== 'livechat') return;

  const { taptalk, tapCoreRoomListManager, tapCoreChatRoomManager, tapCoreMessageManager } = window.TapTalkSDK;
  const config = JSON.parse(document.getElementById('demo-config').textContent);
  // The API is where this page is served from (/demo), so a proxy's path prefix is kept.
  const VISITOR_API = `${new URL('.', location.href).href.replace(/\/$/, '')}/api/visitor/v1`;
  const SESSION_KEY = 'parley-demo.livechat.session';
  const DEVICE_KEY = 'parley-demo.livechat.device';
  const NOTICE_KEY = 'parley-demo.notice';
  const TYPING_IDLE_MS = 3000;
  const TYPING_SHOWN_MS = 8000;
  const TEXT = 1001;
  const CASE_EVENTS = [3001, 3002, 3003, 3004, 3005, 3006, 3007];
  const MARKS = { sending: '🕓', failed: '⚠', sent: '✓', delivered: '✓✓', read: '✓✓' };

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const state = {
    /** {accessToken, refreshToken, user}: the visitor's OneTalk session, kept in this tab. */
    session: JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null'),
    configs: null,
    topics: [],
    /** case id → case (as the visitor API shows it) */
    cases: new Map(),
    /** case id → Map(localID → chat message) */
    messages: new Map(),
    unread: new Map(),
    typing: new Map(),
    openId: null,
    me: null,
    rating: 0,
    refreshing: null,
    typingSentIn: null,
    typingTimer: undefined,
    reconnectTimer: undefined,
    everConnected: false,
    leaving: false,
  };

  function notice(text) {
    $('notice-text').textContent = text;
    $('notice').hidden = text === '';
  }

  function setStatus(stateName, text) {
    $('status').dataset.state = stateName;
    $('status').textContent = text;
  }

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  /** getRandomValues, not randomUUID: the page may be opened over plain http from a phone. */
  const randomHex = (n) => hex(crypto.getRandomValues(new Uint8Array(n)));

  function deviceID() {
    const kept = sessionStorage.getItem(DEVICE_KEY);
    if (kept !== null) return kept;
    const id = randomHex(16);
    sessionStorage.setItem(DEVICE_KEY, id);
    return id;
  }

  // ---------------------------------------------------------------------------------------------
  // The visitor API, with the headers OneTalk's web launcher sends

  async function call(path, body, bearer) {
    const headers = {
      'content-type': 'application/json',
      'secret-key': config.appKeySecret,
      'device-identifier': deviceID(),
      'device-model': navigator.appName,
      'device-platform': 'web',
    };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const res = await fetch(`${VISITOR_API}/${path}`, { method: 'POST', headers, body: JSON.stringify(body ?? null) });
    return res.json();
  }

  function unwrap(envelope) {
    if (envelope.status === 200) return envelope.data;
    const err = new Error(envelope.error.message);
    err.code = envelope.error.code;
    throw err;
  }

  function saveSession(bundle) {
    state.session = { accessToken: bundle.accessToken, refreshToken: bundle.refreshToken, user: bundle.user };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(state.session));
  }

  /** One refresh at a time: a refresh token works once. */
  function refresh() {
    state.refreshing ??= call('auth/access_token/refresh', null, state.session.refreshToken)
      .then((envelope) => saveSession(unwrap(envelope)))
      .finally(() => {
        state.refreshing = null;
      });
    return state.refreshing;
  }

  /** A call as the visitor; status 401 refreshes the tokens once and tries again, as OneTalk's SDKs do. */
  async function visitorApi(path, body) {
    let envelope = await call(path, body, state.session.accessToken);
    if (envelope.status === 401) {
      try {
        await refresh();
      } catch {
        leave('Your Live Chat session has ended: start again.');
        throw new Error('signed out');
      }
      envelope = await call(path, body, state.session.accessToken);
    }
    return unwrap(envelope);
  }

  // ---------------------------------------------------------------------------------------------
  // Cases and their messages

  const caseIdOf = (room) => {
    const match = /^case:(\d+)$/.exec(room.xcRoomID || room.roomID || '');
    return match === null ? null : Number(match[1]);
  };
  const fromOther = (m) => state.me !== null && m.user.userID !== state.me.userID;
  const isEvent = (m) => CASE_EVENTS.includes(m.type);

  function statusOf(m) {
    if (m.isFailedSend) return 'failed';
    if (m.isRead) return 'read';
    if (m.isDelivered) return 'delivered';
    if (m.isSending) return 'sending';
    return 'sent';
  }

  function messagesOf(id) {
    const kept = state.messages.get(id);
    if (kept !== undefined) return kept;
    const map = new Map();
    state.messages.set(id, map);
    return map;
  }

  /** Keeps the newest copy of a message: the server's echo replaces the pending one (same localID). */
  function upsert(id, m) {
    const map = messagesOf(id);
    const known = map.get(m.localID);
    if (known !== undefined && !known.isSending && m.isSending) return;
    if (known !== undefined && !known.isSending && m.updated < known.updated) return;
    map.set(m.localID, m);
  }

  async function refreshCases() {
    const { cases } = await visitorApi('client/case/get_list', { withTapTalkRoom: true });
    for (const c of cases) {
      state.cases.set(c.id, c);
      if (c.id !== state.openId && !state.unread.has(c.id)) state.unread.set(c.id, c.tapTalkRoom?.unreadCount ?? 0);
    }
  }

  async function refreshCase(id) {
    const { case: c } = await visitorApi('client/case/get_by_id', { id });
    state.cases.set(c.id, c);
    render();
  }

  function markRead(id) {
    const ids = [...messagesOf(id).values()].filter((m) => fromOther(m) && !m.isRead && m.messageID !== '0').map((m) => m.messageID);
    state.unread.set(id, 0);
    if (ids.length > 0 && taptalk.isConnected()) tapCoreMessageManager.markMessageAsRead(ids);
  }

  function openCase(id) {
    stopTyping();
    state.openId = id;
    state.rating = 0;
    markRead(id);
    render();
    // History: the SDK asks Parley for the room's messages (list_by_room/before).
    tapCoreMessageManager.getOlderMessagesBeforeTimestamp(`case:${id}`, 50, {
      onSuccess: (messages) => {
        for (const m of Object.values(messages)) upsert(id, m);
        if (state.openId === id) markRead(id);
        render(true);
      },
      onError: (code, message) => notice(`Could not load the messages: ${message} (${code})`),
    });
  }

  async function send(text) {
    const c = state.cases.get(state.openId);
    if (c === undefined) return;
    // The localID the chat SDK would give it (32 hex digits): the socket's echo carries it back.
    const pending = { localID: randomHex(16), messageID: '0', type: TEXT, body: text, created: Date.now(), updated: 0, user: state.me, isSending: true };
    upsert(c.id, pending);
    render(true);
    try {
      await visitorApi('client/case/send_message', {
        id: c.id,
        createdTime: c.createdTime,
        localID: pending.localID,
        replyToLocalID: null,
        messageType: 'text',
        text,
      });
    } catch (err) {
      upsert(c.id, { ...pending, isSending: false, isFailedSend: true, updated: Date.now() });
      notice(`Could not send: ${err.message}`);
      render();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering

  function render(scrollDown = false) {
    renderCases();
    renderChat(scrollDown);
  }

  function stateText(c) {
    if (c.isClosed) return c.rating > 0 ? `Closed · rated ${'★'.repeat(c.rating)}` : 'Closed';
    return c.agentFullName ? `With ${c.agentFullName}` : 'Waiting for an agent…';
  }

  function renderCases() {
    const list = $('lc-cases');
    list.replaceChildren();
    const cases = [...state.cases.values()].sort((a, b) => b.createdTime - a.createdTime);
    if (cases.length === 0) list.append(el('li', 'empty', 'No cases yet'));
    for (const c of cases) {
      const item = el('li');
      item.dataset.caseId = String(c.id);
      if (c.id === state.openId) item.classList.add('active');
      const text = el('div', 'text');
      text.append(el('div', 'name', `${c.topicName} · ${c.stringID}`));
      text.append(el('div', 'preview', state.typing.get(c.id) ? 'typing…' : stateText(c)));
      item.append(text);
      const unread = state.unread.get(c.id) ?? 0;
      if (unread > 0) item.append(el('span', 'unread', String(unread)));
      item.addEventListener('click', () => openCase(c.id));
      list.append(item);
    }
  }

  function renderChat(scrollDown) {
    const c = state.openId === null ? undefined : state.cases.get(state.openId);
    $('lc-title').textContent = c === undefined ? 'Pick a case' : `${c.topicName} · case ${c.stringID}`;
    $('lc-state').textContent = c === undefined ? '' : stateText(c);
    const typing = c === undefined ? undefined : state.typing.get(c.id);
    $('lc-typing').textContent = typing ? `${typing} is typing…` : '';
    $('lc-close').hidden = c === undefined || c.isClosed;
    $('lc-composer').hidden = c === undefined || c.isClosed;
    $('lc-rate').hidden = c === undefined || !c.isClosed || c.rating > 0;
    $('lc-rated').hidden = c === undefined || !(c.rating > 0);
    $('lc-rated').textContent = c?.rating > 0 ? `Thank you: you rated this case ${'★'.repeat(c.rating)}${c.ratingNote ? ` (“${c.ratingNote}”)` : ''}.` : '';
    for (const star of $('lc-stars').children) star.classList.toggle('on', Number(star.dataset.rating) <= state.rating);
    $('lc-rate-button').disabled = state.rating === 0;
    const list = $('lc-messages');
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren();
    if (c === undefined) return;
    const messages = [...messagesOf(c.id).values()].filter((m) => !m.isHidden).sort((a, b) => a.created - b.created);
    for (const m of messages) {
      if (isEvent(m)) {
        const item = el('li', 'message system', m.body ?? '');
        item.dataset.type = String(m.type);
        list.append(item);
        continue;
      }
      const mine = !fromOther(m);
      const item = el('li', mine ? 'message mine' : 'message');
      item.dataset.localId = m.localID;
      item.dataset.status = statusOf(m);
      item.append(el('span', 'body', m.isDeleted ? '(deleted)' : (m.body ?? '')));
      const who = mine ? '' : `${m.user.fullname} · `;
      const meta = el('span', 'meta', `${who}${new Date(m.created).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`);
      if (mine) {
        const mark = el('span', 'mark', MARKS[statusOf(m)]);
        mark.title = statusOf(m);
        meta.append(mark);
      }
      item.append(meta);
      list.append(item);
    }
    if (atBottom || scrollDown) list.scrollTop = list.scrollHeight;
  }

  // ---------------------------------------------------------------------------------------------
  // The chat SDK: listeners (every callback it may call must exist), typing, the socket

  const messageListener = {
    onReceiveNewMessage: (m) => {
      const id = caseIdOf(m.room);
      if (id === null) return;
      upsert(id, m);
      if (fromOther(m)) {
        state.typing.delete(id);
        if (id === state.openId) markRead(id);
        else if (!m.isRead) state.unread.set(id, (state.unread.get(id) ?? 0) + 1);
      }
      // A case event (closed, reviewed, an agent joined…): the case itself has changed.
      if (isEvent(m) || !state.cases.has(id)) refreshCase(id).catch(() => {});
      render(id === state.openId);
    },
    onReceiveUpdateMessage: (m) => {
      const id = caseIdOf(m.room);
      if (id === null) return;
      upsert(id, m);
      render();
    },
  };

  const typingShown = new Map();
  const roomStatusListener = {
    onReceiveStartTyping: (roomID, user) => {
      const id = caseIdOf({ roomID });
      if (id === null) return;
      state.typing.set(id, user.fullname);
      clearTimeout(typingShown.get(id));
      typingShown.set(
        id,
        setTimeout(() => roomStatusListener.onReceiveStopTyping(roomID), TYPING_SHOWN_MS),
      );
      render();
    },
    onReceiveStopTyping: (roomID) => {
      const id = caseIdOf({ roomID });
      if (id === null || !state.typing.delete(id)) return;
      render();
    },
    onReceiveOnlineStatus: () => {},
    onReceiveScheduledMessage: () => {},
  };

  function emitTyping(start, id) {
    if (!taptalk.isConnected()) return;
    const emit = start ? tapCoreChatRoomManager.sendStartTypingEmit : tapCoreChatRoomManager.sendStopTypingEmit;
    Promise.resolve()
      .then(() => emit(`case:${id}`))
      .catch(() => {});
  }

  function stopTyping() {
    clearTimeout(state.typingTimer);
    if (state.typingSentIn !== null) emitTyping(false, state.typingSentIn);
    state.typingSentIn = null;
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    setStatus('connecting', 'connecting…');
    taptalk.connect({
      onSuccess: () => {
        setStatus('connected', 'connected');
        // Back after a drop: what the open case missed (list_by_room/after), and the cases' state.
        if (state.everConnected && state.openId !== null) {
          const id = state.openId;
          tapCoreMessageManager.getNewerMessagesAfterTimestamp(`case:${id}`, {
            onSuccess: (messages) => {
              for (const m of Object.values(messages)) upsert(id, m);
              markRead(id);
              render();
            },
            onError: () => {},
          });
          refreshCases().then(render, () => {});
        }
        state.everConnected = true;
      },
      onClose: () => reconnectSoon(),
      onError: () => reconnectSoon(),
    });
  }

  function reconnectSoon() {
    if (state.leaving) return;
    setStatus('disconnected', 'disconnected, retrying…');
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(connect, 3000);
  }

  /** A chat ticket for the visitor's chat user (client/taptalk/request_auth_ticket), redeemed by the SDK. */
  async function authenticateChat() {
    const { ticket } = await visitorApi('client/taptalk/request_auth_ticket', null);
    await new Promise((resolve, reject) =>
      taptalk.authenticateWithAuthTicket(ticket, false, {
        onSuccess: resolve,
        onError: (code, message) => reject(new Error(`${message} (${code})`)),
      }),
    );
  }

  /**
   * The room list first: it is what makes the SDK follow (and decrypt) the rooms' messages, and the SDK
   * loads it only while it knows no room, so before any history is asked for.
   */
  function loadRoomsAndConnect() {
    setStatus('connecting', 'loading…');
    return new Promise((resolve) =>
      tapCoreRoomListManager.getUpdatedRoomList({
        onSuccess: () => resolve(connect()),
        onError: () => resolve(connect()),
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Session

  function showStart() {
    const signedIn = state.session !== null;
    $('lc-app').hidden = true;
    $('lc-start').hidden = false;
    $('lc-who').hidden = signedIn;
    $('lc-who').disabled = signedIn;
    $('lc-cancel').hidden = !signedIn;
    $('lc-start-title').textContent = signedIn ? 'A new case' : 'Talk to us';
    const select = $('lc-topic');
    if (select.options.length === 0) for (const topic of state.topics) select.append(new Option(topic.name, String(topic.id)));
    if (state.topics.length === 0) notice('This project has no topics yet: create one with `parley topic create` (npm start creates one).');
    (signedIn ? $('lc-message') : $('lc-name')).focus();
  }

  function showApp() {
    $('lc-start').hidden = true;
    $('lc-app').hidden = false;
    $('me').hidden = false;
    $('me-name').textContent = state.session.user.fullName;
    document.title = `${state.session.user.fullName} · Parley Live Chat demo`;
  }

  /** Signed in (a new guest, or the session this tab kept across a reload): cases, then the chat. */
  async function enter(openId) {
    showApp();
    await refreshCases();
    const newest = [...state.cases.values()].sort((a, b) => b.createdTime - a.createdTime);
    openId ??= (newest.find((c) => !c.isClosed) ?? newest[0])?.id ?? null;
    tapCoreChatRoomManager.addMessageListener(messageListener);
    tapCoreChatRoomManager.addRoomStatusListener(roomStatusListener);
    if (!taptalk.isAuthenticated()) await authenticateChat();
    state.me = taptalk.getTaptalkActiveUser();
    await loadRoomsAndConnect();
    if (openId !== null) openCase(openId);
    else render();
  }

  function leave(text) {
    state.leaving = true;
    if (text) sessionStorage.setItem(NOTICE_KEY, text);
    sessionStorage.removeItem(SESSION_KEY);
    taptalk.disconnect();
    taptalk.logoutAndClearAllTapTalkData({ onSuccess: () => {}, onError: () => {} });
    setTimeout(() => location.reload(), 300);
  }

  $('lc-start-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = $('lc-message').value.trim();
    if (message === '') return;
    notice('');
    $('lc-start-button').disabled = true;
    const first = state.session === null;
    try {
      if (first) {
        // A guest: sign-up (Secret-Key only), then the ticket redeemed for the visitor's tokens.
        const guest = unwrap(await call('client/user/create', { fullName: $('lc-name').value.trim(), email: $('lc-email').value.trim() }));
        saveSession(unwrap(await call('auth/access_token/request', null, guest.ticket)));
      }
      const { case: c } = await visitorApi('client/case/create', { topicID: Number($('lc-topic').value), message });
      state.cases.set(c.id, c);
      $('lc-message').value = '';
      if (first) await enter(c.id);
      else {
        showApp();
        openCase(c.id);
      }
    } catch (err) {
      notice(`Could not open the case: ${err.message}`);
    } finally {
      $('lc-start-button').disabled = false;
    }
  });

  $('lc-cancel').addEventListener('click', () => showApp());
  $('lc-new').addEventListener('click', () => {
    stopTyping();
    showStart();
  });
  $('sign-out').addEventListener('click', () => {
    visitorApi('client/logout', null).catch(() => {});
    leave('');
  });
  $('notice-close').addEventListener('click', () => notice(''));

  $('lc-close').addEventListener('click', async () => {
    const id = state.openId;
    try {
      await visitorApi('client/case/close', { id });
      await refreshCase(id);
    } catch (err) {
      notice(`Could not end the case: ${err.message}`);
    }
  });

  $('lc-stars').addEventListener('click', (event) => {
    const rating = Number(event.target.dataset?.rating);
    if (!rating) return;
    state.rating = rating;
    renderChat(false);
  });
  $('lc-rate').addEventListener('submit', async (event) => {
    event.preventDefault();
    const id = state.openId;
    try {
      await visitorApi('client/case/rate', { id, rating: state.rating, note: $('lc-note').value.trim() });
      $('lc-note').value = '';
      await refreshCase(id);
    } catch (err) {
      notice(`Could not rate: ${err.message}`);
    }
  });

  $('lc-input').addEventListener('input', () => {
    if (state.openId === null) return;
    if ($('lc-input').value === '') return stopTyping();
    if (state.typingSentIn !== state.openId) {
      stopTyping();
      emitTyping(true, state.openId);
      state.typingSentIn = state.openId;
    }
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  $('lc-composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('lc-input').value.trim();
    if (text === '') return;
    $('lc-input').value = '';
    stopTyping();
    send(text);
  });

  // ---------------------------------------------------------------------------------------------
  // Start: the launcher's configuration and topics (Secret-Key only), then the chat SDK set up from it

  async function start() {
    const kept = sessionStorage.getItem(NOTICE_KEY);
    sessionStorage.removeItem(NOTICE_KEY);
    if (kept) notice(kept);
    const [configs, topics] = await Promise.all([call('client/project/get_configs'), call('client/topic/get_list')]);
    state.configs = unwrap(configs);
    state.topics = unwrap(topics).topics;
    document.documentElement.style.setProperty('--launcher', state.configs.launcherConfigs.hexColor);
    const { apiURL, appKeyID, appKeySecret } = state.configs.tapTalk;
    taptalk.init(appKeyID, appKeySecret, apiURL);
    // The chat SDK's own session ended: a fresh chat ticket, as OneTalk's clients do.
    taptalk.addTapListener({
      onTapTalkRefreshTokenExpired: () =>
        authenticateChat()
          .then(loadRoomsAndConnect)
          .catch((err) => notice(`The chat stopped: ${err.message}`)),
    });
    if (state.session === null) {
      if (taptalk.isAuthenticated()) taptalk.logoutAndClearAllTapTalkData({ onSuccess: () => {}, onError: () => {} });
      showStart();
    } else {
      await enter();
    }
  }

  start().catch((err) => notice(`Live Chat is unavailable: ${err.message}`));
})();
