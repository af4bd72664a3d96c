// The /inbox page's script: an agent signs in (cookie session), sees open cases by topic, and answers
// them through the agent API (/inbox/api/, docs/livechat.md). The chat socket comes from TapTalk's
// official web SDK (window.TapTalkSDK, bundled at install) signed in as the agent's own chat user
// (chat_ticket): it brings the visitor's typing and new messages live. Plain DOM code, no framework.
(() => {
  const { taptalk, tapCoreRoomListManager, tapCoreChatRoomManager, tapCoreMessageManager } = window.TapTalkSDK;
  const TYPING_IDLE_MS = 3000;
  const TYPING_SHOWN_MS = 8000;
  const POLL_MS = 3000;

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const state = {
    agent: null,
    csrf: '',
    topics: [],
    openId: null,
    open: null,
    typing: new Map(),
    typingSent: null,
    typingTimer: undefined,
    poll: undefined,
  };

  function notice(text) {
    $('notice').textContent = text;
    $('notice').hidden = !text;
  }

  function setStatus(kind, text) {
    $('status').dataset.state = kind;
    $('status').textContent = text;
  }

  /** One agent API call; a refusal throws with the envelope's message. */
  async function api(path, body) {
    const init =
      body === undefined
        ? { cache: 'no-store' }
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-parley-csrf': state.csrf },
            body: JSON.stringify(body),
          };
    const res = await fetch(`inbox/api/${path}`, init);
    const envelope = await res.json();
    if (envelope.status !== 200) {
      const err = new Error(envelope.error.message);
      err.code = envelope.error.code;
      throw err;
    }
    return envelope.data;
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering

  function renderCases() {
    const aside = $('cases');
    aside.replaceChildren();
    if (state.topics.length === 0) aside.append(el('p', 'empty', 'No open cases.'));
    for (const topic of state.topics) {
      aside.append(el('h2', '', topic.topicName));
      const list = el('ul');
      for (const c of topic.cases) {
        const li = el('li', c.id === state.openId ? 'active' : '');
        li.dataset.caseId = String(c.id);
        if (c.unreadCount > 0) li.append(el('span', 'unread', String(c.unreadCount)));
        li.append(el('div', 'name', c.contact.fullName || c.contact.email || `Case ${c.stringID}`));
        const typing = state.typing.get(c.tapTalkXCRoomID);
        li.append(el('div', 'preview', typing ? 'typing…' : (c.lastMessage?.text ?? '')));
        li.append(el('div', 'who', c.mine ? 'yours' : c.agentFullName ? `with ${c.agentFullName}` : 'waiting'));
        li.addEventListener('click', () => openCase(c.id));
        list.append(li);
      }
      aside.append(list);
    }
  }

  function renderCase() {
    const view = state.open;
    $('placeholder').hidden = view !== null;
    $('case-view').hidden = view === null;
    $('app').classList.toggle('open', view !== null);
    if (view === null) return;
    const c = view.case;
    $('case-title').textContent = `${c.contact.fullName || 'Visitor'} · ${c.topicName}`;
    $('case-state').textContent = c.isClosed ? '(closed)' : c.mine ? '(yours)' : c.agentFullName ? `(with ${c.agentFullName})` : '(waiting)';
    const details = [c.contact.alias, c.contact.email, c.contact.phone, c.contact.customerUserID && `customer ${c.contact.customerUserID}`];
    $('case-contact').textContent = details.filter(Boolean).join(' · ');
    $('case-remark').textContent = [c.agentRemark && `Remark: ${c.agentRemark}`, c.isJunk && 'Junk'].filter(Boolean).join(' · ');
    $('take').hidden = c.mine || c.isClosed;
    $('close').hidden = !c.mine || c.isClosed;
    $('junk').hidden = !c.mine;
    $('junk').textContent = c.isJunk ? 'Not junk' : 'Junk';
    $('remark-form').hidden = !c.mine;
    $('reply-form').hidden = !c.mine || c.isClosed;
    const box = $('messages');
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    box.replaceChildren();
    for (const m of view.messages) {
      const system = m.type >= 3001 && m.type <= 3007;
      const node = el('div', `msg ${system ? 'system' : m.fromVisitor ? 'visitor' : 'agent'}`);
      node.dataset.type = String(m.type);
      node.append(el('div', 'text', m.text));
      if (!system) {
        const when = new Date(m.created).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
        const read = !m.fromVisitor && m.isRead ? ' · read' : '';
        node.append(el('div', 'meta', `${m.senderName} · ${when}${read}`));
      }
      box.append(node);
    }
    if (atBottom) box.scrollTop = box.scrollHeight;
    const typing = state.typing.get(c.tapTalkXCRoomID);
    $('typing').textContent = typing ? `${typing} is typing…` : '';
  }

  // ---------------------------------------------------------------------------------------------
  // Cases

  async function refreshCases() {
    try {
      state.topics = (await api('cases')).topics;
      renderCases();
      if (state.openId !== null) await loadCase(state.openId);
    } catch (err) {
      if (err.code === '40131' || err.code === '40132' || err.code === '40133') return signedOut('Your session has ended: sign in again.');
      notice(`Could not load the cases: ${err.message}`);
    }
  }

  async function loadCase(id) {
    state.open = await api('case/get', { id });
    state.openId = id;
    markRead();
    renderCase();
  }

  async function openCase(id) {
    stopTyping();
    try {
      await loadCase(id);
      renderCases();
    } catch (err) {
      notice(err.message);
    }
  }

  /** The visitor's messages in the open case are read once the agent sees them (through the chat SDK). */
  function markRead() {
    if (state.open === null || !taptalk.isConnected()) return;
    const ids = state.open.messages.filter((m) => m.fromVisitor && !m.isRead).map((m) => m.messageID);
    if (ids.length > 0) tapCoreMessageManager.markMessageAsRead(ids);
  }

  async function act(path, extra = {}) {
    notice('');
    try {
      state.open = await api(path, { id: state.openId, ...extra });
      renderCase();
      refreshCases();
    } catch (err) {
      notice(err.message);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Chat socket (typing, live messages)

  function emitTyping(start, roomID) {
    if (!taptalk.isConnected()) return;
    (start ? tapCoreChatRoomManager.sendStartTypingEmit : tapCoreChatRoomManager.sendStopTypingEmit)(roomID);
  }

  function stopTyping() {
    clearTimeout(state.typingTimer);
    if (state.typingSent !== null) emitTyping(false, state.typingSent);
    state.typingSent = null;
  }

  const typingShown = new Map();
  const roomStatusListener = {
    onReceiveStartTyping: (roomID, user) => {
      state.typing.set(roomID, user.fullname);
      clearTimeout(typingShown.get(roomID));
      typingShown.set(
        roomID,
        setTimeout(() => roomStatusListener.onReceiveStopTyping(roomID), TYPING_SHOWN_MS),
      );
      renderCases();
      renderCase();
    },
    onReceiveStopTyping: (roomID) => {
      if (!state.typing.delete(roomID)) return;
      renderCases();
      renderCase();
    },
    onReceiveOnlineStatus: () => {},
    onReceiveScheduledMessage: () => {},
  };

  const messageListener = {
    onReceiveNewMessage: (m) => {
      state.typing.delete(m.room.roomID);
      refreshCases();
    },
    onReceiveUpdateMessage: () => refreshCases(),
  };

  function connect() {
    setStatus('connecting', 'connecting…');
    taptalk.connect({
      onSuccess: () => {
        setStatus('connected', 'live');
        markRead();
      },
      onClose: () => reconnectSoon(),
      onError: () => reconnectSoon(),
    });
  }

  function reconnectSoon() {
    if (state.agent === null) return;
    setStatus('disconnected', 'reconnecting…');
    setTimeout(connect, 3000);
  }

  async function startChat() {
    $('status').hidden = false;
    setStatus('connecting', 'connecting…');
    const chat = await api('chat_ticket', {});
    taptalk.init(chat.appKeyID, chat.appKeySecret, chat.apiURL);
    tapCoreChatRoomManager.addMessageListener(messageListener);
    tapCoreChatRoomManager.addRoomStatusListener(roomStatusListener);
    taptalk.authenticateWithAuthTicket(chat.ticket, false, {
      onSuccess: () =>
        // The room list first: it is what makes the SDK follow the rooms' messages.
        tapCoreRoomListManager.getUpdatedRoomList({ onSuccess: () => connect(), onError: () => connect() }),
      onError: (code, message) => setStatus('disconnected', `chat unavailable: ${message} (${code})`),
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Session

  function enter(me) {
    state.agent = me.agent;
    state.csrf = me.csrfToken;
    $('sign-in').hidden = true;
    $('app').hidden = false;
    $('me').hidden = false;
    $('me-name').textContent = me.agent.fullName;
    document.title = `${me.agent.fullName} · Parley inbox`;
    renderCase();
    refreshCases();
    state.poll = setInterval(refreshCases, POLL_MS);
    startChat().catch((err) => setStatus('disconnected', `chat unavailable: ${err.message}`));
  }

  function signedOut(text) {
    state.agent = null;
    clearInterval(state.poll);
    if (taptalk.isConnected()) taptalk.disconnect();
    $('app').hidden = true;
    $('me').hidden = true;
    $('status').hidden = true;
    $('sign-in').hidden = false;
    notice(text);
  }

  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    notice('');
    $('sign-in-button').disabled = true;
    try {
      const data = await api('login', { project: $('project').value.trim(), email: $('email').value.trim(), password: $('password').value });
      $('password').value = '';
      enter(data);
    } catch (err) {
      notice(`Sign-in failed: ${err.message}`);
    } finally {
      $('sign-in-button').disabled = false;
    }
  });

  $('sign-out').addEventListener('click', async () => {
    try {
      await api('logout', {});
    } finally {
      taptalk.logoutAndClearAllTapTalkData({ onSuccess: () => {}, onError: () => {} });
      signedOut('');
    }
  });

  $('back').addEventListener('click', () => {
    stopTyping();
    state.openId = null;
    state.open = null;
    renderCase();
    renderCases();
  });
  $('take').addEventListener('click', () => act('case/take'));
  $('close').addEventListener('click', () => act('case/close'));
  $('junk').addEventListener('click', () => act('case/junk', { isJunk: !state.open.case.isJunk }));
  $('remark-form').addEventListener('submit', (event) => {
    event.preventDefault();
    act('case/remark', { remark: $('remark').value });
  });
  $('reply').addEventListener('input', () => {
    const roomID = state.open?.case.tapTalkXCRoomID;
    if (!roomID || $('reply').value === '') return stopTyping();
    if (state.typingSent !== roomID) {
      stopTyping();
      emitTyping(true, roomID);
      state.typingSent = roomID;
    }
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });
  $('reply-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = $('reply').value.trim();
    if (text === '') return;
    stopTyping();
    $('reply').value = '';
    await act('case/reply', { text });
  });

  const showSignIn = () => {
    $('sign-in').hidden = false;
    $('email').focus();
  };
  api('me')
    .then((me) => (me.agent === null ? showSignIn() : enter(me)))
    .catch(showSignIn);
})();
